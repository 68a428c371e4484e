"""What the model backends share: the ``ChatModel`` protocol, token usage, and errors.

A ``ChatModel`` turns chat messages into streamed text; it knows nothing about
passages or citations (``qa.generators.llm`` does). Two implementations:
``qa.generators.hf.TransformersChat`` and ``qa.generators.openai_compat.OpenAIChat``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from qa.errors import QAError
from qa.lang.chars import is_cjk

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}, the chat format


@dataclass(frozen=True)
class Usage:
    """Tokens of one model call; ``estimated`` when the backend did not report them."""

    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False


ChatEvent = str | Usage


class ChatModel(Protocol):
    """A chat model; ``chat`` is the one essential method.

    ``chat`` yields text deltas and, last, one ``Usage``. It raises ``ModelTimeout``
    when ``deadline`` (a ``time.monotonic()`` value) passes and ``ModelError`` on any
    other failure of the model or server.
    """

    name: str

    def chat(self, messages: Sequence[Message], *, max_tokens: int, deadline: float) -> Iterator[ChatEvent]: ...

    def context_tokens(self) -> int:
        """The prompt + answer window, in tokens."""
        ...

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens of the prompt these messages make (exact or estimated)."""
        ...


class ModelError(QAError):
    """The model or its server failed; the answer falls back to the extractive one."""

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.details = dict(details or {})


class ModelTimeout(ModelError):
    """The model did not finish within the time allowed (``QA_LLM_TIMEOUT``)."""


class UnusableOutput(ModelError):
    """The model answered, but nothing of it survived the citation check."""


class EmptyOutput(UnusableOutput):
    """The model returned no text at all."""


class ModelLoadError(QAError):
    """The model cannot be loaded or reached as configured: a configuration error,
    raised rather than answered around."""


def estimate_tokens(text: str) -> int:
    """A tokenizer-free upper estimate: a CJK character is about one token, other
    text about four characters per token."""
    cjk = sum(map(is_cjk, text))
    return cjk + (len(text) - cjk + 3) // 4


def estimate_messages(messages: Sequence[Message]) -> int:
    return sum(estimate_tokens(m["content"]) + 4 for m in messages) + 2  # role markers per message
