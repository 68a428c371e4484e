"""Dates: written forms, ranges, relative words against the article's date, ISO overlap."""

from __future__ import annotations

import datetime
import pickle

import pytest

from qa.lang.dates import DateMention, ReferenceDate, find_dates, overlaps, parse_reference
from qa.lang.resources import DATA_DIR, table

REF = "2020-11-18"  # a Wednesday


@pytest.mark.parametrize(("text", "reference", "expected"), [
    # (text, reference, [(mention text, iso, relative)])
    ("2020年11月17日", None, [("2020年11月17日", "2020-11-17", False)]),
    ("2020年11月", None, [("2020年11月", "2020-11", False)]),
    ("2020年", None, [("2020年", "2020", False)]),
    ("11月17日", REF, [("11月17日", "2020-11-17", False)]),
    ("11月17号", REF, [("11月17号", "2020-11-17", False)]),
    ("11月17日", None, [("11月17日", "--11-17", False)]),
    ("11月", None, [("11月", "--11", False)]),
    ("11月份", REF, [("11月份", "2020-11", False)]),
    ("17日", REF, [("17日", "2020-11-17", False)]),
    ("11月16日-17日", REF, [("11月16日-17日", "2020-11-16/2020-11-17", False)]),
    ("11月16日-17日", None, [("11月16日-17日", "--11-16/--11-17", False)]),
    ("11月16日至17日", REF, [("11月16日至17日", "2020-11-16/2020-11-17", False)]),
    ("11月16日到18日", REF, [("11月16日到18日", "2020-11-16/2020-11-18", False)]),
    ("11月16-17日", REF, [("11月16-17日", "2020-11-16/2020-11-17", False)]),
    ("11月30日至12月2日", REF, [("11月30日至12月2日", "2020-11-30/2020-12-02", False)]),
    ("12月30日至1月2日", REF, [("12月30日至1月2日", "2020-12-30/2021-01-02", False)]),
    ("2019年至2020年", None, [("2019年至2020年", "2019/2020", False)]),
    ("2019-2020年", None, [("2019-2020年", "2019/2020", False)]),
    ("11月至12月", None, [("11月至12月", "--11/--12", False)]),
    ("2020-11-17", None, [("2020-11-17", "2020-11-17", False)]),
    ("2020/11/17", None, [("2020/11/17", "2020-11-17", False)]),
    ("2020.11.17", None, [("2020.11.17", "2020-11-17", False)]),
    ("二〇二〇年十一月十七日", None, [("二〇二〇年十一月十七日", "2020-11-17", False)]),
    ("十一月十七日", REF, [("十一月十七日", "2020-11-17", False)]),
    ("十一月十七日", None, [("十一月十七日", "--11-17", False)]),
    ("11月18下午", REF, [("11月18", "2020-11-18", False)]),
    ("11月上旬", REF, [("11月上旬", "2020-11-01/2020-11-10", False)]),
    ("11月中旬", None, [("11月中旬", "--11-11/--11-20", False)]),
    ("2020年2月下旬", None, [("2020年2月下旬", "2020-02-21/2020-02-29", False)]),
    # relative words
    ("今天", REF, [("今天", "2020-11-18", True)]),
    ("今日", REF, [("今日", "2020-11-18", True)]),
    ("昨天", REF, [("昨天", "2020-11-17", True)]),
    ("昨日", REF, [("昨日", "2020-11-17", True)]),
    ("前天", REF, [("前天", "2020-11-16", True)]),
    ("明天", REF, [("明天", "2020-11-19", True)]),
    ("后天", REF, [("后天", "2020-11-20", True)]),
    ("今年", REF, [("今年", "2020", True)]),
    ("本年", REF, [("本年", "2020", True)]),
    ("去年以来", REF, [("去年", "2019", True)]),
    ("前年", REF, [("前年", "2018", True)]),
    ("明年", REF, [("明年", "2021", True)]),
    ("本月", REF, [("本月", "2020-11", True)]),
    ("上月", REF, [("上月", "2020-10", True)]),
    ("下个月", REF, [("下个月", "2020-12", True)]),
    ("本周", REF, [("本周", "2020-11-16/2020-11-22", True)]),
    ("上周", REF, [("上周", "2020-11-09/2020-11-15", True)]),
    ("下周", REF, [("下周", "2020-11-23/2020-11-29", True)]),
    ("今年11月17日", REF, [("今年11月17日", "2020-11-17", True)]),
    ("上月下旬", REF, [("上月下旬", "2020-10-21/2020-10-31", True)]),
    ("昨天", "2021-01-01", [("昨天", "2020-12-31", True)]),
    ("上月", "2021-01-15", [("上月", "2020-12", True)]),
    # a date without a year is in the reference's year, or the one before when that is more than half a year ahead
    ("12月28日", "2021-01-05", [("12月28日", "2020-12-28", False)]),
    ("12月8日", "2020-11", [("12月8日", "2020-12-08", False)]),
    ("30日", "2020-11-02", [("30日", "2020-10-30", False)]),
    ("30日", "2021-01-02", [("30日", "2020-12-30", False)]),
    ("2020年11月17日至2021年1月2日", None, [("2020年11月17日至2021年1月2日", "2020-11-17/2021-01-02", False)]),
    ("去年11月", "2020-11", [("去年11月", "2019-11", True)]),
    # a reference known only to the month resolves month and year words, not day words
    ("本月", "2020-11", [("本月", "2020-11", True)]),
    ("昨天", "2020-11", []),
    ("上周", "2020", []),
    ("今年", "2020", [("今年", "2020", True)]),
    # without a reference, relative words and a day alone are skipped
    ("昨天", None, []),
    ("今年", None, []),
    ("17日", None, []),
    # not dates
    ("5000年", REF, []),
    ("40年", REF, []),
    ("三年", REF, []),
    ("3个月", REF, []),
    ("3号线", REF, []),
    ("第十一月", None, []),
    ("前天津市委书记", REF, []),
    ("2020年11月32日", None, []),
    ("13月", None, []),
    ("10:30", REF, []),
    # centuries and decades are intervals of years; a year named as one may be short
    ("1990年代", None, [("1990年代", "1990/1999", False)]),
    ("九十年代", None, [("九十年代", "1990/1999", False)]),
    ("10年代", None, [("10年代", "2010/2019", False)]),
    ("16世纪", None, [("16世纪", "1501/1600", False)]),
    ("12世纪后期", None, [("12世纪后期", "1151/1200", False)]),
    ("十九世纪上半叶", None, [("十九世纪上半叶", "1801/1850", False)]),
    ("公元620年3月", None, [("公元620年3月", "0620-03", False)]),
    ("民国38年", None, [("民国38年", "1949", False)]),
    ("民国元年", None, [("民国元年", "1912", False)]),
    ("于620年", None, [("620年", "0620", False)]),
    ("公元前240年", None, []),
    ("在300年间", None, []),
    ("于300年的历史", None, []),
    ("持续了300年", None, []),
])
def test_find_dates(text, reference, expected):
    found = find_dates(text, reference=reference)
    assert [(d.text, d.iso, d.relative) for d in found] == expected
    for d in found:
        assert text[d.start:d.end] == d.text


