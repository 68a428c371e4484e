"""Calibration: labels from the retrieved passages, reliability bins and ECE by hand, the diagram,
and the report sections (with the separation of answerable from unanswerable questions), on
synthetic records (no model, no index)."""

import dataclasses
import doctest
import json

import pytest

import eval.calibration
from eval.calibration import (
    calibration_label,
    expected_calibration_error,
    passages_hold_answer,
    reliability_bins,
    summarize_calibration,
)
from eval.datasets import Question
from eval.report import console_summary, render_run, write_run
from eval.runner import Config, Run
from eval.scoring import AnswerRecord, score_retrieval, summarize, summarize_separation

ARTICLES = {"a": "厦门是福建省的副省级市。鼓浪屿位于厦门岛西南。", "b": "金砖创新基地落户厦门。"}
PROBS = [0.05, 0.15, 0.15, 0.1, 0.95, 1.0]
LABELS = [False, True, False, False, True, True]


def test_docstring_examples():
    assert doctest.testmod(eval.calibration).failed == 0


def test_bins_by_hand():
    bins = reliability_bins(PROBS, LABELS)
    assert [b.n for b in bins] == [1, 3, 0, 0, 0, 0, 0, 0, 0, 2]      # 0.1 falls in [0.1, 0.2); 1.0 in the last bin
    assert (bins[0].mean_probability, bins[0].observed) == (0.05, 0.0)
    assert bins[1].mean_probability == pytest.approx(0.4 / 3) and bins[1].observed == pytest.approx(1 / 3)
    assert bins[9].mean_probability == pytest.approx(0.975) and bins[9].observed == 1.0
    assert bins[2].mean_probability is None and (bins[2].lo, bins[2].hi) == (0.2, pytest.approx(0.3))


def test_ece_by_hand():
    # bin 0: 1/6 * |0 - .05|;  bin 1: 3/6 * |1/3 - .4/3| = .5 * .2;  bin 9: 2/6 * |1 - .975|
    expected = 0.05 / 6 + 0.1 + 0.025 * 2 / 6
    assert expected_calibration_error(PROBS, LABELS) == pytest.approx(expected)
    assert expected_calibration_error([0.3, 0.3], [True, False]) == pytest.approx(0.2)
    assert expected_calibration_error([1.0, 0.0], [True, False]) == 0.0
    # two bins: [0, .5) holds .05 .15 .15 .1 (mean .1125, observed .25), [.5, 1] holds .95 1.0
    assert expected_calibration_error(PROBS, LABELS, bins=2) == pytest.approx(4 / 6 * 0.1375 + 2 / 6 * 0.025)


def test_ece_rejects_bad_input():
    with pytest.raises(ValueError, match="no predictions"):
        expected_calibration_error([], [])
    with pytest.raises(ValueError, match="2 probabilities but 1 labels"):
        expected_calibration_error([0.1, 0.2], [True])
    with pytest.raises(ValueError, match="outside"):
        expected_calibration_error([1.2], [True])


def test_label_is_whether_the_retrieved_passages_hold_a_gold_text():
    fujian = Question("q1", "zh", "厦门属于哪个省？", True, frozenset({"a"}), answers=("福建省",))
    first = [{"n": 1, "article_id": "a", "start": 0, "end": 12}]     # 厦门是福建省的副省级市。
    second = [{"n": 1, "article_id": "a", "start": 12, "end": 23}, {"n": 2, "article_id": "b", "start": 0, "end": 11}]
    assert calibration_label(fujian, {"passages": first}, ARTICLES) == (True, True)
    assert calibration_label(fujian, {"passages": second}, ARTICLES) == (False, True)
    assert calibration_label(fujian, {"passages": []}, ARTICLES) == (False, True)
    # Unknown passages: the question's answerability.
    assert calibration_label(fujian, {}, ARTICLES) == (True, False)
    assert calibration_label(fujian, {"passages": first}, None) == (True, False)
    assert calibration_label(fujian, {"passages": [{"article_id": "zz", "start": 0, "end": 3}]}, ARTICLES) == (True, False)
    # An unanswerable (cut) question whose answer another retrieved passage states: labelled True.
    cut = dataclasses.replace(fujian, answerable=False, gold=frozenset())
    assert calibration_label(cut, {"passages": first}, ARTICLES) == (True, True)
    # Seed: key facts' first forms; spacing and case do not matter.
    seed = Question("s1", "en", "Where?", True, frozenset({"b"}), key_facts=(("厦 门", "Xiamen"), ("金砖",)))
    assert calibration_label(seed, {"passages": second[1:]}, ARTICLES) == (True, True)
    assert passages_hold_answer(["XIAMEN"], [{"article_id": "x", "start": 0, "end": 9}], {"x": "in Xiamen."})


def record(qid, lang, probability, label, *, from_passages=True, found=True):
    return AnswerRecord(qid=qid, lang=lang, type=None, question=f"问题{qid}？", answerable=True, found=found,
                        answer="福建省。[1]", cited=("a",), char_f1=0.5, short_f1=1.0 if found else 0.0,
                        short_em=1.0 if found else 0.0, has_short=found, qtype="place", probability=probability,
                        calibration_label=label, label_from_passages=from_passages,
                        timings_ms={"retrieve": 5.0, "answer": 2.0, "total": 7.0})


