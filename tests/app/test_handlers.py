"""The app's event handlers in-process, over a real index (no server, no browser)."""

from __future__ import annotations

import re
from pathlib import Path

import gradio as gr
import pytest

from qa.assistant import Assistant
from qa.settings import Settings
from qa.types import Answer
from webui import handlers as H
from webui.bootstrap import IndexKeeper

pytestmark = pytest.mark.slow


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    """Gradio's upload folder for this test; files put here count as uploaded."""
    folder = tmp_path / "gradio"
    folder.mkdir()
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    return folder


@pytest.fixture
def h(index_copy) -> H.Handlers:
    bot = Assistant.load(index_copy)
    keeper = IndexKeeper(bot, [])
    return H.Handlers(bot, keeper)


def run_chat(h, question, messages=(), answers=(), top_k=5, retriever="hybrid"):
    steps = list(h.chat(question, list(messages), list(answers), top_k, retriever))
    return steps, steps[-1]


def test_chat_streams_then_keeps_the_turn_in_session_state(h):
    steps, (box, shown, messages, answers, sources) = run_chat(h, "胡昌升在北京会见了哪些人？")
    assert len(steps) >= 3  # a placeholder, deltas, the final answer
    assert box == "" and shown == messages and len(messages) == 2
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert len(answers) == 1 and isinstance(answers[0], Answer) and answers[0].found
    links = re.findall(r'href="#qa-src-1-(\d+)"', messages[1]["content"])
    assert links and {int(n) for n in links} <= {c.n for c in answers[0].citations}
    for n in set(links):
        assert f'id="qa-src-1-{n}"' in sources
    assert "<mark" in sources


def test_follow_up_uses_this_session_history_only(h):
    _, (_, _, messages, answers, _) = run_chat(h, "胡昌升在北京会见了哪些人？")
    _, (_, _, messages, answers, sources) = run_chat(h, "他和IBM谈了什么？", messages, answers)
    assert len(answers) == 2 and len(messages) == 4
    assert answers[1].details.get("standalone_question", "").startswith("胡昌升")
    assert 'id="qa-src-2-1"' in sources and 'data-turn="1"' in sources
    # another session, no history: the question is not rewritten
    _, (_, _, _, other, _) = run_chat(h, "他和IBM谈了什么？")
    assert other[0].details.get("standalone_question") is None


def test_settings_reach_the_assistant(h):
    _, (*_, answers, _) = run_chat(h, "who did Hu Changsheng meet in Beijing?", top_k=2, retriever="bm25")
    assert answers[0].details["retriever"] == "bm25" and answers[0].details["top_k"] == 2


def test_the_answer_says_which_generator_answered(h):
    assert h.answer_modes() == ["extractive"]
    _, (_, _, messages, answers, _) = run_chat(h, "胡昌升在北京会见了哪些人？")
    assert answers[0].generator == "extractive"
    assert 'class="qa-answered-by">extractive: quoted from the articles' in messages[1]["content"]


def test_answer_mode_chooses_quotes_over_the_configured_model(index_copy):
    # a model server that is not there: the model mode falls back and says so; the
    # extractive mode does not try the model at all
    bot = Assistant.load(index_copy, generator="openai", llm_base_url="http://127.0.0.1:9/v1",
                         llm_model="absent", llm_timeout=2.0)
    h = H.Handlers(bot, IndexKeeper(bot, []))
    assert h.answer_modes() == ["openai", "extractive"]
    steps = list(h.chat("胡昌升在北京会见了哪些人？", [], [], 5, "hybrid", "extractive"))
    (_, _, messages, answers, _) = steps[-1]
    assert answers[0].found and answers[0].generator == "extractive" and "fallback" not in answers[0].details
    steps = list(h.chat("胡昌升在北京会见了哪些人？", [], [], 5, "hybrid", "openai"))
    (_, _, messages, answers, _) = steps[-1]
    assert answers[0].details["fallback"]["from"].startswith("openai")
    assert "failed" in messages[1]["content"] and "qa-answered-by" in messages[1]["content"]
    with pytest.raises(gr.Error, match="unknown answer mode"):
        list(h.chat("胡昌升？", [], [], 5, "hybrid", "telepathy"))


def test_empty_question_changes_nothing(h):
    steps = list(h.chat("   ", [], [], 5, "hybrid"))
    assert len(steps) == 1


def test_empty_index_says_so(tmp_path):
    bot = Assistant(Settings.load(env={}, index_dir=tmp_path / "index"))
    article = tmp_path / "a.txt"
    article.write_text("本报讯 厦门举办了测试活动。", encoding="utf-8")
    bot.build([article])
    bot.remove(bot.articles()[0].id)
    h = H.Handlers(bot, IndexKeeper(bot, []))
    *_, (_, shown, messages, answers, _) = h.chat("厦门举办了什么？", [], [], 5, "hybrid")
    assert "The index is empty" in shown[-1]["content"] and answers == [] and messages == shown


