"""Query analysis: the question's language, its key terms, and the weighted BM25 query.

Key terms are what an answer passage must mention: names, numbers and content
words, each with the Chinese surface forms that count as a match. They drive the
BM25 side of retrieval and the answer step's "is this really answered?" check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from qa.lang import resources
from qa.lang.chars import detect_language
from qa.lang.names import looks_like_person
from qa.lang.script import to_simplified
from qa.lang.segment import cut, stopwords, stopwords_en, tag, tokenize

_NAME_POS = {"nr", "nrt", "nrfg", "ns", "nt", "nz", "eng", "j"}
# jieba's guesses at Chinese personal names must start with a surname (高水平 comes tagged nr);
# transliterated names (nrt: 特斯拉, 马斯克) need not
_CHINESE_NAME_POS = {"nr", "nrfg"}
_NOUN_POS = ("n", "vn", "an", "i", "l")
_CONTENT_POS = ("n", "v", "a", "m", "eng", "j", "i", "l", "t", "s", "f")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@lru_cache(maxsize=1)
def _asking() -> tuple[tuple[str, ...], str]:
    """Chinese question words after which a noun names the kind of answer wanted (哪座城市,
    什么职务), not the topic, and the measure characters that may follow them (哪些方面,
    几家企业: the measure word is not the noun); data/answer_type_words.txt."""
    rows = {role: ws for role, lang, *ws in resources.table("answer_type_words") if lang == "zh"}
    return tuple(rows["asking"]), "".join(rows["between"])


@dataclass(frozen=True)
class KeyTerm:
    """A term an answering passage should contain; matched if any form occurs."""

    text: str
    forms: tuple[str, ...]
    kind: str = "word"  # "name" | "number" | "noun" | "word" (verbs, adjectives, ...)
    weight: float = 1.0  # relative importance within the question (before idf)
    source: str = ""  # the question's own word it came from (an English word, say)


def _answer_cues() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    cues: dict[str, list[tuple[str, re.Pattern[str]]]] = {"zh": [], "en": []}
    for kind, language, pattern in resources.table("answer_cues", 3):
        if kind != "list":
            cues[language].append((kind, re.compile(pattern)))
    return cues


def asks_for_a_list(question: str, language: str) -> bool:
    """Whether the question asks for several things (哪些, which companies, who were...)."""
    q = question.lower() if language == "en" else to_simplified(question)
    return any(re.search(pattern, q) for kind, lang, pattern in resources.table("answer_cues", 3)
               if kind == "list" and lang == language)


_CUES: dict[str, list[tuple[str, re.Pattern[str]]]] | None = None


def answer_type_span(question: str, language: str) -> tuple[int, int] | None:
    """Where the question's answer-type cue is (哪一天 in 金砖创新基地将在哪一天启动？)."""
    global _CUES
    if _CUES is None:
        _CUES = _answer_cues()
    q = question.lower() if language == "en" else to_simplified(question)
    for _, pattern in _CUES[language]:
        if m := pattern.search(q):
            return m.span()
    return None


_GAP = re.compile(r"什么样的|什么|哪一种|哪种|哪一个|哪个|哪些|何种|哪一|哪")


def gap_span(question: str) -> tuple[int, int] | None:
    """Where a Chinese question's answer would go: its answer-type cue (哪一天), else its
    question word (什么, 哪个); None for why/how questions and statements."""
    plain = to_simplified(question)
    # 为什么 asks why, unless 为 ends a verb (列为什么, 称为什么: "listed as what")
    if re.search(r"为何|怎么|怎样|如何", plain) or "为什么" in cut(plain):
        return None
    span = answer_type_span(question, "zh")
    if span is not None:
        return span
    m = _GAP.search(to_simplified(question))
    return m.span() if m else None


def asked_noun(question: str) -> str:
    """The noun a Chinese question asks for after its question word (哪座城市 -> 城市,
    哪个场馆 -> 场馆, 多少投资金额 -> 投资金额, 什么职务 -> 职务); "" when there is none."""
    asking, measure = _asking()
    words = tag(to_simplified(question))
    for i, (word, _) in enumerate(words):
        if word.startswith(asking) or word.startswith(("多少", "几")):
            rest = word[2:] if word.startswith(("什么", "多少")) else word[1:].lstrip(measure)
            nouns = [rest] if len(rest) >= 2 else []
            for w, flag in words[i + 1:]:
                if flag.startswith(("n", "vn")) and not flag.startswith("nr"):
                    nouns.append(w)
                elif nouns or flag not in ("m", "q", "mq", "uj"):
                    break
            noun = "".join(nouns)
            if len(noun) >= 2:
                return noun
    return ""


