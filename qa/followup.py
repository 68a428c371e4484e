"""Follow-up questions: rewrite "他和 IBM 谈了什么？" into a standalone question
("胡昌升和 IBM 谈了什么？") before retrieval.

With a model generator, the model rewrites (``rewrite_followup``); without one,
or when the model fails, ``carry_entities`` does: it finds the names of the most
recent earlier question that has any, puts a person's name in place of 他/她/he/she,
and otherwise puts the names in front of a follow-up that refers back (a pronoun,
"那京东呢？", "what about JD?") or names nothing itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from qa.text import detect_language

log = logging.getLogger(__name__)

_PERSON_ZH = re.compile(r"他们|她们|他|她")
_OTHER_ZH = re.compile(r"它们|它|该|此|这个|那个|这位|那位|这家|那家|这里|那里|其")
_ELLIPSIS_ZH = re.compile(r"^(?:那|那么|还有)?.{1,20}呢[？?]?$")
_PERSON_EN = re.compile(r"\b(?:he|she|him|his|her|they|them|their)\b", re.I)
_OTHER_EN = re.compile(r"\b(?:it|its|this|that|these|those|there)\b", re.I)
_ELLIPSIS_EN = re.compile(r"^\s*(?:and\s+|so\s+)?what about\b|^\s*how about\b", re.I)
_PERSON_FLAGS = ("nr",)
_NAME_FLAGS = ("nr", "ns", "nt", "nz", "eng", "j")
_EN_NOT_NAMES = set("what who whom whose when where why how which did does do is are was were can could would "
                    "will should tell please according the a an in on at of and or to for".split())
_CAP_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def names(text: str) -> list[tuple[str, bool]]:
    """Names in a question as ``(name, is_person)``: jieba's tags for Chinese text,
    runs of capitalised words for English (a two-word run counts as a person's name,
    as romanised Chinese names are)."""
    out: list[tuple[str, bool]] = []
    if re.search(r"[\u4e00-\u9fff]", text):
        import jieba.posseg as pseg

        from qa.lexical import _jieba

        _jieba()
        for p in pseg.lcut(text):
            if p.flag.startswith(_NAME_FLAGS) and len(p.word.strip()) >= 2 and not re.fullmatch(r"[\d.]+", p.word):
                out.append((p.word.strip(), p.flag.startswith(_PERSON_FLAGS)))
    for m in _CAP_RUN.finditer(text):
        words = [w for w in m.group().split() if w.lower() not in _EN_NOT_NAMES]
        if words and not re.search(r"[\u4e00-\u9fff]", " ".join(words)):
            name = " ".join(words)
            if not any(name == n for n, _ in out):
                out.append((name, len(words) == 2 and not name.isupper()))
    return list(dict.fromkeys(out))


def antecedent(history: Sequence[tuple[str, str]], *, turns: int = 3,
               persons: bool = False) -> list[tuple[str, bool]]:
    """The names (or only the persons' names) of the most recent of the last
    ``turns`` questions that has any."""
    for q, _ in reversed(list(history)[-turns:]):
        found = [(n, p) for n, p in names(q) if p or not persons]
        if found:
            return found
    return []


def carry_entities(question: str, history: Sequence[tuple[str, str]]) -> str:
    """Extractive-mode rewrite (no model): see the module docstring.

    >>> carry_entities("他和 IBM 谈了什么？", [("胡昌升在北京走访了哪些企业？", "")])
    '胡昌升和 IBM 谈了什么？'
    """
    if not history:
        return question
    own = {n for n, _ in names(question)}
    carry = [(n, p) for n, p in antecedent(history) if n not in own and n not in question]
    persons = [n for n, _ in antecedent(history, persons=True) if n not in own and n not in question]
    if not carry and not persons:
        return question
    zh = detect_language(question) == "zh"
    person_re, other_re, ellipsis_re = ((_PERSON_ZH, _OTHER_ZH, _ELLIPSIS_ZH) if zh
                                        else (_PERSON_EN, _OTHER_EN, _ELLIPSIS_EN))
    m = person_re.search(question)
    if m and persons:
        plural = m.group().endswith("们") or m.group().lower() in ("they", "them", "their")
        who = ("、" if zh else " and ").join(persons) if plural else persons[0]
        if not zh and m.group().lower() in ("his", "their"):
            who += "'s"
        return question[: m.start()] + who + question[m.end():]
    ellipsis = bool(ellipsis_re.search(question))
    refers_back = bool(m or other_re.search(question) or ellipsis)
    if own and not refers_back:
        return question  # a new question about something it names itself
    if ellipsis and own and persons:
        carry = [(n, True) for n in persons]  # "那京东呢？": the same person, another organisation
    return f"{' '.join(n for n, _ in carry)} {question}" if carry else question


def rewrite(question: str, history: Sequence[tuple[str, str]], *, generator=None) -> str:
    """A standalone version of ``question`` given earlier ``(question, answer)`` turns.

    Generators that can rewrite (model generators) provide ``rewrite_followup``;
    when there is none, or it fails, the names are carried over (``carry_entities``).
    """
    if not history:
        return question
    fn = getattr(generator, "rewrite_followup", None)
    if callable(fn):
        try:
            out = fn(question, history)
            if out and out.strip():
                return out.strip()
        except Exception as e:  # a failing model must not block the question
            log.warning("follow-up rewrite by %s failed (%s); carrying names over instead",
                        getattr(generator, "name", generator), e)
    return carry_entities(question, history)
