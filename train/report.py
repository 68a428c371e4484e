"""The training report: data sizes, validation figures, the reliability diagram."""

from __future__ import annotations

import json
from pathlib import Path


def write_report(report: dict, folder: Path, *, seconds: float, passages: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    plotted = _reliability_plot(report, folder / "reliability.png")
    s, t, th = report["sizes"], report["test"], report["thresholds"]
    lines = [
        "# Answer model: training report", "",
        f"Trained by `python -m train` in {seconds / 60:.1f} min on {passages} passages "
        "(DRCD dev + test read as Simplified Chinese, CMRC 2018 trial; English: hand-written versions of "
        f"{report.get('english', sum(v['en'] for v in s.values()))} DRCD questions). CMRC 2018 dev and the seed set "
        "were not used.", "",
        "Each passage is indexed whole (55 %), with the sentences that hold its answers cut out (30 %), or "
        "not at all (15 %); every question is asked through the real retrieval (hybrid, top-6), and a third of "
        "the Chinese questions on whole passages are asked again with one noun swapped for one the passage never "
        "uses, and those asking for a post, a count or a kind of thing again for another one (on topic, asking "
        "for what it does not state)."
        + (f" Every question of a whole or cut passage is also asked against the other version of its passage "
           f"(a second index: the cut ones whole, the whole ones cut; {report['paired']} questions), so it comes "
           "answered and unanswered, in the same words." if report.get("paired") else "")
        + " Splits are by "
        "article title: the model is fitted on `train`, calibrated and its thresholds chosen on `calib`, and "
        "the figures below are on `test`.", "",
        "| split | questions | zh | en | noun swapped | claims | candidate sentences (rows) |",
        "|---|---|---|---|---|---|---|",
        *(f"| {k} | {v['questions']} | {v['zh']} | {v['en']} | {v['swapped']} | {v['claims']} | {v['sentences']} |"
          for k, v in s.items()), "",
        "| test | questions | found threshold | false refusals (passage whole) | refused (answer cut) "
        "| refused (passage absent) | refused (a noun swapped) | refused (the asked attribute swapped) | AUC | ECE |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for lg in ("zh", "en"):
        r = t[lg]
        lines.append(f"| {lg} | {r['questions']} | {r['threshold']:.3f} | {_f(r['false_refusals'])} | "
                     f"{_f(r['refused_answer_cut'])} | {_f(r['refused_passage_dropped'])} | "
                     f"{_f(r.get('refused_noun_swapped'))} | {_f(r.get('refused_attribute_swapped'))} | "
                     f"{_f(r['auc_found'])} | "
                     f"{_f(r['ece'])} |")
    if by := t["en"].get("by_writer"):
        lines += ["", "English `test` questions by writer, at the English threshold (drcd_en: `drcd_en.jsonl`; the "
                  "others: `drcd_en_writers.jsonl`'s styles):", "",
                  "| writer | questions | false refusals | refused (answer cut) | AUC |", "|---|---|---|---|---|",
                  *(f"| {w} | {r['questions']} | {_f(r['false_refusals'])} | {_f(r['refused_answer_cut'])} | "
                    f"{_f(r['auc_found'])} |" for w, r in by.items())]
    if "claims" in t:
        c = t["claims"]
        lines += ["", f"Claims (a language model's statements, checked by the same model): {c['n']} test claims; "
                  f"true ones kept {_f(c['true_kept'])}, false ones dropped {_f(c['false_dropped'])} "
                  f"(threshold {c['threshold']})."]
    sh, sp = report.get("short_test", {}), report.get("span_test", {})
    lines += ["", f"Best-scored sentence holds the answer (test questions whose passages answer): "
              f"{_f(t.get('sentence_top1'))}. Short answers on those ({sh.get('questions')} questions): the best span "
              f"has character F1 {_f(sh.get('f1_best_span'))} and exact match {_f(sh.get('em_best_span'))}; "
              f"{_f(sh.get('with_short_answer'))} of them get a short answer, and what heads the answer (the short "
              f"answer, else the best sentence) has F1 {_f(sh.get('f1_shown'))}. On the answer's own sentence and two "
              f"others, the best span of the span chooser (a ranker: the short answer) has F1 "
              f"{_f(sp.get('chooser', {}).get('f1'))}, exact match {_f(sp.get('chooser', {}).get('em'))}; of the span "
              f"scorer (a classifier: the sentence features) F1 {_f(sp.get('scorer', sp).get('f1'))}, exact match "
              f"{_f(sp.get('scorer', sp).get('em'))}.", "",
              f"Thresholds: found {json.dumps(th['found'])} (false-refusal budgets "
              f"{json.dumps(report.get('budgets', {}))}), quote {th.get('quote')}, short answer {th.get('short')}.", ""]
    if plotted:
        lines += ["![Reliability diagram of the found probability on the test split](reliability.png)", ""]
    lines += ["Most important sentence features (gain):", "",
              ", ".join(f"{k} {v:.0f}" for k, v in report["importance"].items()), ""]
    (folder / "report.md").write_text("\n".join(lines), "utf-8")


def _f(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def _reliability_plot(report: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    ax.plot([0, 1], [0, 1], color="#999", lw=1, ls="--", label="perfect")
    for lg, color in (("zh", "#c0392b"), ("en", "#2c7fb8")):
        bins = report["test"][lg]["reliability"]
        if bins:
            ax.plot([b["p"] for b in bins], [b["y"] for b in bins], marker="o", color=color,
                    label=f"{lg} (ECE {report['test'][lg]['ece']:.3f})")
    ax.set_xlabel("predicted probability that the passages answer")
    ax.set_ylabel("share that do")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Found: reliability (test split)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True
