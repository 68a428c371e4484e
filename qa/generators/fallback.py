"""Fallback: when a model fails, times out or writes nothing usable, answer with the
extractive generator instead, and say so in the answer text and in its details.

Configuration errors (a model that cannot be loaded, a missing package) are not
answered around: they are raised, so that a wrong setting is noticed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence

from qa.answer import AnswerContext, Event, Generator
from qa.errors import ConfigError
from qa.generators.base import EmptyOutput, ModelError, ModelLoadError, ModelTimeout, UnusableOutput
from qa.types import Answer

log = logging.getLogger(__name__)

NOTICE = {
    "zh": "（{model} 未能回答：{reason}。以下为原文摘录。）\n",
    "en": "({model} could not answer: {reason}. Quoting the articles instead.)\n",
}
REASONS = {
    "timeout": {"zh": "超时", "en": "it timed out"},
    "error": {"zh": "模型出错", "en": "the model failed"},
    "empty": {"zh": "没有返回内容", "en": "it returned nothing"},
    "unusable": {"zh": "回答未通过引用核查", "en": "its answer did not pass the citation check"},
}


def failure_kind(error: BaseException) -> str:
    if isinstance(error, ModelTimeout):
        return "timeout"
    if isinstance(error, EmptyOutput):
        return "empty"
    if isinstance(error, UnusableOutput):
        return "unusable"
    return "error"


class WithFallback:
    """A generator that answers with ``primary`` and, if that fails, with ``fallback``.

    The final answer of a fallback has ``generator`` set to the fallback's name and
    ``details["fallback"] = {"from", "kind", "error"}`` plus the failed attempt's own
    details (tokens, time, raw output). Text ``primary`` streamed before failing is
    not part of the final answer, which starts with a notice.
    """

    def __init__(self, primary: Generator, fallback: Generator) -> None:
        self.primary = primary
        self.fallback = fallback

    @property
    def name(self) -> str:
        return self.primary.name

    def load(self) -> WithFallback:
        for g in (self.primary, self.fallback):
            load = getattr(g, "load", None)
            if callable(load):
                load()
        return self

    def rewrite_followup(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        fn = getattr(self.primary, "rewrite_followup", None)
        if not callable(fn):
            raise NotImplementedError(f"{self.primary.name} does not rewrite follow-up questions")
        return fn(question, history)

    def stream(self, ctx: AnswerContext) -> Iterator[Event]:
        streamed = False
        try:
            final = None
            for event in self.primary.stream(ctx):
                if isinstance(event, Answer):
                    final = event
                else:
                    streamed = streamed or bool(event)
                    yield event
            if final is None:
                raise UnusableOutput(f"{self.primary.name} ended without an answer")
            yield final
            return
        except (ConfigError, ModelLoadError, ImportError):
            raise
        except Exception as e:  # any failure of the model: answer without it, and say so
            error = e
        kind = failure_kind(error)
        if not isinstance(error, ModelError):
            log.warning("generator %s failed; answering with %s", self.primary.name, self.fallback.name, exc_info=error)
        notice = NOTICE[ctx.language].format(model=self.primary.name, reason=REASONS[kind][ctx.language])
        yield ("\n\n" if streamed else "") + notice
        final = None
        for event in self.fallback.stream(ctx):
            if isinstance(event, Answer):
                final = event
            else:
                yield event
        assert final is not None
        attempt = dict(getattr(error, "details", {}) or {})
        details = {**attempt, **final.details,
                   "fallback": {"from": self.primary.name, "kind": kind,
                                "error": f"{type(error).__name__}: {error}"[:500]}}
        timings = dict(final.timings_ms)
        llm = attempt.get("llm") or {}
        if llm.get("ms", {}).get("total") is not None:
            timings["llm"] = llm["ms"]["total"]
        yield dataclasses.replace(final, answer=notice + final.answer, details=details, timings_ms=timings)
