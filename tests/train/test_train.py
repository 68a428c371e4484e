"""The training command on a tiny slice of the training data: it runs end to end through
the real build, retrieval and encoder, and writes a model file that loads."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_train_on_a_tiny_slice(tmp_path):
    from qa.scorer import AnswerModel
    from train.__main__ import main

    out, report = tmp_path / "model.json", tmp_path / "report"
    examples = tmp_path / "examples.npz"
    assert main(["--passages", "30", "--out", str(out), "--report", str(report), "--cache", str(tmp_path / "cache"),
                 "--examples", str(examples), "--quiet"]) == 0
    model = AnswerModel.load(out)
    assert set(model.thresholds) >= {"found", "quote", "short", "claim"}
    assert {"zh", "en"} <= set(model.thresholds["found"])
    assert model.trained["sizes"]["train"]["questions"] > 0
    assert model.found_pool is not None and model.found_pool >= 1  # the training questions' median candidate count
    raw = json.loads(out.read_text("utf-8"))
    assert raw["sentence"]["features"] and raw["span"]["features"] and raw["span"]["choice"]["model"]
    assert model.span_choice is not None
    text = (report / "report.md").read_text("utf-8")
    assert "CMRC 2018 dev and the seed set were not used" in text
    # each question of a whole or cut passage is asked against both versions of it: answered and not
    from train.examples import Examples

    meta = Examples.load(examples).questions
    first = {m["id"]: m for m in meta if m.get("kind") == "question" and not m.get("paired")}
    second = [m for m in meta if m.get("paired")]
    assert second and f"{len(second)} questions), so it comes answered and unanswered" in text
    assert all({first[m["id"]]["role"], m["role"]} == {"keep", "cut"} for m in second)
    assert any(m["label"] == 1 for m in second if m["role"] == "keep")
    assert json.loads((report / "report.json").read_text("utf-8"))["test"]

    # --chooser-only refits the span chooser alone (on another slice) into a copy of that model
    again = tmp_path / "chooser.json"
    assert main(["--passages", "20", "--chooser-only", "--base", str(out), "--out", str(again), "--report",
                 str(report), "--cache", str(tmp_path / "cache"), "--quiet"]) == 0
    changed = json.loads(again.read_text("utf-8"))
    for part in ("sentence", "found", "claim", "thresholds"):
        assert changed[part] == raw[part], part
    # with --short-thresholds, the short-answer thresholds are chosen again for the new chooser,
    # with the base model's sentence scores; every other part stays
    rechosen = tmp_path / "rechosen.json"
    assert main(["--passages", "20", "--chooser-only", "--short-thresholds", "--base", str(out), "--out",
                 str(rechosen), "--report", str(tmp_path / "report2"), "--cache", str(tmp_path / "cache"),
                 "--quiet"]) == 0
    other = json.loads(rechosen.read_text("utf-8"))
    for part in ("sentence", "found", "claim"):
        assert other[part] == raw[part], part
    assert {k: v for k, v in other["thresholds"].items() if k != "short"} == {
        k: v for k, v in raw["thresholds"].items() if k != "short"}
    note = other["trained"]["chooser"]["short_thresholds"]
    assert note["before"] == raw["thresholds"]["short"] and note["after"] == other["thresholds"]["short"]
    assert set(note["after"]) == {"typed", "other"} and all(0 <= t <= 1 for t in note["after"].values())
    assert {k: v for k, v in changed["span"].items() if k != "choice"} == {k: v for k, v in raw["span"].items()
                                                                           if k != "choice"}
    assert changed["span"]["choice"]["model"] != raw["span"]["choice"]["model"]
    assert changed["version"].startswith(raw["version"] + "+chooser-")
    assert changed["trained"]["chooser"]["test"] == json.loads((report / "chooser.json").read_text("utf-8"))["test"]
    assert AnswerModel.load(again).span_choice is not None
    assert "short_thresholds" not in changed["trained"]["chooser"]

    # --recalibrate chooses the found calibration and thresholds again from the saved examples; the
    # boosters stay bit for bit, and the calibration has no flat step inside its range
    recal = tmp_path / "recalibrated.json"
    assert main(["--recalibrate", "--examples", str(examples), "--base", str(out), "--out", str(recal),
                 "--report", str(tmp_path / "report3"), "--quiet"]) == 0
    redone = json.loads(recal.read_text("utf-8"))
    for part in ("sentence", "claim", "span"):
        assert redone[part] == raw[part], part
    assert redone["found"]["model"] == raw["found"]["model"]
    y = redone["found"]["calibration"]["y"]
    assert all(a < b for a, b in zip(y[1:-2], y[2:-1]))
    assert set(redone["thresholds"]["found"]) == {"zh", "en"}
    assert redone["version"].startswith(raw["version"] + "+found-cal-")
    note = json.loads((tmp_path / "report3" / "recalibrated.json").read_text("utf-8"))
    assert set(note["test"]) == {"before", "after"} and AnswerModel.load(recal).found is not None


def test_short_thresholds_go_with_chooser_only(capsys):
    from train.__main__ import main

    with pytest.raises(SystemExit):
        main(["--short-thresholds"])
    assert "--short-thresholds goes with --chooser-only" in capsys.readouterr().err


def test_training_data_never_includes_evaluation_data():
    from eval.datasets import find_cmrc_dir, load_seed
    from train.data import SOURCES, load_passages

    assert not any("dev" in name and "cmrc" in name.lower() for name in SOURCES)
    contexts = {p.context[:80] for p in load_passages()}
    dev = json.loads((find_cmrc_dir() / "cmrc2018_dev.json").read_text("utf-8"))
    assert not contexts & {p["context"][:80] for e in dev["data"] for p in e["paragraphs"]}
    seed = load_seed()
    assert not contexts & {a.text[:80] for a in seed.articles}


def test_cut_passages_lose_every_answer():
    from qa.chunking import sentence_spans
    from train.data import cut_answers, load_passages

    for p in load_passages()[:50]:
        cut = cut_answers(p, sentence_spans(p.context))
        for q in p.questions:
            assert all(t not in cut for t, _ in q.answers)


def test_the_other_version_of_a_passage_swaps_whole_and_cut_and_keeps_dropped_ones_out():
    from train.data import flipped, load_passages, roles

    passages = load_passages()[:200]
    role, other = roles(passages), flipped(roles(passages))
    assert set(role.values()) == {"keep", "cut", "drop"}
    for pid in role:
        assert (role[pid], other[pid]) in (("keep", "cut"), ("cut", "keep"), ("drop", "drop"))
    assert flipped(other) == role


def _check_english_rows(rows: list[dict], fields: set[str], stated: frozenset[str] = frozenset()) -> None:
    """Each row names a DRCD question once, keeps its Chinese (as Simplified), holds English
    only, and repeats no Latin or digit run of its answer (a year, a number, a Latin name: what a
    check can see of a Chinese answer in English) unless the Chinese question itself states it
    (``stated``: the ids of questions that state it in Chinese numerals, which the check cannot read)."""
    import re

    from train.data import load_passages

    assert len({r["id"] for r in rows}) == len(rows)
    zh = {q.id: q for p in load_passages(english=None) for q in p.questions}
    for r in rows:
        assert set(r) == fields, r
        q = zh[r["id"]]
        assert r["zh"] == q.text, r["id"]
        assert r["en"].strip() and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", r["en"]), r["id"]
        # the answers are Chinese: what English could repeat of them is their Latin and digit runs (2009年 -> 2009)
        runs = {run for t, _ in q.answers for run in re.findall(r"[A-Za-z0-9][A-Za-z0-9.,]*", t) if len(run) > 1}
        runs -= set(re.findall(r"[A-Za-z0-9][A-Za-z0-9.,]*", q.text))  # the question's own (a mislabelled answer)
        assert r["id"] in stated or not any(re.search(rf"(?<![A-Za-z0-9]){re.escape(run)}(?![A-Za-z0-9])", r["en"])
                                            for run in runs), r["id"]


def test_every_english_question_is_one_drcd_question_in_english():
    """train/data/drcd_en.jsonl: 2,000 DRCD questions in English (``_check_english_rows``)."""
    from train.data import ENGLISH, read_english

    rows = read_english(ENGLISH)
    assert len(rows) == 2000
    _check_english_rows(rows, {"id", "zh", "en"})


def test_the_styled_english_questions_are_other_drcd_questions_by_four_writers():
    """train/data/drcd_en_writers.jsonl: 1,200 more DRCD questions in English, none of drcd_en's,
    300 per writer style, each checked as drcd_en's; ``load_passages(styled=...)`` adds them with
    their writer and leaves the Chinese questions and drcd_en's as they were."""
    from collections import Counter

    from train.data import ENGLISH, STYLED, load_passages, read_english

    rows = read_english(STYLED)
    assert Counter(r["writer"] for r in rows) == {"chat": 300, "paraphrase": 300, "learner": 300, "terse": 300}
    first = {r["id"] for r in read_english(ENGLISH)}
    assert not first & {r["id"] for r in rows}
    # 梅廿八/梅三十 -> 'mui 28' and 'mui 30'; 五六式 -> Type 56: the answer's numbers are the question's own
    _check_english_rows(rows, {"id", "zh", "en", "writer"}, stated=frozenset({"6451-3-4", "6075-3-3"}))
    plain = [q for p in load_passages(english_limit=400) for q in p.questions]
    both = [q for p in load_passages(english_limit=400, styled=STYLED) for q in p.questions]
    assert [q for q in both if not q.writer] == plain
    assert Counter(q.writer for q in both if q.writer) == Counter(r["writer"] for r in rows)
    assert all(q.lang == "en" and q.id.endswith("-en") for q in both if q.writer)


