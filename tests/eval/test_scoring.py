"""Hand-computed checks of eval.scoring and eval.datasets: what each metric is applied to, and how it is averaged."""

import doctest
import json
from dataclasses import dataclass

import pytest

import eval.datasets
import eval.scoring
from eval.citations import lexical_support
from eval.datasets import Question, load_cmrc, load_cmrc_en, resolve_phrase, sample
from eval.scoring import (
    answer_sentences,
    passages_by_number,
    score_answer,
    score_retrieval,
    strip_glosses,
    summarize,
    summarize_answers,
    summarize_retrieval,
    supports,
)
from qa.types import Article


@dataclass(frozen=True)
class Cite:
    n: int
    article_id: str
    text: str


def q(qid="q1", lang="zh", gold=("a",), answerable=True, key_facts=(), answers=(), type_=None, pair=None):
    return Question(qid, lang, "问题？", answerable, frozenset(gold), tuple(tuple(f) for f in key_facts),
                    tuple(answers), type_, pair)


def test_docstring_examples():
    for module in (eval.scoring, eval.datasets):
        assert doctest.testmod(module).failed == 0


# ---------------------------------------------------------------- retrieval

def test_score_retrieval_dedupes_chunks_to_articles_and_cuts_at_ten():
    # chunk article ids: a a b c ... ; deduplicated articles: a, b, c, d, ..., l (12), gold "c" is 3rd
    ranked = ["a", "a", "b", "c", "b"] + list("defghijkl")
    r = score_retrieval(q(gold=("c",)), ranked, 5.0)
    assert r.ranked == tuple("abcdefghij")          # 10 distinct articles
    assert r.rank == 3
    assert r.curve[:4] == (0.0, 0.0, 1.0, 1.0)
    assert r.mrr == pytest.approx(1 / 3)
    assert r.ndcg == pytest.approx(0.5)             # 1/log2(4) over ideal 1/log2(2)


def test_score_retrieval_two_gold_articles():
    # gold {b, z}: b at rank 2, z never -> recall@1 0, @2 .. @10 0.5
    r = score_retrieval(q(gold=("b", "z")), ["a", "b"], 1.0)
    assert r.rank == 2 and r.curve[0] == 0.0 and r.curve[1] == 0.5 and r.curve[9] == 0.5


def test_summarize_retrieval_averages_the_curve():
    r1 = score_retrieval(q("q1", gold=("a",)), ["a", "b"], 10.0)   # rank 1
    r2 = score_retrieval(q("q2", gold=("b",)), ["a", "b"], 30.0)   # rank 2
    s = summarize_retrieval([r1, r2])
    assert s["recall@1"] == 0.5 and s["recall@5"] == 1.0
    assert s["mrr@10"] == pytest.approx(0.75)                       # (1 + 1/2) / 2
    assert s["recall_curve"][:2] == [0.5, 1.0]
    assert s["latency_ms"]["p50"] == 20.0


# ---------------------------------------------------------------- answers

def test_preamble_line_is_not_a_sentence():
    answer = ("Found in 2 articles («甲»; «乙»). The sentences that answer, quoted in Chinese:\n"
              "甲在厦门。[1]\n乙在北京。[2]")
    assert answer_sentences(answer) == [("甲在厦门。", [1]), ("乙在北京。", [2])]
    # a first line that cites something is part of the answer
    assert answer_sentences("甲在厦门:[1]\n乙。[2]")[0] == ("甲在厦门:", [1])
    # an uncited sentence that does not end in a colon stays (and costs citation recall)
    assert answer_sentences("总之如此。甲在厦门。[1]") == [("总之如此。", []), ("甲在厦门。", [1])]


def test_romanisation_glosses_do_not_cost_citation_support():
    assert strip_glosses("胡昌升 (Hu Changsheng)与包卓蓝（Bao Zhuolan）座谈。") == "胡昌升与包卓蓝座谈。"
    assert strip_glosses("IBM (International Business Machines)") == "IBM (International Business Machines)"
    passage = "胡昌升带队在北京开展招商引资工作。"
    assert supports("胡昌升 (Hu Changsheng)带队在北京开展招商引资工作。", [passage])
    assert not lexical_support("胡昌升 (Hu Changsheng)带队在北京开展招商引资工作。", [passage])  # why it is needed
    r = score_answer(q(), "Found in 1 article («甲»):\n胡昌升 (Hu Changsheng)带队在北京开展招商引资工作。[1]", True,
                     [Cite(1, "a", passage)])
    assert (r.citation_recall, r.citation_precision) == (1.0, 1.0)


def test_passages_by_number_fills_gaps():
    assert passages_by_number([Cite(3, "x", "丙"), Cite(1, "y", "甲")]) == ["甲", "", "丙"]


