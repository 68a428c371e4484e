"""Scores for the QA system: retrieval, answers, citations, refusals and speed.

Pure functions that import nothing from ``qa``, so any system's output can be
scored and every number checked by hand.  The citation metrics live in
``eval.citations`` (for size) and are re-exported here.  Empty gold data
raises ``ValueError``: a score over nothing would read as a real zero.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence

from eval._text import dedupe, squash
from eval.citations import (
    STOPWORDS,
    CitationScores,
    citation_scores,
    lexical_support,
    split_cited_sentences,
)

# ---------------------------------------------------------------- retrieval


def _top_k(ranked: Sequence[str], gold: Collection[str], k: int) -> tuple[list[str], set[str]]:
    gold_set = set(gold)
    if not gold_set:
        raise ValueError("gold is empty: retrieval metrics need at least one relevant "
                         "id (score unanswerable questions with refusal_metrics)")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    # Several chunks of one article can rank; the article counts once, at its best rank.
    return dedupe(ranked)[:k], gold_set


def recall_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Share of gold ids found in the top k of ``ranked``.

    Args:
        ranked: ids best first; repeats are dropped, keeping the first.
        gold: the relevant ids (at least one).
        k: cut-off, >= 1; may exceed the list length.

    Returns:
        |gold ∩ top-k| / |gold|.

    Raises:
        ValueError: gold is empty or k < 1.

    Example:
        >>> recall_at_k(["a", "a", "b", "c"], {"b", "z"}, 2)
        0.5
    """
    top, gold_set = _top_k(ranked, gold, k)
    return len(gold_set.intersection(top)) / len(gold_set)


def hit_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """1.0 if any gold id is in the (deduplicated) top k, else 0.0."""
    top, gold_set = _top_k(ranked, gold, k)
    return 1.0 if gold_set.intersection(top) else 0.0


def mrr_at_k(ranked: Sequence[str], gold: Collection[str], k: int = 10) -> float:
    """Reciprocal rank of the first gold id in the top k; 0.0 if none is there."""
    top, gold_set = _top_k(ranked, gold, k)
    return next((1 / rank for rank, doc in enumerate(top, 1) if doc in gold_set), 0.0)


def ndcg_at_k(ranked: Sequence[str], gold: Collection[str], k: int = 10) -> float:
    """Normalised DCG with binary relevance and a log2(rank + 1) discount.

    The ideal DCG places min(|gold|, k) relevant ids at the top.
    """
    top, gold_set = _top_k(ranked, gold, k)
    dcg = sum(1 / math.log2(rank + 1) for rank, doc in enumerate(top, 1) if doc in gold_set)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(gold_set), k) + 1))
    return dcg / ideal


# ------------------------------------------------------------------ answers

def key_fact_recall(answer: str, key_facts: Sequence[Sequence[str]]) -> float:
    """Share of key facts that the answer states in any accepted form.

    Matching is substring containment after removing whitespace, lowercasing
    and dropping thousands separators, so "134,000 yuan" matches "134000".

    Args:
        answer: the system's answer text.
        key_facts: one list of acceptable surface forms per fact.

    Returns:
        Facts with a form found in the answer / number of facts.

    Raises:
        ValueError: no facts, a fact without forms, or a form that is blank.

    Example:
        >>> key_fact_recall("捐赠了价值13.4 万元的设备", [["13.4万元", "134,000"], ["美亚柏科"]])
        0.5
    """
    if not key_facts:
        raise ValueError("key_facts is empty: nothing to recall "
                         "(score unanswerable questions with refusal_metrics)")
    squashed = squash(answer)
    found = 0
    for forms in key_facts:
        if isinstance(forms, str):
            raise TypeError(f"each key fact is a list of forms, got the string {forms!r}")
        norm = [squash(form) for form in forms]
        if not norm or not all(norm):
            raise ValueError(f"key fact {list(forms)!r} has no forms or a blank form")
        found += any(form in squashed for form in norm)
    return found / len(key_facts)


_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# CMRC 2018 mixed segmentation: each CJK character is a token, a run of Latin
# letters/digits is a token (decimals kept whole); punctuation and whitespace
# only separate tokens.
_CMRC_TOKEN = re.compile(rf"[{_CJK}]|\d+(?:[.,]\d+)+|[^\W_{_CJK}]+")


