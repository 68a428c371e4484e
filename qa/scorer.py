"""The answer scorer: one learned model that says how likely each candidate sentence
answers a question (or supports a claim), calibrated, plus the calibrated probability
that the passages answer at all. The same model ranks short-answer spans.

The model file (``qa/models/answer-model.json``, written by ``python -m train``) is
JSON: LightGBM boosters as text (loaded without pickle), isotonic calibration maps,
the thresholds chosen on validation data, and what it was trained on.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ConfigError

MODEL_FORMAT = "qa-answer-model"
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "answer-model.json"
# The found decision reads the question's candidates as a whole: the best three raw sentence
# scores, how far the best stands out, how many sentences score at least SUPPORT_RAW, how many
# candidates there are, and the features of the best sentence and the mean of the best three.
TOP_SENTENCES = 3
SUPPORT_RAW = 0.1
FOUND_HEAD = ("raw_1", "raw_2", "raw_3", "raw_gap", "n_support", "n_candidates")
READER_TOP = 3  # sentences (the likeliest by the sentence booster) the reader reads per question


def found_feature_names(sentence_features: tuple[str, ...]) -> tuple[str, ...]:
    return (*FOUND_HEAD, *(f"best_{f}" for f in sentence_features), *(f"top_{f}" for f in sentence_features))


def found_features(raw: np.ndarray, X: np.ndarray, pool: float | None = None) -> np.ndarray:
    """One row of question-level features from the candidates' raw scores and feature rows.

    ``pool``: the ``n_candidates`` to give instead of the count of ``raw``. How many
    candidates there are is the corpus's and the chunking's, not the answer's (a one-article
    index offers a dozen sentences, the training indexes 35 at the median, and the booster
    learned a few points of probability per ten fewer): answering holds it at the training
    questions' median (the model file's ``found.pool``), so a small corpus is judged as a large one."""
    width = X.shape[1] if X.ndim == 2 else 0
    if not len(raw):
        return np.zeros(len(FOUND_HEAD) + 2 * width)
    order = np.argsort(-raw, kind="stable")
    top = raw[order[:TOP_SENTENCES]]
    tops = np.zeros(TOP_SENTENCES)
    tops[:len(top)] = top
    head = [*tops, tops[0] - tops[1], float((raw >= SUPPORT_RAW).sum()), float(len(raw) if pool is None else pool)]
    return np.concatenate([head, X[order[0]], X[order[:TOP_SENTENCES]].mean(axis=0)])


@dataclass(frozen=True)
class Calibration:
    """A monotone map from a raw score to a probability (isotonic regression's steps,
    interpolated linearly between them)."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __call__(self, raw: np.ndarray | float) -> np.ndarray:
        return np.clip(np.interp(raw, self.x, self.y), 0.0, 1.0)

    def to_json(self) -> dict:
        return {"x": [round(v, 6) for v in self.x], "y": [round(v, 6) for v in self.y]}

    @classmethod
    def from_json(cls, d: dict) -> Calibration:
        return cls(tuple(d["x"]), tuple(d["y"]))


class Booster:
    """A LightGBM booster held as its text form."""

    def __init__(self, text: str, features: tuple[str, ...]) -> None:
        import lightgbm

        self.text = text
        self.features = features
        self._booster = lightgbm.Booster(model_str=text)
        if self._booster.num_feature() != len(features):
            raise ConfigError(f"answer model expects {self._booster.num_feature()} features, "
                              f"the file lists {len(features)}")

    def predict(self, X: np.ndarray) -> np.ndarray:
        if not len(X):
            return np.zeros(0, dtype=np.float64)
        return self._booster.predict(np.asarray(X, dtype=np.float64), num_threads=1)


