"""Citation quality in the manner of ALCE (Gao et al. 2023, "Enabling Large
Language Models to Generate Text with Citations").

An answer is split into sentences, each with the passages it cites.  Citation
recall is the share of sentences whose cited passages, together, support the
sentence; citation precision the share of citations that are relevant.  The
support test is a parameter: ALCE uses an NLI model, the default here is a
lexical test that needs no model, which suits extractive and generated
Chinese answers over the same text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eval._text import dedupe, is_punct, squash

Supports = Callable[[str, Sequence[str]], bool]

# [1], [1, 2], and the full-width 【1】/［1］ that Chinese generations often use.
_MARKER = re.compile(r"\s*[\[【［]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】］]")
# A '.' ends a sentence only before whitespace, a marker or the end, so
# 13.4 and JD.com stay whole.
_ENDER = r"(?:[。！？；!?;]+|\.(?=\s|[\[【［]|$))"
_CLOSERS = r"[”’\"'』」）)]*"
_BOUNDARY = re.compile(rf"{_ENDER}{_CLOSERS}(?:{_MARKER.pattern})*|\n")
_LIST_ITEM = re.compile(r"^(?:\d{1,3}[.)]\s+|\d{1,3}、|[-*•]\s+)")
_LIST_ITEM_ONLY = re.compile(r"\d{1,3}[.)]|[-*•]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

# Function words that carry no claim; a small list on purpose, so that most
# of a sentence's wording still has to be found in the passages.
STOPWORDS = frozenset(
    "的 地 得 了 着 过 是 在 和 与 及 以及 或 等 也 都 就 还 又 而 并 并且 将 会 要 "
    "对 为 于 把 被 从 向 由 之 其 这 那 该 此 有 一个 个 我们 他们 它们 他 她 它 "
    "说 表示 称 据 根据 所 以 及其 "
    "a an the of to in on at by for with and or is are was were be been that this "
    "it its as from which who".split()
)


@dataclass(frozen=True)
class CitationScores:
    """ALCE citation scores for one answer.

    Attributes:
        recall: supported sentences / all sentences.
        precision: relevant citations / all citations; 0.0 when nothing is
            cited, as in ALCE, so an uncited answer does not score as precise.
        n_sentences: sentences scored.
        n_citations: citations counted (distinct per sentence).
    """

    recall: float
    precision: float
    n_sentences: int
    n_citations: int


def _cited_numbers(piece: str) -> list[int]:
    return dedupe(int(n) for group in _MARKER.findall(piece) for n in re.findall(r"\d+", group))


def split_cited_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Split an answer into sentences and the passage numbers each cites.

    A marker belongs to the sentence it sits in or right after, so markers may
    come just before or just after the sentence-ending punctuation.  A line
    break also ends a sentence; a leading list number ("1. ", "2、") is dropped.

    Args:
        answer: text with ``[n]`` markers (also ``[1, 2]`` and ``【n】``).

    Returns:
        (sentence without markers, cited numbers in first-seen order, no
        repeats) for each non-empty sentence.

    Example:
        >>> split_cited_sentences("甲说了A。[1] 乙做了B。[1][2]")
        [('甲说了A。', [1]), ('乙做了B。', [1, 2])]
        >>> split_cited_sentences("A[1]. B [2].")
        [('A.', [1]), ('B.', [2])]
    """
    sentences: list[tuple[str, list[int]]] = []
    start = 0
    pieces = []
    for match in _BOUNDARY.finditer(answer):
        piece = answer[start:match.end()]
        if _LIST_ITEM_ONLY.fullmatch(_MARKER.sub("", piece).strip()):
            continue  # "1." opens a list item: it belongs to the next sentence
        pieces.append(piece)
        start = match.end()
    pieces.append(answer[start:])
    for piece in pieces:
        text = _LIST_ITEM.sub("", _MARKER.sub("", piece).strip())
        cited = _cited_numbers(piece)
        if text:
            sentences.append((text, cited))
        elif cited and sentences:
            # Markers alone on a line after a sentence still cite for it.
            last_text, last_cited = sentences[-1]
            sentences[-1] = (last_text, dedupe(last_cited + cited))
    return sentences


def _strip_punct(text: str) -> str:
    start, end = 0, len(text)
    while start < end and is_punct(text[start]):
        start += 1
    while end > start and is_punct(text[end - 1]):
        end -= 1
    return text[start:end]


