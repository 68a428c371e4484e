"""Short-answer span examples: the candidate spans of the sentences that hold the answer
(and of the two sentences most like the question that do not), labelled by exact match
with a gold answer, with their sentence's features."""

from __future__ import annotations

import re

import numpy as np

from qa.shortanswer import CHOICE_FEATURES, candidate_features, spans_of

_NORM = re.compile(r"[\s\W_]+")


def norm(text: str) -> str:
    from qa.lang.script import to_simplified

    return _NORM.sub("", to_simplified(text).lower())


def char_f1(pred: str, golds) -> float:
    from collections import Counter

    p = norm(pred)
    best = 0.0
    for g in golds:
        g = norm(g)
        common = sum((Counter(p) & Counter(g)).values())
        if common:
            pr, rc = common / len(p), common / len(g)
            best = max(best, 2 * pr * rc / (pr + rc))
    return best


def span_examples(query, ctx, X: np.ndarray, y: np.ndarray, q, qi: int, *,
                  sentence_prob: np.ndarray | None = None) -> dict:
    from qa.features import FEATURES

    cands = ctx.evidence.candidates
    like = X[:, FEATURES.index("bigram_specific")] + X[:, FEATURES.index("dense")]
    negatives = [int(i) for i in np.argsort(-like) if not y[i]][:2]
    chosen = [int(i) for i in np.flatnonzero(y)] + negatives
    golds = [t for t, _ in q.answers]
    gold = {norm(t) for t in golds}
    spans = [sp for k in chosen for sp in spans_of(query, k, cands[k])]
    Xs = candidate_features(query, spans, cands, X)
    labels = np.array([int(norm(sp.text) in gold) for sp in spans], dtype=np.int8)
    sentence_f1 = {k: char_f1(cands[k].text, golds) for k in chosen}
    return {"X": Xs, "y": labels, "question": np.full(len(spans), qi, np.int32),
            "sentence": np.array([sp.sentence for sp in spans], dtype=np.int32),
            "headed": np.array([sp.headed for sp in spans], dtype=bool),
            "f1": np.array([char_f1(sp.text, golds) for sp in spans], dtype=np.float32),
            "sentence_f1": np.array([sentence_f1[sp.sentence] for sp in spans], dtype=np.float32),
            "sentence_prob": np.array([sentence_prob[sp.sentence] if sentence_prob is not None else np.nan
                                       for sp in spans], dtype=np.float32)}


def merge(parts: list[dict]) -> dict:
    if not parts:
        return {"X": np.zeros((0, len(CHOICE_FEATURES)), np.float32), "y": np.zeros(0, np.int8),
                "question": np.zeros(0, np.int32), "sentence": np.zeros(0, np.int32), "headed": np.zeros(0, bool),
                "f1": np.zeros(0, np.float32), "sentence_f1": np.zeros(0, np.float32),
                "sentence_prob": np.zeros(0, np.float32)}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
