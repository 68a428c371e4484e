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
from train.fit import BUDGETS, _auc, _isotonic, apply, ece, strictly_increasing


def found_raw(model: dict, ex: Examples) -> np.ndarray:
    """The found booster's raw score of every question of ``ex`` (claims included)."""
    from qa.scorer import AnswerModel, found_features

    m = AnswerModel(model)
    if m.found is None:
        raise ValueError("this model has no question-level found booster to recalibrate")
    raw = m.sentence_raw(ex.X)
    order = np.argsort(ex.question, kind="stable")
    bounds = np.searchsorted(ex.question[order], np.arange(len(ex.questions) + 1))
    F = np.stack([found_features(raw[order[a:b]], ex.X[order[a:b]]) for a, b in zip(bounds, bounds[1:])])
    return m.found.predict(F)


def figures(qprob: np.ndarray, thresholds: dict, ex: Examples) -> dict:
    """Per language on ``test``: false refusals, refusals by role, AUC and ECE at ``thresholds``."""
    meta = ex.questions
    split, lang, role = (np.array([q[k] for q in meta]) for k in ("split", "lang", "role"))
    label = np.array([q["label"] for q in meta])
    is_q = np.array([q.get("kind", "question") != "claim" for q in meta])
    out = {}
    for lg in ("zh", "en"):
        m = (split == "test") & (lang == lg) & is_q
        refused = qprob < thresholds[lg]

        def rate(mask, refused=refused):
            return round(float(refused[mask].mean()), 4) if mask.any() else None

        out[lg] = {"threshold": round(float(thresholds[lg]), 4), "false_refusals": rate(m & (role == "keep")),
                   "refused_answer_cut": rate(m & (role == "cut")), "refused_passage_dropped": rate(m & (role == "drop")),
                   "auc_found": round(_auc(qprob[m], label[m]), 4), "ece": round(ece(qprob[m], label[m])[0], 4)}
    return out


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
    thresholds = {}
    for lg, budget in budgets.items():
        m = calib & (lang == lg) & (answerable == 1)
        thresholds[lg] = float(np.quantile(qprob[m], budget)) if m.any() else float(old_t.get(lg, 0.5))
    before_p = apply(old_cal, fraw)

    def calib_refused(p: np.ndarray, t: dict) -> dict:
        masks = {lg: calib & (lang == lg) & (answerable == 1) for lg in t}
        return {lg: round(float((p[m] < t[lg]).mean()), 4) if m.any() else None for lg, m in masks.items()}

    note = {"date": dt.date.today().isoformat(), "budgets": budgets,
            "calib_false_refusals": {"before": calib_refused(before_p, old_t), "after": calib_refused(qprob, thresholds)},
            "test": {"before": figures(before_p, old_t, ex), "after": figures(qprob, thresholds, ex)}}
    out = {**model, "found": {**model["found"], "calibration": cal},
           "thresholds": {**model["thresholds"], "found": thresholds},
           "version": f"{str(model.get('version', '')).split('+found-cal')[0]}+found-cal-{note['date']}"}
    out["trained"] = {**model.get("trained", {}), "found_recalibrated": note}
    return out, note