def test_dates_in_a_sentence_keep_text_order_and_offsets():
    text = "11月16日-17日，福建省委在厦门召开会议；昨天，2020年度总结会提出，12月8日将启动建设，去年以来成效明显。"
    found = find_dates(text, reference=datetime.date(2020, 11, 18))
    assert [(d.text, d.iso) for d in found] == [
        ("11月16日-17日", "2020-11-16/2020-11-17"), ("昨天", "2020-11-17"), ("2020年", "2020"),
        ("12月8日", "2020-12-08"), ("去年", "2019")]
    assert found[0] == DateMention(0, 10, "11月16日-17日", "2020-11-16/2020-11-17", False)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_a_range_that_runs_backwards_is_two_dates():
    found = find_dates("11月17日至3日", reference=REF)
    assert [(d.text, d.iso) for d in found] == [("11月17日", "2020-11-17"), ("3日", "2020-11-03")]


@pytest.mark.parametrize(("value", "expected"), [
    ("2020-11-18", datetime.date(2020, 11, 18)),
    ("2020/11/18", datetime.date(2020, 11, 18)),
    ("2020.11.18", datetime.date(2020, 11, 18)),
    ("20201118", datetime.date(2020, 11, 18)),
    ("2020年11月18日", datetime.date(2020, 11, 18)),
    ("2020-11-18T08:30:00+08:00", datetime.date(2020, 11, 18)),
    ("2020-11", datetime.date(2020, 11, 1)),
    ("2020年11月", datetime.date(2020, 11, 1)),
    ("2020", datetime.date(2020, 1, 1)),
    (datetime.date(2020, 11, 18), datetime.date(2020, 11, 18)),
    (datetime.datetime(2020, 11, 18, 8, 30), datetime.date(2020, 11, 18)),
    (None, None),
    ("", None),
])
def test_parse_reference(value, expected):
    assert parse_reference(value) == expected


