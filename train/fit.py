"""Fit the answer model: a LightGBM span scorer and sentence scorer on the ``train``
split, isotonic calibration and thresholds on ``calib``, figures on ``test``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

from train.examples import Examples

PARAMS = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 40,
          "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
          "verbose": -1, "seed": 7, "num_threads": 2, "deterministic": True, "force_row_wise": True}
ROUNDS = 600
EARLY_STOP = 40
SEED_FOLDS = 11
# false-refusal budgets (the answers issue allows 5 % in Chinese, 10 % in English): the share of
# answerable questions (their passage is in the corpus,
# untouched) that may be refused, per question language
BUDGETS = {"zh": 0.05, "en": 0.10}
SHORT_PRECISION = 0.5  # the least mean character F1 of the short answers shown


def _train(X, y, Xv, yv, names):
    import lightgbm as lgb

    train = lgb.Dataset(X, y, free_raw_data=False, feature_name=list(names))
    if not len(yv) or len(set(yv.tolist())) < 2:  # a tiny slice: no validation data to stop early on
        return lgb.train(PARAMS, train, ROUNDS // 6)
    valid = lgb.Dataset(Xv, yv, reference=train)
    return lgb.train(PARAMS, train, ROUNDS, valid_sets=[valid], callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)])


def _isotonic(raw: np.ndarray, y: np.ndarray) -> dict:
    from sklearn.isotonic import IsotonicRegression

    if len(set(np.asarray(y).tolist())) < 2:  # nothing to calibrate on (a tiny slice): the identity
        return {"x": [0.0, 1.0], "y": [0.0, 1.0]}
    ir = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
    return {"x": [float(v) for v in ir.X_thresholds_], "y": [float(v) for v in ir.y_thresholds_]}


def strictly_increasing(cal: dict) -> dict:
    """An isotonic calibration's steps as a strictly increasing map: linear between the centres
    of its steps, and from half a step below the first to half a step above the last, so that
    no two scores in its range share a probability (but where the steps reach 0 or 1). A threshold on the probability then refuses
    the share of calibration questions it was chosen for: on isotonic's flat steps a whole step
    of questions ties with it (three refits of the found booster with LightGBM seeds 7 / 8 / 9
    refused 4.0 / 4.3 / 0.3 % of the answerable Chinese calib questions for a 5 % budget, and
    48.9 / 48.5 / 18.4 % of the answer-cut test questions; on the raw scores 5.0 % and 49.8 / 50.2 /
    49.2 %)."""
    x, y = np.asarray(cal["x"], dtype=float), np.asarray(cal["y"], dtype=float)
    cx, cy, i = [], [], 0
    while i < len(y):
        j = i
        while j + 1 < len(y) and y[j + 1] == y[i]:
            j += 1
        cx.append((x[i] + x[j]) / 2)
        cy.append(y[i])
        i = j + 1
    if len(cx) < 2:
        return cal
    lo = max(0.0, cy[0] - (cy[1] - cy[0]) / 2)
    hi = min(1.0, cy[-1] + (cy[-1] - cy[-2]) / 2)
    below, above = int(x[0] < cx[0]), int(x[-1] > cx[-1])
    xs = [float(x[0])] * below + cx + [float(x[-1])] * above
    ys = [lo] * below + cy + [hi] * above
    return {"x": [float(v) for v in xs], "y": [float(v) for v in ys]}


def apply(cal: dict, raw: np.ndarray) -> np.ndarray:
    return np.clip(np.interp(raw, cal["x"], cal["y"]), 0.0, 1.0)


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[float, list[dict]]:
    """Expected calibration error over equal-width bins, and the bins (for a reliability diagram)."""
    edges = np.linspace(0, 1, bins + 1)
    out, total = [], 0.0
    for lo, hi in zip(edges, edges[1:]):
        m = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if m.any():
            total += m.sum() / len(p) * abs(p[m].mean() - y[m].mean())
            out.append({"lo": float(lo), "hi": float(hi), "n": int(m.sum()), "p": float(p[m].mean()),
                        "y": float(y[m].mean())})
    return float(total), out


def _per_question_max(values: np.ndarray, question: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, question, values)
    out[~np.isfinite(out)] = 0.0
    return out


# ------------------------------------------------------------------ spans

def fit_spans(spans: dict) -> tuple[dict, Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray], dict]:
    """The span boosters and their calibrations: a scorer (is this span its sentence's answer?)
    that the sentence features read, and a chooser (which of a question's spans is its
    answer?) that picks the short answer; test figures of both."""
    from qa.shortanswer import CHOICE_FEATURES, SPAN_FEATURES

    split = np.array([spans["questions"][qi]["split"] for qi in spans["question"]])
    tr, ca, te = (split == s for s in ("train", "calib", "test"))
    own = slice(0, len(SPAN_FEATURES))  # the scorer reads the first columns, the chooser all
    # the scorer never sees spans the chooser alone reads (runs with the asked noun: qa.features.best_spans)
    plain = ~spans.get("headed", np.zeros(len(split), bool))
    s_tr, s_ca = tr & plain, ca & plain
    booster = _train(spans["X"][s_tr][:, own], spans["y"][s_tr], spans["X"][s_ca][:, own], spans["y"][s_ca], SPAN_FEATURES)
    cal = _isotonic(booster.predict(spans["X"][s_ca][:, own]), spans["y"][s_ca])
    ranker = train_ranker(spans, tr, ca)
    rank_cal = _isotonic(ranker.predict(spans["X"][ca]), spans["y"][ca])
    block = {"features": list(SPAN_FEATURES), "model": booster.model_to_string(), "calibration": cal,
             "choice": {"features": list(CHOICE_FEATURES), "model": ranker.model_to_string(), "calibration": rank_cal}}
    scorer = lambda X: apply(cal, booster.predict(X[:, own]))  # noqa: E731
    chooser = lambda X: apply(rank_cal, ranker.predict(X))  # noqa: E731
    report = {"scorer": _best_span_figures(spans, scorer(spans["X"]), te & plain),
              "chooser": _best_span_figures(spans, chooser(spans["X"]), te)}
    return block, scorer, chooser, report


# graded relevance of a span for the chooser: an exact answer 4, else its character F1 in thirds
RANK_GAIN = [0, 1, 3, 7, 15]


def span_grades(y: np.ndarray, f1: np.ndarray) -> np.ndarray:
    return np.where(y == 1, len(RANK_GAIN) - 1, np.floor(np.clip(f1, 0, 1) * 3)).astype(np.int32)


def train_ranker(spans: dict, tr: np.ndarray, ca: np.ndarray, *, features: Sequence[str] | None = None,
                 seed: int | None = None):
    """A LambdaMART ranker over each question's spans (graded by character F1 with the gold
    answer): it learns which span of a question is the answer, not whether a span looks like one.
    ``features``: the columns it reads (default: every one, ``CHOICE_FEATURES``)."""
    import lightgbm as lgb

    from qa.shortanswer import CHOICE_FEATURES

    names = list(features if features is not None else CHOICE_FEATURES)
    X = spans["X"] if features is None else spans["X"][:, [CHOICE_FEATURES.index(f) for f in names]]
    grades = span_grades(spans["y"], spans["f1"])
    params = {**PARAMS, "objective": "lambdarank", "label_gain": RANK_GAIN, "lambdarank_truncation_level": 10,
              "eval_at": [1], "metric": "ndcg", **({"seed": seed} if seed is not None else {})}

    def dataset(m, reference=None):
        q = spans["question"][m]
        order = np.argsort(q, kind="stable")  # LightGBM groups are runs of one question
        _, sizes = np.unique(q[order], return_counts=True)
        return lgb.Dataset(X[m][order], grades[m][order], group=sizes, reference=reference,
                           free_raw_data=False, feature_name=names)

    train = dataset(tr)
    if not ca.any() or len(set(spans["y"][ca].tolist())) < 2:  # a tiny slice: no validation data
        return lgb.train(params, train, ROUNDS // 6)
    return lgb.train(params, train, ROUNDS, valid_sets=[dataset(ca, train)],
                     callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)])


def _best_span_figures(spans: dict, prob: np.ndarray, rows: np.ndarray) -> dict:
    best: dict[int, int] = {}
    for i in np.flatnonzero(rows):
        qi = int(spans["question"][i])
        if qi not in best or prob[i] > prob[best[qi]]:
            best[qi] = int(i)
    return {"questions": len(best), "f1": _mean(spans["f1"][i] for i in best.values()),
            "em": _mean(float(spans["y"][i]) for i in best.values())}


def _mean(values) -> float | None:
    xs = list(values)
    return round(float(np.mean(xs)), 4) if xs else None


# ------------------------------------------------------------------ sentences and the decision

def fit(ex: Examples, *, span_block: dict, spans: dict, span_chooser, version: str | None = None,
        budgets: dict[str, float] = BUDGETS) -> tuple[dict, dict]:
    """The model file's content and the training report."""
    from qa.annotate import ANNOTATION_VERSION
    from qa.features import FEATURES
    from qa.scorer import MODEL_FORMAT

    meta = ex.questions
    n_q = len(meta)
    split = np.array([m["split"] for m in meta])
    lang = np.array([m["lang"] for m in meta])
    qlabel = np.array([m["label"] for m in meta])
    answerable = np.array([m["answerable"] for m in meta])
    kind = np.array([m.get("kind", "question") for m in meta])
    is_q = kind != "claim"  # questions, and questions with a noun swapped (never answered)
    row_split = split[ex.question]
    tr, ca = row_split == "train", row_split == "calib"

    booster = _train(ex.X[tr], ex.y[tr], ex.X[ca], ex.y[ca], FEATURES)
    raw = booster.predict(ex.X)
    row_q = is_q[ex.question]
    sentence_cal = _isotonic(raw[ca & row_q], ex.y[ca & row_q])
    sprob = apply(sentence_cal, raw)
    qraw = _per_question_max(raw, ex.question, n_q)  # claims are decided by their best sentence
    qcal = (split == "calib") & is_q
    found_block, fraw = _fit_found(ex, raw, split, is_q, qlabel)
    found_cal = strictly_increasing(_isotonic(fraw[qcal], qlabel[qcal]))
    qprob = apply(found_cal, fraw)

    thresholds: dict = {"found": found_thresholds(qprob, qcal & (answerable == 1), lang, budgets)}

    # claims: the same sentence scores, calibrated on claims; the threshold that best separates
    # true claims whose passages hold them from false ones (balanced accuracy)
    ccal = (split == "calib") & (kind == "claim")
    claim_cal = _isotonic(qraw[ccal], qlabel[ccal]) if ccal.any() else found_cal
    cprob = apply(claim_cal, qraw)
    thresholds["claim"] = _balanced_threshold(cprob[ccal], qlabel[ccal]) if ccal.any() else 0.5
    thresholds["quote"] = _quote_threshold(sprob, ex.y, ex.question, qcal, qlabel)
    thresholds["short"] = short_thresholds(spans, span_chooser, sprob, ex, "calib")
    # another span joins the short answer (a list: the people met on a trip) when it is of the
    # same kind, in a quoted sentence, and more likely than not its sentence's answer: the
    # decision point of a calibrated probability (the training data has no list answers)
    thresholds["short_more"] = 0.5
    qprob = np.where(is_q, qprob, cprob)

    model = {
        "format": MODEL_FORMAT, "version": version or dt.date.today().isoformat(),
        "annotation_version": ANNOTATION_VERSION,
        "sentence": {"features": list(FEATURES), "model": booster.model_to_string(), "calibration": sentence_cal},
        "found": {**found_block, "calibration": found_cal}, "claim": {"calibration": claim_cal}, "span": span_block,
        "thresholds": thresholds, "trained": {"date": dt.date.today().isoformat(), "budgets": budgets},
    }
    report = _report(ex, raw, qprob, thresholds, booster)
    report["budgets"] = budgets
    report["short_test"] = short_figures(spans, span_chooser, sprob, ex, thresholds["short"])
    model["trained"].update({k: report[k] for k in ("sizes", "test")})
    return model, report


