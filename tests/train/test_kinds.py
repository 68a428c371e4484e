"""Learning answer kinds of question words from the training answers (``python -m train.kinds``)."""

from __future__ import annotations

from qa.lang import resources
from train.kinds import figures, gold_kind, learn, main, render


def test_the_gold_kind_is_the_annotators_mention_that_covers_the_answer():
    context = "这座大桥始建于1998年。张伟担任首任馆长，任期五年。"
    assert gold_kind(context, "1998年", context.index("1998年")) == "date"
    assert gold_kind(context, "张伟", context.index("张伟")) == "person"
    assert gold_kind(context, "首任馆长", context.index("首任馆长")) is None  # a phrase, not a mention


def test_keys_are_kept_by_count_and_share_and_a_prefix_of_the_same_kind_makes_a_longer_one_redundant():
    rows = [("他于何年出生？", "date")] * 4 + [("于何年成立？", None)] + [("哪一个人发明了它？", "person")] * 3
    table = learn(rows, min_questions=3, min_share=0.6)
    assert table["何年"] == ("date", 5, 0.8)
    assert "何年出" not in table  # 何年 says date already (and it is in 4 questions only)
    assert table["哪一"] == ("person", 3, 1.0) and "哪一个人" not in table
    assert "何年" not in learn(rows, min_questions=6)  # too few questions
    assert "何年" not in learn(rows, min_questions=3, min_share=0.9)  # too mixed
    english = [("In what year was it built?", "date")] * 3 + [("What year is it now?", None), ("Which of them won?", "person")] * 3
    assert learn(english, language="en", min_questions=3) == {"what year": ("date", 6, 0.5)}  # "which of": a stopword


def test_figures_count_recall_over_typed_answers_and_precision_where_the_gold_kind_is_known():
    rows = [("a", "date"), ("b", "person"), ("c", None), ("d", "place")]
    typer = {"a": "date", "b": "place", "c": "org"}.get
    assert figures(rows, typer) == {"questions": 4, "typed": 3, "recall": 0.333, "precision": 0.5}


def test_the_command_on_a_slice_writes_a_table_the_package_reads(tmp_path):
    out = tmp_path / "cues.txt"
    assert main(["--passages", "150", "--min-questions", "2", "--out", str(out)]) == 0
    text = out.read_text("utf-8")
    assert text.startswith("# Answer kinds of question words") and "held out" in text
    rows = [line.split() for line in text.splitlines() if not line.startswith("#")]
    assert rows and all(kind in {"person", "date", "place", "org", "number"} and lang in {"zh", "en"}
                        for kind, lang, *_ in rows)
    assert main(["--min-share", "0"]) == 2


def test_the_shipped_table_is_what_render_writes():
    # the file is the command's output, not edited by hand: its rows parse back to what render would write
    tables: dict = {"zh": {}, "en": {}}
    for kind, lang, *key, n, share in resources.table("answer_cues_learned"):
        tables[lang][" ".join(key)] = (kind, int(n), float(share))
    body = [line for line in render(tables, []).splitlines() if not line.startswith("#")]
    shipped = [line for line in (resources.DATA_DIR / "answer_cues_learned.txt").read_text("utf-8").splitlines()
               if line and not line.startswith("#")]
    assert body == shipped
