"""Changes to a Milvus index (``qa.milvus_store``): add, remove, replace, and ``migrate_local``.

New articles are prepared by the local build code into a throwaway index directory (the same
sentences, chunks, annotations, tokens, pinyin and vectors as a local index) and their rows
copied into Milvus; ``migrate_local`` copies a whole local index the same way, embedding
nothing. A change costs what it changes: its own rows, and the vocabulary rows of its words.

Commit protocol: rows are written with the next generation number, then the manifest row is
replaced (the commit); readers see only the generations their manifest names. Rows of a
writer that died before its commit are deleted by the next writer.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.build import IndexChange, Progress, write_index
from qa.encoders import Encoder
from qa.errors import ArticleNotFoundError, EncoderMismatchError, IndexFormatError, QAError
from qa.lang.pinyin import LEXICON_VERSION, lexicon_word, pinyin_keys
from qa.lexical import BM25_PARAMS
from qa.manifest import FORMAT_VERSION, Manifest, now
from qa.milvus_store import (
    ANALYZER,
    ARTICLES,
    BATCH,
    CHUNKS,
    COLLECTIONS,
    LEXICON,
    MARKER_DIM,
    MAX_VARCHAR,
    META,
    SENTENCES,
    TERMS,
    TEXT_PART,
    TEXTS,
    State,
    connect,
    id_list,
    lexicon_version,
    read_state,
    scan,
    term_codes,
)
from qa.prepare import Preparer
from qa.settings import DEFAULT_VECTOR_INDEX, VectorIndexKind
from qa.store import IndexStore

NAME_KINDS = ("person", "org", "place")
MAX_TERM = 256  # longer "words" are kept out of the vocabulary rows (a varchar primary key)
OWN = "own"  # key of an article row's meta: where its rows are and how its vocabulary record is split


@dataclass
class _Own:
    """An article's own rows and vocabulary, recorded when its rows are written, so that its
    removal deletes them by primary key and subtracts its words without reading any chunk or
    sentence row (a filter on ``article_id`` scans a whole collection: 0.5-1 s at 100k chunks
    in Milvus Lite). The vocabulary is kept in ``qa_texts`` rows of negative ``part`` (a JSON
    field holds at most 64 kB)."""

    chunks: list[int] = dataclasses.field(default_factory=list)
    sentences: list[int] = dataclasses.field(default_factory=list)
    df: Counter = dataclasses.field(default_factory=Counter)
    names: Counter = dataclasses.field(default_factory=Counter)

    def vocabulary(self) -> list[str]:
        """The chunk frequencies and name counts as JSON, in ``TEXT_PART``-character pieces."""
        text = json.dumps({"df": self.df, "names": self.names}, ensure_ascii=False, separators=(",", ":"))
        return [text[i: i + TEXT_PART] for i in range(0, len(text), TEXT_PART)]


def _runs(rows: list[int]) -> list[list[int]]:
    """Sorted rows as inclusive [first, last] runs: an article's rows are consecutive."""
    out: list[list[int]] = []
    for r in sorted(rows):
        if out and r == out[-1][1] + 1:
            out[-1][1] = r
        else:
            out.append([r, r])
    return out


def _expand(runs: list[list[int]]) -> list[int]:
    return [r for lo, hi in runs for r in range(lo, hi + 1)]


def _vocabulary_key(article_id: str, i: int) -> str:
    return f"{article_id}:vocabulary:{i:05d}"


_writers: dict[str, threading.Lock] = {}
_writers_lock = threading.Lock()


@dataclass(frozen=True)
class MigrateReport:
    target: str
    articles: int
    chunks: int
    sentences: int
    seconds: float


