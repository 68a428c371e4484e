"""Evidence: the sentences of the retrieved passages, each with its vector and its
annotations, read from the index (the fast path: nothing is embedded or tagged at
question time), or computed from the passages' text when they come from elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.types import Article, Hit, Sentence


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage (article offsets); ``passage`` is the ``n`` of the
    best-ranked passage that contains it."""

    passage: int
    article: Article
    sentence: Sentence

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def start(self) -> int:
        return self.sentence.start

    @property
    def end(self) -> int:
        return self.sentence.end


@dataclass(frozen=True)
class Evidence:
    """The candidate sentences of an answer and their vectors (row i of ``vectors``)."""

    candidates: tuple[Candidate, ...]
    vectors: np.ndarray

    def __len__(self) -> int:
        return len(self.candidates)


def from_index(store, passages: Sequence[tuple[int, Hit, Article]]) -> Evidence:
    """The stored sentences of ``(n, hit, article)`` passages, best-ranked passage first."""
    bounds = store.chunk_sentences
    owner: dict[int, tuple[int, Article]] = {}
    for n, hit, article in sorted(passages, key=lambda p: p[0]):
        lo, hi = (int(x) for x in bounds[hit.row])
        for row in range(lo, hi + 1):
            owner.setdefault(row, (n, article))
    rows = sorted(owner, key=lambda r: (owner[r][0], r))
    sentences = store.sentences(rows)
    cands = tuple(Candidate(passage=owner[s.row][0], article=owner[s.row][1], sentence=s) for s in sentences)
    vectors = store.sentence_vectors([s.row for s in sentences])
    return Evidence(cands, np.asarray(vectors, dtype=np.float32))


def from_text(passages: Sequence[tuple[int, Hit, Article]], encoder, *, size: int = 300) -> Evidence:
    """The same for passages that are not in an index: split, annotated and embedded now
    (slow: for tests and passages from elsewhere)."""
    from qa.annotate import annotate
    from qa.chunking import sentence_spans

    seen: set[tuple[str, int, int]] = set()
    cands = []
    for n, hit, article in sorted(passages, key=lambda p: p[0]):
        c = hit.chunk
        spans = [(s, e) for s, e in sentence_spans(article.text, size=size) if s >= c.start and e <= c.end]
        for (s, e), mentions in annotate(article, size=size, spans=spans):
            if (article.id, s, e) in seen:
                continue
            seen.add((article.id, s, e))
            cands.append(Candidate(n, article, Sentence(row=-1, article_id=article.id, start=s, end=e,
                                                         text=article.text[s:e], mentions=mentions)))
    vectors = encoder.encode_passages([c.text for c in cands]) if cands else np.zeros((0, encoder.dim), np.float32)
    return Evidence(tuple(cands), np.asarray(vectors, dtype=np.float32))
