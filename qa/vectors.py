"""Vector side: a FAISS index of normalised vectors (exact inner product over 32-bit or
16-bit floats, or HNSW)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from qa.settings import VectorIndexKind

HNSW_M = 32
HNSW_EF_SEARCH = 128


class VectorStore(Protocol):
    """Nearest rows by inner product; ``search`` is the one essential method."""

    def reconstruct(self, rows) -> np.ndarray:
        """The stored vectors of ``rows``, in the order given."""
        rows = np.asarray(list(rows), dtype=np.int64)
        if not len(rows):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_batch(rows)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...


class FaissVectorStore:
    """Rows are positions: row ``i`` is the ``i``-th vector added."""

    def __init__(self, index, kind: VectorIndexKind) -> None:
        self._index = index
        self.kind = kind
        self._params = None  # search parameters that skip removed rows (``exclude``)
        self._live = None  # rows a search can return (None: all)

    def exclude(self, rows: np.ndarray) -> None:
        """Searches skip these rows from now on (removed: ``qa.tombstones``); they stay stored, so
        ``vectors`` and ``reconstruct`` read every row by its number."""
        import faiss

        rows = np.unique(np.asarray(rows, dtype=np.int64))
        rows = rows[(rows >= 0) & (rows < len(self))]
        if not len(rows):
            self._params = self._live = None
            return
        # (the selector a batch of ids: faiss keeps a pointer to it, so the params keep both alive)
        batch = faiss.IDSelectorBatch(rows)
        selector = faiss.IDSelectorNot(batch)
        if self.kind is VectorIndexKind.HNSW:
            params = faiss.SearchParametersHNSW(sel=selector)
            params.efSearch = HNSW_EF_SEARCH  # (the index's own value does not apply with params)
        else:
            params = faiss.SearchParameters(sel=selector)
        params.refs = (batch, selector)
        self._params, self._live = params, len(self) - len(rows)

    @classmethod
    def create(cls, dim: int, kind: VectorIndexKind = VectorIndexKind.FLAT) -> FaissVectorStore:
        import faiss

        if kind is VectorIndexKind.HNSW:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = HNSW_EF_SEARCH
        elif kind is VectorIndexKind.FLAT16:
            index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexFlatIP(dim)
        return cls(index, kind)

    @classmethod
    def from_vectors(cls, vectors: np.ndarray, dim: int, kind: VectorIndexKind) -> FaissVectorStore:
        store = cls.create(dim, kind)
        store.add(vectors)
        return store

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: np.ndarray) -> None:
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def vectors(self) -> np.ndarray:
        """All stored vectors in row order (as stored: flat16 gives them back rounded to 16 bits)."""
        if not len(self):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_n(0, len(self))

    def reconstruct(self, rows) -> np.ndarray:
        """The stored vectors of ``rows``, in the order given."""
        rows = np.asarray(list(rows), dtype=np.int64)
        if not len(rows):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_batch(rows)

    def live(self) -> int:
        """Rows a search can return."""
        return len(self) if self._live is None else self._live

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)`` of shape ``(len(queries), min(k, live rows))``, best first."""
        k = min(k, self.live())
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        return self._index.search(q, k, params=self._params) if self._params is not None else self._index.search(q, k)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, kind: VectorIndexKind) -> FaissVectorStore:
        import faiss

        index = faiss.read_index(str(path))
        if kind is VectorIndexKind.HNSW:
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index, kind)


class SegmentedVectors:
    """Vector segments read as one store: a generation's base FAISS file followed by the
    small ones later changes appended (``qa.build_append``); row ``i`` of a segment is row
    ``i`` plus the rows of the segments before it. A search asks every segment and keeps the
    best ``k``: for exact (flat) indexes the same rows and scores as one index of all vectors."""

    def __init__(self, parts: list[FaissVectorStore]) -> None:
        if not parts:
            raise ValueError("SegmentedVectors needs at least one segment")
        self._parts = parts
        self._offsets = np.cumsum([0] + [len(p) for p in parts]).astype(np.int64)
        self.kind = parts[0].kind

    @property
    def dim(self) -> int:
        return self._parts[0].dim

    @property
    def segments(self) -> int:
        return len(self._parts)

    def __len__(self) -> int:
        return int(self._offsets[-1])

    def vectors(self) -> np.ndarray:
        return np.concatenate([p.vectors() for p in self._parts], axis=0)

    def exclude(self, rows: np.ndarray) -> None:
        """Searches skip these rows (``FaissVectorStore.exclude``, each segment its own)."""
        rows = np.asarray(rows, dtype=np.int64)
        for part, lo, hi in zip(self._parts, self._offsets[:-1].tolist(), self._offsets[1:].tolist()):
            part.exclude(rows[(rows >= lo) & (rows < hi)] - lo)

    def live(self) -> int:
        return sum(p.live() for p in self._parts)

    def reconstruct(self, rows) -> np.ndarray:
        rows = np.asarray(list(rows), dtype=np.int64)
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        if not len(rows):
            return out
        if rows.min() < 0 or rows.max() >= len(self):
            raise IndexError(f"vector rows {rows.min()}..{rows.max()} outside 0..{len(self) - 1}")
        which = np.searchsorted(self._offsets, rows, side="right") - 1
        for s in np.unique(which).tolist():
            at = which == s
            out[at] = self._parts[s].reconstruct(rows[at] - self._offsets[s])
        return out

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)`` of shape ``(len(queries), min(k, live rows))``, best first."""
        k = min(k, self.live())
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        scores, rows = [], []
        for part, offset in zip(self._parts, self._offsets[:-1].tolist()):
            s, r = part.search(q, k)
            scores.append(np.where(r >= 0, s, -np.inf))  # a segment with fewer than k live rows
            rows.append(np.where(r >= 0, r + offset, -1))
        s, r = np.concatenate(scores, axis=1), np.concatenate(rows, axis=1)
        best = np.argsort(-s, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(s, best, axis=1), np.take_along_axis(r, best, axis=1)
