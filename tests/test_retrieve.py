"""Retrieval: fusion arithmetic, evidence-aware weights, and results checked against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from qa.build import write_index
from qa.query import KeyTerm, QueryAnalysis
from qa.retrieve import Retriever, fuse_retrievals, name_pieces, rrf_fuse
from qa.settings import RetrieverMode
from qa.store import IndexStore


def test_rrf_by_hand():
    # a: rows 7 (rank 1), 3 (rank 2); b: row 3 (rank 1); k = 60
    # 3: 1/62 + 1/61 = 0.032522..., 7: 1/61 = 0.016393...
    fused = rrf_fuse({"a": [7, 3], "b": [3]}, {"a": 1.0, "b": 1.0}, k=60)
    assert [r for r, _ in fused] == [3, 7]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1][1] == pytest.approx(1 / 61)


def test_rrf_weight_zero_contributes_nothing():
    # b has no evidence: the order is a's order exactly, not a's order plus b's noise
    fused = rrf_fuse({"a": [1, 2, 3], "b": [3, 2, 1]}, {"a": 1.0, "b": 0.0})
    assert [r for r, _ in fused] == [1, 2, 3]
    weighted = rrf_fuse({"a": [1, 2], "b": [2, 1]}, {"a": 2.0, "b": 1.0}, k=1)
    # 1: 2/2 + 1/3 = 1.333; 2: 2/3 + 1/2 = 1.1667
    assert [r for r, _ in weighted] == [1, 2]


@pytest.fixture(scope="module")
def fake_store(tmp_path_factory, bundled_articles):
    from tests.conftest import FakeEncoder

    root = tmp_path_factory.mktemp("fake") / "index"
    write_index(root, encoder=FakeEncoder(), add=bundled_articles)
    return IndexStore.open(root)


def test_dense_matches_brute_force(fake_store):
    from tests.conftest import FakeEncoder

    enc = FakeEncoder()
    r = Retriever(fake_store, enc, mode=RetrieverMode.DENSE, top_k=8)
    res = r.retrieve("金砖创新基地什么时候启动？")
    q = enc.encode_queries(["金砖创新基地什么时候启动？"])[0]
    # a chunk scores as its best sentence
    sent = fake_store.vectors.vectors() @ q
    best = np.array([max(sent[lo:hi + 1]) for lo, hi in fake_store.chunk_sentences])
    brute = np.argsort(-best, kind="stable")[:8]
    rows = {c.id: i for i, c in enumerate(fake_store.chunks(range(fake_store.manifest.chunks)))}
    assert [rows[h.chunk.id] for h in res.hits] == list(brute)
    assert [h.dense_score for h in res.hits] == pytest.approx(best[brute].tolist(), abs=1e-6)
    assert [h.dense_rank for h in res.hits] == list(range(1, 9))


def test_bm25_without_matching_terms_adds_no_noise(fake_store):
    from tests.conftest import FakeEncoder

    r = Retriever(fake_store, FakeEncoder(), top_k=6)
    q = "quantum chromodynamics lattice"  # no term of it occurs in the index
    hybrid = r.retrieve(q)
    dense = r.retrieve(q, mode="dense")
    assert hybrid.weights["bm25"] == 0.0 and hybrid.bm25_matched == ()
    assert [h.chunk.id for h in hybrid.hits] == [h.chunk.id for h in dense.hits]
    assert r.retrieve(q, mode="bm25").hits == ()


def test_hybrid_uses_both_when_bm25_has_evidence(fake_store):
    from tests.conftest import FakeEncoder

    r = Retriever(fake_store, FakeEncoder(), top_k=5)
    res = r.retrieve("美亚柏科捐赠了什么设备？")
    assert res.weights == {"dense": 1.0, "bm25": 1.0}
    assert "捐赠" in res.bm25_matched
    top = res.hits[0]
    assert "美亚柏科" in top.chunk.text and top.bm25_rank is not None and top.dense_rank is not None
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)


def test_bm25_ranks_by_bm25_score(fake_store):
    from tests.conftest import FakeEncoder

    res = Retriever(fake_store, FakeEncoder(), mode="bm25", top_k=3).retrieve("林中湘")
    assert "林中湘" in res.hits[0].chunk.text
    assert all(h.bm25_score > 0 for h in res.hits)


def test_fused_retrievals_agree_first_and_keep_the_lead_analysis(fake_store):
    """A follow-up's rankings (its rewrite, its own words): a chunk both rank high leads; the
    analysis the answer reads is the lead's; hits are distinct chunks in fused-score order."""
    from tests.conftest import FakeEncoder

    r = Retriever(fake_store, FakeEncoder(), top_k=8)
    rewrite, own = r.retrieve("美亚柏科捐赠的设备价值多少？"), r.retrieve("价值多少钱？")
    fused = fuse_retrievals({"standalone": rewrite, "question": own}, {"standalone": 1.0, "question": 1.0},
                            top_k=5, lead="question")
    expected = rrf_fuse({"a": [h.row for h in rewrite.hits], "b": [h.row for h in own.hits]}, {"a": 1.0, "b": 1.0})
    assert [h.row for h in fused.hits] == [row for row, _ in expected[:5]]
    assert [h.score for h in fused.hits] == pytest.approx([s for _, s in expected[:5]])
    assert fused.analysis == own.analysis and fused.question == own.question
    assert fused.weights["fused_standalone"] == fused.weights["fused_question"] == 1.0
    only = fuse_retrievals({"standalone": rewrite}, {"standalone": 1.0}, top_k=3)
    assert [h.row for h in only.hits] == [h.row for h in rewrite.hits[:3]]


