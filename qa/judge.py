"""Judge: the one decision of whether the passages answer a question, and how likely
each of their sentences is to be (part of) the answer.

"Found" is the calibrated probability that the passages answer, against a threshold
chosen on validation data for a stated false-refusal budget (``python -m train``
chooses it; ``QA_FOUND_THRESHOLD`` overrides it). The same judge checks the claims of
a language model's answer (``claim=True``): a claim is supported when the passage it
cites supports it with at least the same probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.answer import AnswerContext
from qa.features import FEATURES, Query, make_query, sentence_features
from qa.scorer import AnswerModel


@dataclass(frozen=True)
class Judgement:
    """The scorer's view of an answer context."""

    probability: float  # calibrated: the passages answer the question
    threshold: float
    sentence_probability: np.ndarray  # calibrated, per candidate sentence
    raw: np.ndarray  # uncalibrated, per candidate sentence
    features: np.ndarray
    query: Query

    @property
    def found(self) -> bool:
        return self.probability >= self.threshold

    def top_features(self, i: int) -> dict[str, float]:
        """The features of sentence ``i``, for details and debugging."""
        return {name: round(float(v), 4) for name, v in zip(FEATURES, self.features[i])}


def featurize(ctx: AnswerContext, *, claim: bool = False, text: str | None = None,
              model: AnswerModel | None = None, span_scorer=None) -> tuple[Query, np.ndarray]:
    """The query signals and the feature matrix of the context's candidate sentences.

    Args:
        claim: read ``text`` (default: the question) as a statement to verify.
        model: the answer model whose span scorer fills ``best_span`` (None: left 0).
        span_scorer: a span scorer to use instead of the model's (training).
    """
    if ctx.evidence is None:
        raise ValueError("the answer context has no evidence (candidate sentences)")
    analysis, qvec = ctx.analysis, ctx.query_vector
    if text is not None and text != analysis.question:
        from qa.query import analyze

        analysis = analyze(text, bridges=ctx.bridges)
        qvec = ctx.encode_query(text) if ctx.encode_query is not None else None
    q = make_query(analysis, idf=ctx.idf, claim=claim)
    scorer = span_scorer or (model.span_probability if model is not None and model.span is not None else None)
    return q, sentence_features(q, qvec, ctx.evidence, ctx.hits(), ctx.titles(), span_scorer=scorer)


def judge(ctx: AnswerContext, model: AnswerModel, *, threshold: float | None = None) -> Judgement:
    """Score the context's sentences and decide whether they answer its question."""
    q, X = featurize(ctx, model=model)
    raw = model.sentence_raw(X)
    probability = model.found_probability(raw, X)
    if model.reader is not None and model.reader.reads(ctx.language) and len(raw):
        top = np.argsort(-raw, kind="stable")[:model.reader.top]
        read = model.reader.reader().score(ctx.analysis.question, [ctx.evidence.candidates[i].text for i in top])
        probability = model.reader.probability(probability, float(read.max()), ctx.language)
    return Judgement(probability=probability,
                     threshold=model.found_threshold(ctx.language) if threshold is None else threshold,
                     sentence_probability=model.sentence_probability(raw), raw=raw, features=X, query=q)
