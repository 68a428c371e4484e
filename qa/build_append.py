"""A change written as a delta (``qa.build.write_index``): the new generation shares every file
of the live one (hard links) and writes one folder with just the new rows and the removed ones'
tombstones, so its cost grows with what it adds and removes, not with the corpus.

``gen-000009/delta-000009/`` holds what generation 9 changed: ``docs.sqlite`` (the new articles,
chunks, sentences, mentions, and the lexicon rows of the words that entered the corpus),
``vectors.faiss`` and ``chunks.faiss`` (the new sentence and chunk context vectors, rows
numbered after every row before them, removed ones included), ``bm25/`` (the new chunks' term
counts) and, when it removed articles, ``removed.json`` (``qa.tombstones``: which segment held
them, their rows, the lexicon rows of the words that left the corpus). Readers read the base and
the deltas in order as one index without the removed rows (``qa.store.IndexStore``); the result
answers as a whole new generation of the same articles (tested). Shared files are never written
again, so each generation keeps the checksums recorded when they were written and only the
delta's are computed. An article removed and added again gets new rows; its old ones stay removed.

A change is a delta only when the live generation's base is in this layout (term counts,
lexicon table of this version, checksums), its deltas are small (``DELTA_FRACTION`` of the
base's bytes) and the rows removed since the last compaction stay under ``REMOVED_FRACTION`` of
all rows; otherwise the whole generation is written again as one base, the removed rows dropped
and the rows numbered again (a compaction: ``qa.build._build_generation``). When the live
generation has ``MAX_DELTAS`` deltas, the new delta holds their rows too (a merge costing the
deltas' size, not the corpus's), so that a generation keeps few deltas between compactions;
with removals in them (or in the change) a compaction is written instead, since a merge keeps
every row of the deltas it folds.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.build_lexical import NAMED, removed_words
from qa.build_rows import IndexChange, append_rows, check_prepared, context_vectors, insert_prepared
from qa.encoders import Encoder
from qa.errors import ArticleNotFoundError
from qa.lang.pinyin import LEXICON_VERSION, in_lexicon, lexicon_rows, lexicon_word
from qa.lexical import TermCounts
from qa.manifest import (
    DELTAS_FORMAT_VERSION,
    TOMBSTONES_FORMAT_VERSION,
    Manifest,
    delta_files,
    file_checksums,
    segment_dirs,
)
from qa.prepare import LocalPreparer, Preparer, Progress
from qa.settings import VectorIndexKind
from qa.store import (
    BM25_DIR,
    CHUNK_VECTORS,
    DOCS,
    NAME_KINDS,
    SCHEMA,
    VECTORS,
    LexiconTable,
    index_pinyin,
    lexicon_version,
)
from qa.tombstones import Removed, Tombstones, runs
from qa.types import Article
from qa.vectors import FaissVectorStore

# compact (write one base again) when the deltas' files exceed this fraction of the base's bytes
DELTA_FRACTION = 0.10
# compact when the rows removed since the last compaction (tombstones, ``qa.tombstones``) would be
# more than this fraction of all chunk rows: readers skip them, but still load and search them
REMOVED_FRACTION = 0.15
# a change on a generation with this many deltas folds them into its own (readers open one
# database per delta; a change links and syncs every delta folder): a cost of the deltas' size
MAX_DELTAS = 8


def can_append(root: Path, m: Manifest, *, remove: Sequence[str] = ()) -> bool:
    """Whether a change can be a delta on ``m``'s generation: its base in this layout, its
    deltas small enough not to be compacted yet, and, for a change that removes articles or a
    generation that holds removals, few enough deltas and rows removed (``REMOVED_FRACTION``)."""
    base = Path(root) / m.generation
    if (not m.files or not TermCounts.stored_in(base / BM25_DIR)
            or not all("mtime_ns" in f for f in m.files.values())):  # (checked quickly before a delta)
        return False
    delta_bytes = sum(m.files[rel]["size"] for rel in delta_files(m))
    base_bytes = sum(f["size"] for f in m.files.values()) - delta_bytes
    if delta_bytes > DELTA_FRACTION * base_bytes:
        return False
    segments = segment_dirs(root, m)
    try:
        removed = Removed.of(segments)
    except (OSError, ValueError, KeyError, TypeError):
        return False  # (a whole generation reads them again, and says what is wrong)
    if (remove or removed) and len(m.deltas) >= MAX_DELTAS:  # folding keeps rows apart only without removals
        return False
    dbs = []
    try:
        dbs = [_connect_ro(d / DOCS) for d in segments]
        columns = {r[1] for r in dbs[0].execute("PRAGMA table_info(articles)")}
        if "date_source" not in columns or lexicon_version(dbs[0]) != LEXICON_VERSION:
            return False
        if not remove and not removed:
            return True
        rows = max(db.execute("SELECT COALESCE(MAX(row) + 1, 0) FROM main.chunks").fetchone()[0] for db in dbs)
        for i, db in enumerate(dbs):
            removed.hide(db, i)
        ids = list(dict.fromkeys(remove))
        gone = len(removed.chunk_rows) + sum(
            db.execute(f"SELECT COUNT(*) FROM chunks WHERE article_id IN ({','.join('?' * len(part))})", part).fetchone()[0]
            for db in dbs for part in (ids[i: i + 500] for i in range(0, len(ids), 500)))
        return gone <= REMOVED_FRACTION * rows
    except sqlite3.DatabaseError:
        return False
    finally:
        for db in dbs:
            db.close()


def delta_name(generation: str) -> str:
    return f"delta-{generation.split('-', 1)[1]}"


def share(src: Path, dst: Path) -> None:
    """``dst`` the same file as ``src`` (a hard link: committed files are never written again),
    or a copy where the filesystem has no hard links (FAT, some network and container mounts):
    the add is then slower, never wrong."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def append_generation(tmp: Path, root: Path, current: Manifest, generation: str, *, encoder: Encoder,
                      add: Sequence[Article], remove: Sequence[str] = (), progress: Progress | None,
                      preparer: Preparer | None) -> tuple[IndexChange, Manifest]:
    """Write generation ``generation`` into ``tmp``: the live generation's files linked, the
    new articles' rows and the removed ones' tombstones (``qa.tombstones``) in a delta. Returns
    the change and the manifest fields it changes (format version, counts, files, deltas) on
    ``current``; the caller stamps and commits it.

    Raises:
        ArticleNotFoundError: an id to remove is not in the index (nothing is written).
    """
    live = Path(root) / current.generation
    for rel in current.files or {}:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        share(live / rel, tmp / rel)
    segments = segment_dirs(root, current)
    removed = Removed.of(segments)
    dbs = [_connect_ro(d / DOCS) for d in segments]
    try:
        def query(sql: str, args: Sequence = ()) -> list[tuple]:
            return [r for db in dbs for r in db.execute(sql, args).fetchall()]

        for i, db in enumerate(dbs):
            removed.hide(db, i)
        # numbered after every row, removed ones too (rows are never numbered twice)
        n_chunks = max(r[0] for r in query("SELECT COALESCE(MAX(row) + 1, 0) FROM main.chunks"))
        n_sentences = max(r[0] for r in query("SELECT COALESCE(MAX(row) + 1, 0) FROM main.sentences"))
        # removals first, so that "remove then re-add" of one article works in one change
        stones, gone = _tombstones(dbs, removed.names, remove)
        if stones:
            removed = Removed.of(segments, stones)
            for i, db in enumerate(dbs):
                removed.hide(db, i)
        # the new articles' ids looked up, not every id read
        existing = {a.id for a in add if query("SELECT 1 FROM articles WHERE id = ?", (a.id,))}
        live_counts = [sum(n for (n,) in query(f"SELECT COUNT(*) FROM {t}")) for t in ("articles", "chunks", "sentences")]
        new_articles, skipped = [], []
        for a in add:
            (skipped if a.id in existing else new_articles).append(a)
            existing.add(a.id)
        prepared = (preparer or LocalPreparer()).prepare(
            new_articles, encoder=encoder, chunk_size=current.chunk_size, chunk_overlap=current.chunk_overlap,
            progress=progress)
        check_prepared(prepared, new_articles, encoder.dim)
        change = IndexChange(added=tuple(a.id for a in new_articles), already_indexed=tuple(a.id for a in skipped),
                             removed=tuple(dict.fromkeys(remove)))
        if not prepared and not stones:  # nothing new: the same rows, all shared
            return change, current
        folded = [tmp / d for d in current.deltas] if len(current.deltas) >= MAX_DELTAS and not removed else []
        out = tmp / delta_name(generation)
        out.mkdir()
        db = sqlite3.connect(out / DOCS)
        try:
            # no sync per statement: the folder is nobody's until the commit, which syncs its files
            db.execute("PRAGMA synchronous = OFF")
            db.executescript(f"BEGIN; {SCHEMA} COMMIT;")
            for d in folded:
                append_rows(db, d / DOCS)
            rows = insert_prepared(db, prepared, n_chunks=n_chunks, n_sentences=n_sentences)
            vectors = (np.concatenate([p.vectors for p in prepared], axis=0) if prepared
                       else np.zeros((0, encoder.dim), np.float32))
            kind = VectorIndexKind.parse(current.vector_index)
            local = [(ai, lo - n_sentences, hi - n_sentences) for ai, lo, hi in rows.chunks]
            context = (context_vectors(vectors, np.stack([p.title_vector for p in prepared]), local) if prepared
                       else np.zeros((0, encoder.dim), np.float32))
            for name, new in ((VECTORS, vectors), (CHUNK_VECTORS, context)):
                # (stored as they were: 16-bit values read back and stored again are the same)
                before = [FaissVectorStore.load(d / name, kind).vectors() for d in folded]
                FaissVectorStore.from_vectors(np.concatenate([*before, new], axis=0), encoder.dim, kind).save(out / name)

            if progress:
                progress("bm25", 0, 1)
            t = time.perf_counter()
            docs = [[sys.intern(t) for t in tokens.split()] for p in prepared for tokens in p.tokens]
            TermCounts.concat([*(TermCounts.load(d / BM25_DIR) for d in folded),
                               TermCounts.from_tokens(docs)]).save(out / BM25_DIR)
            bm25_seconds = time.perf_counter() - t

            if progress:
                progress("lexicon", 0, 1)
            t = time.perf_counter()
            names = {m.text for p in prepared for ms in p.mentions for m in ms if m.kind in NAME_KINDS}
            # words enter: those of the new articles that no earlier row keyed; and leave: those of
            # the removed articles that no row holds any more
            lex = LexiconTable(query)
            words = sorted(w for w in {t for doc in docs for t in doc} | names
                           if lexicon_word(w) and not in_lexicon(lex, w))
            db.executemany("INSERT OR IGNORE INTO lexicon VALUES (?, ?)", lexicon_rows(words))
            if stones:
                left = _words_left(segments, removed, query, gone, docs, names)
                dataclasses.replace(stones, lexicon=tuple(lexicon_rows(left))).save(out)
            lexicon_seconds = time.perf_counter() - t
            index_pinyin(db)
            db.commit()
        finally:
            db.close()
        for d in folded:  # their rows are in the new delta: drop the links
            shutil.rmtree(d)
        if progress:
            progress("done", 1, 1)
    finally:
        for c in dbs:
            c.close()
    name = out.name
    dropped = delta_files(current) if folded else set()  # folded into the new delta
    files = ({rel: f for rel, f in (current.files or {}).items() if rel not in dropped}
             | {f"{name}/{rel}": v for rel, v in file_checksums(out).items()})
    kept = () if folded else current.deltas
    manifest = dataclasses.replace(
        current, format_version=TOMBSTONES_FORMAT_VERSION if removed else DELTAS_FORMAT_VERSION,
        articles=live_counts[0] + len(prepared), chunks=live_counts[1] + len(rows.chunks),
        sentences=live_counts[2] + rows.sentences, files=files, deltas=(*kept, name))
    change = dataclasses.replace(change, chunks_added=len(rows.chunks), sentences_added=rows.sentences,
                                 chars_embedded=rows.chars_embedded,
                                 embed_seconds=sum(p.embed_seconds for p in prepared),
                                 annotate_seconds=sum(p.seconds for p in prepared), bridge_seconds=lexicon_seconds,
                                 bm25_seconds=bm25_seconds)
    return change, manifest