def _content_tokens(claim: str) -> list[str]:
    """jieba tokens of the claim, lowercased, without punctuation or stopwords."""
    try:
        import jieba
    except ImportError as err:  # pragma: no cover - jieba is a project dependency
        raise ImportError("lexical_support needs jieba: pip install jieba") from err
    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not ours
    text = unicodedata.normalize("NFKC", claim).lower()
    tokens = (token.strip() for token in jieba.lcut(text))
    return [t for t in tokens
            if t and t not in STOPWORDS and not all(is_punct(ch) for ch in t)]


def lexical_support(claim: str, passages: Sequence[str], *, min_coverage: float = 0.8) -> bool:
    """Whether the passages lexically support the claim.

    Supported when, after removing ``[n]`` markers, whitespace and case, the
    claim (without surrounding punctuation) is a substring of one passage; or
    when at least ``min_coverage`` of its content tokens (jieba, no
    punctuation or :data:`STOPWORDS`) occur in the passages and every number
    in the claim occurs in them as a whole number.  Substring tests make the
    result independent of how jieba segments the passages.  An English claim
    about Chinese passages is, by design, not supported.

    Args:
        claim: one answer sentence.
        passages: the cited passage texts; none means unsupported.
        min_coverage: share of content tokens that must be found.

    Returns:
        True if supported.

    Example:
        >>> lexical_support("胡昌升带队在北京开展招商。[1]", ["胡昌升带队在北京开展招商引资工作"])
        True
    """
    claim = _MARKER.sub("", claim)
    core = _strip_punct(squash(claim))
    if not core or not passages:
        return False
    squashed = [squash(passage) for passage in passages]
    if any(core in passage for passage in squashed):
        return True
    haystack = "\n".join(squashed)
    if not set(_NUMBER.findall(squash(claim))) <= set(_NUMBER.findall(haystack)):
        return False
    tokens = _content_tokens(claim)
    if not tokens:
        return False
    covered = sum(squash(token) in haystack for token in tokens)
    return covered / len(tokens) >= min_coverage


def citation_scores(sentences: Sequence[tuple[str, Sequence[int]]], passages: Sequence[str],
                    *, supports: Supports = lexical_support) -> CitationScores:
    """Citation recall and precision of one answer, as ALCE defines them.

    A sentence is supported when its cited passages, together, support it.  A
    citation is irrelevant when its passage alone does not support the
    sentence and removing it does not change whether the remaining citations
    do; with a monotone ``supports`` this is exactly ALCE's rule (a citation
    in an unsupported sentence is irrelevant; in a supported one it is
    irrelevant only if the others suffice without it).  Sentences without
    citations count 0 towards recall and nothing towards precision.  Unlike
    ALCE, which drops them from the count, a citation number with no passage
    makes its sentence unsupported and all its citations irrelevant, so made-up
    citations cost precision.

    Args:
        sentences: (sentence, cited passage numbers), e.g. from
            :func:`split_cited_sentences`; numbers are 1-based.
        passages: the passages the answer could cite, [1] being ``passages[0]``.
        supports: ``supports(claim, passage_texts) -> bool``.

    Returns:
        The scores and counts.

    Raises:
        ValueError: no sentences (a not-found answer is scored by
            ``refusal_metrics`` instead).
    """
    if not sentences:
        raise ValueError("no sentences to score: score not-found answers with refusal_metrics")
    supported = relevant = n_citations = 0
    for claim, numbers in sentences:
        cited = dedupe(numbers)
        n_citations += len(cited)
        if not cited or any(not 1 <= n <= len(passages) for n in cited):
            continue
        text = {n: passages[n - 1] for n in cited}
        joint = supports(claim, [text[n] for n in cited])
        supported += joint
        if len(cited) == 1:
            relevant += joint  # alone == joint, and without it nothing is left
            continue
        for n in cited:
            if supports(claim, [text[n]]):
                relevant += 1
            elif supports(claim, [text[m] for m in cited if m != n]) != joint:
                relevant += 1
    return CitationScores(
        recall=supported / len(sentences),
        precision=relevant / n_citations if n_citations else 0.0,
        n_sentences=len(sentences),
        n_citations=n_citations,
    )
