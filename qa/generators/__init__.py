"""Generators chosen by configuration: ``extractive`` (default), ``transformers``, ``openai``.

A model generator writes the answer; its claims are checked against the passages
they cite (``check``), and when the model fails, times out or writes nothing
usable, the extractive generator answers instead (``fallback``).

>>> from qa.settings import Settings
>>> s = Settings.load(generator="openai", llm_base_url="http://127.0.0.1:8000/v1", llm_model="qwen2.5")
>>> make_generator(s).name
'openai:qwen2.5'
"""

from __future__ import annotations

import importlib.util

from qa.answer import Generator
from qa.errors import ConfigError
from qa.settings import GeneratorKind, Settings


def _require(*modules: str, extra: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ImportError(f"generator needs {', '.join(missing)}: {extra}")


def extractive_generator(settings: Settings) -> Generator:
    """The offline generator with the answer-step settings (model file, threshold, quotes)."""
    from qa.extractive import ExtractiveGenerator

    return ExtractiveGenerator(settings.answer_model, found_threshold=settings.found_threshold,
                               max_quotes=settings.max_quotes)


def make_generator(settings: Settings) -> Generator:
    """The generator ``settings.generator`` names; models load on first use.

    Raises:
        ConfigError: a model generator without ``llm_model`` (transformers).
        ImportError: its packages are not installed (with the ``pip install`` to run).
    """
    kind = GeneratorKind.parse(settings.generator)
    extractive = extractive_generator(settings)
    if kind is GeneratorKind.EXTRACTIVE:
        return extractive
    if kind is GeneratorKind.TRANSFORMERS:
        if not settings.llm_model:
            raise ConfigError("generator 'transformers' needs a model: set QA_LLM_MODEL (or --llm-model) "
                              "to a chat model's local directory or hub id")
        _require("torch", "transformers", extra="pip install torch==2.13.0 'chinese-news-qa[llm]'")
        from qa.generators.hf import TransformersChat

        model = TransformersChat(settings.llm_model, device=settings.device,
                                 context_tokens=settings.llm_context_tokens)
    elif kind is GeneratorKind.OPENAI:
        _require("httpx", extra="pip install 'chinese-news-qa[llm]'")
        from qa.generators.openai_compat import OpenAIChat

        model = OpenAIChat(settings.llm_model, base_url=settings.llm_base_url, api_key=settings.llm_api_key,
                           context_tokens=settings.llm_context_tokens)
    else:  # pragma: no cover - GeneratorKind.parse rejects anything else
        raise ConfigError(f"unknown generator {kind!r}")
    from qa.generators.fallback import WithFallback
    from qa.generators.llm import LLMGenerator

    return WithFallback(LLMGenerator(model, max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout,
                                     answer_model=settings.answer_model), extractive)
