"""Character-level helpers: line normalisation, language detection, CJK tests."""

from __future__ import annotations

import pytest

from qa.lang.chars import cjk_ratio, detect_language, is_cjk
from qa.text import normalize_line, normalize_text


@pytest.mark.parametrize(("raw", "clean"), [
    # the column layout of the bundled page puts spaces around numbers and dates
    ("11 月 17 日，价值 13.4 万元", "11月17日，价值13.4万元"),
    ("12 月 8 日，由厦门市政府", "12月8日，由厦门市政府"),
    ("11 月 16 日 -17 日，福建省委", "11月16日-17日，福建省委"),
    ("厦门经济特区建立 40 年来", "厦门经济特区建立40年来"),
    # a number broken by a stray space beside Chinese is one number ...
    ("价值人民币 13 .4 万元", "价值人民币13.4万元"),
    ("共 1 000 人参加", "共1000人参加"),
    # ... but two numbers in English stay two
    ("between 12 5 and 7", "between 12 5 and 7"),
    # English words keep their spaces; Latin beside Chinese loses them
    ("走访中国电科、IBM 和京东集团", "走访中国电科、IBM和京东集团"),
    ("IBM 全球副总裁、大中华区总裁包卓蓝", "IBM全球副总裁、大中华区总裁包卓蓝"),
    ("the Belt and Road Initiative", "the Belt and Road Initiative"),
    # curly quotes: no space inside Chinese, spaces kept in English
    ("发挥 “后金砖” 效应", "发挥“后金砖”效应"),
    ("面向金砖及 “金砖 +” 国家", "面向金砖及“金砖+”国家"),
    ("He said “hello world” to me.", "He said “hello world” to me."),
    ("a city — Xiamen — by the sea", "a city — Xiamen — by the sea"),
    # full-width letters, digits and spaces become ASCII; invisible characters go
    ("ＩＢＭ公司２０２０年", "IBM公司2020年"),
    ("厦门\u3000日报", "厦门日报"),
    ("厦\u200b门\ufeff日报", "厦门日报"),
    # tabs, no-break and typographic spaces are plain spaces, runs collapse
    ("Xiamen\tDaily", "Xiamen Daily"),
    ("Xiamen\u00a0\u2009 Daily", "Xiamen Daily"),
    ("  the   forum  ", "the forum"),
])
def test_normalize_line(raw: str, clean: str) -> None:
    assert normalize_line(raw) == clean


def test_normalize_line_is_idempotent() -> None:
    for raw in ("11 月 17 日，价值 13.4 万元", "He said “hello world” to me.", "IBM 全球副总裁"):
        once = normalize_line(raw)
        assert normalize_line(once) == once


def test_normalize_line_composes_unicode() -> None:
    assert normalize_line("Cafe\u0301 in Xiamen") == "Café in Xiamen"


def test_normalize_text_keeps_inner_newlines_and_drops_outer_blank_lines() -> None:
    text = "\n\n 11 月 17 日，论坛开幕。 \r\n\r\n厦门 日报\r\n\n"
    assert normalize_text(text) == "11月17日，论坛开幕。\n\n厦门日报"


@pytest.mark.parametrize("sep", ["\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0c"])
def test_normalize_text_treats_every_line_break_as_a_newline(sep: str) -> None:
    assert normalize_text(f"第一段。{sep}第二段。") == "第一段。\n第二段。"


@pytest.mark.parametrize(("text", "language"), [
    ("胡昌升在北京会见了哪些人？", "zh"),
    ("厦门大学的校长是谁？", "zh"),
    ("IBM在厦门做什么？", "zh"),
    ("IBM CEO是谁？", "zh"),
    ("Hu Changsheng 在北京会见了谁？", "zh"),
    ("who did Hu Changsheng meet in Beijing?", "en"),
    ("Who won the 2022 World Cup?", "en"),
    # an English question that names people in Chinese is still English
    ("Who is 包卓蓝?", "en"),
    ("What did 胡昌升 do in Beijing?", "en"),
    ("胡昌升 met 陈肇雄, 刘宇 and 孙瑜 in Beijing.", "en"),
    ("", "en"),
    ("2020", "en"),
])
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_is_cjk_and_ratio() -> None:
    assert all(is_cjk(c) for c in "厦门㐀豈\U00020000")  # basic, extension A, compatibility, extension B
    assert not any(is_cjk(c) for c in "A1，。“")
    assert cjk_ratio("厦门IBM") == pytest.approx(2 / 5)
    assert cjk_ratio("2020，。") == 0.0


def test_extension_b_characters_count_as_chinese_when_normalising() -> None:
    # is_cjk and the regular expressions agree on what is Chinese
    assert normalize_line("\U00020000 abc") == "\U00020000abc"


def test_counts_read_as_english() -> None:
    from qa.text import counted

    assert [counted(n, "chunk") for n in (0, 1, 2, 11)] == ["0 chunks", "1 chunk", "2 chunks", "11 chunks"]
