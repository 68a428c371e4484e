"""The Milvus store: the whole index in Milvus collections, read through ``qa.stores.Store``.

``QA_STORE=milvus:index/milvus.db`` is a Milvus Lite file (embedded, no server);
``QA_STORE=milvus:http://host:19530`` (``QA_MILVUS_TOKEN``) a Milvus server or cluster: the
same ``MilvusClient`` calls reach both. Collections (one row per...)::

    qa_meta       the manifest (the commit point) and the row counters
    qa_articles   article: metadata (with where its rows are: ``qa.milvus_write._Own``), date,
                  chars, chunk count
    qa_texts      article text in parts (a VARCHAR holds at most 65,535 bytes); part < 0: the
                  article's vocabulary record (``qa.milvus_write._Own``)
    qa_chunks     chunk: offsets, text, jieba tokens, the tokens' codes -> BM25 sparse vector
                  (the engine's BM25 function, tokenizer jieba), pinyin, context vector, its
                  sentence rows
    qa_sentences  sentence: offsets, vector, annotations (JSON), its chunk rows
    qa_terms      vocabulary: chunk frequency, name count, pinyin keys (the English bridges'
                  lexicon and the answer step's idf)

Only what works on Milvus Lite and on a server: AUTOINDEX for dense vectors (the BM25 sparse
field takes SPARSE_INVERTED_INDEX, which Milvus Lite 3.x requires), ``load_collection`` after
connecting, scalar filters, delete by filter, ranking by scores: BM25 scores are used by their
order and magnitude (Milvus Lite returns them negated; never compared with a threshold).

BM25 equals the local store's: the engine indexes each chunk's jieba tokens (cut once, at
build time, as the local store cuts them) written as codes (``term_code``: letters and digits,
which jieba and the standard tokenizer keep whole), so its analyzer cannot cut them again, and
the index takes the local store's k1 and b; a question term is searched by its code and its
score divided by ``k1 + 1``, the factor the engine's formula has and the local one does not.

Every chunk, sentence, text and article row carries the generation of the change that wrote
it; a reader sees the rows of generations ``base..gen`` of the manifest it opened, so an
addition is invisible until its manifest row commits, and a writer that died mid-change left
rows no reader sees (the next writer deletes them). Writes: ``qa.milvus_write``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ArticleNotFoundError, IndexFormatError, IndexNotFoundError, QAError
from qa.lexical import BM25_PARAMS
from qa.manifest import FORMAT_VERSION, Manifest
from qa.store import ArticleInfo
from qa.types import Article, Chunk, Mention, Sentence

PREFIX = "qa_"
META, ARTICLES, TEXTS, CHUNKS, SENTENCES, TERMS = (PREFIX + n for n in (
    "meta", "articles", "texts", "chunks", "sentences", "terms"))
COLLECTIONS = (META, ARTICLES, TEXTS, CHUNKS, SENTENCES, TERMS)
ANALYZER = {"tokenizer": "jieba"}
MAX_VARCHAR = 65535
TEXT_PART = 16000  # characters of article text per qa_texts row (at most 4 bytes each)
BATCH = 1000  # rows per lookup by primary key, per insert
MAX_TOPK = 16384  # the most hits one Milvus search returns
MARKER_DIM = 2  # Milvus wants a vector field in every collection; tables without one get this
# chunks scored per question term: a term contributes to its best this-many chunks (all of them,
# as in the local store, while it occurs in fewer: the most one search returns)
BM25_TERM_HITS = MAX_TOPK
# how the chunks' BM25 field is written (State.layout); a store of another layout is migrated again
LAYOUT = 2  # 2: tokens as codes, the local store's k1 and b (1: jieba cut the stored tokens again)


def _connect_error(target: str, e: Exception) -> QAError:
    if "://" not in target:
        return QAError(f"cannot open the Milvus Lite file {target!r} ({type(e).__name__}: {e}); Milvus Lite opens a "
                       f"file in one process at a time (is another qa process or the app using it?); for several "
                       f"processes use a Milvus server: QA_STORE=milvus:http://host:19530")
    return QAError(f"cannot reach Milvus at {target!r} ({type(e).__name__}: {e}); is the server running? "
                   f"(QA_MILVUS_TOKEN for one that asks for a token)")


class _LiteNoise(logging.Filter):
    """Milvus Lite answers two calls the client tries (a timestamp for query iterators, a few
    admin calls) with "not implemented", and both sides log it with a traceback although the
    client falls back correctly; those records are dropped, every other one kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return "Method not implemented" not in msg and "failed to get mvccTs" not in msg


