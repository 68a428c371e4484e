"""The follow-up benchmark's pairs and settings (the run itself needs the training index)."""

from __future__ import annotations

import pytest

from benchmarks.followups import chinese, english, parse_weights
from train.data import Passage, Question, split_of


def _passage(pid: str, questions: list[tuple[str, str, str]]) -> Passage:
    qs = tuple(Question(id=f"{pid}-{i}", text=t, lang=lang, answers=((a, 0),)) for i, (t, lang, a) in enumerate(questions))
    return Passage(id=pid, title=f"title {pid}", context="", source="test", questions=qs)


def test_weights_start_from_qa_followups_and_name_only_its_retrievals():
    from qa.followup import FOLLOWUP_WEIGHTS

    assert parse_weights("") == FOLLOWUP_WEIGHTS
    assert parse_weights("question=0.5")["question"] == 0.5
    with pytest.raises(ValueError, match="unknown retrieval 'rewrite'"):
        parse_weights("rewrite=1")


def test_a_chinese_follow_up_replaces_the_shared_opening_by_it_or_leaves_it_out():
    p = _passage("a", [("鼓浪屿钢琴音乐节什么时候开幕？", "zh", "11月20日"), ("鼓浪屿钢琴音乐节在哪里举行？", "zh", "音乐厅")])
    rows = chinese([p], {"a": "keep"}, split_of(p.title), 10)
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("它 (it)", "它在哪里举行？", "鼓浪屿钢琴音乐节在哪里举行？"),
        ("names nothing", "在哪里举行？", "鼓浪屿钢琴音乐节在哪里举行？")]
    assert chinese([p], {"a": "cut"}, split_of(p.title), 10) == []  # only passages indexed whole


def test_an_english_follow_up_asks_about_the_subject_by_it_after_a_question_about_the_subject():
    p = _passage("b", [("When did the new ferry line open?", "en", "2019")])
    rows = english([p], {"b": "keep"}, split_of(p.title), 10)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("What was the new ferry line?", "When did it open?", "When did the new ferry line open?")]
