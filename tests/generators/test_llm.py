"""LLMGenerator and its fallback, over a scripted chat model: what is streamed,
what the final answer cites, what happens when the model fails."""

from __future__ import annotations

import logging

import pytest

from qa.answer import NOT_FOUND, answer
from qa.errors import ConfigError
from qa.extractive import ExtractiveGenerator
from qa.generators import make_generator
from qa.generators.base import ModelError, ModelLoadError, ModelTimeout, UnusableOutput
from qa.generators.fallback import WithFallback
from qa.generators.llm import LLMGenerator
from qa.settings import Settings
from qa.types import Answer


def run(gen, ctx) -> tuple[list[str], Answer]:
    deltas, final = [], None
    for event in gen.stream(ctx):
        if isinstance(event, Answer):
            final = event
        else:
            deltas.append(event)
    return deltas, final


def generator(model, **kw):
    return WithFallback(LLMGenerator(model, **kw), ExtractiveGenerator())


@pytest.fixture
def ibm(ctx_for, n_of):
    ctx = ctx_for("胡昌升和IBM谈了什么？")
    return ctx, n_of(ctx, "包卓蓝就双方合作"), n_of(ctx, "人工智能、生物制药")


def test_a_checked_answer_streams_claims_and_cites_in_order_of_use(ibm, scripted):
    ctx, talk, ai = ibm
    model = scripted(f"胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[{talk}]，"
                     f"希望与IBM在人工智能、生物制药等领域拓展合作[{ai}]。")
    deltas, ans = run(generator(model), ctx)
    assert deltas == ["胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[1]，", "希望与IBM在人工智能、生物制药等领域拓展合作[2]。"]
    assert ans.answer == "".join(deltas) and ans.found and ans.generator == "scripted:test"
    assert [(c.n, c.text) for c in ans.citations] == [
        (1, next(p.text for p in ctx.passages if p.n == talk)), (2, next(p.text for p in ctx.passages if p.n == ai))]
    assert all(c.highlights for c in ans.citations)
    llm = ans.details["llm"]
    assert llm["tokens"]["prompt"] > 100 and llm["tokens"]["completion"] > 10 and not llm["tokens"]["estimated"]
    assert llm["passages_shown"] == [p.n for p in ctx.passages]
    assert llm["check"]["kept"] == 2 and llm["check"]["dropped"] == 0
    assert ans.timings_ms["llm"] >= ans.timings_ms["llm_first_token"] >= 0
    # the model was asked with every passage numbered
    system, user = model.calls[0]
    assert all(f"[{p.n}] 《" in user["content"] for p in ctx.passages)


def test_bad_citation_is_removed_and_unsupported_claim_dropped(ibm, scripted):
    ctx, talk, _ = ibm
    model = scripted(f"胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[9]。"
                     f"胡昌升还与IBM签署了价值50亿元的合作协议[{talk}]。")
    deltas, ans = run(generator(model), ctx)
    assert ans.answer == "胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[1]。"
    assert "[9]" not in "".join(deltas) and "50亿" not in "".join(deltas)
    check = ans.details["llm"]["check"]
    assert check["removed_markers"] == [9] and check["dropped"] == 1 and check["recited"] == 1
    assert [c["action"] for c in check["claims"]] == ["keep", "drop"]
    assert "not supported" in check["claims"][1]["reason"]
    assert "50亿" in ans.details["llm"]["raw_answer"]


def test_not_in_the_articles_is_a_not_found_answer(ctx_for, scripted):
    ctx = ctx_for("胡昌升和特斯拉谈了什么？")
    deltas, ans = run(generator(scripted("文章中没有提到。")), ctx)
    assert not ans.found and ans.citations == () and ans.answer == NOT_FOUND["zh"]
    assert ans.generator == "scripted:test" and deltas == [NOT_FOUND["zh"]]
    assert ans.details["llm"]["check"]["claims"][0]["action"] == "not_found"


def test_no_passages_needs_no_model(ctx_for, scripted):
    import dataclasses

    ctx = dataclasses.replace(ctx_for("胡昌升和IBM谈了什么？"), passages=())
    model = scripted("不该被调用")
    assert not answer(generator(model), ctx).found and model.calls == []


@pytest.mark.parametrize("reply,kind,why", [
    (ModelTimeout("too slow"), "timeout", "超时"),
    (ModelError("HTTP 500"), "error", "模型出错"),
    ("", "empty", "没有返回内容"),
    ("胡昌升在厦门会见了特斯拉总裁马斯克[1]。厦门将建设全国最大的量子计算中心[2]。", "unusable", "回答未通过引用核查"),
])
def test_failures_fall_back_to_the_extractive_answer_and_say_so(ibm, scripted, reply, kind, why):
    ctx, talk, _ = ibm
    deltas, ans = run(generator(scripted(reply)), ctx)
    extractive = answer(ExtractiveGenerator(), ctx)
    assert ans.generator == "extractive" and ans.found
    assert ans.answer.startswith(f"（scripted:test 未能回答：{why}。以下为原文摘录。）\n")
    assert ans.answer.endswith(extractive.answer) and ans.citations == extractive.citations
    assert ans.details["fallback"]["from"] == "scripted:test" and ans.details["fallback"]["kind"] == kind
    assert "evidence" in ans.details  # the extractive answer's own details
    assert "".join(deltas) == ans.answer


