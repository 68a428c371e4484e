"""Score one question's retrieval and answer, and summarise many: pure functions over records.

The metrics themselves are in ``eval.metrics`` and ``eval.citations``; this
module decides what they are applied to (which text of an answer, which
passages) and how they are averaged.  What is scored of a short answer is
decided in ``eval.short_answers``, the calibration label in ``eval.calibration``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from eval._text import dedupe, strip_preamble
from eval.calibration import calibration_label, summarize_calibration
from eval.datasets import Question
from eval.metrics import (
    char_f1,
    citation_scores,
    exact_match,
    key_fact_recall,
    latency_summary,
    lexical_support,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    refusal_curve,
    refusal_metrics,
    retrieval_bound,
    separation_auc,
    split_cited_sentences,
)
from eval.short_answers import qtype_groups, short_scores
from qa.types import Answer

DEPTH = 10  # articles scored per question (recall@1..10, MRR@10, nDCG@10)
Sentences = list[tuple[str, list[int]]]


class CitedPassage(Protocol):
    """What scoring needs of a citation (``qa.types.Citation`` has it)."""

    n: int
    article_id: str
    text: str


@dataclass(frozen=True)
class RetrievalRecord:
    """One question's article ranking and its scores (``rank`` is 1-based, None if not in the top 10)."""

    qid: str
    lang: str
    type: str | None
    question: str
    gold: tuple[str, ...]
    ranked: tuple[str, ...]
    rank: int | None
    curve: tuple[float, ...]  # recall@k for k = 1..DEPTH
    mrr: float
    ndcg: float
    latency_ms: float


@dataclass(frozen=True)
class AnswerRecord:
    """One question's answer and its scores; a score is None where it does not apply."""

    qid: str
    lang: str
    type: str | None
    question: str
    answerable: bool
    found: bool
    answer: str
    cited: tuple[str, ...]  # article ids of the citations, in citation order
    key_fact_recall: float | None = None
    char_f1: float | None = None
    exact_match: float | None = None
    span_recall: float | None = None
    citation_recall: float | None = None
    citation_precision: float | None = None
    cites_gold: float | None = None
    first_cites_gold: float | None = None  # the first citation is from a gold article
    correct: float | None = None  # found, first citation from a gold article, every key fact (time set)
    missing: tuple[str, ...] = ()  # key facts (first form) or gold spans the answer lacks
    timings_ms: dict[str, float] = field(default_factory=dict)
    reason: str | None = None  # the generator's stated reason for answering or refusing
    short_f1: float | None = None  # of the short answer (else the first quote) against the gold spans
    short_em: float | None = None
    has_short: bool = False  # found, and headed by a short answer
    qtype: str = "other"  # the asked type (qa.query.answer_type)
    probability: float | None = None  # the answer's probability that the passages answer
    calibration_label: bool | None = None  # whether they do (eval.calibration)
    label_from_passages: bool = False  # the label was judged from the passages the answer saw


# ------------------------------------------------------------- retrieval

def score_retrieval(question: Question, ranked_articles: Sequence[str], latency_ms: float) -> RetrievalRecord:
    """Scores of a ranking of article ids (chunks' article ids best first; repeats allowed).

    Example:
        >>> q = Question("q1", "zh", "?", True, frozenset({"b"}))
        >>> r = score_retrieval(q, ["a", "a", "b"], 12.0)
        >>> r.rank, r.curve[:3], r.mrr
        (2, (0.0, 1.0, 1.0), 0.5)
    """
    top = tuple(dedupe(ranked_articles)[:DEPTH])
    gold = question.gold
    rank = next((i for i, a in enumerate(top, 1) if a in gold), None)
    return RetrievalRecord(
        qid=question.id, lang=question.lang, type=question.type, question=question.text,
        gold=tuple(sorted(gold)), ranked=top,
        rank=rank, curve=tuple(recall_at_k(top, gold, k) for k in range(1, DEPTH + 1)),
        mrr=mrr_at_k(top, gold, DEPTH), ndcg=ndcg_at_k(top, gold, DEPTH), latency_ms=latency_ms)


# ---------------------------------------------------------------- answers

# A romanisation in brackets right after Chinese text: 胡昌升 (Hu Changsheng), 习近平（Xi Jinping）.
_GLOSS = re.compile(r"(?<=[\u3400-\u9fff])\s*[(（][A-Za-z0-9À-ɏ'’ –-]+[)）]")