@pytest.mark.parametrize(("value", "precision"), [("2020-11-18", "day"), ("2020年11月", "month"), ("2020", "year")])
def test_parse_reference_remembers_its_precision(value, precision):
    day = parse_reference(value)
    assert isinstance(day, ReferenceDate) and day.precision == precision
    assert pickle.loads(pickle.dumps(day)).precision == precision


@pytest.mark.parametrize(("text", "expected"), [("昨天", []), ("17日", ["2020-11-17"]), ("本月", ["2020-11"])])
def test_a_parsed_reference_keeps_what_is_known(text, expected):
    # annotate parses an article's date once: 2020-11 must not become a known day 2020-11-01
    assert [d.iso for d in find_dates(text, reference=parse_reference("2020-11"))] == expected


def test_reference_date_rejects_an_unknown_precision():
    with pytest.raises(ValueError, match="precision 'week'"):
        ReferenceDate(2020, 11, 1, "week")


@pytest.mark.parametrize("value", ["yesterday", "2020-13-01", "2020-02-30", "11月18日"])
def test_parse_reference_rejects_what_is_not_a_date(value):
    with pytest.raises(ValueError, match="not a date"):
        parse_reference(value)


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("2020-11", "2020-11-17", True),
    ("2020-11-17", "2020-11-17", True),
    ("2020-11-17", "2020-11-18", False),
    ("2020", "2020-12-31", True),
    ("2019", "2020", False),
    ("2020-11-16/2020-11-17", "2020-11-17", True),
    ("2020-11-16/2020-11-17", "2020-11-18", False),
    ("2020-11-09/2020-11-15", "2020-11", True),
    ("2019/2020", "2020-06", True),
    ("--11-17", "2020-11-17", True),
    ("--11-17", "2020-11-18", False),
    ("--11", "2020-11-30", True),
    ("--11-16/--11-17", "2019-11-17", True),
    ("--12-30/--01-02", "2021-01-01", True),
    ("--12-30/--01-02", "2021-01-03", False),
    ("--02-29", "2020-02", True),
    ("2019/2020", "--05-05", True),
])
def test_overlaps(a, b, expected):
    assert overlaps(a, b) is expected
    assert overlaps(b, a) is expected


@pytest.mark.parametrize("value", ["", "2020-1-5", "11-17", "2020/2021/2022", "2020-11-17/--11-18", "yesterday"])
def test_overlaps_rejects_what_is_not_iso(value):
    with pytest.raises(ValueError, match="not an ISO date"):
        overlaps(value, "2020-11-17")


def test_every_found_iso_value_is_read_by_overlaps():
    text = "2020年11月17日、11月16日-17日、11月、11月上旬、上周、去年、2019年至2020年、16世纪、1950年代、公元620年"
    for reference in (REF, None):
        for d in find_dates(text, reference=reference):
            assert overlaps(d.iso, d.iso)


def test_date_words_file_has_its_source_and_valid_rows():
    first = (DATA_DIR / "date_words.txt").read_text("utf-8").splitlines()[0]
    assert first.startswith("# ") and "date" in first.lower()
    rows = table("date_words")
    assert len({r[0] for r in rows}) == len(rows)
    for row in rows:
        assert len(row) in (3, 4) and row[2] in ("day", "week", "month", "year") and int(row[1]) in range(-3, 4)