def test_ingest_adds_and_describes_uploaded_articles(h, uploads):
    f = uploads / "news.md"
    f.write_text("---\ntitle: 厦门新开一座图书馆\nsource: 测试日报\ndate: 2020-12-01\n---\n"
                 "厦门新开一座图书馆，藏书三十万册。", encoding="utf-8")
    out = h._ingest([str(f)])
    assert [a["title"] for a in out["added"]] == ["厦门新开一座图书馆"]
    assert out["added"][0]["file"] == "news.md" and out["added"][0]["chunks"] >= 1
    assert h._ingest([str(f)])["already_indexed"][0]["title"] == "厦门新开一座图书馆"


def test_ingest_rejects_types_sizes_and_foreign_paths(h, uploads, tmp_path, monkeypatch):
    before = [a.id for a in h.bot.articles()]
    exe = uploads / "tool.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(gr.Error, match=r"tool\.exe: type \.exe is not accepted"):
        h._ingest([str(exe)])
    big = uploads / "big.txt"
    big.write_text("本报讯 " + "厦门" * 200, encoding="utf-8")
    monkeypatch.setattr(H, "MAX_UPLOAD_MB", 0.0001)
    with pytest.raises(gr.Error, match=r"big\.txt: .* MB is over the 0.0001 MB limit"):
        h._ingest([str(big)])
    monkeypatch.undo()
    outside = tmp_path / "secret.txt"
    outside.write_text("本报讯 不该被索引。", encoding="utf-8")
    with pytest.raises(gr.Error, match="not an uploaded file"):
        h._ingest([str(outside)])
    with pytest.raises(gr.Error, match="Choose one or more files"):
        h._ingest([])
    assert [a.id for a in h.bot.articles()] == before


def test_unreadable_file_gives_a_clear_message_without_the_temp_path(h, uploads):
    bad = uploads / "broken.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(gr.Error) as err:
        h._ingest([str(bad)])
    assert "broken.jsonl:1: not valid JSON" in err.value.message
    assert str(uploads) not in err.value.message


def test_a_bad_jsonl_line_is_skipped_by_number_and_the_rest_added(h, uploads):
    part = uploads / "part.jsonl"
    good = '{"text": "本报讯 厦门新开一座海上图书馆，位于鼓浪屿码头旁，藏书三十万册，由市文旅局建设。"}'
    part.write_text(f"{good}\n{{not json\n", encoding="utf-8")
    out = h._ingest([str(part)])
    assert len(out["added"]) + len(out["already_indexed"]) == 1
    assert out["skipped"] == [{"file": "part.jsonl:2", "reason": "part.jsonl:2: not valid JSON (Expecting property "
                                                               "name enclosed in double quotes)"}]


def test_ui_upload_and_remove_report_in_the_notice(h, uploads):
    f = uploads / "x.txt"
    f.write_text("本报讯 测试<script>window.__x=1</script>文章，厦门举办了测试活动。", encoding="utf-8")
    first, (notice, cleared, status, table, choices, timer) = h.upload([str(f)])
    assert first[0] == ""  # the previous upload's message goes at once
    assert "Added: " in notice and "&lt;script&gt;" in notice and "<script>" not in notice
    assert "(1 chunk, from x.txt)" in notice and "1 chunks" not in notice
    assert cleared is None and "<b>5</b> articles" in status and table.count("<tr data-id=") == 5
    added = next(aid for _, aid in choices["choices"] if "测试" in _)
    assert f'title="{added}"' in table and "<td class=\"qa-col-file\">x.txt</td>" in table
    notice, status, table, _, _ = h.remove(added)
    assert "Removed: " in notice and table.count("<tr data-id=") == 4
    notice, *_ = h.remove(added)
    assert "qa-error" in notice and "no article with id" in notice
    first, (notice, *_) = h.upload([str(uploads / "missing.txt")])
    assert first[0] == "" and "qa-error" in notice and "Nothing was added" in notice


def test_sources_can_be_listed_newest_first(h):
    *_, (_, _, _, answers, sources) = h.chat("胡昌升在北京会见了哪些人？", [], [], 5, "hybrid", None, None, None,
                                             "newest first")
    assert answers[-1].citations and "2020-11" in sources and "(file name)" in sources
    assert h.reorder(answers, "relevance") == H.render.sources_html(answers)
    with pytest.raises(gr.Error, match="unknown source order 'by colour'; use one of relevance, newest first"):
        h.reorder(answers, "by colour")


def test_api_status_lists_articles_without_path_keys(h):
    s = h.api_status()
    assert s["status"] == "ready" and s["counts"]["articles"] == 4
    assert all("path" not in a and a["file"] == "xiamen-news-2020-11.txt" for a in s["articles"])


def test_chat_within_a_period(h):
    """The UI's date filter: the bundled articles are dated 2020-11."""
    steps = list(h.chat("胡昌升在北京会见了哪些人？", [], [], 5, "hybrid", "extractive", "2021", ""))
    *_, answers, _ = steps[-1]
    assert answers[-1].found is False and answers[-1].details["period"]["since"] == "2021"
    steps = list(h.chat("胡昌升在北京会见了哪些人？", [], [], 5, "hybrid", "extractive", " 2020-11 ", None))
    assert steps[-1][3][-1].found is True
    steps = list(h.chat("胡昌升在北京会见了哪些人？", [], [], 5, "hybrid", "extractive", "soon", None))
    assert "since must be a date" in steps[-1][1][-1]["content"]
