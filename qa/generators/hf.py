"""A ``ChatModel`` running a Hugging Face chat model in-process with transformers.

The model is a hub id or a local directory (``QA_LLM_MODEL``); it loads on first
use. The prompt is rendered with the tokenizer's own chat template, its window
is the model's (``max_position_embeddings``, capped by ``QA_LLM_CONTEXT_TOKENS``),
and tokens stream through ``TextIteratorStreamer`` while ``generate`` runs in a
thread. One answer is generated at a time per model.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from qa.generators.base import ChatEvent, Message, ModelError, ModelLoadError, ModelTimeout, Usage

FALLBACK_WINDOW = 2048  # a model whose config names no window


def _imports():
    try:
        import torch
        import transformers
    except ImportError:
        raise ImportError("the transformers generator needs torch and transformers: "
                          "pip install torch==2.13.0 'chinese-news-qa[llm]'") from None
    return torch, transformers


def pick_device(device: str | None) -> str:
    torch, _ = _imports()
    if device:
        return device
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


class TransformersChat:
    """A local chat model (an instruct model with a chat template).

    Args:
        model: hub id or local directory, as ``AutoModelForCausalLM.from_pretrained`` takes it.
        device: ``cpu``, ``cuda``, ``cuda:1``, ``mps``; default the first available.
        context_tokens: cap on the window the prompt and answer share.
        generate_kwargs: extra ``generate`` arguments (``repetition_penalty``, ``logits_processor``...).
    """

    def __init__(self, model: str, *, device: str | None = None, context_tokens: int | None = None,
                 generate_kwargs: dict[str, Any] | None = None) -> None:
        self.model_id = str(model)
        path = Path(self.model_id)
        self.name = f"transformers:{path.name if path.is_dir() else self.model_id}"
        self.device = device
        self.cap = context_tokens
        self.generate_kwargs = dict(generate_kwargs or {})
        self._model = None
        self._tok = None
        self._load_lock = threading.Lock()
        self._generate_lock = threading.Lock()

    def load(self) -> TransformersChat:
        """Load tokenizer and model now (else on first use).

        Raises:
            ImportError: torch or transformers is not installed.
            ModelLoadError: the model cannot be found or has no chat template.
        """
        with self._load_lock:
            if self._model is not None:
                return self
            torch, transformers = _imports()
            device = pick_device(self.device)
            try:
                tok = transformers.AutoTokenizer.from_pretrained(self.model_id)
                dtype = torch.float32 if device == "cpu" else "auto"  # bf16 is slow on many CPUs
                key = "dtype" if _version(transformers) >= (4, 56) else "torch_dtype"
                model = transformers.AutoModelForCausalLM.from_pretrained(self.model_id, **{key: dtype})
            except (OSError, ValueError) as e:
                raise ModelLoadError(
                    f"cannot load the transformers model {self.model_id!r}: {e}\n"
                    f"QA_LLM_MODEL takes a local directory or a model id already in the Hugging Face cache "
                    f"(this machine may have no access to the hub).") from e
            if not getattr(tok, "chat_template", None):
                raise ModelLoadError(f"{self.model_id!r} has no chat template: use a chat (instruct) model")
            model.to(device)
            model.eval()
            self._tok, self._model, self._device = tok, model, device
        return self

    def context_tokens(self) -> int:
        self.load()
        cfg = self._model.config
        cfg = getattr(cfg, "get_text_config", lambda: cfg)()
        window = next((getattr(cfg, k) for k in ("max_position_embeddings", "n_positions", "max_sequence_length",
                                                    "seq_length") if isinstance(getattr(cfg, k, None), int)), None)
        if window is None:
            limit = getattr(self._tok, "model_max_length", None)
            window = limit if isinstance(limit, int) and limit < 1_000_000 else FALLBACK_WINDOW
        return min(window, self.cap) if self.cap else window

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt text the chat template makes (a template without a system role
        gets the system text at the top of the first user message)."""
        self.load()
        from jinja2.exceptions import TemplateError

        try:
            return self._tok.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
        except TemplateError:
            if not messages or messages[0]["role"] != "system":
                raise
            system, rest = messages[0]["content"], list(messages[1:])
            merged = [{"role": rest[0]["role"], "content": f"{system}\n\n{rest[0]['content']}"}] + rest[1:]
            return self._tok.apply_chat_template(merged, tokenize=False, add_generation_prompt=True)

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return len(self._tok(self.render(messages), add_special_tokens=False)["input_ids"])

    def chat(self, messages: Sequence[Message], *, max_tokens: int, deadline: float) -> Iterator[ChatEvent]:
        """Text deltas as ``generate`` produces them, then ``Usage``. Raises ModelTimeout, ModelError."""
        torch, transformers = _imports()
        self.load()
        inputs = self._tok(self.render(messages), add_special_tokens=False, return_tensors="pt").to(self._device)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        with self._generate_lock:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ModelTimeout(f"{self.name}: no time left to generate")
            streamer = transformers.TextIteratorStreamer(self._tok, skip_prompt=True, skip_special_tokens=True,
                                                         timeout=remaining)
            stop = threading.Event()
            result: dict[str, Any] = {}

            class Cancel(transformers.StoppingCriteria):
                def __call__(self, input_ids, scores, **kwargs):
                    return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

            pad = self._tok.pad_token_id if self._tok.pad_token_id is not None else self._tok.eos_token_id
            kwargs = {"max_new_tokens": max_tokens, "do_sample": False, "max_time": remaining,
                      "pad_token_id": pad, **self.generate_kwargs}
            kwargs["stopping_criteria"] = transformers.StoppingCriteriaList(
                [*kwargs.get("stopping_criteria", []), Cancel()])

            def run() -> None:
                try:
                    with torch.inference_mode():
                        out = self._model.generate(**inputs, streamer=streamer, **kwargs)
                    result["completion"] = int(out.shape[1]) - prompt_tokens
                except BaseException as e:  # reported by the consumer below
                    result["error"] = e
                    streamer.text_queue.put(streamer.stop_signal)

            thread = threading.Thread(target=run, name=f"generate {self.name}", daemon=True)
            thread.start()
            try:
                for text in streamer:
                    if time.monotonic() > deadline:
                        raise ModelTimeout(f"{self.name} was still generating when the time allowed ran out")
                    if text:
                        yield text
            except queue.Empty:
                raise ModelTimeout(f"{self.name} produced no token in time") from None
            finally:
                stop.set()
                thread.join(timeout=30)
            if "error" in result:
                raise ModelError(f"{self.name} failed: {type(result['error']).__name__}: {result['error']}") \
                    from result["error"]
            completion = result.get("completion", 0)
            if time.monotonic() > deadline and completion < max_tokens:
                raise ModelTimeout(f"{self.name} was stopped by the time limit after {completion} tokens")
            yield Usage(prompt_tokens, completion)


def _version(module) -> tuple[int, int]:
    parts = module.__version__.split(".")
    return int(parts[0]), int(parts[1])
