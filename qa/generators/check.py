"""The citation checker: a model's answer is checked claim by claim, never trusted.

A claim is the text up to and including a run of citation markers (``…座谈[2]。``),
or a paragraph without one. For each claim:

- markers of passages the prompt did not show (``[9]``) are removed;
- a cited claim must be supported by its cited passages (``qa.generators.support``);
- a claim without a valid marker is checked against every shown passage: if one
  supports it, that passage is cited; if it names nothing checkable ("据报道，")
  it stays as connecting text;
- an unsupported claim is dropped (or, with ``Unsupported.FLAG``, kept and marked).

Claims are checked as they complete, so a streamed answer shows only checked text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from qa.chunking import split_sentences
from qa.generators.prompt import Shown
from qa.generators.support import MIN_COVERAGE, Evidence, Support, support

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


class ClaimChecker:
    """Checks claims against the passages a prompt showed.

    Args:
        shown: the passages of the prompt (claims may cite only these).
        unsupported: drop unsupported claims or keep them flagged.
        min_coverage: the least weighted share of a claim's items its passage must contain.
        translate: English word -> Chinese words, for English claims.
    """

    def __init__(self, shown: Sequence[Shown], *, unsupported: Unsupported = Unsupported.DROP,
                 min_coverage: float = MIN_COVERAGE, translate: Callable[[str], Iterable[str]] | None = None) -> None:
        self.passages = {s.n: s.passage for s in shown}
        self.unsupported = Unsupported(unsupported)
        self.min_coverage = min_coverage
        self.evidence = {n: Evidence(self._full_text(p), translate=translate) for n, p in self.passages.items()}
        self.translate = translate

    @staticmethod
    def _full_text(p) -> str:
        a = p.article
        return "\n".join(x for x in (a.title, a.date, p.text) if x)

    def _support(self, claim: str, ns: Sequence[int]) -> Support:
        if len(ns) == 1:
            return support(claim, self.evidence[ns[0]], min_coverage=self.min_coverage)
        joined = Evidence("\n".join(self.evidence[n].text for n in ns), translate=self.translate)
        return support(claim, joined, min_coverage=self.min_coverage)

    def check(self, claim: str) -> ClaimCheck:
        cited = cited_numbers(claim)
        valid = tuple(n for n in cited if n in self.passages)
        removed = tuple(n for n in cited if n not in self.passages)
        plain = strip_markers(claim).strip()
        failure: Support | None = None
        if valid:
            failure = self._support(plain, valid)
            if failure.supported:
                return ClaimCheck(claim, "keep", valid, removed, reason=failure.reason, missing=failure.missing,
                                  highlights=self._highlights(plain, valid))
        # no valid marker, or the cited passage does not support it: does another passage?
        best: tuple[float, int, Support] | None = None
        for n in self.passages:
            if n in valid:
                continue
            s = support(plain, self.evidence[n], min_coverage=self.min_coverage)
            if s.checked == 0 and not valid:
                return ClaimCheck(claim, "connective", (), removed, reason="nothing to check")
            if s.supported and (best is None or s.coverage > best[0]):
                best = (s.coverage, n, s)
        if best is not None:
            why = f"the cited passage(s) {list(valid)} do not support it ({failure.reason}); " if failure else ""
            return ClaimCheck(claim, "keep", (best[1],), removed, recited=True, reason=why + best[2].reason,
                              highlights=self._highlights(plain, (best[1],)))
        reason = failure.reason if failure else "no passage supports it"
        if removed:
            reason += f"; cites passage(s) not shown: {list(removed)}"
        action = "flag" if self.unsupported is Unsupported.FLAG else "drop"
        return ClaimCheck(claim, action, valid, removed, reason=reason, missing=failure.missing if failure else ())

    def _highlights(self, claim: str, ns: Sequence[int]) -> tuple[tuple[int, int, int], ...]:
        """Per cited passage, the sentence that supports the claim best (article offsets)."""
        out = []
        for n in ns:
            p = self.passages[n]
            best = None
            for s, e in split_sentences(p.article.text, p.hit.chunk.start, p.hit.chunk.end):
                sup = support(claim, Evidence(p.article.text[s:e], translate=self.translate), min_coverage=0.0)
                if sup.checked and (best is None or sup.coverage > best[0]):
                    best = (sup.coverage, s, e)
            if best is not None and best[0] > 0:
                out.append((n, best[1], best[2]))
        return tuple(out)

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
