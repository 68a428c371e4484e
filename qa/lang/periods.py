"""Periods a question names: 11月17日, 11月中旬, 上周, "on Nov 17", "last week",
"before 17 November", resolved against the newest article of the index (not the clock).

>>> p = find_period("上周厦门发生了什么？", reference="2020-11-25")
>>> p.iso, p.words, str(p.relative_to)
('2020-11-16/2020-11-22', ('上周',), '2020-11-25')

Decisions a caller should know:

- One reader for dates: Chinese date words are read by ``qa.lang.dates.find_dates`` (as the
  articles' event dates are), and an English date is rewritten to its Chinese form and read
  the same way ("November 16-17" is 11月16日-17日, "last week" 上周: ``date_words_en.txt``).
  A month and day without a year take the reference's year (or the one before, see dates.py).
- Several dates in one question: the period runs from the first to the last. A bound word
  (``period_words.txt``: 之前, after, 以来, until) opens the period on one side, to
  ``OPEN_START`` or ``OPEN_END``; several bounds intersect.
- "the week of 16 November", 11月16日这周: the Monday-to-Sunday week holding the date.
- A date that does not exist (11月31日, February 30) raises ``PeriodError`` naming it.
- Without a reference (no dated article), relative words name nothing, and a month and day
  stay without a year (``has_year`` False: compared on month and day, as dates.py does).
- ``asks_for_latest``: 最新, 最近, latest, most recent: newest articles first (not a period).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache

from qa.lang.dates import DateMention, find_dates, iso_bounds, parse_reference
from qa.lang.numbers import parse_number
from qa.lang.resources import ordered, table
from qa.lang.script import to_simplified
from qa.text import normalize_line

__all__ = ["OPEN_END", "OPEN_START", "Period", "PeriodError", "asks_for_latest", "find_period", "newest_date", "precision_of"]

OPEN_START = datetime.date(1, 1, 1)  # as qa.limits.check_period writes an open end
OPEN_END = datetime.date(9999, 12, 31)
PRECISIONS = ("year", "month", "day")


class PeriodError(ValueError):
    """A question names a date that does not exist (11月31日)."""


@dataclass(frozen=True)
class Period:
    """The days a question asks about, from ``start`` to ``end`` (both included).

    Attributes:
        words: the question's words that named it, in order ("11月16日", "之前").
        spans: where those words are in the normalised question (``qa.text.normalize_line``).
        precision: the coarsest date written: "year", "month" or "day" (a week, a 旬, a range
            of days and a bound are days).
        relative_to: the reference (the newest article's date) when a relative word or a
            date without a year was read against it; None when the question wrote it all.
        has_year: False for a month and day read without a reference (then in the year 2000).
    """

    start: datetime.date
    end: datetime.date
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    precision: str = "day"
    relative_to: datetime.date | None = None
    has_year: bool = True

    @property
    def iso(self) -> str:
        """The ISO 8601 date or interval ``qa.lang.dates.overlaps`` reads (2020-11-17,
        2020-11-16/2020-11-22, --11-17 without a year)."""
        def one(d: datetime.date) -> str:
            return d.isoformat() if self.has_year else d.strftime("--%m-%d")

        return one(self.start) if self.start == self.end else f"{one(self.start)}/{one(self.end)}"

    def to_json(self) -> dict:
        """What an answer's details record of the period understood."""
        return {"start": None if self.start == OPEN_START else self.start.isoformat(),
                "end": None if self.end == OPEN_END else self.end.isoformat(),
                "iso": self.iso, "words": list(self.words), "precision": self.precision,
                "relative_to": _shown(self.relative_to)}


def _shown(day: datetime.date | None) -> str | None:
    """A reference as far as it is known: 2020-11-30, or 2020-11 for a month."""
    if day is None:
        return None
    return day.isoformat()[: {"year": 4, "month": 7}.get(getattr(day, "precision", "day"), 10)]


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    mention: DateMention
    lo: datetime.date
    hi: datetime.date
    has_year: bool
    relative: bool  # read against the reference
    precision: str


# -------------------------------------------------------------------- word lists

@cache
def _words() -> dict[tuple[str, str, str], tuple[str, ...]]:
    """(role, language, position) -> phrases, longest first (period_words.txt)."""
    out: dict[tuple[str, str, str], list[str]] = {}
    for role, lang, position, phrase in table("period_words", 4):
        out.setdefault((role, lang, position), []).append(phrase)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


@cache
def _english_relative() -> dict[str, str]:
    """English phrase -> the Chinese word of date_words.txt it means (date_words_en.txt)."""
    return {phrase.lower(): zh for zh, phrase in table("date_words_en", 2)}


def _month_names() -> str:
    """English month names and abbreviations as one regex alternation, longest first."""
    months = [m.lower() for m in ordered("months_en")]
    return "|".join(sorted({*months, *(m[:3] for m in months), "sept"}, key=len, reverse=True))


@cache
def _beside_a_month() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Another month through a range or list word, before and after a match ("Jun to Aug",
    "Jun-Aug", "Sept and Nov"): an abbreviation there is a month, not a syllable of a name."""
    mon, link = _month_names(), r"\s*(?:-|–|~|to|through|and|or|,)\s*"
    return (re.compile(rf"\b(?:{mon})\.?{link}$", re.IGNORECASE),
            re.compile(rf"^\.?{link}(?:{mon})\b", re.IGNORECASE))


@cache
def _english() -> re.Pattern[str]:
    mon = _month_names()
    day = r"\d{1,2}(?:st|nd|rd|th)?"
    to = r"\s*(?:-|–|~|to|and)\s*"
    relative = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(_english_relative(), key=len, reverse=True))
    return re.compile(
        rf"\b(?P<m1>{mon})\.?\s+(?P<d1>{day})(?:{to}(?P<e1>{day}))?(?:,?\s+(?P<y1>\d{{4}}))?\b"
        rf"|\b(?:the\s+)?(?P<d2>{day})(?:{to}(?P<e2>{day}))?\s+(?:of\s+)?(?P<m2>{mon})\.?(?:,?\s+(?P<y2>\d{{4}}))?\b"
        rf"|\b(?:(?P<part>early|mid|late)[-\s]+(?:of\s+)?)?(?P<m3>{mon})\b\.?(?:,?\s+(?P<y3>\d{{4}}))?"
        rf"|\b(?P<pre>in|during|since|before|after|until|by|of)\s+(?P<y4>(?:1[89]|20)\d{{2}})\b(?![-/.年])"
        rf"|\b(?P<rel>{relative})\b",
        re.IGNORECASE)


_PARTS = {"early": "上旬", "mid": "中旬", "late": "下旬"}
# words too: a month only beside a day, a year, a preposition or another month ("Jun to Aug"); so is
# every abbreviation ("Zhou Jun", "Li Jan": a syllable of a romanised name), which a date written out
# gives a day or a year
_AMBIGUOUS_MONTHS = {"may", "march", "mar"}
_MONTH_CONTEXT = re.compile(r"\b(?:in|during|of|since|before|after|until|by|early|mid|late|from)\W*$", re.IGNORECASE)
_NAME_AFTER = re.compile(r"\s+[A-Z][a-z]+")  # a capitalised word right after it (a surname), not after a comma


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")[:3]
    return next(i for i, m in enumerate(ordered("months_en"), 1) if m.lower().startswith(key))


def _day(value: str) -> int:
    return int(re.match(r"\d+", value).group())


def _english_as_chinese(m: re.Match[str], text: str) -> tuple[int, int, str] | None:
    """An English date match as (start, end, the same date written in Chinese)."""
    g = m.groupdict()
    if g["rel"]:
        return m.start(), m.end(), _english_relative()[re.sub(r"\s+", " ", g["rel"].lower())]
    if g["y4"]:
        return m.start("y4"), m.end("y4"), f"{g['y4']}年"
    if g["m1"] or g["m2"]:
        k = "1" if g["m1"] else "2"
        month, first, last, year = g["m" + k], g["d" + k], g["e" + k], g["y" + k]
        zh = f"{year}年" if year else ""
        zh += f"{_month_number(month)}月{_day(first)}日" + (f"-{_day(last)}日" if last else "")
        return m.start(), m.end(), zh
    month, year, part = g["m3"], g["y3"], g["part"]
    ambiguous = month.lower() in _AMBIGUOUS_MONTHS or len(month.rstrip(".")) == 3 or month.lower() == "sept"
    if ambiguous and not (year or part):
        left, right = text[:m.start()], text[m.end():]
        before, after = _beside_a_month()
        beside_a_month = before.search(left) or after.search(right)  # "Jun to Aug"
        # "in Jun", but not "by Jun Zhou": a given name before a capitalised surname
        after_a_preposition = _MONTH_CONTEXT.search(left) and not _NAME_AFTER.match(right)
        if not (beside_a_month or after_a_preposition):
            return None  # "Zhou Jun"
    zh = (f"{year}年" if year else "") + f"{_month_number(month)}月" + (_PARTS[part.lower()] if part else "")
    return m.start(), m.end(), zh


# -------------------------------------------------------------------- reading

_WRITTEN = re.compile(r"(?:(\d{4})年)?(\d{1,2}|[一二三四五六七八九十]+)月(\d{1,2}|[一二三四五六七八九十]+)[日号]")
_YEAR_WRITTEN = re.compile(r"\d{4}|[〇零一二三四五六七八九]{4}年")


def _check_days(text: str) -> None:
    """PeriodError for a month and day that do not exist (11月31日, 2021年2月29日)."""
    for m in _WRITTEN.finditer(text):
        year = int(m.group(1)) if m.group(1) else 2000  # without a year, 2月29日 may exist
        month, day = (int(parse_number(x) or 0) for x in (m.group(2), m.group(3)))
        if not 1 <= month <= 12:
            raise PeriodError(f"{m.group()} is not a date: there is no month {month}")
        try:
            datetime.date(year, month, day)
        except ValueError:
            last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
            raise PeriodError(f"{m.group()} is not a date: month {month} has {last} days") from None


def precision_of(iso: str) -> str:
    """"year", "month" or "day": how much of an ISO date (an interval's first end) is written."""
    first = iso.split("/")[0]
    parts = len(first[2:].split("-")) + 1 if first.startswith("--") else len(first.split("-"))
    return PRECISIONS[parts - 1]


def _from_mention(start: int, end: int, d: DateMention) -> _Found:
    lo, hi, has_year = iso_bounds(d.iso)
    relative = d.relative or not _YEAR_WRITTEN.search(d.text)  # 11月17日 takes the reference's year
    return _Found(start, end, d, lo, hi, has_year, relative, precision_of(d.iso))


def _phrase_at(text: str, pos: int, phrases: tuple[str, ...], *, before: bool) -> str | None:
    """The phrase written right before (or after) ``pos``, spaces between allowed in English."""
    for p in phrases:
        pattern = re.escape(p).replace(r"\ ", r"\s+")
        if before and (m := re.search(rf"(?:^|\b|(?<=[^\x00-\x7f])){pattern}\s*(?:the\s+)?$", text[:pos], re.IGNORECASE)):
            return m.group()
        if not before and (m := re.match(rf"\s*{pattern}", text[pos:], re.IGNORECASE)):
            return m.group()
    return None


def _bound(text: str, f: _Found, lang: str) -> tuple[str | None, str, int, int]:
    """The bound or week word beside a date: (role, the word, its start, its end)."""
    words = _words()
    for role in ("week", "before", "after", "since", "until"):
        if (w := _phrase_at(text, f.start, words.get((role, lang, "pre"), ()), before=True)):
            return role, w.strip(), f.start - len(w), f.start
        if (w := _phrase_at(text, f.end, words.get((role, lang, "post"), ()), before=False)):
            return role, w.strip(), f.end, f.end + len(w)
    return None, "", f.start, f.end


def _dates(text: str, reference) -> list[_Found]:
    """Each date of the question (Chinese as written, English rewritten to Chinese), in order."""
    found = []
    taken: list[tuple[int, int]] = []
    for m in _english().finditer(text):
        if (x := _english_as_chinese(m, text)) is None:
            continue
        start, end, zh = x
        try:
            _check_days(zh)
        except PeriodError as e:
            raise PeriodError(f"{text[start:end]} is not a date ({str(e).split(': ', 1)[-1]})") from None
        if mentions := find_dates(zh, reference=reference):
            found.append(_from_mention(start, end, max(mentions, key=lambda x: x.end - x.start)))
        taken.append((m.start(), m.end()))
    for d in find_dates(text, reference=reference):
        if not any(s < d.end and d.start < e for s, e in taken):
            found.append(_from_mention(d.start, d.end, d))
    return sorted(found, key=lambda f: f.start)


def find_period(question: str, *, reference: str | datetime.date | None = None) -> Period | None:
    """The period a question names, or None when it names none.

    Args:
        question: the question as asked (normalised and read as Simplified here).
        reference: the newest article's date (``newest_date``): what 昨天, last week and
            a month and day without a year are read against.

    Raises:
        PeriodError: the question names a date that does not exist (11月31日).
        ValueError: ``reference`` is not a date (``qa.lang.dates.parse_reference``).

    >>> find_period("what happened on Nov 17?", reference="2020-11-20").iso
    '2020-11-17'
    >>> find_period("11月17日之前有哪些活动？", reference="2020-11-20").to_json()["end"]
    '2020-11-16'
    """
    ref = parse_reference(reference)
    text = to_simplified(normalize_line(question))
    _check_days(text)
    lang = "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"
    found = _dates(text, ref)
    if not found:
        return None
    lo, hi = OPEN_START, OPEN_END  # the intersection of the bounded dates
    free: list[_Found] = []  # the hull of the others
    words: list[tuple[int, int, str]] = []
    skip: list[tuple[int, int]] = []
    bounded = False
    for f in found:
        if any(s <= f.start and f.end <= e for s, e in skip):
            continue  # 这周 of 11月16日这周: part of a week word
        role, word, ws, we = _bound(text, f, lang)
        a, b = f.lo, f.hi
        if role == "week":
            a = f.lo - datetime.timedelta(days=f.lo.weekday())
            b = a + datetime.timedelta(days=6)
            free.append(_Found(f.start, f.end, f.mention, a, b, f.has_year, f.relative, "day"))
        elif role is None:
            free.append(f)
        else:
            bounded = True
            if role in ("before", "until"):
                hi = min(hi, a - datetime.timedelta(days=1) if role == "before" else b)
            else:
                lo = max(lo, b + datetime.timedelta(days=1) if role == "after" else a)
        words.append((f.start, f.end, text[f.start:f.end]))
        if role:
            words.append((ws, we, word))
            skip.append((ws, we))
    if free:
        lo, hi = max(lo, min(f.lo for f in free)), min(hi, max(f.hi for f in free))
    if lo > hi:
        raise PeriodError(f"the dates of the question ({', '.join(w for _, _, w in sorted(words))}) leave no day")
    precision = "day" if bounded else min((f.precision for f in free), key=PRECISIONS.index)
    words.sort()
    return Period(start=lo, end=hi, words=tuple(w for _, _, w in words), spans=tuple((s, e) for s, e, _ in words),
                  precision=precision, relative_to=ref if ref is not None and any(f.relative for f in found) else None,
                  has_year=all(f.has_year for f in found))


def asks_for_latest(question: str) -> str | None:
    """The word of a question that asks for the newest articles (最新, latest), or None."""
    text = to_simplified(normalize_line(question))
    for lang in ("zh", "en"):
        for phrase in _words().get(("latest", lang, "any"), ()):
            pattern = re.escape(phrase).replace(r"\ ", r"\s+")
            if re.search(pattern if lang == "zh" else rf"\b{pattern}\b", text, re.IGNORECASE):
                return phrase
    return None


def newest_date(dates) -> datetime.date | None:
    """The newest of article dates (strings as ``parse_reference`` reads them; unreadable
    and empty ones are skipped): what a question's relative words are read against. On the
    same first day, a known day wins over a month (2020-11-01 over 2020-11)."""
    best = None
    for value in dates:
        try:
            d = parse_reference(value)
        except ValueError:
            continue
        if d is None:
            continue
        key = (d, PRECISIONS.index(getattr(d, "precision", "day")))
        if best is None or key > best[0]:
            best = (key, d)
    return None if best is None else best[1]
