"""Short answers: which text of an answer is scored against the gold span, and the breakdown by asked type.

The typed span that heads an answer (``Answer.short_answer``: a name, a date, a
number...) is what a reader takes as *the* answer; CMRC's gold is such a span,
so char F1 and EM against it measure the answer itself, not the quoted
sentences around it.  An answer without a short answer shows its first quote
first, so that is what is scored then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from eval._text import strip_preamble
from eval.datasets import Question
from eval.metrics import char_f1, exact_match, split_cited_sentences
from qa.types import Answer

QTYPES = ("person", "date", "place", "number", "org", "other")
# Who / when / where / how many or how much: the questions a typed span answers.
TYPED = ("person", "date", "place", "number")
# A romanisation in brackets after a Chinese name: "陈肇雄 (Chen Zhaoxiong)" -> 陈肇雄.
_LATIN_GLOSS = re.compile(r"\s*[(（][A-Za-z0-9À-ɏü'’ –-]+[)）]")


class Typed(Protocol):
    """What the breakdown needs of an answer record."""

    lang: str
    qtype: str


def question_type(question: Question) -> str:
    """The type of answer the question asks for (``qa.query.answer_type``), "other" when none.

    Example:
        >>> question_type(Question("q", "zh", "鼓浪屿在哪里？", True, frozenset({"a"})))
        'place'
    """
    from qa.query import answer_type

    return answer_type(question.text, question.lang) or "other"


def chinese_of(text: str) -> str:
    """An English short answer as the Chinese it names: romanisations in brackets removed,
    the items joined by 、 (the text itself when it names no Chinese).

    Example:
        >>> chinese_of("陈肇雄 (Chen Zhaoxiong), 刘宇 (Liu Yu)")
        '陈肇雄、刘宇'
        >>> chinese_of("17 November 2020")
        '17 November 2020'
    """
    if not re.search(r"[\u3400-\u9fff]", text):
        return text
    return "、".join(part.strip() for part in _LATIN_GLOSS.sub("", text).split(", ") if part.strip())


def shown_text(answer: Answer) -> str:
    """The text scored as the answer's short answer ("" for a refusal).

    The short answer's text when the answer is found and has one (its Chinese
    glosses for an English answer), else the first quote's text, else the
    answer's first sentence (a generator that writes no quotes).
    """
    if not answer.found:
        return ""
    if answer.short_answer is not None and answer.short_answer.text.strip():
        text = answer.short_answer.text
        return chinese_of(text) if answer.language == "en" else text
    if answer.quotes:
        return answer.quotes[0].text
    sentences = split_cited_sentences(strip_preamble(answer.answer))
    return sentences[0][0] if sentences else ""


def short_scores(question: Question, answer: Answer) -> dict:
    """``short_f1`` and ``short_em`` of :func:`shown_text` against the gold spans (None without
    spans or for an unanswerable question; 0 for a refusal), ``has_short``, ``qtype``.
    """
    out: dict = {"has_short": answer.found and answer.short_answer is not None, "qtype": question_type(question),
                 "short_f1": None, "short_em": None}
    if question.answerable and question.answers:
        text = shown_text(answer)
        out["short_f1"] = char_f1(text, question.answers) if text else 0.0
        out["short_em"] = exact_match(text, question.answers) if text else 0.0
    return out


def qtype_groups(records: Sequence[Typed]) -> dict[str, list]:
    """Records by asked type: ``qtype:<type>`` and ``qtype:<type>|lang:<lang>`` for each type of
    QTYPES with records, and ``qtype:typed`` (person, date, place, number) likewise.

    Example:
        >>> from types import SimpleNamespace as R
        >>> rs = [R(lang="zh", qtype="date"), R(lang="en", qtype="org")]
        >>> sorted(qtype_groups(rs))
        ['qtype:date', 'qtype:date|lang:zh', 'qtype:org', 'qtype:org|lang:en', 'qtype:typed', 'qtype:typed|lang:zh']
    """
    out: dict[str, list] = {}
    for r in records:
        kinds = (r.qtype, "typed") if r.qtype in TYPED else (r.qtype,)
        for kind in kinds:
            out.setdefault(f"qtype:{kind}", []).append(r)
            out.setdefault(f"qtype:{kind}|lang:{r.lang}", []).append(r)
    return out
