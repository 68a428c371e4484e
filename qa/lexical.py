"""Lexical side: BM25 over the chunks' jieba tokens (``qa.lang.segment.tokenize``).

What is stored is the raw term statistics (``TermCounts``: per chunk row, its terms and how
often each occurs), not precomputed scores, so that a change of the index is the previous
generation's rows with the removed chunks dropped and the new ones appended: nothing is
tokenised again and no score is recomputed on disk. Scores are Lucene's BM25
(``BM25_PARAMS``), computed when an index is loaded (``BM25Index``), equal to what bm25s
computes for the same corpus and parameters.

``bm25/`` of a generation::

    params.json      format, BM25 parameters, row and posting counts
    vocab.json       the terms; a term's id is its position
    indptr.npy       int64, rows + 1: row r's postings are [indptr[r], indptr[r + 1])
    indices.npy      int32 term ids, per row
    counts.npy       uint16 (uint32 if needed) term frequencies, aligned with indices
    doc_lengths.npy  int32 tokens per row

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


class BM25Index:
    """BM25 postings per term (document ids and their scores), the document frequencies the
    answer step weighs terms with, and the vocabulary the English bridges look words up in."""

    def __init__(self, vocab: dict[str, int], indptr: np.ndarray, docs: np.ndarray, scores: np.ndarray,
                 num_docs: int, *, rows: int | None = None) -> None:
        self.vocab = vocab
        self.num_docs = num_docs  # the documents BM25 counts (the rows not removed)
        self.rows = num_docs if rows is None else rows  # the length of ``scores``: every row number
        self._indptr, self._docs, self._scores = indptr, docs, scores
        self._df = np.diff(indptr)

    @classmethod
    def from_counts(cls, tc: TermCounts, *, removed: np.ndarray | None = None) -> BM25Index:
        """Lucene's BM25: idf(t) * tf / (tf + k1 * (1 - b + b * dl / avgdl)), per posting, term-major.
        ``removed`` rows (``qa.tombstones``) count for nothing: the scores, document frequencies
        and vocabulary are those of the other rows alone, and the removed ones score 0."""
        rows = tc.num_docs
        if removed is not None and len(removed):
            live = np.ones(rows, dtype=bool)
            live[np.asarray(removed, dtype=np.int64)] = False
            return cls._from_counts(tc.blank(~live), int(live.sum()), tc.doc_lengths[live])
        return cls._from_counts(tc, rows, tc.doc_lengths)

    @classmethod
    def _from_counts(cls, tc: TermCounts, n: int, lengths: np.ndarray) -> BM25Index:
        k1, b = BM25_PARAMS["k1"], BM25_PARAMS["b"]
        df = tc.df()
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        norm = (k1 * ((1 - b) + b * tc.doc_lengths / max(avgdl, 1e-9))).astype(np.float32)
        tf = tc.counts.astype(np.float32)
        tf /= tf + np.repeat(norm, np.diff(tc.indptr))
        tf *= idf[tc.indices]
        # term-major: scipy's CSR -> CSC transpose is a counting sort in C (3x numpy's stable argsort)
        from scipy.sparse import csr_matrix

        csc = csr_matrix((tf, tc.indices, tc.indptr), shape=(tc.num_docs, len(tc.vocab))).tocsc()
        vocab = {t: i for i, t in enumerate(tc.vocab)}
        if n < tc.num_docs:  # a term only removed rows held is not in the corpus
            vocab = {t: i for t, i in vocab.items() if df[i]}
        return cls(vocab, csc.indptr, csc.indices, csc.data, n, rows=tc.num_docs)

    @classmethod
    def build(cls, corpus_tokens: list[list[str]]) -> BM25Index:
        """Scores of a corpus held in memory (what is stored is its ``TermCounts``)."""
        return cls.from_counts(TermCounts.from_tokens(corpus_tokens))

    @classmethod
    def load(cls, path: Path, *, deltas: Sequence[Path] = (), removed: np.ndarray | None = None) -> BM25Index:
        """The scores of the term counts at ``path`` followed by those of ``deltas`` (the BM25
        rows later changes appended) without the ``removed`` rows, or of an older bm25s directory
        (which has neither)."""
        path = Path(path)
        if deltas:
            return cls.from_counts(TermCounts.concat([TermCounts.load(p) for p in (path, *deltas)]), removed=removed)
        if TermCounts.stored_in(path):
            return cls.from_counts(TermCounts.load(path))
        if (path / LEGACY_PARAMS).is_file():
            return cls._load_bm25s(path)
        raise FileNotFoundError(f"{path} holds neither {PARAMS} nor {LEGACY_PARAMS}")

    @classmethod
    def _load_bm25s(cls, path: Path) -> BM25Index:
        """A bm25s directory (the format before term counts): its precomputed scores, term-major."""
        params = json.loads((path / LEGACY_PARAMS).read_text("utf-8"))
        vocab = json.loads((path / "vocab.index.json").read_text("utf-8"))
        indptr, docs, scores = (np.load(path / f"{n}.csc.index.npy", allow_pickle=False)
                                for n in ("indptr", "indices", "data"))
        if indptr[-1] != len(docs) or len(docs) != len(scores):
            raise ValueError(f"the arrays in {path} do not agree with each other")
        return cls({k: v for k, v in vocab.items() if k and v < len(indptr) - 1}, indptr, docs, scores,
                   int(params["num_docs"]))

    def docs(self, term: str) -> np.ndarray:
        """Ids of the documents that contain ``term`` (empty for an unknown term)."""
        tid = self.vocab.get(term.lower())
        if tid is None:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self._docs[self._indptr[tid]: self._indptr[tid + 1]])

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
                lo, hi = self._indptr[tid], self._indptr[tid + 1]
                total[self._docs[lo:hi]] += np.float32(w) * self._scores[lo:hi]
        return total


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
