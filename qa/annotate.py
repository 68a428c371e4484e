"""Annotate: at build time, each sentence of an article with the people, organisations,
places, dates, clock times and quantities it mentions, so that questions read them instead of
tagging text again. Work that does not depend on the question is done once, here.

Dates are normalised to ISO 8601 against the article's own date (昨天, 11月16日-17日),
quantities to a value and a unit (13.4万元 -> 134000 元), names romanised.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa.chunking import Span, sentence_spans
from qa.lang.clock import find_times
from qa.lang.dates import find_dates, parse_reference
from qa.lang.entities import PERSON, PLACE, find_entities
from qa.lang.numbers import find_quantities
from qa.lang.pinyin import romanize_name, romanize_place
from qa.lang.script import to_simplified
from qa.lang.segment import tag_spans
from qa.types import Article, Mention, MentionKind

# Bumped when what is stored changes; the index manifest records it, and the answer
# model names the version its features were computed from.
ANNOTATION_VERSION = 6  # 3: transliterated names whole (维尔纳•海森堡, 玛西娅·麦克纳特), 2026-12-02;
# 4: a place runs on over the nouns after it that end like a place (厦门火车站, 福建省厦门市), 2026-12-02
# 5: an organisation's name jieba glued to a preposition and tagged as a person's (由鲁东路桥建设集团) is
# the organisation's, 2026-12-04; 6: clock times (9时至17时30分 -> 09:00/17:30), 2026-12-05


def format_value(value: float) -> str:
    """A quantity's value as it is stored: no trailing ``.0`` (134000, 12.5)."""
    return f"{value:.6g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))


def annotate_text(text: str, *, reference=None) -> tuple[Mention, ...]:
    """Mentions in one sentence (offsets into ``text``), in text order.

    Args:
        reference: the article's date (``datetime.date``), for relative dates.
    """
    plain = to_simplified(text)
    out: list[Mention] = []
    for e in find_entities(plain, tag_spans(plain)):
        norm = romanize_name(e.text) if e.kind == PERSON and "·" not in e.text and e.text[0] > "\u3000" else (
            romanize_place(e.text) if e.kind == PLACE else "")
        out.append(Mention(kind=e.kind, start=e.start, end=e.end, text=text[e.start:e.end], norm=norm))
    dates = find_dates(plain, reference=reference)
    for d in dates:
        out.append(Mention(kind=MentionKind.DATE.value, start=d.start, end=d.end, text=text[d.start:d.end], norm=d.iso))
    for q in find_quantities(plain):
        if any(d.start <= q.start and q.end <= d.end for d in dates):
            continue  # the number of a date (16 of 16世纪, 38年 of 民国38年) is not a quantity
        out.append(Mention(kind=MentionKind.QUANTITY.value, start=q.start, end=q.end, text=text[q.start:q.end],
                           norm=f"{format_value(q.value)} {q.unit}".strip()))
    for t in find_times(plain):
        out.append(Mention(kind=MentionKind.TIME.value, start=t.start, end=t.end, text=text[t.start:t.end], norm=t.norm))
    return tuple(sorted(out, key=lambda m: (m.start, -m.end, m.kind)))


def annotate(article: Article, *, size: int = 300, spans: Sequence[Span] | None = None) -> list[tuple[Span, tuple[Mention, ...]]]:
    """Each sentence span of an article with its mentions in article offsets.

    Args:
        size: the chunk size (a sentence longer than a chunk is cut as chunking cuts it).
        spans: the article's sentence spans if already computed.
    """
    try:
        reference = parse_reference(article.date)
    except ValueError:  # a date field we cannot read: absolute dates still resolve, relative ones not
        reference = None
    spans = sentence_spans(article.text, size=size) if spans is None else spans
    out = []
    for s, e in spans:
        found = annotate_text(article.text[s:e], reference=reference)
        out.append(((s, e), tuple(Mention(m.kind, m.start + s, m.end + s, m.text, m.norm) for m in found)))
    return out
