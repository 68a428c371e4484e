"""Index building: apply a change (add or remove articles) as a new generation and
commit it by atomically replacing ``manifest.json`` (see ``qa.store`` for the layout).

A build interrupted at any point (Ctrl-C, kill, a crash) leaves the previous index
intact and loadable; the next write removes what the interrupted one left behind.
Old generations are deleted only when no reader holds them (``qa.manifest.Lease``), and
never while ``manifest.json`` is missing: then writes stop with a message until
``qa index recover`` restores it from the newest complete generation.

A change is a delta on the live generation (``qa.build_append``: its files shared, the new rows
and the removed ones' tombstones written apart); a change on a base of an older layout, or one
whose deltas or removed rows have grown too large, writes a whole generation (``_build_generation``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.build_append import append_generation, can_append
from qa.build_lexical import removed_words, write_lexical
from qa.build_rows import IndexChange, append_rows, check_prepared, context_vectors, insert_prepared
from qa.encoders import Encoder
from qa.errors import ArticleNotFoundError, EncoderMismatchError, QAError
from qa.lexical import TermCounts
from qa.manifest import (
    FORMAT_VERSION,
    LEASES,
    MANIFEST,
    Manifest,
    check_generation,
    corrupt,
    file_checksums,
    generations,
    now,
    read_manifest,
    retire,
    segment_dirs,
)
from qa.prepare import LocalPreparer, Preparer, Progress
from qa.settings import DEFAULT_VECTOR_INDEX, VectorIndexKind
from qa.store import CHUNK_VECTORS, DOCS, NAME_KINDS, SCHEMA, VECTORS, article_columns, index_pinyin, load_vectors
from qa.tombstones import BASE, Removed, Tombstones
from qa.types import Article
from qa.vectors import FaissVectorStore

# A whole generation prepares, writes and adds to FAISS the new articles in blocks of about this
# many characters (an article is never split), so a build's memory is the index's own plus one
# block's prepared articles and vectors, not the whole corpus's (100k synthetic chunks, 20M
# characters: build peak RSS 2.4 GB in one block, 1.0 GB in blocks; docs/scaling.md). A block costs a preparer's start-up once
# (worker processes or Ray actors loading the encoder: seconds), against ~2,000 s of embedding
# for the default encoder on 2 cores.
BLOCK_CHARS = 2_000_000


def article_blocks(articles: Sequence[Article], max_chars: int) -> list[list[Article]]:
    """``articles`` in order, in consecutive blocks of at most ``max_chars`` characters of text
    (a longer article alone in its block)."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    blocks: list[list[Article]] = []
    size = max_chars
    for a in articles:
        if size + len(a.text) > max_chars or not blocks:
            blocks.append([])
            size = 0
        blocks[-1].append(a)
        size += len(a.text)
    return blocks


class BlockProgress:
    """A build's progress in blocks reported as one run: each block's preparer counts its own
    articles and sentences from 0; the callback is told the counts since the first block, against
    all the articles and (until the last block, when it is known) the sentences estimated from the
    characters prepared so far."""

    def __init__(self, progress: Progress, articles: int, chars: int) -> None:
        self._progress, self._articles, self._chars = progress, articles, chars
        self._before: dict[str, int] = {}  # per stage: what the blocks before this one counted
        self._totals: dict[str, int] = {}  # per stage: this block's total
        self._chars_before = self._block_chars = 0

    def block(self, articles: Sequence[Article]) -> Progress:
        """The callback for the next block's preparer."""
        for stage, total in self._totals.items():
            self._before[stage] = self._before.get(stage, 0) + total
        self._totals = {}
        self._chars_before += self._block_chars
        self._block_chars = sum(len(a.text) for a in articles)
        return self._report

    def _report(self, stage: str, done: int, total: int) -> None:
        self._totals[stage] = total
        before = self._before.get(stage, 0)
        through = self._chars_before + self._block_chars
        if stage == "preparing":
            whole = self._articles
        elif through >= self._chars:  # the last block: the total is known
            whole = before + total
        else:  # not done before the last block
            whole = max(before + total + 1, round((before + total) * self._chars / max(through, 1)))
        self._progress(stage, before + done, whole)


