"""Request limits (qa.limits): each limit, and that the assistant applies them before any work."""

from __future__ import annotations

import pytest

from qa import limits
from qa.errors import QAError, RequestError
from qa.settings import Settings


def test_request_errors_are_qa_errors_and_value_errors():
    assert issubclass(RequestError, QAError) and issubclass(RequestError, ValueError)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_question_is_refused(text):
    with pytest.raises(RequestError, match="empty"):
        limits.check_question(text)


def test_a_question_that_is_not_text_is_refused():
    with pytest.raises(RequestError, match="must be text, got int"):
        limits.check_question(42)


def test_a_question_over_the_limit_is_refused_with_its_length_and_the_limit():
    assert limits.check_question("问" * limits.MAX_QUESTION_CHARS) == "问" * limits.MAX_QUESTION_CHARS
    with pytest.raises(RequestError, match=r"1,001 characters long; the limit is 1,000"):
        limits.check_question("问" * (limits.MAX_QUESTION_CHARS + 1))
    with pytest.raises(RequestError, match="limit is 10 "):
        limits.check_question("x" * 11, max_chars=10)


def test_lone_surrogates_become_replacement_characters():
    q = limits.check_question("caf\udce9 是什么？")
    assert q == "caf\ufffd 是什么？"
    q.encode("utf-8")  # printable and storable


@pytest.mark.parametrize("value, expected", [(None, None), (1, 1), (6, 6), (50, 50), (3.0, 3), ("7", 7)])
def test_top_k_in_range_is_accepted(value, expected):
    assert limits.check_top_k(value) == expected


@pytest.mark.parametrize("value", [0, -3, 51, 10000, 2.5, "many", True, [3]])
def test_top_k_out_of_range_or_not_a_number_is_refused(value):
    with pytest.raises(RequestError, match="top_k must be a whole number from 1 to 50"):
        limits.check_top_k(value)


def test_history_pairs_are_accepted_as_tuples_or_lists_and_only_the_last_turns_kept():
    assert limits.check_history(None) == []
    assert limits.check_history([["q1", "a1"], ("q2", "a2")]) == [("q1", "a1"), ("q2", "a2")]
    many = [(f"q{i}", f"a{i}") for i in range(limits.MAX_HISTORY_TURNS + 5)]
    kept = limits.check_history(many)
    assert len(kept) == limits.MAX_HISTORY_TURNS and kept[-1] == many[-1]


@pytest.mark.parametrize("history, where", [
    ("q, a", "got str"),
    ({"q": "a"}, "got dict"),
    ([("q1", "a1"), ("only one",)], "history item 2"),
    ([("q1", "a1", "x")], "history item 1"),
    ([("q1", 3)], "history item 1"),
    (["qa"], "history item 1"),
])
def test_malformed_history_names_the_item(history, where):
    with pytest.raises(RequestError, match=where):
        limits.check_history(history)


def test_an_overlong_history_turn_is_refused():
    with pytest.raises(RequestError, match="history item 1 is longer"):
        limits.check_history([("q", "a" * (limits.MAX_HISTORY_CHARS + 1))])


def test_the_question_limit_is_a_setting():
    assert Settings.load(env={}).max_question_chars == limits.MAX_QUESTION_CHARS
    assert Settings.load(env={"QA_MAX_QUESTION_CHARS": "200"}).max_question_chars == 200
    with pytest.raises(QAError, match="max_question_chars must be at least 1"):
        Settings.load(env={"QA_MAX_QUESTION_CHARS": "0"})


def test_the_assistant_checks_requests_before_touching_the_index(tmp_path):
    """No index exists here: a bad request fails on the request, not on the missing index."""
    from qa.assistant import Assistant

    bot = Assistant(Settings.load(env={}, index_dir=tmp_path / "none", max_question_chars=20))
    with pytest.raises(RequestError, match="21 characters long; the limit is 20"):
        bot.ask("问" * 21)
    with pytest.raises(RequestError, match="top_k"):
        bot.ask("厦门", top_k=0)
    with pytest.raises(RequestError, match="history item 1"):
        bot.ask("厦门", history=[("only",)])


def test_the_cli_reports_a_bad_question_in_one_line(tmp_path, capsys):
    from qa.cli import main

    assert main(["ask", "问" * 1001, "--index-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: the question is 1,001 characters long; the limit is 1,000 "
        "(ask about one thing at a time, or raise QA_MAX_QUESTION_CHARS)"]


def test_a_large_input_is_announced_with_its_estimated_indexing_time(tmp_path, caplog, monkeypatch):
    from qa.assistant import _ingest

    f = tmp_path / "big.jsonl"
    row = '{"text": "本报讯 ' + "厦门今天举行了一场大型活动，来自各地的代表参加。" * 40 + '"}\n'
    f.write_text("".join(row.replace("本报讯", f"本报讯{i}") for i in range(10)), encoding="utf-8")
    caplog.set_level("WARNING", logger="qa.assistant")
    _ingest([f], limits.MAX_ARTICLE_CHARS)
    assert not caplog.records  # small: nothing to say
    monkeypatch.setattr(limits, "LARGE_INPUT_CHARS", 1000)
    _ingest([f], limits.MAX_ARTICLE_CHARS)
    assert "indexing 10 article(s)" in caplog.text and "about" in caplog.text


@pytest.mark.parametrize(("since", "until", "period"), [
    (None, None, None), ("", "", None),
    ("2020-11-17", None, "2020-11-17/9999-12-31"),
    (None, "2020-11", "0001-01-01/2020-11"),
    ("2020", "2020-12-31", "2020/2020-12-31"),
])
def test_a_period_from_since_and_until(since, until, period):
    assert limits.check_period(since, until) == period


@pytest.mark.parametrize(("since", "until", "message"), [
    ("yesterday", None, "since must be a date as YYYY, YYYY-MM or YYYY-MM-DD, got 'yesterday'"),
    (None, "2020-13", "until must be a date"),
    ("2020-11-18", "2020-11-17", r"since \(2020-11-18\) is after until \(2020-11-17\)"),
    (20201117, None, "since must be a date"),
])
def test_a_bad_period_is_refused(since, until, message):
    with pytest.raises(RequestError, match=message):
        limits.check_period(since, until)
