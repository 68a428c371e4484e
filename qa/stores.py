"""Stores: where an index lives, chosen by one setting (``QA_STORE``).

- ``local`` (the default): a directory of generations, FAISS + BM25 term counts + SQLite (``qa.store``);
- ``milvus:<file.db>`` (Milvus Lite, embedded) or ``milvus:http://host:19530`` (a Milvus server,
  ``QA_MILVUS_TOKEN``): every part in Milvus collections (``qa.milvus_store``), so that several
  app processes share one index with no local state.

Retrieval, the answer step and the English bridges read an index only through ``Store``;
changes go through ``write``. ``migrate`` copies a local index into Milvus without embedding
anything again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.settings import Settings, StoreKind
from qa.types import Article, Chunk, Sentence

if TYPE_CHECKING:
    from qa.manifest import Manifest
    from qa.store import ArticleInfo


class VectorSearch(Protocol):
    """Nearest rows by inner product (``search``), and the stored vectors of rows."""

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...

    def reconstruct(self, rows) -> np.ndarray: ...


class RowSpans(Protocol):
    """``(first, last)`` rows of the other table, per row: ``spans[rows]`` -> array ``(n, 2)``;
    ``spans[row]`` -> a pair."""

    def __getitem__(self, rows): ...


class Lexical(Protocol):
    """The keyword side: BM25 over the chunks' jieba tokens and the vocabulary the bridges and
    the answer step weigh terms with. ``scores`` is the essential method."""

    vocab: Mapping[str, int]
    num_docs: int

    def scores(self, terms: Mapping[str, float]) -> np.ndarray: ...

    def known(self, terms: Iterable[str]) -> list[str]: ...

    def docs(self, term: str) -> np.ndarray: ...

    def df(self, term: str) -> int: ...

    def idf(self, term: str) -> float: ...


class Store(Protocol):
    """One loaded, read-only view of an index: what retrieval and the answer step read.

    Rows: chunks and sentences are numbered (``Hit.row``, ``Sentence.row``); a sentence row
    is also its vector's row. ``vectors`` holds one vector per sentence, ``chunk_vectors`` one
    context vector per chunk; ``bm25`` is None for an empty index.
    """

    manifest: Manifest  # encoder, dim, chunking, counts
    root: Path | str  # where the index lives (a directory, milvus:<target>), for messages

    @property
    def vectors(self) -> VectorSearch: ...

    @property
    def chunk_vectors(self) -> VectorSearch: ...

    @property
    def sentence_chunks(self) -> RowSpans: ...

    @property
    def chunk_sentences(self) -> RowSpans: ...

    @property
    def bm25(self) -> Lexical | None: ...

    @property
    def lexicon(self) -> dict: ...

    @property
    def transliterations(self) -> list[tuple[str, str]]: ...

    def pinyin_candidates(self, syllables: str) -> list[tuple[str, str]] | None:
        """The chunks whose pinyin holds these syllables (``qa.bridges.pinyin.SyllableScan``), or
        None when the store cannot tell without ``transliterations``."""

    def chunks(self, rows: Iterable[int]) -> list[Chunk]: ...

    def sentences(self, rows: Iterable[int]) -> list[Sentence]: ...

    def sentence_vectors(self, rows: Sequence[int]) -> np.ndarray: ...

    def article(self, article_id: str) -> Article: ...

    def articles(self) -> list[ArticleInfo]: ...

    def names(self) -> list[str]: ...

    def date_mentions(self) -> list[tuple[str, str, int, int]]: ...  # (ISO date, article id, chunk rows lo, hi)

    def chunk_rows_of(self, article_ids: Iterable[str]) -> np.ndarray: ...

    def article_chunks(self, article_id: str) -> list[Chunk]: ...

    def is_current(self) -> bool: ...

    def warm_up(self) -> Store: ...

    def close(self) -> None: ...

    def size_on_disk(self) -> int: ...


def where(settings: Settings) -> str:
    """The index's location as users name it (a directory, or ``milvus:<target>``)."""
    return str(settings.index_dir) if settings.store_kind is StoreKind.LOCAL else settings.store


def open_store(settings: Settings) -> Store:
    """Open the index the settings name. Raises IndexNotFoundError, IndexMismatchError, ..."""
    if settings.store_kind is StoreKind.LOCAL:
        from qa.store import IndexStore

        return IndexStore.open(settings.index_dir)
    from qa.milvus_store import MilvusStore

    return MilvusStore.open(settings.store_target, token=settings.milvus_token)


def stored_encoder(settings: Settings) -> str | None:
    """The encoder the index was built with; None when there is no readable index."""
    try:
        if settings.store_kind is StoreKind.LOCAL:
            from qa.manifest import read_manifest

            return read_manifest(settings.index_dir).encoder
        from qa.milvus_store import read_manifest as read_milvus_manifest

        m = read_milvus_manifest(settings.store_target, token=settings.milvus_token)
        return m.encoder if m is not None else None
    except Exception:
        return None


def write(settings: Settings, **kwargs):
    """Apply a change (``qa.build.write_index``'s arguments) to the index the settings name."""
    if settings.store_kind is StoreKind.LOCAL:
        from qa.build import write_index

        return write_index(settings.index_dir, **kwargs)
    from qa.milvus_write import write_milvus

    return write_milvus(settings.store_target, token=settings.milvus_token, **kwargs)


def require_local(settings: Settings, what: str) -> None:
    """``what`` (recover, verify, repair) is a mechanism of the local store's files."""
    if settings.store_kind is not StoreKind.LOCAL:
        from qa.errors import ConfigError

        raise ConfigError(f"{what} works on a local index directory; the store is {settings.store!r} "
                          f"(Milvus keeps its own replicas and write-ahead log: see README, Storage backends)")


def migrate(index_dir: str | Path, to: str, *, token: str | None = None, replace: bool = False):
    """Copy the local index at ``index_dir`` into the store ``to`` (``milvus:<target>``):
    the same rows, vectors, annotations and lexicon; nothing is embedded again."""
    from qa.settings import store_location

    kind, target = store_location(to)
    if kind is not StoreKind.MILVUS:
        from qa.errors import ConfigError

        raise ConfigError(f"migrate copies a local index into Milvus: --to milvus:<file.db or URI>, not {to!r}")
    from qa.milvus_write import migrate_local

    return migrate_local(Path(index_dir), target, token=token, replace=replace)
