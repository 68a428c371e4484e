from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import ConfigError
from qa.settings import GeneratorKind, RetrieverMode, Settings, VectorIndexKind


def test_precedence_defaults_env_overrides():
    s = Settings.load(env={})
    assert (s.index_dir, s.top_k, s.retriever, s.encoder) == (Path("index"), 6, RetrieverMode.HYBRID, None)
    s = Settings.load(env={"QA_TOP_K": "3", "QA_RETRIEVER": "bm25", "QA_INDEX_DIR": "/x"})
    assert (s.top_k, s.retriever, s.index_dir) == (3, RetrieverMode.BM25, Path("/x"))
    s = Settings.load(env={"QA_TOP_K": "3"}, top_k=9, retriever=None)
    assert s.top_k == 9 and s.retriever is RetrieverMode.HYBRID  # None means "not given"


def test_new_indexes_keep_16_bit_vectors_unless_told():
    """16-bit vectors are the default since 2026-12-02 (the evaluation suite gave the same answers as
    with 32 bits, at half the vector memory: README, Storage), as ivf16 since 2026-12-05: exact (flat16's
    files) under 50k sentences, lists read from disk past it; QA_VECTOR_INDEX=flat keeps 32 bits."""
    assert Settings.load(env={}).vector_index is VectorIndexKind.IVF16
    assert Settings.load(env={"QA_VECTOR_INDEX": "flat16"}).vector_index is VectorIndexKind.FLAT16
    assert Settings.load(env={"QA_VECTOR_INDEX": "flat"}).vector_index is VectorIndexKind.FLAT


def test_api_key_falls_back_and_is_masked():
    s = Settings.load(env={"OPENAI_API_KEY": "sk-secret"})
    assert s.llm_api_key == "sk-secret" and s.public_dict()["llm_api_key"] == "***"
    assert Settings.load(env={"OPENAI_API_KEY": "a", "QA_LLM_API_KEY": "b"}).llm_api_key == "b"


@pytest.mark.parametrize("env, message", [
    ({"QA_RETRIEVER": "sparse"}, "valid values: dense, bm25, hybrid"),
    ({"QA_GENERATOR": "gpt"}, "extractive, transformers, openai"),
    ({"QA_TOP_K": "zero"}, "top_k='zero'"),
    ({"QA_TOP_K": "0"}, "top_k must be at least 1"),
    ({"QA_CHUNK_SIZE": "10"}, "chunk_size must be between"),
])
def test_bad_values_name_the_problem(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(env=env)


def test_unknown_override():
    with pytest.raises(ConfigError, match="unknown setting 'topk'"):
        Settings.load(env={}, topk=3)
    assert Settings.load(env={}, generator="openai").generator is GeneratorKind.OPENAI


def test_decompose_reads_a_boolean_word_and_names_a_bad_one():
    assert Settings.load(env={}).decompose is True
    assert Settings.load(env={"QA_DECOMPOSE": "0"}).decompose is False
    assert Settings.load(env={"QA_DECOMPOSE": "Yes"}).decompose is True
    with pytest.raises(ConfigError, match="decompose"):
        Settings.load(env={"QA_DECOMPOSE": "maybe"})
