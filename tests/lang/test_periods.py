"""Periods named by questions, read against the newest article's date (2020-11-25, a Wednesday)."""

from __future__ import annotations

import datetime

import pytest

from qa.lang import resources
from qa.lang.periods import OPEN_END, OPEN_START, PeriodError, asks_for_latest, find_period, newest_date

REF = "2020-11-25"


@pytest.mark.parametrize(("question", "iso", "words"), [
    ("11月17日发生了什么？", "2020-11-17", ("11月17日",)),
    ("11月16日-17日胡昌升去了哪里？", "2020-11-16/2020-11-17", ("11月16日-17日",)),
    ("2020年11月厦门有哪些活动？", "2020-11-01/2020-11-30", ("2020年11月",)),
    ("11月中旬有什么新闻？", "2020-11-11/2020-11-20", ("11月中旬",)),
    ("11月上旬的气温", "2020-11-01/2020-11-10", ("11月上旬",)),
    ("11月下旬的展会", "2020-11-21/2020-11-30", ("11月下旬",)),
    ("昨天发生了什么？", "2020-11-24", ("昨天",)),
    ("前天的新闻", "2020-11-23", ("前天",)),
    ("今天有什么消息", "2020-11-25", ("今天",)),
    ("本周有什么活动", "2020-11-23/2020-11-29", ("本周",)),
    ("这周有什么活动", "2020-11-23/2020-11-29", ("这周",)),
    ("上周的常务会议", "2020-11-16/2020-11-22", ("上周",)),
    ("本月厦门获得了什么称号？", "2020-11-01/2020-11-30", ("本月",)),
    ("上个月的会议", "2020-10-01/2020-10-31", ("上个月",)),
    ("去年的知晓率", "2019-01-01/2019-12-31", ("去年",)),
    ("今年的回收利用率", "2020-01-01/2020-12-31", ("今年",)),
    ("11月16日这周发生了什么", "2020-11-16/2020-11-22", ("11月16日", "这周")),
    ("what happened on 17 November?", "2020-11-17", ("17 November",)),
    ("What happened on Nov 17?", "2020-11-17", ("Nov 17",)),
    ("What happened on Nov. 17th, 2020?", "2020-11-17", ("Nov. 17th, 2020",)),
    ("news in November 2020", "2020-11-01/2020-11-30", ("November 2020",)),
    ("what happened in November?", "2020-11-01/2020-11-30", ("November",)),
    ("what happened on November 16-17?", "2020-11-16/2020-11-17", ("November 16-17",)),
    ("the lowest temperature in early November", "2020-11-01/2020-11-10", ("early November",)),
    ("mid-November events", "2020-11-11/2020-11-20", ("mid-November",)),
    ("what happened yesterday?", "2020-11-24", ("yesterday",)),
    ("the meeting last week", "2020-11-16/2020-11-22", ("last week",)),
    ("what happened this month?", "2020-11-01/2020-11-30", ("this month",)),
    ("what happened in Xiamen the week of 16 November?", "2020-11-16/2020-11-22", ("the week of", "16 November")),
    ("11月17日之前有哪些活动？", "0001-01-01/2020-11-16", ("11月17日", "之前")),
    ("11月17日之后有哪些活动？", "2020-11-18/9999-12-31", ("11月17日", "之后")),
    ("11月13日以来", "2020-11-13/9999-12-31", ("11月13日", "以来")),
    ("截至11月20日", "0001-01-01/2020-11-20", ("截至", "11月20日")),
    ("what happened before 17 November?", "0001-01-01/2020-11-16", ("before", "17 November")),
    ("the job fair held after Nov 20", "2020-11-21/9999-12-31", ("after", "Nov 20")),
    ("11月13日之后、11月20日之前", "2020-11-14/2020-11-19", ("11月13日", "之后", "11月20日", "之前")),
])
def test_each_form(question, iso, words):
    p = find_period(question, reference=REF)
    assert p is not None and p.iso == iso and p.words == words


def test_relative_to_the_reference_only_when_read_against_it():
    assert find_period("11月17日", reference=REF).relative_to == datetime.date(2020, 11, 25)
    assert find_period("上周", reference=REF).relative_to == datetime.date(2020, 11, 25)
    assert find_period("2020年11月17日", reference=REF).relative_to is None
    assert find_period("on November 17, 2020", reference=REF).relative_to is None


def test_precision_is_the_coarsest_date_written():
    assert find_period("2020年11月", reference=REF).precision == "month"
    assert find_period("去年", reference=REF).precision == "year"
    assert find_period("11月中旬", reference=REF).precision == "day"
    assert find_period("11月17日之前", reference=REF).precision == "day"


def test_a_date_without_a_year_before_the_reference_is_last_year():
    assert find_period("12月28日发生了什么", reference="2021-01-05").iso == "2020-12-28"


