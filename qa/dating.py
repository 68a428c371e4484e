"""Dating: which chunks a question's period points at, and newest-first order.

A question that names a period (``qa.lang.periods``) is about the articles published in it
and about the sentences whose stored event dates fall in it: an article of 11月18日 that
reports 昨天 counts for "11月17日发生了什么？". A date counts when it overlaps the period and
is written at least as finely: an article dated only "2020-11" is not evidence for 11月17日,
but is for "in November".

How the period is used is ``QUESTION_PERIOD`` (measured on the time set, README "How good
it is"); explicit ``since``/``until`` always filter by publication date (``qa.limits``).
"""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from qa.lang.dates import iso_bounds, overlaps
from qa.lang.periods import PRECISIONS, Period, PeriodError, asks_for_latest, find_period, newest_date, precision_of


class PeriodUse(str, Enum):
    """How a period named by the question shapes retrieval."""

    FILTER = "filter"  # only chunks dated in the period (falling back to all when nothing answers)
    BOOST = "boost"  # chunks dated in the period as one more ranking in the fusion

    def __str__(self) -> str:
        return self.value


# Chosen on the time set (eval/data/time.jsonl, 38 questions; share answered from a gold article
# with every key fact): filter 1.000, boost .816, no period .711; on the seed set filter and no
# period tie (key facts .775 both). 2-core sandbox, one run each (the answers are deterministic).
QUESTION_PERIOD = PeriodUse.FILTER
PERIOD_WEIGHT = 1.0  # the boost's ranking weight in the fusion, as the dense ranking's
# "latest" questions: the best chunks by relevance this many times top_k are fused with
# their newest-first order, so that among relevant chunks the newest lead
RECENCY_POOL = 2
RECENCY_WEIGHT = 1.0


@dataclass(frozen=True)
class _Dated:
    """A stored date, parsed once: its first and last day, whether it has a year, its precision."""

    iso: str
    lo: datetime.date
    hi: datetime.date
    has_year: bool
    precision: int  # index in PRECISIONS


def _parse(iso: str | None) -> _Dated | None:
    if not iso:
        return None
    try:
        lo, hi, has_year = iso_bounds(iso)
        return _Dated(iso, lo, hi, has_year, PRECISIONS.index(precision_of(iso)))
    except (ValueError, IndexError):  # a date field that is not ISO 8601 (free text from metadata)
        return None


def _counts(d: _Dated | None, period: Period) -> bool:
    if d is None or d.precision < PRECISIONS.index(period.precision):
        return False
    if d.has_year and period.has_year:
        return d.lo <= period.end and period.start <= d.hi
    return overlaps(d.iso, period.iso)  # month and day only


def in_period(iso: str | None, period: Period) -> bool:
    """Whether a stored date (an article's or a sentence's ISO value) counts for the period:
    it overlaps it and is written at least as finely (a month is not evidence for a day)."""
    return _counts(_parse(iso), period)


# per index generation (a store never changes), parsed once instead of on every question: the
# newest date and the articles' dates; the sentences' dates apart, read only for a question's period
_STORE_DATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_STORE_MENTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _store_dates(store) -> tuple[datetime.date | None, list]:
    """The newest article date and each article's parsed date, read once per store."""
    found = _STORE_DATES.get(store)
    if found is None:
        articles = [(a.id, a.date) for a in store.articles()]
        found = (newest_date(d for _, d in articles), [(i, _parse(d)) for i, d in articles])
        _STORE_DATES[store] = found
    return found


def _store_mentions(store) -> list:
    """Every sentence's event dates, parsed, read once per store and only when a question names a
    period (they are a scan of every sentence: 280 s on Milvus Lite at 100k chunks)."""
    found = _STORE_MENTIONS.get(store)
    if found is None:
        found = [(_parse(n), a, lo, hi) for n, a, lo, hi in store.date_mentions()]
        _STORE_MENTIONS[store] = found
    return found


def period_rows(store, period: Period) -> tuple[np.ndarray, dict[str, int]]:
    """The chunk rows dated in ``period``: every chunk of an article published in it, and the
    chunks of each sentence with an event date in it; with counts of both kinds of article."""
    articles, mentions = _store_dates(store)[1], _store_mentions(store)
    published = [i for i, d in articles if _counts(d, period)]
    rows = set(store.chunk_rows_of(published).tolist())
    by_event: set[str] = set()
    for d, article_id, lo, hi in mentions:
        if _counts(d, period):
            rows.update(range(lo, hi + 1))
            by_event.add(article_id)
    counts = {"published": len(published), "with_events": len(by_event - set(published))}
    return np.array(sorted(rows), dtype=np.int64), counts


