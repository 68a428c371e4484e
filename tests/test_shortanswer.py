"""Short answers: candidate spans of a sentence, their features, and how they read in English."""

from __future__ import annotations

import numpy as np
import pytest

from qa.annotate import annotate_text
from qa.features import make_query
from qa.query import analyze
from qa.shortanswer import (
    SCORER_FEATURES,
    SPAN_FEATURES,
    TAG_CLASSES,
    WORD_CLASSES,
    Span,
    candidate_spans,
    covered,
    english_date,
    english_form,
    snapped,
    span_features,
    word_class,
    words_of,
)


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


def test_a_left_over_run_that_starts_inside_a_word_is_also_a_candidate_widened_to_whole_words():
    # the question says 市政, the answer is 市政府: what is left over where the question's
    # characters match (府) starts inside the word
    sentence = "市政府负责城市建设。"
    starts, words = words_of(sentence)
    assert "".join(words) == sentence and "市政府" in words
    assert snapped(sentence, 2, 3) == (0, 3)
    q = make_query(analyze("市政建设由谁负责？"))
    spans = {s.text: s for s in candidate_spans(q, 0, sentence, 0, ())}
    assert not spans["府"].widened and spans["市政府"].widened


def test_word_classes_group_jieba_flags():
    assert set(TAG_CLASSES.values()) < set(WORD_CLASSES) and "function" in WORD_CLASSES
    assert word_class("北京") == "place" and word_class("毛泽东") == "person" and word_class("的") == "function"
    assert word_class("政府") == "noun" and word_class("飞快地跑") == "unknown"  # not a dictionary word


def test_span_features_say_whether_a_span_is_made_of_whole_words():
    sentence = "县政府驻赤城镇政府街1号。"
    q, spans = spans_of("赤城县的县政府驻点在何处？", sentence)
    from qa.features import FEATURES

    X = span_features(q, spans, [sentence], np.zeros((1, len(FEATURES)), np.float32))
    col = SPAN_FEATURES.index
    for sp, row in zip(spans, X):
        starts, words = words_of(sentence)
        ends = {a + len(w) for a, w in zip(starts, words)}
        assert row[col("left_word_edge")] == (sp.start in starts) and row[col("right_word_edge")] == (sp.end in ends)
        assert row[col("words")] >= 1
        assert sum(row[col(f"first_word_{c}")] for c in WORD_CLASSES) == 1
        assert sum(row[col(f"last_word_{c}")] for c in WORD_CLASSES) == 1


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


def test_slot_features_compare_the_span_s_surroundings_with_the_question_word_s():
    sentence = "圣体堂区成立于1910年，是当地最早的堂区。"
    q, spans = spans_of("圣体堂区成立于哪年？", sentence)
    from qa.features import FEATURES

    X = span_features(q, spans, [sentence], np.zeros((1, len(FEATURES)), np.float32))
    col = SPAN_FEATURES.index
    at = sentence.index("1910")
    for sp, row in zip(spans, X):  # 成立于 | 1910年: as far as compared, and only there
        assert (row[col("left_slot")] == 4) == (sp.start == at)
    q, spans = spans_of("托木斯克州的首府为哪一个城市？", "托木斯克州首府为托木斯克市。")
    X = span_features(q, spans, ["托木斯克州首府为托木斯克市。"], np.zeros((1, len(FEATURES)), np.float32))
    rows = {s.text: X[i] for i, s in enumerate(spans)}
    assert any(t.endswith("市") and r[col("asked_end")] == 1 for t, r in rows.items())


def test_widened_runs_are_the_chooser_s_only_and_the_scorer_s_features_are_a_prefix():
    sentence = "市政府负责城市建设。"
    q = make_query(analyze("市政建设由谁负责？"))
    everything = candidate_spans(q, 0, sentence, 0, ())
    base = candidate_spans(q, 0, sentence, 0, (), widened=False)
    assert {(s.start, s.end) for s in base} == {(s.start, s.end) for s in everything if not s.widened}
    assert any(s.widened for s in everything) and not any(s.widened for s in base)
    from qa.features import FEATURES

    rows = np.zeros((1, len(FEATURES)), np.float32)
    full = span_features(q, base, [sentence], rows)
    scorer = span_features(q, base, [sentence], rows, chooser=False)
    assert scorer.shape == (len(base), len(SCORER_FEATURES)) and (full[:, : len(SCORER_FEATURES)] == scorer).all()

