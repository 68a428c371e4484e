"""BM25 from stored term counts: the same scores as bm25s, changes by rows, the older format."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.lang.segment import tokenize
from qa.lexical import COUNTS_FORMAT, PARAMS, BM25Index, TermCounts

TEXTS = [
    "厦门市委书记胡昌升会见了IBM公司董事长一行",
    "厦门国际马拉松赛吸引了三万名选手参加，选手来自世界各地",
    "胡昌升在厦门主持召开市委常委会，研究部署经济工作",
    "",
    "IBM与厦门签署合作协议，协议涉及云计算和人工智能，协议期限五年",
    "金砖国家新工业革命伙伴关系论坛在厦门举行",
    "论坛期间，厦门与金砖国家企业签署合作项目",
]


@pytest.fixture(scope="module")
def corpus() -> list[list[str]]:
    return [tokenize(t) for t in TEXTS]


def _same_scores(a: BM25Index, b: BM25Index, queries) -> None:
    assert a.num_docs == b.num_docs and set(a.vocab) == set(b.vocab)
    for q in queries:
        np.testing.assert_allclose(a.scores(q), b.scores(q), rtol=1e-6, atol=1e-6)
    for t in b.vocab:
        assert a.df(t) == b.df(t) and a.idf(t) == pytest.approx(b.idf(t))
        assert sorted(a.docs(t).tolist()) == sorted(b.docs(t).tolist())


def test_scores_equal_bm25s(corpus):
    """Lucene's BM25 (k1 1.2, b 0.75) from the counts equals bm25s's precomputed scores."""
    bm25s = pytest.importorskip("bm25s")
    ref = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    ref.index(corpus, show_progress=False)
    ours = BM25Index.build(corpus)
    assert set(ours.vocab) == {t for t in ref.vocab_dict if t}
    for term in ours.vocab:  # every term alone
        np.testing.assert_allclose(ours.scores([term]), ref.get_scores_from_ids([ref.vocab_dict[term]]),
                                   rtol=1e-6, atol=1e-7)
    for q in ("胡昌升在厦门会见了谁？", "IBM和厦门签了什么协议", "金砖论坛在哪里举行"):
        toks = tokenize(q)
        want = np.zeros(len(corpus), np.float32)
        for t in toks:
            if t in ref.vocab_dict:
                want += ref.get_scores_from_ids([ref.vocab_dict[t]])
        np.testing.assert_allclose(ours.scores(toks), want, rtol=1e-6, atol=1e-6)
    # weighted terms, as the retriever passes them
    w = {"厦门": 0.5, "协议": 2.0}
    want = 0.5 * ref.get_scores_from_ids([ref.vocab_dict["厦门"]]) + 2.0 * ref.get_scores_from_ids(
        [ref.vocab_dict["协议"]])
    np.testing.assert_allclose(ours.scores(w), want, rtol=1e-6, atol=1e-6)


def test_scores_against_the_formula(corpus):
    """Brute force: idf * tf / (tf + k1 (1 - b + b dl / avgdl)) summed over the query's terms."""
    idx = BM25Index.build(corpus)
    n, avgdl = len(corpus), np.mean([len(d) for d in corpus])
    q = tokenize("厦门签署合作协议")
    want = np.zeros(n)
    for i, doc in enumerate(corpus):
        for t in q:
            tf = doc.count(t)
            if tf:
                df = sum(t in d for d in corpus)
                idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
                want[i] += idf * tf / (tf + 1.2 * (0.25 + 0.75 * len(doc) / avgdl))
    np.testing.assert_allclose(idx.scores(q), want, rtol=1e-5)
    assert idx.scores(["从未出现的词"]).tolist() == [0.0] * n


def test_dropping_and_appending_rows_equals_counting_afresh(corpus):
    """The delta of a change: rows dropped (terms left in no row leave), rows appended."""
    tc = TermCounts.from_tokens(corpus[:5])
    keep = np.array([True, False, True, True, False])
    changed = tc.take(keep).extend(corpus[5:])
    rows = [corpus[0], corpus[2], corpus[3], *corpus[5:]]
    fresh = TermCounts.from_tokens(rows)
    assert changed.num_docs == fresh.num_docs == len(rows)
    assert changed.doc_lengths.tolist() == [len(d) for d in rows]
    assert "马拉松" not in changed.vocab and "马拉松" in tc.vocab  # only in a dropped row
    assert set(changed.vocab) == set(fresh.vocab) and (changed.df() > 0).all()
    for r, doc in enumerate(rows):  # each row holds exactly its document's counts
        lo, hi = changed.indptr[r], changed.indptr[r + 1]
        got = {changed.vocab[i]: int(c) for i, c in zip(changed.indices[lo:hi], changed.counts[lo:hi])}
        assert got == {t: doc.count(t) for t in doc}
    queries = [tokenize(q) for q in ("厦门会见", "金砖国家论坛", "协议")]
    _same_scores(BM25Index.from_counts(changed), BM25Index.build(rows), queries)
    with pytest.raises(ValueError, match="rows"):
        tc.take(np.ones(3, bool))