def reference_date(store) -> datetime.date | None:
    """The newest article's date: what a question's 昨天 and last week are read against."""
    return _store_dates(store)[0]


def newest_first(store, rows: Iterable[int]) -> list[int]:
    """Chunk rows ordered by their article's date, newest first (by their first day: 2020-11 is
    older than 2020-11-10); undated articles last, ties in the order given. The dates are the
    store's, parsed once per generation."""
    rows = list(rows)
    article_of = {r: c.article_id for r, c in zip(rows, store.chunks(rows))}
    first_day = {i: d.lo for i, d in _store_dates(store)[1] if d is not None}
    return sorted(rows, key=lambda r: first_day.get(article_of.get(r, ""), datetime.date.min), reverse=True)


@dataclass(frozen=True)
class QuestionTime:
    """What a question says about time: its period and the chunks dated in it, whether it
    asks for the latest, and a date it names that does not exist."""

    period: Period | None = None
    latest: str | None = None  # the word asking for the newest articles (最新, latest)
    problem: str | None = None  # "11月31日 is not a date ..." (the question is answered without a period)
    rows: np.ndarray | None = None  # the chunk rows dated in the period
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ignore(self) -> tuple[str, ...]:
        """The question's words that are about time, not key terms of its answer."""
        return (*(self.period.words if self.period else ()), *((self.latest,) if self.latest else ()))

    def retrieval(self, use: PeriodUse = QUESTION_PERIOD, *, with_period: bool = True) -> dict:
        """Keyword arguments of ``Retriever.retrieve`` (without the period: the fallback)."""
        out: dict = {"ignore": self.ignore, "newest_first": bool(self.latest)}
        if with_period and self.rows is not None and len(self.rows):
            out["within" if use is PeriodUse.FILTER else "boost"] = self.rows
        return out


def understand(store, question: str) -> QuestionTime:
    """The period and "latest" of a question, read against the newest article of ``store``."""
    latest = asks_for_latest(question)
    try:
        period = find_period(question, reference=reference_date(store))
    except PeriodError as e:
        return QuestionTime(latest=latest, problem=str(e))
    if period is None:
        return QuestionTime(latest=latest)
    rows, counts = period_rows(store, period)
    return QuestionTime(period=period, latest=latest, rows=rows, counts=counts)


def asks_what_happened(period: Period | None, terms: Iterable) -> bool:
    """Whether a question asks only what happened in the period it names (11月17日发生了什么？,
    上周有什么新闻？, what happened on Nov 17?): it names a period and each of its key terms
    (``qa.query.KeyTerm``) is one of ``digest_words.txt`` or part of the period's own words
    (the 11 and 17 of 11月17日). Such a question is answered by what the articles dated in the
    period report, not by a sentence that matches its words: it has none to match."""
    from qa.lang.resources import words

    if period is None:
        return False
    named = " ".join(period.words).lower()
    digest = words("digest_words")
    return all(t.text.lower() in digest or t.text.lower() in named or (t.source and t.source.lower() in named)
               for t in terms)


def describe(details: dict) -> str | None:
    """One line on what an answer understood of time, from its ``details`` (for the CLI and
    the UI): "in the period 2020-11-17 (from 11月17日, read against the newest article,
    2020-11-30)", the fallback, a date that does not exist, newest first. None: nothing."""
    out = []
    p = details.get("period")
    if p and (p.get("from") == "since/until" or "iso" not in p):  # the explicit since/until
        since, until = p.get("since"), p.get("until")
        if since and since == until:
            out.append(f"articles dated {since}")
        elif since or until:
            out.append(f"articles dated {since or '…'} to {until or '…'}")
    elif p:
        span = (p["iso"] if p["start"] and p["end"] else f"up to {p['end']}" if p["end"] else f"from {p['start']}")
        against = f", read against the newest article, {p['relative_to']}" if p.get("relative_to") else ""
        out.append(f"in the period {span} (from {' '.join(p['words'])}{against})")
        if p.get("fallback"):
            out.append(p["note"])
    if details.get("period_problem"):
        out.append(f"no period: {details['period_problem']}")
    if details.get("order", {}).get("newest_first"):
        out.append("newest articles first")
    return "; ".join(out) or None
