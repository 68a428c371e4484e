"""The English subject benchmark on a tiny question file (the real one is train/data/drcd_en.jsonl)."""

from __future__ import annotations

import json

from benchmarks.topics_en import main


def test_it_prints_the_share_with_a_subject_and_a_sample(tmp_path, capsys):
    path = tmp_path / "q.jsonl"
    rows = [{"en": "Where was the spring flower show held?"}, {"en": "Who met the mayor?"},
            {"en": "When did the new ferry line open?"}, {"en": "How many people took part?"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    assert main(["--questions", str(path), "--sample", "5"]) == 0
    out = capsys.readouterr().out
    assert "4 English training questions: a subject in 0.500" in out
    assert "'the spring flower show' <- Where was the spring flower show held?" in out
    assert "'the new ferry line' <- When did the new ferry line open?" in out
