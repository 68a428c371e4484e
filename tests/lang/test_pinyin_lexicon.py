"""The pinyin lexicon changed in place equals the one built afresh."""

from __future__ import annotations

from qa.lang.pinyin import build_lexicon, in_lexicon, lexicon_word, update_lexicon

WORDS = ["胡昌升", "厦门", "下门", "北京", "背景", "陈肇雄", "绿发", "会见", "长江", "银行", "行长", "IBM", "厦"]


def test_update_equals_a_fresh_build():
    """Words sharing keys (厦门 / 下门 xiamen, 北京 / 背景 beijing, heteronyms 长 行) stay
    sorted under each key; a key left without words goes; non-words are ignored."""
    lex = build_lexicon(sorted(WORDS))
    add, remove = ["夏门", "银河", "行长", "Xiamen", "张"], ["下门", "背景", "长江", "厦"]
    update_lexicon(lex, add=add, remove=remove)
    want = build_lexicon(sorted(set(WORDS) - set(remove) | set(add)))
    assert lex == want
    assert lex["xiamen"] == sorted(["厦门", "夏门"]) and "beijing" in lex
    assert not any(k.startswith("changjiang") for k in lex)  # 长江 was the only word with those keys


def test_remove_then_add_back_is_the_same_lexicon():
    lex = build_lexicon(sorted(WORDS))
    update_lexicon(lex, remove=["胡昌升", "厦门"])
    assert "huchangsheng" not in lex and lex["xiamen"] == ["下门"]
    update_lexicon(lex, add=["厦门", "胡昌升"])
    assert lex == build_lexicon(sorted(WORDS))


def test_membership():
    lex = build_lexicon(WORDS)
    assert in_lexicon(lex, "厦门") and in_lexicon(lex, "行长")
    assert not in_lexicon(lex, "夏门") and not in_lexicon(lex, "厦") and not in_lexicon(lex, "IBM")
    assert lexicon_word("厦门") and not lexicon_word("厦") and not lexicon_word("厦门IBM")
