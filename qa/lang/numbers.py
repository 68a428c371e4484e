"""Numbers and quantities in Chinese text: ``13.4万元`` is 134000 元, ``百分之十`` is 10 %.

A quantity is an amount, a count, a duration or a share, with its unit. Calendar dates
(2020年, 11月17日, 2020-11-17), clock times (10:30, 10时30分) and ordinals (第二届) are
not quantities; ``qa.lang.dates`` reads dates. Units and approximation words are data
(``data/units.txt``); scales (万, 亿, million) belong to the number, not to the unit.

Decisions a caller should know:

- A range (``3至5年``, ``3-5年``) is two quantities, one per end, both with the unit
  written after the second end: ``3`` (3 年) and ``5年`` (5 年).
- A 4-digit number from 1000 to 2100 right before 年 is a year (2020年), any other
  number before 年 a duration (40年, 5000年, 2000多年).
- A Chinese numeral counts only before a unit; a one-character numeral not before a
  ``loose`` measure word (一起, 一部分, 四周), and 百/千/万/亿 alone only before 年 (百年).
- An Arabic number without a unit is a quantity with unit ``""`` unless a calendar or
  clock word follows it (11月, 17日, 10时).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.lang.resources import table

__all__ = ["Quantity", "find_numbers", "find_quantities", "parse_number"]


@dataclass(frozen=True)
class Quantity:
    """An amount with its unit, at ``text == source[start:end]``."""

    start: int
    end: int
    text: str
    value: float
    unit: str  # "" when none
    approximate: bool = False


def _role(name: str) -> tuple[str, ...]:
    return tuple(w for row in table("units") if row[0] == name for w in row[1:])


def _alt(words: tuple[str, ...] | list[str]) -> str:
    """A regex alternation, longest word first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_UNITS = _role("unit")


def unit_words() -> tuple[str, ...]:
    """Every unit and measure word a quantity may end in (38元, 三家, 5000多人), longest first."""
    return tuple(sorted(set(_UNITS) | set(_role("loose")), key=len, reverse=True))
_LOOSE = frozenset(_role("loose"))
_UNIT_SET = frozenset(_UNITS)
_DIGIT = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_SMALL = {"十": 10, "百": 100, "千": 1000}
_SCALE = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "千万": 1e7, "百万": 1e6, "亿": 1e8, "万": 1e4, "千": 1e3,
          "百": 1e2, "trillion": 1e12, "billion": 1e9, "million": 1e6, "thousand": 1e3}
_CANONICAL = {"％": "%", "percent": "%", "per cent": "%"}
_YEAR_DIGITS = "零〇一二三四五六七八九"
_CALENDAR_NEXT = frozenset("月日号时点分:：")  # after a bare number: a date or a clock time

_ARABIC = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN = r"[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?"
# 千 before 米/克/瓦 starts a unit (5千米 is 5 千米), 百 before 分 a share (百分点)
_CN_SCALE = r"万亿|千亿|百亿|千万|百万|亿|万|千(?![米克瓦])|百(?!分)"
_EN_SCALE = r"\s?(?i:trillion|billion|million|thousand)(?![A-Za-z])"
_ARABIC_NUM = rf"(?<![A-Za-z\d.])(?<![A-Za-z]-)(?:{_ARABIC})(?:{_CN_SCALE}|{_EN_SCALE})?"
_NUM = rf"{_ARABIC_NUM}|(?:[数几上](?=[十百千万亿]))?{_CN}"
# 个多月, 个半小时: 多 or 半 may sit inside a unit that starts with 个
_UNIT = "|".join(
    re.escape(u[0]) + "[多半]?" + re.escape(u[1:]) if u.startswith("个") and len(u) > 1 else re.escape(u)
    for u in sorted(set(_UNITS) | _LOOSE, key=len, reverse=True)
) + r"|\s?(?i:percent|per cent)(?![A-Za-z])"
_BEFORE = _alt(_role("before"))
_INFIX = _alt(_role("infix"))
_AFTER = "|".join(  # a one-character word after the unit (3年多) only at the end of a phrase
    re.escape(w) if len(w) > 1 else rf"{re.escape(w)}(?=[^\u4e00-\u9fff]|的|$)"
    for w in sorted(set(_role("after")), key=len, reverse=True))
_SEP = r"至|到|[-~～－—–]"

