"""Write a run (or a comparison of runs) as Markdown, JSON and PNG plots."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from eval.diff import OUTCOMES, write_outcomes
from eval.markdown import fmt, table
from eval.report_answers import (
    auc_text,
    calibration_section,
    calibrations,
    ece_text,
    qtype_section,
    separation_section,
)
from eval.runner import RETRIEVE_DEPTH, Run
from eval.scoring import answer_sentences

LANG_GROUPS = ("all", "lang:zh", "lang:en")
RETRIEVAL_COLS = (("recall@1", "R@1"), ("recall@5", "R@5"), ("recall@10", "R@10"),
                  ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"))
ANSWER_COLS = (("key_fact_recall", "key facts"), ("char_f1", "char F1"), ("exact_match", "EM"),
               ("span_recall", "span recall"), ("short_f1", "short F1"), ("short_em", "short EM"),
               ("citation_recall", "cit. recall"),
               ("citation_precision", "cit. precision"), ("cites_gold", "cites gold"),
               ("first_cites_gold", "1st cites gold"), ("correct", "correct"),
               ("refusal_rate_unanswerable", "refused (unans.)"), ("false_refusal_rate", "false refusals"),
               ("false_refusal_rate_held", "false refusals, passages held it"),
               ("passages_lack_answer", "answerable, passages lack it"))
LEGEND = ("Metrics are defined in docs/eval.md. R@k: gold articles/passages in the top k distinct articles; "
          "key facts, char F1, EM, span recall and short F1/EM count a refusal of an answerable question as 0; "
          "citation scores are over answers given; \"refused (unans.)\" is the share of unanswerable questions "
          "answered not-found, \"false refusals\" the share of answerable ones; \"false refusals, passages held it\" "
          "the share refused of the answerable questions whose retrieved passages held a gold answer (the found "
          "decision's errors), \"passages lack it\" the share of answerable questions whose passages held none "
          "(retrieval's misses).")


def _group_name(group: str) -> str:
    return {"all": "all", "lang:zh": "zh", "lang:en": "en"}.get(group, group.split(":", 1)[-1])


def _present(columns, summaries: Sequence[Mapping]) -> list[tuple[str, str]]:
    """The columns that have a value in some summary (F1 only for CMRC, key facts only for seed)."""
    return [(key, name) for key, name in columns if any(s.get(key) is not None for s in summaries)]


def _latency_row(lat: Mapping, stages: Sequence[str]) -> list:
    return [f"{lat[s]['p50']:.0f} / {lat[s]['p95']:.0f}" if s in lat else "–" for s in stages]


# ---------------------------------------------------------------- one run

def run_json(run: Run) -> dict:
    """Everything of a run but the per-question records (those go to questions.jsonl)."""
    return {
        "dataset": run.dataset, "description": run.description, "config": asdict(run.config), "label": run.config.label,
        "started_at": run.started_at, "seconds": round(run.seconds, 1), "environment": run.environment,
        "index": {"dir": run.index_dir, **(run.build.to_json() if run.build else {})},
        "questions": {"total": run.n_questions, "retrieval_scored": len(run.retrieval),
                      "answered": len(run.answers), "limit": run.limit, "sample_seed": run.sample_seed},
        "summary": run.summary,
    }


def _index_section(run: Run) -> str:
    b = run.build
    if b is None:
        return f"Existing index `{run.index_dir}` (not built by this run, so no build throughput)."
    when = f"built {b.built_at}" + (", reused from the cache" if b.cached else " by this run")
    return (f"{b.articles} articles, {b.chunks} chunks, {b.chars_embedded:,} characters embedded in "
            f"{b.seconds:.1f} s ({b.embed_seconds:.1f} s embedding): **{b.chunks_per_s:.1f} chunks/s, "
            f"{b.chars_per_s:,.0f} chars/s** ({when}).")


def _examples(run: Run, titles: Mapping[str, str], limit: int = 8) -> list[str]:
    out = []

    def clip(text: str, n: int = 160) -> str:
        text = " ".join(text.split())
        return text if len(text) <= n else text[:n] + "…"

    misses = [r for r in run.retrieval if r.rank != 1]
    if misses:
        out.append(f"**Gold not ranked first** ({len(misses)} of {len(run.retrieval)}):\n")
        for r in misses[:limit]:
            top = titles.get(r.ranked[0], r.ranked[0]) if r.ranked else "nothing"
            out.append(f"- `{r.qid}` ({r.lang}) {clip(r.question)} — gold rank {r.rank or '>10'}; "
                       f"first: {clip(top, 40)}")
        out.append("")
    def quoted(a) -> str:
        return clip(" ".join(f"{text}[{','.join(map(str, cited))}]" for text, cited in answer_sentences(a.answer)))

    groups = [
        ("False refusals", [a for a in run.answers if a.answerable and not a.found],
         lambda a: f"refused: {a.reason or '?'}"),
        ("Unanswerable questions answered", [a for a in run.answers if not a.answerable and a.found], quoted),
        ("Answers given without a key fact or the gold span",
         [a for a in run.answers if a.found and a.missing],
         lambda a: f"lacks {' / '.join(a.missing)}: {quoted(a)}"),
    ]
    for name, items, detail in groups:
        if items:
            out.append(f"**{name}** ({len(items)}):\n")
            out += [f"- `{a.qid}` ({a.lang}) {clip(a.question)} → {detail(a)}" for a in items[:limit]]
            out.append("")
    return out


def render_run(run: Run, titles: Mapping[str, str] | None = None, *, plots: bool = True) -> str:
    s, env = run.summary, run.environment
    groups = [g for g in LANG_GROUPS if g in s]
    lines = [f"# Evaluation: {run.dataset} — {run.config.label}", "",
             f"{env['date']}, {env['cores']} cores ({env['cpu']}), Python {env['python']}, "
             f"chinese-news-qa {env['packages'].get('chinese-news-qa')} (commit {env.get('git_commit')}, qa source "
             f"{env.get('qa_source')}), load average {env.get('load_1min')} → {env.get('load_1min_end')}; "
             f"run took {run.seconds:.0f} s."
             + (f" Thread settings: {', '.join(f'{k}={v}' for k, v in env['threads_env'].items())}."
                if env.get("threads_env") else ""), "",
             *([f"Dataset: {run.description}", ""] if run.description else []),
             "## Index", "", _index_section(run), ""]
    rs = [s[g]["retrieval"] for g in groups]
    lines += [f"## Retrieval ({len(run.retrieval)} questions with gold, every one)", "",
              table(["questions", "n", *(n for _, n in RETRIEVAL_COLS)],
                    [[_group_name(g), r["n"], *(r.get(k) for k, _ in RETRIEVAL_COLS)] for g, r in zip(groups, rs, strict=True)
                     if r["n"]]), ""]
    answered = "every question" if run.limit is None else f"a sample of {len(run.answers)}, seed {run.sample_seed}"
    ans = [s[g]["answers"] for g in groups]
    cols = _present(ANSWER_COLS, ans)
    lines += [f"## Answers ({len(run.answers)} questions: {answered})", "",
              table(["questions", "n", *(n for _, n in cols)],
                    [[_group_name(g), a["n"], *(a.get(k) for k, _ in cols)] for g, a in zip(groups, ans, strict=True) if a["n"]]),
              "", LEGEND, ""]
    stages = [st for st in ("retrieve", "answer", "total", "embed_query", "analyze")
              if st in s["all"]["answers"].get("latency_ms", {})]
    lines += ["## Latency (ms, p50 / p95)", "",
              "Per question answered, by stage of `Assistant.ask` (retrieve includes embedding the question). "
              f"Retrieval-only pass ({RETRIEVE_DEPTH} chunks per question): p50 {fmt(s['all']['retrieval']['latency_ms']['p50'], 1)}, "
              f"p95 {fmt(s['all']['retrieval']['latency_ms']['p95'], 1)}.", "",
              table(["questions", *stages], [[_group_name(g), *_latency_row(a.get("latency_ms", {}), stages)]
                                            for g, a in zip(groups, ans, strict=True) if a["n"]]), ""]
    types = sorted(g for g in s if g.startswith("type:"))
    if types:
        tcols = _present((("key_fact_recall", "key facts"), ("false_refusal_rate", "false refusals"),
                          ("refusal_rate_unanswerable", "refused (unans.)")), [s[t]["answers"] for t in types])
        lines += ["## By question type", "",
                  table(["type", "n", "R@1", "MRR@10", *(n for _, n in tcols)],
                        [[_group_name(t), s[t]["answers"].get("n"), s[t]["retrieval"].get("recall@1"),
                          s[t]["retrieval"].get("mrr@10"), *(s[t]["answers"].get(k) for k, _ in tcols)]
                         for t in types]), ""]
    lines += [*qtype_section(s), *separation_section(s), *calibration_section(s, plots=plots)]
    lines += ["## Examples of failures", "", *_examples(run, titles or {})]
    if plots:
        lines += ["## Plots", "", "![recall@k](recall_at_k.png)", "", "![latency](latency.png)", ""]
    return "\n".join(lines)


def _curves(run: Run) -> dict[str, list[float]]:
    return {g: run.summary[g]["retrieval"]["recall_curve"] for g in LANG_GROUPS
            if g in run.summary and run.summary[g]["retrieval"].get("n")}


def _latencies(run: Run) -> dict[str, list[float]]:
    return {st: [a.timings_ms[st] for a in run.answers if st in a.timings_ms] for st in ("retrieve", "answer")}


def write_run(run: Run, out_dir: Path, *, titles: Mapping[str, str] | None = None, plots: bool = True) -> Path:
    """Write report.md, results.json, questions.jsonl, outcomes.jsonl.gz (and the PNGs) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(run_json(run), ensure_ascii=False, indent=2), encoding="utf-8")
    records = [{"kind": kind, **asdict(r)} for kind, rs in (("retrieval", run.retrieval), ("answer", run.answers))
               for r in rs]
    with open(out_dir / "questions.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    write_outcomes(records, out_dir / OUTCOMES)  # small enough to commit with a report: python -m eval diff
    if plots:
        from eval.plots import latency_histograms, recall_curves

        title = f"{run.dataset}: {run.config.label}"
        recall_curves({run.config.label: _curves(run)}, out_dir / "recall_at_k.png", title=title)
        latency_histograms({run.config.label: _latencies(run)}, out_dir / "latency.png", title=title)
        if cal := calibrations(run.summary):
            from eval.plots import reliability_diagram

            reliability_diagram(cal, out_dir / "reliability.png", title=title)
    (out_dir / "report.md").write_text(render_run(run, titles, plots=plots), encoding="utf-8")
    return out_dir


# ---------------------------------------------------------------- comparison

def short_labels(runs: Sequence[Run]) -> list[str]:
    """Each run's configuration by the values that differ between the runs (all of it if none do).

    Example: runs that differ only in the retriever are labelled "dense", "bm25", "hybrid".
    """
    configs = [asdict(r.config) for r in runs]
    varying = [k for k in configs[0] if len({c[k] for c in configs}) > 1]
    if not varying:
        return [r.config.label for r in runs]
    return [" · ".join(f"{c[k]}" if k in ("encoder", "retriever", "generator") else f"{k.replace('_', ' ')} {c[k]}"
                       for k in varying) for c in configs]


def render_comparison(runs: Sequence[Run], *, plots: bool = True) -> str:
    first = runs[0]
    env = first.environment
    labels = dict(zip((id(r) for r in runs), short_labels(runs), strict=True))
    answered = "every question" if first.limit is None else f"a sample of {len(first.answers)} (seed {first.sample_seed})"
    lines = [f"# Comparison on {first.dataset}", "",
             f"{env['date']}, {env['cores']} cores ({env['cpu']}), load average {env.get('load_1min')}. "
             f"Configurations: {'; '.join(r.config.label for r in runs)}. Retrieval is scored on "
             f"{len(first.retrieval)} questions, answers on {answered}. Each run has its own report "
             "in the folder named by its configuration.", "",
             "Index: " + _index_section(first), ""]
    for group in LANG_GROUPS:
        present = [r for r in runs if group in r.summary]
        if not present:
            continue
        rows_r = [[labels[id(r)], *(r.summary[group]["retrieval"].get(k) for k, _ in RETRIEVAL_COLS)] for r in present]
        ans = [r.summary[group]["answers"] for r in present]
        cols = _present(ANSWER_COLS, ans)
        rows_a = [[labels[id(r)], *(a.get(k) for k, _ in cols),
                   *_latency_row(a.get("latency_ms", {}), ("retrieve", "answer"))] for r, a in zip(present, ans, strict=True)]
        lines += [f"## {'All questions' if group == 'all' else _group_name(group) + ' questions'}", "",
                  table(["configuration", *(n for _, n in RETRIEVAL_COLS)], rows_r), "",
                  table(["configuration", *(n for _, n in cols), "retrieve ms p50/p95", "answer ms p50/p95"], rows_a),
                  ""]
    lines += [LEGEND, ""]
    if plots:
        lines += ["![recall@k](recall_at_k.png)", "", "![latency](latency.png)", ""]
    return "\n".join(lines)


def write_comparison(runs: Sequence[Run], out_dir: Path, *, titles: Mapping[str, str] | None = None,
                     plots: bool = True) -> Path:
    """Each run in its own subfolder, then comparison.md, comparison.json and the PNGs in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for run in runs:
        write_run(run, out_dir / run.config.slug, titles=titles, plots=plots)
    (out_dir / "comparison.json").write_text(
        json.dumps([run_json(r) for r in runs], ensure_ascii=False, indent=2), encoding="utf-8")
    if plots:
        from eval.plots import latency_histograms, recall_curves

        title = f"{runs[0].dataset}: comparison"
        labels = short_labels(runs)
        recall_curves({label: _curves(r) for label, r in zip(labels, runs, strict=True)},
                      out_dir / "recall_at_k.png", title=title)
        latency_histograms({label: _latencies(r) for label, r in zip(labels, runs, strict=True)},
                           out_dir / "latency.png", title=title)
    (out_dir / "comparison.md").write_text(render_comparison(runs, plots=plots), encoding="utf-8")
    return out_dir


def console_summary(run: Run) -> str:
    """A few lines for the terminal at the end of a run."""
    lines = [f"{run.dataset} — {run.config.label} ({run.seconds:.0f} s)"]
    for g in LANG_GROUPS:
        if g not in run.summary:
            continue
        r, a = run.summary[g]["retrieval"], run.summary[g]["answers"]
        parts = []
        if r.get("n"):
            parts.append(f"R@1 {fmt(r['recall@1'])} R@5 {fmt(r['recall@5'])} MRR@10 {fmt(r['mrr@10'])}")
        if a.get("n"):
            parts += [f"{name} {fmt(a[k])}" for k, name in ANSWER_COLS if a.get(k) is not None]
            parts += [t for t in (auc_text(run.summary, g), ece_text(run.summary, g)) if t]
            lat = a.get("latency_ms", {})
            if "total" in lat:
                parts.append(f"total ms p50/p95 {lat['total']['p50']:.0f}/{lat['total']['p95']:.0f}")
        lines.append(f"  {_group_name(g):>3}: " + " · ".join(parts))
    return "\n".join(lines)
