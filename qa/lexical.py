"""Lexical side: BM25 over the chunks' jieba tokens (``qa.lang.segment.tokenize``).

What is stored is the raw term statistics (``TermCounts``: per chunk row, its terms and how
often each occurs), not precomputed scores, so that a change of the index is the previous
generation's rows with the removed chunks dropped and the new ones appended: nothing is
tokenised again and no score is recomputed on disk. Scores are Lucene's BM25
(``BM25_PARAMS``), equal to what bm25s computes for the same corpus and parameters, computed
for a question's terms when it asks (``BM25Index``) from the counts stored term-major too and
read through a memory map: loading an index reads its vocabulary and row lengths, not its
postings (at 100k chunks 0.20 s instead of 4.4 s and +79 MB instead of +169 MB; docs/scaling.md).

``bm25/`` of a generation::

    params.json      format, BM25 parameters, row and posting counts
    vocab.json       the terms; a term's id is its position
    indptr.npy       int64, rows + 1: row r's postings are [indptr[r], indptr[r + 1])
    indices.npy      int32 term ids, per row
    counts.npy       uint16 (uint32 if needed) term frequencies, aligned with indices
    doc_lengths.npy  int32 tokens per row
    term_indptr.npy  int64, terms + 1: term t's postings are [term_indptr[t], term_indptr[t + 1])
    term_rows.npy    int32 rows holding the term, ascending
    term_counts.npy  its frequencies there (the counts above, term-major)

A folder without the ``term_*`` files (written before them) is transposed in memory when loaded.

An index written before this format (a bm25s directory of precomputed scores, with
``params.index.json``) still loads and answers the same (``BM25Index.load`` reads its arrays);
the next change writes the counts (``qa.build``).
"""

from __future__ import annotations

import json
import math
from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import QAError

BM25_PARAMS = {"k1": 1.2, "b": 0.75, "method": "lucene"}
COUNTS_FORMAT = "term-counts/1"
PARAMS, VOCAB, INDPTR, INDICES, COUNTS, DOC_LENGTHS = (
    "params.json", "vocab.json", "indptr.npy", "indices.npy", "counts.npy", "doc_lengths.npy")
TERM_INDPTR, TERM_ROWS, TERM_COUNTS = "term_indptr.npy", "term_rows.npy", "term_counts.npy"
LEGACY_PARAMS = "params.index.json"  # a bm25s directory (the format before term counts)