def answer_sentences(answer: str) -> Sentences:
    """The answer's sentences and the passage numbers each cites, after :func:`strip_preamble`.

    Example:
        >>> answer_sentences("Here is what they say:\\n甲。[1]\\n乙。[2]")
        [('甲。', [1]), ('乙。', [2])]
    """
    return split_cited_sentences(strip_preamble(answer))


def strip_glosses(text: str) -> str:
    """Remove romanisations in brackets after Chinese text, which quoted passages do not contain.

    Example:
        >>> strip_glosses("胡昌升 (Hu Changsheng)会见了包卓蓝（Bao Zhuolan）。")
        '胡昌升会见了包卓蓝。'
    """
    return _GLOSS.sub("", text)


def supports(claim: str, passages: Sequence[str]) -> bool:
    """:func:`eval.citations.lexical_support` of the claim without romanisation glosses.

    A gloss restates a name of the passage in Latin letters, so it neither adds
    a claim nor can be found in the Chinese passage.
    """
    return lexical_support(strip_glosses(claim), passages)


def passages_by_number(citations: Iterable[CitedPassage]) -> list[str]:
    """Passage texts indexed by citation number - 1 (a gap is an empty passage)."""
    by_n = {c.n: c.text for c in citations}
    return [by_n.get(n, "") for n in range(1, max(by_n, default=0) + 1)]


def score_answer(question: Question, answer: str, found: bool, citations: Sequence[CitedPassage],
                 timings_ms: dict[str, float] | None = None, reason: str | None = None) -> AnswerRecord:
    """Scores of one answer.

    A refused answer (``found`` False) to an answerable question scores 0 on
    key facts, F1, EM and span recall; citation scores apply to found answers
    only; ``cites_gold`` (a citation is from a gold article) to found answers
    of answerable questions.

    Example:
        >>> class C:
        ...     n, article_id, text = 1, "a", "厦门在福建。"
        >>> q = Question("q", "zh", "厦门在哪里？", True, frozenset({"a"}), key_facts=(("福建", "Fujian"),))
        >>> r = score_answer(q, "厦门在福建。[1]", True, [C()])
        >>> r.key_fact_recall, r.citation_recall, r.citation_precision, r.cites_gold
        (1.0, 1.0, 1.0, 1.0)
    """
    sentences = answer_sentences(answer) if found else []
    text = "".join(s for s, _ in sentences)  # markers are already removed
    scores: dict[str, float | None] = {}
    if question.answerable and question.key_facts:
        scores["key_fact_recall"] = key_fact_recall(text, question.key_facts) if found else 0.0
    if question.answerable and question.answers:
        scores["char_f1"] = char_f1(text, question.answers) if text else 0.0
        scores["exact_match"] = exact_match(text, question.answers) if text else 0.0
        scores["span_recall"] = key_fact_recall(text, [question.answers]) if text else 0.0
    if sentences:
        cs = citation_scores(sentences, passages_by_number(citations), supports=supports)
        scores.update(citation_recall=cs.recall, citation_precision=cs.precision)
    missing: tuple[str, ...] = ()
    if question.answerable:
        wanted = [forms for forms in question.key_facts] or ([question.answers] if question.answers else [])
        missing = tuple(forms[0] for forms in wanted if not found or key_fact_recall(text, [forms]) == 0)
    cited = tuple(c.article_id for c in sorted(citations, key=lambda c: c.n))
    if found and question.answerable:
        scores["cites_gold"] = 1.0 if question.gold.intersection(cited) else 0.0
    if question.answerable and question.gold:
        scores["first_cites_gold"] = 1.0 if found and cited and cited[0] in question.gold else 0.0
        if question.key_facts:
            scores["correct"] = float(scores["first_cites_gold"] == 1.0 and scores["key_fact_recall"] == 1.0)
    return AnswerRecord(qid=question.id, lang=question.lang, type=question.type, question=question.text,
                        answerable=question.answerable, found=found, answer=answer, cited=cited,
                        missing=missing, timings_ms=dict(timings_ms or {}), reason=reason, **scores)


def score_ask(question: Question, answer: Answer, *, articles: Mapping[str, str] | None = None) -> AnswerRecord:
    """Scores of what ``Assistant.ask`` returned: :func:`score_answer`'s, the short answer's
    (``eval.short_answers``) and the calibration label (``eval.calibration``).

    Args:
        articles: article id -> text of the dataset, to read the passages the
            answer saw (``answer.details["passages"]``).
    """
    evidence = answer.details.get("evidence") or {}
    record = score_answer(question, answer.answer, answer.found, answer.citations, answer.timings_ms,
                          reason=evidence.get("reason"))
    label, from_passages = calibration_label(question, answer.details, articles)
    return replace(record, **short_scores(question, answer), probability=answer.probability,
                   calibration_label=label, label_from_passages=from_passages)


