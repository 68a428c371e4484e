"""Optional reranking of retrieved chunks with a stronger model (needs the ``st`` extra).

- ``ce:<model id or path>``: a cross-encoder (e.g. BAAI/bge-reranker-v2-m3) scores each
  (question, passage) pair;
- ``st:<model id or path>``: a (cross-lingual) sentence-transformers bi-encoder (e.g.
  BAAI/bge-m3) rescores the candidates by cosine similarity.

Set with ``QA_RERANKER``; the default is none (the offline default needs no torch).
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from qa.encoders import SentenceTransformerEncoder
from qa.errors import ConfigError
from qa.types import Hit

CANDIDATES = 20  # how many fused hits a reranker looks at


class Reranker(Protocol):
    """Scores passages for a question; ``scores`` is the one essential method."""

    name: str

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray: ...


def rerank(reranker: Reranker, question: str, hits: Sequence[Hit], texts: Sequence[str], top_k: int) -> tuple[Hit, ...]:
    """The ``top_k`` hits by the reranker's score (ties keep the fused order)."""
    if not hits:
        return ()
    s = np.asarray(reranker.scores(question, list(texts)), dtype=np.float64)
    order = np.argsort(-s, kind="stable")[:top_k]
    return tuple(dataclasses.replace(hits[i], score=float(s[i])) for i in order)


class CrossEncoderReranker:
    def __init__(self, model: str, *, device: str | None = None) -> None:
        self.model_name = model
        self.name = f"ce:{model}"
        self.device = device
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import CrossEncoder
                except ImportError as e:
                    raise ImportError("a cross-encoder reranker needs the 'st' extra: "
                                      "pip install 'torch==2.13.0' 'chinese-news-qa[st]'") from e
                try:
                    self._model = CrossEncoder(self.model_name, device=self.device,
                                               local_files_only=os.path.exists(self.model_name))
                except OSError as e:
                    raise ConfigError(f"cannot load cross-encoder {self.model_name!r}: {e}") from None
        return self._model

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        model = self._load()
        return np.asarray(model.predict([(question, p) for p in passages], show_progress_bar=False))


class BiEncoderReranker:
    def __init__(self, model: str, *, device: str | None = None) -> None:
        self.encoder = SentenceTransformerEncoder(model, device=device)
        self.name = f"st:{model}"

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        return self.encoder.encode_passages(passages) @ self.encoder.encode_queries([question])[0]


def make_reranker(spec: str | None, *, device: str | None = None) -> Reranker | None:
    """A reranker from ``ce:<model>`` or ``st:<model>``; None for no reranking."""
    if not spec or spec.strip().lower() in ("none", "off"):
        return None
    spec = spec.strip()
    for prefix, cls in (("ce:", CrossEncoderReranker), ("st:", BiEncoderReranker)):
        if spec.startswith(prefix) and spec[len(prefix):].strip():
            return cls(spec[len(prefix):].strip(), device=device)
    raise ConfigError(f"unknown reranker {spec!r}; use ce:<cross-encoder id or path> or st:<model id or path>")
