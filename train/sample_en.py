"""Pick the DRCD questions to write English versions of (run once; the English is written by hand).

    python -m train.sample_en > train/data/drcd_en_todo.jsonl

A seeded random sample of at most one question per passage, from DRCD dev and test,
converted to Simplified Chinese, with its answer and answer sentence for the writer's context.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "drcd"
N = 2000  # the draw is a prefix: its first rows are those written first (N was 400, then 1,200)
SEED = 2026


def main() -> None:
    import opencc

    t2s = opencc.OpenCC("t2s")
    rows = []
    for split in ("dev", "test"):
        data = json.loads((SHARED / f"DRCD_{split}.json").read_text("utf-8"))
        for entry in data["data"]:
            for para in entry["paragraphs"]:
                ctx = para["context"]
                qas = [q for q in para["qas"] if q["answers"]]
                if not qas:
                    continue
                rows.append((split, entry["title"], ctx, qas))
    rng = random.Random(SEED)
    rng.shuffle(rows)
    for split, title, ctx, qas in rows[:N]:
        q = rng.choice(qas)
        a = q["answers"][0]
        s = a["answer_start"]
        left = max(ctx.rfind(p, 0, s) for p in "。！？") + 1
        right = min([i for i in (ctx.find(p, s) for p in "。！？") if i >= 0] or [len(ctx)]) + 1
        print(json.dumps({"id": q["id"], "split": split, "title": t2s.convert(title), "zh": t2s.convert(q["question"]),
                          "answer": t2s.convert(a["text"]), "sentence": t2s.convert(ctx[left:right])},
                         ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