@dataclass(frozen=True)
class ReaderStack:
    """The model file's ``reader`` section (``python -m train.stack``): the found probability
    is a logistic regression, per language, on the answer model's found probability (as a
    logit) and the reader's best score over the ``top`` likeliest sentences."""

    path: Path  # the reader's model file (``qa.reader``)
    top: int
    weights: dict[str, tuple[float, float, float]]  # language -> (found logit, reader, intercept)
    thresholds: dict[str, float]

    @classmethod
    def from_json(cls, d: dict, folder: Path) -> ReaderStack:
        weights = {lang: (float(w["found_logit"]), float(w["reader"]), float(w["intercept"]))
                   for lang, w in d["weights"].items()}
        return cls(folder / d["file"], int(d["top"]), weights, {k: float(v) for k, v in d["thresholds"].items()})

    def reads(self, language: str) -> bool:
        """Whether the reader takes part in the found decision of questions in ``language``."""
        return language in self.weights

    def probability(self, found: float, reader_best: float, language: str) -> float:
        a, b, c = self.weights[language]
        p = min(max(found, 1e-4), 1 - 1e-4)
        z = a * float(np.log(p / (1 - p))) + b * reader_best + c
        return float(1.0 / (1.0 + np.exp(-z)))

    def reader(self):
        from qa.reader import load_reader

        return load_reader(self.path)