def answer_type(question: str, language: str, *, learned: Mapping[str, str] | None = None) -> str | None:
    """The kind of thing the question asks for: person, date, place, org, number (or None):
    the hand-written cues (``answer_cues.txt``), then for Chinese the noun asked for
    (``kind_of_noun``), then the cues learned from the training answers
    (``answer_cues_learned.txt``, or ``learned``)."""
    global _CUES
    if _CUES is None:
        _CUES = _answer_cues()
    q = question.lower() if language == "en" else to_simplified(question)
    if asks_clock_time(q, language):  # 几点开放: a time of day, answered as dates are (features: grain "clock")
        return "date"
    for kind, pattern in _CUES[language]:
        if pattern.search(q):
            return kind
    if language == "zh" and (noun := asked_noun(q)) and (kind := kind_of_noun(noun)):
        return kind
    return learned_answer_type(q, language, learned)


def asked_grain(text: str, language: str) -> str:
    """How precise a date a question (lower-case English, Simplified Chinese) asks for
    (``qa/lang/data/date_grains.txt``, first matching row): a time of day (clock: 几点, what time),
    day (哪一天, on what date), month (几月) or year (哪一年); "" when its words say none."""
    for grain, lang, pattern in resources.table("date_grains", 3):
        if lang == language and re.search(pattern, text):
            return grain
    return ""


def asks_clock_time(question: str, language: str) -> bool:
    """Whether a question asks for a time of day (几点开放, what time): the file's ``clock`` rows come first."""
    return asked_grain(question, language) == "clock"


# where a learned cue starts (a Chinese question word), how many characters after it it may
# take, and what it may not run over; in English, a question word and the word after it
_CUE_START = re.compile(r"哪|何|什么|多少|几")
CUE_AFTER = 4
_CUE_STOP = re.compile(r"[\s，。？?！!、；;：:,.（）()《》「」“”\"']")
_CUE_EN = re.compile(r"\b(?:which|what|how) ([a-z]+(?:'s)?)\b")


def cue_spans(question: str, language: str = "zh") -> list[tuple[int, int]]:
    """Where a learned cue may be: each Chinese question word with the one to ``CUE_AFTER``
    characters after it, not across punctuation (何年, 哪一个国家); in (lower-case) English,
    which / what / how and the word after it unless a stopword (which decade, how many)."""
    if language == "en":
        return [m.span() for m in _CUE_EN.finditer(question) if m.group(1) not in stopwords_en()]
    out = []
    for m in _CUE_START.finditer(question):
        for end in range(m.end() + 1, min(m.end() + CUE_AFTER, len(question)) + 1):
            if _CUE_STOP.match(question, end - 1):
                break
            out.append((m.start(), end))
    return out


@lru_cache(maxsize=1)
def learned_cues() -> dict[str, dict[str, str]]:
    """Language -> cue -> answer kind, learned by ``python -m train.kinds`` (``answer_cues_learned.txt``)."""
    out: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
    for kind, lang, *key, _, _ in resources.table("answer_cues_learned"):
        out[lang][" ".join(key)] = kind
    return out


def learned_answer_type(q: str, language: str, cues: Mapping[str, str] | None = None) -> str | None:
    """The kind the longest learned cue of ``q`` says (``cues`` instead of the shipped ones), or
    None; ``q`` as ``answer_type`` compares it: lower-case English, Simplified Chinese."""
    table = learned_cues()[language] if cues is None else cues
    best = max((q[s:e] for s, e in cue_spans(q, language) if q[s:e] in table), key=len, default=None)
    return None if best is None else table[best]


def kind_of_noun(noun: str) -> str | None:
    """The kind of thing a noun names, by how it ends: 场馆 a place, 负责人 a person, 集团 an
    organisation (``qa/lang/data/asked_kinds.txt``, ``org_suffixes.txt``)."""
    from qa.lang.names import org_suffixes

    if noun.endswith(org_suffixes()):
        return "org"
    for kind, *ends in resources.table("asked_kinds"):
        if noun[-1] in "".join(ends):
            return kind
    return None


@dataclass(frozen=True)
class QueryAnalysis:
    question: str
    language: str
    terms: tuple[KeyTerm, ...]
    bm25_terms: dict[str, float] = field(default_factory=dict)
    expansions: dict[str, list[str]] = field(default_factory=dict)  # shown to users: what a word became
    answer_type: str | None = None

    def numbers(self) -> list[KeyTerm]:
        return [t for t in self.terms if t.kind == "number"]


