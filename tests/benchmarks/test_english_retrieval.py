"""The English retrieval benchmark's depth arithmetic (the run itself needs the training index)."""

from __future__ import annotations

import pytest

from benchmarks.english_retrieval import first_rank, hit_within, main, parse_depths, recall_at


def test_depths_are_parsed_in_order_without_repeats():
    assert parse_depths("6") == [6]
    assert parse_depths("6,1,20,6") == [6, 1, 20]
    for bad in ("0", "a,b", "", "6,-1"):
        with pytest.raises(ValueError, match="--top-k"):
            parse_depths(bad)


def test_a_question_counts_at_every_depth_its_passage_is_within():
    assert first_rank(["a", "b", "b", "c"], "b") == 2 and first_rank(["a"], "z") is None
    ranks = [1, 2, 7, None, 20]
    assert recall_at(ranks, [1, 6, 20]) == {1: 1, 6: 2, 20: 4}
    assert hit_within(6, 6) and not hit_within(None, 50) and not hit_within(7, 6)


def test_bad_depths_are_refused_before_anything_is_built(capsys):
    with pytest.raises(SystemExit):
        main(["--top-k", "1,x"])
    assert "--top-k must be numbers" in capsys.readouterr().err
