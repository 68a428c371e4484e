"""Query analysis: the question's language, its key terms, and the weighted BM25 query.

Key terms are what an answer passage must mention: names, numbers and content
words, each with the Chinese surface forms that count as a match. They drive the
BM25 side of retrieval and the answer step's "is this really answered?" check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from qa.lexical import STOPWORDS, _jieba, tokenize
from qa.text import detect_language, looks_like_person

# Words a question uses to ask, not to name its topic ("多少钱", "什么时间").
QUESTION_NOUNS = set(
    "钱 人 人员 人物 时间 时候 日期 哪天 哪年 哪月 几月 几号 地方 地点 城市 东西 事 事情 情况 原因 内容 目的 意义 "
    "名字 名称 数量 金额 数字 多久 多长 多大 多远 几位 几家 几次 几项 结果 方式 作用 问题 答案 消息 新闻 文章 报道 "
    "哪位 哪家 哪里 何时 何地 何人 谁 什么样 怎么回事 主要 具体 分别 一些 哪方面".split()
)
_NAME_POS = {"nr", "nrt", "nrfg", "ns", "nt", "nz", "eng", "j"}
# jieba's guesses at Chinese personal names must start with a surname (高水平 comes tagged nr);
# transliterated names (nrt: 特斯拉, 马斯克) need not
_CHINESE_NAME_POS = {"nr", "nrfg"}
_NOUN_POS = ("n", "vn", "an", "i", "l")
_CONTENT_POS = ("n", "v", "a", "m", "eng", "j", "i", "l", "t", "s", "f")
# After these, a noun names the kind of answer wanted (哪座城市, 什么职务), not the topic.
# (多少/几 + noun keeps the noun: 多少名员工 asks for a count of 员工, which must be mentioned.)
_ASKING = ("什么", "哪", "何")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class KeyTerm:
    """A term an answering passage should contain; matched if any form occurs."""

    text: str
    forms: tuple[str, ...]
    kind: str = "word"  # "name" | "number" | "noun" | "word" (verbs, adjectives, ...)
    weight: float = 1.0  # relative importance within the question (before idf)
    source: str = ""  # the question's own word it came from (an English word, say)


_ANSWER_TYPES = {
    "zh": [
        ("person", r"谁|哪些人|哪位|哪几位|什么人|何人|哪些领导|哪些嘉宾|哪两位|哪些负责人"),
        ("date", r"哪天|哪一天|什么时候|何时|几月几[日号]|哪年|哪一年|什么时间|哪几天|日期"),
        ("place", r"哪里|哪儿|什么地方|哪座城市|哪个城市|在哪|何地|哪些地方|哪个县|哪些县"),
        ("org", r"哪家|哪些企业|哪些公司|哪个单位|哪些单位|哪些部门|哪个部门|哪些机构|哪三家|哪两个部门"),
        ("number", r"多少|几个|几位|几家|几项|几篇|几届|多大|多长|多久|几年|几次"),
    ],
    "en": [
        ("person", r"^\s*who\b|\bwhom\b|\bwhich (?:[\w.-]+ )?(?:person|people|officials?|executives?|chairm[ae]n|presidents?|directors?|managers?|leaders?|guests?|professors?|speakers?)\b|\bwho\b"),
        ("date", r"\bwhen\b|\bwhat (?:date|day|time|year)|\bwhich (?:date|day|days|year)|\bon what date"),
        ("place", r"\bwhere\b|\bwhich (?:city|place|county|counties|country|province|venue|places)\b"),
        ("org", r"\bwhich (?:\w+ )?(?:company|companies|organi[sz]ations?|firms?|enterprises?|departments?|bureaus?|groups?|authorities)\b"),
        ("number", r"\bhow (?:much|many|long|old|large|big)\b|\bwhat (?:amount|number|value|percentage)\b"),
    ],
}


def answer_type(question: str, language: str) -> str | None:
    """The kind of thing the question asks for: person, date, place, org, number (or None)."""
    q = question.lower() if language == "en" else question
    for kind, pattern in _ANSWER_TYPES[language]:
        if re.search(pattern, q):
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
    import jieba.posseg as pseg

    _jieba()
    terms: dict[str, KeyTerm] = {}
    prev = ""
    for pair in pseg.lcut(question):
        word, flag = pair.word.strip(), pair.flag
        w = word.lower()
        asked = prev.startswith(_ASKING) or prev in _ASKING
        prev = w or prev
        if (not w or w in STOPWORDS or w in QUESTION_NOUNS or w.startswith(("哪", "什么", "多少"))
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


def analyze(question: str, *, bridges: Sequence[Bridge] = ()) -> QueryAnalysis:
    """Language, key terms and BM25 terms of a question."""
    language = detect_language(question)
    bm25: dict[str, float] = {}
    for t in tokenize(question):
        bm25[t] = bm25.get(t, 0.0) + 1.0
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
    return QueryAnalysis(question=question, language=language, terms=tuple(unique),
                         bm25_terms=bm25, expansions=expansions, answer_type=answer_type(question, language))
