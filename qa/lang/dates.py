"""Dates in Chinese text, normalised to ISO 8601 against the article's own date.

``2020年11月17日`` is ``2020-11-17``, ``11月16日-17日`` the interval
``2020-11-16/2020-11-17`` when the article is from 2020, ``昨天`` in an article of
2020-11-18 is ``2020-11-17``. Relative words are data (``data/date_words.txt``).

Decisions a caller should know:

- A month and day without a year (11月17日) take the reference's year, or the year
  before when that would put them more than half a year after the reference (news reports
  the past: 12月28日 in an article of 2021-01-05 is 2020-12-28). Without a reference they
  are ``--11-17`` (ISO 8601 without a year) and a month alone ``--11``.
- A day alone (17日) takes the reference's month, or the month before when it would be more
  than 15 days after the reference's day; without a reference, or with one known only to the
  year, it is skipped. 3号 and 一日 alone are not dates (3号线, 一日三餐).
- A reference known to the month or year only (``"2020-11"``) resolves 今年 and 本月 but not
  昨天. ``parse_reference("2020-11")`` is a ``ReferenceDate`` 2020-11-01 that remembers
  its precision (``"month"``); any other ``datetime.date`` is a known day.
- A 4-digit year is 1000-2100 (5000年 is a duration); 40年 and 三年 are durations, but a
  year named as one is a year whatever its length: 公元620年, 西元前… is skipped (no ISO form
  here), 于620年 and 在620年 (a 3-digit year after 于/在, not 在300年间), 民国38年 (1949).
- Centuries and decades are intervals of years: 16世纪 is 1501/1600 (上半叶, 下半叶, 初, 中叶,
  末 narrow it: ``_CENTURY_PARTS``), 1950年代 is 1950/1959, 90年代 and 九十年代 1990/1999
  (a two-digit decade is of the 1900s, but 00年代 and 10年代 of the 2000s).
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from qa.lang.numbers import parse_number
from qa.lang.resources import table

__all__ = ["DateMention", "ReferenceDate", "find_dates", "iso_bounds", "overlaps", "parse_reference"]

_YEAR, _MONTH, _DAY = 0, 1, 2  # how much of a reference date is known, and token levels
_Found = tuple[tuple[int | None, ...], tuple[int | None, ...], bool]  # first and last (y, m, d), relative
_PRECISION = {"year": _YEAR, "month": _MONTH, "day": _DAY}
_HALF_YEAR = datetime.timedelta(days=183)


@dataclass(frozen=True)
class DateMention:
    """A date or interval as written at ``text == source[start:end]``, with its ISO value."""

    start: int
    end: int
    text: str
    iso: str  # 2020-11-17, 2020-11, 2020, --11-17, --11, or an interval 2020-11-16/2020-11-17
    relative: bool = False  # resolved from a relative word (昨天, 今年, 上周) against the reference


class ReferenceDate(datetime.date):
    """An article's date that remembers how much of it was written: ``precision`` is
    ``"year"``, ``"month"`` or ``"day"`` (``"2020-11"`` is 2020-11-01, precision month)."""

    __slots__ = ("_precision",)

    def __new__(cls, year: int, month: int = 1, day: int = 1, precision: str = "day") -> ReferenceDate:
        if precision not in _PRECISION:
            raise ValueError(f"precision {precision!r} is not one of {', '.join(_PRECISION)}")
        self = super().__new__(cls, year, month, day)
        self._precision = precision
        return self

    @property
    def precision(self) -> str:
        return self._precision

    def __reduce__(self):
        return type(self), (self.year, self.month, self.day, self.precision)

    def __repr__(self) -> str:
        return f"ReferenceDate({self.year}, {self.month}, {self.day}, precision={self.precision!r})"


@dataclass(frozen=True)
class _Expr:
    """The fields of one written date before resolution."""

    start: int
    end: int
    level: int  # the finest field written: _YEAR, _MONTH or _DAY (3: complete, such as 昨天)
    y: int | None = None
    m: int | None = None
    d: int | None = None
    rel: tuple[str, int] | None = None  # ("year", -1) for 去年
    xun: int | None = None  # 0, 1, 2 for 上旬, 中旬, 下旬
    bare: bool = False  # 2019 of 2019-2020年, 16 of 16-17日: only the start of a range
    weak: bool = False  # 3号, 一日: a day only after a month
    named: bool = False  # a year named as one (公元620年, 民国38年): any length is a year
    years: tuple[int, int] | None = None  # a century or a decade: its first and last year


_WORDS = {row[0]: (int(row[1]), row[2], row[3] if len(row) > 3 else "") for row in table("date_words")}
_REL = "|".join(re.escape(w) + (f"(?![{re.escape(x)}])" if x else "")
                for w, (_, _, x) in sorted(_WORDS.items(), key=lambda kv: -len(kv[0])))
_NB = r"(?<![\d〇零一二两三四五六七八九十百千万亿第个.])"  # not inside a number
_SEP = r"至|到|[-~～－—–]"
_CN_YEAR = "[〇零一二三四五六七八九]{4}"
_CN_MONTH = "十[一二]?|[一二三四五六七八九]"
_CN_DAY = "三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]"
_CN_SMALL = "[一二三四五六七八九十百零〇]{1,5}"
# parts of a century, as (first, last) years counted from its first year (0-99)
_CENTURY_PARTS = {"初": (0, 19), "初期": (0, 19), "初叶": (0, 19), "前期": (0, 49), "上半叶": (0, 49),
                  "中期": (25, 74), "中叶": (25, 74), "后期": (50, 99), "下半叶": (50, 99),
                  "末": (80, 99), "末期": (80, 99), "末叶": (80, 99)}
_PART = "|".join(sorted(_CENTURY_PARTS, key=len, reverse=True))
_ROC = 1911  # 民国元年 is 1912
_TOKEN = re.compile(
    rf"(?P<bce>公元前|西元前)(?:\d{{1,4}}|{_CN_SMALL})(?:年|世纪)"
    rf"|(?:公元|西元)(?P<ey>\d{{1,4}}|{_CN_SMALL})年(?!代|间|内|来|多|前后|左右)"
    rf"|民国(?P<ry>\d{{1,3}}|元|{_CN_SMALL})年(?!代|间|内|来|多|前后|左右)"
    rf"|(?<=[于在])(?P<y3>\d{{3}})年(?!代|间|内|来|多|前|后|左右|以|的|之)"
    rf"|{_NB}(?P<c>\d{{1,2}}|{_CN_SMALL})世纪(?P<cpart>{_PART})?"
    rf"|{_NB}(?P<dec>\d{{4}}|\d0|[一二三四五六七八九]十)年代"
    r"|(?P<iso>(?<![\d.])(?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})(?!\d))"
    rf"|{_NB}(?:(?P<y>\d{{4}}|{_CN_YEAR})年(?!代)|(?P<yb>\d{{4}})(?=(?:{_SEP})\d{{4}}年))"
    rf"|{_NB}(?P<m>\d{{1,2}}|{_CN_MONTH})月份?"
    rf"|{_NB}(?:(?P<d>\d{{1,2}}|{_CN_DAY})(?P<dw>[日号])|(?P<db>\d{{1,2}})(?=(?:{_SEP})\d{{1,2}}[日号])|(?<=月)(?P<dn>\d{{1,2}})(?=[上下中]午|早上|晚上|凌晨))"
    rf"|(?P<rel>{_REL})|(?P<xun>[上中下]旬)|(?P<sep>{_SEP})"
)
_REFERENCE = re.compile(r"\s*(\d{4})(?:(\d{2})(\d{2})(?!\d)|(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?)?)(?!\d)")


def _int(s: str) -> int:
    return int(parse_number(s) or -1)


def _tokens(text: str) -> list[_Expr]:
    """Each date word of the text as a one-token expression; separators have level -1."""
    out = []
    for m in _TOKEN.finditer(text):
        s, e, kind = m.start(), m.end(), m.lastgroup
        if m.group("bce"):
            continue  # no ISO form here: not a date mention
        if m.group("ey") or m.group("ry") or m.group("y3"):
            year = (_ROC + (1 if m.group("ry") == "元" else _int(m.group("ry"))) if m.group("ry")
                    else _int(m.group("ey") or m.group("y3")))
            out.append(_Expr(s, e, _YEAR, year, named=True))
        elif m.group("c"):
            first = (_int(m.group("c")) - 1) * 100 + 1
            lo, hi = _CENTURY_PARTS.get(m.group("cpart") or "", (0, 99))
            out.append(_Expr(s, e, 3, years=(first + lo, first + hi)))
        elif m.group("dec"):
            d = _int(m.group("dec"))
            first = d if d >= 1000 else (2000 if d < 20 else 1900) + d
            out.append(_Expr(s, e, 3, years=(first, first + 9)))
        elif m.group("iso"):
            out.append(_Expr(s, e, 3, int(m.group("iy")), int(m.group("im")), int(m.group("id"))))
        elif m.group("y") or m.group("yb"):
            out.append(_Expr(s, e, _YEAR, _int(m.group("y") or m.group("yb")), bare=bool(m.group("yb"))))
        elif m.group("m"):
            out.append(_Expr(s, e, _MONTH, m=_int(m.group("m"))))
        elif m.group("d") or m.group("db") or m.group("dn"):  # dn: 11月18下午, a day without 日
            day = m.group("d") or m.group("db") or m.group("dn")
            out.append(_Expr(s, e, _DAY, d=_int(day), bare=bool(m.group("db")),
                             weak=m.group("dw") != "日" or (len(day) == 1 and not day.isdigit())))
        elif kind == "rel":
            offset, unit, _ = _WORDS[m.group()]
            level = {"year": _YEAR, "month": _MONTH}.get(unit, 3)
            out.append(_Expr(s, e, level, rel=(unit, offset)))
        elif kind == "xun":
            out.append(_Expr(s, e, _DAY, xun="上中下".index(m.group()[0])))
        else:
            out.append(_Expr(s, e, -1))
    return out


def _expression(tokens: list[_Expr], i: int) -> tuple[_Expr | None, int]:
    """The longest date written from token ``i`` on (year, then month, then day or 旬)."""
    e = tokens[i]
    if e.level < 0 or e.xun is not None:
        return None, i + 1
    j = i + 1
    while not e.bare and e.level < _DAY and j < len(tokens):
        t = tokens[j]
        if t.start != e.end or t.level != e.level + 1 or t.rel:
            break
        e = replace(e, end=t.end, level=t.level, m=e.m if t.m is None else t.m, d=t.d, xun=t.xun, bare=t.bare)
        j += 1
    return e, j


def _last_day(y: int | None, m: int) -> int:
    return calendar.monthrange(2000 if y is None else y, m)[1]  # 2000 is a leap year: --02-29 exists


def _resolve(e: _Expr, ref: tuple[datetime.date, int] | None) -> _Found | None:
    """The first and last (year, month, day) of an expression, and whether it was relative."""
    y, m, d = e.y, e.m, e.d
    r, known = ref or (None, -1)
    if e.years is not None:
        first, last = e.years
        return ((first,), (last,), False) if 1 <= first <= last <= 2100 else None
    if e.rel:
        unit, offset = e.rel
        if r is None or known < _PRECISION.get(unit, _DAY):
            return None
        if unit in ("day", "week"):
            first = r + datetime.timedelta(days=offset) if unit == "day" else (
                r + datetime.timedelta(days=7 * offset - r.weekday()))
            last = first + datetime.timedelta(days=0 if unit == "day" else 6)
            return (first.year, first.month, first.day), (last.year, last.month, last.day), True
        if unit == "month":
            y, m = divmod(r.year * 12 + r.month - 1 + offset, 12)
            m += 1
        else:
            y = r.year + offset
    elif m is None and d is not None:  # 17日: the reference's month, or the one before
        if e.weak or r is None or known < _MONTH:
            return None
        back = known == _DAY and d > r.day + 15
        y, m = (r.year, r.month) if not back else (r.year, r.month - 1) if r.month > 1 else (r.year - 1, 12)
    elif y is None and r is not None and 1 <= (m or 0) <= 12:  # 11月17日: the reference's year, or the one before
        y = r.year - (datetime.date(r.year, m, 1) > r + _HALF_YEAR)
    if y is not None and not (1 if e.named else 1000) <= y <= 2100 or m is not None and not 1 <= m <= 12:
        return None
    if m is None:
        return (y,), (y,), bool(e.rel)
    if e.xun is not None:
        return (y, m, 1 + 10 * e.xun), (y, m, (10, 20, _last_day(y, m))[e.xun]), bool(e.rel)
    if d is not None and not 1 <= d <= _last_day(y, m):
        return None
    t = (y, m) if d is None else (y, m, d)
    return t, t, bool(e.rel)


def _iso(t: tuple[int | None, ...]) -> str:
    y, rest = t[0], t[1:]
    return ("-" if y is None else f"{y:04d}") + "".join(f"-{x:02d}" for x in rest)


def _key(t: tuple[int | None, ...]) -> tuple[int, ...]:
    return tuple(0 if x is None else x for x in t)


def _range(e1: _Expr, e2: _Expr, ref: tuple[datetime.date, int] | None) -> _Found | None:
    """Both ends of 11月16日-17日 (the second end takes the fields it leaves out from the first)."""
    r1 = _resolve(replace(e1, bare=False), ref)
    if r1 is None:
        return None
    if e2.rel is None and e2.y is None:
        y = r1[1][0]
        if e2.m is None and e2.d is not None:
            e2 = replace(e2, y=y, m=r1[1][1] if len(r1[1]) > 1 else None, weak=False)
        elif e2.m is not None:
            e2 = replace(e2, y=y if y is None or (e2.m, e2.d or 1) >= r1[1][1:] else y + 1)
    r2 = _resolve(e2, ref)
    if r2 is None or len(r1[0]) != len(r2[1]) or (r1[0][0] is None) != (r2[1][0] is None):
        return None
    if _key(r2[1]) < _key(r1[0]):
        return None
    return r1[0], r2[1], r1[2] or r2[2]


def find_dates(text: str, *, reference: str | datetime.date | None = None) -> list[DateMention]:
    """Dates and date intervals of a text, in text order, not overlapping.

    Args:
        text: normalised text (ASCII digits, see ``qa.text.normalize_line``).
        reference: the article's date, for relative words and dates without a year
            (a string ``parse_reference`` reads, its result, or a ``datetime.date``: a known day).

    Returns:
        One ``DateMention`` per date or range as written (see the module docstring).

    >>> [(d.text, d.iso) for d in find_dates("11月16日-17日，昨天", reference="2020-11-18")]
    [('11月16日-17日', '2020-11-16/2020-11-17'), ('昨天', '2020-11-17')]
    """
    ref = _reference(reference)
    tokens = _tokens(text)
    out, i = [], 0
    while i < len(tokens):
        e, j = _expression(tokens, i)
        if e is None:
            i = j
            continue
        found = None
        sep = tokens[j] if j + 1 < len(tokens) else None
        if sep is not None and sep.level < 0 and sep.start == e.end and tokens[j + 1].start == sep.end:
            e2, k = _expression(tokens, j + 1)
            if e2 is not None and not e2.bare and (found := _range(e, e2, ref)):
                e, j = replace(e, end=e2.end), k
        if found is None and not e.bare:
            found = _resolve(e, ref)
        if found:
            first, last, relative = found
            iso = _iso(first) if first == last else f"{_iso(first)}/{_iso(last)}"
            out.append(DateMention(e.start, e.end, text[e.start:e.end], iso, relative))
        i = j
    return out


@lru_cache(maxsize=1024)
def _parse(value: str) -> ReferenceDate:
    m = _REFERENCE.match(value)
    if not m:
        raise ValueError(f"not a date: {value!r} (expected 2020-11-18, 2020-11, 2020年11月18日 or 2020)")
    y, m_, d = int(m.group(1)), m.group(2) or m.group(4), m.group(3) or m.group(5)
    try:
        return ReferenceDate(y, int(m_ or 1), int(d or 1), "day" if d else "month" if m_ else "year")
    except ValueError as exc:
        raise ValueError(f"not a date: {value!r} ({exc})") from None


def _reference(value: str | datetime.date | None) -> tuple[datetime.date, int] | None:
    """The reference as a plain date and how much of it is known (_YEAR, _MONTH or _DAY)."""
    day = parse_reference(value)
    return None if day is None else (datetime.date(day.year, day.month, day.day), _PRECISION[getattr(day, "precision", "day")])


def parse_reference(value: str | datetime.date | None) -> datetime.date | None:
    """An article's date field as a date: a ``ReferenceDate`` for a string, the first day of
    the month or year when only those are written (it remembers that: see ``find_dates``).

    Args:
        value: ``"2020-11-18"``, ``"2020/11/18"``, ``"20201118"``, ``"2020年11月18日"``,
            ``"2020-11-18T08:00:00"``, ``"2020-11"`` (2020-11-01), ``"2020"`` (2020-01-01),
            a date, or None / ``""`` (no date).

    Returns:
        The date, or None when there is none.

    Raises:
        ValueError: the value is not a date.
    """
    if value is None or isinstance(value, str) and not value.strip():
        return None
    return _parse(value) if isinstance(value, str) else value.date() if isinstance(value, datetime.datetime) else value


_ISO = re.compile(r"(?:(\d{4})|-)(?:-(\d{2})(?:-(\d{2}))?)?")


def _bounds(iso: str) -> tuple[datetime.date, datetime.date, bool]:
    """First and last day of an ISO value or interval; year-less values fall in 2000."""
    found = [_ISO.fullmatch(p) for p in iso.split("/")]
    if not 0 < len(found) <= 2 or not all(found) or len({m[1] is None for m in found}) > 1 or not (found[0][1] or found[0][2]):
        raise ValueError(f"not an ISO date or interval: {iso!r}")
    (y0, m0, d0), (y1, m1, d1) = (tuple(int(x) if x else None for x in m.groups()) for m in (found[0], found[-1]))
    try:
        first = datetime.date(y0 or 2000, m0 or 1, d0 or 1)
        last = datetime.date(y1 or 2000, m1 or 12, d1 or _last_day(y1, m1 or 12))
    except ValueError:
        raise ValueError(f"not an ISO date or interval: {iso!r}") from None
    return first, last, y0 is not None


def iso_bounds(iso: str) -> tuple[datetime.date, datetime.date, bool]:
    """The first and last day of an ISO date or interval as ``find_dates`` writes it, and
    whether it has a year (a value without one falls in the year 2000, a leap year).

    >>> iso_bounds("2020-11")
    (datetime.date(2020, 11, 1), datetime.date(2020, 11, 30), True)

    Raises:
        ValueError: not ISO 8601 as ``find_dates`` writes it.
    """
    return _bounds(iso)


def _month_days(first: datetime.date, last: datetime.date) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """An interval as (month, day) ranges ignoring the year (split at the new year)."""
    if (last - first).days >= 365:
        return [((1, 1), (12, 31))]
    a, b = (first.month, first.day), (last.month, last.day)
    return [(a, b)] if a <= b else [(a, (12, 31)), ((1, 1), b)]


def overlaps(iso_a: str, iso_b: str) -> bool:
    """Whether two ISO dates or intervals share a day; a value without a year (``--11-17``)
    is compared on month and day only.

    >>> overlaps("2020-11", "2020-11-17"), overlaps("--11-17", "2020-11-16/2020-11-18"), overlaps("2019", "2020")
    (True, True, False)

    Raises:
        ValueError: a value is not ISO 8601 as ``find_dates`` writes it.
    """
    a0, a1, a_year = _bounds(iso_a)
    b0, b1, b_year = _bounds(iso_b)
    if a_year and b_year:
        return a0 <= b1 and b0 <= a1
    return any(x0 <= y1 and y0 <= x1 for x0, x1 in _month_days(a0, a1) for y0, y1 in _month_days(b0, b1))