FOUND_FOLDS = 2  # the found booster learns from sentence scores of boosters that never saw the question


def _fit_found(ex: Examples, raw: np.ndarray, split: np.ndarray, is_q: np.ndarray,
               qlabel: np.ndarray, names: Sequence[str] | None = None) -> tuple[dict, np.ndarray]:
    """The question-level found booster (``qa.scorer.found_features``) and its raw score per
    question. Its ``train`` rows read sentence scores cross-fitted in ``FOUND_FOLDS`` folds of
    the training questions (the final sentence booster has seen them: its scores there are
    too good); ``calib`` and ``test`` read the final booster's, as at question time.
    ``names``: the sentence features ``ex.X`` holds (default: every one, ``FEATURES``)."""
    from qa.features import FEATURES
    from qa.scorer import FOUND_HEAD, found_feature_names

    features = tuple(names) if names is not None else FEATURES

    n_q = len(split)
    row_split = split[ex.question]
    tr, ca = row_split == "train", row_split == "calib"
    fold = np.random.RandomState(SEED_FOLDS).randint(0, FOUND_FOLDS, n_q)[ex.question]
    seen = raw.copy()
    for f in range(FOUND_FOLDS):
        fit_rows, held = tr & (fold != f), tr & (fold == f)
        seen[held] = _train(ex.X[fit_rows], ex.y[fit_rows], ex.X[ca], ex.y[ca], features).predict(ex.X[held])
    F = found_matrix(ex, seen)
    found_names = found_feature_names(features)
    qtr, qca = (split == "train") & is_q, (split == "calib") & is_q
    booster = _train(F[qtr], qlabel[qtr], F[qca], qlabel[qca], found_names)
    # fitted on each question's own candidate count, answered at the training questions' median (found_features)
    count = FOUND_HEAD.index("n_candidates")
    pool = float(np.median(F[qtr, count])) if qtr.any() else None
    if pool is not None:
        F[:, count] = pool
    return {"features": list(found_names), "model": booster.model_to_string(), "pool": pool}, booster.predict(F)