RECORDS = [record("1", "zh", 0.95, True), record("2", "zh", 0.15, False, found=False),
           record("3", "en", 0.15, True, from_passages=False), record("4", "en", None, None)]


def test_summarize_calibration():
    c = summarize_calibration(RECORDS)
    assert (c["n"], c["from_passages"], c["positive_rate"]) == (3, 2, pytest.approx(2 / 3))
    # bin 1: .15 .15, observed 1/2; bin 9: .95, observed 1 -> 2/3 * .35 + 1/3 * .05
    assert c["ece"] == pytest.approx(2 / 3 * 0.35 + 1 / 3 * 0.05) and len(c["bins"]) == 10
    assert summarize_calibration(RECORDS[3:]) is None
    s = summarize([], RECORDS)
    assert s["lang:en"]["answers"]["calibration"]["n"] == 1 and "calibration" in s["all"]["answers"]


def fake_run(records=tuple(RECORDS)):
    question = Question("1", "zh", "问题1？", True, frozenset({"a"}))
    retrieval = (score_retrieval(question, ["a"], 4.0),)
    env = {"date": "2026-01-01", "cores": 2, "cpu": "test", "python": "3.11", "packages": {}, "git_commit": None,
           "qa_source": None, "load_1min": 1.0, "load_1min_end": 1.0, "threads_env": {}}
    return Run(dataset="tiny", config=Config(), index_dir="-", build=None, retrieval=retrieval, answers=records,
               summary=summarize(retrieval, records), n_questions=4, limit=None, sample_seed=0,
               started_at="2026-01-01T00:00:00", seconds=1.0, environment=env, description="Four made-up answers.")


def test_report_sections_and_console():
    run = fake_run()
    text = render_run(run, plots=False)
    assert "Dataset: Four made-up answers." in text
    assert "## Short answers by asked type" in text and "| place (where) | 4 | 4 |" in text
    assert "## Calibration" in text and "| 0.1–0.2 |" in text and "reliability.png" not in text
    assert "short F1" in text
    console = console_summary(run)
    assert "short F1 0.750" in console and "ECE 0.250" in console   # all: (1 + 0 + 1 + 1) / 4; ECE above


def test_no_calibration_section_without_probabilities():
    plain = tuple(dataclasses.replace(r, probability=None) for r in RECORDS)
    run = fake_run(plain)
    assert "## Calibration" not in render_run(run, plots=False) and "ECE" not in console_summary(run)


def test_write_run_writes_the_reliability_diagram(tmp_path):
    pytest.importorskip("matplotlib")
    out = write_run(fake_run(), tmp_path / "run")
    assert {"reliability.png", "recall_at_k.png", "latency.png"} <= {p.name for p in out.iterdir()}
    assert (out / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    cal = results["summary"]["all"]["answers"]["calibration"]
    assert cal["ece"] == pytest.approx(0.25) and len(cal["bins"]) == 10 and results["description"]
    lines = [json.loads(line) for line in (out / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    answer = next(r for r in lines if r["kind"] == "answer")
    assert {"short_f1", "short_em", "has_short", "qtype", "probability", "calibration_label"} <= set(answer)
    assert "![reliability](reliability.png)" in (out / "report.md").read_text(encoding="utf-8")


def unanswerable(qid, lang, probability, *, found):
    return dataclasses.replace(record(qid, lang, probability, False, found=found), answerable=False)


MIXED = (record("1", "zh", 0.95, True), record("2", "zh", 0.15, False, found=False), record("3", "zh", 0.6, True),
         unanswerable("4", "zh", 0.5, found=True), unanswerable("5", "zh", None, found=False),
         record("6", "en", 0.3, True), unanswerable("7", "en", 0.4, found=True))


def test_separation_of_answerable_from_unanswerable():
    sep = summarize_separation(MIXED[:5])
    # answerable .95 .15 .6 against unanswerable .5 and 0 (refused without a probability: no content)
    assert sep["auc"] == pytest.approx(5 / 6) and (sep["n_answerable"], sep["n_unanswerable"]) == (3, 2)
    # budgets .02, .05, .10, .20 allow no refusal of 3 answerable questions: threshold .15, refusing the 0 only
    assert sep["refused_at"] == {"0.02": 0.5, "0.05": 0.5, "0.10": 0.5, "0.20": 0.5}
    assert summarize_separation(RECORDS) is None  # an answer given without a probability
    assert summarize_separation(RECORDS[:2]) is None  # no unanswerable question
    s = summarize([], MIXED)
    assert s["lang:en"]["answers"]["separation"]["auc"] == 0.0 and "separation" in s["all"]["answers"]


def test_separation_section_and_console():
    run = fake_run(MIXED)
    text = render_run(run, plots=False)
    assert "## Telling answerable from unanswerable" in text
    assert "| zh | 3 | 2 | 0.833 | 0.500 | 0.500 | 0.500 | 0.500 | 0.500 | 0.333 |" in text
    assert "AUC 0.833" in console_summary(run)
    plain = fake_run(tuple(RECORDS))
    assert "## Telling answerable" not in render_run(plain, plots=False) and "AUC" not in console_summary(plain)
