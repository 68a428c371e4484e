"""English side of the bridges: words of a question, with positions, case and lemmas."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.lexical import STOPWORDS_EN

_WORD = re.compile(r"[A-Za-z][A-Za-z'’.]*[A-Za-z]|[A-Za-z]")
# Question words and fillers that name nothing in an article.
QUESTION_WORDS = STOPWORDS_EN | set(
    "did does do many much whom whose which what who when where why how according article articles "
    "news report reported say says said mention mentioned name named kind sort type".split()
)
_IRREGULAR = {
    "met": "meet", "won": "win", "held": "hold", "took": "take", "taken": "take", "gave": "give", "given": "give",
    "went": "go", "gone": "go", "spoke": "speak", "spoken": "speak", "built": "build", "made": "make",
    "said": "say", "told": "tell", "paid": "pay", "found": "find", "led": "lead", "sent": "send", "saw": "see",
    "seen": "see", "chose": "choose", "chosen": "choose", "brought": "bring", "began": "begin", "begun": "begin",
    "signed": "sign", "became": "become", "came": "come", "set": "set", "put": "put", "thought": "think",
    "sought": "seek", "bought": "buy", "taught": "teach", "grew": "grow", "grown": "grow", "knew": "know",
    "known": "know", "wrote": "write", "written": "write", "ran": "run", "stood": "stand", "understood": "understand",
    "people": "person", "children": "child", "men": "man", "women": "woman", "companies": "company",
    "cities": "city", "countries": "country", "bodies": "body",
}


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
    if w in _IRREGULAR:
        out.insert(0, _IRREGULAR[w])
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
    return [w for w in ws if w.lower not in QUESTION_WORDS and len(w.lower) > 1]