def found_thresholds(qprob: np.ndarray, answerable_calib: np.ndarray, lang: np.ndarray,
                     budgets: dict[str, float]) -> dict[str, float]:
    """Per language, the found probability under which that language's budget share of the
    answerable ``calib`` questions falls (all languages' when it has none; 0.5 with none at all)."""
    out = {}
    for lg, budget in budgets.items():
        m = answerable_calib & (lang == lg)
        if not m.any():
            m = answerable_calib
        out[lg] = float(np.quantile(qprob[m], budget)) if m.any() else 0.5
    return out


def found_matrix(ex: Examples, raw: np.ndarray, pool: float | None = None) -> np.ndarray:
    """The question-level found features (``qa.scorer.found_features``) of every question of
    ``ex``, from its candidates' raw sentence scores ``raw`` (``pool``: the candidate count to give)."""
    from qa.scorer import found_features

    order = np.argsort(ex.question, kind="stable")
    bounds = np.searchsorted(ex.question[order], np.arange(len(ex.questions) + 1))
    return np.stack([found_features(raw[order[a:b]], ex.X[order[a:b]], pool) for a, b in zip(bounds, bounds[1:])])


def _balanced_threshold(p: np.ndarray, y: np.ndarray) -> float:
    best_t, best = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 37):
        pos, neg = y == 1, y == 0
        tpr = float((p[pos] >= t).mean()) if pos.any() else 0.0
        tnr = float((p[neg] < t).mean()) if neg.any() else 0.0
        if (tpr + tnr) / 2 > best:
            best_t, best = float(t), (tpr + tnr) / 2
    return round(best_t, 3)


