"""Cross-validate the span chooser on saved span examples, with and without features:
``python -m train.crossval SPANS.npz [--drop f1,f2 ...]``; or the found decision on saved
examples: ``python -m train.crossval --found EXAMPLES.npz [--drop f1,f2 ...]``.

The single ``test`` split of a training run holds ~700 questions, and the chooser's figure on it
moves by ±.015 between seeds; this reads every question instead. Questions are grouped into
``FOLDS`` folds by article (the first part of their id), so no article is on both sides; each
fold is scored by a ranker fitted on the others but one, which early-stops it (the shipped
settings of ``train.fit``). Reads training data only (the span examples ``python -m train
--examples FILE`` saves beside FILE, as ``*-spans.npz``).

    python -m train --chooser-only --examples /tmp/ex.npz --out /tmp/m.json   # saves /tmp/ex-spans.npz
    python -m train.crossval /tmp/ex-spans.npz --drop "" --drop left_piece,right_piece
    python -m train.crossval --found /tmp/ex.npz --drop "" --drop post   # the sentence and found boosters
    python -m train.crossval --found /tmp/ex.npz --drop "" --drop post --noise 2   # and chance's share

The found decision's figures on ``test`` (~180 English questions, ~50 of them on answer-cut
passages) move by several points between refits; ``--found`` scores every question by a
sentence booster and a found booster that never saw its article.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import numpy as np

FOLDS = 5
NOISE = "random_control"  # the column --noise adds


def fold_of(question_id: str, folds: int = FOLDS) -> int:
    """The fold of a question: by its article (DRCD ``1147-5-1`` -> ``1147``), stable across runs."""
    return zlib.crc32(question_id.split("-")[0].encode("utf-8")) % folds


def _folds(fold: np.ndarray, folds: int):
    """Per fold: the rows it scores, the fold after it (early stopping), and the rest (fitting)."""
    for k in range(folds):
        test, valid = fold == k, fold == (k + 1) % folds
        train = ~test & ~valid
        if not test.any():
            continue
        if not train.any() or not valid.any():
            raise ValueError(f"too few articles for {folds} folds")
        yield test, valid, train


def crossval(spans: dict, features: list[str], *, folds: int = FOLDS, seed: int = 7) -> dict:
    """Each question's best span by a chooser that never saw its article, reading ``features``
    (names of ``qa.shortanswer.CHOICE_FEATURES``): mean character F1 and exact match, and the F1
    of typed (who, when, where, how many, which organisation) and other questions."""
    from qa.shortanswer import CHOICE_FEATURES
    from train.fit import _best_span_figures, train_ranker

    unknown = [f for f in features if f not in CHOICE_FEATURES]
    if unknown:
        raise ValueError(f"not span features of this version: {', '.join(unknown)}")
    if spans["X"].shape[1] != len(CHOICE_FEATURES):
        raise ValueError(f"the span examples have {spans['X'].shape[1]} columns, this version computes "
                         f"{len(CHOICE_FEATURES)}: collect them again")
    cols = [CHOICE_FEATURES.index(f) for f in features]
    meta = spans["questions"]
    fold = np.array([fold_of(q["id"], folds) for q in meta])[spans["question"]]
    score = np.full(len(fold), -np.inf)
    for test, valid, train in _folds(fold, folds):
        ranker = train_ranker(spans, train, valid, features=features, seed=seed)
        score[test] = ranker.predict(spans["X"][test][:, cols])
    typed = np.array([bool(q.get("typed")) for q in meta])[spans["question"]]
    every = np.ones(len(fold), dtype=bool)
    return {**_best_span_figures(spans, score, every), "typed_f1": _best_span_figures(spans, score, typed)["f1"],
            "other_f1": _best_span_figures(spans, score, ~typed)["f1"]}


def crossval_found(ex, features: list[str], *, folds: int = FOLDS, noise: int | None = None) -> dict:
    """Per question language, the found decision scored out of fold: a sentence booster and a
    found booster (fitted as ``train.fit`` does, its training questions reading cross-fitted
    sentence scores) on all folds but two, early-stopped on one, scoring the last; the
    threshold refuses the language's budget share (``train.fit.BUDGETS``) of the questions on
    whole passages. Figures: false refusals, refused on answer-cut and on absent passages and
    on swapped questions, AUC (whole against cut and absent). Swapped questions and claims
    train, but only plain questions are in the figures.

    ``noise``: a control: also read a column of uniform random numbers (this seed). What it
    moves the figures by is what refitting with one more column moves them by; a feature that
    moves them no further has shown nothing."""
    from qa.features import FEATURES
    from train.examples import Examples
    from train.fit import BUDGETS, _auc, _fit_found, _rate, _train

    if unknown := [f for f in features if f not in FEATURES]:
        raise ValueError(f"not sentence features of this version: {', '.join(unknown)}")
    if ex.X.shape[1] != len(FEATURES):
        raise ValueError(f"the examples have {ex.X.shape[1]} columns, this version computes {len(FEATURES)}: "
                         "collect them again")
    meta = ex.questions
    kind = np.array([m.get("kind", "question") for m in meta])
    role, lang = (np.array([m[k] for m in meta]) for k in ("role", "lang"))
    qlabel = np.array([m["label"] for m in meta])
    fold = np.array([fold_of(m["id"], folds) for m in meta])
    is_q = kind != "claim"
    X = ex.X[:, [FEATURES.index(f) for f in features]]
    if noise is not None:
        X = np.hstack([X, np.random.RandomState(noise).rand(len(X), 1).astype(X.dtype)])
        features = [*features, NOISE]
    sub = Examples(X, ex.y, ex.question, meta)
    score = np.full(len(meta), np.nan)
    for test, valid, train in _folds(fold, folds):
        split = np.where(test, "test", np.where(valid, "calib", "train"))
        rtr, rva = train[ex.question], valid[ex.question]
        raw = _train(sub.X[rtr], ex.y[rtr], sub.X[rva], ex.y[rva], features).predict(sub.X)
        score[test] = _fit_found(sub, raw, split, is_q, qlabel, features)[1][test]
    out = {}
    for lg, budget in BUDGETS.items():
        scored = (lang == lg) & np.isfinite(score)
        m = scored & (kind == "question")
        whole = m & (role == "keep")
        if not whole.any():
            continue
        refused = score < float(np.quantile(score[whole], budget))
        plain = m & np.isin(role, ["keep", "cut", "drop"])
        out[lg] = {"questions": int(m.sum()), "false_refusals": _rate(refused, whole),
                   "refused_answer_cut": _rate(refused, m & (role == "cut")),
                   "refused_passage_dropped": _rate(refused, m & (role == "drop")),
                   "refused_noun_swapped": _rate(refused, scored & (role == "perturbed")),
                   "refused_attribute_swapped": _rate(refused, scored & (role == "attribute")),
                   "auc_found": round(_auc(score[plain], qlabel[plain]), 4)}
    return out


def main(argv: list[str] | None = None) -> int:
    from qa.shortanswer import CHOICE_FEATURES
    from train.examples import load_spans

    p = argparse.ArgumentParser(prog="python -m train.crossval", description=__doc__.splitlines()[0])
    p.add_argument("spans", type=Path, help="span examples (the -spans.npz that --examples saves), or with --found "
                   "the examples themselves (the .npz)")
    p.add_argument("--found", action="store_true", help="cross-validate the found decision (sentence features)")
    p.add_argument("--drop", action="append", default=None, metavar="F1,F2",
                   help="features to leave out (repeat for several runs; \"\" for all features)")
    p.add_argument("--folds", type=int, default=FOLDS)
    p.add_argument("--noise", type=int, default=0, metavar="N",
                   help="with --found, after each --drop run, N more with a column of random numbers added (seeds "
                        "1..N): how far one more column moves the figures by chance")
    args = p.parse_args(argv)
    if args.noise < 0 or (args.noise and not args.found):
        p.error("--noise takes a count of runs (0 or more), and only with --found")
    if not args.spans.is_file():
        p.error(f"no {'examples' if args.found else 'span examples'} at {args.spans}")
    if args.found:
        from qa.features import FEATURES
        from train.examples import Examples

        data, names, run = Examples.load(args.spans), FEATURES, crossval_found
    else:
        data, names, run = load_spans(args.spans), CHOICE_FEATURES, crossval
    for spec in args.drop or [""]:
        drop = [f for f in spec.split(",") if f]
        if unknown := [f for f in drop if f not in names]:
            p.error(f"not {'sentence' if args.found else 'span'} features of this version: {', '.join(unknown)}")
        kept = [f for f in names if f not in drop]
        for seed in [None, *range(1, args.noise + 1)]:
            try:
                figures = run(data, kept, folds=args.folds, **({} if seed is None else {"noise": seed}))
            except ValueError as e:
                print(e, file=sys.stderr)
                return 2
            control = "" if seed is None else f", with a random column (seed {seed})"
            print(f"without {', '.join(drop) or 'nothing'}{control}: {figures}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
