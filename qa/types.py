"""Typed values that cross module boundaries: Article, Chunk, Hit, Citation, Answer."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


def stable_id(*parts: object, length: int = 16) -> str:
    """A short hex id derived from its parts (ids are derived, never assigned)."""
    h = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:length]


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


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and each retriever's view of it."""

    chunk: Chunk
    score: float
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


@dataclass(frozen=True)
class Answer:
    """What ``Assistant.ask`` returns; ``to_dict`` is the ``qa ask --json`` shape."""

    question: str
    answer: str
    found: bool
    citations: tuple[Citation, ...] = ()
    language: str = "zh"
    generator: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for c in d["citations"]:
            c["highlights"] = [list(h) for h in c["highlights"]]
        return d
