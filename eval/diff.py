"""Which questions two evaluation runs answered differently: ``python -m eval diff A B``.

A run folder keeps every question's record (``questions.jsonl``, large) and a compact copy of
what each question came to (``outcomes.jsonl.gz``: the fields below, small enough to commit
with a report in ``eval/reports/``). When a figure moves between two runs, the diff names the
questions that moved it: the first gold rank for retrieval; found, correct, key facts, span,
short-answer F1, first citation and the probability for answers.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path

OUTCOMES = "outcomes.jsonl.gz"
QUESTIONS = "questions.jsonl"
# what a question came to, per record kind (the rest of a record is how: timings, rankings)
FIELDS = {
    "retrieval": ("rank",),
    "answer": ("found", "correct", "key_fact_recall", "span_recall", "short_f1", "first_cites_gold", "probability"),
}
SHOWN = ("qid", "lang", "question")  # kept to read the diff by
ANSWER_CHARS = 80  # of the answer text kept in an outcome: enough to see what changed
PROBABILITY_STEP = 0.01  # probabilities are kept to two decimals; a smaller move is not a change


def outcome(record: dict) -> dict:
    """The compact form of one ``questions.jsonl`` record."""
    kind = record["kind"]
    out = {"kind": kind, **{k: record.get(k) for k in SHOWN}}
    for k in FIELDS.get(kind, ()):
        v = record.get(k)
        out[k] = round(v, 2) if isinstance(v, float) else v
    if kind == "answer":
        out["answer"] = (record.get("answer") or "")[:ANSWER_CHARS]
    return out


def write_outcomes(records: Iterable[dict], path: Path) -> Path:
    """Write the outcomes of ``records`` as gzipped JSON lines (no time stamp or file name in
    the header: the same run gives the same bytes)."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as fh:
        for r in records:
            fh.write((json.dumps(outcome(r), ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def read_outcomes(run_dir: Path) -> dict[tuple[str, str], dict]:
    """(kind, qid) -> outcome of a run folder: its ``outcomes.jsonl.gz``, else made from its
    ``questions.jsonl``.

    Raises:
        FileNotFoundError: the folder has neither file.
    """
    compact, full = run_dir / OUTCOMES, run_dir / QUESTIONS
    if compact.is_file():
        with gzip.open(compact, "rt", encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
    elif full.is_file():
        rows = [outcome(json.loads(line)) for line in full.read_text("utf-8").splitlines() if line.strip()]
    else:
        raise FileNotFoundError(f"{run_dir} holds no {OUTCOMES} or {QUESTIONS}: is it the folder of an evaluation run?")
    return {(r["kind"], r["qid"]): r for r in rows}


def changed(a: dict, b: dict) -> list[str]:
    """The outcome fields on which two records of one question differ."""
    out = []
    for k in FIELDS.get(a["kind"], ()):
        x, y = a.get(k), b.get(k)
        if k == "probability" and x is not None and y is not None:
            if abs(x - y) >= PROBABILITY_STEP:
                out.append(k)
        elif x != y:
            out.append(k)
    return out


def diff(before: Path, after: Path) -> str:
    """A Markdown report of the questions whose outcome differs between two run folders."""
    a, b = read_outcomes(before), read_outcomes(after)
    lines = [f"# {before.name} → {after.name}", ""]
    only = [(k, "before") for k in a.keys() - b.keys()] + [(k, "after") for k in b.keys() - a.keys()]
    if only:
        lines += [f"{len(only)} questions are in one run only (a different sample or dataset version).", ""]
    for kind in FIELDS:
        keys = sorted(k for k in a.keys() & b.keys() if k[0] == kind)
        moved = [(k, changed(a[k], b[k])) for k in keys]
        nudged = sum(f == ["probability"] for _, f in moved)
        moved = [(k, f) for k, f in moved if f and f != ["probability"]]
        lines += [f"## {kind}: {len(moved)} of {len(keys)} questions changed", ""]
        if nudged:  # the same outcome at another probability: counted, not listed
            lines += [f"{nudged} more kept their outcome with a probability moved by {PROBABILITY_STEP} or more.", ""]
        if not moved:
            continue
        lines += ["| question | lang | " + " | ".join(FIELDS[kind]) + " |",
                  "|---|---|" + "---|" * len(FIELDS[kind])]
        for k, fields in moved:
            x, y = a[k], b[k]
            cells = [f"{x.get(f)} → **{y.get(f)}**" if f in fields else f"{x.get(f)}" for f in FIELDS[kind]]
            text = (x.get("question") or "").replace("|", "¦")
            lines.append(f"| {k[1]}: {text} | {x.get('lang')} | " + " | ".join(cells) + " |")
            if kind == "answer" and x.get("answer") != y.get("answer"):
                lines.append(f"| ↳ answer | | {_cell(x.get('answer'))} → {_cell(y.get('answer'))} |" + " |" * (len(FIELDS[kind]) - 1))
        lines.append("")
    return "\n".join(lines)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "¦").replace("\n", " ")
