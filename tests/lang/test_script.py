"""Traditional Chinese is read as Simplified, offsets unchanged."""

from qa.lang.script import to_simplified
from qa.lang.segment import tokenize


def test_traditional_to_simplified_keeps_length():
    for t in ("臺灣的學術研究，由德國學者陸特和漢斯雷頓開創。", "亞洲協會在加爾各答舉行", "abc 123"):
        s = to_simplified(t)
        assert len(s) == len(t)
    assert to_simplified("臺灣的學術研究") == "台湾的学术研究"


def test_tokens_of_both_scripts_match():
    assert tokenize("國家主席出席會議") == tokenize("国家主席出席会议")
