"""Characters: which are CJK, and how much of a text is Chinese."""

from __future__ import annotations

import re

CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_CHAR = f"[{CJK_RANGES}]"


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def cjk_ratio(text: str) -> float:
    """Share of CJK characters among the letters of ``text`` (0 when it has none)."""
    letters = [c for c in text if c.isalpha()]
    return sum(map(is_cjk, letters)) / len(letters) if letters else 0.0


def has_content(text: str) -> bool:
    """Whether a text has a letter or digit of any script (not only punctuation, symbols, emoji)."""
    return any(c.isalnum() for c in text)


_CJK_RUN = re.compile(f"{CJK_CHAR}+")
_LATIN_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")  # not acronyms: "IBM CEO是谁" is Chinese


def detect_language(text: str) -> str:
    """``"zh"`` when the text is mainly Chinese, else ``"en"`` (the two we answer in).

    >>> detect_language("胡昌升在北京会见了哪些人？"), detect_language("Who is 包卓蓝?")
    ('zh', 'en')
    """
    letters = [c for c in text if c.isalpha()]
    cjk = sum(map(is_cjk, letters))
    latin = len(letters) - cjk
    runs = [len(r) for r in _CJK_RUN.findall(text)]
    words = len(_LATIN_WORD.findall(text))
    # English words around short Chinese names or terms are an English sentence
    if runs and max(runs) <= 4 and words >= max(2, len(runs)):
        return "en"
    # one CJK character carries about as much as a short English word
    return "zh" if cjk and cjk * 3 >= latin else "en"
