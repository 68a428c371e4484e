"""Report sections on answers beyond the main table: short answers by asked type, how well the
probability tells answerable questions from unanswerable ones, and calibration."""

from __future__ import annotations

from collections.abc import Mapping

from eval.markdown import fmt, table
from eval.metrics import REFUSAL_BUDGETS
from eval.plots import GROUPS

QTYPE_ROWS = (("person", "person (who)"), ("date", "date (when)"), ("place", "place (where)"),
              ("number", "number (how many / much)"), ("typed", "**typed** (the four above)"),
              ("org", "org (which organisation)"), ("other", "other"))
SHORT = {"all": "all", "lang:zh": "zh", "lang:en": "en"}  # a question group's name in a table
QTYPE_COLS = (("found_rate", "found"), ("false_refusal_rate", "false refusals"),
              ("short_f1", "short F1"), ("short_em", "short EM"))


def qtype_section(summary: Mapping[str, Mapping]) -> list[str]:
    """Short-answer F1/EM, found rate and false refusals by asked type, one table per language ([] without)."""
    if not any(g.startswith("qtype:") for g in summary):
        return []
    lines = ["## Short answers by asked type", "",
             "The asked type is `qa.query.answer_type` of the question (\"other\" when it names none). Short F1 "
             "and EM score the short answer that heads an answer (for English answers, its Chinese in brackets), "
             "or the first quote when there is none, against the gold span; a refusal scores 0. \"found\" is the "
             "share of all the type's questions answered, \"false refusals\" the share of answerable ones refused.",
             ""]
    for suffix, name in (("", "All questions"), ("|lang:zh", "Chinese questions"), ("|lang:en", "English questions")):
        rows = []
        for kind, label in QTYPE_ROWS:
            a = summary.get(f"qtype:{kind}{suffix}", {}).get("answers", {})
            if a.get("n"):
                rows.append([label, a["n"], a.get("n_answerable"), *(a.get(k) for k, _ in QTYPE_COLS)])
        if rows:
            lines += [f"**{name}**", "",
                      table(["asked type", "n", "answerable", *(n for _, n in QTYPE_COLS)], rows), ""]
    return lines


def separation_section(summary: Mapping[str, Mapping]) -> list[str]:
    """AUC of the answer probability and the refusals it allows at each false-refusal budget,
    per language, beside what the shipped threshold did ([] for a set without unanswerable
    questions or without probabilities)."""
    rows = []
    for g, _ in GROUPS:
        a = summary.get(g, {}).get("answers", {})
        sep = a.get("separation")
        if sep:
            rows.append([SHORT[g], sep["n_answerable"], sep["n_unanswerable"], sep["auc"],
                         *(sep["refused_at"].get(f"{b:.2f}") for b in REFUSAL_BUDGETS),
                         a.get("refusal_rate_unanswerable"), a.get("false_refusal_rate")])
    if not rows:
        return []
    return ["## Telling answerable from unanswerable", "",
            "Whatever the threshold: AUC is the chance that an answerable question's probability is above an "
            "unanswerable one's (.5 is chance); \"refused at ≤ b\" is the share of unanswerable questions refused "
            "at the threshold that refuses at most the share b of the answerable ones, read off these very "
            "questions (what the probability can tell apart here, not a threshold to ship). The last two columns "
            "are what the shipped threshold did.", "",
            table(["questions", "answerable", "unanswerable", "AUC",
                   *(f"refused at ≤ {b:.2f} false refusals" for b in REFUSAL_BUDGETS),
                   "shipped: refused (unans.)", "shipped: false refusals"], rows), ""]


def calibrations(summary: Mapping[str, Mapping]) -> dict[str, dict]:
    """Question group (all, lang:zh, lang:en) -> its calibration summary, for the groups that have one."""
    return {g: summary[g]["answers"]["calibration"] for g, _ in GROUPS
            if summary.get(g, {}).get("answers", {}).get("calibration")}


def calibration_section(summary: Mapping[str, Mapping], *, plots: bool = True) -> list[str]:
    """ECE per language and the reliability bins ([] when no answer has a probability)."""
    cal = calibrations(summary)
    if not cal:
        return []
    names = {g: name for g, name in GROUPS}
    lines = ["## Calibration", "",
             "Of the answers with a probability (`Answer.probability`, that the retrieved passages answer), the "
             "share whose retrieved passages hold a gold answer text (CMRC answer spans, seed key facts' first "
             "forms), in 10 equal-width bins of probability; ECE is the count-weighted mean gap between the two. "
             "Where an answer does not list its passages (`details[\"passages\"]`), the label is whether the "
             "question is answerable.", "",
             table(["questions", "n", "labels from passages", "passages answer", "mean probability", "ECE"],
                   [[SHORT[g], c["n"], c["from_passages"], c["positive_rate"], c.get("mean_probability"),
                     c["ece"]] for g, c in cal.items()]), ""]
    header = ["bin"] + [f"{SHORT[g]} {col}" for g in cal for col in ("n", "mean p", "observed")]
    rows = []
    for i, b in enumerate(next(iter(cal.values()))["bins"]):
        bounds = f"{b['lo']:.1f}–{b['hi']:.1f}"
        rows.append([bounds, *(v for c in cal.values()
                               for v in (c["bins"][i]["n"], c["bins"][i]["mean_probability"],
                                         c["bins"][i]["observed"]))])
    lines += [f"Reliability bins ({', '.join(names[g] for g in cal)}):", "", table(header, rows), ""]
    if plots:
        lines += ["![reliability](reliability.png)", ""]
    return lines


def auc_text(summary: Mapping[str, Mapping], group: str) -> str | None:
    """"AUC 0.866" (the answer probability, answerable against unanswerable) for the console, or None."""
    sep = summary.get(group, {}).get("answers", {}).get("separation")
    return f"AUC {fmt(sep['auc'])}" if sep else None


def ece_text(summary: Mapping[str, Mapping], group: str) -> str | None:
    """"ECE 0.123" for the console, or None."""
    c = summary.get(group, {}).get("answers", {}).get("calibration")
    return f"ECE {fmt(c['ece'])}" if c else None
