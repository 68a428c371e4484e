"""A ``ChatModel`` for any server speaking OpenAI's chat-completions protocol
(vLLM, Ollama, llama.cpp server, TGI, hosted APIs), over httpx.

Streaming uses server-sent events: ``data: {chunk}`` lines, each chunk carrying
``choices[0].delta.content``, then ``data: [DONE]``; ``stream_options.include_usage``
asks for a last chunk with token ``usage`` (servers that do not send it get an
estimate). Connection errors and HTTP 408/409/429/5xx are retried with backoff
before the first token; the deadline covers retries and the whole stream.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence

from qa.generators.base import (
    ChatEvent,
    Message,
    ModelError,
    ModelLoadError,
    ModelTimeout,
    Usage,
    estimate_messages,
    estimate_tokens,
)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_CONTEXT_TOKENS = 4096  # Ollama's default window; set QA_LLM_CONTEXT_TOKENS for more
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


def _httpx():
    try:
        import httpx
    except ImportError:
        raise ImportError("the openai generator needs httpx: pip install 'chinese-news-qa[llm]'") from None
    return httpx


class OpenAIChat:
    """Chat completions at ``base_url`` (e.g. ``http://127.0.0.1:8000/v1``).

    Args:
        model: the served model's name; ``None`` asks the server (``GET /models``)
            and takes its only model.
        api_key: sent as a bearer token when given.
        stream: stream with server-sent events (else one JSON response).
        retries: extra attempts after a connection error or a retryable status.
        context_tokens: the model's window (the server does not say); prompts are cut to fit.
    """

    def __init__(self, model: str | None = None, *, base_url: str | None = None, api_key: str | None = None,
                 stream: bool = True, retries: int = 2, backoff: float = 0.5, temperature: float = 0.0,
                 context_tokens: int | None = None) -> None:
        self.model = model
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.api_key = api_key
        self.stream = stream
        self.retries = retries
        self.backoff = backoff
        self.temperature = temperature
        self._context = context_tokens or DEFAULT_CONTEXT_TOKENS
        self._client = None
        self._lock = threading.Lock()
        self._usage_option = True  # dropped if the server rejects stream_options

    @property
    def name(self) -> str:
        return f"openai:{self.model}" if self.model else "openai"

    def context_tokens(self) -> int:
        return self._context

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return estimate_messages(messages)

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
                self._client = _httpx().Client(headers=headers)
            return self._client

    def load(self) -> OpenAIChat:
        """Resolve the model name now (asks the server when none was configured)."""
        if not self.model:
            self.model = self._served_model(time.monotonic() + 30)
        return self

    def _served_model(self, deadline: float) -> str:
        httpx = _httpx()
        url = f"{self.base_url}/models"
        try:
            r = self.client.get(url, timeout=max(0.1, deadline - time.monotonic()))
            r.raise_for_status()
            ids = [m.get("id") for m in r.json().get("data", []) if m.get("id")]
        except httpx.TimeoutException as e:
            raise ModelTimeout(f"{url} did not answer in time") from e
        except (httpx.HTTPError, ValueError) as e:
            raise ModelError(f"could not list the models at {url}: {e}") from e
        if len(ids) != 1:
            raise ModelLoadError(f"{url} serves {len(ids)} models ({', '.join(ids[:10])}); "
                                 f"choose one with QA_LLM_MODEL or --llm-model")
        return ids[0]

    def chat(self, messages: Sequence[Message], *, max_tokens: int, deadline: float) -> Iterator[ChatEvent]:
        """Text deltas, then ``Usage``. Raises ModelTimeout, ModelError."""
        httpx = _httpx()
        if not self.model:
            self.model = self._served_model(deadline)
        url = f"{self.base_url}/chat/completions"
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ModelTimeout(f"{url} did not answer within the time allowed")
            body = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens,
                    "temperature": self.temperature, "stream": self.stream}
            if self.stream and self._usage_option:
                body["stream_options"] = {"include_usage": True}
            started = False
            try:
                with self.client.stream("POST", url, json=body,
                                        timeout=httpx.Timeout(remaining, connect=min(remaining, 10.0))) as r:
                    if r.status_code >= 400:
                        detail = r.read().decode("utf-8", "replace")[:300]
                        if r.status_code == 400 and "stream_options" in body and "stream_options" in detail:
                            self._usage_option = False
                            continue
                        if r.status_code in RETRY_STATUS and attempt < self.retries:
                            attempt += 1
                            time.sleep(min(self.backoff * 2 ** (attempt - 1), max(0.0, deadline - time.monotonic())))
                            continue
                        raise ModelError(f"{url} answered HTTP {r.status_code} after {attempt + 1} attempt(s): {detail}",
                                         details={"http_status": r.status_code, "attempts": attempt + 1})
                    parts = self._sse(r, deadline) if self.stream else self._json(r)
                    text = ""
                    usage = None
                    for event in parts:
                        if isinstance(event, Usage):
                            usage = event
                        elif event:
                            started = True
                            text += event
                            yield event
                    yield usage or Usage(estimate_messages(messages), estimate_tokens(text), estimated=True)
                    return
            except httpx.TimeoutException as e:
                raise ModelTimeout(f"{url} did not answer within the time allowed ({type(e).__name__})") from e
            except httpx.TransportError as e:
                if started or attempt >= self.retries:
                    raise ModelError(f"connection to {url} failed: {e}") from e
                attempt += 1
                time.sleep(min(self.backoff * 2 ** (attempt - 1), max(0.0, deadline - time.monotonic())))

    def _sse(self, r, deadline: float) -> Iterator[str | Usage]:
        """Events of a server-sent-event stream; an event may span several ``data:`` lines."""
        data: list[str] = []
        for line in r.iter_lines():
            if time.monotonic() > deadline:
                raise ModelTimeout(f"{self.base_url} was still streaming when the time allowed ran out")
            if line.startswith("data:"):
                value = line[5:].strip()
                if value == "[DONE]":
                    return
                data.append(value)
                try:
                    obj = json.loads("\n".join(data))
                except ValueError:
                    continue  # more lines of this event to come
                data = []
                yield from self._chunk(obj)
            elif not line.strip() and data:  # the end of an event that did not parse
                raise ModelError(f"{self.base_url} sent a malformed event: {' '.join(data)[:200]!r}")
        if data:
            raise ModelError(f"{self.base_url} ended the stream inside an event: {' '.join(data)[:200]!r}")

    def _chunk(self, obj: dict) -> Iterator[str | Usage]:
        if obj.get("error"):
            raise ModelError(f"{self.base_url} reported an error: {str(obj['error'])[:300]}")
        for choice in obj.get("choices") or []:
            content = (choice.get("delta") or choice.get("message") or {}).get("content")
            if content:
                yield content
        if obj.get("usage"):
            u = obj["usage"]
            yield Usage(int(u.get("prompt_tokens") or 0), int(u.get("completion_tokens") or 0))

    def _json(self, r) -> Iterator[str | Usage]:
        body = r.read().decode("utf-8", "replace")
        try:
            obj = json.loads(body)
        except ValueError as e:
            raise ModelError(f"{self.base_url} sent a malformed response: {body[:200]!r}") from e
        yield from self._chunk(obj)
