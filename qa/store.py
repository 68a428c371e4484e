"""Index: the persisted directory of articles, chunks, vectors and BM25.

Layout of ``index/``::

    manifest.json        what built the index; names the live generation (the commit point)
    gen-000007/          one complete generation
        docs.sqlite      articles, chunks, sentences (sentence ``row`` = FAISS row), the
                         sentences' annotations (people, organisations, places, dates, quantities)
                         and the lexicon: the pinyin keys of the corpus's words and names, for
                         English questions, with the version of the keying rules
        vectors.faiss    one normalised vector per sentence; a chunk's dense score is the
                         best of its sentences'
        chunks.faiss     per chunk, the mean of its sentences' vectors plus its title's (English
                         questions also match this context)
        bm25/            BM25 over the chunks' jieba tokens, stored as term counts per chunk row
                         (``qa.lexical``: CSR arrays, vocabulary, document lengths; scored at load)
        delta-000009/    what a later change added and removed (``qa.build_append``): its own
                         docs.sqlite, vectors.faiss, chunks.faiss and bm25/ holding just the new
                         rows, numbered after the rows before it, and removed.json, the rows it
                         removed from those before it (``qa.tombstones``); the manifest lists a
                         generation's deltas in order
    .lock                held by the one process that writes
    .leases/gen-000007   readers hold a shared lock on the generation they opened; a writer
                         deletes an old generation only when it can lock it exclusively

Each generation also holds a copy of the manifest that commits it (``qa.manifest``: the manifest,
the files' checksums, the readers' leases), so that a lost or
garbled ``manifest.json`` can be restored from the newest complete generation
(``qa index recover``) instead of the data being rebuilt or lost.

Changes are written by ``qa.build.write_index``: a new generation beside the live
one, then ``manifest.json`` replaced atomically, so a build that is interrupted at
any point leaves the previous index intact and loadable. A change costs what it adds and
removes: the new generation hard-links every file of the live one (files are never
written again once a generation is committed, so sharing them is safe; deleting an old
generation removes only its links) and writes one delta folder of the new rows and the removed
ones' tombstones (rows keep their numbers; every read here skips the removed ones); the manifest
keeps the checksums recorded when the shared files were written and computes only the new
ones'. Deltas grown past a fraction of the base, or removals past a fraction of the rows, write a
whole new base (compaction: the removed rows dropped, the rows numbered 0..n-1 again). BM25 and the lexicon of a new
generation are the previous ones changed by what the change adds and removes
(``qa.build_lexical``): the removed chunks' rows dropped, the new ones' appended, only the
words that enter or leave the corpus keyed or dropped; nothing is tokenised again.

A generation written before term counts (``bm25/`` a bm25s directory of precomputed scores,
a lexicon without a version) or before the lexicon moved into the database (``lexicon.json``)
opens and answers as before; its next change, or ``qa index repair``, writes it in this layout
(the format version is unchanged).
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ArticleNotFoundError, ManifestLostError, QAError
from qa.lexical import BM25Index
from qa.manifest import MANIFEST, Lease, Manifest, check_generation, corrupt, delta_files, read_manifest, segment_dirs
from qa.settings import VectorIndexKind
from qa.tombstones import Removed
from qa.types import Article, Chunk, Mention, Sentence
from qa.vectors import FaissVectorStore, SegmentedVectors

DOCS, VECTORS, BM25_DIR, LEXICON = "docs.sqlite", "vectors.faiss", "bm25", "lexicon.json"
CHUNK_VECTORS = "chunks.faiss"
EMBED_BATCH = 32
# opening a generation checks every file's size; up to this many bytes it also checks their
# SHA-256 (about 0.1 s per 100 MB), so that altered vectors are never answered from
FULL_CHECK_BYTES = 256 * 1024 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT, author TEXT, date TEXT,
    url TEXT, path TEXT, text TEXT NOT NULL, added_at TEXT NOT NULL, date_source TEXT);
CREATE TABLE IF NOT EXISTS chunks (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL REFERENCES articles(id),
    start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, text TEXT NOT NULL, tokens TEXT NOT NULL,
    pinyin TEXT NOT NULL DEFAULT '', sent_lo INTEGER NOT NULL, sent_hi INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS sentences (
    row INTEGER PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id),
    start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, chunk_lo INTEGER NOT NULL, chunk_hi INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sentences_article ON sentences(article_id);
CREATE TABLE IF NOT EXISTS mentions (
    sentence INTEGER NOT NULL, kind TEXT NOT NULL, start_char INTEGER NOT NULL, end_char INTEGER NOT NULL,
    text TEXT NOT NULL, norm TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS mentions_sentence ON mentions(sentence);
CREATE INDEX IF NOT EXISTS mentions_name ON mentions(text) WHERE kind IN ('person', 'org', 'place');
CREATE TABLE IF NOT EXISTS lexicon (key TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (key, word)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lexicon_version (version INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_pinyin USING fts5(pinyin, content='chunks', content_rowid='row');
"""
# the full-text index of the chunks' pinyin (SQLite FTS5 over the chunks table's own column: the index
# only, filled by ``index_pinyin`` when a database is written): the English name bridge finds the
# chunks that hold a name's syllables in it (``IndexStore.pinyin_candidates``) instead of keeping every
# chunk's pinyin in memory and scanning it
PINYIN_INDEX = "chunk_pinyin"