def _quote_threshold(sprob, y, question, qmask, qlabel) -> float:
    """The sentence probability from which a sentence is quoted beside the best one: the one
    that best recovers the sentences holding the answer (mean F1 per question)."""
    best_t, best_f = 0.5, -1.0
    rows_of = {int(qi): np.flatnonzero(question == qi) for qi in np.flatnonzero(qmask & (qlabel == 1))}
    for t in np.linspace(0.1, 0.9, 17):
        f1s = []
        for rows in rows_of.values():
            p = sprob[rows]
            chosen = p >= t
            chosen[np.argmax(p)] = True
            gold = y[rows] == 1
            tp = (chosen & gold).sum()
            f1s.append(2 * tp / (chosen.sum() + gold.sum()) if tp else 0.0)
        f = float(np.mean(f1s)) if f1s else 0.0
        if f > best_f:
            best_t, best_f = float(t), f
    return round(best_t, 3)


def _span_choices(spans, span_chooser, sprob, ex: Examples | None, which: str, typed: bool | None = None):
    """Per question of ``which`` split (and kind: typed or not): (best span row, its
    probability times its sentence's). The sentence's probability is the sentence model's on
    ``ex`` (``sprob`` per example row), or, with no ``ex``, the one the span rows carry
    (``sentence_prob``: the base model's, collected for ``--chooser-only``). Any span may answer
    a typed question: the chooser weighs whether it is an annotation of the kind asked
    (``type_match``). The two rules that run time adds (``qa.extractive.can_answer``: a count in
    a named unit, an English typed question) are not applied here: the saved span rows do not
    say whether a question names a unit."""
    if ex is not None:
        index = {m["id"]: qi for qi, m in enumerate(ex.questions)
                 if m.get("kind", "question") == "question" and not m.get("paired")}
        starts = np.searchsorted(ex.question, np.arange(len(ex.questions)))
    prob = span_chooser(spans["X"])
    best: dict[int, tuple[int, float]] = {}
    for i, (sq, k) in enumerate(zip(spans["question"], spans["sentence"])):
        meta = spans["questions"][sq]
        if meta["split"] != which or (typed is not None and meta["typed"] != typed):
            continue
        if ex is None:
            p = float(prob[i] * spans["sentence_prob"][i])
        elif meta["id"] in index:
            p = float(prob[i] * sprob[starts[index[meta["id"]]] + k])
        else:
            continue
        if sq not in best or p > best[sq][1]:
            best[sq] = (i, p)
    return best