# -------------------------------------------------------------- summaries

def _mean(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


ANSWER_SCORES = ("key_fact_recall", "char_f1", "exact_match", "span_recall", "short_f1", "short_em",
                 "citation_recall", "citation_precision", "cites_gold", "first_cites_gold", "correct")


def summarize_retrieval(records: Sequence[RetrievalRecord]) -> dict:
    """Means over questions with gold: recall@1/5/10, MRR@10, nDCG@10, the recall@k curve."""
    if not records:
        return {"n": 0}
    curve = [_mean(r.curve[k] for r in records) for k in range(DEPTH)]
    return {"n": len(records), "recall@1": curve[0], "recall@5": curve[4], "recall@10": curve[9],
            "mrr@10": _mean(r.mrr for r in records), "ndcg@10": _mean(r.ndcg for r in records),
            "recall_curve": curve, "latency_ms": latency_summary([r.latency_ms for r in records])}


def summarize_answers(records: Sequence[AnswerRecord]) -> dict:
    """Means of the answer scores, found and refusal rates, calibration and per-stage latency summaries."""
    if not records:
        return {"n": 0}
    out: dict = {"n": len(records)}
    out.update({name: _mean(getattr(r, name) for r in records) for name in ANSWER_SCORES})
    out["found_rate"] = sum(r.found for r in records) / len(records)
    out["short_rate"] = _mean(float(r.has_short) for r in records if r.found)  # found answers with a short answer
    out.update(refusal_metrics([r.found for r in records], [r.answerable for r in records]))
    answerable = [r for r in records if r.answerable]
    out.update(retrieval_bound([r.found for r in answerable],
                               [r.calibration_label if r.label_from_passages else None for r in answerable]))
    if (calibration := summarize_calibration(records)) is not None:
        out["calibration"] = calibration
    if (separation := summarize_separation(records)) is not None:
        out["separation"] = separation
    stages = dedupe(stage for r in records for stage in r.timings_ms)
    out["latency_ms"] = {stage: latency_summary([r.timings_ms[stage] for r in records if stage in r.timings_ms])
                         for stage in stages}
    return out


def summarize_separation(records: Sequence[AnswerRecord]) -> dict | None:
    """How well the answer probability tells the answerable questions from the unanswerable
    ones, whatever the threshold (``eval.metrics.separation_auc``, ``refusal_curve``), or None
    when the set has no unanswerable or no answerable question, or an answer given has no
    probability (a generator that gives none). A question refused without one (no content) counts
    as probability 0: refused at any threshold."""
    if any(r.found and r.probability is None for r in records):
        return None
    p = [r.probability if r.probability is not None else 0.0 for r in records]
    a = [r.answerable for r in records]
    auc = separation_auc(p, a)
    if auc is None:
        return None
    return {"auc": auc, "n_answerable": sum(a), "n_unanswerable": len(a) - sum(a), "refused_at": refusal_curve(p, a)}


def groups(records: Sequence, *, by_type: bool = True) -> dict[str, list]:
    """Records split into ``all``, ``lang:<lang>`` and (if ``by_type``) ``type:<type>``."""
    out: dict[str, list] = {"all": list(records)}
    for r in records:
        out.setdefault(f"lang:{r.lang}", []).append(r)
    if by_type:
        for r in records:
            if r.type:
                out.setdefault(f"type:{r.type}", []).append(r)
    return out


def summarize(retrieval: Sequence[RetrievalRecord], answers: Sequence[AnswerRecord]) -> dict[str, dict]:
    """Per group (all, each language, each question type): retrieval and answer summaries.

    With gold spans (CMRC), answers are also grouped by asked type, overall and
    per language (``eval.short_answers.qtype_groups``).
    """
    rgroups, agroups = groups(retrieval), groups(answers)
    if any(a.short_f1 is not None for a in answers):
        agroups.update(qtype_groups(answers))
    names = dedupe([*rgroups, *agroups])
    return {name: {"retrieval": summarize_retrieval(rgroups.get(name, [])),
                   "answers": summarize_answers(agroups.get(name, []))} for name in names}
