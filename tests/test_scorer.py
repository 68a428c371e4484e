"""The answer model file: it loads without pickle, checks its features, and calibrates."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.errors import ConfigError
from qa.scorer import (
    DEFAULT_MODEL,
    FOUND_HEAD,
    AnswerModel,
    Calibration,
    found_feature_names,
    found_features,
    load_model,
)


def test_the_shipped_model_loads_and_is_json():
    model = load_model()
    raw = json.loads(DEFAULT_MODEL.read_text("utf-8"))
    assert raw["format"] == "qa-answer-model" and model.version == raw["version"]
    assert DEFAULT_MODEL.stat().st_size < 5_000_000
    for lang in ("zh", "en"):
        assert 0.0 < model.found_threshold(lang) < 1.0
    assert model.span is not None and 0.0 <= model.thresholds["quote"] <= 1.0
    from qa.annotate import ANNOTATION_VERSION

    # the model names the annotations it was trained on; v3, v4 (2026-12-02) and v5 (2026-12-04)
    # changed only where transliterated names, places and organisations end, the features are the
    # same, and the model was evaluated on the later indexes (README, "Transliterated names are
    # whole", "Places are whole", "Organisations keep their names"): it stays until a retrain does better;
    # v6 (2026-12-05) added clock times, which only a question asking for a time of day reads
    assert model.annotation_version in (2, 4, 5, ANNOTATION_VERSION) and ANNOTATION_VERSION == 6
    assert load_model() is model  # loaded once per process


def test_calibration_is_monotone_and_bounded():
    cal = load_model().found_calibration
    xs = np.linspace(0, 1, 101)
    ys = cal(xs)
    assert (np.diff(ys) >= -1e-12).all() and ys.min() >= 0 and ys.max() <= 1
    assert Calibration((0.0, 1.0), (0.2, 0.8))(0.5) == pytest.approx(0.5)


@pytest.mark.parametrize("mutate, message", [
    (lambda raw: raw.update(format="something else"), "not a qa-answer-model"),
    (lambda raw: raw["sentence"].update(features=["dense"]), "other features"),
    (lambda raw: raw["found"].update(features=["raw_1"]), "other question features"),
])
def test_a_wrong_file_is_a_clear_error(tmp_path, mutate, message):
    raw = json.loads(DEFAULT_MODEL.read_text("utf-8"))
    mutate(raw)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw), "utf-8")
    with pytest.raises(ConfigError, match=message):
        AnswerModel.load(path)


def test_missing_or_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="python -m train"):
        AnswerModel.load(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{", "utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        AnswerModel.load(tmp_path / "bad.json")


def test_question_features_read_the_best_sentences():
    raw = np.array([0.2, 0.9, 0.05, 0.4])
    X = np.arange(8, dtype=float).reshape(4, 2)  # two sentence features per candidate
    row = found_features(raw, X)
    head = dict(zip(FOUND_HEAD, row))
    assert [head["raw_1"], head["raw_2"], head["raw_3"]] == [0.9, 0.4, 0.2]
    assert head["raw_gap"] == pytest.approx(0.5) and head["n_support"] == 3 and head["n_candidates"] == 4
    assert list(row[len(FOUND_HEAD):len(FOUND_HEAD) + 2]) == [2.0, 3.0]  # the best sentence's features
    assert list(row[len(FOUND_HEAD) + 2:]) == pytest.approx([(2 + 6 + 0) / 3, (3 + 7 + 1) / 3])  # mean of the top three
    assert len(found_feature_names(("a", "b"))) == len(row)
    single = found_features(np.array([0.3]), X[:1])  # fewer candidates than three: the rest are 0
    assert list(single[:3]) == [0.3, 0.0, 0.0]


def test_the_found_decision_holds_the_candidate_count_at_the_training_median():
    """A one-article index offers fewer candidate sentences than the training indexes did: the
    found probability does not rise for that (it did by .07 on average on the seed questions)."""
    from qa.features import FEATURES

    model = load_model()
    assert model.found_pool == 35
    rng = np.random.RandomState(0)
    X = rng.rand(12, len(FEATURES)).astype(np.float32)
    raw = model.sentence_raw(X)
    filler = np.zeros((30, len(FEATURES)), np.float32)  # candidates that look like no answer
    more_raw = np.concatenate([raw, np.zeros(30)])
    assert found_features(raw, X, 35)[FOUND_HEAD.index("n_candidates")] == 35
    assert model.found_probability(more_raw, np.vstack([X, filler])) == pytest.approx(model.found_probability(raw, X))


def test_the_found_decision_reads_the_candidates_as_a_whole():
    from qa.features import FEATURES

    model = load_model()
    assert model.found is not None and model.found.features == found_feature_names(FEATURES)
    X = np.zeros((2, len(FEATURES)))
    raw = model.sentence_raw(X)
    p = model.found_probability(raw, X)
    assert 0.0 <= p <= 1.0
    assert model.found_probability(np.zeros(0), X[:0]) == 0.0  # no candidates: nothing found


def test_the_span_chooser_ranks_a_questions_spans_and_old_files_fall_back_to_the_scorer(tmp_path):
    """The short answer is picked by the span chooser (a ranker over a question's spans,
    calibrated); a model file written before it existed picks with the span scorer."""
    from qa.shortanswer import CHOICE_FEATURES

    model = load_model()
    assert model.span_choice is not None
    X = np.random.default_rng(0).random((64, len(CHOICE_FEATURES))).astype(np.float32)
    p = model.span_choice_probability(X)
    assert p.shape == (64,) and (p >= 0).all() and (p <= 1).all()
    # the raw scores come with it: the calibration maps them monotonely, so they order what it ties
    prob, order = model.span_choice_scores(X)
    np.testing.assert_allclose(prob, p)
    np.testing.assert_allclose(model.span_choice_calibration(order), p)
    assert all(prob[i] >= prob[j] for i in range(64) for j in range(64) if order[i] > order[j])
    raw = json.loads(DEFAULT_MODEL.read_text("utf-8"))
    del raw["span"]["choice"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(raw), "utf-8")
    old = AnswerModel.load(path)
    assert old.span_choice is None
    np.testing.assert_allclose(old.span_choice_probability(X), model.span_probability(X))


def test_a_chooser_reads_its_own_columns_and_one_reading_unknown_features_is_refused(tmp_path):
    """The chooser may read more span features than the scorer (CHOICE_FEATURES); a file
    written before that (no feature list of its own) reads the scorer's; a chooser reading a
    feature this version does not compute is refused, naming it."""
    from qa.shortanswer import CHOICE_FEATURES, SPAN_FEATURES

    model = load_model()
    X = np.random.default_rng(1).random((32, len(CHOICE_FEATURES))).astype(np.float32)
    raw = json.loads(DEFAULT_MODEL.read_text("utf-8"))
    names = raw["span"]["choice"].get("features", raw["span"]["features"])
    cols = [CHOICE_FEATURES.index(f) for f in names]
    booster = model.span_choice
    np.testing.assert_allclose(model.span_choice_probability(X),
                               model.span_choice_calibration(booster.predict(X[:, cols])))
    np.testing.assert_allclose(model.span_probability(X), model.span_probability(
        np.concatenate([X[:, : len(SPAN_FEATURES)], np.zeros((32, len(CHOICE_FEATURES) - len(SPAN_FEATURES)))], axis=1)))
    raw["span"]["choice"]["features"] = [*names[:-1], "no_such_feature"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw), "utf-8")
    with pytest.raises(ConfigError, match="no_such_feature"):
        AnswerModel.load(path)


def test_the_reader_section_stacks_the_found_probability_and_brings_its_thresholds(tmp_path):
    raw = json.loads(DEFAULT_MODEL.read_text("utf-8"))
    raw["reader"] = {"file": "reader.npz", "top": 3, "thresholds": {"zh": 0.4, "en": 0.3},
                     "weights": {"zh": {"found_logit": 1.0, "reader": 0.5, "intercept": -1.0},
                                 "en": {"found_logit": 0.5, "reader": 1.0, "intercept": 0.0}}}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw), "utf-8")
    model = AnswerModel.load(path)
    stack = model.reader
    assert stack is not None and stack.path == tmp_path / "reader.npz" and stack.top == 3
    assert model.found_threshold("zh") == 0.4 and model.found_threshold("en") == 0.3
    assert stack.probability(0.5, 2.0, "zh") == pytest.approx(0.5)  # logit 0 + 0.5 * 2 - 1
    assert stack.probability(0.5, 3.0, "zh") > stack.probability(0.5, 1.0, "zh")
    assert stack.probability(0.9, 0.0, "zh") > stack.probability(0.6, 0.0, "zh")
    assert stack.reads("zh") and not stack.reads("fr")
    del raw["reader"]["weights"]["en"], raw["reader"]["thresholds"]["en"]  # the reader for Chinese only
    path.write_text(json.dumps(raw), "utf-8")
    model = AnswerModel.load(path)
    assert not model.reader.reads("en") and model.found_threshold("en") == raw["thresholds"]["found"]["en"]
    del raw["reader"]
    path.write_text(json.dumps(raw), "utf-8")
    plain = AnswerModel.load(path)
    assert plain.reader is None and plain.found_threshold("zh") == raw["thresholds"]["found"]["zh"]
