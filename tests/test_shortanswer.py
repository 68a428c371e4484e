"""Short answers: candidate spans of a sentence, their features, and how they read in English."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from qa.annotate import annotate_text
from qa.features import make_query
from qa.query import analyze
from qa.shortanswer import (
    CHOICE_FEATURES,
    SPAN_FEATURES,
    Span,
    candidate_spans,
    covered,
    date_grain,
    english_date,
    english_form,
    span_features,
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
    mask[:] = True  # the result is remembered; each caller gets its own copy to change
    assert not covered("圣体堂区成立于", "圣体堂区成立于1910年")[7:].any()


def test_span_features_are_finite_and_named():
    q, spans = spans_of("金沙湾隧道的单程票价是多少？", "金沙湾隧道单程票价为38元，儿童票19元。")
    from qa.features import FEATURES

    X = span_features(q, spans, ["金沙湾隧道单程票价为38元，儿童票19元。"], np.zeros((1, len(FEATURES)), np.float32))
    assert X.shape == (len(spans), len(CHOICE_FEATURES)) and np.isfinite(X).all()
    assert CHOICE_FEATURES[: len(SPAN_FEATURES)] == SPAN_FEATURES  # the span scorer reads the first columns
    by_text = {s.text: X[i] for i, s in enumerate(spans)}
    col = CHOICE_FEATURES.index
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


def _choice_row(question, sentence, text):
    from qa.features import FEATURES

    q, spans = spans_of(question, sentence)
    X = span_features(q, spans, [sentence], np.zeros((1, len(FEATURES)), np.float32))
    rows = {s.text: X[i] for i, s in enumerate(spans)}
    return rows[text], CHOICE_FEATURES.index


@pytest.mark.parametrize("question, sentence, day, month", [
    ("金砖创新基地建设将在哪一天正式启动？", "基地建设将于12月8日正式启动，12月底前完成。", 1.0, 0.0),
    ("On what date will the base open?", "基地将于12月8日正式启动，12月底前完成。", 1.0, 0.0),
    ("博览会在几月举行？", "博览会于12月8日开幕，12月底闭幕。", 0.0, 1.0),
])
def test_a_date_span_as_precise_as_the_question_asks_is_marked(question, sentence, day, month):
    """哪一天 asks for a day: 12月8日 matches, 12月 does not; 几月 asks for a month."""
    row, col = _choice_row(question, sentence, "12月8日")
    assert row[col("grain_match")] == day
    if "12月底" in sentence:
        q, spans = spans_of(question, sentence)
        months = [s for s in spans if s.kind == "date" and date_grain(s.norm) == "month"]
        if months:
            r, _ = _choice_row(question, sentence, months[0].text)
            assert r[col("grain_match")] == month


def test_a_left_over_run_that_is_a_date_has_its_grain():
    """哪一年 asks for a year: the run 1910年 (a piece of the day 1910年5月3日) matches it, the day does not."""
    sentence = "圣体堂区于1910年5月3日成立。"
    q, spans = spans_of("圣体堂区成立于哪一年？", sentence)
    texts = {s.text: s for s in spans}
    assert "1910年" in texts and texts["1910年"].kind is None, texts
    row, col = _choice_row("圣体堂区成立于哪一年？", sentence, "1910年")
    assert row[col("grain_match")] == 1.0
    day = next(s.text for s in spans if s.kind == "date")
    row, col = _choice_row("圣体堂区成立于哪一年？", sentence, day)
    assert row[col("grain_match")] == 0.0


def test_a_question_asking_for_a_time_of_day_is_answered_by_a_clock_time():
    """几点开放 asks for a time of day: the clock time is a candidate that matches its grain, and a
    date is not; other questions never see clock times (the model was trained without them)."""
    sentence = "隧道于12月18日开放，开放时间为每天9时至17时30分。"
    q, spans = spans_of("隧道每天几点开放？", sentence)
    assert q.answer_type == "date" and q.grain == "clock"
    assert ("9时至17时30分", "time") in {(s.text, s.kind) for s in spans}
    row, col = _choice_row("隧道每天几点开放？", sentence, "9时至17时30分")
    assert row[col("grain_match")] == 1.0 and row[col("type_match")] == 1.0 and row[col("kind_date")] == 1.0
    row, col = _choice_row("隧道每天几点开放？", sentence, "12月18日")
    assert row[col("grain_match")] == 0.0 and row[col("type_match")] == 0.0
    q, spans = spans_of("隧道哪天开放？", sentence)
    assert q.grain == "day" and not any(s.kind == "time" for s in spans)
    assert english_form(Span(0, 0, 9, "9时至17时30分", "time", "09:00/17:30")) == "9时至17时30分 (9:00–17:30)"


def test_no_grain_is_read_where_the_question_asks_none():
    row, col = _choice_row("基地建设什么时候启动？", "基地建设将于12月8日正式启动。", "12月8日")
    assert row[col("grain_match")] == -1.0


@pytest.mark.parametrize("norm, grain", [
    ("2020-11-17", "day"), ("--11-16/--11-17", "day"), ("--12", "month"), ("2020-11", "month"),
    ("1910", "year"), ("1501/1600", "year"), ("", ""), ("junk", ""),
])
def test_date_grain(norm, grain):
    assert date_grain(norm) == grain


def test_a_span_ending_like_the_asked_noun_is_marked():
    """哪一个机场 asks for something ending in 机场: 杭州笕桥机场 ends so, 杭州 does not."""
    sentence = "日军战机企图突袭杭州笕桥机场，被中国空军击退。"
    q, spans = spans_of("日军战机企图突袭哪一个机场？", sentence)
    texts = [s.text for s in spans]
    assert any(t.endswith("机场") for t in texts), texts
    whole = next(t for t in texts if t.endswith("机场"))
    row, col = _choice_row("日军战机企图突袭哪一个机场？", sentence, whole)
    assert row[col("asked_tail")] == 1.0
    other = next(t for t in texts if not t.endswith("场"))
    row, col = _choice_row("日军战机企图突袭哪一个机场？", sentence, other)
    assert row[col("asked_tail")] == 0.0
    row, col = _choice_row("圣体堂区成立于哪年？", "圣体堂区成立于1910年。", "1910年")
    assert row[col("asked_tail")] == -1.0  # no noun asked


def test_a_run_followed_by_the_asked_noun_is_a_candidate_with_it_for_the_chooser_only():
    """The question has 机场, so the left-over run stops before it (杭州笕桥); the answer is the
    run with it. The span scorer, whose scores the sentence features read, never sees such spans."""
    sentence = "日军战机企图突袭杭州笕桥机场，被中国空军击退。"
    q = make_query(analyze("日军战机企图突袭哪一个机场？"))
    with_heads = candidate_spans(q, 0, sentence, 0, annotate_text(sentence))
    assert any(s.text == "杭州笕桥机场" and s.headed for s in with_heads)
    plain = candidate_spans(q, 0, sentence, 0, annotate_text(sentence), heads=False)
    assert not any(s.headed for s in plain) and {s.text for s in plain} < {s.text for s in with_heads}


def test_span_features_read_the_covered_characters_as_numpy_would():
    """The per-sentence tables (running counts, nearest covered character either side) give
    what the masks say directly: gaps to the question's words and the covered share."""
    from qa.features import FEATURES

    question, sentence = "双岛湾大桥什么时候建成通车？", "12月28日上午，我市重点交通工程双岛湾大桥建成通车，全长约3公里。"
    q, spans = spans_of(question, sentence)
    X = span_features(q, spans, [sentence], np.zeros((1, len(FEATURES)), np.float32))
    mask = covered(q.chars, sentence)
    col = CHOICE_FEATURES.index
    for sp, row in zip(spans, X):
        left, right = np.flatnonzero(mask[: sp.start]), np.flatnonzero(mask[sp.end:])
        assert row[col("left_gap")] == (min(sp.start - (left[-1] + 1), 30) if len(left) else 30)
        assert row[col("right_gap")] == (min(right[0], 30) if len(right) else 30)
        share = np.float32(mask[sp.start:sp.end].mean())
        assert row[col("overlap_question")] >= share


