"""The citation checker: a model's answer is checked claim by claim, never trusted.

A claim is the text up to and including a run of citation markers (``…座谈[2]。``),
or a paragraph without one. For each claim:

- markers of passages the prompt did not show (``[9]``) are removed;
- a cited claim must be supported by its cited passages: the answer scorer that
  decides whether passages answer a question (``qa.judge``) reads the claim as a
  statement and gives the calibrated probability that a sentence of those passages
  holds it; the claim stands when that reaches the model's claim threshold;
- a claim without a valid marker is checked against every shown passage: if one
  supports it, that passage is cited; if it names nothing checkable ("据报道，")
  it stays as connecting text;
- an unsupported claim is dropped (or, with ``Unsupported.FLAG``, kept and marked).

Claims are checked as they complete, so a streamed answer shows only checked text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from qa.generators.prompt import Shown
from qa.lang.script import to_simplified

MARKER = re.compile(r"[\[【]\s*(\d{1,3}(?:\s*[,，、\-–]\s*\d{1,3})*)\s*[\]】]")
_CLOSERS = "”’」』）)】》\"'"
# a run of markers, then any clause or sentence punctuation: the end of a claim
_CLAIM_END = re.compile(rf"(?:\s*{MARKER.pattern})+(?:\s*[。！？!?；;，,、：:.])?[{re.escape(_CLOSERS)}]*|\n")
_MAYBE_MARKER = re.compile(r"\s*(?:[\[【]\s*\d{0,3}(?:\s*[,，、\-–]\s*\d{0,3})*\s*)?$")
FLAG = {"zh": "（未经核实）", "en": " (unverified)"}


class Unsupported(str, Enum):
    """What happens to a claim its passages do not support."""

    DROP = "drop"
    FLAG = "flag"


def cited_numbers(marker_text: str) -> list[int]:
    """Passage numbers of the markers in a text: ``[1][2]``, ``[1, 3]``, ``【2】``, ``[2-4]``."""
    out: list[int] = []
    for m in MARKER.finditer(marker_text):
        body = m.group(1)
        for part in re.split(r"\s*[,，、]\s*", body):
            if re.search(r"[\-–]", part):
                a, b = (int(x) for x in re.split(r"\s*[\-–]\s*", part))
                out.extend(range(a, b + 1) if 0 < b - a < 10 else (a, b))
            else:
                out.append(int(part))
    return list(dict.fromkeys(out))


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)


class ClaimBuffer:
    """Cuts streamed text into claims; a claim is released once the text after it
    shows that no further marker belongs to it."""

    def __init__(self) -> None:
        self.buf = ""

    def feed(self, delta: str) -> list[str]:
        self.buf += delta
        return self._cut(final=False)

    def flush(self) -> list[str]:
        return self._cut(final=True)

    def _cut(self, *, final: bool) -> list[str]:
        out = []
        while True:
            m = _CLAIM_END.search(self.buf)
            if m is None or (not final and _MAYBE_MARKER.fullmatch(self.buf[m.end():])):
                break
            out.append(self.buf[: m.end()])
            self.buf = self.buf[m.end():]
        if final:
            if self.buf:
                out.append(self.buf)
            self.buf = ""
        return out


@dataclass(frozen=True)
class ClaimCheck:
    """The checker's verdict on one claim (shown in ``details["check"]``)."""

    text: str  # as the model wrote it
    action: str  # "keep" | "connective" | "drop" | "flag"
    cites: tuple[int, ...] = ()  # passage numbers the kept claim cites
    removed: tuple[int, ...] = ()  # cited numbers of passages not shown
    recited: bool = False  # the checker chose the passage (no valid marker)
    reason: str = ""
    missing: tuple[str, ...] = ()
    highlights: tuple[tuple[int, int, int], ...] = field(default=(), repr=False)  # (passage, start, end)

    @property
    def kept(self) -> bool:
        return self.action in ("keep", "connective", "flag")

    def as_dict(self) -> dict:
        return {"text": self.text.strip(), "action": self.action, "cites": list(self.cites),
                "removed": list(self.removed), "recited": self.recited, "reason": self.reason,
                "missing": list(self.missing)}


@dataclass(frozen=True)
class Support:
    """How well the sentences of some passages support a claim."""

    supported: bool
    probability: float
    checked: int  # the claim's checkable items: key terms, numbers, names (0: "据报道，")
    best: tuple[int, int, int] | None = None  # (passage, start, end) of the best sentence
    missing: tuple[str, ...] = ()
    reason: str = ""


