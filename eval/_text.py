"""Text helpers shared by the metric modules: one normalisation for matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable
from typing import TypeVar

from qa.answer import NOT_FOUND
from qa.decompose import HEADING_LINE

T = TypeVar("T", bound=Hashable)

_WHITESPACE = re.compile(r"\s+")
# A comma between digits followed by exactly three digits: 134,000 -> 134000.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def dedupe(items: Iterable[T]) -> list[T]:
    """Keep the first occurrence of each item, in order."""
    return list(dict.fromkeys(items))


def squash(text: str) -> str:
    """Normalise for substring matching.

    NFKC first, so full-width digits and the full-width comma compare equal to
    ASCII ones; then all whitespace removed, lowercase, and thousands
    separators dropped.

    Example:
        >>> squash("RMB １34, 000 Yuan")
        'rmb134000yuan'
    """
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).lower()
    return _THOUSANDS.sub("", text)


def is_punct(char: str) -> bool:
    """True for Unicode punctuation and symbols (，。“” + - ~ ...)."""
    return unicodedata.category(char)[0] in "PS"


_MARKER = re.compile(r"[\[【［]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]】］]")


_REFUSED = tuple(text[:-1] for text in NOT_FOUND.values())  # a refusal, with or without its hint


def _frames(line: str) -> bool:
    """A line that frames an answer: ends in a colon, or the heading a question that asks several things
    puts over each part (qa.decompose) or a part's refusal (qa.answer.NOT_FOUND)."""
    line = line.strip()
    return line.endswith((":", "：")) or HEADING_LINE.match(line) is not None or line.startswith(_REFUSED)


def strip_preamble(answer: str) -> str:
    """The answer without its framing lines: lines that cite nothing and end in a colon, and
    the headings and refusals of the parts of an answer to a question that asks several things.

    Such a line ("Found in 2 articles (...). The sentences that answer:", the heading
    《title》： before one article's quotes in a list gathered from several, "（2）哪天开放？"
    over a part's answer) frames the quotes; it states nothing about the question, so it is
    neither a claim to support nor part of the answer's text.

    Example:
        >>> strip_preamble("Found in 1 article (甲). The quotes:\\n甲。[1]")
        '甲。[1]'
        >>> strip_preamble("《甲》：\\n甲。[1]\\n《乙》：\\n乙。[2]")
        '甲。[1]\\n乙。[2]'
        >>> strip_preamble("（1）甲在哪？\\n甲。[1]\\n\\n（2）乙是谁？\\n在已索引的文章中没有找到这个问题的答案。")
        '甲。[1]\\n'
    """
    lines = answer.strip().split("\n")
    kept = [line for line in lines if _MARKER.search(line) or not _frames(line)]
    return "\n".join(kept) if kept else answer