def _rows_with_mentions(question, sentence):
    from qa.features import FEATURES
    from qa.shortanswer import sentence_mentions

    q = make_query(analyze(question))
    found = annotate_text(sentence)

    # what sentence_mentions reads of a qa.evidence.Candidate
    candidate = SimpleNamespace(text=sentence, start=0, sentence=SimpleNamespace(mentions=found))
    spans = candidate_spans(q, 0, sentence, 0, found)
    X = span_features(q, spans, [sentence], np.zeros((1, len(FEATURES)), np.float32), {0: sentence_mentions(candidate)})
    return {s.text: X[i] for i, s in enumerate(spans)}, CHOICE_FEATURES.index


def test_a_place_in_a_chain_of_places_is_marked_and_the_chain_counts_them():
    """山形县 of 日本山形县东置赐郡 has another place just before it; the run holding the chain
    has two places of the kind asked and more of the run than either place alone."""
    rows, col = _rows_with_mentions("大曲车站在哪里？", "大曲车站是一座位于日本山形县东置赐郡的铁路车站。")
    assert rows["山形县"][col("left_mention")] == 1.0 and rows["日本"][col("right_mention")] == 1.0
    chain = next(t for t in rows if t.startswith("日本山形县"))
    assert rows[chain][col("asked_inside")] == 2 and rows[chain][col("left_mention")] == 0.0
    assert rows[chain][col("run_share")] > rows["山形县"][col("run_share")]
    assert rows[chain][col("mention_share")] < 1.0 == rows["山形县"][col("mention_share")]