def _schemas(dim: int) -> dict[str, tuple]:
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    def schema(*fields, marker: bool = True):
        s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        for name, kind, kw in fields:
            s.add_field(name, kind, **kw)
        if marker:
            s.add_field("marker", DataType.FLOAT_VECTOR, dim=MARKER_DIM)
        return s

    v = {"max_length": MAX_VARCHAR}
    ids = {"max_length": 128}
    gen = ("gen", DataType.INT64, {})
    meta = schema(("key", DataType.VARCHAR, {"is_primary": True, "max_length": 64}), ("value", DataType.JSON, {}))
    articles = schema(("id", DataType.VARCHAR, {"is_primary": True, **ids}), gen, ("meta", DataType.JSON, {}),
                      ("date", DataType.VARCHAR, {"max_length": 64}), ("chars", DataType.INT64, {}),
                      ("chunks", DataType.INT64, {}), ("first_row", DataType.INT64, {}))
    texts = schema(("key", DataType.VARCHAR, {"is_primary": True, "max_length": 160}), gen,
                   ("article_id", DataType.VARCHAR, ids), ("part", DataType.INT64, {}), ("text", DataType.VARCHAR, v))
    chunks = schema(("row", DataType.INT64, {"is_primary": True}), gen, ("id", DataType.VARCHAR, ids),
                    ("article_id", DataType.VARCHAR, ids), ("start", DataType.INT64, {}), ("end", DataType.INT64, {}),
                    ("text", DataType.VARCHAR, v),
                    ("tokens", DataType.VARCHAR, v),
                    ("terms", DataType.VARCHAR, {**v, "enable_analyzer": True, "analyzer_params": ANALYZER}),
                    ("sparse", DataType.SPARSE_FLOAT_VECTOR, {}), ("context", DataType.FLOAT_VECTOR, {"dim": dim}),
                    ("pinyin", DataType.VARCHAR, v), ("sent_lo", DataType.INT64, {}), ("sent_hi", DataType.INT64, {}),
                    marker=False)
    chunks.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))
    sentences = schema(("row", DataType.INT64, {"is_primary": True}), gen, ("article_id", DataType.VARCHAR, ids),
                       ("start", DataType.INT64, {}), ("end", DataType.INT64, {}), ("chunk_lo", DataType.INT64, {}),
                       ("chunk_hi", DataType.INT64, {}), ("vector", DataType.FLOAT_VECTOR, {"dim": dim}),
                       ("mentions", DataType.JSON, {}), marker=False)
    terms = schema(("term", DataType.VARCHAR, {"is_primary": True, "max_length": 1024}), ("df", DataType.INT64, {}),
                   ("names", DataType.INT64, {}), ("keys", DataType.VARCHAR, {"max_length": 4096}))
    return {META: (meta, {"marker": "IP"}), ARTICLES: (articles, {"marker": "IP"}), TEXTS: (texts, {"marker": "IP"}),
            CHUNKS: (chunks, {"context": "IP", "sparse": "BM25"}), SENTENCES: (sentences, {"vector": "IP"}),
            TERMS: (terms, {"marker": "IP"})}


def create(client, dim: int) -> None:
    """Drop the qa collections at this target and create them empty."""
    for name, (schema, indexes) in _schemas(dim).items():
        if client.has_collection(name):
            client.drop_collection(name)
        params = client.prepare_index_params()
        for field, metric in indexes.items():
            if metric == "BM25":  # the local store's k1 and b (Milvus Lite's default k1 is 1.5, a server's 1.2)
                # pymilvus 3 sends build parameters as keys of their own (what a server reads); Milvus
                # Lite 3.2 reads them from a JSON "params" key only (what older clients sent): both
                bm25 = {"bm25_k1": BM25_PARAMS["k1"], "bm25_b": BM25_PARAMS["b"]}
                params.add_index(field_name=field, index_type="SPARSE_INVERTED_INDEX", metric_type=metric,
                                 params={**bm25, "params": bm25})
            else:
                params.add_index(field_name=field, index_type="AUTOINDEX", metric_type=metric)
        client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")
        client.load_collection(name)


