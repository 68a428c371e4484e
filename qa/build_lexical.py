"""The lexical part of a new generation (``qa.build``): BM25 term counts and the pinyin
lexicon, each the previous generation's changed by what the change adds and removes.

- BM25 (``qa.lexical.TermCounts``): the previous rows with the removed chunks' rows dropped
  and the new chunks' rows (their tokens, from the preparer) appended, in chunk-row order;
  nothing is tokenised again. From an index without term counts (a new one, or one written
  in the older bm25s format) they are counted from the chunks' stored tokens.
- Lexicon (the ``lexicon`` table of ``docs.sqlite``, ``qa.lang.pinyin``): the pinyin keys of the
  corpus's words (BM25 terms) and names (person, organisation and place mentions). Only the words
  the change touches are looked at: one of the new articles' that was not in the corpus is
  keyed, one of the removed articles' that is in it no more leaves, so the lexicon equals a fresh
  ``build_lexicon`` of the same articles. The new generation's database is a copy of the
  previous one, so the change is a few rows deleted and inserted; nothing is written whole.
  A lexicon keyed by other rules (another ``LEXICON_VERSION``, or none recorded) is built again
  in full; one in the older ``lexicon.json`` is read, changed and moved into the table.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.lang.pinyin import LEXICON_VERSION, build_lexicon, in_lexicon, lexicon_rows, lexicon_word, update_lexicon
from qa.lexical import TermCounts
from qa.prepare import Progress
from qa.store import BM25_DIR, LEXICON, NAME_KINDS, LexiconTable, lexicon_version

NAMED = f"kind IN ({', '.join(repr(k) for k in NAME_KINDS)})"  # the partial index mentions_name's clause


@dataclass(frozen=True)
class LexicalTimes:
    bm25_seconds: float
    lexicon_seconds: float


def removed_words(db: sqlite3.Connection, article_id: str) -> set[str]:
    """The BM25 tokens and names of an article about to be removed (read before it is)."""
    words = {t for (tokens,) in db.execute("SELECT tokens FROM chunks WHERE article_id = ?", (article_id,))
             for t in tokens.split()}
    words.update(r[0] for r in db.execute(
        f"SELECT DISTINCT m.text FROM mentions m JOIN sentences s ON s.row = m.sentence "
        f"WHERE s.article_id = ? AND m.{NAMED}", (article_id,)))
    return words


def write_lexical(out: Path, prev: Path | None, db: sqlite3.Connection, *, keep_chunks: np.ndarray,
                  new: TermCounts, new_names: set[str], gone: set[str],
                  progress: Progress | None = None, deltas: Sequence[Path] = ()) -> LexicalTimes:
    """Write ``out/bm25`` and the lexicon table of ``db`` (the new generation's rows, new
    chunks inserted; the caller commits), given the previous generation ``prev``, which of its
    chunk rows are kept, the new chunks' term counts (``new``, in chunk-row order), the names the
    new articles mention and the words of the removed ones (``removed_words``). ``deltas``: the
    previous generation's delta folders (``qa.build_append``), whose rows follow its base's."""
    if progress:
        progress("bm25", 0, 1)
    t = time.perf_counter()
    counts = _counts(prev, deltas, db, keep_chunks, new)
    n_chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    if counts.num_docs != n_chunks:
        raise QAError(f"BM25 rows ({counts.num_docs}) and chunk rows ({n_chunks}) differ; nothing was changed")
    if counts.num_docs:
        counts.save(out / BM25_DIR)
    bm25_seconds = time.perf_counter() - t

    if progress:
        progress("lexicon", 0, 1)
    t = time.perf_counter()
    if lexicon_version(db) == LEXICON_VERSION:  # the previous generation's table, copied with the database
        add, remove = _changes(LexiconTable(db), db, counts, new, new_names, gone)
        db.executemany("DELETE FROM lexicon WHERE key = ? AND word = ?", lexicon_rows(remove))
        db.executemany("INSERT OR IGNORE INTO lexicon VALUES (?, ?)", lexicon_rows(add))
    else:
        lex = _previous_lexicon(prev)
        if lex is None:
            names = {r[0] for r in db.execute(f"SELECT DISTINCT text FROM mentions WHERE {NAMED}")}
            lex = build_lexicon(sorted(set(counts.vocab) | names))
        else:
            add, remove = _changes(lex, db, counts, new, new_names, gone)
            lex = update_lexicon(lex, add=add, remove=remove)
        db.execute("DELETE FROM lexicon")
        db.executemany("INSERT INTO lexicon VALUES (?, ?)", ((k, w) for k, ws in lex.items() for w in ws))
        db.execute("DELETE FROM lexicon_version")
        db.execute("INSERT INTO lexicon_version VALUES (?)", (LEXICON_VERSION,))
    return LexicalTimes(bm25_seconds, time.perf_counter() - t)


def _counts(prev: Path | None, deltas: Sequence[Path], db: sqlite3.Connection, keep_chunks: np.ndarray,
            new: TermCounts) -> TermCounts:
    if len(keep_chunks) == 0:
        return new
    base = None
    if prev is not None and TermCounts.stored_in(prev / BM25_DIR):
        base = TermCounts.concat([TermCounts.load(d / BM25_DIR) for d in (prev, *deltas)])
        if base.num_docs != len(keep_chunks):  # not the rows the database had: count them again
            base = None
    if base is not None:
        return TermCounts.concat([base.take(keep_chunks), new])
    # an index of the older format (bm25s scores, not counts): once, from the stored tokens
    return TermCounts.from_tokens(tokens.split() for (tokens,) in db.execute("SELECT tokens FROM chunks ORDER BY row"))


def _previous_lexicon(prev: Path | None) -> dict[str, list[str]] | None:
    """The previous generation's ``lexicon.json`` (the layout before the lexicon moved into the
    database) when it was keyed by this version's rules."""
    if prev is None:
        return None
    try:
        raw = json.loads((prev / LEXICON).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return raw["pinyin"] if raw.get("version") == LEXICON_VERSION and isinstance(raw.get("pinyin"), dict) else None


def _changes(lex: Mapping[str, list[str]], db: sqlite3.Connection, counts: TermCounts, new: TermCounts,
             new_names: set[str], gone: set[str]) -> tuple[list[str], list[str]]:
    """The words that enter the corpus (to key) and those that leave it (to drop)."""
    ids = {t: i for i, t in enumerate(counts.vocab)}  # every term here is in some row
    df = counts.df()
    new_df = dict(zip(new.vocab, new.df().tolist()))  # new chunks per term

    def named(w: str) -> bool:
        return db.execute(f"SELECT 1 FROM mentions WHERE {NAMED} AND text = ? LIMIT 1", (w,)).fetchone() is not None

    def in_kept_rows(w: str) -> bool:
        i = ids.get(w)
        return i is not None and int(df[i]) > new_df.get(w, 0)

    add, remove = [], []
    for w in sorted(w for w in gone | new_df.keys() | new_names if lexicon_word(w)):
        after = w in ids or named(w)
        # cheapest first: a removed article's word or a kept chunk's term was in the corpus
        before = w in gone or in_kept_rows(w) or in_lexicon(lex, w)
        if after and not before:
            add.append(w)
        elif before and not after:
            remove.append(w)
    return add, remove
