"""Author questions: who wrote or reported an article (关于金砖创新基地的报道是谁写的？,
Who wrote the report on the forum?).

The answer is not in any sentence: it is the byline the ingest step read off the article
(（记者 林硕）, （李晓平）) and stores as its author. The answer step still decides whether the
articles are about what the question names (its found decision: a question about a story no
article tells is refused); the short answer is then the author of the article whose sentence
is likeliest, or of each article that supports the question when it asks about several.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from qa.lang import resources
from qa.lang.script import to_simplified


@lru_cache(maxsize=1)
def _cues() -> dict[tuple[str, str], tuple[re.Pattern[str], ...]]:
    out: dict[tuple[str, str], list[re.Pattern[str]]] = {}
    for role, lang, pattern in resources.table("author_cues", 3):
        out.setdefault((role, lang), []).append(re.compile(pattern, re.IGNORECASE))
    return {k: tuple(v) for k, v in out.items()}


def _says(role: str, question: str, language: str) -> bool:
    lang = "en" if language == "en" else "zh"
    text = question if lang == "en" else to_simplified(question)
    return any(p.search(text) for p in _cues().get((role, lang), ()))


def asks_author(question: str, language: str) -> bool:
    """Whether a question asks who wrote or reported an article.

    >>> asks_author("关于金砖创新基地的报道是谁写的？", "zh"), asks_author("谁出席了论坛？", "zh")
    (True, False)
    """
    return _says("reporter", question, language) or (_says("ask", question, language)
                                                     and _says("about", question, language))


def asks_several(question: str, language: str) -> bool:
    """Whether an author question is about more than one article (两篇报道分别由谁撰写, the reports)."""
    return _says("several", question, language)


_COUNT = re.compile(r"([两二三四五六七八九十百]+|\d+)\s*篇")


def articles_asked(question: str) -> int | None:
    """How many articles a Chinese question says it is about (两篇报道 -> 2), or None."""
    from qa.lang.numbers import parse_number

    m = _COUNT.search(to_simplified(question))
    value = parse_number(m.group(1)) if m else None
    return int(value) if value else None


def articles(candidates: Sequence, probability: np.ndarray, *, several: bool, floor: float,
             count: int | None = None) -> list[int]:
    """Candidate indexes of the likeliest sentence of each article to name the author of: the
    likeliest sentence's article; when the question is about several, also every other article
    whose likeliest sentence is at least ``floor``, in order of that probability; when it says
    how many (``count``), that many articles, the likeliest first."""
    best: dict[str, int] = {}
    for k in np.argsort(-probability, kind="stable"):
        best.setdefault(candidates[int(k)].article.id, int(k))
    ranked = list(best.values())
    if not ranked:
        return []
    if count:
        return ranked[:count]
    if not several:
        return ranked[:1]
    return ranked[:1] + [k for k in ranked[1:] if probability[k] >= floor]
