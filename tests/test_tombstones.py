"""A removal on a generation with deltas writes tombstones (``qa.tombstones``): a delta of a few
small files, every other file linked; the index then answers as a whole build of the articles
left, until removals pass ``REMOVED_FRACTION`` and a compaction numbers the rows again."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import qa.build_append
from qa.build import repair_index, write_index
from qa.cli import main
from qa.errors import ArticleNotFoundError, IndexCorruptError, IndexFormatError
from qa.ingest import ingest_paths
from qa.manifest import (
    DELTAS_FORMAT_VERSION,
    FORMAT_VERSION,
    TOMBSTONES_FORMAT_VERSION,
    check_generation,
    read_manifest,
)
from qa.retrieve import Retriever
from qa.settings import VectorIndexKind
from qa.store import IndexStore
from qa.tombstones import REMOVED, Removed, runs
from qa.vectors import FaissVectorStore
from tests.conftest import FIXTURES
from tests.test_build_append import _flip_byte, _written

QUESTIONS = ["威海“十四五”时期新能源产业的发展目标是多少？", "孙立群在上海考察期间会见了哪些企业负责人？",
             "双岛湾大桥什么时候建成通车？", "海纳医疗向哪家医院捐赠了设备？", "Who did Sun Liqun meet in Shanghai?",
             "金沙湾海底观光隧道"]


@pytest.fixture(scope="module")
def news():
    """Six fictional Chinese news articles (tests/fixtures/news.jsonl)."""
    return ingest_paths([FIXTURES / "news.jsonl"]).articles


@pytest.fixture(autouse=True)
def _small_corpus(monkeypatch):
    """Six articles: one removed is a sixth of the rows, and each delta a large part of the base
    (the limits are tested below as they are)."""
    monkeypatch.setattr(qa.build_append, "DELTA_FRACTION", 10.0)
    monkeypatch.setattr(qa.build_append, "REMOVED_FRACTION", 0.5)


def _base_and_delta(tmp_path, news, encoder):
    """An index of five articles in its base and the sixth in a delta."""
    root = tmp_path / "index"
    write_index(root, encoder=encoder, add=news[:5])
    write_index(root, encoder=encoder, add=news[5:])
    return root


def _whole(tmp_path, name, articles, encoder):
    root = tmp_path / name
    write_index(root, encoder=encoder, add=articles)
    return root


def assert_answers_alike(a, b, encoder) -> None:
    """The index at ``a`` reads and answers as the one at ``b`` (rows may be numbered otherwise):
    the same articles, chunks, names, dates, lexicon, BM25 vocabulary and scores, dense neighbours,
    and retrieval hits for the questions."""
    s, w = IndexStore.open(a), IndexStore.open(b)
    try:
        assert s.articles() == w.articles()
        assert (s.manifest.articles, s.manifest.chunks, s.manifest.sentences) == (
            w.manifest.articles, w.manifest.chunks, w.manifest.sentences)
        for info in w.articles():
            assert s.article(info.id) == w.article(info.id)
            assert s.article_chunks(info.id) == w.article_chunks(info.id)
        assert sorted(s.names()) == sorted(w.names()) and s.transliterations == w.transliterations
        assert dict(s.lexicon["pinyin"]) == dict(w.lexicon["pinyin"])

        def dates(store):
            return sorted((n, aid, tuple(c.id for c in store.chunks(range(lo, hi + 1))))
                          for n, aid, lo, hi in store.date_mentions())

        assert dates(s) == dates(w)
        assert s.bm25.vocab.keys() == w.bm25.vocab.keys() and s.bm25.num_docs == w.bm25.num_docs

        def by_chunk(store, scores):
            rows = np.flatnonzero(scores)
            return dict(zip((c.id for c in store.chunks(rows)), scores[rows].tolist()))

        for t in w.bm25.vocab:
            assert by_chunk(s, s.bm25.scores([t])) == pytest.approx(by_chunk(w, w.bm25.scores([t])), rel=1e-6), t
        q = encoder.encode_queries(QUESTIONS)
        for k in (5, 1000):  # (rows of equal score may come in either order)
            (ss, sr), (ws, wr) = s.vectors.search(q, k), w.vectors.search(q, k)
            np.testing.assert_allclose(ss, ws, rtol=0, atol=1e-6)
            for mine, theirs, scores in zip(sr, wr, ws):
                assert sorted(zip(scores.round(5), ((x.article_id, x.start) for x in s.sentences(mine)))) == sorted(
                    zip(scores.round(5), ((x.article_id, x.start) for x in w.sentences(theirs))))
            (ss, sr), (ws, wr) = s.chunk_vectors.search(q, k), w.chunk_vectors.search(q, k)
            np.testing.assert_allclose(ss, ws, rtol=0, atol=1e-6)
            for mine, theirs, scores in zip(sr, wr, ws):
                assert sorted(zip(scores.round(5), (c.id for c in s.chunks(mine)))) == sorted(
                    zip(scores.round(5), (c.id for c in w.chunks(theirs))))
        for question in QUESTIONS:
            mine, theirs = (Retriever(x, encoder).retrieve(question, top_k=8).hits for x in (s, w))
            assert [(h.chunk, round(h.score, 6)) for h in mine] == [(h.chunk, round(h.score, 6)) for h in theirs]
    finally:
        s.close()
        w.close()


def test_a_removal_writes_tombstones_and_links_the_rest(tmp_path, news, fake_encoder):
    root = _base_and_delta(tmp_path, news, fake_encoder)
    before = read_manifest(root)
    reader = IndexStore.open(root)  # holds the generation, so that both are on disk below

    change = write_index(root, encoder=fake_encoder, remove=[news[1].id])

    after = read_manifest(root)
    assert change.removed == (news[1].id,) and change.added == ()
    assert after.deltas == ("delta-000002", "delta-000003")
    # a qa that reads deltas but not tombstones refuses it rather than answer from the removed article
    assert (before.format_version, after.format_version) == (DELTAS_FORMAT_VERSION, TOMBSTONES_FORMAT_VERSION)
    for rel, f in before.files.items():  # every file linked, its checksum kept
        assert os.path.samefile(root / before.generation / rel, root / after.generation / rel)
        assert after.files[rel] == f
    written = _written(root, after)
    assert f"delta-000003/{REMOVED}" in written and all(rel.startswith("delta-000003/") for rel in written)
    # nothing the size of the corpus: an empty database's pages, empty vector and BM25 files, the tombstones
    assert max(written.values()) < 0.5 * max(f["size"] for f in before.files.values())
    assert sum(n for rel, n in written.items() if not rel.endswith("docs.sqlite")) < 8_000
    stones = json.loads((root / after.generation / "delta-000003" / REMOVED).read_text("utf-8"))
    assert stones["articles"] == [["", news[1].id]]
    assert check_generation(root, after, full=True) == []
    whole = read_manifest(_whole(tmp_path, "whole", news[:1] + news[2:], fake_encoder))
    assert (after.articles, after.chunks, after.sentences) == (whole.articles, whole.chunks, whole.sentences)
    with pytest.raises(ArticleNotFoundError):
        IndexStore.open(root).article(news[1].id)
    with pytest.raises(ArticleNotFoundError):  # and nothing is written for an id no longer there
        write_index(root, encoder=fake_encoder, remove=[news[1].id])
    assert read_manifest(root) == after
    reader.close()


def test_removals_answer_like_a_whole_build_of_the_articles_left(tmp_path, news, fake_encoder):
    root = _base_and_delta(tmp_path, news, fake_encoder)
    write_index(root, encoder=fake_encoder, remove=[news[0].id])  # from the base
    write_index(root, encoder=fake_encoder, remove=[news[5].id])  # from a delta
    m = read_manifest(root)
    assert len(m.deltas) == 3 and m.format_version == TOMBSTONES_FORMAT_VERSION
    store = IndexStore.open(root)
    assert store.removed.articles == (frozenset({news[0].id}), frozenset({news[5].id}), frozenset(), frozenset())
    # the rows stay numbered as they were: the removed ones are skipped, not taken out
    assert len(store.vectors) > store.manifest.sentences and store.vectors.live() == store.manifest.sentences
    store.close()
    assert_answers_alike(root, _whole(tmp_path, "whole", news[1:5], fake_encoder), fake_encoder)


def test_reads_through_the_tombstones_keep_using_the_indexes(tmp_path, news, fake_encoder):
    from qa.build_lexical import NAMED

    root = _base_and_delta(tmp_path, news, fake_encoder)
    write_index(root, encoder=fake_encoder, remove=[news[0].id])
    store = IndexStore.open(root)
    for sql, index in ((f"SELECT 1 FROM mentions WHERE {NAMED} AND text = ? LIMIT 1", "mentions_name"),
                       ("SELECT row FROM chunks WHERE article_id = ?", "chunks_article"),
                       ("SELECT 1 FROM lexicon WHERE key = ? LIMIT 1", "PRIMARY KEY")):
        plan = " ".join(r[-1] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", ("x",)))
        assert index in plan and "SCAN" not in plan, plan
    store.close()


def test_an_article_removed_comes_back_as_new_rows(tmp_path, news, fake_encoder, assert_same_index):
    a, b, c, d, e, f = news
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=[a, b, c, d])
    write_index(root, encoder=fake_encoder, add=[e])
    write_index(root, encoder=fake_encoder, remove=[b.id])
    old_rows = IndexStore.open(root).removed.chunk_rows.tolist()
    change = write_index(root, encoder=fake_encoder, add=[b, f])  # a later change adds it back
    assert change.added == (b.id, f.id)
    store = IndexStore.open(root)
    assert store.removed.chunk_rows.tolist() == old_rows  # the old rows stay removed
    assert min(store.chunk_rows_of([b.id])) > max(old_rows)
    store.close()
    assert_answers_alike(root, _whole(tmp_path, "later", [a, c, d, e, b, f], fake_encoder), fake_encoder)

    write_index(root, encoder=fake_encoder, remove=[b.id], add=[b])  # out and back in one change
    write_index(root, encoder=fake_encoder, remove=[e.id], add=[e, b])  # b: already indexed
    m = read_manifest(root)
    assert m.format_version == TOMBSTONES_FORMAT_VERSION and m.deltas
    assert_answers_alike(root, _whole(tmp_path, "same", [a, c, d, f, b, e], fake_encoder), fake_encoder)

    # a whole generation (here: repair) drops the tombstoned rows and numbers them again
    change, source = repair_index(root, encoder=fake_encoder)
    assert source == m.generation and read_manifest(root).deltas == ()
    assert_same_index(root, tmp_path / "same")


def test_removals_past_the_fraction_compact(tmp_path, news, fake_encoder, monkeypatch, assert_same_index):
    monkeypatch.undo()  # the limit as shipped: a tenth to a fifth of the rows
    assert 0.1 <= qa.build_append.REMOVED_FRACTION <= 0.2
    monkeypatch.setattr(qa.build_append, "DELTA_FRACTION", 10.0)
    monkeypatch.setattr(qa.build_append, "REMOVED_FRACTION", 0.3)
    root = _base_and_delta(tmp_path, news, fake_encoder)
    write_index(root, encoder=fake_encoder, remove=[news[2].id])  # a sixth of the rows or so: tombstones
    assert read_manifest(root).format_version == TOMBSTONES_FORMAT_VERSION
    rows = IndexStore.open(root).chunk_sentences.shape[0]
    removed = len(IndexStore.open(root).removed.chunk_rows)
    assert removed <= 0.3 * rows
    write_index(root, encoder=fake_encoder, remove=[news[4].id])  # past the fraction: one base again
    m = read_manifest(root)
    assert m.deltas == () and m.format_version == FORMAT_VERSION and not IndexStore.open(root).removed
    kept = [a for i, a in enumerate(news) if i not in (2, 4)]
    assert_same_index(root, _whole(tmp_path, "whole", kept, fake_encoder))


def test_removals_on_many_deltas_compact_instead_of_folding(tmp_path, news, fake_encoder, monkeypatch,
                                                            assert_same_index):
    monkeypatch.setattr(qa.build_append, "MAX_DELTAS", 2)
    root = tmp_path / "index"
    for part in (news[:3], news[3:4], news[4:5]):
        write_index(root, encoder=fake_encoder, add=part)
    assert len(read_manifest(root).deltas) == 2
    write_index(root, encoder=fake_encoder, remove=[news[3].id])
    assert read_manifest(root).deltas == ()
    assert_same_index(root, _whole(tmp_path, "whole", news[:3] + news[4:5], fake_encoder))


@pytest.mark.parametrize("where", ["tombstones", "lexicon"])
def test_an_interrupted_removal_leaves_the_live_index(tmp_path, news, fake_encoder, monkeypatch, where):
    from qa.tombstones import Tombstones

    root = _base_and_delta(tmp_path, news, fake_encoder)
    live = read_manifest(root)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(*{"tombstones": (Tombstones, "save"), "lexicon": (qa.build_append, "_words_left")}[where], crash)
    with pytest.raises(KeyboardInterrupt):
        write_index(root, encoder=fake_encoder, remove=[news[2].id])
    monkeypatch.undo()
    assert read_manifest(root) == live and check_generation(root, live, full=True) == []
    assert sorted(p.name for p in root.iterdir() if p.name.startswith((".gen-", "gen-"))) == [live.generation]
    assert len(IndexStore.open(root).articles()) == 6
    write_index(root, encoder=fake_encoder, remove=[news[2].id])
    assert read_manifest(root).articles == 5


def test_damaged_tombstones_are_found(tmp_path, news, fake_encoder):
    root = _base_and_delta(tmp_path, news, fake_encoder)
    write_index(root, encoder=fake_encoder, remove=[news[3].id])
    m = read_manifest(root)
    path = root / m.generation / m.deltas[-1] / REMOVED
    _flip_byte(path, 3)
    assert main(["index", "verify", "--index-dir", str(root)]) == 1
    with pytest.raises(IndexCorruptError, match=REMOVED):
        IndexStore.open(root)
    with pytest.raises(IndexCorruptError, match=REMOVED):  # and no change builds on it
        write_index(root, encoder=fake_encoder, remove=[news[4].id])
    # repair reads the newest generation whose tombstones can be read: the one before the removal
    change, source = repair_index(root, encoder=fake_encoder)
    assert source != m.generation and len(change.added) == 6


def test_an_older_reader_refuses_tombstones(tmp_path, news, fake_encoder, monkeypatch):
    import qa.manifest

    root = _base_and_delta(tmp_path, news, fake_encoder)
    write_index(root, encoder=fake_encoder, remove=[news[3].id])
    monkeypatch.setattr(qa.manifest, "READABLE_VERSIONS", (FORMAT_VERSION, DELTAS_FORMAT_VERSION))
    with pytest.raises(IndexFormatError, match=f"format version {TOMBSTONES_FORMAT_VERSION}"):
        read_manifest(root)


@pytest.mark.parametrize("kind", list(VectorIndexKind))
def test_searches_skip_the_excluded_rows(kind):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(60, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    gone = np.array([0, 5, 6, 7, 59])
    store = FaissVectorStore.from_vectors(vectors, 16, kind)
    store.exclude(gone)
    q = rng.normal(size=(4, 16)).astype(np.float32)
    brute = q @ vectors.T
    brute[:, gone] = -np.inf
    scores, rows = store.search(q, 10)
    np.testing.assert_array_equal(rows, np.argsort(-brute, axis=1, kind="stable")[:, :10])
    np.testing.assert_allclose(scores, np.take_along_axis(brute, rows, axis=1), atol=2e-3)
    assert store.search(q, 100)[1].shape == (4, 55) and not np.isin(store.search(q, 100)[1], gone).any()
    assert len(store) == 60 and store.vectors().shape == (60, 16)  # still stored, by row number


def test_runs_and_removed_read_each_delta_over_those_before(tmp_path):
    from qa.tombstones import Tombstones

    assert runs([7, 3, 4, 5, 9, 8]) == [(3, 5), (7, 9)] and runs([]) == []
    base, d1, d2 = tmp_path / "gen", tmp_path / "gen" / "delta-000002", tmp_path / "gen" / "delta-000003"
    for d in (d1, d2):
        d.mkdir(parents=True)
    Tombstones((("", "a"),), ((0, 2),), ((0, 5),), (("beijing", "北京"),)).save(d1)
    Tombstones((("delta-000002", "b"),), ((10, 11),), ((20, 21),), (("shanghai", "上海"),)).save(d2)
    r = Removed.of([base, d1, d2])
    assert r.articles == (frozenset({"a"}), frozenset({"b"}), frozenset())
    assert r.lexicon == (frozenset({("beijing", "北京"), ("shanghai", "上海")}), frozenset({("shanghai", "上海")}),
                         frozenset())
    assert r.chunk_rows.tolist() == [0, 1, 2, 10, 11] and len(r.sentence_rows) == 8
    assert not Removed.of([base])