@contextlib.contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """One writer at a time per index directory, across threads and processes."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path, *, synced: Collection[str] = ()) -> None:
    """Sync the files under ``path`` but those ``synced`` already (shared with a committed
    generation), and every folder (their entries, links included)."""
    for f in path.rglob("*"):
        if f.is_file() and f.relative_to(path).as_posix() not in synced:
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        elif f.is_dir():
            _fsync_dir(f)
    _fsync_dir(path)


def _live_generation(root: Path) -> str | None:
    """The generation the manifest names, even one of an unreadable format (kept until replaced)."""
    try:
        gen = json.loads((root / MANIFEST).read_text("utf-8")).get("generation")
    except (OSError, json.JSONDecodeError, AttributeError):
        return None
    return gen if isinstance(gen, str) else None


def _next_generation(root: Path, current: str | None) -> str:
    try:
        n = int(str(current).split("-")[1]) + 1
    except (IndexError, ValueError):
        n = 1
    while (root / f"gen-{n:06d}").exists():
        n += 1
    return f"gen-{n:06d}"


def _clean(root: Path, keep: set[str]) -> None:
    """Under the writer lock: remove what dead writers left (unfinished generations,
    temporary manifests) and the generations other than ``keep`` that no reader holds."""
    for p in root.iterdir():
        if p.name.startswith(".gen-") and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(f".{MANIFEST}.tmp-"):
            p.unlink(missing_ok=True)
    for gen in generations(root):
        if gen not in keep:
            retire(root, gen)
    leases = root / LEASES
    if leases.is_dir():
        for lease in leases.iterdir():
            if not (root / lease.name).exists():
                retire(root, lease.name)


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Commit ``manifest``: written beside the live one, then atomically put in its place."""
    tmp_manifest = root / f".{MANIFEST}.tmp-{os.getpid()}"
    with open(tmp_manifest, "w", encoding="utf-8") as fh:
        json.dump(manifest.to_json(), fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp_manifest, root / MANIFEST)  # the commit
    _fsync_dir(root)


def _commit_generation(root: Path, tmp: Path, manifest: Manifest, *, shared: Collection[str] = ()) -> None:
    """Under the writer lock: make the finished folder ``tmp`` generation ``manifest.generation``
    and commit it. The generation keeps its own copy of the manifest: what `qa index recover`
    restores if manifest.json is lost. ``shared``: its files linked from a committed generation."""
    (tmp / MANIFEST).write_text(json.dumps(manifest.to_json(), ensure_ascii=False, indent=2), "utf-8")
    _fsync_tree(tmp, synced=shared)
    os.rename(tmp, root / manifest.generation)
    write_manifest(root, manifest)