def test_a_failure_mid_stream_keeps_what_was_shown_apart_from_the_fallback(ibm, scripted):
    ctx, talk, _ = ibm
    text = f"胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[{talk}]。双方还谈到了"
    deltas, ans = run(generator(scripted(text + "很多" * 20, fail_after=len(text))), ctx)
    assert deltas[0] == "胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[1]。"
    assert deltas[1].startswith("\n\n（scripted:test 未能回答：模型出错")
    assert ans.generator == "extractive" and ans.answer.startswith("（scripted:test")
    assert ans.details["llm"]["raw_answer"].startswith(text)  # the failed attempt, for debugging


def test_an_unexpected_exception_also_falls_back_but_is_logged(ibm, scripted, caplog):
    ctx, _, _ = ibm
    with caplog.at_level(logging.WARNING, logger="qa.generators.fallback"):
        _, ans = run(generator(scripted(RuntimeError("bug"))), ctx)
    assert ans.details["fallback"]["error"] == "RuntimeError: bug"
    assert "scripted:test failed" in caplog.text


def test_a_model_that_cannot_load_is_an_error_not_a_fallback(ibm, scripted):
    ctx, _, _ = ibm
    with pytest.raises(ModelLoadError):
        answer(generator(scripted(ModelLoadError("no such model"))), ctx)


def test_the_prompt_is_cut_to_the_window(ibm, scripted):
    ctx, talk, _ = ibm
    model = scripted(f"胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[{talk}]。", window=900)
    _, ans = run(generator(model, max_tokens=400), ctx)
    llm = ans.details["llm"]
    assert llm["max_answer_tokens"] == 400 and llm["context_tokens"] == 900
    assert 1 <= len(llm["passages_shown"]) < len(ctx.passages)
    assert model.count_tokens(model.calls[0]) <= 900 - 400


def test_english_answer(ctx_for, scripted, n_of):
    ctx = ctx_for("What did Hu Changsheng (胡昌升) discuss with IBM?")
    talk = n_of(ctx, "包卓蓝就双方合作")
    model = scripted(f"Hu Changsheng (胡昌升) held talks with Bao Zhuolan (包卓蓝), IBM's global vice president, "
                     f"on cooperation [{talk}]. They also agreed on a 5 billion yuan deal [{talk}].")
    _, ans = run(generator(model), ctx)
    assert ans.language == "en" and ans.found
    assert ans.answer == ("Hu Changsheng (胡昌升) held talks with Bao Zhuolan (包卓蓝), IBM's global vice president, "
                          "on cooperation [1].")
    assert "Answer in English" in model.calls[0][0]["content"]


def test_rewrite_followup_asks_the_model(scripted):
    model = scripted("改写后的问题：胡昌升和IBM谈了什么？")
    gen = generator(model)
    out = gen.rewrite_followup("他和 IBM 谈了什么？", [("胡昌升在北京走访了哪些企业？", "走访了IBM[1]。")])
    assert out == "胡昌升和IBM谈了什么？"
    assert "胡昌升在北京走访了哪些企业？" in model.calls[0][1]["content"]
    with pytest.raises(UnusableOutput):
        generator(scripted("文章中没有提到。")).rewrite_followup("他呢？", [("胡昌升是谁？", "书记")])


def test_make_generator_builds_each_kind():
    assert make_generator(Settings.load(env={})).name == "extractive"
    gen = make_generator(Settings.load(env={"QA_GENERATOR": "openai", "QA_LLM_BASE_URL": "http://127.0.0.1:9/v1",
                                            "QA_LLM_MODEL": "qwen2.5", "QA_LLM_MAX_TOKENS": "300"}))
    assert isinstance(gen, WithFallback) and gen.name == "openai:qwen2.5"
    assert gen.primary.max_tokens == 300 and gen.primary.model.base_url == "http://127.0.0.1:9/v1"
    with pytest.raises(ConfigError, match="QA_LLM_MODEL"):
        make_generator(Settings.load(env={"QA_GENERATOR": "transformers"}))


def test_missing_packages_name_the_pip_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install torch==2\.13\.0"):
        make_generator(Settings.load(env={"QA_GENERATOR": "transformers", "QA_LLM_MODEL": "m"}))
