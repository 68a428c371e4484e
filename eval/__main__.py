"""Evaluate the QA system: ``python -m eval run ...`` and ``python -m eval compare ...``.

    python -m eval run --dataset seed
    python -m eval run --dataset all                   # every dataset (DatasetName)
    python -m eval run --dataset followups             # follow-ups with / without history (eval.followups)
    python -m eval compare --dataset seed --retriever dense,bm25,hybrid
    python -m eval diff eval/reports/seed eval/results/RUN   # the questions two runs answered differently

Every value option of ``compare`` takes a comma-separated list; every
combination is run.  See docs/eval.md.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

from eval.datasets import ROOT, DatasetName
from eval.runner import Config

DEFAULT_OUT = ROOT / "eval" / "results"
CONFIG_OPTIONS = tuple((name, type(getattr(Config, name)), getattr(Config, name))
                       for name in ("encoder", "retriever", "top_k", "chunk_size", "vector_index", "store", "generator"))


def _datasets(value: str) -> list[DatasetName]:
    names = [v for v in value.split(",") if v.strip()]
    if names == ["all"]:
        return list(DatasetName)
    return [DatasetName.parse(n) for n in names]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (("run", "evaluate one configuration; writes report.md, results.json and plots"),
                        ("compare", "evaluate several configurations; writes comparison.md and plots")):
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--dataset", default="seed", help="seed, cmrc2018, cmrc2018-en, cmrc2018-cut, time, followups, a comma-separated "
                       "list, or all (default: seed)")
        many = " (comma-separated list: every combination is run)" if name == "compare" else ""
        for option, _, default in CONFIG_OPTIONS:
            p.add_argument(f"--{option.replace('_', '-')}", default=str(default),
                           help=f"default: {default}{many}")
        p.add_argument("--limit", type=int, default=None,
                       help="answer at most N questions, a seeded sample (default: all, cmrc2018 500, "
                            "cmrc2018-cut 1000; 0 = all); "
                            "retrieval metrics always use every question")
        p.add_argument("--sample-seed", type=int, default=0, help="random seed of the --limit sample (default 0)")
        p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"results folder (default {DEFAULT_OUT})")
        p.add_argument("--name", help="run folder name inside --out (default: time, dataset and configuration)")
        p.add_argument("--cache", type=Path, default=ROOT / "eval" / ".cache", help="built-index cache folder")
        p.add_argument("--rebuild", action="store_true", help="rebuild the index even if it is cached")
        p.add_argument("--index-dir", type=Path,
                       help="evaluate this existing index as is instead of a cached build of the dataset")
        p.add_argument("--cmrc-dir", type=Path, help="folder of cmrc2018_dev.json (default ../shared/data/cmrc2018)")
        p.add_argument("--answer-model", help="answer model file to evaluate instead of the shipped one "
                       "(python -m train --out writes one; QA_ANSWER_MODEL is not read here)")
        p.add_argument("--ranker", help="passage ranker file to evaluate instead of the shipped one (python -m "
                       "train.passage_ranker --out writes one), or none for the fused order (QA_RANKER is not read here)")
        p.add_argument("--whole", action="store_true", help="answer a question that asks several things whole, "
                       "not part by part (QA_DECOMPOSE=off; QA_DECOMPOSE is not read here)")
        p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
        p.add_argument("--quiet", action="store_true", help="no progress bars")
    d = sub.add_parser("diff", help="the questions two runs answered differently (eval.diff)",
                       description="the questions whose outcome differs between two run folders (eval.diff)")
    d.add_argument("before", type=Path, help="a run folder (outcomes.jsonl.gz or questions.jsonl)")
    d.add_argument("after", type=Path, help="another run folder")
    return parser


def _configs(args: argparse.Namespace, *, many: bool) -> list[Config]:
    values = []
    for option, cast, _ in CONFIG_OPTIONS:
        raw = getattr(args, option)
        items = [v.strip() for v in raw.split(",") if v.strip()] if many else [raw]
        values.append([cast(v) for v in items])
    return [Config(**dict(zip((o for o, _, _ in CONFIG_OPTIONS), combo, strict=True)), answer_model=args.answer_model,
                   ranker=args.ranker, decompose=not args.whole)
            for combo in itertools.product(*values)]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "diff":
        from eval.diff import diff

        try:
            print(diff(args.before, args.after))
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        return 0
    try:
        datasets = _datasets(args.dataset)
        configs = _configs(args, many=args.command == "compare")
    except ValueError as e:  # ConfigError is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2

    from eval.datasets import load_dataset
    from eval.report import console_summary, write_comparison, write_run
    from eval.runner import evaluate

    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in datasets:
        dataset = load_dataset(name, cmrc_dir=args.cmrc_dir)
        if name is DatasetName.FOLLOWUPS:  # asked three ways (eval.followups), a report of its own
            _followups(dataset, configs, args, stamp)
            continue
        titles = {a.id: a.title for a in dataset.articles}
        runs = []
        for config in configs:
            runs.append(evaluate(dataset, config, index_dir=args.index_dir, cache_dir=args.cache,
                                 rebuild=args.rebuild, limit=args.limit, sample_seed=args.sample_seed,
                                 progress=not args.quiet))
            print(console_summary(runs[-1]))
            if args.command == "run":
                folder = args.name if args.name and len(datasets) == 1 else None
                out = args.out / (folder or f"{stamp}-{dataset.name}-{config.slug}")
                write_run(runs[-1], out, titles=titles, plots=not args.no_plots)
                print(f"report: {out / 'report.md'}")
        if args.command == "compare":
            folder = args.name if args.name and len(datasets) == 1 else None
            out = args.out / (folder or f"{stamp}-compare-{dataset.name}")
            write_comparison(runs, out, titles=titles, plots=not args.no_plots)
            print(f"comparison: {out / 'comparison.md'}")
    return 0


def _followups(dataset, configs: list[Config], args: argparse.Namespace, stamp: str) -> None:
    from eval.followups import console_summary, evaluate_followups, write

    for config in configs:
        run = evaluate_followups(dataset, config, cache_dir=args.cache, rebuild=args.rebuild, progress=not args.quiet)
        print(console_summary(run))
        single = args.name and len(configs) == 1 and args.dataset == dataset.name
        out = args.out / (args.name if single else f"{stamp}-{dataset.name}-{config.slug}")
        print(f"report: {write(run, out)}")


if __name__ == "__main__":
    sys.exit(main())
