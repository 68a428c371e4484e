"""Typed values that cross module boundaries: Article, Chunk, Sentence, Mention, Hit,
Citation, Quote, ShortAnswer, Answer."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


def stable_id(*parts: object, length: int = 16) -> str:
    """A short hex id derived from its parts (ids are derived, never assigned)."""
    h = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:length]


class DateSource(str, Enum):
    """Where an article's publication date came from."""

    METADATA = "metadata"  # the source's own field: JSONL, front matter, an HTML meta tag, the caller
    FILE_NAME = "file name"  # xiamen-news-2020-11.txt
    LEAD = "lead"  # the text starts with it: "2020年11月17日，…"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: str | None) -> DateSource | None:
        """None for None; an unknown value raises ValueError naming the valid ones."""
        if value is None:
            return None
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown date source {value!r}; use one of {', '.join(m.value for m in cls)}") from None


@dataclass(frozen=True)
class Article:
    """One news article with clean text and what metadata the source had.

    ``id`` is a hash of the normalised text, so the same article ingested twice
    (from another file, or re-encoded) gets the same id.
    """

    id: str
    text: str
    title: str
    source: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    path: str | None = None
    date_source: str | None = None  # a DateSource value; None when there is no date (or an old index)

    @staticmethod
    def make(text: str, **meta: Any) -> Article:
        return Article(id=stable_id(text), text=text, **meta)


@dataclass(frozen=True)
class Chunk:
    """A span of an article: ``article.text[start:end] == text``."""

    id: str
    article_id: str
    start: int
    end: int
    text: str

    @staticmethod
    def make(article_id: str, start: int, end: int, text: str) -> Chunk:
        return Chunk(id=stable_id(article_id, start, end), article_id=article_id,
                     start=start, end=end, text=text)


class MentionKind(str, Enum):
    """What a stored annotation marks."""

    PERSON = "person"
    ORG = "org"
    PLACE = "place"
    DATE = "date"
    QUANTITY = "quantity"
    TIME = "time"  # a clock time (norm HH:MM or HH:MM/HH:MM), read only by questions asking for one

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Mention:
    """A person, organisation, place, date or quantity in an article (article offsets).

    ``norm`` is the comparable form: a romanised name (Chen Zhaoxiong, Xiamen), an ISO
    date or interval (2020-11-16/2020-11-17), a quantity as ``<value> <unit>`` (134000 元).
    """

    kind: str
    start: int
    end: int
    text: str
    norm: str = ""


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article as indexed: its span, its vector's row, its annotations."""

    row: int
    article_id: str
    start: int
    end: int
    text: str
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and each retriever's view of it."""

    chunk: Chunk
    score: float  # the passage ranker's score when it ordered the hit (qa.rank), else the fused one
    row: int = -1  # the chunk's row in the index (-1 when not from an index)
    dense_score: float | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: a passage, its article, the cited sentences."""

    n: int
    article_id: str
    title: str
    source: str | None
    author: str | None
    text: str
    start: int
    end: int
    score: float
    highlights: tuple[tuple[int, int], ...] = ()  # article offsets of cited sentences
    date: str | None = None
    url: str | None = None
    date_source: str | None = None  # where the article's date came from (a DateSource value)


@dataclass(frozen=True)
class Quote:
    """A quoted sentence of an answer: its citation number, article offsets, and the
    calibrated probability that it answers the question."""

    n: int
    text: str
    start: int
    end: int
    probability: float


@dataclass(frozen=True)
class ShortAnswer:
    """The typed answer that heads an answer (names, a date, a number, a place...)."""

    text: str
    type: str  # an annotation kind (person, org, place, date, quantity, time), "text", "post" (qa.identity) or "author" (qa.byline)
    citations: tuple[int, ...]
    probability: float


@dataclass(frozen=True)
class Answer:
    """What ``Assistant.ask`` returns; ``to_dict`` is the ``qa ask --json`` shape.

    ``probability`` is the calibrated probability that the passages answer the question
    (None when no scorer judged it, e.g. an empty question).
    """

    question: str
    answer: str
    found: bool
    citations: tuple[Citation, ...] = ()
    language: str = "zh"
    generator: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    short_answer: ShortAnswer | None = None
    quotes: tuple[Quote, ...] = ()
    probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for c in d["citations"]:
            c["highlights"] = [list(h) for h in c["highlights"]]
        d["quotes"] = list(d["quotes"])
        if d["short_answer"] is not None:
            d["short_answer"]["citations"] = list(d["short_answer"]["citations"])
        return d
