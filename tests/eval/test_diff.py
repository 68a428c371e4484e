"""``python -m eval diff``: the questions two runs answered differently, from either file a run keeps."""

from __future__ import annotations

import gzip
import json

import pytest

from eval.__main__ import main
from eval.diff import OUTCOMES, diff, read_outcomes, write_outcomes


def _records(found_b: bool = True, probability: float = 0.81, rank: int = 1) -> list[dict]:
    return [
        {"kind": "retrieval", "qid": "q1", "lang": "zh", "question": "胡昌升会见了谁？", "rank": rank,
         "ranked": ["a", "b"], "latency_ms": 12.5},
        {"kind": "retrieval", "qid": "q2", "lang": "en", "question": "Who won?", "rank": None, "latency_ms": 3.0},
        {"kind": "answer", "qid": "q1", "lang": "zh", "question": "胡昌升会见了谁？", "found": True, "correct": True,
         "key_fact_recall": 1.0, "span_recall": None, "short_f1": None, "first_cites_gold": True,
         "probability": 0.9, "answer": "陈肇雄[1]", "timings_ms": {"answer": 20.0}},
        {"kind": "answer", "qid": "q2", "lang": "en", "question": "Who won?", "found": found_b, "correct": not found_b,
         "key_fact_recall": None, "span_recall": None, "short_f1": None, "first_cites_gold": False,
         "probability": probability, "answer": "Found in 1 article | x" if found_b else "Not found", "timings_ms": {}},
    ]


def _run(folder, records, *, compact: bool):
    folder.mkdir()
    if compact:
        write_outcomes(records, folder / OUTCOMES)
    else:
        (folder / "questions.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return folder


@pytest.mark.parametrize("compact", [True, False], ids=["outcomes", "questions"])
def test_only_the_questions_whose_outcome_moved_are_listed(tmp_path, compact):
    before = _run(tmp_path / "a", _records(), compact=compact)
    after = _run(tmp_path / "b", _records(found_b=False, probability=0.12, rank=2), compact=not compact)
    out = diff(before, after)
    assert "## retrieval: 1 of 2 questions changed" in out and "| q1: 胡昌升会见了谁？ | zh | 1 → **2** |" in out
    assert "## answer: 1 of 2 questions changed" in out
    row = next(line for line in out.splitlines() if line.startswith("| q2: Who won?"))
    assert "True → **False**" in row and "0.81 → **0.12**" in row
    assert "Found in 1 article ¦ x → Not found" in out  # the answers, a table cell's bar escaped
    assert "q1: 胡昌升会见了谁？ | zh | True" not in out  # an answer that did not move is not listed


def test_a_probability_that_moves_less_than_a_hundredth_is_not_a_change(tmp_path):
    before = _run(tmp_path / "a", _records(probability=0.8100), compact=True)
    after = _run(tmp_path / "b", _records(probability=0.8149), compact=False)
    assert "## answer: 0 of 2 questions changed" in diff(before, after)


def test_a_probability_that_moved_alone_is_counted_not_listed(tmp_path):
    before = _run(tmp_path / "a", _records(probability=0.81), compact=True)
    after = _run(tmp_path / "b", _records(probability=0.60), compact=True)
    out = diff(before, after)
    assert "## answer: 0 of 2 questions changed" in out and "1 more kept their outcome" in out
    assert "Who won?" not in out


def test_outcomes_are_small_and_byte_identical_for_the_same_run(tmp_path):
    a = write_outcomes(_records(), tmp_path / "a.jsonl.gz")
    b = write_outcomes(_records(), tmp_path / "b.jsonl.gz")
    assert a.read_bytes() == b.read_bytes()  # no time stamp in the gzip header: diffs in git stay quiet
    rows = [json.loads(line) for line in gzip.open(a, "rt", encoding="utf-8")]
    assert "timings_ms" not in rows[2] and "ranked" not in rows[0] and rows[2]["probability"] == 0.9


def test_a_folder_that_is_no_run_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="outcomes.jsonl.gz or questions.jsonl"):
        read_outcomes(tmp_path / "empty")
    assert main(["diff", str(tmp_path / "empty"), str(tmp_path / "empty")]) == 2
    assert "is it the folder of an evaluation run?" in capsys.readouterr().err