def has_sentence_probabilities(spans: dict) -> bool:
    """Whether the span rows carry their sentence's probability (collected with a base model)."""
    return "sentence_prob" in spans and bool(np.isfinite(spans["sentence_prob"]).all())


def short_thresholds(spans, span_chooser, sprob, ex: Examples | None, which: str = "calib") -> dict[str, float]:
    """Per kind of question (``typed``: who, when, where, how many, which organisation;
    ``other``), the probability from which a short answer heads the answer."""
    return {name: _short_threshold(_span_choices(spans, span_chooser, sprob, ex, which, typed), spans)
            for name, typed in (("typed", True), ("other", False))}


def _short_threshold(best: dict[int, tuple[int, float]], spans) -> float:
    """The one that maximises the mean character F1 of what the answer shows first (the
    short answer, else its best sentence), among those whose shown short answers are
    mostly right (mean F1 at least SHORT_PRECISION): a wrong headline is worse than none."""
    best_t, best_f = 1.0, -1.0
    for t in np.linspace(0.0, 0.95, 20):
        shown = [spans["f1"][i] for i, p in best.values() if p >= t]
        if not shown or np.mean(shown) < SHORT_PRECISION:
            continue
        f = np.mean([spans["f1"][i] if p >= t else spans["sentence_f1"][i] for i, p in best.values()])
        if f > best_f + 1e-9:
            best_t, best_f = float(t), float(f)
    return round(best_t, 3)


