"""Text helpers shared by the metric modules: one normalisation for matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable
from typing import TypeVar

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


def strip_preamble(answer: str) -> str:
    """The answer without a leading line that cites nothing and ends in a colon.

    Such a line ("Found in 2 articles (...). The sentences that answer:")
    frames the quotes; it states nothing about the question, so it is neither
    a claim to support nor part of the answer's text.

    Example:
        >>> strip_preamble("Found in 1 article (甲). The quotes:\\n甲。[1]")
        '甲。[1]'
    """
    first, newline, rest = answer.lstrip().partition("\n")
    if newline and not _MARKER.search(first) and first.rstrip().endswith((":", "：")):
        return rest
    return answer
