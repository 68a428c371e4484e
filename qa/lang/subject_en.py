"""The subject of an English question — what an English follow-up's "it" points back to
(``qa.followup``), as a Chinese question's opening noun phrase is (``qa.followup.topic``).

Found by the words around it (``data/question_grammar_en.txt``): after the question word (and the
words it governs) comes an auxiliary; after is / was / has the subject runs to the participle
(Where was | the autumn job fair | held?: the first participle that ends the clause or comes before
a function word or a name) or, with none after is / was, to the end (What is | the main idea of
atomism?); after did / will it runs to the verb (When did | this winter's first cold wave | reach
Xiamen?), the last word the dictionary calls a verb (``data/verbs_en.txt``, ``python -m
train.verbs``) before the first function word that follows one (In which fields does | Hu
Changsheng | hope to cooperate with IBM?). None when the question word is the subject (Who met
Hu?, Which company is the largest…), when it asks who (the answer is a person, and "it" never
is), when a copula's "subject" is "the N of X" ("it" may be either), or when the words after the
auxiliary open with a pronoun (Why is it difficult…) or a verb (Who should propose…).
"""

from __future__ import annotations

import re
from functools import lru_cache

from qa.lang import resources
from qa.lang.chars import detect_language
from qa.lang.segment import irregular, stopwords_en

MAX_WORDS = 14  # a longer "subject" is a misreading
AUX_WINDOW = 7  # words between the question word and its auxiliary at most (What level of … city was…)
_TOKEN = re.compile(r"\S+")
_EDGE = re.compile(r"^[^\w]+|[^\w]+$")
_BREAK = re.compile(r"[,;:]$|[—–]")  # a clause or an aside starts after it (the fair, which opened…)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CLOSING = "\"”’')]"


@lru_cache(maxsize=1)
def grammar() -> dict[str, frozenset[str]]:
    """Role -> words of ``question_grammar_en.txt``; ``pointing``: the pronouns of ``pronouns.txt``
    (person and other), ``determiner``: those that may open a subject (this year's…)."""
    rows: dict[str, set[str]] = {}
    for role, *ws in resources.table("question_grammar_en"):
        rows.setdefault(role, set()).update(ws)
    for role, lang, *ws in resources.table("pronouns"):
        if lang == "en" and role in ("person", "other", "determiner"):
            rows.setdefault("determiner" if role == "determiner" else "pointing", set()).update(ws)
    return {role: frozenset(ws) for role, ws in rows.items()}


@lru_cache(maxsize=1)
def verbs() -> frozenset[str]:
    return resources.words("verbs_en")


def _participle(word: str) -> bool:
    """A lower-case past participle: in -ed, or an irregular verb form (held, laid, made)."""
    return word == word.lower() and (len(word) >= 4 and word.endswith("ed") or word in grammar()["participle"]
                                     or irregular().get(word) in verbs())


def _adverb(word: str) -> bool:
    return word.lower() in grammar()["adverb"] or word == word.lower() and word.endswith("ly")


def _verb(word: str) -> bool:
    """A lower-case word the dictionary calls a verb, in its base form (after do / will)."""
    return word == word.lower() and word in verbs()


def bare(word: str) -> str:
    """A word without the punctuation around it ("Where?" -> Where)."""
    return _EDGE.sub("", word)


def _words(question: str) -> list[tuple[int, int, str, str]]:
    """(start, end, word, as written) of each word, the punctuation around it left out (an
    abbreviation keeps its dot: U.S.)."""
    out = []
    for m in _TOKEN.finditer(question):
        raw = m.group()
        word = bare(raw)
        if not word:
            continue
        start = m.start() + raw.index(word)
        end = start + len(word)
        if "." in word and question[end:end + 1] == ".":
            end += 1
        while end < m.end() and question[end] in _CLOSING:  # a title's closing quote ("Hobbism")
            end += 1
        out.append((start, end, word, raw))
    return out


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")") and text.count('"') % 2 == 0 and text.count("“") == text.count("”")