def test_without_annotations_given_the_mention_features_read_none():
    from qa.features import FEATURES

    sentence = "大曲车站是一座位于日本山形县的铁路车站。"
    q, spans = spans_of("大曲车站在哪里？", sentence)
    X = span_features(q, spans, [sentence], np.zeros((1, len(FEATURES)), np.float32))
    col = CHOICE_FEATURES.index
    assert (X[:, col("left_mention")] == 0).all() and (X[:, col("mention_share")] == 0).all()
    assert (X[:, col("asked_inside")] == 0).all()  # a kind is asked, none is given


def test_the_question_words_around_its_question_word_are_read_around_the_span():
    """在哪里举行: the span that 举行 follows has the question's right context; no left context
    is asked of a question that starts with its question word."""
    question = "2008年度香港小姐竞选是在哪里举行的？"
    sentence = "2008年度香港小姐竞选于香港湾仔香港会议展览中心举行。"
    rows, col = _rows_with_mentions(question, sentence)
    venue = next(t for t in rows if t.endswith("会议展览中心"))
    assert rows[venue][col("right_context")] >= 2
    assert rows["湾仔"][col("right_context")] == 0
    rows, col = _rows_with_mentions("谁杀了司马晏？", "刘曜杀了司马晏。")
    assert all(r[col("left_context")] == -1 for r in rows.values())


def test_a_piece_of_the_question_words_next_to_the_span_is_marked():
    """董事长是谁: the question's words before 谁 end in 是, which the sentence need not repeat;
    董事长 sits right before 陈肇雄 and not before 胡昌升."""
    rows, col = _rows_with_mentions("中国电子科技集团的董事长是谁？", "在中国电科，胡昌升与董事长陈肇雄等座谈。")
    assert rows["陈肇雄"][col("left_piece")] == 3 and rows["胡昌升"][col("left_piece")] < 3
    assert rows["陈肇雄"][col("left_context")] == 0  # the end of the question's words (…董事长是) is not there


def test_without_choice_the_scorer_s_columns_are_the_same_and_the_chooser_s_are_left_out():
    from qa.features import FEATURES

    question, sentence = "金砖创新基地建设将在哪一天正式启动？", "基地建设将于12月8日正式启动，12月底前完成。"
    q, spans = spans_of(question, sentence)
    rows = np.zeros((1, len(FEATURES)), np.float32)
    whole = span_features(q, spans, [sentence], rows)
    scorer_only = span_features(q, spans, [sentence], rows, choice=False)
    np.testing.assert_array_equal(scorer_only[:, : len(SPAN_FEATURES)], whole[:, : len(SPAN_FEATURES)])
    assert not scorer_only[:, len(SPAN_FEATURES):].any() and whole[:, len(SPAN_FEATURES):].any()


def test_annotations_of_the_asked_kind_inside_a_span_are_counted_up_to_a_cap():
    from qa.shortanswer import MAX_INSIDE

    sentence = "这个古镇位于中国浙江省嘉兴市平湖市东部。"  # 中国, 浙江省, 嘉兴市, 平湖市 and the longer ones
    rows, col = _rows_with_mentions("这个古镇在哪里？", sentence)
    counts = [r[col("asked_inside")] for r in rows.values()]
    assert max(counts) == MAX_INSIDE and min(counts) >= 0
