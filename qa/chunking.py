"""Chunk: split articles on sentence ends and pack sentences into overlapping chunks.

Every span is a pair of character offsets into the article text, so a chunk or a
cited sentence can be sliced back out of the article exactly.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from qa.errors import ConfigError
from qa.types import Article, Chunk

Span = tuple[int, int]

_CLOSERS = "”’」』）)】》\"'"
# 。！？；!?; (and …) end a sentence, with any closing quotes or brackets after them;
# a "." ends one only before whitespace (13.4 stays whole), and not after an initial or
# abbreviation (J. Smith, U.S., e.g., Mr., No. 5) nor after a list number at a line start.
_SENTENCE_END = re.compile(
    rf"(?:[。！？；!?;]+|…{{2}}(?=[{re.escape(_CLOSERS)}]*\n)"
    r"|(?<!\b[A-Za-z])(?<!\.[A-Za-z])(?<!\b(?:Mr|Ms|Dr|No|St|vs|Jr|Sr|Co))(?<!\bMrs)(?<!\bProf)"
    rf"(?<!^\d)(?<!^\d\d)\.(?=[{re.escape(_CLOSERS)}]*(?:\s|$)))[{re.escape(_CLOSERS)}]*",
    re.M,
)
# Fallback boundaries for an over-long sentence: clause punctuation, not inside 1,000 or 10:30.
_CLAUSE_END = re.compile(r"[，、：]|[,:](?!\d)")
# What a cut must not split: a number (13.4, 1,234, 10:30) or a Latin word (don't, COVID-19).
_UNBREAKABLE = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+(?:[.,:'’-][0-9A-Za-z\u00c0-\u024f]+)*")


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]``; newlines also end a sentence.

    >>> t = "他说：“好。”然后走了！价值13.4万元。"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['他说：“好。”', '然后走了！', '价值13.4万元。']
    """
    end = len(text) if end is None else end
    spans: list[Span] = []
    pos = start
    for line in re.finditer(r"[^\n]+", text[start:end]):
        ls, le = start + line.start(), start + line.end()
        pos = ls
        for m in _SENTENCE_END.finditer(text, ls, le):
            span = _trim(text, pos, m.end())
            if span:
                spans.append(span)
            pos = m.end()
        span = _trim(text, pos, le)
        if span:
            spans.append(span)
    return spans


def _split_long(text: str, span: Span, limit: int) -> list[Span]:
    """Cut a sentence longer than ``limit`` at clause punctuation; as a last resort
    at ``limit`` characters, moved back so that no number or Latin word is cut (or on
    past the end of a word that alone is longer than ``limit``)."""
    s, e = span
    if e - s <= limit:
        return [span]
    tokens = [m.span() for m in _UNBREAKABLE.finditer(text, s, e)]
    starts = [t[0] for t in tokens]

    def token_at(c: int) -> Span | None:
        """The number or word that a cut at ``c`` would split."""
        k = bisect_right(starts, c) - 1
        return tokens[k] if k >= 0 and tokens[k][0] < c < tokens[k][1] else None

    cuts = [m.end() for m in _CLAUSE_END.finditer(text, s, e) if token_at(m.end()) is None]
    pieces: list[Span] = []
    cur = s
    while e - cur > limit:
        best = max((c for c in cuts if cur < c <= cur + limit), default=None)
        if best is None:
            best = cur + limit
            inside = token_at(best)
            if inside is not None:
                best = inside[0] if inside[0] > cur else inside[1]
        if best >= e:
            break
        pieces.append((cur, best))
        cur = best
    pieces.append((cur, e))
    return [p for p in (_trim(text, a, b) for a, b in pieces) if p]


def pack(spans: list[Span], *, size: int, overlap: int) -> list[Span]:
    """Greedily pack consecutive sentence spans into chunks of at most ``size`` characters
    (a single longer sentence makes its own chunk); neighbouring chunks share up to
    ``overlap`` sentences, never more than half a chunk.

    Raises:
        ConfigError: ``size`` is below 1 or ``overlap`` below 0.
    """
    _check(size, overlap)
    chunks: list[Span] = []
    i = 0
    while i < len(spans):
        j = i + 1
        while j < len(spans) and spans[j][1] - spans[i][0] <= size:
            j += 1
        chunks.append((spans[i][0], spans[j - 1][1]))
        if j >= len(spans):
            break
        back = 0
        # the shared sentences must leave room for the next one: a chunk that repeats only
        # the tail of its neighbour would add nothing
        while (back < overlap and j - back - 1 > i and spans[j - 1][1] - spans[j - back - 1][0] <= size // 2
               and spans[j][1] - spans[j - back - 1][0] <= size):
            back += 1
        i = j - back
    return chunks


def _check(size: int, overlap: int) -> None:
    if size < 1:
        raise ConfigError(f"chunk size must be at least 1 character, got {size!r}")
    if overlap < 0:
        raise ConfigError(f"chunk overlap must be 0 or more sentences, got {overlap!r}")


def sentence_spans(text: str, *, size: int = 300) -> list[Span]:
    """The sentences chunks are packed from: ``split_sentences``, with a sentence longer
    than a chunk cut at clause punctuation. These are the units embedded and annotated."""
    return [p for sp in split_sentences(text) for p in _split_long(text, sp, size)]


def chunk_article(article: Article, *, size: int = 300, overlap: int = 1,
                  sentences: list[Span] | None = None) -> list[Chunk]:
    """Chunks of an article, each holding its offsets: ``article.text[c.start:c.end] == c.text``.

    Args:
        sentences: the article's ``sentence_spans`` if already computed.

    Raises:
        ConfigError: ``size`` is below 1 or ``overlap`` below 0.
    """
    _check(size, overlap)
    text = article.text
    spans = sentence_spans(text, size=size) if sentences is None else sentences
    return [Chunk.make(article.id, s, e, text[s:e]) for s, e in pack(spans, size=size, overlap=overlap)]