@pytest.mark.slow
def test_english_question_reaches_chinese_passages(bundled_assistant):
    res = bundled_assistant.retrieve("Who did Hu Changsheng meet in Beijing?")
    assert res.language == "en"
    assert "胡昌升" in res.bm25_matched  # bridged by pinyin
    assert res.weights["bm25"] > 0
    assert all("胡昌升" in bundled_assistant.store.article(h.chunk.article_id).title for h in res.hits[:4])


def test_context_adds_the_chunks_sentences_and_title(fake_store):
    from tests.conftest import FakeEncoder

    r = Retriever(fake_store, FakeEncoder(), mode=RetrieverMode.DENSE, top_k=8)
    q = FakeEncoder().encode_queries(["Which companies did Hu Changsheng visit?"])[0]
    scores, rows = r.dense_chunks(q, 5, context=1.0)
    sent = fake_store.vectors.vectors() @ q
    ctx = fake_store.chunk_vectors.vectors() @ q
    brute = np.array([max(sent[lo:hi + 1]) for lo, hi in fake_store.chunk_sentences]) + ctx
    assert list(rows) == list(np.argsort(-brute, kind="stable")[:5])
    np.testing.assert_allclose(scores, brute[rows], atol=1e-5)


# -- a date filter (issue 11) -----------------------------------------------------------

@pytest.fixture(scope="module")
def dated(tmp_path_factory, bundled_articles):
    """The bundled articles with their own dates: two days, a month, and none."""
    import dataclasses

    from tests.conftest import FakeEncoder

    dates = ["2020-11-16", "2020-11-18", "2020-11", None]
    arts = [dataclasses.replace(a, date=d) for a, d in zip(bundled_articles, dates)]
    root = tmp_path_factory.mktemp("dated") / "index"
    write_index(root, encoder=FakeEncoder(), add=arts)
    return Retriever(IndexStore.open(root), FakeEncoder(), top_k=10), arts


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
@pytest.mark.parametrize(("since", "until", "expected"), [
    ("2020-11-17", None, {1, 2}),          # the 18th, and the month (it overlaps)
    (None, "2020-11-16", {0, 2}),
    ("2020-11-18", "2020-11-18", {1, 2}),
    ("2021", None, set()),                 # nothing that new: no passages at all
    ("2020", "2020", {0, 1, 2}),           # the undated article is left out of any period
])
def test_a_period_keeps_only_the_articles_dated_in_it(dated, mode, since, until, expected):
    from qa.limits import check_period

    retriever, arts = dated
    r = retriever.retrieve("胡昌升 金砖 厦门 论坛 名城", mode=mode, period=check_period(since, until))
    got = {h.chunk.article_id for h in r.hits}
    allowed = {arts[i].id for i in expected}
    assert got <= allowed and (got or not allowed)
    assert r.undated == 1
    if mode == "dense" and expected:  # exact scores over the period's sentences
        assert got == allowed


def test_no_period_is_no_filter(dated):
    retriever, arts = dated
    r = retriever.retrieve("胡昌升 金砖 厦门 论坛 名城")
    assert r.period is None and r.undated == 0 and len({h.chunk.article_id for h in r.hits}) == 4