def write_index(root: str | Path, *, encoder: Encoder, add: Sequence[Article] = (),
                remove: Sequence[str] = (), replace: bool = False, chunk_size: int = 300,
                chunk_overlap: int = 1, vector_index: VectorIndexKind = DEFAULT_VECTOR_INDEX,
                progress: Progress | None = None, preparer: Preparer | None = None) -> IndexChange:
    """Apply a change as a new generation and commit it atomically.

    Args:
        add: articles to index; ones already indexed (same id) are skipped.
        remove: article ids to drop. An unknown id raises ArticleNotFoundError
            before anything is written.
        replace: start from an empty index instead of the live one (``qa index build``).
        chunk_size, chunk_overlap, vector_index: used for a new index; an existing
            index keeps the settings in its manifest.
        preparer: who annotates and embeds the new articles (``qa.prepare``): this process
            or worker processes on every core (``LocalPreparer``, the default) or Ray
            (``qa.build_ray.RayPreparer``); the index is the same.

    Raises:
        IndexMismatchError: the live index was built with another encoder or dimension.
    """
    root = Path(root)
    t0 = time.perf_counter()
    with writer_lock(root):
        current: Manifest | None = None
        if not (root / MANIFEST).exists() and generations(root) and not replace:
            read_manifest(root)  # raises: the manifest is lost, the data is not; never build over it
        if (root / MANIFEST).exists() and not replace:
            current = read_manifest(root)
            if current.encoder != encoder.name or current.dim != encoder.dim:
                raise EncoderMismatchError(
                    f"the index at {root} was built with encoder {current.encoder!r} (dim {current.dim}), "
                    f"not {encoder.name!r} (dim {encoder.dim}); use --encoder {current.encoder} "
                    f"or rebuild: qa index build PATH... --index-dir {root} --encoder {encoder.name}")
            chunk_size, chunk_overlap = current.chunk_size, current.chunk_overlap
            vector_index = VectorIndexKind.parse(current.vector_index)
        appending = current is not None and can_append(root, current, remove=remove)
        if current is not None:
            # a whole generation copies the live one's vectors and rows: never from damaged files. A
            # delta copies nothing: the files it shares keep their recorded checksums, so damage
            # stays detectable in the new generation too; here their sizes are checked, and the
            # checksums of those modified since they were recorded
            if problems := check_generation(root, current, full=not appending, changed=True):
                raise corrupt(root, problems)
        live = _live_generation(root)
        _clean(root, {live} if live else set(generations(root)))  # no live one known: keep them all until the commit
        gen = _next_generation(root, live)
        tmp = root / f".{gen}.tmp-{os.getpid()}"
        tmp.mkdir()
        try:
            if appending:
                change, after = append_generation(tmp, root, current, gen, encoder=encoder, add=add, remove=remove,
                                                  progress=progress, preparer=preparer)
                counts, files, deltas = (after.articles, after.chunks, after.sentences), after.files, after.deltas
                version = after.format_version
            else:
                change, counts = _build_generation(
                    tmp, segment_dirs(root, current) if current else [], encoder=encoder, add=add,
                    remove=remove, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                    vector_index=vector_index, progress=progress, preparer=preparer)
                files, deltas, version = file_checksums(tmp), (), FORMAT_VERSION
            from qa import __version__

            stamp = now()
            manifest = Manifest(
                format_version=version, generation=gen,
                encoder=encoder.name, dim=encoder.dim,
                chunk_size=chunk_size, chunk_overlap=chunk_overlap, vector_index=str(vector_index),
                articles=counts[0], chunks=counts[1], sentences=counts[2], created_at=current.created_at if current else stamp,
                updated_at=stamp, qa_version=__version__, files=files, deltas=deltas)
            _commit_generation(root, tmp, manifest, shared=set(current.files or {}) if appending else ())
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _clean(root, {gen, live} if live else {gen})
    return dataclasses.replace(change, seconds=time.perf_counter() - t0)


@dataclass(frozen=True)
class VectorConversion:
    """What ``convert_vectors`` did."""

    before: str  # the vector index kind the live generation had
    after: str
    generation: str  # the generation committed (the live one when nothing changed)
    vectors: int  # sentence and chunk vectors stored again (0: nothing to do)
    bytes_before: int  # the two vector files' sizes
    bytes_after: int
    seconds: float
    faiss_seconds: float = 0.0  # of which building the new kind's two FAISS indexes


def convert_vectors(root: str | Path, kind: VectorIndexKind) -> VectorConversion:
    """Store the live index's vectors as another kind (flat, flat16, hnsw) in a new generation,
    without embedding anything again: articles, annotations, BM25 and the lexicon are copied as
    they are, the two FAISS files are rebuilt from the stored vectors, and the manifest commit is
    atomic as for any change (readers keep the generation they opened). From flat16 the vectors
    are the 16-bit values it kept. Converting to the kind the index has changes nothing."""
    root = Path(root)
    t0 = time.perf_counter()
    with writer_lock(root):
        current = read_manifest(root)
        before = VectorIndexKind.parse(current.vector_index)
        live = root / current.generation
        bytes_before = _vector_bytes(live)
        if before is kind:
            return VectorConversion(str(before), str(kind), current.generation, 0, bytes_before, bytes_before,
                                    time.perf_counter() - t0)
        if problems := check_generation(root, current, full=True):
            raise corrupt(root, problems)
        _clean(root, {current.generation})
        gen = _next_generation(root, current.generation)
        tmp = root / f".{gen}.tmp-{os.getpid()}"
        try:
            shutil.copytree(live, tmp)  # copies, not links: the vector files are written again below
            n, faiss_s = 0, 0.0
            for segment in [tmp, *(tmp / d for d in current.deltas)]:
                for name in (VECTORS, CHUNK_VECTORS):
                    vectors = FaissVectorStore.load(segment / name, before).vectors()
                    t = time.perf_counter()
                    store = FaissVectorStore.from_vectors(vectors, current.dim, kind)
                    faiss_s += time.perf_counter() - t
                    store.save(segment / name)
                    n += len(vectors)
            _commit_generation(root, tmp, dataclasses.replace(current, generation=gen, vector_index=str(kind),
                                                              updated_at=now(), files=file_checksums(tmp)))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _clean(root, {gen, current.generation})
    return VectorConversion(str(before), str(kind), gen, n, bytes_before, _vector_bytes(root / gen),
                            time.perf_counter() - t0, faiss_s)


