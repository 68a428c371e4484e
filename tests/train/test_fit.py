"""train/fit.py: the calibration the found threshold is chosen on."""

from __future__ import annotations

import numpy as np

from train.fit import _isotonic, apply, strictly_increasing


def _scores(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * raw))).astype(int)
    return raw, y


def test_isotonic_steps_become_a_strictly_increasing_map():
    raw, y = _scores()
    steps = _isotonic(raw, y)
    smooth = strictly_increasing(steps)
    p, q = apply(steps, raw), apply(smooth, raw)
    assert len(np.unique(p)) < 60  # isotonic: a few dozen steps, thousands of ties
    inside = (q > 0) & (q < 1)
    assert len(np.unique(q[inside])) == inside.sum()  # no two scores tie but at 0 or 1
    assert np.all(np.diff(q[np.argsort(raw)]) >= 0)  # still monotone
    # still calibrated: the mean probability per decile of scores stays near the observed rate
    order = np.argsort(raw)
    for part in np.array_split(order, 10):
        assert abs(q[part].mean() - y[part].mean()) < 0.08


def test_a_quantile_threshold_then_refuses_the_budget():
    raw, y = _scores(seed=1)
    answerable = raw[y == 1]
    for cal in (strictly_increasing(_isotonic(raw, y)),):
        p = apply(cal, answerable)
        t = float(np.quantile(p, 0.05))
        assert abs(float((p < t).mean()) - 0.05) < 0.002


def test_a_single_step_is_kept_as_it_is():
    cal = {"x": [0.0, 1.0], "y": [0.3, 0.3]}
    assert strictly_increasing(cal) == cal


def test_english_figures_are_given_per_writer_when_there_are_several():
    """``found_figures``: with another writer's English questions (``python -m train --styled``), the English
    test row also holds each writer's false refusals and answer-cut refusals at the same threshold."""
    from train.examples import Examples
    from train.fit import found_figures

    meta, probs = [], []
    for writer, p_keep in (("", 0.9), ("chat", 0.3)):
        for role, p in (("keep", p_keep), ("keep", 0.8), ("cut", 0.1), ("cut", 0.6)):
            meta.append({"split": "test", "lang": "en", "role": role, "label": int(role == "keep"), "kind": "question",
                         **({"writer": writer} if writer else {})})
            probs.append(p)
    meta.append({"split": "test", "lang": "zh", "role": "keep", "label": 1, "kind": "question"})
    probs.append(0.9)
    ex = Examples(np.zeros((0, 1), np.float32), np.zeros(0, np.int8), np.zeros(0, np.int32), meta)
    out = found_figures(ex, np.array(probs), {"zh": 0.5, "en": 0.5})
    by = out["en"]["by_writer"]
    assert set(by) == {"drcd_en", "chat"} and "by_writer" not in out["zh"]
    assert (by["drcd_en"]["false_refusals"], by["chat"]["false_refusals"]) == (0.0, 0.5)
    assert (by["drcd_en"]["refused_answer_cut"], by["chat"]["refused_answer_cut"]) == (0.5, 0.5)
    assert by["chat"]["questions"] == 4 and out["en"]["questions"] == 8