_QUANTITY = re.compile(
    # calendar forms first, so that 2020.11.17 is not read as 2020.11 and 17
    r"(?P<cal>(?<![\d.])\d{4}(?P<csep>[-/.])(?:1[0-2]|0?[1-9])(?P=csep)(?:3[01]|[12]\d|0?[1-9])(?!\d)"
    r"|(?<![\d.])\d{4}[-/](?:1[0-2]|0?[1-9])(?![\d.])|(?<![\d.])\d{1,2}[:：][0-5]\d(?:[:：][0-5]\d)?(?!\d))"
    rf"|(?P<ppre>{_BEFORE})?百分之(?P<pn>{_ARABIC}|{_CN})(?P<ppost>{_AFTER})?"
    rf"|(?P<pre>{_BEFORE})?(?P<n1>{_NUM})(?P<i1>(?:{_INFIX})(?=(?:{_UNIT})))?"
    rf"(?:(?P<sep>{_SEP})(?P<n2>{_NUM})(?P<i2>(?:{_INFIX})(?=(?:{_UNIT})))?(?=(?:{_UNIT})))?"
    rf"(?P<unit>{_UNIT})?(?P<post>{_AFTER})?"
)
_ARABIC_VALUE = re.compile(rf"({_ARABIC})\s?({_alt(list(_SCALE))})?", re.I)
_NUMBERS = re.compile(
    r"(?<![\d.])(?P<dy>\d{4})\.(?P<dm>\d{1,2})\.(?P<dd>\d{1,2})(?!\d)"
    rf"|百分之(?P<pn>{_ARABIC}|{_CN})"
    rf"|(?P<a>(?<![\d.])(?:{_ARABIC})(?:{_CN_SCALE}|{_EN_SCALE})?)"
    rf"|(?P<c>(?:[数几上](?=[十百千万亿]))?{_CN})"
)
_STRONG_UNIT = re.compile(_alt(_UNITS) + "|[年月日号时]")