def test_open_ends_are_the_limits_open_ends():
    p = find_period("before 17 November", reference=REF)
    assert p.start == OPEN_START and p.end == datetime.date(2020, 11, 16)
    assert p.to_json()["start"] is None and p.to_json()["end"] == "2020-11-16"
    assert find_period("11月17日之后", reference=REF).end == OPEN_END


@pytest.mark.parametrize("question", ["厦门有什么新闻？", "who may attend the forum?", "胡昌升在北京会见了哪些人？",
                                      "3号线什么时候开通？", "Which companies did Hu Changsheng visit?", "",
                                      "How did Zhou Jun kill Liu Suyun?", "What did Li Jan say?",
                                      "What did the book by Jun Zhou say?", "What is the title of Jun Wang's book?"])
def test_no_period(question):
    assert find_period(question, reference=REF) is None


@pytest.mark.parametrize(("question", "iso"), [("what happened in Jun 2020?", "2020-06-01/2020-06-30"),
                                               ("what happened on Jun 5?", "2020-06-05"),
                                               ("what happened in Jun?", "2020-06-01/2020-06-30"),
                                               ("news from early Dec", "2020-12-01/2020-12-10"),
                                               # beside another month: a range or a list
                                               ("What happened from Jun to Aug?", "2020-06-01/2020-08-31"),
                                               ("What happened Jun-Aug 2020?", "2020-06-01/2020-08-31"),
                                               ("news from Oct. to Dec.", "2020-10-01/2020-12-31"),
                                               ("What happened between Sept and Nov?", "2020-09-01/2020-11-30"),
                                               ("events in Jan, Feb or Mar?", "2020-01-01/2020-03-31")])
def test_an_abbreviated_month_is_a_month_beside_a_day_year_preposition_or_month(question, iso):
    assert find_period(question, reference=REF).iso == iso


@pytest.mark.parametrize("question", ["Zhou Jun and Liu Suyun met where?", "What did Li Jan, Wang Wei and Zhou Jun say?"])
def test_a_name_beside_names_is_no_month(question):
    assert find_period(question, reference=REF) is None


@pytest.mark.parametrize(("question", "named"), [
    ("11月31日发生了什么？", "11月31日"), ("2021年2月29日", "2021年2月29日"), ("13月5日有什么活动", "13月5日"),
    ("what happened on February 30?", "February 30"), ("on 31 November", "31 November"),
])
def test_a_date_that_does_not_exist_is_a_clear_error(question, named):
    with pytest.raises(PeriodError, match=named):
        find_period(question, reference=REF)


def test_february_29_without_a_year_may_exist():
    assert find_period("2月29日", reference=None).iso == "--02-29"


def test_without_a_reference_relative_words_name_nothing():
    assert find_period("昨天发生了什么", reference=None) is None
    assert find_period("昨天发生了什么", reference="2020-11") is None  # a month is not a day to count back from
    assert find_period("本月", reference="2020-11").iso == "2020-11-01/2020-11-30"
    p = find_period("11月17日", reference=None)
    assert p.iso == "--11-17" and not p.has_year and p.relative_to is None


def test_a_bad_reference_is_an_error():
    with pytest.raises(ValueError, match="not a date"):
        find_period("昨天", reference="soon")


def test_contradicting_bounds_are_an_error():
    with pytest.raises(PeriodError, match="leave no day"):
        find_period("11月20日之后、11月13日之前", reference=REF)


@pytest.mark.parametrize(("question", "word"), [
    ("金砖基地的最新进展", "最新"), ("最近一次常务会议研究了什么？", "最近"),
    ("the latest on the BRICS base", "latest"), ("What did the most recent meeting discuss?", "most recent"),
    ("厦门在哪个省？", None), ("Who did Hu Changsheng meet?", None),
])
def test_asks_for_latest(question, word):
    assert asks_for_latest(question) == word


def test_newest_date_prefers_a_known_day_and_skips_what_it_cannot_read():
    d = newest_date(["2020-11", "2020-11-25", None, "", "garbage", "2020-10-01"])
    assert d == datetime.date(2020, 11, 25)
    assert newest_date(["2020-11"]).precision == "month"
    assert newest_date([None, "x"]) is None


def test_word_lists():
    zh_words = {row[0] for row in resources.table("date_words")}
    for zh, phrase in resources.table("date_words_en", 2):
        assert zh in zh_words, f"date_words_en.txt: {zh} ({phrase}) is not a word of date_words.txt"
    rows = resources.table("period_words", 4)
    assert {r[0] for r in rows} == {"before", "after", "since", "until", "week", "latest"}
    assert {r[1] for r in rows} == {"zh", "en"} and {r[2] for r in rows} <= {"pre", "post", "any"}
    assert ("before", "zh", "post", "前") not in rows  # 11月17日前往北京: 前 alone is not a bound
