"""Calibration of the answer probability: its label, reliability bins and expected calibration error.

``Answer.probability`` claims the chance that the retrieved passages answer the
question.  The label it is checked against is whether they do: whether a gold
answer text occurs in the retrieved passages' text (``details["passages"]``:
article offsets of each retrieved chunk); when an answer does not say which
passages it saw, whether the question is answerable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from eval._text import squash
from eval.datasets import Question

BINS = 10


class Calibrated(Protocol):
    """What the summary needs of an answer record."""

    probability: float | None
    calibration_label: bool | None
    label_from_passages: bool


@dataclass(frozen=True)
class Bin:
    """Predictions with ``lo <= probability < hi`` (the last bin includes 1): their mean and observed share."""

    lo: float
    hi: float
    n: int
    mean_probability: float | None
    observed: float | None


def gold_texts(question: Question) -> tuple[str, ...]:
    """The texts whose presence means the passages answer: CMRC answers, else key facts' first forms."""
    return question.answers or tuple(forms[0] for forms in question.key_facts if forms)


def passages_hold_answer(golds: Sequence[str], passages: Sequence[Mapping[str, Any]],
                         articles: Mapping[str, str]) -> bool:
    """True if a gold text occurs in a passage (``article_id``, ``start``, ``end``) of the articles.

    Matching ignores whitespace, case and thousands separators.

    Raises:
        KeyError: a passage names an article that is not in ``articles``.

    Example:
        >>> passages_hold_answer(["福建省"], [{"article_id": "a", "start": 2, "end": 8}], {"a": "厦门是福建省的城市"})
        True
    """
    texts = [squash(articles[p["article_id"]][p["start"]:p["end"]]) for p in passages]
    return any(squash(g) in t for g in golds if squash(g) for t in texts)


def calibration_label(question: Question, details: Mapping[str, Any],
                      articles: Mapping[str, str] | None) -> tuple[bool, bool]:
    """(whether the passages the answer saw answer the question, whether that was judged from them).

    Falls back to ``question.answerable`` when ``details`` has no ``passages``,
    the articles are not given, or a passage is from an article they lack (an
    index of another corpus, given with ``--index-dir``).
    """
    passages = details.get("passages")
    if passages is None or articles is None or any(p["article_id"] not in articles for p in passages):
        return question.answerable, False
    return passages_hold_answer(gold_texts(question), passages, articles), True


def reliability_bins(probabilities: Sequence[float], labels: Sequence[bool], bins: int = BINS) -> list[Bin]:
    """Equal-width bins over [0, 1] with the mean probability and the share of true labels in each.

    Raises:
        ValueError: the sequences differ in length, a probability is outside [0, 1], or bins < 1.
    """
    if len(probabilities) != len(labels):
        raise ValueError(f"{len(probabilities)} probabilities but {len(labels)} labels")
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, y in zip(probabilities, labels, strict=True):
        if not 0 <= p <= 1:
            raise ValueError(f"probability {p} is outside [0, 1]")
        members[min(int(p * bins), bins - 1)].append((p, bool(y)))
    out = []
    for i, xs in enumerate(members):
        mean = sum(p for p, _ in xs) / len(xs) if xs else None
        observed = sum(y for _, y in xs) / len(xs) if xs else None
        out.append(Bin(lo=i / bins, hi=(i + 1) / bins, n=len(xs), mean_probability=mean, observed=observed))
    return out


def expected_calibration_error(probabilities: Sequence[float], labels: Sequence[bool], bins: int = BINS) -> float:
    """ECE: the count-weighted mean over bins of |observed share - mean probability|.

    Raises:
        ValueError: no predictions, or as :func:`reliability_bins`.

    Example:
        >>> # bin 9: mean .9, observed .5; bin 2: mean .2, observed 0 -> (2 * .4 + 2 * .2) / 4
        >>> round(expected_calibration_error([0.9, 0.9, 0.2, 0.2], [True, False, False, False]), 3)
        0.3
    """
    if not probabilities:
        raise ValueError("expected_calibration_error of no predictions")
    total = len(probabilities)
    return sum(b.n / total * abs(b.observed - b.mean_probability)  # type: ignore[operator]
               for b in reliability_bins(probabilities, labels, bins) if b.n)


def summarize_calibration(records: Sequence[Calibrated], bins: int = BINS) -> dict | None:
    """ECE and the bins over the records with a probability and a label; None if there are none."""
    scored = [r for r in records if r.probability is not None and r.calibration_label is not None]
    if not scored:
        return None
    probs = [r.probability for r in scored]  # type: ignore[misc]
    labels = [bool(r.calibration_label) for r in scored]
    return {"n": len(scored), "from_passages": sum(r.label_from_passages for r in scored),
            "positive_rate": sum(labels) / len(labels), "mean_probability": sum(probs) / len(probs),
            "ece": expected_calibration_error(probs, labels, bins),
            "bins": [asdict(b) for b in reliability_bins(probs, labels, bins)]}