def test_within_keeps_those_chunks_and_boost_adds_a_ranking(dated):
    retriever, arts = dated
    rows = retriever.store.chunk_rows_of([arts[3].id])
    r = retriever.retrieve("胡昌升 金砖 厦门 论坛 名城", within=rows)
    assert {h.chunk.article_id for h in r.hits} == {arts[3].id}
    r = retriever.retrieve("胡昌升 金砖 厦门 论坛 名城", boost=rows)
    assert r.weights["period"] > 0 and r.hits[0].chunk.article_id == arts[3].id
    r = retriever.retrieve("胡昌升 金砖 厦门 论坛 名城", within=rows, period="2020-11-16")  # explicit wins
    assert {h.chunk.article_id for h in r.hits} <= {arts[0].id, arts[2].id}


def test_a_time_word_the_passages_write_stays_a_key_term(dated):
    retriever, arts = dated
    r = retriever.retrieve("11月17日金砖发生了什么？", ignore=("11月17日",))
    text = "".join(h.chunk.text for h in r.hits)
    assert ("17" in {t.text for t in r.analysis.terms}) == ("17" in text)
    r = retriever.retrieve("11月29日金砖发生了什么？", ignore=("11月29日",))
    assert "29" not in {t.text for t in r.analysis.terms}


def test_newest_first_moves_the_newest_relevant_article_up(dated):
    retriever, arts = dated  # dated 11-16 (the BRICS base), 11-18 (Hu Changsheng's trip), 2020-11 and none

    def first_of(r, article):
        return next(i for i, h in enumerate(r.hits) if h.chunk.article_id == article)

    plain = retriever.retrieve("胡昌升 金砖", top_k=3)
    newest = retriever.retrieve("胡昌升 金砖", top_k=3, newest_first=True)
    assert plain.hits[0].chunk.article_id == arts[0].id and arts[1].id not in {h.chunk.article_id for h in plain.hits}
    assert first_of(newest, arts[1].id) < 3 and newest.weights["recency"] > 0
    assert "recency" not in plain.weights


def test_a_bridged_name_bm25_does_not_know_is_searched_by_its_characters():
    class Vocab:
        vocab = {"周俊": 0, "柳": 1, "云": 2, "杀害": 3}

    analysis = QueryAnalysis(question="How did Zhou Jun kill Liu Suyun?", language="en", terms=(
        KeyTerm(text="周俊", forms=("周俊",), kind="name", source="Zhou Jun"),
        KeyTerm(text="柳素云", forms=("柳素云",), kind="name", source="Liu Suyun"),
        KeyTerm(text="杀害", forms=("杀害", "杀死"), kind="word", source="kill")), bm25_terms={"周俊": 1.0, "杀害": 0.7})
    terms = name_pieces(analysis, Vocab())
    assert terms == {"周俊": 1.0, "杀害": 0.7, "柳": 1 / 3, "云": 1 / 3}  # 素 is no word of the index
    # given the lexicon, only its readings: a reading guessed from the text's syllables is no word
    lexicon = {"Liu Suyun": ["柳素云"]}.get
    assert name_pieces(analysis, Vocab(), lambda name: lexicon(name, [])) == terms
    assert name_pieces(analysis, Vocab(), lambda name: []) == {"周俊": 1.0, "杀害": 0.7}


def test_a_chinese_questions_own_names_are_not_cut_into_characters():
    class Vocab:
        vocab = {"曾": 0, "瑞": 1, "祖籍": 2}

    analysis = QueryAnalysis(question="楼曾瑞的祖籍是哪里？", language="zh", terms=(
        KeyTerm(text="楼曾瑞", forms=("楼曾瑞",), kind="name", source="楼曾瑞"),
        KeyTerm(text="祖籍", forms=("祖籍",), kind="word", source="祖籍")), bm25_terms={"楼曾瑞": 1.0, "祖籍": 1.0})
    assert name_pieces(analysis, Vocab()) == {"楼曾瑞": 1.0, "祖籍": 1.0}


def test_name_pieces_read_the_english_bridges_lexicon_not_its_syllable_scan():
    from qa.bridges import EnglishBridge, lexicon_readings
    from qa.bridges.pinyin import SyllableScan
    from qa.lang.pinyin import build_lexicon, transliterate

    text = "好友周俊杀害柳素云。呈突路在城北。"
    bridge = EnglishBridge({"周俊": 0}, build_lexicon(["柳素云"]), SyllableScan([(text, transliterate(text))]))
    read = lexicon_readings((bridge,))
    assert read("Liu Suyun") == ["柳素云"] and read("Chengtu") == [] and bridge.readings("Chengtu")  # a scan guess
    assert lexicon_readings(()) is None
