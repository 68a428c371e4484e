"""Removals as tombstones: a change that removes articles from a generation in the delta layout
(``qa.build_append``) deletes nothing. Its delta folder records what it removed in ``removed.json``
(checksummed like every file of the generation) and the new generation links every other file,
so a removal costs the removed rows, not the corpus. Row numbers stay as they were.

``removed.json`` of a delta holds what the change removed from the segments before it (the base,
named ``""``, and earlier deltas)::

    {"articles": [["", "article id"], ["delta-000004", "..."]],   # (segment, id)
     "chunks": [[lo, hi], ...], "sentences": [[lo, hi], ...],      # runs of removed rows
     "lexicon": [["key", "word"], ...]}                             # lexicon rows that left

Readers hide them (``Removed``): the database connections get temporary views of the same names
that leave the removed articles' rows out (``hide``), FAISS searches skip the removed rows and
BM25 counts only the live ones. A compaction (``qa.build._build_generation``) drops them for good
and numbers the rows 0..n-1 again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REMOVED = "removed.json"
BASE = ""  # the segment name of a generation's base folder (deltas go by their folder's name)


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows as runs ``(first, last)`` of consecutive rows (an article's rows are one run)."""
    out: list[tuple[int, int]] = []
    for r in sorted(set(int(r) for r in rows)):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def _rows_of(spans: Iterable[Sequence[int]]) -> np.ndarray:
    parts = [np.arange(lo, hi + 1, dtype=np.int64) for lo, hi in spans]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


@dataclass(frozen=True)
class Tombstones:
    """What one change removed from the segments before its delta."""

    articles: tuple[tuple[str, str], ...] = ()  # (segment, article id)
    chunks: tuple[tuple[int, int], ...] = ()  # runs of chunk rows
    sentences: tuple[tuple[int, int], ...] = ()
    lexicon: tuple[tuple[str, str], ...] = ()  # (key, word)

    def __bool__(self) -> bool:
        return bool(self.articles or self.lexicon)

    def save(self, folder: Path) -> None:
        data = {"articles": self.articles, "chunks": self.chunks, "sentences": self.sentences, "lexicon": self.lexicon}
        (Path(folder) / REMOVED).write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> Tombstones:
        """The tombstones a delta folder holds (none when it has no ``removed.json``)."""
        path = Path(folder) / REMOVED
        if not path.is_file():
            return cls()
        raw = json.loads(path.read_text("utf-8"))
        return cls(*(tuple(tuple(x) for x in raw[k]) for k in ("articles", "chunks", "sentences", "lexicon")))


@dataclass(frozen=True)
class Removed:
    """Every tombstone of a generation: what each segment hides, and the removed rows."""

    names: tuple[str, ...]  # the segments, in row order: BASE, then the deltas' folder names
    articles: tuple[frozenset[str], ...]  # per segment: the ids of its articles removed since
    lexicon: tuple[frozenset[tuple[str, str]], ...]  # per segment: its lexicon rows removed since
    chunk_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # sorted
    sentence_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __bool__(self) -> bool:
        return any(self.articles) or any(self.lexicon)

    @classmethod
    def of(cls, segments: Sequence[Path], extra: Tombstones | None = None) -> Removed:
        """The tombstones of a generation's ``segments`` (its base folder, then its deltas'),
        plus ``extra``: those of a change being written, on top of them all."""
        names = (BASE, *(Path(d).name for d in segments[1:]))
        stones = [Tombstones.load(d) for d in segments[1:]] + ([extra] if extra else [])
        articles: list[set[str]] = [set() for _ in names]
        lexicon: list[set[tuple[str, str]]] = [set() for _ in names]
        chunks, sentences = [], []
        for k, t in enumerate(stones, start=1):  # a delta's tombstones apply to the segments before it
            for segment, aid in t.articles:
                articles[names.index(segment)].add(aid)
            for j in range(min(k, len(names))):
                lexicon[j].update(t.lexicon)
            chunks.append(_rows_of(t.chunks))
            sentences.append(_rows_of(t.sentences))
        return cls(names, tuple(map(frozenset, articles)), tuple(map(frozenset, lexicon)),
                   np.unique(np.concatenate(chunks)) if chunks else np.zeros(0, np.int64),
                   np.unique(np.concatenate(sentences)) if sentences else np.zeros(0, np.int64))

    def hide(self, db: sqlite3.Connection, segment: int) -> None:
        """Make ``db`` (segment ``segment``'s database) read without the rows removed from it:
        temporary views named as its tables, which unqualified names resolve to first (``main.``
        still names the tables themselves). Applied again, it brings the views up to date."""
        articles, lexicon = self.articles[segment], self.lexicon[segment]
        for view in ("articles", "chunks", "sentences", "mentions", "lexicon"):
            db.execute(f"DROP VIEW IF EXISTS temp.{view}")
        if not articles and not lexicon:
            return
        db.execute("CREATE TEMP TABLE IF NOT EXISTS gone_articles (id TEXT PRIMARY KEY)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS gone_lexicon (key TEXT, word TEXT, PRIMARY KEY (key, word))")
        db.execute("DELETE FROM temp.gone_articles")
        db.execute("DELETE FROM temp.gone_lexicon")
        db.executemany("INSERT INTO temp.gone_articles VALUES (?)", ((a,) for a in sorted(articles)))
        db.executemany("INSERT INTO temp.gone_lexicon VALUES (?, ?)", sorted(lexicon))
        live = "article_id NOT IN temp.gone_articles"
        db.executescript(f"""
            CREATE TEMP VIEW articles AS SELECT rowid AS rowid, * FROM main.articles WHERE id NOT IN temp.gone_articles;
            CREATE TEMP VIEW chunks AS SELECT * FROM main.chunks WHERE {live};
            CREATE TEMP VIEW sentences AS SELECT * FROM main.sentences WHERE {live};
            CREATE TEMP VIEW mentions AS SELECT rowid AS rowid, * FROM main.mentions WHERE sentence NOT IN
                (SELECT row FROM main.sentences WHERE article_id IN temp.gone_articles);
            CREATE TEMP VIEW lexicon AS SELECT * FROM main.lexicon WHERE (key, word) NOT IN
                (SELECT key, word FROM temp.gone_lexicon);
        """)