def _section(s: str) -> float | None:
    """A Chinese numeral below 10000 (三百零五, 两千, 三百五)."""
    value, digit, last = 0, None, 10_000
    for ch in s:
        if ch in "零〇":
            if digit is not None:
                return None
        elif ch in _DIGIT:
            if digit is not None:
                return None
            digit = _DIGIT[ch]
        elif ch in _SMALL and _SMALL[ch] < last:
            last = _SMALL[ch]
            value += (1 if digit is None else digit) * last
            digit = None
        else:
            return None
    if digit is not None:  # 三百五 is 350: a digit right after a unit counts in the next unit down
        value += digit * (last // 10 if len(s) > 1 and s[-2] in _SMALL else 1)
    return float(value)


def _chinese_int(s: str) -> float | None:
    if not s:
        return None
    if all(ch in _DIGIT for ch in s):  # 三, 二〇二〇 (digit by digit); 两三 is no single number
        if len(s) == 1 or len(s) >= 3 or "零" in s or "〇" in s:
            return float("".join(str(_DIGIT[ch]) for ch in s))
        return None
    for big, mult in (("亿", 1e8), ("万", 1e4)):
        i = s.rfind(big)
        if i < 0:
            continue
        head, tail = s[:i], s[i + 1:]
        if not head and tail:  # 万一 is a word
            return None
        hv = _chinese_int(head) if head else 1.0
        if len(tail) == 1 and tail in _DIGIT and tail not in "零〇":  # 一万二 is 12000
            tv: float | None = _DIGIT[tail] * mult / 10
        else:
            rest = tail.lstrip("零〇")
            tv = _chinese_int(rest) if rest else 0.0
        if hv is None or tv is None or tv >= mult:
            return None
        return hv * mult + tv
    return _section(s)


def _chinese(s: str) -> float | None:
    head, dot, frac = s.partition("点")
    whole = _chinese_int(head)
    if not dot or whole is None:
        return whole
    if not frac or any(ch not in _DIGIT or ch == "两" for ch in frac):
        return None
    return whole + float("0." + "".join(str(_DIGIT[ch]) for ch in frac))


def _value(s: str) -> float | None:
    m = _ARABIC_VALUE.fullmatch(s)
    if m:
        value = float(m.group(1).replace(",", ""))
        return value * _SCALE[m.group(2).lower()] if m.group(2) else value
    return _chinese(s.lstrip("数几上") if s[:1] in "数几上" else s)


def parse_number(text: str) -> float | None:
    """The value of one number written in Arabic or Chinese digits, with its scale.

    Args:
        text: one number only: ``"1,234.5"``, ``"三百零五"``, ``"一万二"``, ``"13.4万"``,
            ``"1.2 billion"``, ``"二〇二〇"`` (a year, digit by digit).

    Returns:
        The value, or None when ``text`` is not exactly a number (``"一起"``, ``"5000多"``;
        a share such as ``"百分之十"`` is a quantity: see ``find_quantities``).

    >>> parse_number("一万二"), parse_number("13.4万"), parse_number("一起")
    (12000.0, 134000.0, None)
    """
    s = text.strip()
    return _value(s) if s and s[0] not in "数几上" else None


def _is_year(num: str) -> bool:
    if num.isdigit():
        return len(num) == 4 and 1000 <= int(num) <= 2100
    return len(num) >= 2 and all(ch in _YEAR_DIGITS for ch in num) and (len(num) >= 3 or "〇" in num or "零" in num)


def _chinese_ok(num: str, unit: str) -> bool:
    """Whether a Chinese numeral before ``unit`` is a count (三家), not part of a word (一起)."""
    if len(num) > 1:
        return True
    return num not in "零〇" and unit not in _LOOSE and (num not in "百千万亿" or unit == "年")


def _count(num: str) -> tuple[float | None, bool]:
    """Value of a number in a quantity and whether it is approximate (两三年 is about 2)."""
    if len(num) == 2 and num[0] in _DIGIT and num[1] in _DIGIT and 0 < _DIGIT[num[1]] - _DIGIT[num[0]] <= 2:
        return float(_DIGIT[num[0]]), True
    return _value(num), num[0] in "数几上"


def find_quantities(text: str) -> list[Quantity]:
    """Amounts, counts, durations and shares with their units, in text order, not overlapping.

    Args:
        text: normalised text (ASCII digits, see ``qa.text.normalize_line``).

    Returns:
        One ``Quantity`` per amount; a range is two (see the module docstring).

    >>> [(q.text, q.value, q.unit, q.approximate) for q in find_quantities("投资13.4万元，5000多人")]
    [('13.4万元', 134000.0, '元', False), ('5000多人', 5000.0, '人', True)]
    """
    out: list[Quantity] = []
    for m in _QUANTITY.finditer(text):
        if m.group("cal"):
            continue
        if m.group("pn"):
            value = _value(m.group("pn"))
            if value is not None:
                out.append(Quantity(m.start(), m.end(), m.group(), value, "%", bool(m.group("ppre") or m.group("ppost"))))
            continue
        out.extend(_read(text, m))
    return out


def _read(text: str, m: re.Match[str]) -> list[Quantity]:
    """The quantities of one match of the number-unit pattern (none, one, or two for a range)."""
    n1, n2, unit = m.group("n1"), m.group("n2"), m.group("unit") or ""
    s1, e1 = m.start("n1"), m.end("n1")
    if text[s1 - 1:s1] == "第":  # an ordinal: 第二届, 第12次
        return []
    nums = [n1] if n2 is None else [n1, n2]
    if not unit:
        after = text[e1:e1 + 1]
        if not n1[0].isdigit() or after in _CALENDAR_NEXT or after.isascii() and after.isalpha() or text[s1 - 1:s1] == "月":
            return []  # 11月, 10时, 5G; 11月18下午 is a day
    elif not all(n[0].isdigit() or _chinese_ok(n, unit) for n in nums):
        return []
    if unit == "年" and (text[m.end("unit"):m.end("unit") + 1] in ("级", "代") or (
            not m.group("i1") and not m.group("i2") and any(_is_year(n) for n in nums))):
        return []  # 2020年 is a date, 三年级 a grade, 90年代 a decade
    half = unit.startswith("个") and unit[1:2] in ("多", "半")
    approx_unit = half and unit[1] == "多"
    extra = 0.5 if half and unit[1] == "半" else 0.0
    if half:
        unit = "个" + unit[2:]
    if unit.startswith("个") and unit[1:] in _UNIT_SET:  # 3个小时 is 3 小时 (but 3个月: 月 is a date)
        unit = unit[1:]
    unit = _CANONICAL.get(unit.strip().lower(), unit.strip())
    around = bool(m.group("pre") or m.group("post")) or approx_unit
    out = []
    spans = [(m.start(), m.end("i1") if m.group("i1") else e1)] if n2 else []
    spans.append((m.start("n2") if n2 else m.start(), m.end()))
    for n, infix, (start, end) in zip(nums, (m.group("i1"), m.group("i2")) if n2 else (m.group("i1"),), spans):
        value, approx = _count(n)
        if value is None:
            return []
        out.append(Quantity(start, end, text[start:end], value + extra, unit, around or approx or bool(infix)))
    return out


def find_numbers(text: str) -> list[tuple[int, int, float]]:
    """Every number of a text, dates included, as ``(start, end, value)`` in text order.

    For comparing the numbers of a claim with a passage's: a scale is applied (``12亿`` and
    ``1.2 billion`` are 1.2e9), a Chinese numeral of one character counts only before a
    unit or a calendar word (三家, 三月; not 统一).

    >>> find_numbers("12亿元，十二人，2020年11月")
    [(0, 3, 1200000000.0), (5, 7, 12.0), (9, 13, 2020.0), (14, 16, 11.0)]
    """
    out = []
    for m in _NUMBERS.finditer(text):
        if m.group("dy"):
            out.extend((m.start(g), m.end(g), float(m.group(g))) for g in ("dy", "dm", "dd"))
            continue
        raw = m.group("pn") or m.group("a") or m.group("c")
        value = _value(raw)
        if value is None:
            continue
        if m.group("c") and len(raw) == 1 and (raw in "零〇" or not _STRONG_UNIT.match(text, m.end())):
            continue
        out.append((m.start(), m.end(), value))
    return out
