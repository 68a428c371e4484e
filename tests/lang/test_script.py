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


def test_conversions_are_remembered_within_a_bound():
    """Answering converts the same sentences and spans many times: the last SIMPLIFIED_CACHE
    texts are remembered, and a remembered text converts as a new one does."""
    from qa.lang.script import SIMPLIFIED_CACHE, _simplified, to_simplified

    assert _simplified.cache_info().maxsize == SIMPLIFIED_CACHE
    first = to_simplified("鷺江海底觀光隧道")
    assert to_simplified("鷺江海底觀光隧道") == first == "鹭江海底观光隧道"
    assert _simplified.cache_info().hits >= 1