@dataclass(frozen=True, eq=False)
class TermCounts:
    """A sparse chunk-by-term matrix of term frequencies, row-major (CSR), rows = chunk rows."""

    vocab: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray
    doc_lengths: np.ndarray

    @property
    def num_docs(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def empty(cls) -> TermCounts:
        return cls([], np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint16), np.zeros(0, np.int32))

    @classmethod
    def from_tokens(cls, docs: Iterable[Sequence[str]], *, vocab: Sequence[str] = ()) -> TermCounts:
        """Count the tokens of each document; term ids continue ``vocab`` (new terms appended)."""
        terms = list(vocab)
        ids = {t: i for i, t in enumerate(terms)}
        # typed arrays, not lists: 4 bytes a posting instead of a Python int object and a pointer
        # (a corpus of 100k chunks has ~10M postings)
        indptr, indices, counts, lengths = array("q", [0]), array("i"), array("I"), array("i")
        for doc in docs:
            for term, n in Counter(doc).items():
                tid = ids.get(term)
                if tid is None:
                    tid = ids[term] = len(terms)
                    terms.append(term)
                indices.append(tid)
                counts.append(n)
            indptr.append(len(indices))
            lengths.append(len(doc))
        def arr(a: array, dtype) -> np.ndarray:  # over the array's own memory (it stays alive as the base)
            return np.frombuffer(a, dtype) if len(a) else np.zeros(0, dtype)

        counts_ = arr(counts, np.uint32)
        dtype = np.uint16 if counts_.max(initial=0) <= np.iinfo(np.uint16).max else np.uint32
        return cls(terms, arr(indptr, np.int64), arr(indices, np.int32), counts_.astype(dtype, copy=False),
                   arr(lengths, np.int32))

    def df(self) -> np.ndarray:
        """Documents per term id."""
        return np.bincount(self.indices, minlength=len(self.vocab))

    def held(self, terms: Collection[str], *, rows: np.ndarray | None = None) -> set[str]:
        """Those of ``terms`` that some row holds (some row where the mask ``rows`` is True, when
        given): one pass over the postings, nothing built per posting."""
        vocab = dict(zip(self.vocab, range(len(self.vocab))))
        want = np.zeros(len(self.vocab), dtype=bool)
        want[[vocab[t] for t in terms if t in vocab]] = True
        at = np.flatnonzero(want[self.indices])
        if rows is not None:
            at = at[np.asarray(rows, dtype=bool)[np.searchsorted(self.indptr, at, side="right") - 1]]
        return {self.vocab[i] for i in np.flatnonzero(np.bincount(self.indices[at], minlength=len(self.vocab)))}

    def take(self, keep: np.ndarray) -> TermCounts:
        """The rows where ``keep`` is True, in order; terms left in no row leave the vocabulary."""
        keep = np.asarray(keep, dtype=bool)
        if len(keep) != self.num_docs:
            raise ValueError(f"keep has {len(keep)} rows, the counts {self.num_docs}")
        lengths = np.diff(self.indptr)
        postings = np.repeat(keep, lengths)
        indices, counts = self.indices[postings], self.counts[postings]
        indptr = np.concatenate([[0], np.cumsum(lengths[keep])]).astype(np.int64)
        vocab = self.vocab
        live = np.bincount(indices, minlength=len(vocab)) > 0
        if not live.all():
            new_id = (np.cumsum(live) - 1).astype(np.int32)
            indices = new_id[indices]
            vocab = [t for t, alive in zip(vocab, live.tolist()) if alive]
        return TermCounts(vocab, indptr, indices, counts, self.doc_lengths[keep])

    def blank(self, rows: np.ndarray) -> TermCounts:
        """These rows with the ``rows`` where the mask is True holding no terms (their numbers kept)."""
        lengths = np.diff(self.indptr)
        keep = np.repeat(~np.asarray(rows, dtype=bool), lengths)
        indptr = np.concatenate([[0], np.cumsum(np.where(rows, 0, lengths))]).astype(np.int64)
        return TermCounts(self.vocab, indptr, self.indices[keep], self.counts[keep], self.doc_lengths)

    def extend(self, docs: Iterable[Sequence[str]]) -> TermCounts:
        """These rows followed by one row per document of ``docs``."""
        new = TermCounts.from_tokens(docs, vocab=self.vocab)
        counts = np.concatenate([self.counts, new.counts])
        if counts.dtype != np.uint32 and len(counts) and int(counts.max()) > np.iinfo(np.uint16).max:
            counts = counts.astype(np.uint32)
        return TermCounts(new.vocab, np.concatenate([self.indptr, new.indptr[1:] + self.indptr[-1]]),
                          np.concatenate([self.indices, new.indices]), counts,
                          np.concatenate([self.doc_lengths, new.doc_lengths]))

    @classmethod
    def concat(cls, parts: Sequence[TermCounts]) -> TermCounts:
        """The rows of ``parts`` one after the other (a generation's base and its deltas); term
        ids continue the first part's vocabulary, new terms appended in the order they come: the
        same counts as ``parts[0].extend`` of the later parts' documents."""
        if len(parts) == 1:
            return parts[0]
        vocab = list(parts[0].vocab)
        ids = {t: i for i, t in enumerate(vocab)}
        indptr, indices, counts, lengths = [parts[0].indptr], [parts[0].indices], [parts[0].counts], [parts[0].doc_lengths]
        postings = int(parts[0].indptr[-1])
        for p in parts[1:]:
            remap = np.empty(len(p.vocab), np.int32)
            for i, t in enumerate(p.vocab):
                tid = ids.get(t)
                if tid is None:
                    tid = ids[t] = len(vocab)
                    vocab.append(t)
                remap[i] = tid
            indptr.append(p.indptr[1:] + postings)  # (a part may have no rows: a delta that only removed)
            postings += int(p.indptr[-1])
            indices.append(remap[p.indices])
            counts.append(p.counts)
            lengths.append(p.doc_lengths)
        merged = np.concatenate(counts)
        if merged.dtype != np.uint32 and len(merged) and int(merged.max()) > np.iinfo(np.uint16).max:
            merged = merged.astype(np.uint32)
        return cls(vocab, np.concatenate(indptr).astype(np.int64), np.concatenate(indices).astype(np.int32), merged,
                   np.concatenate(lengths).astype(np.int32))

    def save(self, path: Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name, arr in ((INDPTR, self.indptr), (INDICES, self.indices), (COUNTS, self.counts),
                          (DOC_LENGTHS, self.doc_lengths)):
            np.save(path / name, arr, allow_pickle=False)
        TermPostings.from_counts(self).save(path)  # the same counts term-major, what questions read
        (path / VOCAB).write_text(json.dumps(self.vocab, ensure_ascii=False), "utf-8")
        (path / PARAMS).write_text(json.dumps({"format": COUNTS_FORMAT, **BM25_PARAMS, "num_docs": self.num_docs,
                                               "postings": len(self.indices), "terms": len(self.vocab)}), "utf-8")

    @staticmethod
    def stored_in(path: Path) -> bool:
        """True when ``path`` holds term counts (not an older bm25s directory)."""
        return (Path(path) / PARAMS).is_file()

    @classmethod
    def load(cls, path: Path) -> TermCounts:
        path = Path(path)
        params = json.loads((path / PARAMS).read_text("utf-8"))
        if params.get("format") != COUNTS_FORMAT:
            raise QAError(f"{path} holds BM25 data of format {params.get('format')!r}, this version of qa reads "
                          f"{COUNTS_FORMAT!r}; rebuild it: qa index repair")
        vocab = json.loads((path / VOCAB).read_text("utf-8"))
        tc = cls(vocab, *(np.load(path / n, allow_pickle=False) for n in (INDPTR, INDICES, COUNTS, DOC_LENGTHS)))
        if (tc.num_docs != params["num_docs"] or len(tc.indices) != len(tc.counts) or tc.indptr[-1] != len(tc.indices)
                or len(tc.doc_lengths) != tc.num_docs or len(vocab) != params["terms"]):
            raise ValueError(f"the arrays in {path} do not agree with each other or with {PARAMS}")
        return tc


@dataclass(frozen=True, eq=False)
class TermPostings:
    """One segment's term counts, term-major: for term id ``t`` the rows
    ``rows[indptr[t]:indptr[t + 1]]`` (ascending) hold it ``counts[...]`` times. Loaded from the
    ``term_*.npy`` files through a memory map: a question reads the postings of its own terms."""

    vocab: list[str]
    indptr: np.ndarray
    rows: np.ndarray
    counts: np.ndarray
    doc_lengths: np.ndarray
    row_indptr: np.ndarray  # the row-major counts' (memory-mapped too): which terms a row holds
    row_terms: np.ndarray

    @property
    def num_docs(self) -> int:
        return len(self.doc_lengths)

    def terms_of(self, rows: np.ndarray) -> np.ndarray:
        """The term ids the given rows hold, one per (row, term)."""
        parts = [np.asarray(self.row_terms[int(self.row_indptr[r]):int(self.row_indptr[r + 1])]) for r in rows]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    @classmethod
    def from_counts(cls, tc: TermCounts) -> TermPostings:
        """The transposition of row-major counts (scipy's CSR -> CSC: a counting sort in C)."""
        from scipy.sparse import csr_matrix

        csc = csr_matrix((tc.counts, tc.indices, tc.indptr), shape=(tc.num_docs, len(tc.vocab))).tocsc()
        csc.sort_indices()
        return cls(tc.vocab, csc.indptr.astype(np.int64), csc.indices.astype(np.int32),
                   csc.data.astype(tc.counts.dtype, copy=False), tc.doc_lengths, tc.indptr, tc.indices)

    def save(self, path: Path) -> None:
        for name, arr in ((TERM_INDPTR, self.indptr), (TERM_ROWS, self.rows), (TERM_COUNTS, self.counts)):
            np.save(path / name, arr, allow_pickle=False)

    @classmethod
    def load(cls, path: Path) -> TermPostings:
        """A ``bm25/`` folder's postings: memory-mapped from its ``term_*.npy`` files, or transposed in
        memory from the row-major counts when it has none (written before they were)."""
        path = Path(path)
        if not all((path / n).is_file() for n in (TERM_INDPTR, TERM_ROWS, TERM_COUNTS)):
            return cls.from_counts(TermCounts.load(path))
        params = json.loads((path / PARAMS).read_text("utf-8"))
        if params.get("format") != COUNTS_FORMAT:
            raise QAError(f"{path} holds BM25 data of format {params.get('format')!r}, this version of qa reads "
                          f"{COUNTS_FORMAT!r}; rebuild it: qa index repair")
        vocab = json.loads((path / VOCAB).read_text("utf-8"))
        indptr, rows, counts, row_terms = (np.load(path / n, mmap_mode="r", allow_pickle=False)
                                           for n in (TERM_INDPTR, TERM_ROWS, TERM_COUNTS, INDICES))
        lengths, row_indptr = (np.load(path / n, allow_pickle=False) for n in (DOC_LENGTHS, INDPTR))
        if (len(indptr) != len(vocab) + 1 or int(indptr[-1]) != len(rows) or len(rows) != len(counts)
                or len(rows) != params["postings"] or len(lengths) != params["num_docs"]
                or len(row_indptr) != len(lengths) + 1 or len(row_terms) != len(rows)):
            raise ValueError(f"the arrays in {path} do not agree with each other or with {PARAMS}")
        return cls(vocab, np.asarray(indptr), rows, counts, lengths, row_indptr, row_terms)


class BM25Index:
    """BM25 postings per term (document ids and their scores), the document frequencies the
    answer step weighs terms with, and the vocabulary the English bridges look words up in.

    Over term counts (``TermPostings``: a generation's base and its deltas, rows numbered on
    across them) a term's scores are computed when a question asks for it, from its postings and
    each row's length (Lucene's BM25: idf(t) * tf / (tf + k1 * (1 - b + b * dl / avgdl))), so
    loading reads the vocabulary and the row lengths, not the postings. ``removed`` rows
    (``qa.tombstones``) count for nothing: the scores, document frequencies and vocabulary are
    those of the other rows alone, and the removed ones score 0."""

    def __init__(self, segments: Sequence[TermPostings], *, removed: np.ndarray | None = None) -> None:
        k1, b = BM25_PARAMS["k1"], BM25_PARAMS["b"]
        self._segments = list(segments)
        self._offsets = np.cumsum([0] + [s.num_docs for s in self._segments]).astype(np.int64)
        self.rows = int(self._offsets[-1])  # the length of ``scores``: every row number
        lengths = (np.concatenate([s.doc_lengths for s in self._segments]) if self._segments
                   else np.zeros(0, np.int32))
        self._live = None
        if removed is not None and len(removed):
            self._live = np.ones(self.rows, dtype=bool)
            self._live[np.asarray(removed, dtype=np.int64)] = False
        live_lengths = lengths if self._live is None else lengths[self._live]
        self.num_docs = len(live_lengths)  # the documents BM25 counts (the rows not removed)
        avgdl = float(live_lengths.mean()) if self.num_docs else 1.0
        self._norm = (k1 * ((1 - b) + b * lengths / max(avgdl, 1e-9))).astype(np.float32)
        # one vocabulary: the base's term ids, then each delta's new terms in order
        vocab = {t: i for i, t in enumerate(self._segments[0].vocab)} if self._segments else {}
        self._local: list[np.ndarray | None] = [None]  # per segment: global term id -> its own (-1: none)
        for seg in self._segments[1:]:
            local = []
            for i, t in enumerate(seg.vocab):
                g = vocab.setdefault(t, len(vocab))
                local.append((g, i))
            m = np.full(len(vocab), -1, np.int64)
            if local:
                g, i = np.array(local).T
                m[g] = i
            self._local.append(m)
        df = np.zeros(len(vocab), np.int64)
        for seg, m in zip(self._segments, self._local):
            seg_df = np.diff(seg.indptr)
            if m is None:
                df[:len(seg_df)] += seg_df
            else:
                at = np.flatnonzero(m >= 0)
                df[at] += seg_df[m[at]]
        if self._live is not None:  # the removed rows' terms, read from those rows alone
            for seg, m, lo, hi in zip(self._segments, self._local, self._offsets[:-1].tolist(),
                                      self._offsets[1:].tolist()):
                local = seg.terms_of(np.flatnonzero(~self._live[lo:hi]))
                if m is not None:  # a delta's own term ids -> global ones
                    to_global = np.empty(len(seg.vocab), np.int64)
                    at = np.flatnonzero(m >= 0)
                    to_global[m[at]] = at
                    local = to_global[local]
                df -= np.bincount(local, minlength=len(df))
            vocab = {t: i for t, i in vocab.items() if df[i]}  # a term only removed rows held is not in the corpus
        self.vocab = vocab
        self._df = df
        self._idf = np.log1p((self.num_docs - df + 0.5) / (df + 0.5)).astype(np.float32)

    @classmethod
    def from_counts(cls, tc: TermCounts, *, removed: np.ndarray | None = None) -> BM25Index:
        return cls([TermPostings.from_counts(tc)], removed=removed)

    @classmethod
    def build(cls, corpus_tokens: list[list[str]]) -> BM25Index:
        """Scores of a corpus held in memory (what is stored is its ``TermCounts``)."""
        return cls.from_counts(TermCounts.from_tokens(corpus_tokens))

    @classmethod
    def load(cls, path: Path, *, deltas: Sequence[Path] = (), removed: np.ndarray | None = None) -> BM25Index:
        """The term counts at ``path`` followed by those of ``deltas`` (the BM25 rows later
        changes appended) without the ``removed`` rows, or an older bm25s directory (which has
        neither)."""
        path = Path(path)
        if TermCounts.stored_in(path):
            return cls([TermPostings.load(p) for p in (path, *deltas)], removed=removed)
        if (path / LEGACY_PARAMS).is_file():
            return _ScoredBM25.load(path)
        raise FileNotFoundError(f"{path} holds neither {PARAMS} nor {LEGACY_PARAMS}")

    def _postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, counts) of term ``tid`` over every segment, rows ascending."""
        rows, counts = [], []
        for seg, m, offset in zip(self._segments, self._local, self._offsets[:-1].tolist()):
            lid = tid if m is None else (int(m[tid]) if tid < len(m) else -1)
            if lid < 0 or lid >= len(seg.indptr) - 1:
                continue
            lo, hi = int(seg.indptr[lid]), int(seg.indptr[lid + 1])
            rows.append(np.asarray(seg.rows[lo:hi], dtype=np.int64) + offset)
            counts.append(np.asarray(seg.counts[lo:hi]))
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.uint16)
        r, c = (rows[0], counts[0]) if len(rows) == 1 else (np.concatenate(rows), np.concatenate(counts))
        if self._live is not None:
            keep = self._live[r]
            r, c = r[keep], c[keep]
        return r, c

    def _term_scores(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        rows, counts = self._postings(tid)
        tf = counts.astype(np.float32)
        tf /= tf + self._norm[rows]
        tf *= self._idf[tid]
        return rows, tf

    def docs(self, term: str) -> np.ndarray:
        """Ids of the documents that contain ``term`` (empty for an unknown term)."""
        tid = self.vocab.get(term.lower())
        if tid is None:
            return np.zeros(0, dtype=np.int64)
        return self._term_scores(tid)[0]

    def known(self, terms: Iterable[str]) -> list[str]:
        return [t for t in terms if t in self.vocab]

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return int(self._df[tid]) if tid is not None else 0

    def idf(self, term: str) -> float:
        """Lucene's BM25 idf; a term the index has never seen gets the rarest possible weight."""
        n, df = self.num_docs, self.df(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, terms: Mapping[str, float] | Iterable[str]) -> np.ndarray:
        """BM25 score of every document for weighted query terms (a plain token list
        weighs each token by how often it occurs). Unknown terms contribute nothing."""
        weights = dict(terms) if isinstance(terms, Mapping) else Counter(terms)
        total = np.zeros(self.rows, dtype=np.float32)
        for term, w in weights.items():
            tid = self.vocab.get(term)
            if tid is not None and w:
                rows, scores = self._term_scores(tid)
                total[rows] += np.float32(w) * scores
        return total


