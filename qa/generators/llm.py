"""Generated answers: a chat model answers from numbered passages, and every claim
is checked against the passage it cites before it is shown.

``LLMGenerator`` raises ``ModelError`` when the model fails, times out or writes
nothing that survives the check; ``qa.generators.fallback.WithFallback`` turns
that into the extractive answer.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator, Sequence

from qa.answer import AnswerContext, Event, make_citations, not_found
from qa.generators.base import ChatModel, EmptyOutput, ModelError, UnusableOutput, Usage, estimate_tokens
from qa.generators.check import ClaimBuffer, ClaimCheck, ClaimChecker, Unsupported, cited_numbers
from qa.generators.prompt import answer_messages, clean_rewrite, fit_passages, is_not_in_articles, rewrite_messages
from qa.lang.chars import detect_language
from qa.types import Answer


class LLMGenerator:
    """A ``Generator`` over a ``ChatModel``: prompt, stream, check, cite.

    Args:
        model: the chat model (``TransformersChat``, ``OpenAIChat``).
        max_tokens: the longest answer, in tokens (at most half the model's window).
        timeout: seconds the model may take for one answer or rewrite.
        unsupported: drop claims their passage does not support, or keep them flagged.
        answer_model: the answer scorer that checks claims (default: the shipped model).
    """

    def __init__(self, model: ChatModel, *, max_tokens: int = 512, timeout: float = 60.0,
                 unsupported: Unsupported | str = Unsupported.DROP, answer_model=None) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.timeout = timeout
        self.unsupported = Unsupported(unsupported)
        self.answer_model = answer_model

    @property
    def name(self) -> str:
        return self.model.name

    def load(self) -> LLMGenerator:
        """Load the model now rather than on the first question."""
        load = getattr(self.model, "load", None)
        if callable(load):
            load()
        return self

    # -- answering ---------------------------------------------------------------------
    def stream(self, ctx: AnswerContext) -> Iterator[Event]:
        t0 = time.perf_counter()
        if not ctx.passages:
            ans = not_found(ctx, generator=self.name, details={"llm": {"model": self.model.name, "skipped": "no passages"}})
            yield ans.answer
            yield ans
            return
        window = self.model.context_tokens()
        answer_tokens = max(16, min(self.max_tokens, window // 2))
        shown = fit_passages(ctx, self.model.count_tokens, window - answer_tokens)
        messages = answer_messages(ctx.question, ctx.language, shown)
        checker = ClaimChecker(ctx, shown, model=self.answer_model, unsupported=self.unsupported)
        run = _Run(checker, ctx.language)
        usage: Usage | None = None
        first: float | None = None
        info = {"model": self.model.name, "context_tokens": window, "max_answer_tokens": answer_tokens,
                "passages_shown": [s.n for s in shown],
                "passages_cut": [s.n for s in shown if len(s.text) < len(s.passage.text)]}

        def summary() -> dict:
            t = time.perf_counter()
            tokens = usage or Usage(self.model.count_tokens(messages), estimate_tokens(run.raw), estimated=True)
            return {**info, "tokens": {"prompt": tokens.prompt_tokens, "completion": tokens.completion_tokens,
                                       "estimated": tokens.estimated},
                    "ms": {"first_token": round((first - t0) * 1000, 2) if first else None,
                           "total": round((t - t0) * 1000, 2)},
                    "raw_answer": run.raw, "check": run.report()}

        buffer = ClaimBuffer()
        try:
            for event in self.model.chat(messages, max_tokens=answer_tokens, deadline=time.monotonic() + self.timeout):
                if isinstance(event, Usage):
                    usage = event
                    continue
                first = first or time.perf_counter()
                run.raw += event
                for claim in buffer.feed(event):
                    yield from run.take(claim)
            for claim in buffer.flush():
                yield from run.take(claim)
        except ModelError as e:
            e.details.setdefault("llm", summary())
            raise
        llm = summary()
        timings = {"llm": llm["ms"]["total"]}
        if llm["ms"]["first_token"] is not None:
            timings["llm_first_token"] = llm["ms"]["first_token"]
        if not run.claims:
            if run.said_not_found:
                ans = not_found(ctx, generator=self.name, details={"llm": llm})
                yield ans.answer
                yield dataclasses.replace(ans, timings_ms=timings)
                return
            if not run.raw.strip():
                raise EmptyOutput("the model returned nothing", details={"llm": llm})
            raise UnusableOutput("no claim survived the citation check", details={"llm": llm})
        yield from run.finish()
        highlights: dict[int, list[tuple[int, int]]] = {}
        for v in run.claims:
            for n, s, e in v.highlights:
                highlights.setdefault(n, []).append((s, e))
        renumber, citations = make_citations(ctx, list(run.renumber), highlights)
        assert renumber == run.renumber, (renumber, run.renumber)
        yield Answer(question=ctx.question, answer=tidy("".join(run.pieces), ctx.language), found=True, citations=citations,
                     language=ctx.language, generator=self.name, timings_ms=timings, details={"llm": llm})

    # -- follow-up questions -----------------------------------------------------------------
    def rewrite_followup(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """A standalone version of a follow-up question, written by the model.

        Raises:
            ModelError: the model failed or wrote no usable question (the caller falls back).
        """
        messages = rewrite_messages(question, detect_language(question), history)
        deadline = time.monotonic() + self.timeout
        text = "".join(e for e in self.model.chat(messages, max_tokens=96, deadline=deadline) if isinstance(e, str))
        out = clean_rewrite(text)
        if not out or len(out) > 3 * len(question) + 80 or is_not_in_articles(out) or cited_numbers(out):
            raise UnusableOutput(f"the model wrote no usable standalone question: {text[:200]!r}")
        return out


def tidy(text: str, language: str) -> str:
    """The answer without a dangling clause mark where a dropped claim was cut off."""
    text = text.strip()
    m = re.search(r"(\[\d+\])?\s*[，,、：:；;]$", text)
    if m:
        text = text[: m.end() - 1].rstrip() + ("。" if language == "zh" else ".")
    return text


class _Run:
    """The state of one answer: kept claims, renumbering, text withheld so far."""

    def __init__(self, checker: ClaimChecker, language: str) -> None:
        self.checker = checker
        self.language = language
        self.raw = ""
        self.verdicts: list[ClaimCheck] = []
        self.claims: list[ClaimCheck] = []  # kept claims that cite a passage
        self.renumber: dict[int, int] = {}
        self.pieces: list[str] = []
        self.pending = ""  # connecting text, shown only before a kept claim
        self.said_not_found = False

    def take(self, claim: str) -> Iterator[str]:
        if not claim.strip():
            self.pending += claim
            return
        if not self.claims and not cited_numbers(claim) and is_not_in_articles(claim):
            self.said_not_found = True
            self.verdicts.append(ClaimCheck(claim, "not_found", reason="the model says the passages do not answer"))
            return
        v = self.checker.check(claim)
        self.verdicts.append(v)
        if v.action == "connective":
            self.pending += self.checker.render(v, self.renumber, self.language)
            return
        if not v.kept:
            return
        piece = self.pending + self.checker.render(v, self.renumber, self.language)
        self.pending = ""
        if v.cites:
            self.claims.append(v)
        self.pieces.append(piece)
        yield piece

    def finish(self) -> Iterator[str]:
        if self.pending.strip():
            self.pieces.append(self.pending)
            yield self.pending
        self.pending = ""

    def report(self) -> dict:
        return {"claims": [v.as_dict() for v in self.verdicts],
                "kept": sum(v.action in ("keep", "flag") for v in self.verdicts),
                "dropped": sum(v.action == "drop" for v in self.verdicts),
                "flagged": sum(v.action == "flag" for v in self.verdicts),
                "recited": sum(v.recited for v in self.verdicts),
                "removed_markers": sorted({n for v in self.verdicts for n in v.removed})}