class ClaimChecker:
    """Checks claims against the passages a prompt showed, with the answer scorer.

    Args:
        ctx: the answer context (its evidence holds the passages' sentences).
        shown: the passages of the prompt (claims may cite only these).
        model: the answer model, or its file (default: the shipped one).
        unsupported: drop unsupported claims or keep them flagged.
    """

    def __init__(self, ctx, shown: Sequence[Shown], *, model=None, unsupported: Unsupported = Unsupported.DROP) -> None:
        from qa.scorer import AnswerModel, load_model

        self.ctx = ctx
        self.passages = {s.n: s.passage for s in shown}
        self.unsupported = Unsupported(unsupported)
        self.model = model if isinstance(model, AnswerModel) else load_model(model)
        self.threshold = float(self.model.thresholds.get("claim", 0.5))

    def support(self, claim: str) -> dict[int, Support]:
        """Per shown passage, how well it supports ``claim``."""
        from qa.judge import featurize

        q, X = featurize(self.ctx, claim=True, text=claim, model=self.model)
        checked = len(q.terms) + len(q.numbers) + len(q.mentions)
        raw = self.model.sentence_raw(X) if len(X) else np.zeros(0)
        cands = self.ctx.evidence.candidates
        out = {}
        for n in self.passages:
            rows = [i for i, c in enumerate(cands) if c.passage == n]
            if not rows:
                out[n] = Support(False, 0.0, checked, reason="the passage has no sentences")
                continue
            p = self.model.claim_probability(raw[rows])
            best = max(rows, key=lambda i: raw[i])
            text = "\n".join(to_simplified(cands[i].text).lower() for i in rows) + "\n" + to_simplified(
                self.passages[n].article.title).lower()
            missing = tuple(t.text for t in q.terms if t.kind in ("name", "number") and not any(f in text for f in t.forms))
            ok = p >= self.threshold
            why = (f"supported (p={p:.2f})" if ok else f"not supported (p={p:.2f} < {self.threshold:.2f})"
                   + (f"; not in the passage: {', '.join(missing[:4])}" if missing else ""))
            out[n] = Support(ok, p, checked, (n, cands[best].start, cands[best].end), missing, why)
        return out

    def check(self, claim: str) -> ClaimCheck:
        cited = cited_numbers(claim)
        valid = tuple(n for n in cited if n in self.passages)
        removed = tuple(n for n in cited if n not in self.passages)
        plain = strip_markers(claim).strip()
        scores = self.support(plain)
        if scores and next(iter(scores.values())).checked == 0 and not valid:
            return ClaimCheck(claim, "connective", (), removed, reason="nothing to check")
        failure: Support | None = None
        if valid:
            cited_best = max((scores[n] for n in valid), key=lambda x: x.probability)
            if cited_best.supported:
                return ClaimCheck(claim, "keep", valid, removed, reason=cited_best.reason,
                                  highlights=tuple(scores[n].best for n in valid if scores[n].best))
            failure = cited_best
        # no valid marker, or the cited passage does not support it: does another passage?
        others = [x for n, x in scores.items() if n not in valid and x.supported]
        if others:
            best = max(others, key=lambda x: x.probability)
            n = best.best[0]
            why = f"the cited passage(s) {list(valid)} do not support it ({failure.reason}); " if failure else ""
            return ClaimCheck(claim, "keep", (n,), removed, recited=True, reason=why + best.reason,
                              highlights=(best.best,))
        reason = failure.reason if failure else "no passage supports it"
        if removed:
            reason += f"; cites passage(s) not shown: {list(removed)}"
        action = "flag" if self.unsupported is Unsupported.FLAG else "drop"
        missing = failure.missing if failure else ()
        return ClaimCheck(claim, action, valid, removed, reason=reason, missing=missing)

    def render(self, verdict: ClaimCheck, renumber: dict[int, int], language: str) -> str:
        """A kept claim as the answer shows it: markers renumbered (and added when the
        checker chose the passage); a flagged claim marked."""
        text = verdict.text
        if not verdict.kept:
            return ""
        for n in verdict.cites:
            renumber.setdefault(n, len(renumber) + 1)
        markers = "".join(f"[{renumber[n]}]" for n in verdict.cites)
        m = re.search(rf"(?:\s*{MARKER.pattern})+", text)
        if m:  # the marker run in place of the model's, with the model's punctuation after it
            lead = m.group()[: len(m.group()) - len(m.group().lstrip())]
            text = MARKER.sub("", text[: m.start()]) + lead + markers + MARKER.sub("", text[m.end():])
        elif markers:
            body = text.rstrip()
            tail = re.search(rf"[。！？!?；;，,、：:.{re.escape(_CLOSERS)}]*$", body)
            cut = tail.start() if tail else len(body)
            text = body[:cut] + markers + body[cut:] + text[len(body):]
        if verdict.action == "flag":
            body = text.rstrip()
            text = body + FLAG[language] + text[len(body):]
        return text
