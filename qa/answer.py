"""Answer: the ``Generator`` protocol, the passages it answers from, and citations.

A generator streams text deltas and ends with the final ``Answer``; ``answer()``
collects a stream. The offline default is ``qa.extractive.ExtractiveGenerator``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from qa.evidence import Evidence
from qa.ingest.newspaper import model_title
from qa.query import QueryAnalysis
from qa.types import Answer, Article, Citation, Hit

NOT_FOUND = {
    "zh": "在已索引的文章中没有找到这个问题的答案。",
    "en": "Not found in the indexed articles.",
}
MISSING_HINT = {
    "zh": "（最相关的段落没有提到：{terms}）",
    "en": " (the closest passages do not mention: {terms})",
}
NOTHING_DATED = {  # a question asking what happened in a period no indexed article is dated in
    "zh": "已索引的文章中没有日期在“{words}”（{iso}）内的报道。",
    "en": "No indexed article is dated in the period the question names ({words}: {iso}).",
}
NO_CONTENT = {
    "zh": "这个问题没有可以查找的内容（只有标点或符号），请用文字提问。",
    "en": "The question has nothing to look for (only punctuation or symbols); please ask in words.",
}


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article; ``n`` is its 1-based retrieval rank."""

    n: int
    hit: Hit
    article: Article

    @property
    def text(self) -> str:
        return self.hit.chunk.text


@dataclass(frozen=True)
class AnswerContext:
    """Everything a generator may use to answer."""

    question: str
    language: str
    passages: tuple[Passage, ...]
    analysis: QueryAnalysis
    query_vector: np.ndarray | None = None
    history: tuple[tuple[str, str], ...] = ()  # (question, answer) turns before this one
    idf: Callable[[str], float] | None = None  # idf of a term in the index, for weighing key terms
    evidence: Evidence | None = None  # the passages' sentences with vectors and annotations
    bridges: tuple = ()  # English-to-Chinese bridges, to analyse a claim as the question was
    encode_query: Callable[[str], np.ndarray] | None = None  # the encoder's query vector, for claims
    details: dict = field(default_factory=dict)

    def hits(self) -> dict[int, Hit]:
        return {p.n: p.hit for p in self.passages}

    def titles(self) -> dict[int, str]:
        return {p.n: model_title(p.article.title, p.article.text) for p in self.passages}


Event = str | Answer


class Generator(Protocol):
    """Writes a cited answer from passages; ``stream`` is the one essential method.

    It yields text deltas and, last, the final ``Answer`` (whose text is the
    concatenation of the deltas, possibly cleaned up).
    """

    name: str

    def stream(self, ctx: AnswerContext) -> Iterator[Event]: ...


def answer(generator: Generator, ctx: AnswerContext) -> Answer:
    """Run a generator to completion and return its final answer."""
    final = None
    for event in generator.stream(ctx):
        if isinstance(event, Answer):
            final = event
    if final is None:
        raise RuntimeError(f"generator {generator.name!r} ended without an answer")
    return final


def not_found(ctx: AnswerContext, *, missing: Sequence[str] = (), generator: str = "extractive",
              details: dict | None = None, probability: float | None = None) -> Answer:
    text = NOT_FOUND[ctx.language]
    if missing:
        sep = "、" if ctx.language == "zh" else ", "
        hint = MISSING_HINT[ctx.language].format(terms=sep.join(missing[:4]))
        text = text[:-1] + hint + text[-1] if ctx.language == "zh" else text[:-1] + hint + "."
    return Answer(question=ctx.question, answer=text, found=False, citations=(), language=ctx.language,
                  generator=generator, details=dict(details or {}), probability=probability)


def make_citations(ctx: AnswerContext, used: Iterable[int],
                   highlights: Mapping[int, Sequence[tuple[int, int]]] | None = None) -> tuple[dict[int, int], tuple[Citation, ...]]:
    """Number the passages an answer uses 1, 2, ... in order of first use.

    Args:
        used: passage numbers (``Passage.n``) in the order the answer cites them.
        highlights: per passage number, article offsets of the sentences it supports.

    Returns:
        ``(renumber, citations)``: old passage number -> citation number, and the citations.
    """
    by_n = {p.n: p for p in ctx.passages}
    renumber: dict[int, int] = {}
    for n in used:
        if n in by_n and n not in renumber:
            renumber[n] = len(renumber) + 1
    citations = []
    for old, new in renumber.items():
        p = by_n[old]
        c = p.hit.chunk
        spans = tuple(sorted(set((highlights or {}).get(old, ()))))
        citations.append(Citation(
            n=new, article_id=p.article.id, title=p.article.title, source=p.article.source,
            author=p.article.author, text=c.text, start=c.start, end=c.end, score=round(float(p.hit.score), 6),
            highlights=spans, date=p.article.date, url=p.article.url,
            date_source=p.article.date_source))
    return renumber, tuple(citations)


_MARKER = re.compile(r"\[(\d{1,3})\]")


def renumber_markers(text: str, renumber: Mapping[int, int]) -> str:
    """Rewrite ``[old]`` markers to ``[new]``; markers of unknown passages are dropped."""
    return _MARKER.sub(lambda m: f"[{renumber[int(m.group(1))]}]" if int(m.group(1)) in renumber else "", text)