class AnswerModel:
    """The loaded model file.

    Attributes:
        version: the model's version string (shown in answers' details).
        thresholds: ``found`` (per language), ``quote``, ``short`` probabilities.
    """

    def __init__(self, raw: dict, path: Path | None = None) -> None:
        if raw.get("format") != MODEL_FORMAT:
            raise ConfigError(f"{path or 'the answer model'} is not a {MODEL_FORMAT} file")
        from qa.features import FEATURES

        if tuple(raw["sentence"]["features"]) != FEATURES:
            raise ConfigError(f"the answer model {path or ''} was trained on other features than this version of qa "
                              "computes; retrain it: python -m train")
        self.path = path
        self.version = str(raw["version"])
        self.annotation_version = int(raw["annotation_version"])
        self.sentence = Booster(raw["sentence"]["model"], tuple(raw["sentence"]["features"]))
        self.sentence_calibration = Calibration.from_json(raw["sentence"]["calibration"])
        self.found_calibration = Calibration.from_json(raw["found"]["calibration"])
        found = raw["found"]
        if "model" in found and tuple(found["features"]) != found_feature_names(FEATURES):
            raise ConfigError(f"the answer model {path or ''} was trained on other question features than this "
                              "version of qa computes; retrain it: python -m train")
        # a model file without a question-level booster decides by the best sentence's score
        self.found = Booster(found["model"], tuple(found["features"])) if "model" in found else None
        # the candidate count the found booster reads (found_features); a file without one: the real count
        self.found_pool = float(found["pool"]) if found.get("pool") is not None else None
        self.claim_calibration = Calibration.from_json(raw.get("claim", raw["found"])["calibration"])
        span = raw.get("span")
        from qa.shortanswer import CHOICE_FEATURES, SPAN_FEATURES

        if span and tuple(span["features"]) != SPAN_FEATURES:
            raise ConfigError(f"the answer model {path or ''} was trained on other span features than this version "
                              "of qa computes; retrain it: python -m train")
        self.span = Booster(span["model"], tuple(span["features"])) if span else None
        self.span_calibration = Calibration.from_json(span["calibration"]) if span else None
        # the span chooser (a ranker) picks the short answer; a model file without one uses the scorer.
        # It may read more span features than the scorer (CHOICE_FEATURES; older files: the scorer's)
        choice = span.get("choice") if span else None
        choice_features = tuple(choice.get("features", span["features"])) if choice else ()
        if unknown := [f for f in choice_features if f not in CHOICE_FEATURES]:
            raise ConfigError(f"the answer model {path or ''} has a span chooser reading features this version of qa "
                              f"does not compute ({', '.join(unknown)}); retrain it: python -m train")
        self._span_columns = [CHOICE_FEATURES.index(f) for f in SPAN_FEATURES]
        self._choice_columns = [CHOICE_FEATURES.index(f) for f in choice_features]
        self.span_choice = Booster(choice["model"], choice_features) if choice else None
        self.span_choice_calibration = Calibration.from_json(choice["calibration"]) if choice else None
        self.thresholds: dict = raw["thresholds"]
        self.trained: dict = raw.get("trained", {})
        folder = path.parent if path else DEFAULT_MODEL.parent
        self.reader = ReaderStack.from_json(raw["reader"], folder) if raw.get("reader") else None

    @classmethod
    def load(cls, path: str | Path | None = None) -> AnswerModel:
        """Load a model file (default: the one shipped in the package).

        Raises:
            ConfigError: the file is missing, not a model file, or for other features.
        """
        path = Path(path) if path else DEFAULT_MODEL
        try:
            raw = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"answer model {path} not found; train one: python -m train") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"answer model {path} is not valid JSON ({e})") from None
        return cls(raw, path)

    def sentence_raw(self, X: np.ndarray) -> np.ndarray:
        """The model's uncalibrated probability for each sentence row."""
        return self.sentence.predict(X)

    def span_probability(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability that each span (rows of ``qa.shortanswer.span_features``)
        is the answer."""
        if self.span is None:
            raise ConfigError("this answer model has no span scorer; retrain it: python -m train")
        return self.span_calibration(self.span.predict(X[:, self._span_columns]))

    def span_choice_probability(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability that each span is the answer, from the span chooser, which
        ranks a question's spans against each other (the short answer is its best)."""
        return self.span_choice_scores(X)[0]

    def span_choice_scores(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The span chooser's calibrated probabilities and its raw scores, which order the spans
        the calibration puts on one step (isotonic calibration is flat between its steps)."""
        if self.span_choice is None:
            return self.span_probability(X), self.span.predict(X[:, self._span_columns])
        raw = self.span_choice.predict(X[:, self._choice_columns])
        return self.span_choice_calibration(raw), raw

    def sentence_probability(self, raw: np.ndarray) -> np.ndarray:
        return self.sentence_calibration(raw)

    def found_probability(self, raw: np.ndarray, X: np.ndarray | None = None) -> float:
        """Calibrated probability that the sentences (``raw``: their raw scores, ``X``: their
        feature rows) answer: the question-level booster's, or the best sentence's score."""
        if self.found is not None and X is not None:
            if not len(raw):
                return 0.0
            row = found_features(raw, X, self.found_pool)
            return float(self.found_calibration(float(self.found.predict(row[None, :])[0])))
        return float(self.found_calibration(float(raw.max()) if len(raw) else 0.0))

    def claim_probability(self, raw: np.ndarray) -> float:
        """Calibrated probability that sentences (``raw``: their raw scores for a claim) hold the claim."""
        return float(self.claim_calibration(float(raw.max()) if len(raw) else 0.0))

    def short_threshold(self, typed: bool) -> float:
        """The probability from which a short answer heads the answer, for a question that
        asks for a name, date, place, number or organisation (``typed``) or another one."""
        t = self.thresholds.get("short", 0.5)
        return float(t.get("typed" if typed else "other", 0.5)) if isinstance(t, dict) else float(t)

    def found_threshold(self, language: str) -> float:
        if self.reader is not None and self.reader.reads(language):
            return float(self.reader.thresholds[language])
        t = self.thresholds["found"]
        return float(t.get(language, t.get("zh")))


_lock = threading.Lock()
_loaded: dict[Path, AnswerModel] = {}


def load_model(path: str | Path | None = None) -> AnswerModel:
    """The model file at ``path`` (default: shipped), loaded once per process."""
    key = Path(path).resolve() if path else DEFAULT_MODEL
    with _lock:
        if key not in _loaded:
            _loaded[key] = AnswerModel.load(key)
        return _loaded[key]
