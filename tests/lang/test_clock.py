"""Clock times in Chinese text (qa.lang.clock): what a question asking for a time of day is answered with."""

from __future__ import annotations

import pytest

from qa.lang.clock import english_time, find_times


def times(text):
    return [(text[t.start:t.end], t.norm) for t in find_times(text)]


@pytest.mark.parametrize("text, found", [
    ("开放时间为每天9时至17时30分，周一闭馆。", [("9时至17时30分", "09:00/17:30")]),
    ("每天9:00-17:30开放", [("9:00-17:30", "09:00/17:30")]),
    ("营业时间5时30分－22时30分", [("5时30分－22时30分", "05:30/22:30")]),
    ("上午9时至下午5时", [("上午9时至下午5时", "09:00/17:00")]),
    ("下午3点半开始", [("下午3点半", "15:30")]),
    ("晚上8点", [("晚上8点", "20:00")]),
    ("中午1点", [("中午1点", "13:00")]),
    ("十二时", [("十二时", "12:00")]),
    ("九点钟", [("九点钟", "09:00")]),
    ("于10:30举行", [("10:30", "10:30")]),
    ("2020年11月17日上午10时", [("上午10时", "10:00")]),
    ("開放時間為每天9時至17時30分", [("9時至17時30分", "09:00/17:30")]),  # Traditional
])
def test_times_and_ranges_of_them_are_read(text, found):
    assert times(text) == found


@pytest.mark.parametrize("text", ["提出三点意见", "提出3点建议", "约3小时", "2.5小时", "第3点", "25时", "同时", "当时"])
def test_counts_durations_and_impossible_hours_are_no_times(text):
    assert times(text) == []


def test_english_form():
    assert english_time("09:00/17:30") == "9:00–17:30" and english_time("15:00") == "15:00"
    assert english_time("00:30") == "0:30"
