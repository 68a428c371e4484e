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
