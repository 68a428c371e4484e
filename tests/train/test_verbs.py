"""``python -m train.verbs``: English words CC-CEDICT defines as verbs more often than not."""

from __future__ import annotations

from train.verbs import count, main, verbs


def test_a_word_is_a_verb_when_most_of_its_definitions_say_to():
    definitions = ["to reach", "to reach (a goal)", "reach", "to wave", "wave", "a wave", "fair", "the fair",
                   "to hope", "to jump"]
    verb, other = count(definitions)
    assert verb["reach"] == 2 and other["reach"] == 1 and other["wave"] == 2
    assert verbs(verb, other) == ["hope", "jump", "reach"]  # wave: half; fair: none
    assert verbs(verb, other, min_share=0.7) == ["hope", "jump"]  # reach: 2 of 3


def test_the_command_writes_the_list_from_the_bundled_dictionary(tmp_path):
    out = tmp_path / "verbs_en.txt"
    assert main(["--out", str(out)]) == 0
    text = out.read_text("utf-8")
    words = {w for line in text.splitlines() if not line.startswith("#") for w in line.split()}
    assert {"reach", "study", "donate"} <= words and "fair" not in words
    from qa.lang.resources import DATA_DIR

    assert text == (DATA_DIR / "verbs_en.txt").read_text("utf-8")  # the shipped list is this command's output