def _insert(client, collection: str, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH // 4):
        client.insert(collection, rows[i: i + BATCH // 4])


def _marker() -> list[float]:
    return [0.0] * (MARKER_DIM - 1) + [1.0]


def _commit(client, state: State) -> None:
    client.upsert(META, [{"key": "manifest", "value": state.to_json(), "marker": _marker()}])


WRITER = "writer"  # qa_meta row: {"state": CLEAN} once a change has committed; else a change may have died
CLEAN = "clean"


def _mark_writer(client, state: str) -> None:
    client.upsert(META, [{"key": WRITER, "value": {"state": state}, "marker": _marker()}])


def _left_rows(client) -> bool:
    """Whether a change may have died after writing rows and before committing them: its
    writer row is not CLEAN (or absent: a store written before this row existed)."""
    rows = client.query(META, filter=f'key == "{WRITER}"', output_fields=["value"])
    return not rows or (rows[0]["value"] or {}).get("state") != CLEAN


def copy_rows(client, local: IndexStore, *, chunk_offset: int, sentence_offset: int, gen: int) -> tuple[Counter, Counter]:
    """Insert every row of a local generation into Milvus, rows shifted by the offsets, as
    generation ``gen``. Returns the vocabulary it adds: chunk frequency and name counts. Rows a
    local change removed (``qa.tombstones``: the local store reads without them) are not copied,
    and the rows after them are numbered on (0..n-1, as a whole local build numbers them)."""
    q = local._query
    chunk_rows = np.array([r for (r,) in q("SELECT row FROM chunks ORDER BY row")], dtype=np.int64)
    sentence_rows = np.array([r for (r,) in q("SELECT row FROM sentences ORDER BY row")], dtype=np.int64)

    def chunk_at(row: int) -> int:
        return int(np.searchsorted(chunk_rows, row)) + chunk_offset

    def sentence_at(row: int) -> int:
        return int(np.searchsorted(sentence_rows, row)) + sentence_offset

    df: Counter = Counter()
    names: Counter = Counter()
    own: dict[str, _Own] = {}  # what each article's removal will need (``_Own``)
    context = local.chunk_vectors.vectors() if local.manifest.chunks else np.zeros((0, local.manifest.dim))
    chunks = []
    for row, cid, aid, s, e, text, tokens, pinyin, lo, hi in q(
            "SELECT row, id, article_id, start_char, end_char, text, tokens, pinyin, sent_lo, sent_hi FROM chunks ORDER BY row"):
        words = set(tokens.split())
        df.update(words)
        mine = own.setdefault(aid, _Own())
        mine.df.update(words)
        mine.chunks.append(chunk_at(row))
        chunks.append({"row": chunk_at(row), "gen": gen, "id": cid, "article_id": aid, "start": s, "end": e,
                       "text": text, "tokens": f" {tokens} ", "terms": term_codes(tokens), "context": context[row].tolist(), "pinyin": pinyin,
                       "sent_lo": sentence_at(lo), "sent_hi": sentence_at(hi)})
    mentions: dict[int, list] = {}
    for row, kind, s, e, text, norm in q("SELECT sentence, kind, start_char, end_char, text, norm FROM mentions ORDER BY rowid"):
        mentions.setdefault(row, []).append([kind, s, e, text, norm])
    vectors = local.vectors.vectors() if local.manifest.sentences else np.zeros((0, local.manifest.dim))
    sentences = []
    for row, aid, s, e, clo, chi in q("SELECT row, article_id, start_char, end_char, chunk_lo, chunk_hi FROM sentences ORDER BY row"):
        mine = own.setdefault(aid, _Own())
        mine.sentences.append(sentence_at(row))
        for m in mentions.get(row, []):
            if m[0] in NAME_KINDS:
                names[m[3]] += 1
                mine.names[m[3]] += 1
        sentences.append({"row": sentence_at(row), "gen": gen, "article_id": aid, "start": s, "end": e,
                          "chunk_lo": chunk_at(clo), "chunk_hi": chunk_at(chi), "vector": vectors[row].tolist(),
                          "mentions": mentions.get(row, [])})
    added_at = dict(q("SELECT id, added_at FROM articles"))
    articles, texts = [], []
    for a in local.articles():  # ordered by their first chunk
        art = local.article(a.id)
        parts = range(0, max(len(art.text), 1), TEXT_PART)
        for p in parts:
            texts.append({"key": f"{a.id}:{p // TEXT_PART:05d}", "gen": gen, "article_id": a.id, "part": p // TEXT_PART,
                          "text": art.text[p: p + TEXT_PART], "marker": _marker()})
        mine = own.get(a.id, _Own())
        vocabulary = mine.vocabulary()
        for i in range(len(vocabulary)):
            texts.append({"key": _vocabulary_key(a.id, i), "gen": gen, "article_id": a.id, "part": -1 - i,
                          "text": vocabulary[i], "marker": _marker()})
        meta = {"title": art.title, "source": art.source, "author": art.author, "date": art.date, "url": art.url,
                "path": art.path, "date_source": art.date_source, "added_at": added_at[a.id],
                OWN: {"chunks": _runs(mine.chunks), "sentences": _runs(mine.sentences), "texts": len(parts),
                      "vocabulary": len(vocabulary)}}
        articles.append({"id": a.id, "gen": gen, "meta": meta, "date": art.date or "", "chars": len(art.text),
                         "chunks": len(mine.chunks), "first_row": min(mine.chunks, default=-1), "marker": _marker()})
    # a reader that finds a chunk finds its article, text and sentences
    for name, rows in ((ARTICLES, articles), (TEXTS, texts), (SENTENCES, sentences), (CHUNKS, chunks)):
        _insert(client, name, rows)
    return df, names


def apply_terms(client, df: Counter, names: Counter) -> None:
    """Add the counts (negative for removals) to the vocabulary rows; drop words no chunk or
    annotation holds any more. A word already in the vocabulary keeps its stored pinyin keys
    (only new words are read with pypinyin, whose import alone takes ~0.5 s)."""
    words = [w for w in set(df) | set(names) if w and len(w) <= MAX_TERM]
    upserts, gone = [], []
    for i in range(0, len(words), BATCH):
        part = words[i: i + BATCH]
        old = {r["term"]: r for r in client.query(TERMS, filter=f"term in {id_list(part)}", output_fields=["term", "df", "names", "keys"])}
        for w in part:
            d = old.get(w, {}).get("df", 0) + df.get(w, 0)
            n = old.get(w, {}).get("names", 0) + names.get(w, 0)
            if d > 0 or n > 0:
                keys = old[w]["keys"] if w in old else term_keys(w)
                upserts.append({"term": w, "df": max(d, 0), "names": max(n, 0), "keys": keys, "marker": _marker()})
            elif w in old:
                gone.append(w)
    for i in range(0, len(upserts), BATCH // 4):
        client.upsert(TERMS, upserts[i: i + BATCH // 4])
    for i in range(0, len(gone), BATCH):
        client.delete(TERMS, filter=f"term in {id_list(gone[i: i + BATCH])}")


def term_keys(word: str) -> str:
    """A vocabulary word's pinyin keys as stored in ``qa_terms`` (space-separated; "" for a
    word that is not all Chinese or is one character)."""
    return " ".join(pinyin_keys(word)) if lexicon_word(word) else ""


def rekey_terms(client) -> int:
    """Every vocabulary row's pinyin keys made again by today's rules (``LEXICON_VERSION``), for
    a store whose keys were made by other rules: once, by the first change after the rules
    change (it reads every vocabulary row: 506 s at 100k chunks on Milvus Lite). Returns how
    many rows changed."""
    rows = scan(client, TERMS, filter='term != ""', fields=["term", "df", "names", "keys"])
    changed = [{"term": r["term"], "df": r["df"], "names": r["names"], "keys": k, "marker": _marker()}
               for r in rows if (k := term_keys(r["term"])) != r["keys"]]
    for i in range(0, len(changed), BATCH // 4):
        client.upsert(TERMS, changed[i: i + BATCH // 4])
    return len(changed)


def _record_lexicon(client) -> None:
    client.upsert(META, [{"key": LEXICON, "value": {"version": LEXICON_VERSION}, "marker": _marker()}])


def _vocabulary_of(client, live: str, article_ids: Sequence[str]) -> tuple[Counter, Counter, Counter]:
    """The vocabulary counts the rows of these articles hold (to subtract on removal), and how
    many chunk and sentence rows they are."""
    df: Counter = Counter()
    names: Counter = Counter()
    rows: Counter = Counter()
    for i in range(0, len(article_ids), BATCH):
        flt = f"{live} and article_id in {id_list(article_ids[i: i + BATCH])}"
        for r in scan(client, CHUNKS, filter=flt, fields=["tokens"]):
            df.update(set(r["tokens"].split()))
            rows["chunks"] += 1
        for r in scan(client, SENTENCES, filter=flt, fields=["mentions"]):
            names.update(m[3] for m in r["mentions"] if m[0] in NAME_KINDS)
            rows["sentences"] += 1
    return df, names, rows


def _own_vocabulary(client, records: dict[str, dict]) -> tuple[Counter, Counter, Counter]:
    """``_vocabulary_of`` from the articles' records: their vocabulary rows, read by key."""
    df: Counter = Counter()
    names: Counter = Counter()
    rows: Counter = Counter()
    keys = [_vocabulary_key(a, i) for a, rec in records.items() for i in range(rec["vocabulary"])]
    parts: dict[str, str] = {}
    for i in range(0, len(keys), BATCH):
        parts.update((r["key"], r["text"]) for r in client.query(TEXTS, ids=keys[i: i + BATCH], output_fields=["key", "text"]))
    for a, rec in records.items():
        if rec["vocabulary"]:
            counts = json.loads("".join(parts[_vocabulary_key(a, i)] for i in range(rec["vocabulary"])))
            df.update(counts["df"])
            names.update(counts["names"])
        rows["chunks"] += sum(hi - lo + 1 for lo, hi in rec["chunks"])
        rows["sentences"] += sum(hi - lo + 1 for lo, hi in rec["sentences"])
    return df, names, rows


def _delete_own(client, records: dict[str, dict]) -> None:
    """Delete these articles' rows by primary key, in ``_delete``'s order."""
    texts = [k for a, rec in records.items() for k in
             [f"{a}:{p:05d}" for p in range(rec["texts"])] + [_vocabulary_key(a, i) for i in range(rec["vocabulary"])]]
    for name, ids in ((CHUNKS, [r for rec in records.values() for r in _expand(rec["chunks"])]),
                      (SENTENCES, [r for rec in records.values() for r in _expand(rec["sentences"])]),
                      (TEXTS, texts), (ARTICLES, list(records))):
        for i in range(0, len(ids), BATCH):
            client.delete(name, ids=ids[i: i + BATCH])


def _live(client, live: str, ids: Sequence[str] | None) -> dict[str, dict | None]:
    """Which of ``ids`` are live articles (every live article with None), each with its ``_Own``
    record (None: written before the records, or not asked for: ``ids`` None). A change looks
    up its own articles, so its cost does not grow with the index."""
    if ids is None:
        return {r["id"]: None for r in scan(client, ARTICLES, filter=live, fields=["id"])}
    ids = list(dict.fromkeys(ids))
    out: dict[str, dict | None] = {}
    for i in range(0, len(ids), BATCH):
        flt = f"({live}) and id in {id_list(ids[i: i + BATCH])}"
        out.update((r["id"], (r["meta"] or {}).get(OWN)) for r in scan(client, ARTICLES, filter=flt, fields=["id", "meta"]))
    return out


def _delete(client, flt: str, *, articles: str | None = None) -> None:
    """Delete the rows matching ``flt`` (``articles``: the filter for qa_articles, if not ``flt``)."""
    for name in (CHUNKS, SENTENCES, TEXTS):  # chunks first: searches stop finding them
        client.delete(name, filter=flt)
    client.delete(ARTICLES, filter=articles or flt)


def _state(client, target: str, *, replace: bool) -> State | None:
    """The committed state; None when there is none or, for a change that replaces everything,
    when it is of a format or layout this version does not read (its collections are created again)."""
    try:
        return read_state(client, target)
    except IndexFormatError:
        if replace:
            return None
        raise


def _writer(target: str) -> threading.Lock:
    with _writers_lock:
        return _writers.setdefault(target, threading.Lock())


def write_milvus(target: str, *, token: str | None = None, encoder: Encoder, add: Sequence = (),
                 remove: Sequence[str] = (), replace: bool = False, chunk_size: int = 300, chunk_overlap: int = 1,
                 vector_index: VectorIndexKind = DEFAULT_VECTOR_INDEX, progress: Progress | None = None,
                 preparer: Preparer | None = None) -> IndexChange:
    """``qa.build.write_index`` for a Milvus target: the same arguments, the same result."""
    t0 = time.perf_counter()
    add = list(add)
    client = connect(target, token=token)
    with _writer(target):
        state = _state(client, target, replace=replace)
        if state is not None and state.manifest.dim != encoder.dim and not replace:
            raise EncoderMismatchError(f"the Milvus index at {target} was built with encoder {state.manifest.encoder!r} "
                                       f"(dim {state.manifest.dim}), not {encoder.name!r} (dim {encoder.dim})")
        if state is not None and state.manifest.encoder != encoder.name and not replace:
            raise EncoderMismatchError(f"the Milvus index at {target} was built with encoder {state.manifest.encoder!r}, "
                                       f"not {encoder.name!r}; rebuild it: QA_STORE=milvus:{target} qa index build PATH...")
        fresh = state is None or state.manifest.dim != encoder.dim
        if fresh:
            create(client, encoder.dim)
            stamp = now()
            state = State(Manifest(format_version=FORMAT_VERSION, generation="gen-000000", encoder=encoder.name,
                                   dim=encoder.dim, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                                   vector_index="milvus:AUTOINDEX", articles=0, chunks=0, created_at=stamp,
                                   updated_at=stamp), gen=0, base=0, next_chunk=0, next_sentence=0)
        else:
            for name in COLLECTIONS:
                client.load_collection(name)
        m = state.manifest
        if not replace:
            chunk_size, chunk_overlap = m.chunk_size, m.chunk_overlap
        if _left_rows(client):  # what a writer that died before its commit left (a filter over every row)
            _delete(client, f"gen > {state.gen}")
        found = _live(client, state.live, None if replace else [*remove, *(a.id for a in add)])
        existing = set(found)
        missing = [a for a in remove if a not in existing]
        if missing:
            raise ArticleNotFoundError(f"no article with id {missing[0]!r} in the index; nothing was changed")
        _mark_writer(client, "writing")  # before any row of this change
        gone = sorted(existing) if replace else list(dict.fromkeys(remove))
        # a removal reads the removed articles' records (a few rows by key) when they have them
        records = None if replace or any(found[a] is None for a in gone) else {a: found[a] for a in gone}
        df, names, gone_rows = (_own_vocabulary(client, records) if records is not None
                                else _vocabulary_of(client, state.live, gone))
        df, names = Counter({k: -v for k, v in df.items()}), Counter({k: -v for k, v in names.items()})
        if records is not None:
            _delete_own(client, records)
        elif not replace and gone:
            _delete(client, f"article_id in {id_list(gone)}", articles=f"id in {id_list(gone)}")
        kept = set() if replace else existing - set(gone)
        new, skipped, seen = [], [], set()
        for a in add:
            (skipped if a.id in kept or a.id in seen else new).append(a)
            seen.add(a.id)
        gen = state.gen + 1
        counts = Counter()
        change = IndexChange()
        if new:
            with tempfile.TemporaryDirectory(prefix="qa-milvus-") as tmp:
                change = write_index(Path(tmp), encoder=encoder, add=new, replace=True, chunk_size=chunk_size,
                                     chunk_overlap=chunk_overlap, progress=progress, preparer=preparer)
                local = IndexStore.open(Path(tmp))
                try:
                    plus_df, plus_names = copy_rows(client, local, chunk_offset=state.next_chunk,
                                                    sentence_offset=state.next_sentence, gen=gen)
                    counts.update(articles=local.manifest.articles, chunks=local.manifest.chunks,
                                  sentences=local.manifest.sentences)
                finally:
                    local.close()
            df.update(plus_df)
            names.update(plus_names)
        apply_terms(client, df, names)
        # keys made by other rules (a word kept keeps its keys) are made again, once
        recorded = None if fresh else lexicon_version(client)
        if recorded is not None and recorded != LEXICON_VERSION:
            rekey_terms(client)
        if recorded != LEXICON_VERSION:
            _record_lexicon(client)
        # what is left: the manifest's counts less the removed articles' rows (counting the
        # live rows instead reads the whole index: 17 s a collection in Milvus Lite at 100k chunks)
        before = (0, 0, 0) if replace else (m.articles - len(gone), m.chunks - gone_rows["chunks"],
                                            m.sentences - gone_rows["sentences"])
        manifest = dataclasses.replace(
            m, generation=f"gen-{gen:06d}", encoder=encoder.name, dim=encoder.dim, chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            articles=before[0] + counts["articles"], chunks=before[1] + counts["chunks"],
            sentences=before[2] + counts["sentences"], updated_at=now())
        _commit(client, State(manifest, gen=gen, base=gen if replace else state.base,
                              next_chunk=state.next_chunk + counts["chunks"],
                              next_sentence=state.next_sentence + counts["sentences"]))
        if replace:  # the old generations, once no new reader can see them
            _delete(client, f"gen < {gen}")
        _mark_writer(client, CLEAN)
    return dataclasses.replace(change, added=tuple(a.id for a in new), already_indexed=tuple(a.id for a in skipped),
                               removed=() if replace else tuple(gone), seconds=time.perf_counter() - t0)


def migrate_local(index_dir: Path, target: str, *, token: str | None = None, replace: bool = False) -> MigrateReport:
    """Copy the live generation of the local index at ``index_dir`` into Milvus at ``target``:
    the same rows, vectors, annotations and vocabulary; nothing is embedded again."""
    t0 = time.perf_counter()
    local = IndexStore.open(index_dir)
    client = connect(target, token=token)
    try:
        with _writer(target):
            if _state(client, target, replace=replace) is not None and not replace:
                raise QAError(f"Milvus at {target} already holds an index; nothing was changed "
                              f"(qa index migrate --replace overwrites it)")
            m = local.manifest
            create(client, m.dim)
            df, names = copy_rows(client, local, chunk_offset=0, sentence_offset=0, gen=1)
            apply_terms(client, df, names)
            _record_lexicon(client)
            # the local layout's files and deltas are not Milvus's: its format is the base one
            manifest = dataclasses.replace(m, generation="gen-000001", vector_index="milvus:AUTOINDEX", files=None,
                                           deltas=(), format_version=FORMAT_VERSION, updated_at=now())
            _commit(client, State(manifest, gen=1, base=1, next_chunk=m.chunks, next_sentence=m.sentences))
            _mark_writer(client, CLEAN)
    finally:
        local.close()
    return MigrateReport(target=target, articles=m.articles, chunks=m.chunks, sentences=m.sentences,
                         seconds=time.perf_counter() - t0)
