"""Limits, in one place: what a question, its ``top_k`` and its history may be, and how
long an article may be.

The CLI, the Python API and the app all answer through ``Assistant.stream``, which checks
every request here, so a limit means the same thing everywhere and bad input gets one
clear error (``RequestError``) naming the value and the limit, never a traceback.

The question and article lengths are settings (``QA_MAX_QUESTION_CHARS``,
``QA_MAX_ARTICLE_CHARS``); the others are fixed here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qa.errors import RequestError

MAX_QUESTION_CHARS = 1000  # the default of Settings.max_question_chars
TOP_K_RANGE = (1, 50)  # passages per answer
MAX_HISTORY_TURNS = 20  # earlier (question, answer) pairs read for a follow-up; older ones are dropped
MAX_HISTORY_CHARS = 20_000  # per earlier question or answer
# the longest article indexed (Settings.max_article_chars): a long feature is ~20,000 characters;
# 200,000 take about 3 minutes to embed; a whole book pasted as one article is refused
MAX_ARTICLE_CHARS = 200_000
# input larger than this gets a warning with its estimated indexing time before it is indexed
LARGE_INPUT_CHARS = 500_000
# the default encoder's build speed on 2 cores (benchmarks/bench.py, README "Speed"), for estimates
INDEX_CHARS_PER_SECOND = 1_000

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with lone UTF-16 surrogates (a mis-decoded command line, a broken client)
    replaced by U+FFFD, so that it can be printed, stored and encoded."""
    return _SURROGATE.sub("\ufffd", text)


def check_question(question: Any, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question, stripped and cleaned; a RequestError when it is not text, empty, or
    longer than ``max_chars`` characters."""
    if not isinstance(question, str):
        raise RequestError(f"the question must be text, got {type(question).__name__}")
    question = clean_text(question).strip()
    if not question:
        raise RequestError("the question is empty")
    if len(question) > max_chars:
        raise RequestError(f"the question is {len(question):,} characters long; the limit is {max_chars:,} "
                           "(ask about one thing at a time, or raise QA_MAX_QUESTION_CHARS)")
    return question


def check_top_k(top_k: Any) -> int | None:
    """``top_k`` as an int in TOP_K_RANGE (None: the configured default)."""
    if top_k is None:
        return None
    lo, hi = TOP_K_RANGE
    if isinstance(top_k, bool) or not isinstance(top_k, (int, float, str)):
        raise RequestError(f"top_k must be a whole number from {lo} to {hi}, got {top_k!r}")
    try:
        value = float(top_k)
    except ValueError:
        raise RequestError(f"top_k must be a whole number from {lo} to {hi}, got {top_k!r}") from None
    if value != int(value) or not lo <= value <= hi:
        raise RequestError(f"top_k must be a whole number from {lo} to {hi}, got {top_k!r}")
    return int(value)


def check_history(history: Any, max_turns: int = MAX_HISTORY_TURNS) -> list[tuple[str, str]]:
    """The history as (question, answer) pairs of cleaned text, the last ``max_turns`` of
    them; a RequestError naming the first item that is not such a pair."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise RequestError("history must be a list of [question, answer] pairs, oldest first; "
                           f"got {type(history).__name__}")
    out = []
    for n, item in enumerate(history, 1):
        if (isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 2
                or not all(isinstance(x, str) for x in item)):
            raise RequestError(f"history item {n} is not a [question, answer] pair of text: {_show(item)}")
        q, a = (clean_text(x) for x in item)
        if len(q) > MAX_HISTORY_CHARS or len(a) > MAX_HISTORY_CHARS:
            raise RequestError(f"history item {n} is longer than {MAX_HISTORY_CHARS:,} characters")
        out.append((q, a))
    return out[-max_turns:] if max_turns > 0 else []


def indexing_time(chars: int) -> str:
    """About how long indexing ``chars`` characters takes, in words ("about 5.3 h")."""
    seconds = chars / INDEX_CHARS_PER_SECOND
    if seconds < 90:
        return f"about {max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"


_DAY = re.compile(r"\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?")


def check_period(since: Any = None, until: Any = None) -> str | None:
    """``since``/``until`` (YYYY, YYYY-MM or YYYY-MM-DD, either may be None) as one ISO 8601
    interval for ``qa.lang.dates.overlaps`` ("2020-11-17/9999-12-31"); None when neither is given."""
    if since in (None, "") and until in (None, ""):
        return None
    bounds = []
    for name, value, open_end in (("since", since, "0001-01-01"), ("until", until, "9999-12-31")):
        if value in (None, ""):
            bounds.append(open_end)
            continue
        if not isinstance(value, str) or not _DAY.fullmatch(value.strip()):
            raise RequestError(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD, got {_show(value)}")
        bounds.append(value.strip())
    lo, hi = bounds
    if lo[: len(hi)] > hi[: len(lo)]:
        raise RequestError(f"since ({lo}) is after until ({hi})")
    return f"{lo}/{hi}"


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
