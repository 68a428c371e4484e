"""How often the English follow-up rewrite finds a question's subject (``qa.lang.subject_en``),
on the English training questions only (``train/data/drcd_en.jsonl``, written for this project
from DRCD questions), with a random sample to read.

    python benchmarks/topics_en.py              # share with a subject, and 22 of them to read
    python benchmarks/topics_en.py --sample 50 --seed 3

Printed: the share of questions with a subject, by the first auxiliary kind among a question's
first nine words (a be, have or do word, checked in that order; "none": no auxiliary there, as when
the question word is the subject), then the sample: subject <- question. CMRC 2018 dev, the
seed set and the follow-up evaluation set are never read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parents[1] / "train" / "data" / "drcd_en.jsonl"


def main(argv: list[str] | None = None) -> int:
    from qa.lang.subject_en import grammar
    from qa.lang.subject_en import subject as topic_en

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=Path, default=QUESTIONS)
    ap.add_argument("--sample", type=int, default=22)
    ap.add_argument("--seed", type=int, default=2)
    args = ap.parse_args(argv)
    questions = [json.loads(line)["en"] for line in args.questions.read_text("utf-8").splitlines() if line.strip()]
    g = grammar()
    found = [(q, topic_en(q)) for q in questions]

    def built(q: str) -> str:
        words = [w.strip("?,.").lower() for w in q.split()[:9]]
        for role in ("be", "have", "do"):
            if any(w in g[role] for w in words[1:]):
                return role
        return "none"

    n, hit = Counter(), Counter()
    for q, t in found:
        n[built(q)] += 1
        hit[built(q)] += bool(t)
    print(f"{len(questions)} English training questions: a subject in {sum(hit.values()) / len(questions):.3f}")
    for role in ("be", "have", "do", "none"):
        if n[role]:
            print(f"  a {role:4} word in its first nine: {n[role]:5} questions, a subject in {hit[role] / n[role]:.3f}")
    rng = random.Random(args.seed)
    with_topic = [x for x in found if x[1]]
    print(f"\n{min(args.sample, len(with_topic))} of them at random (seed {args.seed}):")
    for q, t in rng.sample(with_topic, min(args.sample, len(with_topic))):
        print(f"  {t!r} <- {q}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