class _ScoredBM25(BM25Index):
    """A bm25s directory (the format before term counts): its precomputed scores, term-major, in memory."""

    def __init__(self, vocab: dict[str, int], indptr: np.ndarray, docs: np.ndarray, scores: np.ndarray,
                 num_docs: int) -> None:
        self.vocab, self.num_docs, self.rows = vocab, num_docs, num_docs
        self._indptr, self._docs, self._scores = indptr, docs, scores
        self._df = np.diff(indptr)

    @classmethod
    def load(cls, path: Path) -> _ScoredBM25:
        params = json.loads((path / LEGACY_PARAMS).read_text("utf-8"))
        vocab = json.loads((path / "vocab.index.json").read_text("utf-8"))
        indptr, docs, scores = (np.load(path / f"{n}.csc.index.npy", allow_pickle=False)
                                for n in ("indptr", "indices", "data"))
        if indptr[-1] != len(docs) or len(docs) != len(scores):
            raise ValueError(f"the arrays in {path} do not agree with each other")
        return cls({k: v for k, v in vocab.items() if k and v < len(indptr) - 1}, indptr, docs, scores,
                   int(params["num_docs"]))

    def _term_scores(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self._indptr[tid], self._indptr[tid + 1]
        return np.asarray(self._docs[lo:hi], dtype=np.int64), self._scores[lo:hi]


def idf_function(bm25: BM25Index | None):
    """idf of a surface form: the most specific of its tokens; unseen words weigh most."""
    if bm25 is None:
        return None
    from qa.lang.segment import tokenize

    top = math.log(1 + (bm25.num_docs + 0.5) / 0.5)

    def idf(form: str) -> float:
        toks = tokenize(form)
        return max((bm25.idf(t) for t in toks), default=top) if toks else top

    return idf