def test_score_answer_key_facts_and_citations():
    question = q(gold=("a",), key_facts=[["11月17日", "November 17"], ["厦门", "Xiamen"]])
    cites = [Cite(1, "a", "11月17日，基地落户厦门。"), Cite(2, "b", "无关的段落。")]
    # sentence 1 is in passage 1; sentence 2 cites passage 2, which does not support it
    r = score_answer(question, "11月17日，基地落户厦门。[1]基地将在12月8日启动。[2]", True, cites)
    assert r.key_fact_recall == 1.0
    assert r.citation_recall == 0.5                 # 1 of 2 sentences supported
    assert r.citation_precision == 0.5              # 1 of 2 citations relevant
    assert r.cites_gold == 1.0 and r.cited == ("a", "b") and r.missing == ()


def test_refused_answerable_scores_zero_and_names_what_is_missing():
    question = q(key_facts=[["11月17日"], ["厦门"]])
    r = score_answer(question, "在已索引的文章中没有找到这个问题的答案。", False, [], reason="coverage 0.2")
    assert r.key_fact_recall == 0.0 and r.citation_recall is None and r.cites_gold is None
    assert r.missing == ("11月17日", "厦门") and r.reason == "coverage 0.2"


def test_refused_unanswerable_has_no_answer_scores():
    r = score_answer(q(gold=(), answerable=False), "Not found in the indexed articles.", False, [])
    assert (r.key_fact_recall, r.char_f1, r.citation_recall, r.cites_gold) == (None, None, None, None)


def test_cmrc_scores_use_the_answer_without_markers_or_preamble():
    question = q(answers=["光荣和ω-force"])
    cites = [Cite(1, "a", "本作是由光荣和ω-force开发的。")]
    r = score_answer(question, "Here is what they say:\n由光荣和ω-force开发。[1]", True, cites)
    # tokens of the answer: 由 光 荣 和 ω-force? -> cmrc tokens: 由 光 荣 和 ω force 开 发 (8);
    # gold: 光 荣 和 ω force (5); longest common run 5 -> P 5/8, R 1, F1 = 2*.625/1.625
    assert r.char_f1 == pytest.approx(2 * 0.625 / 1.625)
    assert r.exact_match == 0.0
    assert r.span_recall == 1.0                     # the gold span is in the answer
    assert r.citation_recall == 1.0 and r.missing == ()


def test_summarize_answers_refusals_and_means_skip_missing_scores():
    answerable = q("q1", key_facts=[["甲"], ["乙"]])
    unanswerable = q("q2", gold=(), answerable=False)
    records = [
        score_answer(answerable, "甲。[1]", True, [Cite(1, "a", "甲。")], {"retrieve": 10.0, "answer": 2.0}),
        score_answer(q("q3", key_facts=[["丙"]]), "没有找到。", False, [], {"retrieve": 20.0, "answer": 4.0}),
        score_answer(unanswerable, "没有找到。", False, [], {"retrieve": 30.0, "answer": 6.0}),
    ]
    s = summarize_answers(records)
    assert s["key_fact_recall"] == pytest.approx(0.25)          # (0.5 + 0) / 2 answerable
    assert s["citation_recall"] == 1.0                           # over the one answer given
    assert s["false_refusal_rate"] == 0.5 and s["refusal_rate_unanswerable"] == 1.0
    assert s["latency_ms"]["retrieve"]["p50"] == 20.0 and s["latency_ms"]["answer"]["p95"] == pytest.approx(5.8)


def test_summarize_groups_by_language_and_type():
    rs = [score_retrieval(q("q1", "zh", type_="date"), ["a"], 1.0),
          score_retrieval(q("q2", "en", type_="date"), ["b", "a"], 1.0)]
    s = summarize(rs, [])
    assert set(s) == {"all", "lang:zh", "lang:en", "type:date"}
    assert s["lang:zh"]["retrieval"]["recall@1"] == 1.0 and s["lang:en"]["retrieval"]["recall@1"] == 0.0
    assert s["type:date"]["retrieval"]["mrr@10"] == pytest.approx(0.75)
    assert s["all"]["answers"] == {"n": 0}


# ---------------------------------------------------------------- datasets

def test_resolve_phrase_needs_exactly_one_article():
    arts = (Article.make("厦门获评历史文化名城。", title="甲"), Article.make("厦门举办论坛。", title="乙"))
    assert resolve_phrase("历史文化名城", arts) == arts[0].id
    with pytest.raises(ValueError, match="2 articles"):
        resolve_phrase("厦门", arts)
    with pytest.raises(ValueError, match="0 articles"):
        resolve_phrase("北京", arts)


