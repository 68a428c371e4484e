"""Where an app process's memory goes: RSS (anonymous and file-backed) after opening a local
index part by part, then after Chinese and English questions.

    python benchmarks/memory.py WORK [--backend local-flat16] [--questions 5]

``WORK`` is a work directory of ``benchmarks/scale.py --keep`` (its ``questions.json`` and the
index folder named as the backend); retrieval runs with the scale benchmark's STAND-IN encoder,
as its probe does. Prints one line per step and writes JSON next to the index.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PARTS = ("db", "vectors", "chunk_vectors", "bm25", "sentence_chunks", "chunk_sentences")


def rss() -> dict[str, int]:
    """VmRSS, RssAnon and RssFile of this process, in MB (Linux /proc)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "RssAnon:", "RssFile:")):
            out[line.split(":")[0]] = int(line.split()[1]) // 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", type=Path)
    ap.add_argument("--backend", default="local-flat16")
    ap.add_argument("--questions", type=int, default=5, help="Chinese questions after the first (and as many English)")
    args = ap.parse_args()

    from benchmarks.scale import store_setting
    from benchmarks.synthetic import StandInEncoder
    from qa.assistant import Assistant
    from qa.settings import Settings

    qs = json.loads((args.work / "questions.json").read_text("utf-8"))
    steps = [{"step": "imported", "seconds": 0.0, **rss()}]
    bot = Assistant(Settings.load(env={}, **store_setting(args.work, args.backend)), encoder=StandInEncoder())
    store = bot.store

    def step(name: str, fn) -> None:
        t = time.perf_counter()
        fn()
        steps.append({"step": name, "seconds": time.perf_counter() - t, **rss()})
        print(f"{name:24s} {steps[-1]['seconds']:7.2f} s  {steps[-1]}", flush=True)

    for part in PARTS:
        step(part, lambda part=part: getattr(store, part))
    step("first Chinese question", lambda: bot.retrieve(qs["zh"][0]))
    step("first English question", lambda: bot.retrieve(qs["en"][0]))
    step(f"{args.questions} Chinese questions", lambda: [bot.retrieve(q) for q in qs["zh"][1:1 + args.questions]])
    step(f"{args.questions} English questions", lambda: [bot.retrieve(q) for q in qs["en"][1:1 + args.questions]])
    out = args.work / f"memory-{args.backend}.json"
    out.write_text(json.dumps({"index": str(args.work / args.backend), "steps": steps}, indent=2), "utf-8")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
