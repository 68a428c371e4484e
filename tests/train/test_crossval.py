"""Cross-validation of the span chooser on span examples (train.crossval)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.shortanswer import CHOICE_FEATURES
from train.crossval import crossval, fold_of, main


def _spans(n_questions=200, per=8, seed=0):
    """Span rows whose answer is marked by one feature (type_match): a chooser reading it finds
    every answer, one without it does not."""
    rng = np.random.default_rng(seed)
    rows = n_questions * per
    X = rng.random((rows, len(CHOICE_FEATURES))).astype(np.float32)
    col = CHOICE_FEATURES.index("type_match")
    X[:, col] = 0
    y = np.zeros(rows, np.int8)
    for q in range(n_questions):
        i = q * per + rng.integers(per)
        X[i, col], y[i] = 1, 1
    return {"X": X, "y": y, "f1": y.astype(np.float32), "question": np.repeat(np.arange(n_questions), per),
            "questions": [{"id": f"{q}-1-1", "typed": q % 2 == 0} for q in range(n_questions)]}


def test_folds_are_by_article_and_stable():
    assert fold_of("1147-5-1") == fold_of("1147-2-3")
    assert {fold_of(f"{a}-1-1") for a in range(200)} == set(range(5))


def test_a_feature_that_marks_the_answer_is_found_and_its_loss_shows():
    spans = _spans()
    every = crossval(spans, list(CHOICE_FEATURES))
    assert every["questions"] == 200 and every["em"] == 1.0 and every["typed_f1"] == 1.0
    without = crossval(spans, [f for f in CHOICE_FEATURES if f != "type_match"])
    assert without["em"] < 0.5


def test_unknown_features_and_old_files_are_refused(tmp_path, capsys):
    from train.examples import save_spans

    with pytest.raises(ValueError, match="not span features"):
        crossval(_spans(), ["no_such_feature"])
    old = _spans()
    old["X"] = old["X"][:, :-1]
    with pytest.raises(ValueError, match="collect them again"):
        crossval(old, list(CHOICE_FEATURES[:-1]))
    path = tmp_path / "s-spans.npz"
    save_spans(_spans(), path)
    with pytest.raises(SystemExit):
        main([str(path), "--drop", "no_such_feature"])
    assert "not span features" in capsys.readouterr().err
    assert main([str(path), "--drop", "type_match"]) == 0
    assert "without type_match" in capsys.readouterr().out


def _examples(n_questions=300, per=6, seed=0):
    """Questions on whole passages (one sentence marked by ``cov`` holds the answer) and on
    answer-cut ones (none does), in both languages: the found decision reading ``cov`` tells
    them apart; without it, it cannot."""
    from qa.features import FEATURES
    from train.examples import Examples

    rng = np.random.default_rng(seed)
    X = rng.random((n_questions * per, len(FEATURES))).astype(np.float32)
    col = FEATURES.index("cov")
    X[:, col] = rng.random(len(X)) * 0.5
    y = np.zeros(len(X), np.int8)
    meta = []
    for q in range(n_questions):
        whole = q % 3 != 0
        if whole:
            i = q * per + rng.integers(per)
            X[i, col], y[i] = 1.0, 1
        meta.append({"id": f"{q}-1-1", "lang": "zh" if q % 2 else "en", "split": "train", "kind": "question",
                     "role": "keep" if whole else "cut", "label": int(whole), "answerable": int(whole)})
    return Examples(X, y, np.repeat(np.arange(n_questions), per).astype(np.int32), meta)


def test_the_found_decision_is_scored_out_of_fold_per_language(tmp_path, capsys):
    from qa.features import FEATURES
    from train.crossval import crossval_found

    ex = _examples()
    every = crossval_found(ex, list(FEATURES))
    assert set(every) == {"zh", "en"}
    for lg, budget in (("zh", 0.05), ("en", 0.10)):
        r = every[lg]
        assert r["questions"] == 150 and r["false_refusals"] <= budget + 0.02
        assert r["refused_answer_cut"] > 0.9 and r["auc_found"] > 0.95 and r["refused_passage_dropped"] is None
    without = crossval_found(ex, [f for f in FEATURES if f != "cov"])
    assert all(without[lg]["auc_found"] < 0.75 for lg in ("zh", "en"))
    # the command: --found reads saved examples
    path = tmp_path / "ex.npz"
    ex.save(path)
    assert main(["--found", str(path), "--drop", "cov"]) == 0
    assert "without cov:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--found", str(path), "--drop", "no_such_feature"])


def test_a_random_column_shows_what_chance_moves_the_figures_by(tmp_path, capsys):
    from qa.features import FEATURES
    from train.crossval import crossval_found

    ex = _examples()
    kept = [f for f in FEATURES if f != "cov"]
    control = crossval_found(ex, kept, noise=1)
    assert all(control[lg]["auc_found"] < 0.75 for lg in ("zh", "en"))  # noise does not stand in for cov
    assert control != crossval_found(ex, kept, noise=2)  # another draw, another fit
    assert crossval_found(ex, kept, noise=1) == control  # the seed fixes it
    path = tmp_path / "ex.npz"
    ex.save(path)
    assert main(["--found", str(path), "--drop", "cov", "--noise", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["without cov", "without cov, with a random column (seed 1)",
                                                    "without cov, with a random column (seed 2)"]
    for bad in (["--found", str(path), "--noise", "-1"], [str(path), "--noise", "1"]):
        with pytest.raises(SystemExit):
            main(bad)
        assert "--noise" in capsys.readouterr().err
