"""Short answers scored against the gold span, the whole Answer scored, and the breakdown by asked type."""

import doctest

import pytest

import eval.short_answers
from eval.datasets import Question
from eval.scoring import AnswerRecord, score_answer, score_ask, summarize
from eval.short_answers import chinese_of, qtype_groups, question_type, short_scores, shown_text
from qa.types import Answer, Citation, Quote, ShortAnswer

PASSAGE = "厦门是福建省的副省级市。1921年，陈嘉庚创办了厦门大学。"


def q(text="厦门属于哪个省？", lang="zh", answers=("福建省",), answerable=True, qid="q1"):
    return Question(qid, lang, text, answerable, frozenset({"a"} if answerable else ()), answers=tuple(answers))


def ans(found=True, short=None, quotes=(), text="厦门是福建省的副省级市。[1]", language="zh", **kw):
    sa = ShortAnswer(short, "place", (1,), 0.8) if short is not None else None
    return Answer(question="?", answer=text, found=found, language=language, short_answer=sa,
                  quotes=tuple(quotes), **kw)


def test_docstring_examples():
    assert doctest.testmod(eval.short_answers).failed == 0


def test_short_answer_exact():
    s = short_scores(q(), ans(short="福建省"))
    assert (s["short_f1"], s["short_em"], s["has_short"], s["qtype"]) == (1.0, 1.0, True, "place")


def test_refused_scores_zero():
    s = short_scores(q(), ans(found=False, short=None, text="没有找到。"))
    assert (s["short_f1"], s["short_em"], s["has_short"]) == (0.0, 0.0, False)
    # a refusal that still carries a short answer is a refusal
    assert short_scores(q(), ans(found=False, short="福建省"))["short_f1"] == 0.0


def test_english_answers_score_the_chinese_in_brackets():
    names = q("谁负责这项工作？", lang="en", answers=("陈肇雄、刘宇",))
    s = short_scores(names, ans(short="陈肇雄 (Chen Zhaoxiong), 刘宇 (Liu Yu)", language="en"))
    assert (s["short_f1"], s["short_em"]) == (1.0, 1.0)
    assert chinese_of("厦门 （Xiamen）") == "厦门"
    # No brackets: the English text itself.  17|november|2020 against 2020|年|11|月|17|日:
    # longest common run 1 -> P 1/3, R 1/6, F1 2 * (1/18) / (1/2) = 2/9.
    date = q("When?", lang="en", answers=("2020年11月17日",))
    s = short_scores(date, ans(short="17 November 2020", language="en"))
    assert s["short_f1"] == pytest.approx(2 / 9) and s["short_em"] == 0.0
    # A Chinese answer is scored as written, brackets and all.
    assert shown_text(ans(short="厦门（思明区）")) == "厦门（思明区）"


def test_without_a_short_answer_the_first_quote_is_scored():
    quotes = [Quote(1, "厦门是福建省的副省级市。", 0, 12, 0.9), Quote(1, "1921年，陈嘉庚创办了厦门大学。", 12, 29, 0.4)]
    s = short_scores(q(), ans(quotes=quotes))
    # 厦门是福建省的副省级市 (11 tokens) against 福建省 (3): run 3 -> P 3/11, R 1 -> F1 6/14 = 3/7.
    assert s["short_f1"] == pytest.approx(3 / 7) and s["short_em"] == 0.0 and not s["has_short"]
    # No quotes either: the answer's first sentence, after its framing line.
    text = "Found in 1 article («厦门»):\n福建省。[1]\n其他。[1]"
    assert shown_text(ans(text=text)) == "福建省。"
    assert short_scores(q(), ans(text=text))["short_em"] == 1.0


def test_unanswerable_or_spanless_questions_have_no_short_score():
    assert short_scores(q(answerable=False), ans(short="福建省"))["short_f1"] is None
    assert short_scores(q(answers=()), ans(short="福建省"))["short_em"] is None