def subject(question: str) -> str:
    """The subject of an English question ("" when it has none the grammar finds).

    >>> subject("Where was the autumn job fair for college graduates held?")
    'the autumn job fair for college graduates'
    >>> subject("When did this winter's first cold wave reach Xiamen?"), subject("Who met Hu Changsheng?")
    ("this winter's first cold wave", '')
    """
    if detect_language(question) != "en":
        return ""
    g = grammar()
    toks = _words(question)
    i = 1 if toks and toks[0][2].lower() in g["lead"] else 0
    if len(toks) <= i or toks[i][2].lower() not in g["wh"] or toks[i][2].lower() in g["asks_person"]:
        return ""
    auxiliaries = g["be"] | g["have"] | g["do"]
    aux = next((j for j in range(i + 1, min(len(toks), i + 2 + AUX_WINDOW)) if toks[j][2].lower() in auxiliaries),
               None)
    if aux is None:
        return ""
    rest = toks[aux + 1:]
    kind = toks[aux][2].lower()
    first = rest[0][2] if rest else ""
    if not rest or _participle(first) or _verb(first) or first.lower() in auxiliaries | g["no_subject"] \
            or first.lower() in g["pointing"] and (first.lower() not in g["determiner"] or len(rest) == 1):
        return ""  # Which law's enactment was | spurred by…, Which part can | be used…, Who should |
        # propose…: the question word's phrase is the subject; Why is | it difficult…: none to carry
    if kind in g["do"]:
        stop = next((k for k in range(1, len(rest)) if rest[k][2].lower() in stopwords_en()
                     and any(_verb(t[2]) for t in rest[1:k])), len(rest))
        end = max((k for k in range(1, stop) if _verb(rest[k][2])), default=None)
    else:
        found = [k for k in range(1, len(rest)) if _participle(rest[k][2])]
        end = next((k for k in found if k + 1 == len(rest) or rest[k + 1][2].lower() in stopwords_en()
                    or not rest[k + 1][2][:1].islower()), found[-1] if found else None)
        # What has | the structure | been criticised for?
        end = next((k for k in range(1, end or len(rest)) if rest[k][2].lower() in g["no_subject"]), end)
        if end is None and kind in g["be"] and aux == i + 1:  # What is | the main idea of atomism?
            if any(t[2].lower() == "of" for t in rest):
                return ""  # the population of Xiamen: its area is Xiamen's, its growth the population's
            end = len(rest)  # (Which industry is | the largest…: the predicate, not the subject)
    if not end:
        return ""
    while end > 0 and _adverb(rest[end - 1][2]):
        end -= 1
    words = rest[:end]
    while words and _adverb(words[0][2]):  # Which is | currently the most popular protocol
        words = words[1:]
    cut = next((k for k, t in enumerate(words) if _BREAK.search(t[3])
                and _balanced(question[words[0][0]:t[1]])), None)  # not inside quotes or brackets
    if cut is not None:  # Where was | the fair|, which opened in May, held?
        words = words[:cut + 1]
    if not words or len(words) > MAX_WORDS or all(t[2].lower() in stopwords_en() for t in words):
        return ""
    out = question[words[0][0]:words[-1][1]]
    return "" if _CJK.search(out) or not _balanced(out) else out


def anticipatory(question: str, end: int) -> bool:
    """Whether the "it" that ends at ``end`` points at nothing, standing for the clause after it
    ("How much does it cost | to attend?", "Is it difficult | to build?"): it is followed by a word
    that is neither a verb nor a participle, then "to" and a verb (not "did it decide to set up",
    "is it expected to open", where "it" is something).

    >>> q = "How much does it cost to attend?"
    >>> anticipatory(q, q.index("it") + 2), anticipatory("Did it decide to open?", 6)
    (True, False)
    """
    after = [t[2] for t in _words(question[end:])][:3]
    return (len(after) == 3 and after[1].lower() == "to" and _verb(after[2])
            and not _verb(after[0]) and not _participle(after[0]))