def short_figures(spans, span_chooser, sprob, ex: Examples | None, thresholds: dict) -> dict:
    best = _span_choices(spans, span_chooser, sprob, ex, "test")
    limit = {sq: thresholds["typed" if spans["questions"][sq]["typed"] else "other"] for sq in best}
    shown = [spans["f1"][i] if p >= limit[sq] else spans["sentence_f1"][i] for sq, (i, p) in best.items()]
    return {"questions": len(best), "f1_shown": _mean(shown), "f1_best_span": _mean(spans["f1"][i] for i, _ in best.values()),
            "em_best_span": _mean(float(spans["y"][i]) for i, _ in best.values()),
            "with_short_answer": _mean(float(p >= limit[sq]) for sq, (_, p) in best.items())}


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    pos, neg = score[y == 1], score[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _rate(flags: np.ndarray, mask: np.ndarray) -> float | None:
    return round(float(flags[mask].mean()), 4) if mask.any() else None


def found_figures(ex: Examples, qprob: np.ndarray, thresholds: dict[str, float]) -> dict:
    """Per question language, on ``test``: what the found ``thresholds`` refuse, by the role of
    the question's passage, and the found probability's AUC, ECE and reliability bins."""
    meta = ex.questions
    split, lang, role = (np.array([m[k] for m in meta]) for k in ("split", "lang", "role"))
    writer = np.array([m.get("writer") or "drcd_en" for m in meta])  # (drcd_en: ENGLISH's questions)
    qlabel = np.array([m["label"] for m in meta])
    is_q = np.array([m.get("kind", "question") != "claim" for m in meta])
    out = {}
    for lg in ("zh", "en"):
        m = (split == "test") & (lang == lg) & is_q
        t = thresholds[lg]
        refused = qprob < t
        row = {"questions": int(m.sum()), "threshold": round(t, 4),
               "false_refusals": _rate(refused, m & (role == "keep")),
               "refused_answer_cut": _rate(refused, m & (role == "cut")),
               "refused_passage_dropped": _rate(refused, m & (role == "drop")),
               "refused_noun_swapped": _rate(refused, m & (role == "perturbed")),
               "refused_attribute_swapped": _rate(refused, m & (role == "attribute")),
               "auc_found": round(_auc(qprob[m], qlabel[m]), 4)}
        e, bins = ece(qprob[m], qlabel[m])
        row["ece"] = round(e, 4)
        row["reliability"] = bins
        if lg == "en" and len(set(writer[m])) > 1:  # the shift between question writers, at the same threshold
            row["by_writer"] = {}
            for w in sorted(set(writer[m])):
                mw = m & (writer == w)
                row["by_writer"][w] = {"questions": int(mw.sum()),
                                       "false_refusals": _rate(refused, mw & (role == "keep")),
                                       "refused_answer_cut": _rate(refused, mw & (role == "cut")),
                                       "auc_found": round(_auc(qprob[mw], qlabel[mw]), 4)}
        out[lg] = row
    return out


def _report(ex, raw, qprob, thresholds, booster) -> dict:
    meta = ex.questions
    split = np.array([m["split"] for m in meta])
    lang = np.array([m["lang"] for m in meta])
    qlabel = np.array([m["label"] for m in meta])
    kind = np.array([m.get("kind", "question") for m in meta])
    is_q = kind != "claim"
    sizes = {s: {"questions": int(((split == s) & (kind == "question")).sum()),
                 "zh": int(((split == s) & (lang == "zh") & (kind == "question")).sum()),
                 "en": int(((split == s) & (lang == "en") & (kind == "question")).sum()),
                 "swapped": int(((split == s) & (kind == "perturbed")).sum()),
                 "claims": int(((split == s) & (kind == "claim")).sum()),
                 "sentences": int((split[ex.question] == s).sum())} for s in ("train", "calib", "test")}
    test: dict = {}
    claims = (split == "test") & ~is_q
    if claims.any():
        t = thresholds["claim"]
        kept = qprob >= t
        test["claims"] = {"n": int(claims.sum()), "threshold": t, "true_kept": _rate(kept, claims & (qlabel == 1)),
                          "false_dropped": _rate(~kept, claims & (qlabel == 0))}
    test.update(found_figures(ex, qprob, thresholds["found"]))
    top1 = []
    for qi in np.flatnonzero((split == "test") & (qlabel == 1) & (kind == "question")):
        rows = np.flatnonzero(ex.question == qi)
        top1.append(ex.y[rows[np.argmax(raw[rows])]] == 1)
    test["sentence_top1"] = round(float(np.mean(top1)), 4) if top1 else None
    importance = dict(sorted(zip(booster.feature_name(), booster.feature_importance("gain").tolist()),
                             key=lambda x: -x[1])[:15])
    return {"sizes": sizes, "test": test, "thresholds": thresholds,
            "importance": {k: round(v, 1) for k, v in importance.items()}}


