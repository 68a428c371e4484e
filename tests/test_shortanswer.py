"""Short answers: candidate spans of a sentence, their features, and how they read in English."""

from __future__ import annotations

import numpy as np
import pytest

from qa.annotate import annotate_text
from qa.features import make_query
from qa.query import analyze
from qa.shortanswer import SPAN_FEATURES, Span, candidate_spans, covered, english_date, english_form, span_features


def spans_of(question, sentence):
    q = make_query(analyze(question))
    return q, candidate_spans(q, 0, sentence, 0, annotate_text(sentence))


def test_the_left_over_run_where_the_question_matches_is_a_candidate():
    q, spans = spans_of("圣体堂区成立于哪年？", "圣体堂区成立于1910年，是当地最早的堂区。")
    texts = [s.text for s in spans]
    assert "1910年" in texts
    assert not any("圣体堂区" in t for t in texts)  # the question's own words are no answer


def test_mentions_are_candidates_unless_the_question_names_them():
    q, spans = spans_of("孙立群会见了谁？", "孙立群与华擎集团董事长周明远座谈。")
    kinds = {(s.text, s.kind) for s in spans}
    assert ("周明远", "person") in kinds and not any(t == "孙立群" for t, _ in kinds)


@pytest.mark.parametrize("question, sentence, cut, whole", [
    ("双岛湾大桥什么时候通车？", "12月28日上午，我市重点交通工程双岛湾大桥建成通车。", "12月28", "12月28日"),
    ("单程票价是多少？", "单程票价为38元，儿童票19元。", "38", "38元"),
])
def test_no_run_parts_a_number_from_its_unit(question, sentence, cut, whole):
    """12月28 (of 12月28日) was the short answer of the first question: a run cut between the
    number and its unit is no candidate; the mention is."""
    q, spans = spans_of(question, sentence)
    texts = [s.text for s in spans]
    assert whole in texts and cut not in texts, texts


def test_covered_marks_runs_shared_with_the_question():
    mask = covered("圣体堂区成立于", "圣体堂区成立于1910年")
    assert mask[:7].all() and not mask[7:].any()
    assert not covered("", "abc").any()


def test_span_features_are_finite_and_named():
    q, spans = spans_of("金沙湾隧道的单程票价是多少？", "金沙湾隧道单程票价为38元，儿童票19元。")
    from qa.features import FEATURES

    X = span_features(q, spans, ["金沙湾隧道单程票价为38元，儿童票19元。"], np.zeros((1, len(FEATURES)), np.float32))
    assert X.shape == (len(spans), len(SPAN_FEATURES)) and np.isfinite(X).all()
    by_text = {s.text: X[i] for i, s in enumerate(spans)}
    col = SPAN_FEATURES.index
    assert by_text["38元"][col("type_match")] == 1 and by_text["38元"][col("left_gap")] == 1  # 票价[为]38元


@pytest.mark.parametrize("iso, english", [
    ("2020-11-17", "17 November 2020"), ("2020-11-16/2020-11-17", "16–17 November 2020"),
    ("--11-17", "17 November"), ("2020-11", "November 2020"), ("2020", "2020"), ("junk", None),
])
def test_english_dates(iso, english):
    assert english_date(iso) == english


def test_english_forms():
    assert english_form(Span(0, 0, 3, "陈肇雄", "person", "Chen Zhaoxiong")) == "陈肇雄 (Chen Zhaoxiong)"
    assert english_form(Span(0, 0, 6, "12月8日", "date", "2020-12-08")) == "12月8日 (8 December 2020)"
    assert english_form(Span(0, 0, 3, "38元", "quantity", "38 元")) == "38元"