def _vector_bytes(generation: Path) -> int:
    return sum(f.stat().st_size for name in (VECTORS, CHUNK_VECTORS) for f in generation.rglob(name))


def stored_settings(root: Path) -> Manifest:
    """The manifest of the index at ``root`` (its settings: encoder, chunking, vector index),
    from ``manifest.json`` or, when that is lost or garbled, the newest generation's copy."""
    try:
        return read_manifest(root)
    except QAError:
        try:  # an older format's manifest still names the settings
            return Manifest.from_json(json.loads((root / MANIFEST).read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        for gen in generations(root):
            try:
                return Manifest.from_json(json.loads((root / gen / MANIFEST).read_text("utf-8")))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
        raise


def stored_articles(root: Path) -> tuple[list[Article], str]:
    """Every article of the newest generation whose databases (its base's and its deltas') and
    tombstones are sound, and that generation."""
    for gen in generations(root):
        paths = [root / gen / DOCS, *sorted((root / gen).glob(f"delta-*/{DOCS}"), key=lambda p: p.parent.name)]
        if not paths[0].is_file():
            continue
        rows: list[tuple[str, tuple]] = []  # (segment, article row)
        try:
            for path in paths:
                segment = path.parent.name if path.parent != root / gen else BASE
                if segment:  # what this delta removed from those before it
                    gone = set(Tombstones.load(path.parent).articles)
                    rows = [r for r in rows if (r[0], r[1][0]) not in gone]
                db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
                try:
                    if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                        raise sqlite3.DatabaseError(f"{path} fails its integrity check")
                    rows += [(segment, r) for r in
                             db.execute(f"SELECT {article_columns(db)} FROM articles ORDER BY rowid").fetchall()]
                finally:
                    db.close()
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError):
            continue
        return [Article(id=i, text=t, title=ti, source=s, author=a, date=d, url=u, path=p, date_source=ds)
                for _, (i, t, ti, s, a, d, u, p, ds) in rows], gen
    raise QAError(f"no generation under {root} holds a readable {DOCS}: the articles' text is lost; "
                  f"index your files again: qa index build PATH... --index-dir {root}")


def repair_index(root: str | Path, *, encoder: Encoder, progress: Progress | None = None,
                 preparer: Preparer | None = None) -> tuple[IndexChange, str]:
    """Rebuild everything derived (vectors, BM25, lexicon, annotations) from the articles stored
    in the newest generation whose database is sound, with the index's own settings, as a new
    generation. Returns the change and the generation the articles were read from."""
    root = Path(root)
    m = stored_settings(root)
    if m.encoder != encoder.name:
        raise EncoderMismatchError(f"the index at {root} was built with encoder {m.encoder!r}, not {encoder.name!r}")
    articles, source = stored_articles(root)
    change = write_index(root, encoder=encoder, add=articles, replace=True, chunk_size=m.chunk_size,
                         chunk_overlap=m.chunk_overlap, vector_index=VectorIndexKind.parse(m.vector_index),
                         progress=progress, preparer=preparer)
    return change, source


def _build_generation(tmp: Path, prev: Sequence[Path], *, encoder: Encoder, add: Sequence[Article],
                      remove: Sequence[str], chunk_size: int, chunk_overlap: int,
                      vector_index: VectorIndexKind, progress: Progress | None,
                      preparer: Preparer | None) -> tuple[IndexChange, tuple[int, int, int]]:
    """A whole generation (a new base): the previous one's rows (``prev``: its base and delta
    folders, none for a new index) without those its deltas removed (``qa.tombstones``), with the
    change applied and the rows numbered 0..n-1, written to ``tmp``."""
    db = sqlite3.connect(tmp / DOCS)
    try:
        if prev:
            src = sqlite3.connect(f"{(prev[0] / DOCS).resolve().as_uri()}?mode=ro", uri=True)
            src.backup(db)
            src.close()
            old_vectors = load_vectors(prev, VECTORS, str(vector_index)).vectors()
            old_chunk_vectors = load_vectors(prev, CHUNK_VECTORS, str(vector_index)).vectors()
        else:
            old_vectors = np.zeros((0, encoder.dim), dtype=np.float32)
            old_chunk_vectors = np.zeros((0, encoder.dim), dtype=np.float32)
        db.executescript(SCHEMA)
        if "date_source" not in article_columns(db):  # a generation written before it was stored
            db.execute("ALTER TABLE articles ADD COLUMN date_source TEXT")
        keep = np.ones(len(old_vectors), dtype=bool)
        keep_chunks = np.ones(len(old_chunk_vectors), dtype=bool)
        # the deltas' rows in order, each after the tombstones it holds are applied to those before it
        for delta in prev[1:]:
            stones = Tombstones.load(delta)
            for _, aid in stones.articles:
                _delete_article(db, aid)
            db.executemany("DELETE FROM lexicon WHERE key = ? AND word = ?", stones.lexicon)
            append_rows(db, delta / DOCS)
        tombstoned = Removed.of(prev) if prev else None
        if tombstoned:
            keep[tombstoned.sentence_rows] = False
            keep_chunks[tombstoned.chunk_rows] = False

        # removals first, so that "remove then re-add" of one article works in one change
        existing = {r[0] for r in db.execute("SELECT id FROM articles")}
        missing = [a for a in remove if a not in existing]
        if missing:
            raise ArticleNotFoundError(f"no article with id {missing[0]!r} in the index; nothing was changed")
        gone: set[str] = set()  # the removed articles' tokens and names (the lexicon looks at these)
        for aid in dict.fromkeys(remove):
            gone |= removed_words(db, aid)
            for (row,) in db.execute("SELECT row FROM sentences WHERE article_id = ?", (aid,)):
                keep[row] = False
            for (row,) in db.execute("SELECT row FROM chunks WHERE article_id = ?", (aid,)):
                keep_chunks[row] = False
            _delete_article(db, aid)
            existing.discard(aid)
        if remove or tombstoned:
            _renumber(db)
        sentence_store = FaissVectorStore.create(encoder.dim, vector_index)
        sentence_store.add(old_vectors if keep.all() else old_vectors[keep])
        del old_vectors
        chunk_store = FaissVectorStore.create(encoder.dim, vector_index)
        chunk_store.add(old_chunk_vectors if keep_chunks.all() else old_chunk_vectors[keep_chunks])
        del old_chunk_vectors

        new_articles, skipped = [], []
        for a in add:
            (skipped if a.id in existing else new_articles).append(a)
            existing.add(a.id)
        n_chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        n_sentences = db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
        # the new articles are prepared, written and added to FAISS a block at a time, so that a
        # build holds one block's prepared articles and vectors, not the whole corpus's
        new_counts: list[TermCounts] = []
        new_names: set[str] = set()
        chunks_added = sentences_added = chars = 0
        embed_seconds = annotate_seconds = 0.0
        blocks = article_blocks(new_articles, BLOCK_CHARS)
        tell = BlockProgress(progress, len(new_articles), sum(len(a.text) for a in new_articles)) if progress else None
        for block in blocks:
            prepared = (preparer or LocalPreparer()).prepare(
                block, encoder=encoder, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                progress=tell.block(block) if tell else None)
            check_prepared(prepared, block, encoder.dim)
            rows = insert_prepared(db, prepared, n_chunks=n_chunks, n_sentences=n_sentences)
            # the block's sentence vectors in one array, each held once (the prepared articles'
            # own arrays are views of their embedding batch, dropped here)
            block_vectors = (np.concatenate([p.vectors for p in prepared], axis=0) if prepared
                             else np.zeros((0, encoder.dim), np.float32))
            sentence_store.add(block_vectors)
            if rows.chunks:
                titles = np.stack([p.title_vector for p in prepared])
                local = [(ai, lo - n_sentences, hi - n_sentences) for ai, lo, hi in rows.chunks]
                chunk_store.add(context_vectors(block_vectors, titles, local))
            del block_vectors
            # one string object per distinct token: a list of fresh strings per chunk was the
            # build's largest allocation (about 9 kB per chunk)
            new_counts.append(TermCounts.from_tokens(
                [sys.intern(t) for t in tokens.split()] for p in prepared for tokens in p.tokens))
            new_names |= {m.text for p in prepared for ms in p.mentions for m in ms if m.kind in NAME_KINDS}
            n_chunks += len(rows.chunks)
            n_sentences += rows.sentences
            chunks_added += len(rows.chunks)
            sentences_added += rows.sentences
            chars += rows.chars_embedded
            embed_seconds += sum(p.embed_seconds for p in prepared)
            annotate_seconds += sum(p.seconds for p in prepared)
            del prepared
        sentence_store.as_kind(vector_index).save(tmp / VECTORS)
        chunk_store.as_kind(vector_index).save(tmp / CHUNK_VECTORS)
        del sentence_store, chunk_store

        new = TermCounts.concat(new_counts) if new_counts else TermCounts.empty()
        lexical = write_lexical(tmp, prev[0] if prev else None, db, keep_chunks=keep_chunks, new=new,
                                new_names=new_names, gone=gone, progress=progress, deltas=prev[1:])
        index_pinyin(db)
        db.commit()
        n_articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        if progress:
            progress("done", 1, 1)
        change = IndexChange(added=tuple(a.id for a in new_articles), already_indexed=tuple(a.id for a in skipped),
                             removed=tuple(dict.fromkeys(remove)), chunks_added=chunks_added,
                             sentences_added=sentences_added, chars_embedded=chars,
                             embed_seconds=embed_seconds, annotate_seconds=annotate_seconds,
                             bridge_seconds=lexical.lexicon_seconds, bm25_seconds=lexical.bm25_seconds)
        return change, (n_articles, n_chunks, n_sentences)
    finally:
        db.close()


def _delete_article(db: sqlite3.Connection, article_id: str) -> None:
    db.execute("DELETE FROM mentions WHERE sentence IN (SELECT row FROM sentences WHERE article_id = ?)", (article_id,))
    db.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
    db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
    db.execute("DELETE FROM articles WHERE id = ?", (article_id,))


def _renumber(db: sqlite3.Connection) -> None:
    """Make chunk and sentence rows 0..n-1 again after a removal, keeping their order
    (vector rows are the sentence rows, so the kept vectors line up). One pass per table
    through a mapping table: O(n log n), not a statement per row."""
    for table, refs in (("chunks", (("sentences", "chunk_lo"), ("sentences", "chunk_hi"))),
                        ("sentences", (("chunks", "sent_lo"), ("chunks", "sent_hi"), ("mentions", "sentence")))):
        db.execute("DROP TABLE IF EXISTS temp.renumber")
        db.execute("CREATE TEMP TABLE renumber (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)")
        db.execute(f"INSERT INTO temp.renumber SELECT row, ROW_NUMBER() OVER (ORDER BY row) - 1 FROM {table}")
        db.execute(f"UPDATE {table} SET row = -1 - row")  # out of the way of the new numbers
        db.execute(f"UPDATE {table} SET row = (SELECT new FROM temp.renumber WHERE old = -1 - {table}.row)")
        for other, column in refs:
            db.execute(f"UPDATE {other} SET {column} = (SELECT new FROM temp.renumber WHERE old = {other}.{column})")
        db.execute("DROP TABLE temp.renumber")
