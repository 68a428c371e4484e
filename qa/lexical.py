"""Lexical side: a BM25 index (bm25s) over the chunks' jieba tokens (``qa.lang.segment.tokenize``)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

BM25_PARAMS = {"k1": 1.2, "b": 0.75, "method": "lucene"}


class BM25Index:
    """A bm25s index plus the document frequencies the answer step weighs terms with."""

    def __init__(self, bm25) -> None:
        self._bm25 = bm25
        indptr = np.asarray(bm25.scores["indptr"])
        self._df = np.diff(indptr)
        self.num_docs = int(bm25.scores["num_docs"])
        self.vocab: dict[str, int] = {k: v for k, v in bm25.vocab_dict.items() if k}

    @classmethod
    def build(cls, corpus_tokens: list[list[str]]) -> BM25Index:
        import bm25s

        bm25 = bm25s.BM25(k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"], method=BM25_PARAMS["method"])
        # bm25s needs at least one token in the corpus; an empty index still scores 0
        bm25.index(corpus_tokens if any(corpus_tokens) else [["\x00"]] * max(1, len(corpus_tokens)),
                   show_progress=False)
        return cls(bm25)

    def save(self, path: Path) -> None:
        self._bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(path), show_progress=False))

    def docs(self, term: str) -> np.ndarray:
        """Ids of the documents that contain ``term`` (empty for an unknown term)."""
        tid = self.vocab.get(term.lower())
        if tid is None:
            return np.zeros(0, dtype=np.int64)
        ptr = self._bm25.scores["indptr"]
        return np.asarray(self._bm25.scores["indices"][ptr[tid]: ptr[tid + 1]])

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
        total = np.zeros(self.num_docs, dtype=np.float32)
        for term, w in weights.items():
            tid = self.vocab.get(term)
            if tid is not None and w:
                total += w * self._bm25.get_scores_from_ids([tid])
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
