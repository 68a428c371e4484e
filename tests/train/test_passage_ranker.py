"""The passage ranker's training command on a tiny slice of the training data: real build,
retrieval and encoder; it writes a ranker file that loads and a report."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_train_the_passage_ranker_on_a_tiny_slice(tmp_path):
    from qa.rank import FEATURES, PassageRanker
    from train.passage_ranker import main

    out, report = tmp_path / "ranker.json", tmp_path / "report"
    assert main(["--passages", "30", "--out", str(out), "--report", str(report), "--cache", str(tmp_path / "cache"),
                 "--quiet"]) == 0
    ranker = PassageRanker.load(out)
    raw = json.loads(out.read_text("utf-8"))
    assert tuple(raw["features"]) == FEATURES and raw["trained"]["rounds"] > 0
    assert raw["trained"]["sizes"]["train"]["questions"] > 0
    assert ranker.scores(np.zeros((2, len(FEATURES)))).shape == (2,)
    text = (report / "passage-ranker.md").read_text("utf-8")
    assert "CMRC 2018 dev and the seed set were not used" in text and "| train |" in text


def test_recall_counts_a_question_whose_passage_is_in_the_first_k():
    from train.passage_ranker import recall

    # two questions in the test split, three chunks each; the passage is 2nd for the first, absent for the second
    data = {"y": np.array([0, 1, 0, 0, 0, 0]), "q": np.array([0, 0, 0, 1, 1, 1]),
            "split": np.array(["test", "test"]), "lang": np.array(["zh", "zh"])}
    f = recall(data, np.array([0.1, 0.9, 0.0, 1.0, 0.5, 0.2]), "test", "zh")
    assert f["questions"] == 2
    assert f["fused@1"] == 0.0 and f["fused@3"] == 0.5
    assert f["ranker@1"] == 0.5 and f["ranker@6"] == 0.5
    assert recall(data, np.zeros(6), "calib", "zh")["questions"] == 0