def index_pinyin(db: sqlite3.Connection) -> None:
    """Fill the full-text index of the chunks' pinyin from the chunks ``db`` holds now."""
    db.execute(f"INSERT INTO {PINYIN_INDEX}({PINYIN_INDEX}) VALUES ('rebuild')")
NAME_KINDS = ("person", "org", "place")  # the mentions the lexicon keys (and mentions_name indexes)


ARTICLE_COLUMNS = "id, text, title, source, author, date, url, path, date_source"


Query = Callable[..., list[tuple]]  # (sql, args=()) -> rows


def _runner(db: sqlite3.Connection | Query) -> Query:
    """``db`` as a function running a query: a connection, or such a function already (the
    store's, which serialises statements on its shared connection)."""
    return (lambda sql, args=(): db.execute(sql, args).fetchall()) if isinstance(db, sqlite3.Connection) else db


def lexicon_version(db: sqlite3.Connection | Query) -> int | None:
    """The version of the keying rules of the lexicon a generation's database holds; None when
    it holds none (written before the lexicon moved into the database)."""
    query = _runner(db)
    if not query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lexicon_version'"):
        return None
    rows = query("SELECT version FROM lexicon_version")
    return int(rows[0][0]) if rows else None


class LexiconTable(Mapping):
    """A generation's pinyin lexicon (key -> its words, sorted), read from the database (a
    connection, or the store's query function) one key at a time: nothing is loaded whole (at
    10k chunks the app held 32 MB less after questions than with the dictionary). Equal to the
    dictionary ``qa.lang.pinyin.build_lexicon`` makes of the same words."""

    def __init__(self, db: sqlite3.Connection | Query) -> None:
        self._query = _runner(db)

    def __getitem__(self, key: str) -> list[str]:
        # sorted here too: a generation with deltas answers from each database in turn
        words = sorted({w for (w,) in self._query("SELECT word FROM lexicon WHERE key = ?", (key,))})
        if not words:
            raise KeyError(key)
        return words

    def __contains__(self, key: object) -> bool:
        return bool(self._query("SELECT 1 FROM lexicon WHERE key = ? LIMIT 1", (key,)))

    def __iter__(self):
        return iter(sorted({k for (k,) in self._query("SELECT DISTINCT key FROM lexicon")}))

    def __len__(self) -> int:
        return len({k for (k,) in self._query("SELECT DISTINCT key FROM lexicon")})


def article_columns(db: sqlite3.Connection) -> str:
    """``ARTICLE_COLUMNS`` to select from ``db``'s articles; an index written before
    ``date_source`` was stored reads as NULL there (its format is otherwise the same)."""
    return _columns_of({r[1] for r in db.execute("PRAGMA table_info(articles)")})


def _columns_of(have: set[str]) -> str:
    return ARTICLE_COLUMNS if "date_source" in have else ARTICLE_COLUMNS.replace("date_source", "NULL")


def passage_text(title: str, chunk_text: str) -> str:
    """What is embedded and BM25-indexed for a chunk: its article's title gives the
    chunk context it may not state itself (whose visit, which forum)."""
    return f"{title}\n{chunk_text}" if title else chunk_text


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
    date_source: str | None = None


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)


def load_vectors(segments: Sequence[Path], name: str, kind: str, *,
                 removed: np.ndarray | None = None) -> FaissVectorStore | SegmentedVectors:
    """The FAISS file ``name`` of each segment folder, read as one store; searches skip the
    ``removed`` rows (``qa.tombstones``)."""
    parts = [FaissVectorStore.load(d / name, VectorIndexKind.parse(kind)) for d in segments]
    store = parts[0] if len(parts) == 1 else SegmentedVectors(parts)
    if removed is not None and len(removed):
        store.exclude(removed)
    return store


