"""Rank: a question's fused candidates put in order by a learned ranker.

Reciprocal-rank fusion (``qa.retrieve``) knows only where each retriever put a chunk. The ranker
reads a little more of each of the first ``RANK_DEPTH`` fused chunks — its fused rank and score,
its dense score and rank, its BM25 score and rank, how much of the question's key terms (weighted
by idf; an English question's bridged terms) its text and its article's title hold, how many of
the question's names, how many of the question's character bigrams — and orders them with a
LambdaMART model (LightGBM) trained on the training questions' own retrievals (DRCD and CMRC 2018
trial, Chinese and the English versions written for this project: ``python -m train.passage_ranker``).
Nothing is embedded or tagged: the features cost a few string searches per chunk.

The model file (``qa/models/passage-ranker.json``; ``QA_RANKER`` names another, ``none`` turns the
step off) is JSON holding LightGBM's text form of the model, loaded without pickle.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.errors import ConfigError
from qa.features import question_terms
from qa.lang.script import to_simplified
from qa.matching import present
from qa.query import QueryAnalysis
from qa.types import Hit

FORMAT = "qa-passage-ranker/1"
DEFAULT_PATH = Path(__file__).resolve().parent / "models" / "passage-ranker.json"
OFF = ("none", "off")  # QA_RANKER values that turn the step off
RANK_DEPTH = 30  # fused candidates the ranker reorders (on the training questions' retrievals, English
# .931 / .965 have their passage within the first 20 / 50: python benchmarks/english_retrieval.py)
NO_RANK = 999.0  # the rank feature of a chunk a retriever did not return
FEATURES = (
    "rank", "fused_rel", "dense", "dense_gap", "dense_rank", "bm25_rel", "bm25_rank",
    "cov", "cov_with_title", "cov_title", "names_cov", "n_names", "n_terms", "bigram", "lang_en",
    "max_weight", "missing_weight",
)


def features(analysis: QueryAnalysis, hits: Sequence[Hit], titles: Sequence[str],
             idf: Callable[[str], float] | None) -> np.ndarray:
    """The feature matrix (``len(hits)`` x ``len(FEATURES)``) of a question's fused hits, best
    first; ``titles[i]`` is the title of hit i's article."""
    X = np.zeros((len(hits), len(FEATURES)), dtype=np.float64)
    if not len(hits):
        return X
    terms, weights, _, bigrams = question_terms(analysis, idf)
    total = sum(weights) or 1.0
    names = [k for k, t in enumerate(terms) if t.kind == "name"]
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    best_dense = max(dense) if dense else 0.0
    best_bm25 = max((h.bm25_score or 0.0) for h in hits) or 1.0
    best_fused = hits[0].score or 1.0
    for i, (h, title) in enumerate(zip(hits, titles)):
        text, head = to_simplified(h.chunk.text).lower(), to_simplified(title or "").lower()
        in_text = [present(t.forms, text) >= 0 for t in terms]
        in_title = [present(t.forms, head) >= 0 for t in terms]
        named = [in_text[k] or in_title[k] for k in names]
        d = h.dense_score
        X[i] = (
            i + 1, h.score / best_fused,
            math.nan if d is None else d, math.nan if d is None else best_dense - d, h.dense_rank or NO_RANK,
            (h.bm25_score or 0.0) / best_bm25, h.bm25_rank or NO_RANK,
            sum(w for w, x in zip(weights, in_text) if x) / total,
            sum(w for w, x, y in zip(weights, in_text, in_title) if x or y) / total,
            sum(w for w, y in zip(weights, in_title) if y) / total,
            sum(named) / len(named) if named else -1.0, len(names), len(terms),
            sum(1 for b in bigrams if b in text) / len(bigrams) if bigrams else -1.0,
            float(analysis.language == "en"),
            max(weights, default=0.0), sum(w for w, x in zip(weights, in_text) if not x),
        )
    return X


class PassageRanker:
    """The loaded ranker file: ``order`` puts a question's fused hits in the ranker's order."""

    def __init__(self, raw: dict, path: Path | None = None) -> None:
        from qa.scorer import Booster

        where = path or "the passage ranker"
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ConfigError(f"{where} is not a {FORMAT} file")
        if not isinstance(raw.get("model"), str):
            raise ConfigError(f"{where} holds no model (its \"model\" is LightGBM's text form)")
        if tuple(raw.get("features", ())) != FEATURES:
            raise ConfigError(f"{where} was trained on other features than this version of qa computes; "
                              "retrain it: python -m train.passage_ranker")
        self.path = path
        self.version = str(raw.get("version", ""))
        self.trained = raw.get("trained", {})
        self.booster = Booster(raw["model"], FEATURES)

    @classmethod
    def load(cls, path: str | Path | None = None) -> PassageRanker:
        p = Path(path) if path else DEFAULT_PATH
        try:
            raw = json.loads(p.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"no passage ranker at {p} (QA_RANKER: a ranker file, or 'none')") from None
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot read the passage ranker {p}: {e}") from None
        return cls(raw, p)

    def scores(self, X: np.ndarray) -> np.ndarray:
        return self.booster.predict(X)

    def order(self, analysis: QueryAnalysis, hits: Sequence[Hit], titles: Sequence[str],
              idf: Callable[[str], float] | None) -> tuple[list[int], np.ndarray]:
        """Indexes of ``hits`` best first by the ranker (ties keep the fused order), and each hit's score."""
        s = self.scores(features(analysis, hits, titles, idf))
        return sorted(range(len(hits)), key=lambda i: (-s[i], i)), s


def load_ranker(spec: str | None) -> PassageRanker | None:
    """The ranker a setting names: None or "" for the shipped one, "none" for no ranker, else a file."""
    if spec is not None and spec.strip().lower() in OFF:
        return None
    return PassageRanker.load(spec.strip() if spec else None)