def _tombstones(dbs: Sequence[sqlite3.Connection], names: Sequence[str],
                remove: Sequence[str]) -> tuple[Tombstones, set[str]]:
    """The tombstones of the articles to remove (which segment holds each, their rows; the
    lexicon rows are added once the change's new words are known) and their words."""
    articles, chunks, sentences, gone = [], [], [], set()
    for aid in dict.fromkeys(remove):
        found = next(((segment, db) for segment, db in zip(names, dbs)
                      if db.execute("SELECT 1 FROM articles WHERE id = ?", (aid,)).fetchone()), None)
        if found is None:
            raise ArticleNotFoundError(f"no article with id {aid!r} in the index; nothing was changed")
        segment, db = found
        articles.append((segment, aid))
        chunks += [r for (r,) in db.execute("SELECT row FROM chunks WHERE article_id = ?", (aid,))]
        sentences += [r for (r,) in db.execute("SELECT row FROM sentences WHERE article_id = ?", (aid,))]
        gone |= removed_words(db, aid)
    return Tombstones(tuple(articles), tuple(runs(chunks)), tuple(runs(sentences))), gone


def _words_left(segments: Sequence[Path], removed: Removed, query, gone: set[str], docs: list[list[str]],
                names: set[str]) -> list[str]:
    """The removed articles' words that no row holds after the change (neither a BM25 term of a
    live or new chunk nor a name of a live or new annotation): they leave the lexicon."""
    left = {w for w in gone if lexicon_word(w)} - {t for doc in docs for t in doc} - names
    offset = 0
    for d in segments:  # each segment's term counts in turn (none concatenated)
        counts = TermCounts.load(d / BM25_DIR)
        live = np.ones(counts.num_docs, dtype=bool)
        gone_here = removed.chunk_rows - offset
        live[gone_here[(gone_here >= 0) & (gone_here < counts.num_docs)]] = False
        left -= counts.held(left, rows=live)
        offset += counts.num_docs
    return sorted(w for w in left if not query(f"SELECT 1 FROM mentions WHERE {NAMED} AND text = ? LIMIT 1", (w,)))
