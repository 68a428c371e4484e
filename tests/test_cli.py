"""The `qa` command, run as a user runs it (a subprocess), on the bundled index."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import BUNDLED, ROOT

pytestmark = pytest.mark.slow


def qa(*args, input=None, env=None, check=True):
    e = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    e.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True,
                          input=input, env=e, cwd=ROOT, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"qa {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def test_help_is_instant():
    out = qa("--help").stdout
    assert "index" in out and "ask" in out and "chat" in out


def test_ask_json(bundled_index):
    # the answer path (the list question 胡昌升在北京会见了哪些人？ is tracked in tests/test_answer.py)
    out = json.loads(qa("ask", "胡昌升在北京和谁座谈？", "--json", "--index-dir", str(bundled_index)).stdout)
    assert out["found"] is True and out["question"] == "胡昌升在北京和谁座谈？"
    assert any(p in out["answer"] for p in ["陈肇雄", "刘宇", "孙瑜", "包卓蓝", "林中湘"])
    assert out["quotes"] and out["probability"] >= out["details"]["evidence"]["threshold"]
    c = out["citations"][0]
    assert {"n", "article_id", "title", "source", "author", "text", "start", "end", "score"} <= set(c)
    assert out["timings_ms"]["total"] > 0


def test_ask_english_not_found(bundled_index):
    out = json.loads(qa("ask", "Who won the 2022 World Cup?", "--json", "--index-dir", str(bundled_index)).stdout)
    assert out["found"] is False and out["citations"] == [] and "Not found in the indexed articles" in out["answer"]


def test_index_info_and_errors(bundled_index, tmp_path):
    info = json.loads(qa("index", "info", "--json", "--articles", "--index-dir", str(bundled_index)).stdout)
    assert info["status"] == "ready" and info["manifest"]["counts"]["articles"] == 4
    assert len(info["articles"]) == 4 and info["settings"]["top_k"] == 6
    missing = qa("ask", "hi", "--index-dir", str(tmp_path / "none"), check=False)
    assert missing.returncode == 1 and "qa index build" in missing.stderr
    bad = qa("index", "info", "--index-dir", str(bundled_index), env={"QA_TOP_K": "x"}, check=False)
    assert bad.returncode == 1 and "top_k" in bad.stderr


def test_build_add_remove_cycle(tmp_path):
    idx = str(tmp_path / "index")
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"text": "厦门市今天举行马拉松比赛，三万名选手参加。", "title": "厦门马拉松",
                               "source": "测试", "date": "2020-11-20"}, ensure_ascii=False) + "\n", "utf-8")
    out = qa("index", "build", str(one), "--index-dir", idx).stdout
    assert "1 article added (1 chunk)" in out
    out = qa("index", "add", str(BUNDLED), str(one), "--index-dir", idx).stdout
    assert "4 articles added" in out and "1 already indexed" in out
    info = json.loads(qa("index", "info", "--json", "--articles", "--index-dir", idx).stdout)
    marathon = next(a for a in info["articles"] if a["title"] == "厦门马拉松")
    assert marathon["source"] == "测试" and (marathon["date"], marathon["date_source"]) == ("2020-11-20", "metadata")
    assert "removed 1" in qa("index", "remove", marathon["id"], "--index-dir", idx).stdout
    bad = qa("index", "remove", "nope", "--index-dir", idx, check=False)
    assert bad.returncode == 1 and "'nope'" in bad.stderr
    nothing = qa("index", "add", str(tmp_path / "missing.txt"), "--index-dir", idx, check=False)
    assert nothing.returncode == 1 and "no such file" in nothing.stderr
    assert json.loads(qa("index", "info", "--json", "--index-dir", idx).stdout)["manifest"]["counts"]["articles"] == 4


def test_chat_loop_with_follow_up(bundled_index):
    proc = qa("chat", "--index-dir", str(bundled_index), input="胡昌升在北京会见了哪些人？\n他和IBM谈了什么？\n/quit\n")
    assert "包卓蓝" in proc.stdout and proc.stdout.count("[1]") >= 2


def test_damaged_index_verify_repair_cycle(index_copy):
    """Garbled vectors: asking refuses with the fix, verify names the file, repair rebuilds
    from the stored articles with the real encoder, and the answers come back."""
    idx = str(index_copy)
    manifest = json.loads((index_copy / "manifest.json").read_text())
    vectors = index_copy / manifest["generation"] / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2: len(data) // 2 + 16] = bytes(16)
    vectors.write_bytes(bytes(data))
    ask = qa("ask", "胡昌升在北京会见了哪些人？", "--index-dir", idx, check=False)
    assert ask.returncode == 1 and "vectors.faiss was altered" in ask.stderr and "qa index repair" in ask.stderr
    assert "Traceback" not in ask.stderr
    info = json.loads(qa("index", "info", "--json", "--index-dir", idx, check=False).stdout)
    assert info["status"] == "damaged"
    verify = qa("index", "verify", "--index-dir", idx, check=False)
    assert verify.returncode == 1 and "vectors.faiss was altered" in verify.stdout
    assert "4 articles read from gen-000001" in qa("index", "repair", "--index-dir", idx).stdout
    assert qa("index", "verify", "--index-dir", idx).stdout.startswith("ok: gen-000002")
    out = json.loads(qa("ask", "胡昌升在北京和谁座谈？", "--json", "--index-dir", idx).stdout)
    assert out["found"] is True and any(p in out["answer"] for p in ["陈肇雄", "刘宇", "孙瑜", "包卓蓝", "林中湘"])


def test_ask_within_a_period(bundled_index):
    """The bundled articles are dated 2020-11 (from the file name)."""
    q = "胡昌升在北京会见了哪些人？"
    inside = json.loads(qa("ask", q, "--json", "--since", "2020-11-01", "--until", "2020-11", "--index-dir",
                           str(bundled_index)).stdout)
    assert inside["found"] is True and inside["details"]["period"]["undated_left_out"] == 0
    assert {(c["date"], c["date_source"]) for c in inside["citations"]} == {("2020-11", "file name")}
    later = json.loads(qa("ask", q, "--json", "--since", "2021", "--index-dir", str(bundled_index)).stdout)
    assert later["found"] is False and later["citations"] == [] and later["details"]["period"]["since"] == "2021"
    bad = qa("ask", q, "--since", "last week", "--index-dir", str(bundled_index), check=False)
    assert bad.returncode == 1 and "since must be a date as YYYY, YYYY-MM or YYYY-MM-DD" in bad.stderr


def test_migrate_to_milvus_lite_then_ask_from_it(bundled_index, tmp_path):
    pytest.importorskip("pymilvus", reason="needs the [milvus] extra")
    store = f"milvus:{tmp_path}/milvus.db"
    out = qa("index", "migrate", "--to", store, "--index-dir", str(bundled_index)).stdout
    assert "nothing embedded again" in out and "4 article(s)" in out
    ans = json.loads(qa("ask", "胡昌升在北京和谁座谈？", "--json", env={"QA_STORE": store}).stdout)
    assert ans["found"] is True and any(p in ans["answer"] for p in ["陈肇雄", "刘宇", "孙瑜", "包卓蓝", "林中湘"])
    info = json.loads(qa("index", "info", "--json", "--store", store).stdout)
    assert info["status"] == "ready" and info["index_dir"] == store and info["manifest"]["counts"]["articles"] == 4
    proc = qa("index", "verify", "--store", store, check=False)
    assert proc.returncode != 0 and "local index directory" in proc.stderr


def test_a_reader_that_stops_early_gets_no_traceback(bundled_index):
    """qa ask ... | head -1: the pipe closes after the first line."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    proc = subprocess.run(f"'{sys.executable}' -m qa.cli ask 包卓蓝是谁？ --index-dir '{bundled_index}' | head -c 1",
                          shell=True, capture_output=True, text=True, env=e, cwd=ROOT, timeout=600)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
