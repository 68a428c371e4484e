"""Choose a trained model's found calibration and thresholds again, on its own ``calib``
questions, without refitting it: ``python -m train --recalibrate --examples FILE.npz``.

The boosters stay bit for bit; the found booster's raw score per question is recomputed
from the saved examples (the sentence booster's scores, as at question time), its isotonic
calibration made strictly increasing (``train.fit.strictly_increasing``) and the thresholds
chosen again for the false-refusal budgets. Returns the changed model and the ``test``
figures before and after.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from train.examples import Examples
from train.fit import BUDGETS, _isotonic, apply, found_figures, found_matrix, found_thresholds, strictly_increasing


def found_raw(model: dict, ex: Examples) -> np.ndarray:
    """The found booster's raw score of every question of ``ex`` (claims included)."""
    from qa.scorer import AnswerModel

    m = AnswerModel(model)
    if m.found is None:
        raise ValueError("this model has no question-level found booster to recalibrate")
    return m.found.predict(found_matrix(ex, m.sentence_raw(ex.X), m.found_pool))


def recalibrate(model: dict, ex: Examples, budgets: dict[str, float] = BUDGETS) -> tuple[dict, dict]:
    """The model with its found calibration and thresholds chosen again, and a note of the
    ``test`` figures before and after (and the share of answerable ``calib`` questions refused)."""
    meta = ex.questions
    split, lang = np.array([q["split"] for q in meta]), np.array([q["lang"] for q in meta])
    label, answerable = np.array([q["label"] for q in meta]), np.array([q["answerable"] for q in meta])
    is_q = np.array([q.get("kind", "question") != "claim" for q in meta])
    fraw = found_raw(model, ex)
    calib = (split == "calib") & is_q
    old_cal, old_t = model["found"]["calibration"], model["thresholds"]["found"]
    cal = strictly_increasing(_isotonic(fraw[calib], label[calib]))
    qprob = apply(cal, fraw)
    held = calib & (answerable == 1)
    thresholds = found_thresholds(qprob, held, lang, budgets)
    before_p = apply(old_cal, fraw)

    def calib_refused(p: np.ndarray, t: dict) -> dict:
        masks = {lg: held & (lang == lg) for lg in t}
        return {lg: round(float((p[m] < t[lg]).mean()), 4) if m.any() else None for lg, m in masks.items()}

    note = {"date": dt.date.today().isoformat(), "budgets": budgets,
            "calib_false_refusals": {"before": calib_refused(before_p, old_t), "after": calib_refused(qprob, thresholds)},
            "test": {"before": found_figures(ex, before_p, old_t), "after": found_figures(ex, qprob, thresholds)}}
    out = {**model, "found": {**model["found"], "calibration": cal},
           "thresholds": {**model["thresholds"], "found": thresholds},
           "version": f"{str(model.get('version', '')).split('+found-cal')[0]}+found-cal-{note['date']}"}
    out["trained"] = {**model.get("trained", {}), "found_recalibrated": note}
    return out, note