class IndexStore:
    """A loaded generation of an index; read-only. Changes go through ``write_index``."""

    def __init__(self, root: Path, manifest: Manifest, lease: Lease | None = None) -> None:
        self.root = Path(root)
        self.manifest = manifest
        self._lease = lease
        self.dir = self.root / manifest.generation
        self._lock = threading.Lock()  # lazy loading
        self._db_lock = threading.Lock()  # one statement at a time on the shared connection
        self._db: sqlite3.Connection | None = None
        self._delta_dbs: list[sqlite3.Connection] = []
        self._vectors: FaissVectorStore | SegmentedVectors | None = None
        self._chunk_vectors: FaissVectorStore | SegmentedVectors | None = None
        self._bm25: BM25Index | None = None
        self._bm25_loaded = False
        self._lexicon: dict | None = None
        self._chunk_sentences: np.ndarray | None = None
        self._sentence_chunks: np.ndarray | None = None
        self._pinyin_indexed: bool | None = None  # every database has the pinyin's full-text index
        self._columns: str | None = None
        self._removed: Removed | None = None

    @classmethod
    def open(cls, root: str | Path) -> IndexStore:
        """Open the live generation. Raises IndexNotFoundError or IndexMismatchError."""
        root = Path(root)
        for _ in range(5):  # a writer may retire the generation between reading the manifest and the lease
            manifest = read_manifest(root)
            lease = Lease(root, manifest.generation)
            folder = root / manifest.generation
            if folder.is_dir():
                size = sum(f["size"] for f in (manifest.files or {}).values())
                # the deltas' files always: they are small, and what the latest changes wrote
                problems = check_generation(root, manifest, changed=True,
                                            full=size <= FULL_CHECK_BYTES or delta_files(manifest))
                if not (folder / DOCS).is_file() and not problems:
                    problems = [f"{folder / DOCS} is missing"]
                if problems:
                    lease.release()
                    raise corrupt(root, problems)
                return cls(root, manifest, lease)
            lease.release()
            if read_manifest(root).generation == manifest.generation:
                break
        raise ManifestLostError(f"{root}/{MANIFEST} names {manifest.generation}, which is missing; "
                               f"restore the newest complete generation: qa index recover --index-dir {root}")

    def is_current(self) -> bool:
        """False once another writer has committed a newer generation."""
        try:
            return json.loads((self.root / MANIFEST).read_text("utf-8")).get("generation") == self.manifest.generation
        except (OSError, json.JSONDecodeError):
            return True

    # -- lazily loaded parts -------------------------------------------------
    @property
    def segments(self) -> list[Path]:
        """The generation's base folder and its delta folders, in row order."""
        return segment_dirs(self.root, self.manifest)

    @property
    def removed(self) -> Removed:
        """What the generation's deltas removed (``qa.tombstones``): hidden from every read."""
        if self._removed is None:
            with self._reading("removed.json"):
                self._removed = Removed.of(self.segments)
        return self._removed

    @property
    def db(self) -> sqlite3.Connection:
        """The base database (a generation with deltas has one more per delta: ``_query`` reads all),
        read without the rows later changes removed."""
        if self._db is None:
            removed = self.removed
            with self._lock:
                if self._db is None:
                    dbs = [_connect_ro(d / DOCS) for d in self.segments]
                    if removed:
                        for i, db in enumerate(dbs):
                            removed.hide(db, i)
                    self._delta_dbs = dbs[1:]
                    self._db = dbs[0]
        return self._db

    @property
    def vectors(self) -> FaissVectorStore | SegmentedVectors:
        if self._vectors is None:
            removed = self.removed.sentence_rows
            with self._lock:
                if self._vectors is None:
                    with self._reading(VECTORS):
                        self._vectors = load_vectors(self.segments, VECTORS, self.manifest.vector_index,
                                                     removed=removed)
        return self._vectors

    @property
    def chunk_vectors(self) -> FaissVectorStore | SegmentedVectors:
        """One context vector per chunk row (its sentences' mean plus its title)."""
        if self._chunk_vectors is None:
            removed = self.removed.chunk_rows
            with self._lock:
                if self._chunk_vectors is None:
                    with self._reading(CHUNK_VECTORS):
                        self._chunk_vectors = load_vectors(self.segments, CHUNK_VECTORS, self.manifest.vector_index,
                                                           removed=removed)
        return self._chunk_vectors

    @property
    def bm25(self) -> BM25Index | None:
        """None for an empty index."""
        if not self._bm25_loaded:
            removed = self.removed.chunk_rows
            with self._lock:
                if not self._bm25_loaded:
                    base, *deltas = (d / BM25_DIR for d in self.segments)
                    with self._reading(BM25_DIR):
                        self._bm25 = (BM25Index.load(base, deltas=deltas, removed=removed) if base.is_dir()
                                      else None)
                    self._bm25_loaded = True
        return self._bm25

    @property
    def lexicon(self) -> dict:
        """Build-time vocabulary data for the English bridges (``{"pinyin": {key: [words]}}``):
        a view that reads the database key by key (``LexiconTable``), or for a generation written
        before the lexicon moved there, its ``lexicon.json`` loaded whole."""
        if self._lexicon is None:
            in_db = lexicon_version(self._query) is not None  # (opens the connection: not under the lock)
            with self._lock:
                if self._lexicon is None:
                    if in_db:
                        self._lexicon = {"pinyin": LexiconTable(self._query)}
                    else:
                        p = self.dir / LEXICON
                        with self._reading(LEXICON):
                            raw = json.loads(p.read_text("utf-8")) if p.is_file() else {}
                            self._lexicon = {"pinyin": raw.get("pinyin", {})}
        return self._lexicon

    @property
    def transliterations(self) -> list[tuple[str, str]]:
        """``(chunk text, its pinyin)`` of every chunk, for finding names jieba split. Read
        from the database each time, not kept: the English bridge reads it once and keeps it
        joined (``qa.bridges.pinyin.SyllableScan``); a second copy here took ~340 MB at 100k chunks."""
        return [(t, p) for t, p in self._query("SELECT text, pinyin FROM chunks ORDER BY row")]

    def pinyin_candidates(self, syllables: str) -> list[tuple[str, str]] | None:
        """``(chunk text, its pinyin)`` of the chunks whose pinyin holds ``syllables`` (space-separated,
        one after another; a superset: the full-text index skips the marks between them), removed
        ones left out; None when a database of the generation has no such index (written before it)."""
        if self._pinyin_indexed is None:
            have = self._query(f"SELECT 1 FROM sqlite_master WHERE name = '{PINYIN_INDEX}'")
            self._pinyin_indexed = len(have) == 1 + len(self._delta_dbs)
        if not self._pinyin_indexed:
            return None
        phrase = '"' + " ".join(re.findall(r"[a-z]+", syllables.lower())) + '"'
        return [(t, p) for t, p in self._query(
            f"SELECT c.text, c.pinyin FROM {PINYIN_INDEX} f JOIN chunks c ON c.row = f.rowid "
            f"WHERE {PINYIN_INDEX} MATCH ? ORDER BY c.row", (phrase,))]

    @property
    def sentence_chunks(self) -> np.ndarray:
        """``(first, last)`` chunk row of every sentence row (a sentence is in one chunk,
        or in two or more neighbours where chunks overlap); removed rows included, never found."""
        if self._sentence_chunks is None:
            rows = self._query("SELECT chunk_lo, chunk_hi FROM main.sentences ORDER BY row")
            arr = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
            with self._lock:
                self._sentence_chunks = arr
        return self._sentence_chunks

    @property
    def chunk_sentences(self) -> np.ndarray:
        """``(first, last)`` sentence row of every chunk row (removed rows included)."""
        if self._chunk_sentences is None:
            rows = self._query("SELECT sent_lo, sent_hi FROM main.chunks ORDER BY row")
            arr = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
            with self._lock:
                self._chunk_sentences = arr
        return self._chunk_sentences

    def warm_up(self) -> IndexStore:
        _ = self.db, self.vectors, self.chunk_vectors, self.bm25, self.sentence_chunks, self.chunk_sentences
        return self

    def close(self) -> None:
        """Close the database and release the generation (a writer may then delete it)."""
        if self._db is not None:
            for db in (self._db, *self._delta_dbs):
                db.close()
            self._db, self._delta_dbs = None, []
        if self._lease is not None:
            self._lease.release()

    # -- reads -----------------------------------------------------------------
    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        """The rows of ``sql`` from the base database, then from each delta's. An article's rows
        are all in one database and a delta's rows come after those before it, so a query per
        article (joins included) or in row order reads as over one database; callers merge
        what spans databases (distinct values, counts)."""
        db = self.db
        with self._db_lock, self._reading(DOCS):
            rows = db.execute(sql, args).fetchall()
            for delta in self._delta_dbs:
                rows += delta.execute(sql, args).fetchall()
            return rows

    @contextlib.contextmanager
    def _reading(self, name: str):
        """Turn a failure to read one of the generation's files into one clear error."""
        try:
            yield
        except QAError:
            raise
        except (sqlite3.DatabaseError, OSError, RuntimeError, ValueError, KeyError, IndexError, EOFError) as e:
            raise corrupt(self.root, [f"{self.dir / name} cannot be read ({type(e).__name__}: {e})"]) from None

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

    def sentences(self, rows: Iterable[int]) -> list[Sentence]:
        """Sentences at the given rows with their annotations, in the order asked."""
        rows = [int(r) for r in dict.fromkeys(rows)]
        if not rows:
            return []
        found: dict[int, tuple] = {}
        notes: dict[int, list[Mention]] = {}
        for i in range(0, len(rows), 500):
            part = rows[i: i + 500]
            marks = ",".join("?" * len(part))
            q = ("SELECT s.row, s.article_id, s.start_char, s.end_char, substr(a.text, s.start_char + 1, "
                 f"s.end_char - s.start_char) FROM sentences s JOIN articles a ON a.id = s.article_id WHERE s.row IN ({marks})")
            for r, aid, st, en, text in self._query(q, part):
                found[r] = (aid, st, en, text)
            q = f"SELECT sentence, kind, start_char, end_char, text, norm FROM mentions WHERE sentence IN ({marks}) ORDER BY rowid"
            for r, kind, st, en, text, norm in self._query(q, part):
                notes.setdefault(r, []).append(Mention(kind, st, en, text, norm))
        return [Sentence(row=r, article_id=found[r][0], start=found[r][1], end=found[r][2], text=found[r][3],
                         mentions=tuple(notes.get(r, ()))) for r in rows if r in found]

    def sentence_vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of sentence rows, in the order asked."""
        return self.vectors.reconstruct(rows)

    @property
    def _article_columns(self) -> str:
        """``article_columns`` of this generation (read once)."""
        if self._columns is None:
            self._columns = _columns_of({r[1] for r in self._query("PRAGMA table_info(articles)")})
        return self._columns

    def article(self, article_id: str) -> Article:
        rows = self._query(f"SELECT {self._article_columns} FROM articles WHERE id = ?", (article_id,))
        if not rows:
            raise ArticleNotFoundError(f"no article with id {article_id!r} in {self.root}; list them: qa index info --articles")
        i, text, title, source, author, date, url, path, date_source = rows[0]
        return Article(id=i, text=text, title=title, source=source, author=author, date=date, url=url, path=path,
                       date_source=date_source)

    def articles(self) -> list[ArticleInfo]:
        date_source = "a.date_source" if "date_source" in self._article_columns else "NULL"
        q = (f"SELECT a.id, a.title, a.source, a.author, a.date, a.path, length(a.text), COUNT(c.row), "
             f"{date_source} FROM articles a LEFT JOIN chunks c ON c.article_id = a.id GROUP BY a.id "
             "ORDER BY MIN(c.row)")
        return [ArticleInfo(*r) for r in self._query(q)]

    def names(self) -> list[str]:
        """Every distinct person, organisation and place name the annotations hold."""
        return list(dict.fromkeys(
            r[0] for r in self._query("SELECT DISTINCT text FROM mentions WHERE kind IN ('person', 'org', 'place')")))

    def date_mentions(self) -> list[tuple[str, str, int, int]]:
        """Every stored event date: (ISO norm, article id, first chunk row, last chunk row of its sentence)."""
        q = ("SELECT m.norm, s.article_id, s.chunk_lo, s.chunk_hi FROM mentions m JOIN sentences s ON s.row = m.sentence "
             "WHERE m.kind = 'date' AND m.norm != ''")
        return [(n, a, lo, hi) for n, a, lo, hi in self._query(q)]

    def chunk_rows_of(self, article_ids: Iterable[str]) -> np.ndarray:
        """The chunk rows of the given articles."""
        ids = list(article_ids)
        rows: list[int] = []
        for i in range(0, len(ids), 500):
            part = ids[i: i + 500]
            q = f"SELECT row FROM chunks WHERE article_id IN ({','.join('?' * len(part))})"
            rows += [r for (r,) in self._query(q, part)]
        return np.array(sorted(rows), dtype=np.int64)

    def article_chunks(self, article_id: str) -> list[Chunk]:
        rows = self._query("SELECT row FROM chunks WHERE article_id = ? ORDER BY start_char", (article_id,))
        return self.chunks(r[0] for r in rows)

    def size_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())
