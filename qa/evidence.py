"""Evidence: which of a question's key terms a passage or sentence shows, weighted by
how rare they are, and whether a sentence offers the kind of answer asked for."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.query import KeyTerm


@dataclass(frozen=True)
class Evidence:
    """The inputs and outcome of the "is it answered?" decision (shown in details)."""

    found: bool
    reason: str
    coverage: float
    best_passage: int | None
    missing: tuple[str, ...] = ()
    key_terms: tuple[str, ...] = ()
    unseen: tuple[str, ...] = ()
    best_sentence_score: float | None = None


_DATE = re.compile(r"\d{1,4}年|\d{1,2}月\d{0,2}|\d{1,2}日|[上下]午|今年|去年|明年|\d{1,2}月份")
_QUANTITY = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+(?:位|个|家|项|篇|届|名|次|年|万|亿|倍|成)")
_ORG_SUFFIX = re.compile(r"(?:公司|集团|局|委员会|委|部|院|大学|银行|协会|中心|政府|党|办公室|机构|企业)")


def offers(text: str, kind: str | None, asked: set[str]) -> bool:
    """Whether a sentence contains an answer of the asked kind that the question does not
    itself name (a person other than the ones asked about, a date, a number, ...)."""
    if kind is None:
        return False
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "number":
        return bool(_QUANTITY.search(text))
    import jieba.posseg as pseg

    from qa.bridges.pinyin import people_in
    from qa.lexical import _jieba

    _jieba()
    if kind == "person":
        return any(n not in asked for n in people_in(text))
    flags = ("ns",) if kind == "place" else ("nt",)
    for p in pseg.lcut(text):
        if p.word not in asked and len(p.word) > 1 and (p.flag.startswith(flags) or (
                kind == "org" and _ORG_SUFFIX.search(p.word[-3:]))):
            return True
    return False


_CALENDAR = re.compile(r"\d{4}年|\d{1,2}月\d{0,2}[日号]?|\d{1,2}[日号]|\d{1,2}[:：]\d{2}")
_FOREIGN_NAME = re.compile(r"[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8}|\b[A-Z][a-z]+(?: [A-Z][a-z.]+)+\b")


def gives(text: str, kind: str, asked: set[str], posts: Sequence[KeyTerm] = ()) -> bool:
    """Whether a sentence could state the answer to a "who" or "how many" question: for
    a person, a name (Chinese, transliterated or Latin) the question does not name, next
    to one of the ``posts`` it asks about if any (else an organisation will do: 由谁主办);
    for a number, a quantity that is neither a date nor the question's own."""
    if kind == "number":
        rest = _CALENDAR.sub(" ", text)
        for a in sorted(asked, key=len, reverse=True):
            rest = rest.replace(a, " ")
        return bool(_QUANTITY.search(rest))
    if kind == "person":
        if posts:
            return any(present(t, text) for t in posts) and offers(text, "person", asked)
        return (offers(text, "person", asked) or offers(text, "org", asked)
                or any(m not in asked for m in _FOREIGN_NAME.findall(text)))
    return True


def present(term: KeyTerm, text: str) -> bool:
    low = text.lower()
    return any(f.lower() in low for f in term.forms)


def coverage(terms: Sequence[KeyTerm], text: str, weight: Callable[[KeyTerm], float]) -> tuple[float, list[KeyTerm]]:
    """Weighted share of ``terms`` present in ``text`` and the ones missing."""
    total = found = 0.0
    missing = []
    for t in terms:
        w = weight(t)
        total += w
        if present(t, text):
            found += w
        else:
            missing.append(t)
    return (found / total if total else 1.0), missing


def idf_function(bm25) -> Callable[[str], float] | None:
    """idf of a surface form: the most specific of its tokens; unseen words weigh most."""
    if bm25 is None:
        return None
    from qa.lexical import tokenize

    top = math.log(1 + (bm25.num_docs + 0.5) / 0.5)

    def idf(form: str) -> float:
        toks = tokenize(form)
        return max((bm25.idf(t) for t in toks), default=top) if toks else top

    return idf
