"""Pure character-level helpers shared by the pipeline steps."""

from __future__ import annotations

import re
import unicodedata

from qa.lang.chars import CJK_CHAR, CJK_RANGES

# Punctuation only Chinese text uses (ideographic and full-width forms) ...
_CJK_ONLY_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
# ... and punctuation both languages use: curly quotes, dashes, ellipsis, middle dot.
_SHARED_PUNCT = "\u2014-\u2027\u00b7"
# Chinese punctuation and symbols that sit between CJK characters without spaces.
CJK_PUNCT = _CJK_ONLY_PUNCT + _SHARED_PUNCT
CJK_OR_PUNCT = f"[{CJK_RANGES}{CJK_PUNCT}]"

_FULLWIDTH_ALNUM = {c: chr(c - 0xFEE0) for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)}
_FULLWIDTH_ALNUM.update({0x3000: " ", 0x00A0: " ", 0xFEFF: None, 0x200B: None, 0x200C: None, 0x200D: None})
# tabs and typographic spaces (en, thin, narrow no-break, ...) are plain spaces
_FULLWIDTH_ALNUM.update({c: " " for c in (0x09, *range(0x2000, 0x200B), 0x202F, 0x205F)})

_STRONG = f"[{CJK_RANGES}{_CJK_ONLY_PUNCT}]"
# A space beside a curly quote or dash goes only when Chinese is on the quote's other
# side: 'he said “hello”' keeps its spaces, '说 “好”' loses its one.
_SPACE_NEAR_CJK = re.compile(
    rf"(?<={_STRONG})[ \t]+|[ \t]+(?={_STRONG})"
    rf"|(?<={CJK_CHAR}[{_SHARED_PUNCT}])[ \t]+|[ \t]+(?=[{_SHARED_PUNCT}]{CJK_CHAR})"
)
_SPACES = re.compile(r"[ \t]{2,}")
# every line break str.splitlines() knows except the file separators \x1c-\x1e
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
_SPACED_NUMBER = re.compile(r"\d[\d.,]*(?:[ \t]+[\d.,]*\d)+")


def counted(n: int, word: str) -> str:
    """``1 chunk``, ``2 chunks``, ``0 articles``: an English count with its noun's plural."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _join_spaced_number(m: re.Match[str]) -> str:
    text = m.string
    before = text[: m.start()].rstrip(" \t")[-1:]
    after = text[m.end():].lstrip(" \t")[:1]
    # "12 5" between English words may be two numbers; beside Chinese it is one broken number
    if re.match(CJK_OR_PUNCT, before) or re.match(CJK_OR_PUNCT, after):
        return re.sub(r"[ \t]+", "", m.group())
    return m.group()


def normalize_line(line: str) -> str:
    """Clean one line: full-width letters and digits to ASCII, no space beside Chinese
    characters or punctuation, no space inside a number written beside Chinese text.

    >>> normalize_line("11 月 17 日，价值 13.4 万元")
    '11月17日，价值13.4万元'
    """
    line = unicodedata.normalize("NFC", line).translate(_FULLWIDTH_ALNUM)
    line = _SPACED_NUMBER.sub(_join_spaced_number, line)
    line = _SPACE_NEAR_CJK.sub("", line)
    return _SPACES.sub(" ", line).strip()


def normalize_text(text: str) -> str:
    """Normalise every line and drop blank ones at both ends; inner newlines stay."""
    lines = [normalize_line(x) for x in _LINE_BREAK.split(text)]
    return "\n".join(lines).strip("\n")