def cmrc_tokens(text: str) -> list[str]:
    """Tokenise as CMRC 2018 does, with punctuation removed.

    Example:
        >>> cmrc_tokens("IBM和京东， 13.4 万元！")
        ['ibm', '和', '京', '东', '13.4', '万', '元']
    """
    return _CMRC_TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def _gold_token_lists(golds: Sequence[str]) -> list[list[str]]:
    if isinstance(golds, str):
        raise TypeError("golds must be a sequence of answer strings, not one string")
    if not golds:
        raise ValueError("golds is empty: need at least one reference answer")
    lists = [cmrc_tokens(gold) for gold in golds]
    for gold, tokens in zip(golds, lists, strict=True):
        if not tokens:
            raise ValueError(f"gold answer {gold!r} has no tokens once punctuation is removed")
    return lists


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common contiguous token run (CMRC's ``find_lcs``)."""
    best, prev = 0, [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def char_f1(prediction: str, golds: Sequence[str]) -> float:
    """CMRC 2018 F1: the best over golds of an F1 from the longest common run.

    As in the official script, overlap is the longest common *contiguous*
    token run (not SQuAD's bag of tokens): precision = run / |prediction|,
    recall = run / |gold|.  Departures from it, all in
    :func:`cmrc_tokens`: every Unicode punctuation mark and symbol is removed
    (the script's fixed list misses ASCII . , ! ? ( )), and Latin/digit runs
    are split by a regex instead of nltk, keeping decimals like 13.4 whole.

    Args:
        prediction: the predicted answer span or text.
        golds: reference answers (at least one).

    Returns:
        A value in [0, 1]; 0.0 for an empty prediction.

    Example:
        >>> round(char_f1("陈肇雄等", ["陈肇雄"]), 4)  # run 3: P 3/4, R 3/3
        0.8571
    """
    pred = cmrc_tokens(prediction)
    best = 0.0
    for gold in _gold_token_lists(golds):
        run = _longest_common_run(gold, pred)
        if run:
            precision, recall = run / len(pred), run / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 if the prediction's CMRC tokens equal some gold's, else 0.0.

    Punctuation, whitespace and case are ignored, so "“厦门”。" matches "厦门".
    The official script compares strings, so a space inside an answer
    ("胡 昌升") would fail there; comparing tokens ignores it but still tells
    "New York" from "NewYork".
    """
    pred = cmrc_tokens(prediction)
    return 1.0 if any(pred == gold for gold in _gold_token_lists(golds)) else 0.0

# ----------------------------------------------------------------- refusals


def refusal_metrics(found: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float | int | None]:
    """How well the system says "not found" exactly when it should.

    Args:
        found: per question, True if the system gave an answer, False if it
            answered not-found.
        answerable: per question, whether the corpus answers it.

    Returns:
        ``refusal_rate_unanswerable`` (unanswerable questions answered
        not-found / unanswerable questions), ``false_refusal_rate`` (answerable
        questions answered not-found / answerable questions), each None when
        its group is empty, and the group sizes ``n_unanswerable``,
        ``n_answerable``.

    Raises:
        ValueError: the two sequences differ in length.

    Example:
        >>> refusal_metrics([False, True, True, False], [False, False, True, True])["false_refusal_rate"]
        0.5
    """
    if len(found) != len(answerable):
        raise ValueError(f"found has {len(found)} items but answerable has {len(answerable)}")
    unanswerable = [f for f, a in zip(found, answerable, strict=True) if not a]
    answerable_found = [f for f, a in zip(found, answerable, strict=True) if a]

    def refused_share(group: list[bool]) -> float | None:
        return sum(not f for f in group) / len(group) if group else None

    return {
        "refusal_rate_unanswerable": refused_share(unanswerable),
        "false_refusal_rate": refused_share(answerable_found),
        "n_unanswerable": len(unanswerable),
        "n_answerable": len(answerable_found),
    }


def retrieval_bound(found: Sequence[bool], held: Sequence[bool | None]) -> dict[str, float | None]:
    """False refusals split by whether the passages the answer saw held the answer, for the
    answerable questions (``held``: per question, True / False, or None when unknown).

    Returns:
        ``false_refusal_rate_held`` (refused although the passages held the answer / questions
        whose passages held it) and ``passages_lack_answer`` (questions whose passages did not
        hold it / questions with a known label): where retrieval, not the found decision, failed.
        Each is None when its group is empty (no question whose passages held the answer; no
        question with a known label).

    Example:
        >>> retrieval_bound([False, True, False, True], [True, True, False, None])
        {'false_refusal_rate_held': 0.5, 'passages_lack_answer': 0.3333333333333333}
    """
    if len(found) != len(held):
        raise ValueError(f"found has {len(found)} items but held has {len(held)}")
    known = [(f, h) for f, h in zip(found, held) if h is not None]
    answered = [f for f, h in known if h]
    return {"false_refusal_rate_held": sum(not f for f in answered) / len(answered) if answered else None,
            "passages_lack_answer": sum(not h for _, h in known) / len(known) if known else None}


# The false-refusal budgets at which ``refusal_curve`` reads how many unanswerable questions the
# answer probability could refuse (the answers issue's budgets are .05 in Chinese, .10 in English).
REFUSAL_BUDGETS = (0.02, 0.05, 0.10, 0.20)


def _split(probability: Sequence[float], answerable: Sequence[bool]) -> tuple[list[float], list[float]]:
    if len(probability) != len(answerable):
        raise ValueError(f"probability has {len(probability)} items but answerable has {len(answerable)}")
    pos = sorted(p for p, a in zip(probability, answerable, strict=True) if a)
    neg = sorted(p for p, a in zip(probability, answerable, strict=True) if not a)
    return pos, neg


def separation_auc(probability: Sequence[float], answerable: Sequence[bool]) -> float | None:
    """How well a probability tells answerable questions from unanswerable ones, whatever the
    threshold: the chance that an answerable question's probability is above an unanswerable
    one's, ties counting half (ROC AUC; .5 is chance). None when either group is empty.

    Example:
        >>> separation_auc([0.9, 0.4, 0.4, 0.1], [True, True, False, False])
        0.875
    """
    pos, neg = _split(probability, answerable)
    if not pos or not neg:
        return None
    above = sum(len(pos) - bisect_right(pos, n) + 0.5 * (bisect_right(pos, n) - bisect_left(pos, n)) for n in neg)
    return above / (len(pos) * len(neg))


def refusal_curve(probability: Sequence[float], answerable: Sequence[bool],
                  budgets: Sequence[float] = REFUSAL_BUDGETS) -> dict[str, float] | None:
    """For each false-refusal budget ``b``: the share of unanswerable questions refused at the
    threshold that refuses at most ``b`` of the answerable ones (a question is refused when its
    probability is below the threshold, as ``found`` is probability >= threshold). The threshold
    is read off the very questions scored, so this is what the probability can tell apart on
    them, not what the shipped threshold does. Keys are the budgets as text ("0.05"); None
    when either group is empty.

    Example:
        >>> refusal_curve([0.9, 0.8, 0.7, 0.6, 0.5, 0.3, 0.65, 0.2], [True] * 6 + [False] * 2, budgets=(0.0, 0.5))
        {'0.00': 0.5, '0.50': 1.0}
    """
    pos, neg = _split(probability, answerable)
    if not pos or not neg:
        return None
    out = {}
    for b in budgets:
        k = math.floor(b * len(pos) + 1e-9)  # answerable questions that may be refused
        threshold = pos[k] if k < len(pos) else math.inf  # those strictly below pos[k] are at most k
        out[f"{b:.2f}"] = bisect_left(neg, threshold) / len(neg)
    return out


# -------------------------------------------------------------------- speed


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile with linear interpolation (numpy's default method).

    Args:
        values: at least one number, in any order.
        q: percentile in [0, 100].

    Returns:
        x[i] + (x[i+1] - x[i]) * f over the sorted values, where
        (n - 1) * q / 100 = i + f.

    Raises:
        ValueError: no values, or q outside [0, 100].

    Example:
        >>> percentile([40, 10, 30, 20], 50)  # position 1.5 -> 20 + 0.5 * 10
        25.0
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float | int]:
    """Median, 95th percentile, mean and count of latencies in milliseconds.

    Raises:
        ValueError: no values.
    """
    if not values_ms:
        raise ValueError("latency_summary of no values")
    return {
        "p50": percentile(values_ms, 50),
        "p95": percentile(values_ms, 95),
        "mean": sum(values_ms) / len(values_ms),
        "n": len(values_ms),
    }


__all__ = [
    "STOPWORDS", "CitationScores", "char_f1", "citation_scores", "cmrc_tokens",
    "exact_match", "hit_at_k", "key_fact_recall", "latency_summary", "lexical_support",
    "mrr_at_k", "ndcg_at_k", "percentile", "recall_at_k", "refusal_metrics",
    "split_cited_sentences",
]
