"""Index: the persisted directory of articles, chunks, vectors and BM25.

Layout of ``index/``::

    manifest.json        what built the index; names the live generation (the commit point)
    gen-000007/          one complete generation
        docs.sqlite      articles and chunks (chunk ``row`` = FAISS row)
        vectors.faiss    normalised chunk vectors
        bm25/            bm25s index over jieba tokens
    .lock                held by the one process that writes

Every change writes a new generation beside the live one and then replaces
``manifest.json`` atomically, so a build that is interrupted at any point leaves
the previous index intact and loadable. The previous generation is kept until the
next change, so readers that opened it keep working.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from qa.bridges.pinyin import build_lexicon, names_in, transliterate
from qa.chunking import chunk_article
from qa.encoders import Encoder
from qa.errors import ArticleNotFoundError, EncoderMismatchError, IndexFormatError, IndexNotFoundError
from qa.lexical import BM25_PARAMS, TOKENIZER, BM25Index, tokenize
from qa.settings import VectorIndexKind
from qa.types import Article, Chunk
from qa.vectors import FaissVectorStore

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCS, VECTORS, BM25_DIR, LEXICON = "docs.sqlite", "vectors.faiss", "bm25", "lexicon.json"
EMBED_BATCH = 32

Progress = Callable[[str, int, int], None]  # (stage, done, total)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT, author TEXT, date TEXT,
    url TEXT, path TEXT, text TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL REFERENCES articles(id),
    start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, text TEXT NOT NULL, tokens TEXT NOT NULL,
    names TEXT NOT NULL DEFAULT '', pinyin TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
"""


def passage_text(title: str, chunk_text: str) -> str:
    """What is embedded and BM25-indexed for a chunk: its article's title gives the
    chunk context it may not state itself (whose visit, which forum)."""
    return f"{title}\n{chunk_text}" if title else chunk_text


@dataclass(frozen=True)
class Manifest:
    format_version: int
    generation: str
    encoder: str
    dim: int
    chunk_size: int
    chunk_overlap: int
    vector_index: str
    articles: int
    chunks: int
    created_at: str
    updated_at: str
    tokenizer: str = TOKENIZER
    bm25: dict = field(default_factory=lambda: dict(BM25_PARAMS))
    title_in_passage: bool = True
    qa_version: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        return {
            "format_version": d.pop("format_version"), "generation": d.pop("generation"),
            "encoder": {"name": d.pop("encoder"), "dim": d.pop("dim")},
            "chunking": {"size": d.pop("chunk_size"), "overlap_sentences": d.pop("chunk_overlap"),
                         "title_in_passage": d.pop("title_in_passage")},
            "vector_index": {"kind": d.pop("vector_index"), "metric": "inner_product"},
            "counts": {"articles": d.pop("articles"), "chunks": d.pop("chunks")},
            **d,
        }

    @classmethod
    def from_json(cls, d: dict) -> Manifest:
        return cls(
            format_version=d["format_version"], generation=d["generation"],
            encoder=d["encoder"]["name"], dim=d["encoder"]["dim"],
            chunk_size=d["chunking"]["size"], chunk_overlap=d["chunking"]["overlap_sentences"],
            title_in_passage=d["chunking"].get("title_in_passage", True),
            vector_index=d["vector_index"]["kind"], articles=d["counts"]["articles"],
            chunks=d["counts"]["chunks"], created_at=d["created_at"], updated_at=d["updated_at"],
            tokenizer=d.get("tokenizer", TOKENIZER), bm25=d.get("bm25", {}), qa_version=d.get("qa_version", ""),
        )


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    title: str
    source: str | None
    author: str | None
    date: str | None
    path: str | None
    chars: int
    chunks: int


@dataclass(frozen=True)
class IndexChange:
    """What a write did."""

    added: tuple[str, ...] = ()  # article ids
    already_indexed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    chunks_added: int = 0
    chars_embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    bridge_seconds: float = 0.0  # names, pinyin lexicon and transliteration for English questions


