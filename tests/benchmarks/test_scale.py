"""The scale benchmark's parts: the stand-in encoder, the synthetic corpus, and the script at a toy size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.synthetic import StandInEncoder, corpus, questions
from qa.chunking import chunk_article
from qa.encoders import Encoder

ROOT = Path(__file__).resolve().parent.parent.parent


def test_stand_in_encoder_is_an_encoder_of_unit_rows_that_share_characters():
    enc = StandInEncoder()
    assert isinstance(enc, Encoder) and enc.dim == 384
    texts = ["厦门市政府与工信部共同主办论坛", "厦门市政府主办论坛", "胡昌升在北京会见陈肇雄", ""]
    v = enc.encode_passages(texts)
    assert v.shape == (4, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-5)
    assert np.array_equal(v, enc.encode_passages(texts))  # deterministic
    assert np.array_equal(enc.encode_queries(texts[:1]), v[:1])  # queries and passages alike
    sims = v[:3] @ v[0]
    assert sims[1] > sims[2]  # shares characters with the first, the other does not


def test_stand_in_vectors_are_the_same_in_another_process():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from benchmarks.synthetic import StandInEncoder; "
            "print(StandInEncoder().encode_passages(['金砖创新基地建在厦门'])[0][:8].tolist())")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True)
    here = StandInEncoder().encode_passages(["金砖创新基地建在厦门"])[0][:8]
    assert np.allclose(json.loads(out.stdout), here)


def test_corpus_is_deterministic_chinese_news_of_the_asked_size():
    articles, n = corpus(120, seed=3)
    again, _ = corpus(120, seed=3)
    other, _ = corpus(120, seed=4)
    assert [a.id for a in articles] == [a.id for a in again]
    assert {a.id for a in articles}.isdisjoint(a.id for a in other)
    assert n >= 120 and n == sum(len(chunk_article(a)) for a in articles)
    assert len({a.id for a in articles}) == len(articles)
    for a in articles:
        assert sum("\u4e00" <= c <= "\u9fff" for c in a.text) > 0.6 * len(a.text)
        assert a.title and len(a.date) == 10 and a.date_source == "metadata"
    zh, en = questions(articles, 5, seed=0)
    assert len(zh) == 5 and all(q.endswith("？") for q in zh)
    assert en and all(q.startswith("What did ") for q in en)


@pytest.mark.slow
def test_the_script_runs_at_a_toy_size(tmp_path):
    out = tmp_path / "scale.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--chunks", "150",
                           "--backends", "local-flat", "local-flat16", "local-ivf16", "--from-flat", "--questions", "3", "--runs", "1",
                           "--encoder-sample", "0", "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| local-flat |" in proc.stdout and "STAND-IN" in proc.stdout
    report = json.loads(out.read_text("utf-8"))
    assert report["corpus"]["chunks"] >= 150 and "STAND-IN" in report["vectors"]
    assert report["machine"]["cores"] and len(report["load_average"]["end"]) == 3
    r = report["backends"]["local-flat"]
    assert r["build"]["build_seconds"] > 0 and r["build"]["disk_bytes"] > 0
    assert r["probe"]["rss_after_load_mb"] > 0 and r["probe"]["load_seconds"] > 0
    assert all(r["probe"]["latency_ms"][m]["n"] >= 1 for m in ("dense", "bm25", "hybrid", "hybrid-en"))
    assert r["add"]["add_seconds"] > 0 and r["add"]["second_add_seconds"] > 0  # a fresh process, then the same one
    # flat16 made from the flat index (qa.build.convert_vectors): its build time derived from measured parts
    h = report["backends"]["local-flat16"]
    assert h["build"]["derived"] and h["build"]["kind_faiss_seconds"] > 0 and h["build"]["flat_faiss_seconds"] > 0
    assert 0 < h["build"]["files"]["vectors.faiss"] < 0.6 * r["build"]["files"]["vectors.faiss"]
    assert all(h["probe"]["latency_ms"][m]["n"] >= 1 for m in ("dense", "bm25", "hybrid", "hybrid-en"))
    # ivf16 too (at this size its segments stay flat16: qa.vectors.IVF_MIN_VECTORS)
    i = report["backends"]["local-ivf16"]
    assert i["build"]["derived"] and i["build"]["source"] == "local-flat" and i["remove"]["seconds"] > 0


@pytest.mark.slow
def test_the_script_runs_one_backend_alone(tmp_path):
    """Only the default kind, built directly (no --from-flat): the 100k run of 2026-12-02 ended in a
    KeyError on the local-flat entry it had not built, after every phase had run."""
    out = tmp_path / "scale.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--chunks", "60",
                           "--backends", "local-flat16", "--questions", "1", "--runs", "1", "--budget", "5",
                           "--encoder-sample", "0", "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text("utf-8"))
    assert list(report["backends"]) == ["local-flat16"]
    assert report["backends"]["local-flat16"]["build"]["peak"] > 0 and report["backends"]["local-flat16"]["add"]["add_seconds"] > 0
