"""English side of the bridges: words of a question, with positions, case and lemmas."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.lang import resources
from qa.lang.segment import irregular, stopwords_en

_WORD = re.compile(r"[A-Za-z][A-Za-z'’.]*[A-Za-z]|[A-Za-z]")


@lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    """Question words and fillers that name nothing in an article (stopwords too)."""
    return stopwords_en() | resources.words("question_words_en")


@dataclass(frozen=True)
class Word:
    text: str  # as written
    lower: str
    lemma: str
    capitalized: bool
    index: int  # position among the question's words
    start: int = 0  # character offsets in the question
    end: int = 0


def lemmas(word: str) -> list[str]:
    """Candidate base forms of an English word, most likely first (no dictionary needed)."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    out = [w]
    if base := irregular().get(w):
        out.insert(0, base)
    rules = [("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"),
             ("es", "e"), ("es", ""), ("s", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""),
             ("ly", ""), ("ers", "er"), ("er", "")]
    for suffix, rep in rules:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            cand = w[: -len(suffix)] + rep
            if suffix in ("ed", "ing") and len(cand) > 3 and cand[-1] == cand[-2] and rep == "":
                out.append(cand[:-1])  # "planned" -> "plan"
            out.append(cand)
    return list(dict.fromkeys(out))


def words(question: str) -> list[Word]:
    out = []
    for i, m in enumerate(_WORD.finditer(question)):
        t = m.group().strip(".'’")
        if not t:
            continue
        start = m.start() + m.group().index(t)
        out.append(Word(text=t, lower=t.lower(), lemma=lemmas(t)[0], capitalized=t[0].isupper(), index=i,
                        start=start, end=start + len(t)))
    return out


def span(question: str, run: list[Word]) -> str:
    """The question's own text for a run of words ("Hu Chang-sheng" stays as written)."""
    return question[run[0].start: run[-1].end]


def content(ws: list[Word]) -> list[Word]:
    return [w for w in ws if w.lower not in question_words() and len(w.lower) > 1]