# An English question is bridged to Chinese terms by functions registered here
# (pinyin names, dictionary translation); each returns extra key terms.
Bridge = Callable[[str], list[KeyTerm]]


def chinese_terms(question: str) -> list[KeyTerm]:
    """Key terms of a Chinese question from jieba's part-of-speech tagging."""
    stop, asking = stopwords(), resources.words("question_nouns")
    asking_words = _asking()[0]
    terms: dict[str, KeyTerm] = {}
    prev = ""
    for word, flag in tag(to_simplified(question)):
        word = word.strip()
        w = word.lower()
        asked = prev.startswith(asking_words) or prev in asking_words
        prev = w or prev
        if (not w or w in stop or w in asking or w.startswith(("哪", "什么", "多少"))
                or not re.search(r"[\w\u3400-\u9fff]", w)):
            continue
        if _NUMBER.fullmatch(w):
            kind = "number"
        elif flag in _NAME_POS and (flag not in _CHINESE_NAME_POS or looks_like_person(word)):
            kind = "name"
        elif asked:
            continue  # the answer type, not something the passage must say
        elif flag.startswith(_NOUN_POS) and len(w) > 1:
            kind = "noun"
        elif flag.startswith(_CONTENT_POS) and len(w) > 1 and not flag.startswith("m"):
            kind = "word"
        else:
            continue
        if w not in terms:
            terms[w] = KeyTerm(text=word, forms=(word,), kind=kind, weight=1.0, source=word)
    return list(terms.values())


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1..99 in Chinese numerals: 14 -> 十四, 40 -> 四十, 12 -> 十二."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones or not head else "")


def number_terms(question: str) -> list[KeyTerm]:
    """Numbers in a question of any language (1,000 and 1000 are one number; 14 also 十四)."""
    out = []
    for m in _NUMBER.finditer(question):
        n = m.group().replace(",", "")
        if n.strip("."):
            forms = (n, chinese_numeral(int(n))) if n.isdigit() and 0 < int(n) < 100 else (n,)
            out.append(KeyTerm(text=n, forms=forms, kind="number", weight=1.0, source=m.group()))
    return out


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def analyze(question: str, *, bridges: Sequence[Bridge] = (), ignore: Sequence[str] = ()) -> QueryAnalysis:
    """Language, key terms and BM25 terms of a question.

    Args:
        ignore: words of the question that are not key terms (the dates that name its period,
            ``qa.lang.periods``: 11月17日 is what the retrieval is restricted to, not a word
            the answer must repeat); they still count for BM25.
    """
    language = detect_language(question)
    bm25: dict[str, float] = {}
    for t in tokenize(question):
        bm25[t] = bm25.get(t, 0.0) + 1.0
    full = question
    for word in sorted(ignore, key=len, reverse=True):
        question = question.replace(word, "，" if language == "zh" else " ")
    expansions: dict[str, list[str]] = {}
    bridged: list[KeyTerm] = []
    if language == "zh":
        terms = chinese_terms(question)
        if re.search(r"[A-Za-z]{2,}", question):  # "Hu Changsheng和IBM谈了什么？": bridge the names
            bridged = [t for b in bridges for t in b(question) if t.kind == "name"]
            covered = " ".join(t.source for t in bridged)
            terms = [t for t in terms if not (t.text.isascii() and t.text in covered)]
    else:
        terms = number_terms(question)
        bridged = [t for b in bridges for t in b(question)]
        if runs := _HAN_RUN.findall(question):  # "Who is 包卓蓝?": the Chinese it writes is a term as written
            terms += [t for t in chinese_terms("，".join(runs)) if t.kind != "number"]
    for term in bridged:
        terms.append(term)
        known = expansions.setdefault(term.source, [])
        known.extend(f for f in term.forms if f not in known)
        for form in term.forms:
            for tok in tokenize(form):
                bm25[tok] = max(bm25.get(tok, 0.0), term.weight / len(term.forms) ** 0.5)
    seen: set[str] = set()
    unique = []
    for t in terms:
        key = t.kind + ":" + "|".join(t.forms)
        if key not in seen:
            seen.add(key)
            unique.append(t)
    return QueryAnalysis(question=full, language=language, terms=tuple(unique),
                         bm25_terms=bm25, expansions=expansions, answer_type=answer_type(full, language))