def _quiet_lite() -> None:
    for name in ("grpc._server", "pymilvus.client.iterator.query_iterator"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _LiteNoise) for f in logger.filters):
            logger.addFilter(_LiteNoise())


_clients: dict[tuple[str, str], object] = {}
_clients_lock = threading.Lock()


def connect(target: str, *, token: str | None = None):
    """One ``MilvusClient`` per target and process (Milvus Lite runs one embedded engine per file)."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise ImportError("the Milvus store needs pymilvus and milvus-lite: pip install 'chinese-news-qa[milvus]'") from None
    lite = "://" not in target
    if lite and not target.endswith(".db"):
        raise QAError(f"a Milvus Lite store is a file ending in .db, not {target!r} (e.g. milvus:index/milvus.db)")
    key = (str(Path(target).resolve()) if lite else target, token or "")
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            if lite:
                Path(target).parent.mkdir(parents=True, exist_ok=True)
                _quiet_lite()
            try:
                client = MilvusClient(uri=key[0], token=token or "")
            except Exception as e:  # the client raises several kinds for an unreachable server
                raise _connect_error(target, e) from e
            _clients[key] = client
    return client


def quote(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(str(value), ensure_ascii=False)


def id_list(values: Iterable) -> str:
    return "[" + ",".join(quote(v) if isinstance(v, str) else str(int(v)) for v in values) + "]"


@dataclass(frozen=True)
class State:
    """The committed manifest row: the manifest, the live generations ``base..gen`` and the
    next free chunk and sentence rows (rows are never reused)."""

    manifest: Manifest
    gen: int
    base: int
    next_chunk: int
    next_sentence: int
    layout: int = LAYOUT

    def to_json(self) -> dict:
        return {"manifest": self.manifest.to_json(), "gen": self.gen, "base": self.base,
                "next_chunk": self.next_chunk, "next_sentence": self.next_sentence, "layout": self.layout}

    @classmethod
    def from_json(cls, d: dict) -> State:
        return cls(Manifest.from_json(d["manifest"]), int(d["gen"]), int(d["base"]),
                   int(d["next_chunk"]), int(d["next_sentence"]), int(d.get("layout", 1)))

    @property
    def live(self) -> str:
        """The filter that selects the rows of this state's generations."""
        return f"gen >= {self.base} and gen <= {self.gen}"


LEXICON = "lexicon"  # qa_meta row: {"version": the LEXICON_VERSION the stored pinyin keys were made by}
UNRECORDED_LEXICON = 1  # a store written before the row (2026-12-04): the only rules there had been


def lexicon_version(client) -> int:
    """The ``LEXICON_VERSION`` the stored pinyin keys were made by."""
    rows = client.query(META, filter=f'key == "{LEXICON}"', output_fields=["value"])
    return int((rows[0]["value"] or {}).get("version", UNRECORDED_LEXICON)) if rows else UNRECORDED_LEXICON


def read_state(client, target: str) -> State | None:
    """The committed state, or None when ``target`` holds no index."""
    if not client.has_collection(META):
        return None
    client.load_collection(META)
    rows = client.query(META, filter='key == "manifest"', output_fields=["value"])
    if not rows:
        return None
    raw = rows[0]["value"]
    version = raw.get("manifest", {}).get("format_version")
    if version != FORMAT_VERSION:
        raise IndexFormatError(f"the Milvus index at {target} has format version {version}, this version of qa "
                               f"reads {FORMAT_VERSION}; {_again(target)}")
    state = State.from_json(raw)
    if state.layout != LAYOUT:
        raise IndexFormatError(f"the Milvus index at {target} keeps its BM25 terms in layout {state.layout}, this "
                               f"version of qa reads {LAYOUT} (BM25 equal to the local store's); {_again(target)}")
    return state


