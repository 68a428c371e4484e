"""The rows a change writes for its new articles, shared by a whole generation's build
(``qa.build``) and a delta's (``qa.build_append``): database rows numbered after the
existing ones, and the chunks' context vectors."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.manifest import now
from qa.prepare import PreparedArticle
from qa.types import Article


@dataclass(frozen=True)
class IndexChange:
    """What a write did."""

    added: tuple[str, ...] = ()  # article ids
    already_indexed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    chunks_added: int = 0
    sentences_added: int = 0
    chars_embedded: int = 0
    seconds: float = 0.0
    # summed over the articles: with worker processes (qa.prepare) these add up the workers' time
    embed_seconds: float = 0.0
    annotate_seconds: float = 0.0  # sentences, tagging, entities, dates, quantities, BM25 tokens, pinyin
    bridge_seconds: float = 0.0  # the pinyin lexicon of the corpus's words and names, for English questions
    bm25_seconds: float = 0.0  # BM25 term counts: the previous rows minus the removed, plus the new


@dataclass(frozen=True)
class InsertedRows:
    """What ``insert_prepared`` wrote."""

    chunks: list[tuple[int, int, int]]  # per new chunk: (new article's index, first and last sentence row)
    sentences: int
    chars_embedded: int


def check_prepared(prepared: Sequence[PreparedArticle], articles: Sequence[Article], dim: int) -> None:
    """What a preparer (possibly on other machines) returned fits before anything is written."""
    if [p.article.id for p in prepared] != [a.id for a in articles]:
        raise QAError("the preparer returned other articles than it was given (or in another order); "
                      "nothing was changed")
    for p in prepared:
        if (p.vectors is None or p.vectors.shape != (len(p.sentences), dim) or p.title_vector is None
                or p.title_vector.shape != (dim,)):
            raise QAError(f"the preparer returned article {p.article.id} without its {len(p.sentences)} sentence "
                          f"vectors and title vector of dimension {dim}; nothing was changed")


def insert_prepared(db: sqlite3.Connection, prepared: Sequence[PreparedArticle], *, n_chunks: int,
                    n_sentences: int) -> InsertedRows:
    """Insert the prepared articles' rows into ``db``, their chunk and sentence rows numbered
    from ``n_chunks`` and ``n_sentences`` (the rows before them)."""
    new_chunks: list[tuple[int, int, int]] = []
    sentences = chars = 0
    stamp = now()
    for ai, p in enumerate(prepared):
        a = p.article
        db.execute("INSERT INTO articles (id, title, source, author, date, url, path, text, added_at, date_source) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (a.id, a.title, a.source, a.author, a.date, a.url, a.path, a.text, stamp, a.date_source))
        first_chunk: list[int | None] = [None] * len(p.sentences)
        last_chunk: list[int | None] = [None] * len(p.sentences)
        for ci, (c, (lo, hi)) in enumerate(zip(p.chunks, p.chunk_sentences)):
            for j in range(lo, hi + 1):
                first_chunk[j] = n_chunks + ci if first_chunk[j] is None else first_chunk[j]
                last_chunk[j] = n_chunks + ci
            db.execute("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?)",
                       (n_chunks + ci, c.id, a.id, c.start, c.end, c.text, p.tokens[ci], p.pinyin[ci],
                        n_sentences + lo, n_sentences + hi))
            new_chunks.append((ai, n_sentences + lo, n_sentences + hi))
        for i, ((s, e), mentions) in enumerate(zip(p.sentences, p.mentions)):
            row = n_sentences + i
            db.execute("INSERT INTO sentences VALUES (?,?,?,?,?,?)", (row, a.id, s, e, first_chunk[i], last_chunk[i]))
            db.executemany("INSERT INTO mentions VALUES (?,?,?,?,?,?)",
                           [(row, m.kind, m.start, m.end, m.text, m.norm) for m in mentions])
        n_chunks += len(p.chunks)
        n_sentences += len(p.sentences)
        sentences += len(p.sentences)
        chars += sum(e - s for s, e in p.sentences) + len(a.title or " ")
    return InsertedRows(new_chunks, sentences, chars)


def append_rows(db: sqlite3.Connection, path: Path) -> None:
    """Append the rows of a delta's database at ``path`` to ``db``'s (a compaction or a merge of
    deltas: the delta's rows come after those already there, their numbers kept)."""
    db.commit()
    db.execute("ATTACH DATABASE ? AS delta", (f"{path.resolve().as_uri()}?mode=ro",))
    try:
        for table in ("articles", "chunks", "sentences", "mentions", "lexicon"):
            cols = ", ".join(r[1] for r in db.execute(f"PRAGMA delta.table_info({table})"))
            db.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM delta.{table} ORDER BY rowid"
                       if table != "lexicon" else f"INSERT OR IGNORE INTO main.lexicon ({cols}) SELECT {cols} FROM delta.lexicon")
        db.commit()
    finally:
        db.execute("DETACH DATABASE delta")


def context_vectors(sentences: np.ndarray, titles: np.ndarray, chunks: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """A chunk's context vector: the mean of its sentences' vectors plus its article's title
    vector, normalised (nothing is embedded again). Dense retrieval adds its similarity to
    the best sentence's for English questions (see ``qa.retrieve``)."""
    out = np.stack([sentences[lo:hi + 1].mean(axis=0) + titles[ai] for ai, lo, hi in chunks])
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)