def read_manifest(root: Path) -> Manifest:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise IndexNotFoundError(f"no index at {root} (no {MANIFEST}); build one: qa index build data/ --index-dir {root}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        version = raw.get("format_version")
    except (json.JSONDecodeError, AttributeError) as e:
        raise IndexFormatError(f"{path} is not a valid manifest ({e}); rebuild: qa index build data/ --index-dir {root}") from None
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"the index at {root} has format version {version}, this version of qa reads {FORMAT_VERSION}; "
            f"rebuild it: qa index build data/ --index-dir {root}")
    return Manifest.from_json(raw)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class IndexStore:
    """A loaded generation of an index; read-only. Changes go through ``write_index``."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = Path(root)
        self.manifest = manifest
        self.dir = self.root / manifest.generation
        self._lock = threading.Lock()  # lazy loading
        self._db_lock = threading.Lock()  # one statement at a time on the shared connection
        self._db: sqlite3.Connection | None = None
        self._vectors: FaissVectorStore | None = None
        self._bm25: BM25Index | None = None
        self._bm25_loaded = False
        self._lexicon: dict | None = None
        self._pinyin: list[tuple[str, str]] | None = None

    @classmethod
    def open(cls, root: str | Path) -> IndexStore:
        """Open the live generation. Raises IndexNotFoundError or IndexMismatchError."""
        root = Path(root)
        manifest = read_manifest(root)
        if not (root / manifest.generation / DOCS).is_file():
            raise IndexFormatError(f"{root}/{MANIFEST} names {manifest.generation}, which is missing; "
                                     f"rebuild: qa index build data/ --index-dir {root}")
        return cls(root, manifest)

    def is_current(self) -> bool:
        """False once another writer has committed a newer generation."""
        try:
            return json.loads((self.root / MANIFEST).read_text("utf-8")).get("generation") == self.manifest.generation
        except (OSError, json.JSONDecodeError):
            return True

    # -- lazily loaded parts -------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            with self._lock:
                if self._db is None:
                    uri = (self.dir / DOCS).resolve().as_uri() + "?mode=ro"
                    self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return self._db

    @property
    def vectors(self) -> FaissVectorStore:
        if self._vectors is None:
            with self._lock:
                if self._vectors is None:
                    self._vectors = FaissVectorStore.load(self.dir / VECTORS,
                                                          VectorIndexKind.parse(self.manifest.vector_index))
        return self._vectors

    @property
    def bm25(self) -> BM25Index | None:
        """None for an empty index."""
        if not self._bm25_loaded:
            with self._lock:
                if not self._bm25_loaded:
                    p = self.dir / BM25_DIR
                    self._bm25 = BM25Index.load(p) if p.is_dir() else None
                    self._bm25_loaded = True
        return self._bm25

    @property
    def lexicon(self) -> dict:
        """Build-time vocabulary data for the English bridges (``{"pinyin": {key: [words]}}``)."""
        if self._lexicon is None:
            with self._lock:
                if self._lexicon is None:
                    p = self.dir / LEXICON
                    self._lexicon = json.loads(p.read_text("utf-8")) if p.is_file() else {"pinyin": {}}
        return self._lexicon

    @property
    def transliterations(self) -> list[tuple[str, str]]:
        """``(chunk text, its pinyin)`` of every chunk, for finding names jieba split."""
        if self._pinyin is None:
            rows = [(t, p) for t, p in self._query("SELECT text, pinyin FROM chunks ORDER BY row")]
            with self._lock:  # (not held while querying: the connection opens under it)
                if self._pinyin is None:
                    self._pinyin = rows
        return self._pinyin

    def warm_up(self) -> IndexStore:
        _ = self.db, self.vectors, self.bm25
        return self

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- reads -----------------------------------------------------------------
    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        db = self.db
        with self._db_lock:
            return db.execute(sql, args).fetchall()

    def chunks(self, rows: Iterable[int]) -> list[Chunk]:
        """Chunks at the given rows, in the order asked."""
        rows = [int(r) for r in rows]
        if not rows:
            return []
        found = {}
        for i in range(0, len(rows), 500):
            part = rows[i: i + 500]
            q = f"SELECT row, id, article_id, start_char, end_char, text FROM chunks WHERE row IN ({','.join('?' * len(part))})"
            for r, cid, aid, s, e, t in self._query(q, part):
                found[r] = Chunk(id=cid, article_id=aid, start=s, end=e, text=t)
        return [found[r] for r in rows if r in found]

    def article(self, article_id: str) -> Article:
        rows = self._query("SELECT id, text, title, source, author, date, url, path FROM articles WHERE id = ?",
                           (article_id,))
        if not rows:
            raise ArticleNotFoundError(f"no article with id {article_id!r} in {self.root}; list them: qa index info --articles")
        i, text, title, source, author, date, url, path = rows[0]
        return Article(id=i, text=text, title=title, source=source, author=author, date=date, url=url, path=path)

    def articles(self) -> list[ArticleInfo]:
        q = ("SELECT a.id, a.title, a.source, a.author, a.date, a.path, length(a.text), COUNT(c.row) "
             "FROM articles a LEFT JOIN chunks c ON c.article_id = a.id GROUP BY a.id ORDER BY MIN(c.row)")
        return [ArticleInfo(*r) for r in self._query(q)]

    def article_chunks(self, article_id: str) -> list[Chunk]:
        rows = self._query("SELECT row FROM chunks WHERE article_id = ? ORDER BY start_char", (article_id,))
        return self.chunks(r[0] for r in rows)

    def size_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())


# -- writing ---------------------------------------------------------------------

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


def _fsync_tree(path: Path) -> None:
    for f in path.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
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
    """Remove generations other than ``keep`` and unfinished ones of dead writers."""
    for p in root.iterdir():
        if p.is_dir() and (p.name.startswith(".gen-") or p.name.startswith("gen-")) and p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)


def write_index(root: str | Path, *, encoder: Encoder, add: Sequence[Article] = (),
                remove: Sequence[str] = (), replace: bool = False, chunk_size: int = 300,
                chunk_overlap: int = 1, vector_index: VectorIndexKind = VectorIndexKind.FLAT,
                progress: Progress | None = None) -> IndexChange:
    """Apply a change as a new generation and commit it atomically.

    Args:
        add: articles to index; ones already indexed (same id) are skipped.
        remove: article ids to drop. An unknown id raises ArticleNotFoundError
            before anything is written.
        replace: start from an empty index instead of the live one (``qa index build``).
        chunk_size, chunk_overlap, vector_index: used for a new index; an existing
            index keeps the settings in its manifest.

    Raises:
        IndexMismatchError: the live index was built with another encoder or dimension.
    """
    root = Path(root)
    t0 = time.perf_counter()
    with writer_lock(root):
        current: Manifest | None = None
        if (root / MANIFEST).exists() and not replace:
            current = read_manifest(root)
            if current.encoder != encoder.name or current.dim != encoder.dim:
                raise EncoderMismatchError(
                    f"the index at {root} was built with encoder {current.encoder!r} (dim {current.dim}), "
                    f"not {encoder.name!r} (dim {encoder.dim}); use --encoder {current.encoder} "
                    f"or rebuild: qa index build PATH... --index-dir {root} --encoder {encoder.name}")
            chunk_size, chunk_overlap = current.chunk_size, current.chunk_overlap
            vector_index = VectorIndexKind.parse(current.vector_index)
        live = _live_generation(root)
        _clean(root, {live} if live else set())
        gen = _next_generation(root, live)
        tmp = root / f".{gen}.tmp-{os.getpid()}"
        tmp.mkdir()
        try:
            change, counts = _build_generation(
                tmp, root / current.generation if current else None, encoder=encoder, add=add,
                remove=remove, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                vector_index=vector_index, progress=progress)
            _fsync_tree(tmp)
            os.rename(tmp, root / gen)
            from qa import __version__

            now = _now()
            manifest = Manifest(
                format_version=FORMAT_VERSION, generation=gen, encoder=encoder.name, dim=encoder.dim,
                chunk_size=chunk_size, chunk_overlap=chunk_overlap, vector_index=str(vector_index),
                articles=counts[0], chunks=counts[1], created_at=current.created_at if current else now,
                updated_at=now, qa_version=__version__)
            tmp_manifest = root / f".{MANIFEST}.tmp-{os.getpid()}"
            with open(tmp_manifest, "w", encoding="utf-8") as fh:
                json.dump(manifest.to_json(), fh, ensure_ascii=False, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_manifest, root / MANIFEST)  # the commit
            _fsync_dir(root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _clean(root, {gen, live} if live else {gen})
    return dataclasses.replace(change, seconds=time.perf_counter() - t0)


def _build_generation(tmp: Path, prev: Path | None, *, encoder: Encoder, add: Sequence[Article],
                      remove: Sequence[str], chunk_size: int, chunk_overlap: int,
                      vector_index: VectorIndexKind, progress: Progress | None) -> tuple[IndexChange, tuple[int, int]]:
    db = sqlite3.connect(tmp / DOCS)
    try:
        if prev is not None:
            src = sqlite3.connect(f"{(prev / DOCS).resolve().as_uri()}?mode=ro", uri=True)
            src.backup(db)
            src.close()
            old_vectors = FaissVectorStore.load(prev / VECTORS, vector_index).vectors()
        else:
            old_vectors = np.zeros((0, encoder.dim), dtype=np.float32)
        db.executescript(_SCHEMA)

        # removals first, so that "remove then re-add" of one article works in one change
        existing = {r[0] for r in db.execute("SELECT id FROM articles")}
        missing = [a for a in remove if a not in existing]
        if missing:
            raise ArticleNotFoundError(f"no article with id {missing[0]!r} in the index; nothing was changed")
        keep = np.ones(len(old_vectors), dtype=bool)
        for aid in dict.fromkeys(remove):
            for (row,) in db.execute("SELECT row FROM chunks WHERE article_id = ?", (aid,)):
                keep[row] = False
            db.execute("DELETE FROM chunks WHERE article_id = ?", (aid,))
            db.execute("DELETE FROM articles WHERE id = ?", (aid,))
            existing.discard(aid)
        rows = [r[0] for r in db.execute("SELECT row FROM chunks ORDER BY row")]
        for new, old in enumerate(rows):  # ascending, so a new row number is always free
            if new != old:
                db.execute("UPDATE chunks SET row = ? WHERE row = ?", (new, old))
        vectors = [old_vectors[keep]]

        new_articles, skipped = [], []
        for a in add:
            (skipped if a.id in existing else new_articles).append(a)
            existing.add(a.id)
        base = len(rows)
        texts: list[str] = []
        bridge_seconds = 0.0
        now = _now()
        for a in new_articles:
            db.execute("INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?)",
                       (a.id, a.title, a.source, a.author, a.date, a.url, a.path, a.text, now))
            for c in chunk_article(a, size=chunk_size, overlap=chunk_overlap):
                passage = passage_text(a.title, c.text)
                t_bridge = time.perf_counter()
                found, pinyin = " ".join(names_in(c.text)), transliterate(c.text)
                bridge_seconds += time.perf_counter() - t_bridge
                db.execute("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?)",
                           (base + len(texts), c.id, a.id, c.start, c.end, c.text, " ".join(tokenize(passage)),
                            found, pinyin))
                texts.append(passage)

        t_embed = time.perf_counter()
        for i in range(0, len(texts), EMBED_BATCH):
            vectors.append(encoder.encode_passages(texts[i: i + EMBED_BATCH]))
            if progress:
                progress("embedding", min(i + EMBED_BATCH, len(texts)), len(texts))
        embed_seconds = time.perf_counter() - t_embed
        all_vectors = np.concatenate(vectors, axis=0) if vectors else old_vectors
        FaissVectorStore.from_vectors(all_vectors, encoder.dim, vector_index).save(tmp / VECTORS)

        if progress:
            progress("bm25", 0, 1)
        corpus, names = [], set()
        for tokens, found in db.execute("SELECT tokens, names FROM chunks ORDER BY row"):
            corpus.append(tokens.split())
            names.update(found.split())
        if corpus:
            BM25Index.build(corpus).save(tmp / BM25_DIR)
        if progress:
            progress("lexicon", 0, 1)
        vocab = {t for doc in corpus for t in doc}
        t_bridge = time.perf_counter()
        with open(tmp / LEXICON, "w", encoding="utf-8") as fh:
            json.dump({"pinyin": build_lexicon(sorted(vocab | names))}, fh, ensure_ascii=False)
        bridge_seconds += time.perf_counter() - t_bridge
        db.commit()
        n_articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        if progress:
            progress("done", 1, 1)
        change = IndexChange(added=tuple(a.id for a in new_articles), already_indexed=tuple(a.id for a in skipped),
                             removed=tuple(dict.fromkeys(remove)), chunks_added=len(texts),
                             chars_embedded=sum(map(len, texts)), embed_seconds=embed_seconds,
                             bridge_seconds=bridge_seconds)
        return change, (n_articles, len(corpus))
    finally:
        db.close()