def _again(target: str) -> str:
    """How to write a Milvus index this version reads, for an error message."""
    return (f"migrate a local index again (qa index migrate --replace --to milvus:{target}) or build it again "
            f"from the articles (qa index build --store milvus:{target} PATH...)")


def term_code(term: str) -> str:
    """The code a BM25 term is indexed and searched by: ``t`` and 16 hex digits of its hash, a
    word that no tokenizer cuts (jieba keeps runs of letters and digits whole)."""
    return "t" + hashlib.blake2b(term.encode("utf-8"), digest_size=8).hexdigest()


def term_codes(tokens: str) -> str:
    """The codes of space-separated tokens, space-separated and with a space at each end (so
    that ``terms like '% code %'`` finds a whole code)."""
    return " " + " ".join(term_code(t) for t in tokens.split()) + " "


def read_manifest(target: str, *, token: str | None = None) -> Manifest | None:
    state = read_state(connect(target, token=token), target)
    return state.manifest if state else None


def scan(client, collection: str, *, filter: str, fields: list[str], batch: int = BATCH) -> list[dict]:
    """Every row matching ``filter`` (a query iterator: one query returns at most 16,384 rows)."""
    it = client.query_iterator(collection, batch_size=batch, filter=filter, output_fields=fields)
    out: list[dict] = []
    try:
        while rows := it.next():
            out += rows
    finally:
        it.close()
    return out


class MilvusVectors:
    """``VectorSearch`` over one float vector field (inner product on normalised vectors). A
    search also returns each hit's span of rows in the other table, kept for ``MilvusSpans``
    (the retriever asks for them next: one call instead of two)."""

    def __init__(self, store: MilvusStore, collection: str, field: str, spans: MilvusSpans) -> None:
        self.store, self.collection, self.field, self.spans = store, collection, field, spans
        self._kept: dict[int, list[float]] = {}

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        k = min(int(k), MAX_TOPK)
        if k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        res = self.store.client.search(self.collection, data=q.tolist(), anns_field=self.field, limit=k,
                                       filter=self.store.state.live, output_fields=["row", *self.spans.fields],
                                       search_params={"metric_type": "IP"})
        n = max((len(hits) for hits in res), default=0)
        scores = np.full((len(q), n), -np.inf, np.float32)
        rows = np.full((len(q), n), -1, np.int64)
        lo, hi = self.spans.fields
        for i, hits in enumerate(res):
            for j, h in enumerate(hits):
                e = h["entity"]
                scores[i, j], rows[i, j] = h["distance"], e["row"]
                self.spans.remember(e["row"], e[lo], e[hi])
        if self.collection == CHUNKS and n:
            # the retriever scores chunks reached by their context vector alone by their
            # sentences' vectors: fetched here in one call rather than one call per chunk
            spans = self.spans[rows[rows >= 0]]
            self.store.vectors.prefetch(s for a, b in spans.tolist() for s in range(a, b + 1))
        return scores, rows

    MAX_KEPT = 50_000  # vectors kept from prefetches (rows never change, so they never go stale)

    def prefetch(self, rows: Iterable[int]) -> None:
        rows = [r for r in dict.fromkeys(int(r) for r in rows) if r not in self._kept]
        if len(self._kept) + len(rows) > self.MAX_KEPT:
            self._kept.clear()
        for r, f in self.store.by_row(self.collection, rows, [self.field]).items():
            self._kept[r] = f[self.field]

    def reconstruct(self, rows) -> np.ndarray:
        rows = [int(r) for r in rows]
        found = self.store.by_row(self.collection, [r for r in rows if r not in self._kept], [self.field])
        dim = self.store.manifest.dim
        return np.array([self._kept[r] if r in self._kept else found[r][self.field] if r in found else np.zeros(dim)
                         for r in rows], dtype=np.float32).reshape(len(rows), dim)