def test_round_trip_through_files(tmp_path, corpus):
    built = BM25Index.build(corpus)
    TermCounts.from_tokens(corpus).save(tmp_path / "bm25")
    params = json.loads((tmp_path / "bm25" / PARAMS).read_text())
    assert params["format"] == COUNTS_FORMAT and params["num_docs"] == len(corpus) and params["k1"] == 1.2
    _same_scores(BM25Index.load(tmp_path / "bm25"), built, [tokenize("厦门协议")])


def test_inconsistent_files_are_an_error(tmp_path, corpus):
    TermCounts.from_tokens(corpus).save(tmp_path / "bm25")
    np.save(tmp_path / "bm25" / "counts.npy", np.zeros(3, np.uint16))
    with pytest.raises(ValueError, match="do not agree"):
        TermCounts.load(tmp_path / "bm25")


def test_documents_without_tokens(tmp_path):
    idx = BM25Index.build([[], ["厦门"], []])
    assert idx.num_docs == 3 and idx.scores(["厦门"]).nonzero()[0].tolist() == [1]
    empty = BM25Index.build([[], []])
    assert empty.vocab == {} and empty.scores(["厦门"]).tolist() == [0.0, 0.0]


def test_an_index_in_the_older_bm25s_format_answers_the_same(tmp_path, corpus):
    """A bm25s directory (what indexes held before term counts) loads without bm25s's help."""
    bm25s = pytest.importorskip("bm25s")
    ref = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    ref.index(corpus, show_progress=False)
    ref.save(str(tmp_path / "old"), show_progress=False)
    assert not TermCounts.stored_in(tmp_path / "old")
    old = BM25Index.load(tmp_path / "old")
    _same_scores(old, BM25Index.build(corpus), [tokenize(q) for q in ("厦门会见", "协议期限", "IBM")])


def test_removed_rows_count_for_nothing(corpus):
    """BM25 over all rows but some (``removed``: tombstones) scores as BM25 over the others alone."""
    tc = TermCounts.from_tokens(corpus)
    gone = np.array([1, 3])
    keep = ~np.isin(np.arange(tc.num_docs), gone)
    masked, alone = BM25Index.from_counts(tc, removed=gone), BM25Index.from_counts(tc.take(keep))
    assert masked.num_docs == alone.num_docs == keep.sum() and masked.rows == tc.num_docs
    assert masked.vocab.keys() == alone.vocab.keys() < {t for doc in corpus for t in doc}
    for t in alone.vocab:
        scores = masked.scores([t])
        assert not scores[gone].any()
        np.testing.assert_array_equal(scores[keep], alone.scores([t]))
        assert masked.idf(t) == alone.idf(t)
    held = tc.held({t for doc in corpus for t in doc} | {"从未出现"}, rows=keep)
    assert held == set(alone.vocab) and tc.held(["从未出现"]) == set()


def test_questions_read_the_postings_from_a_memory_map(tmp_path, corpus):
    """What is stored holds the counts term-major too; loading maps them and reads the vocabulary and
    row lengths only, and scores as the counts built in memory do."""
    from qa.lexical import TERM_COUNTS, TERM_INDPTR, TERM_ROWS, TermPostings

    TermCounts.from_tokens(corpus).save(tmp_path / "bm25")
    assert all((tmp_path / "bm25" / n).is_file() for n in (TERM_INDPTR, TERM_ROWS, TERM_COUNTS))
    seg = TermPostings.load(tmp_path / "bm25")
    assert isinstance(seg.rows, np.memmap) and isinstance(seg.counts, np.memmap)
    queries = [tokenize(q) for q in ("厦门会见", "协议期限", "IBM", "金砖国家企业")]
    _same_scores(BM25Index.load(tmp_path / "bm25"), BM25Index.build(corpus), queries)
    # a folder written before the term-major files: transposed in memory, the same scores
    for n in (TERM_INDPTR, TERM_ROWS, TERM_COUNTS):
        (tmp_path / "bm25" / n).unlink()
    assert not isinstance(TermPostings.load(tmp_path / "bm25").rows, np.memmap)
    _same_scores(BM25Index.load(tmp_path / "bm25"), BM25Index.build(corpus), queries)


def test_segments_and_removed_rows_score_as_one_index_of_the_rows_left(tmp_path, corpus):
    """A base and two deltas (rows numbered on), some rows of each removed: the scores, document
    frequencies and vocabulary of BM25 over the rows left alone."""
    parts = [corpus[:3], corpus[3:5], corpus[5:]]
    for i, docs in enumerate(parts):
        TermCounts.from_tokens(docs).save(tmp_path / f"s{i}")
    gone = np.array([0, 3, len(corpus) - 1])
    loaded = BM25Index.load(tmp_path / "s0", deltas=[tmp_path / "s1", tmp_path / "s2"], removed=gone)
    keep = ~np.isin(np.arange(len(corpus)), gone)
    alone = BM25Index.build([d for d, k in zip(corpus, keep) if k])
    assert loaded.num_docs == alone.num_docs and loaded.rows == len(corpus)
    assert loaded.vocab.keys() == alone.vocab.keys()
    for t in {t for doc in corpus for t in doc}:
        scores = loaded.scores([t])
        assert not scores[gone].any()
        np.testing.assert_allclose(scores[keep], alone.scores([t]), rtol=1e-6)
        assert loaded.df(t) == alone.df(t)
