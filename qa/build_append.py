"""A change that only adds articles, written as a delta (``qa.build.write_index``): the new
generation shares every file of the live one (hard links) and writes one folder with just the
new rows, so its cost grows with what it adds, not with the corpus.

``gen-000009/delta-000009/`` holds what generation 9 added: ``docs.sqlite`` (the new articles,
chunks, sentences, mentions, and the lexicon rows of the words that entered the corpus),
``vectors.faiss`` and ``chunks.faiss`` (the new sentence and chunk context vectors, rows
numbered after every row before them) and ``bm25/`` (the new chunks' term counts). Readers
read the base and the deltas in order as one index (``qa.store.IndexStore``); the result
equals a whole new generation of the same articles (tested). Shared files are never written
again, so each generation keeps the checksums recorded when they were written and only the
delta's are computed.

A change appends a delta only when the live generation's base is in this layout (term counts,
lexicon table of this version, checksums) and its deltas are small (``DELTA_FRACTION`` of the
base's bytes); otherwise, or when it removes articles, the whole generation is written again as
one base (a compaction: ``qa.build._build_generation``). When the live generation has
``MAX_DELTAS`` deltas, the new delta holds their rows too (a merge costing the deltas' size, not
the corpus's), so that a generation keeps few deltas between compactions.
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

from qa.build_rows import IndexChange, append_rows, check_prepared, context_vectors, insert_prepared
from qa.encoders import Encoder
from qa.lang.pinyin import LEXICON_VERSION, in_lexicon, lexicon_rows, lexicon_word
from qa.lexical import TermCounts
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
    Manifest,
    delta_files,
    file_checksums,
    lexicon_version,
    segment_dirs,
)
from qa.types import Article
from qa.vectors import FaissVectorStore

# compact (write one base again) when the deltas' files exceed this fraction of the base's bytes
DELTA_FRACTION = 0.10
# a change on a generation with this many deltas folds them into its own (readers open one
# database per delta; a change links and syncs every delta folder): a cost of the deltas' size
MAX_DELTAS = 8


def can_append(root: Path, m: Manifest) -> bool:
    """Whether a change that only adds articles can be a delta on ``m``'s generation: its base
    in this layout, and its deltas small enough not to be compacted yet."""
    base = Path(root) / m.generation
    if (not m.files or not TermCounts.stored_in(base / BM25_DIR)
            or not all("mtime_ns" in f for f in m.files.values())):  # (checked quickly before a delta)
        return False
    delta_bytes = sum(m.files[rel]["size"] for rel in delta_files(m))
    base_bytes = sum(f["size"] for f in m.files.values()) - delta_bytes
    if delta_bytes > DELTA_FRACTION * base_bytes:
        return False
    try:
        db = sqlite3.connect(f"{(base / DOCS).resolve().as_uri()}?mode=ro", uri=True)
        try:
            columns = {r[1] for r in db.execute("PRAGMA table_info(articles)")}
            return "date_source" in columns and lexicon_version(db) == LEXICON_VERSION
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return False


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


def append_generation(tmp: Path, root: Path, current: Manifest, generation: str, *, encoder: Encoder,
                      add: Sequence[Article], progress: Progress | None,
                      preparer: Preparer | None) -> tuple[IndexChange, Manifest]:
    """Write generation ``generation`` into ``tmp``: the live generation's files linked, the
    new articles' rows in a delta. Returns the change and the manifest fields it changes
    (counts, files, deltas) on ``current``; the caller stamps and commits it."""
    live = Path(root) / current.generation
    for rel in current.files or {}:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        share(live / rel, tmp / rel)
    segments = segment_dirs(root, current)
    dbs = [sqlite3.connect(f"{(d / DOCS).resolve().as_uri()}?mode=ro", uri=True) for d in segments]
    try:
        def query(sql: str, args: Sequence = ()) -> list[tuple]:
            return [r for db in dbs for r in db.execute(sql, args).fetchall()]

        # the new articles' ids looked up, not every id read
        existing = {a.id for a in add if query("SELECT 1 FROM articles WHERE id = ?", (a.id,))}
        n_articles = sum(n for (n,) in query("SELECT COUNT(*) FROM articles"))
        new_articles, skipped = [], []
        for a in add:
            (skipped if a.id in existing else new_articles).append(a)
            existing.add(a.id)
        n_chunks = max(r[0] for r in query("SELECT COALESCE(MAX(row) + 1, 0) FROM chunks"))
        n_sentences = max(r[0] for r in query("SELECT COALESCE(MAX(row) + 1, 0) FROM sentences"))
        prepared = (preparer or LocalPreparer()).prepare(
            new_articles, encoder=encoder, chunk_size=current.chunk_size, chunk_overlap=current.chunk_overlap,
            progress=progress)
        check_prepared(prepared, new_articles, encoder.dim)
        change = IndexChange(added=tuple(a.id for a in new_articles), already_indexed=tuple(a.id for a in skipped))
        if not prepared:  # nothing new: the same rows, all shared
            return change, current
        folded = [tmp / d for d in current.deltas] if len(current.deltas) >= MAX_DELTAS else []
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
            vectors = np.concatenate([p.vectors for p in prepared], axis=0)
            titles = np.stack([p.title_vector for p in prepared])
            kind = VectorIndexKind.parse(current.vector_index)
            local = [(ai, lo - n_sentences, hi - n_sentences) for ai, lo, hi in rows.chunks]
            for name, new in ((VECTORS, vectors), (CHUNK_VECTORS, context_vectors(vectors, titles, local))):
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
            # only words enter: those of the new articles that no earlier row keyed
            lex = LexiconTable(query)
            names = {m.text for p in prepared for ms in p.mentions for m in ms if m.kind in NAME_KINDS}
            words = sorted(w for w in {t for doc in docs for t in doc} | names
                           if lexicon_word(w) and not in_lexicon(lex, w))
            db.executemany("INSERT OR IGNORE INTO lexicon VALUES (?, ?)", lexicon_rows(words))
            lexicon_seconds = time.perf_counter() - t
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
    manifest = dataclasses.replace(current, articles=n_articles + len(prepared), chunks=n_chunks + len(rows.chunks),
                                   sentences=n_sentences + rows.sentences, files=files, deltas=(*kept, name))
    change = IndexChange(added=change.added, already_indexed=change.already_indexed, chunks_added=len(rows.chunks),
                         sentences_added=rows.sentences, chars_embedded=rows.chars_embedded,
                         embed_seconds=sum(p.embed_seconds for p in prepared),
                         annotate_seconds=sum(p.seconds for p in prepared), bridge_seconds=lexicon_seconds,
                         bm25_seconds=bm25_seconds)
    return change, manifest
