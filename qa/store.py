"""Index: the persisted directory of articles, chunks, vectors and BM25.

Layout of ``index/``::

    manifest.json        what built the index; names the live generation (the commit point)
    gen-000007/          one complete generation
        docs.sqlite      articles, chunks, sentences (sentence ``row`` = FAISS row) and the
                         sentences' annotations (people, organisations, places, dates, quantities)
        vectors.faiss    one normalised vector per sentence; a chunk's dense score is the
                         best of its sentences'
        chunks.faiss     per chunk, the mean of its sentences' vectors plus its title's (English
                         questions also match this context)
        bm25/            bm25s index over the chunks' jieba tokens
        lexicon.json     pinyin keys of the corpus's words and names, for English questions
    .lock                held by the one process that writes

Changes are written by ``qa.build.write_index``: a new generation beside the live
one, then ``manifest.json`` replaced atomically, so a build that is interrupted at
any point leaves the previous index intact and loadable.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from qa.annotate import ANNOTATION_VERSION
from qa.errors import ArticleNotFoundError, IndexFormatError, IndexNotFoundError
from qa.lang.segment import TOKENIZER
from qa.lexical import BM25_PARAMS, BM25Index
from qa.settings import VectorIndexKind
from qa.types import Article, Chunk, Mention, Sentence
from qa.vectors import FaissVectorStore

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
DOCS, VECTORS, BM25_DIR, LEXICON = "docs.sqlite", "vectors.faiss", "bm25", "lexicon.json"
CHUNK_VECTORS = "chunks.faiss"
EMBED_BATCH = 32

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT, author TEXT, date TEXT,
    url TEXT, path TEXT, text TEXT NOT NULL, added_at TEXT NOT NULL);
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
    sentences: int = 0
    tokenizer: str = TOKENIZER
    bm25: dict = field(default_factory=lambda: dict(BM25_PARAMS))
    title_in_passage: bool = True
    annotation_version: int = ANNOTATION_VERSION
    qa_version: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        return {
            "format_version": d.pop("format_version"), "generation": d.pop("generation"),
            "encoder": {"name": d.pop("encoder"), "dim": d.pop("dim")},
            "chunking": {"size": d.pop("chunk_size"), "overlap_sentences": d.pop("chunk_overlap"),
                         "title_in_passage": d.pop("title_in_passage")},
            "vector_index": {"kind": d.pop("vector_index"), "metric": "inner_product", "rows": "sentences",
                             "chunk_context": "mean of the chunk's sentence vectors + its title vector"},
            "counts": {"articles": d.pop("articles"), "chunks": d.pop("chunks"), "sentences": d.pop("sentences")},
            "annotations": {"version": d.pop("annotation_version"),
                            "kinds": ["person", "org", "place", "date", "quantity"]},
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
            chunks=d["counts"]["chunks"], sentences=d["counts"].get("sentences", 0),
            created_at=d["created_at"], updated_at=d["updated_at"],
            tokenizer=d.get("tokenizer", TOKENIZER), bm25=d.get("bm25", {}),
            annotation_version=d.get("annotations", {}).get("version", 0), qa_version=d.get("qa_version", ""),
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


def now() -> str:
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
        self._chunk_vectors: FaissVectorStore | None = None
        self._bm25: BM25Index | None = None
        self._bm25_loaded = False
        self._lexicon: dict | None = None
        self._pinyin: list[tuple[str, str]] | None = None
        self._chunk_sentences: np.ndarray | None = None
        self._sentence_chunks: np.ndarray | None = None

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
    def chunk_vectors(self) -> FaissVectorStore:
        """One context vector per chunk row (its sentences' mean plus its title)."""
        if self._chunk_vectors is None:
            with self._lock:
                if self._chunk_vectors is None:
                    self._chunk_vectors = FaissVectorStore.load(self.dir / CHUNK_VECTORS,
                                                                VectorIndexKind.parse(self.manifest.vector_index))
        return self._chunk_vectors

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

    @property
    def sentence_chunks(self) -> np.ndarray:
        """``(first, last)`` chunk row of every sentence row (a sentence is in one chunk,
        or in two or more neighbours where chunks overlap)."""
        if self._sentence_chunks is None:
            rows = self._query("SELECT chunk_lo, chunk_hi FROM sentences ORDER BY row")
            arr = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
            with self._lock:
                self._sentence_chunks = arr
        return self._sentence_chunks

    @property
    def chunk_sentences(self) -> np.ndarray:
        """``(first, last)`` sentence row of every chunk row."""
        if self._chunk_sentences is None:
            rows = self._query("SELECT sent_lo, sent_hi FROM chunks ORDER BY row")
            arr = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
            with self._lock:
                self._chunk_sentences = arr
        return self._chunk_sentences

    def warm_up(self) -> IndexStore:
        _ = self.db, self.vectors, self.chunk_vectors, self.bm25, self.sentence_chunks, self.chunk_sentences
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

    def names(self) -> list[str]:
        """Every distinct person, organisation and place name the annotations hold."""
        return [r[0] for r in self._query("SELECT DISTINCT text FROM mentions WHERE kind IN ('person', 'org', 'place')")]

    def article_chunks(self, article_id: str) -> list[Chunk]:
        rows = self._query("SELECT row FROM chunks WHERE article_id = ? ORDER BY start_char", (article_id,))
        return self.chunks(r[0] for r in rows)

    def size_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())