def test_a_styled_question_that_drcd_en_already_has_is_refused(tmp_path):
    from train.data import ENGLISH, load_passages

    row = json.loads(ENGLISH.read_text("utf-8").splitlines()[0])
    clash = tmp_path / "styled.jsonl"
    clash.write_text(json.dumps({**row, "writer": "chat"}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=f"question {row['id']} already has an English version"):
        load_passages(english_limit=10, styled=clash)


def test_span_grades_rank_an_exact_answer_above_partial_overlaps():
    """The span chooser learns from graded spans: an exact answer highest, then by how much
    of the gold answer's characters a span shares (character F1, in thirds)."""
    import numpy as np

    from train.fit import RANK_GAIN, span_grades

    grades = span_grades(np.array([1, 0, 0, 0, 0]), np.array([1.0, 0.9, 0.5, 0.2, 0.0]))
    assert grades.tolist() == [len(RANK_GAIN) - 1, 2, 1, 0, 0]
    assert list(RANK_GAIN) == sorted(RANK_GAIN)


def test_english_limit_reads_the_first_english_questions_only():
    """``--english N`` reads the first N rows of drcd_en.jsonl (``python -m train``, as the shipped
    model, the first ``ENGLISH_USED`` = 1,200 of 2,000); the Chinese questions are the same either way."""
    from train.data import ENGLISH, ENGLISH_USED, load_passages

    rows = [json.loads(line)["id"] + "-en" for line in ENGLISH.read_text("utf-8").splitlines() if line.strip()]
    assert ENGLISH_USED == 1200 and len(rows) == 2000
    assert sorted(q.id for p in load_passages(english_limit=ENGLISH_USED) for q in p.questions if q.lang == "en") == sorted(rows[:1200])
    first = rows[:400]
    limited = load_passages(english_limit=400)
    en = [q.id for p in limited for q in p.questions if q.lang == "en"]
    assert sorted(en) == sorted(first)
    zh = [q.id for p in limited for q in p.questions if q.lang == "zh"]
    assert zh == [q.id for p in load_passages(english=None) for q in p.questions]


def test_a_negative_english_limit_is_refused(capsys):
    from train.__main__ import main

    with pytest.raises(SystemExit):
        main(["--english", "-1"])
    assert "--english must be 0 or more" in capsys.readouterr().err


def test_chooser_only_names_a_base_model_it_cannot_read_before_collecting_anything(tmp_path, capsys):
    from train.__main__ import main

    missing = tmp_path / "nope.json"
    assert main(["--chooser-only", "--base", str(missing), "--out", str(tmp_path / "m.json"),
                 "--cache", str(tmp_path / "cache"), "--quiet"]) == 2
    assert str(missing) in capsys.readouterr().err
    assert not (tmp_path / "cache").exists() and not (tmp_path / "m.json").exists()


def test_recalibrate_needs_saved_examples(tmp_path, capsys):
    from train.__main__ import main

    assert main(["--recalibrate", "--examples", str(tmp_path / "none.npz"), "--out", str(tmp_path / "m.json")]) == 2
    assert "--examples" in capsys.readouterr().err and not (tmp_path / "m.json").exists()
