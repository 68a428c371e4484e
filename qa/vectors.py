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

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)`` of shape ``(len(queries), min(k, len(self)))``, best first."""
        k = min(k, len(self))
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        return self._index.search(q, k)

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
        """``(scores, rows)`` of shape ``(len(queries), min(k, len(self)))``, best first."""
        k = min(k, len(self))
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        scores, rows = [], []
        for part, offset in zip(self._parts, self._offsets[:-1].tolist()):
            s, r = part.search(q, k)
            scores.append(s)
            rows.append(np.where(r >= 0, r + offset, -1))
        s, r = np.concatenate(scores, axis=1), np.concatenate(rows, axis=1)
        best = np.argsort(-s, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(s, best, axis=1), np.take_along_axis(r, best, axis=1)