class MilvusSpans:
    """``RowSpans``: a row's ``(first, last)`` rows in the other table, looked up by primary key
    and kept (a row's span never changes: rows are never renumbered or reused). A row removed
    meanwhile reads as an empty span ``(0, -1)``."""

    MAX_KEPT = 500_000

    def __init__(self, store: MilvusStore, collection: str, lo: str, hi: str) -> None:
        self.store, self.collection, self.fields = store, collection, [lo, hi]
        self._known: dict[int, tuple[int, int]] = {}

    def remember(self, row: int, lo: int, hi: int) -> None:
        if len(self._known) >= self.MAX_KEPT:
            self._known.clear()
        self._known[int(row)] = (int(lo), int(hi))

    def __getitem__(self, rows):
        if np.ndim(rows) == 0:
            return tuple(self[np.array([int(rows)])][0].tolist())
        rows = [int(r) for r in np.asarray(rows).ravel()]
        missing = [r for r in rows if r not in self._known]
        if missing:
            lo, hi = self.fields
            for r, f in self.store.by_row(self.collection, missing, self.fields).items():
                self.remember(r, f[lo], f[hi])
        return np.array([self._known.get(r, (0, -1)) for r in rows], dtype=np.int64).reshape(len(rows), 2)


class MilvusLexical:
    """``Lexical``: BM25 by the engine's full-text search, one search per weighted term (a
    term's weight multiplies its BM25 score, as in ``qa.lexical.BM25Index.scores``), plus the
    vocabulary from ``qa_terms``."""

    def __init__(self, store: MilvusStore, terms: dict[str, int]) -> None:
        self.store = store
        self._df = terms
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(terms)}
        self.num_docs = store.manifest.chunks
        self._docs: dict[str, np.ndarray] = {}

    def known(self, terms: Iterable[str]) -> list[str]:
        return [t for t in terms if t in self.vocab]

    def df(self, term: str) -> int:
        return self._df.get(term, 0)

    def idf(self, term: str) -> float:
        n, df = self.num_docs, self.df(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def docs(self, term: str) -> np.ndarray:
        """Rows of the chunks whose tokens include ``term`` (at most 16,384: the bridges only
        compare how often words share chunks). Kept per store: a generation's rows do not change."""
        term = term.lower()
        if term not in self.vocab:
            return np.zeros(0, dtype=np.int64)
        if term not in self._docs:
            rows = self.store.client.query(
                CHUNKS, filter=f"{self.store.state.live} and terms like {quote('% ' + term_code(term) + ' %')}",
                output_fields=["row"], limit=MAX_TOPK)
            if len(self._docs) > 10_000:
                self._docs.clear()
            self._docs[term] = np.array(sorted(r["row"] for r in rows), dtype=np.int64)
        return self._docs[term]

    def scores(self, terms: Mapping[str, float] | Iterable[str]) -> np.ndarray:
        weights = dict(terms) if isinstance(terms, Mapping) else {t: 1.0 for t in terms}
        weights = {t: w for t, w in weights.items() if w and t in self.vocab}
        total = np.zeros(self.store.state.next_chunk, dtype=np.float32)
        if not weights or not self.num_docs:
            return total
        res = self.store.client.search(CHUNKS, data=[term_code(t) for t in weights], anns_field="sparse",
                                       limit=min(self.num_docs, BM25_TERM_HITS), filter=self.store.state.live,
                                       output_fields=["row"], search_params={"metric_type": "BM25"})
        scale = 1.0 / (BM25_PARAMS["k1"] + 1.0)
        for w, hits in zip(weights.values(), res):
            rows = np.fromiter((h["entity"]["row"] for h in hits), dtype=np.int64, count=len(hits))
            scores = np.fromiter((abs(h["distance"]) for h in hits), dtype=np.float64, count=len(hits))  # Lite negates
            total[rows] += np.float32(w) * (scores * scale).astype(np.float32)
        return total


class MilvusStore:
    """A committed generation of a Milvus index; read-only (changes: ``qa.milvus_write``)."""

    def __init__(self, client, target: str, state: State) -> None:
        self.client = client
        self.root = f"milvus:{target}"
        self.target = target
        self.state = state
        self.manifest = state.manifest
        self._lock = threading.Lock()
        self._bm25: MilvusLexical | None = None
        self._terms: list[dict] | None = None
        self._lexicon: dict | None = None
        self._pinyin: list[tuple[str, str]] | None = None
        self._texts: dict[str, str] = {}
        self.sentence_chunks = MilvusSpans(self, SENTENCES, "chunk_lo", "chunk_hi")
        self.chunk_sentences = MilvusSpans(self, CHUNKS, "sent_lo", "sent_hi")
        self.vectors = MilvusVectors(self, SENTENCES, "vector", self.sentence_chunks)
        self.chunk_vectors = MilvusVectors(self, CHUNKS, "context", self.chunk_sentences)

    @classmethod
    def open(cls, target: str, *, token: str | None = None) -> MilvusStore:
        """Raises IndexNotFoundError (no index there) or IndexFormatError."""
        client = connect(target, token=token)
        state = read_state(client, target)
        if state is None:
            raise IndexNotFoundError(f"no index in Milvus at {target}; build one: QA_STORE=milvus:{target} "
                                     f"qa index build data/, or copy a local one: qa index migrate --to milvus:{target}")
        for name in COLLECTIONS:
            client.load_collection(name)
        return cls(client, target, state)

    def is_current(self) -> bool:
        try:
            rows = self.client.query(META, filter='key == "manifest"', output_fields=["value"])
            return not rows or int(rows[0]["value"]["gen"]) == self.state.gen
        except Exception:
            return True

    # -- lookups -------------------------------------------------------------------
    def by_row(self, collection: str, rows: Sequence[int], fields: list[str]) -> dict[int, dict]:
        found: dict[int, dict] = {}
        want = sorted(set(rows))
        for i in range(0, len(want), BATCH):
            part = want[i: i + BATCH]
            for r in self.client.query(collection, filter=f"{self.state.live} and row in {id_list(part)}",
                                       output_fields=["row", *fields]):
                found[r["row"]] = r
        return found

    @property
    def terms(self) -> list[dict]:
        if self._terms is None:
            rows = scan(self.client, TERMS, filter='term != ""', fields=["term", "df", "names", "keys"])
            with self._lock:
                self._terms = sorted(rows, key=lambda r: r["term"])
        return self._terms

    @property
    def bm25(self) -> MilvusLexical | None:
        if self.manifest.chunks == 0:
            return None
        if self._bm25 is None:
            lexical = MilvusLexical(self, {r["term"]: r["df"] for r in self.terms if r["df"] > 0})
            with self._lock:
                self._bm25 = lexical
        return self._bm25

    @property
    def lexicon(self) -> dict:
        """``{"pinyin": {key: [words]}}``, as ``qa.lang.pinyin.build_lexicon`` of the sorted
        vocabulary and names builds it."""
        if self._lexicon is None:
            # the stored keys, whatever rules made them: a writer makes keys of other rules again
            # (``qa.milvus_write.rekey_terms``); a reader doing it would stall its first English
            # question for minutes at 100k chunks
            lex: dict[str, list[str]] = {}
            for r in self.terms:  # sorted by term
                for k in r["keys"].split():
                    lex.setdefault(k, []).append(r["term"])
            with self._lock:
                self._lexicon = {"pinyin": lex}
        return self._lexicon

    def pinyin_candidates(self, syllables: str) -> list[tuple[str, str]] | None:
        """None: the engine's text match is not used (it differs between Milvus Lite and a server),
        so the English bridge reads ``transliterations``."""
        return None

    @property
    def transliterations(self) -> list[tuple[str, str]]:
        if self._pinyin is None:
            rows = scan(self.client, CHUNKS, filter=self.state.live, fields=["row", "text", "pinyin"])
            with self._lock:
                self._pinyin = [(r["text"], r["pinyin"]) for r in sorted(rows, key=lambda r: r["row"])]
        return self._pinyin

    def warm_up(self) -> MilvusStore:
        _ = self.bm25, self.lexicon
        return self

    def close(self) -> None:
        """Nothing to release: the client is shared, and Milvus keeps no reader state."""

    def _text(self, article_id: str) -> str:
        text = self._texts.get(article_id)
        if text is None:
            parts = self.client.query(TEXTS, filter=f"{self.state.live} and article_id == {quote(article_id)} and part >= 0",
                                      output_fields=["part", "text"])
            text = "".join(p["text"] for p in sorted(parts, key=lambda p: p["part"]))
            with self._lock:
                if len(self._texts) > 256:
                    self._texts.clear()
                self._texts[article_id] = text
        return text

    def chunks(self, rows: Iterable[int]) -> list[Chunk]:
        rows = [int(r) for r in rows]
        found = self.by_row(CHUNKS, rows, ["id", "article_id", "start", "end", "text"])
        return [Chunk(id=f["id"], article_id=f["article_id"], start=f["start"], end=f["end"], text=f["text"])
                for f in (found[r] for r in rows if r in found)]

    def sentences(self, rows: Iterable[int]) -> list[Sentence]:
        rows = [int(r) for r in dict.fromkeys(rows)]
        found = self.by_row(SENTENCES, rows, ["article_id", "start", "end", "mentions"])
        out = []
        for r in (r for r in rows if r in found):
            f = found[r]
            text = self._text(f["article_id"])[f["start"]: f["end"]]
            mentions = tuple(Mention(*m) for m in f["mentions"])
            out.append(Sentence(row=r, article_id=f["article_id"], start=f["start"], end=f["end"], text=text,
                                mentions=mentions))
        return out

    def sentence_vectors(self, rows: Sequence[int]) -> np.ndarray:
        return self.vectors.reconstruct(rows)

    def article(self, article_id: str) -> Article:
        rows = self.client.query(ARTICLES, filter=f"{self.state.live} and id == {quote(article_id)}",
                                 output_fields=["id", "meta"])
        if not rows:
            raise ArticleNotFoundError(f"no article with id {article_id!r} in {self.root}; list them: qa index info --articles")
        m = rows[0]["meta"]
        return Article(id=article_id, text=self._text(article_id), title=m["title"], source=m["source"],
                       author=m["author"], date=m["date"], url=m["url"], path=m["path"],
                       date_source=m.get("date_source"))

    def articles(self) -> list[ArticleInfo]:
        rows = scan(self.client, ARTICLES, filter=self.state.live, fields=["id", "meta", "chars", "chunks", "first_row"])
        rows.sort(key=lambda r: r["first_row"])
        return [ArticleInfo(id=r["id"], title=r["meta"]["title"], source=r["meta"]["source"],
                            author=r["meta"]["author"], date=r["meta"]["date"], path=r["meta"]["path"],
                            chars=r["chars"], chunks=r["chunks"], date_source=r["meta"].get("date_source"))
                for r in rows]

    def names(self) -> list[str]:
        return [r["term"] for r in self.terms if r["names"] > 0]

    def date_mentions(self) -> list[tuple[str, str, int, int]]:
        """Every stored event date: (ISO norm, article id, first chunk row, last chunk row of its sentence)."""
        rows = scan(self.client, SENTENCES, filter=self.state.live,
                    fields=["row", "article_id", "chunk_lo", "chunk_hi", "mentions"])
        out = []
        for r in rows:
            for m in (Mention(*x) for x in r["mentions"]):
                if m.kind == "date" and m.norm:
                    out.append((m.norm, r["article_id"], int(r["chunk_lo"]), int(r["chunk_hi"])))
        return out

    def chunk_rows_of(self, article_ids: Iterable[str]) -> np.ndarray:
        ids = list(article_ids)
        rows: list[int] = []
        for i in range(0, len(ids), BATCH):
            rows += [r["row"] for r in scan(self.client, CHUNKS, filter=f"{self.state.live} and article_id in "
                                            f"{id_list(ids[i: i + BATCH])}", fields=["row"])]
        return np.array(sorted(rows), dtype=np.int64)

    def article_chunks(self, article_id: str) -> list[Chunk]:
        rows = self.client.query(CHUNKS, filter=f"{self.state.live} and article_id == {quote(article_id)}",
                                 output_fields=["row", "start"])
        return self.chunks(r["row"] for r in sorted(rows, key=lambda r: r["start"]))

    def size_on_disk(self) -> int:
        """The Milvus Lite file's size; 0 for a server (its storage is the server's)."""
        p = Path(self.target)
        if "://" in self.target or not p.exists():
            return 0
        return p.stat().st_size if p.is_file() else sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