def test_question_type():
    assert question_type(q("谁创办了厦门大学？")) == "person"
    assert question_type(q("厦门大学创办于哪一年？")) == "date"
    assert question_type(q("How many students does it have?", lang="en")) == "number"
    assert question_type(q("厦门大学的校训是什么？")) == "other"


def test_score_ask_reads_the_whole_answer():
    cite = Citation(1, "a", "厦门", None, None, PASSAGE[:12], 0, 12, 0.9)
    answer = ans(short="福建省", citations=(cite,), probability=0.7, timings_ms={"answer": 3.0},
                 details={"evidence": {"reason": "covered"}, "passages": [{"n": 1, "article_id": "a", "start": 0,
                                                                         "end": 12}]})
    r = score_ask(q(), answer, articles={"a": PASSAGE})
    # the text scores are score_answer's
    assert r.char_f1 == score_answer(q(), answer.answer, True, [cite]).char_f1 and r.citation_recall == 1.0
    assert (r.short_f1, r.short_em, r.has_short, r.qtype) == (1.0, 1.0, True, "place")
    assert (r.probability, r.calibration_label, r.label_from_passages) == (0.7, True, True)
    assert r.reason == "covered" and r.timings_ms == {"answer": 3.0}


def record(qid, lang, qtype, *, found=True, answerable=True, short_f1=None):
    score = None if not answerable else (short_f1 if found else 0.0)
    return AnswerRecord(qid=qid, lang=lang, type=None, question="?", answerable=answerable, found=found,
                        answer="", cited=(), short_f1=score, short_em=float(score == 1.0) if score is not None else None,
                        qtype=qtype)


RECORDS = [
    record("1", "zh", "person", short_f1=1.0),
    record("2", "zh", "date", found=False),
    record("3", "en", "place", short_f1=0.5),
    record("4", "zh", "number", short_f1=0.25),
    record("5", "zh", "org", short_f1=1.0),
    record("6", "en", "org", found=False),
    record("7", "zh", "other", answerable=False),
    record("8", "zh", "other", short_f1=0.0),
]


def test_qtype_groups():
    g = qtype_groups(RECORDS)
    assert [r.qid for r in g["qtype:typed"]] == ["1", "2", "3", "4"]
    assert [r.qid for r in g["qtype:typed|lang:zh"]] == ["1", "2", "4"]
    assert [r.qid for r in g["qtype:org"]] == ["5", "6"] and "qtype:org|lang:en" in g
    assert "qtype:person|lang:en" not in g


def test_summary_breaks_short_answers_down_by_asked_type():
    s = summarize([], RECORDS)
    typed = s["qtype:typed"]["answers"]
    assert typed["n"] == 4 and typed["short_f1"] == pytest.approx((1 + 0 + 0.5 + 0.25) / 4)
    assert typed["short_em"] == 0.25 and typed["found_rate"] == 0.75 and typed["false_refusal_rate"] == 0.25
    zh = s["qtype:typed|lang:zh"]["answers"]
    assert zh["short_f1"] == pytest.approx((1 + 0 + 0.25) / 3) and zh["false_refusal_rate"] == pytest.approx(1 / 3)
    org = s["qtype:org"]["answers"]
    assert (org["short_f1"], org["found_rate"], org["false_refusal_rate"]) == (0.5, 0.5, 0.5)
    other = s["qtype:other"]["answers"]
    assert other["short_f1"] == 0.0 and other["found_rate"] == 1.0 and other["refusal_rate_unanswerable"] == 0.0
    assert s["all"]["answers"]["short_f1"] == pytest.approx(2.75 / 7)  # the unanswerable one has no score
    assert s["qtype:org"]["retrieval"] == {"n": 0}


def test_no_breakdown_without_gold_spans():
    seed_like = [AnswerRecord("s1", "zh", "person", "?", True, True, "", (), key_fact_recall=1.0, qtype="person")]
    assert not any(g.startswith("qtype:") for g in summarize([], seed_like))
