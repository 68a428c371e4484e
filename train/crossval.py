"""Cross-validate the span chooser on saved span examples, with and without features:
``python -m train.crossval SPANS.npz [--drop f1,f2 ...]``.

The single ``test`` split of a training run holds ~700 questions, and the chooser's figure on it
moves by ±.015 between seeds; this reads every question instead. Questions are grouped into
``FOLDS`` folds by article (the first part of their id), so no article is on both sides; each
fold is scored by a ranker fitted on the others but one, which early-stops it (the shipped
settings of ``train.fit``). Reads training data only (the span examples ``python -m train
--examples FILE`` saves beside FILE, as ``*-spans.npz``).

    python -m train --chooser-only --examples /tmp/ex.npz --out /tmp/m.json   # saves /tmp/ex-spans.npz
    python -m train.crossval /tmp/ex-spans.npz --drop "" --drop left_piece,right_piece
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import numpy as np

FOLDS = 5


def fold_of(question_id: str, folds: int = FOLDS) -> int:
    """The fold of a question: by its article (DRCD ``1147-5-1`` -> ``1147``), stable across runs."""
    return zlib.crc32(question_id.split("-")[0].encode("utf-8")) % folds


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
    for k in range(folds):
        test, valid = fold == k, fold == (k + 1) % folds
        train = ~test & ~valid
        if not test.any():
            continue
        if not train.any() or not valid.any():
            raise ValueError(f"too few articles for {folds} folds")
        ranker = train_ranker(spans, train, valid, features=features, seed=seed)
        score[test] = ranker.predict(spans["X"][test][:, cols])
    typed = np.array([bool(q.get("typed")) for q in meta])[spans["question"]]
    every = np.ones(len(fold), dtype=bool)
    return {**_best_span_figures(spans, score, every), "typed_f1": _best_span_figures(spans, score, typed)["f1"],
            "other_f1": _best_span_figures(spans, score, ~typed)["f1"]}


def main(argv: list[str] | None = None) -> int:
    from qa.shortanswer import CHOICE_FEATURES
    from train.examples import load_spans

    p = argparse.ArgumentParser(prog="python -m train.crossval", description=__doc__.splitlines()[0])
    p.add_argument("spans", type=Path, help="span examples (the -spans.npz that --examples saves)")
    p.add_argument("--drop", action="append", default=None, metavar="F1,F2",
                   help="features to leave out (repeat for several runs; \"\" for all features)")
    p.add_argument("--folds", type=int, default=FOLDS)
    args = p.parse_args(argv)
    if not args.spans.is_file():
        p.error(f"no span examples at {args.spans}")
    spans = load_spans(args.spans)
    for spec in args.drop or [""]:
        drop = [f for f in spec.split(",") if f]
        if unknown := [f for f in drop if f not in CHOICE_FEATURES]:
            p.error(f"not span features of this version: {', '.join(unknown)}")
        try:
            figures = crossval(spans, [f for f in CHOICE_FEATURES if f not in drop], folds=args.folds)
        except ValueError as e:
            print(e, file=sys.stderr)
            return 2
        print(f"without {', '.join(drop) or 'nothing'}: {figures}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