def test_sample_keeps_pairs_whole_and_is_seeded():
    qs = tuple(q(f"q{i}", pair=f"p{i // 2}") for i in range(10))
    s = sample(qs, 5, seed=3)
    assert len(s) == 4                               # pairs of 2: at most 4 fit in 5
    pairs = [x.pair for x in s]
    assert all(pairs.count(p) == 2 for p in pairs)
    assert s == sample(qs, 5, seed=3) and sample(qs, None) == qs and sample(qs, 99) == qs


@pytest.fixture
def cmrc_dir(tmp_path):
    dev = {"version": "v1.0", "data": [
        {"id": "DEV_0", "title": "厦门", "paragraphs": [{"id": "DEV_0", "context": "厦门是福建省的副省级市。", "qas": [
            {"question": "厦门属于哪个省？", "id": "DEV_0_QUERY_0",
             "answers": [{"text": "福建省", "answer_start": 3}, {"text": "福建省 ", "answer_start": 3}]}]}]},
        {"id": "DEV_1", "title": "", "paragraphs": [{"id": "DEV_1", "context": "鼓浪屿位于厦门岛西南。", "qas": [
            {"question": "鼓浪屿在哪里？", "id": "DEV_1_QUERY_0",
             "answers": [{"text": "厦门岛西南", "answer_start": 5}]}]}]},
    ]}
    (tmp_path / "cmrc2018_dev.json").write_text(json.dumps(dev, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "en_questions_50.jsonl").write_text(
        json.dumps({"id": "DEV_1_QUERY_0", "zh": "鼓浪屿在哪里？", "en": "Where is Gulangyu?"}) + "\n", encoding="utf-8")
    return tmp_path


def test_cmrc_passages_are_articles_and_gold(cmrc_dir):
    d = load_cmrc(cmrc_dir)
    assert [a.title for a in d.articles] == ["厦门", "鼓浪屿位于厦门岛西南。"]   # no title: opening words
    assert d.questions[0].gold == {Article.make("厦门是福建省的副省级市。", title="厦门").id}
    assert d.questions[0].answers == ("福建省",)                              # stripped, deduplicated
    assert d.default_limit == 500


def test_cmrc_en_pairs_each_english_question_with_its_original(cmrc_dir):
    d = load_cmrc_en(cmrc_dir)
    zh, en = d.questions
    assert (zh.lang, zh.text, en.lang, en.text) == ("zh", "鼓浪屿在哪里？", "en", "Where is Gulangyu?")
    assert zh.pair == en.pair == "DEV_1_QUERY_0" and zh.gold == en.gold and en.id == "DEV_1_QUERY_0-en"
    assert d.corpus == load_cmrc(cmrc_dir).corpus and d.fingerprint() == load_cmrc(cmrc_dir).fingerprint()


def test_first_citation_and_correct():
    question = q(gold=("a",), key_facts=[["11月17日", "November 17"]])
    cites = [Cite(1, "b", "无关的段落。"), Cite(2, "a", "11月17日，基地落户厦门。")]
    r = score_answer(question, "11月17日，基地落户厦门。[2]", True, cites)
    assert r.cites_gold == 1.0 and r.first_cites_gold == 0.0 and r.correct == 0.0
    r = score_answer(question, "11月17日，基地落户厦门。[1]", True, list(reversed([Cite(1, "a", cites[1].text)])))
    assert r.first_cites_gold == 1.0 and r.correct == 1.0
    r = score_answer(question, "没有找到。", False, [])
    assert r.first_cites_gold == 0.0 and r.correct == 0.0


def test_framing_lines_and_article_headings_are_not_claims():
    from eval._text import strip_preamble

    answer = "Found in 2 articles («甲»; «乙»). The sentences that answer:\n《甲》：\n甲说了。[1]\n《乙》：\n乙说了。[2]"
    assert strip_preamble(answer) == "甲说了。[1]\n乙说了。[2]"
    assert strip_preamble("没有找到：") == "没有找到："  # nothing but a framing line: kept as it is


def test_the_parts_headings_and_refusals_of_a_question_asking_several_things_are_not_claims():
    from qa.answer import NOT_FOUND
    from qa.decompose import heading

    # the headings and refusals as qa writes them: the eval's patterns follow them
    answer = "\n\n".join([heading(1, "甲在哪里？", "zh") + "\n甲在厦门。[1]",
                          heading(2, "乙是谁？", "zh") + "\n" + NOT_FOUND["zh"],
                          heading(3, "Where is C?", "en") + "\n" + NOT_FOUND["en"]])
    question = Question("q", "zh", "甲在哪里？乙是谁？", True, frozenset({"a"}), key_facts=(("厦门",),))
    r = score_answer(question, answer, True, [Cite(1, "a", "甲在厦门。")])
    assert r.citation_recall == 1.0 and r.citation_precision == 1.0 and r.key_fact_recall == 1.0
