"""Learn which question words ask for which kind of answer, from the training
answers: ``python -m train.kinds`` writes ``qa/lang/data/answer_cues_learned.txt``.

The hand-written cues (``answer_cues.txt``) miss common forms (何年, 哪国, 哪一个人, 哪一个组织:
on the training data's held-out questions they type 60 % of the questions whose answer is a
person, place, organisation, date or number). Here every training question's cue keys (a
question word and the one to four characters after it, ``qa.query.cue_spans``) are counted
against the kind of its gold answer, as the annotator reads it in the answer's sentence
(``gold_kind``); a key is kept when at least ``MIN_QUESTIONS`` ``train``-split questions hold it
and at least ``MIN_SHARE`` of them have answers of one kind (a key whose shorter prefix already
says the same kind is left out: the longest key wins at question time). Figures on the
``calib`` and ``test`` splits (held out) are printed and written into the file's header.
English keys are which / what / how and the word after it, learned from the English versions
of DRCD questions (all of ``train/data/drcd_en.jsonl``). Only training data is read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from qa.lang.resources import DATA_DIR

MIN_QUESTIONS = 5  # train-split questions a key must occur in
MIN_SHARE = 0.5  # of them, the share whose answers are of its kind
OUT = DATA_DIR / "answer_cues_learned.txt"
KINDS = {"person": "person", "place": "place", "org": "org", "date": "date", "quantity": "number"}
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def gold_kind(context: str, answer: str, offset: int) -> str | None:
    """The answer type (``qa.query.answer_type``'s names) of a gold answer: the kind of the
    annotator's mention that covers at least 80 % of it and is at least half answer; None
    when no mention does (an answer that is a phrase, a thing, a reason)."""
    from qa.annotate import annotate_text

    start = max((m.end() for m in _SENTENCE_END.finditer(context, 0, offset)), default=0)
    end = _SENTENCE_END.search(context, offset + len(answer))
    sentence = context[start:end.end() if end else len(context)]
    a0, a1 = offset - start, offset - start + len(answer)
    for m in annotate_text(sentence):
        overlap = min(m.end, a1) - max(m.start, a0)
        if overlap > 0 and overlap >= 0.8 * (a1 - a0) and overlap >= 0.5 * (m.end - m.start):
            return KINDS.get(m.kind)
    return None


def keys(question: str, language: str = "zh") -> set[str]:
    from qa.query import cue_spans

    q = question.lower() if language == "en" else question
    return {q[s:e] for s, e in cue_spans(q, language)}


def learn(rows: Iterable[tuple[str, str | None]], *, language: str = "zh", min_questions: int = MIN_QUESTIONS,
          min_share: float = MIN_SHARE) -> dict[str, tuple[str, int, float]]:
    """``key -> (kind, questions, share)`` from (question, gold kind or None) pairs."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for question, kind in rows:
        for k in keys(question, language):
            counts[k][kind or "other"] += 1
    kept: dict[str, tuple[str, int, float]] = {}
    for k in sorted(counts, key=lambda k: (len(k), k)):
        n = sum(counts[k].values())
        kind, top = counts[k].most_common(1)[0]
        if n < min_questions or kind == "other" or top / n < min_share:
            continue
        parent = next((k[:i] for i in range(len(k) - 1, 0, -1) if k[:i] in kept), None)
        if parent is not None and kept[parent][0] == kind:
            continue
        kept[k] = (kind, n, round(top / n, 3))
    return kept


def figures(rows: Sequence[tuple[str, str | None]], typer) -> dict[str, float | int]:
    """How a typer (question -> kind or None) does against gold kinds: the share of typed
    answers it types right (recall) and, of its types where the gold kind is known, the share right."""
    right = wrong = gold = typed = 0
    for question, kind in rows:
        t = typer(question)
        typed += t is not None
        gold += kind is not None
        right += t is not None and t == kind
        wrong += t is not None and kind is not None and t != kind
    return {"questions": len(rows), "typed": typed, "recall": round(right / max(gold, 1), 3),
            "precision": round(right / max(right + wrong, 1), 3)}


def render(tables: dict[str, dict[str, tuple[str, int, float]]], note: Sequence[str]) -> str:
    lines = ["# Answer kinds of question words, learned from the training answers by "
             "`python -m train.kinds` (DRCD, CMRC 2018 trial, the English DRCD questions; never evaluation data)",
             "# <kind> <language> <key> <train questions> <share of them with answers of that kind>",
             *(f"# {line}" for line in note)]
    for lang, table in tables.items():
        lines += [f"{kind} {lang} {k} {n} {share}" for k, (kind, n, share) in sorted(table.items(), key=lambda x: (x[1][0], x[0]))]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m train.kinds", description=__doc__.split("\n\n")[0])
    ap.add_argument("--min-questions", type=int, default=MIN_QUESTIONS)
    ap.add_argument("--min-share", type=float, default=MIN_SHARE)
    ap.add_argument("--passages", type=int, default=None, help="only the first N passages (a quick look)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if args.min_questions < 1 or not 0 < args.min_share <= 1:
        print("--min-questions must be ≥ 1 and --min-share in (0, 1]", file=sys.stderr)
        return 2
    from qa.query import answer_type
    from train.__main__ import _write
    from train.data import load_passages

    rows: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
    for p in load_passages(english_limit=None)[:args.passages]:
        for q in p.questions:
            text, offset = q.answers[0]
            rows[q.lang, "train" if p.split == "train" else "held"].append((q.text, gold_kind(p.context, text, offset)))
    tables, note = {}, [f"{dt.date.today().isoformat()}: keys in ≥ {args.min_questions} train-split questions with "
                        f"≥ {args.min_share} of them of one kind; held out: the calib and test splits"]
    for lang in ("zh", "en"):
        tables[lang] = table = learn(rows[lang, "train"], language=lang, min_questions=args.min_questions,
                                     min_share=args.min_share)
        cues = {k: kind for k, (kind, _, _) in table.items()}
        hand = figures(rows[lang, "held"], partial(answer_type, language=lang, learned={}))
        both = figures(rows[lang, "held"], partial(answer_type, language=lang, learned=cues))
        note.append(f"{lang}: {len(rows[lang, 'train'])} train-split questions, {len(table)} keys; held out "
                    f"({hand['questions']} questions): typed answers typed right {hand['recall']} with the hand-written "
                    f"cues, {both['recall']} with these as well; of the types given where the gold kind is known, "
                    f"right {hand['precision']} and {both['precision']}")
    for line in note:
        print(line)
    _write(args.out, render(tables, note))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
