"""List answers: a question asking for several things (哪些, 分别, which ...s, list ...;
``qa.query.asks_for_a_list``) is answered from every sentence of every retrieved article
that the answer model scores as supporting, not from the best one and its neighbours.

Nothing here scores: the sentence and span probabilities come from the answer model
(``qa.judge``, ``qa.scorer``) and the limits are the model's own thresholds. A sentence
the model does not score as supporting is never quoted, and a short-answer item is taken
only from a quoted sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from qa.evidence import Candidate
from qa.lang.script import to_simplified
from qa.shortanswer import Span


def supporting(p: np.ndarray, candidates: Sequence[Candidate], limit: float, *, per_article: int) -> list[int]:
    """The sentences to quote for a list: the likeliest one, and every other one at least
    ``limit`` likely, at most ``per_article`` from one article (its likeliest); grouped by
    article, the article of the likeliest sentence first, each in reading order.

    Args:
        p: calibrated probability of each candidate sentence (``Judgement.sentence_probability``).
        limit: the model's threshold for quoting a sentence of a list.
        per_article: the most sentences quoted from one article.
    """
    if not len(candidates):
        return []
    order = [int(i) for i in np.argsort(-p, kind="stable")]
    taken: dict[str, int] = {}
    chosen: list[int] = []
    for rank, i in enumerate(order):
        aid = candidates[i].article.id
        if rank and (p[i] < limit or taken.get(aid, 0) >= per_article):
            continue
        taken[aid] = taken.get(aid, 0) + 1
        chosen.append(i)
    return in_reading_order(chosen, p, candidates)


def in_reading_order(chosen: Sequence[int], p: np.ndarray, candidates: Sequence[Candidate]) -> list[int]:
    """Sentences grouped by article (the article of the likeliest first), in reading order."""
    rank: dict[str, int] = {}
    for i in sorted(chosen, key=lambda i: -p[i]):
        rank.setdefault(candidates[i].article.id, len(rank))
    return sorted(chosen, key=lambda i: (rank[candidates[i].article.id], candidates[i].start))


def items(spans: Sequence[Span], prob: np.ndarray, own: np.ndarray, best: int, *, floor: float, more: float,
          kind: str | None, candidates: Sequence[Candidate], article_rank: Callable[[str], int]) -> list[Span]:
    """The items of a list's short answer. The best span; and when the question asks for a
    kind (person, organisation, place...), from each other quoted sentence its likeliest
    span of that kind if it passes the test the best one passed (``prob``, the span's
    probability times its sentence's, reaches the short-answer threshold ``floor``), and
    from any quoted sentence a further span of that kind that is itself likely to be its
    sentence's answer (``own`` at least ``more``: two people met at once). De-duplicated (as
    read in Simplified characters), never overlapping, in text order (articles as quoted).

    Args:
        spans: candidate spans of the quoted (supporting) sentences only.
        prob: each span's probability of being the answer.
        own: each span's probability of being its own sentence's answer.
        best: index of the best span (the short answer of a single-answer question).
    """
    top = spans[best]
    picked = [top]
    if kind is not None and top.kind == kind:
        seen = {to_simplified(top.text)}
        heads = {top.sentence}
        for i in np.argsort(-prob, kind="stable"):
            sp = spans[int(i)]
            if i == best or sp.kind != kind or to_simplified(sp.text) in seen:
                continue
            if not (prob[i] >= floor and sp.sentence not in heads) and own[i] < more:
                continue
            if any(sp.sentence == o.sentence and sp.start < o.end and o.start < sp.end for o in picked):
                continue
            seen.add(to_simplified(sp.text))
            heads.add(sp.sentence)
            picked.append(sp)
    return sorted(picked, key=lambda sp: (article_rank(candidates[sp.sentence].article.id),
                                          candidates[sp.sentence].start, sp.start))

