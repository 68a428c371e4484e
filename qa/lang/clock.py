"""Clock times in Chinese text: ``9时``, ``17时30分``, ``下午3点半``, ``10:30``, and ranges of
them (``9时至17时30分``), normalised to 24-hour ``HH:MM`` (a range ``HH:MM/HH:MM``).

Read at build time into ``time`` annotations (``qa.annotate``): what a question asking for a
time of day (几点开放, what time) is answered with, where a date is not an answer.

Decisions a caller should know:

- ``时`` after a number is an hour (``9时``; ``3小时`` is a duration and is not read). ``点`` is an
  hour only with a part of the day before it (``下午3点``), minutes, 钟, 半 or 整 after it, or in a
  range (``9点至17点``): ``三点意见`` and ``3点建议`` are counts.
- A part of the day after noon (下午, 晚上, 傍晚, …: ``data/day_parts.txt``) moves an hour before
  12 to the afternoon (``下午3点`` is 15:00); 中午12点 stays 12:00.
- Hours run 0–24 and minutes 0–59; anything else is not a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.lang import resources

_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}
_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")
_NUM = r"[0-9０-９]{1,2}|[零〇一二两三四五六七八九十]{1,3}"
_RANGE = r"\s*(?:至|到|—|–|-|～|~|－)\s*"


@dataclass(frozen=True)
class ClockTime:
    start: int
    end: int
    norm: str  # HH:MM, or HH:MM/HH:MM for a range


@lru_cache(maxsize=1)
def _day_parts() -> tuple[dict[str, int], re.Pattern[str]]:
    """Part of the day -> hours to add to an hour before 12 (下午: 12, 上午: 0)."""
    parts = {word: int(shift) for shift, *words in resources.table("day_parts") for word in words}
    prefix = "|".join(sorted(map(re.escape, parts), key=len, reverse=True))

    def one(n: int) -> str:
        return (rf"(?P<t{n}>(?P<part{n}>{prefix})?\s*(?:(?P<h{n}>{_NUM})\s*(?P<mark{n}>[时時点點])"
                rf"(?:\s*(?P<m{n}>{_NUM})\s*分|(?P<half{n}>半)|(?P<full{n}>整|钟|鐘))?"
                rf"|(?P<ch{n}>[0-9０-９]{{1,2}})[:：](?P<cm{n}>[0-5][0-9])))")

    pattern = re.compile(one(1) + rf"(?:{_RANGE}" + one(2) + ")?")
    return parts, pattern


def _number(s: str) -> int | None:
    s = s.translate(_WIDE)
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        return (_DIGIT.get(tens, 1) if tens else 1) * 10 + (_DIGIT.get(ones, 0) if ones else 0)
    if len(s) == 1 and s in _DIGIT:
        return _DIGIT[s]
    return None


def _one(m: re.Match[str], n: int, parts: dict[str, int], *, in_range: bool) -> tuple[int, int] | None:
    g = lambda name: m.group(f"{name}{n}")  # noqa: E731
    if g("ch") is not None:
        hour, minute = _number(g("ch")), int(g("cm"))
    else:
        if g("h") is None:
            return None
        hour = _number(g("h"))
        minute = 30 if g("half") else (_number(g("m")) if g("m") else 0)
        if g("mark") in "点點" and not (g("part") or g("m") or g("half") or g("full") or in_range):
            return None  # 三点意见: a count, not a time
    if hour is None or minute is None or not 0 <= hour <= 24 or not 0 <= minute <= 59:
        return None
    if g("part") and hour < 12:
        hour += parts[g("part")]
    return hour, minute


def find_times(text: str) -> list[ClockTime]:
    """Clock times and ranges of them in ``text`` (Simplified or Traditional), in text order."""
    parts, pattern = _day_parts()
    out = []
    for m in pattern.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isdigit():
            continue  # inside a longer number
        ranged = m.group("h2") is not None or m.group("ch2") is not None
        first = _one(m, 1, parts, in_range=ranged)
        second = _one(m, 2, parts, in_range=True) if ranged else None
        if first is None:
            continue
        if ranged and second is not None:
            if second < first and m.group("part2") is None and first[0] < 12:
                second = (second[0] + 12, second[1]) if second[0] < 12 else second
            out.append(ClockTime(m.start(), m.end(), f"{_hm(first)}/{_hm(second)}"))
        else:
            out.append(ClockTime(m.start(), m.end("t1"), _hm(first)))
    return out


def _hm(t: tuple[int, int]) -> str:
    return f"{t[0]:02d}:{t[1]:02d}"


def english_time(norm: str) -> str:
    """``09:00/17:30`` -> ``9:00–17:30``; ``15:00`` -> ``15:00``."""
    return "–".join(f"{int(p[:2])}{p[2:]}" for p in norm.split("/"))
