"""Matching a question's words in a sentence: where a term occurs, the longest shared run of
characters, and how much of the question's wording around its question word a sentence has.
Pure string functions, used by ``qa.features``."""

from __future__ import annotations

from collections.abc import Sequence


def present(forms: Sequence[str], text: str) -> int:
    """Offset of the first form found in ``text`` (-1 when none is)."""
    for f in forms:
        i = text.find(f)
        if i >= 0:
            return i
    return -1


def longest_common(chars: str, text: str) -> int:
    """Length of the longest substring of ``chars`` that ``text`` contains.

    >>> longest_common("圣体堂区成立于", "圣体堂区成立于1910年")
    7
    """
    best = 0
    for i in range(len(chars)):
        lo, hi = best + 1, len(chars) - i
        if lo > hi or chars[i:i + lo] not in text:
            continue
        while lo < hi:  # the longest run from i that occurs (occurrence is monotone in length)
            mid = (lo + hi + 1) // 2
            if chars[i:i + mid] in text:
                lo = mid
            else:
                hi = mid - 1
        best = lo
    return best


def around_gap(left: str, right: str, text: str) -> tuple[float, float, float]:
    """How much of the question's text around its question word the sentence has: the
    longest piece of the text before it (``left``), the longest piece of the text after it
    (``right``), and the characters between the two in the sentence (where the answer would
    be; -1: not both).

    >>> around_gap("国务院是", "批复同意威海", "国务院于11月26日批复同意威海列为名城")
    (3.0, 6.0, 7.0)
    """
    n_left, lpos = longest_piece(left, text, end=True)
    n_right, rpos = longest_piece(right, text, start=max(lpos, 0), end=False)
    gap = float(min(rpos - lpos, 30)) if n_left and n_right and rpos >= lpos else -1.0
    return float(n_left), float(n_right), gap


def longest_piece(chars: str, text: str, *, start: int = 0, end: bool) -> tuple[int, int]:
    """Length of the longest substring of ``chars`` in ``text[start:]``, and where it ends
    (``end``: a piece of the text before the question word) or starts (after it) in ``text``."""
    n = longest_common(chars, text[start:]) if chars else 0
    if n == 0:
        return 0, -1
    pieces = range(len(chars) - n, -1, -1) if end else range(len(chars) - n + 1)  # nearest the question word first
    for i in pieces:
        j = text.find(chars[i:i + n], start)
        if j >= 0:
            return n, (j + n if end else j)
    return 0, -1
