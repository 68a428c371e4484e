"""Scripts: Traditional Chinese read as Simplified (OpenCC), so that a question in one
script finds articles in the other. Display text is never converted; only what is
compared (BM25 tokens, annotations, question analysis)."""

from __future__ import annotations

import threading
from functools import lru_cache

_lock = threading.Lock()
_converter = None


def _t2s():
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                try:
                    import opencc
                except ImportError as e:  # pragma: no cover - a core dependency
                    raise ImportError("reading Traditional Chinese needs OpenCC: pip install opencc") from e
                _converter = opencc.OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    """``text`` with Traditional characters converted to Simplified; same length, so
    offsets stay valid (OpenCC's t2s maps character to character, and falls back to the
    text as it is if a phrase conversion would change the length). Remembers the last
    ``SIMPLIFIED_CACHE`` texts: answering converts the same sentences and spans many times.

    >>> to_simplified("臺灣的學術研究")
    '台湾的学术研究'
    """
    if not text or text.isascii():
        return text
    return _simplified(text)


SIMPLIFIED_CACHE = 1 << 16  # texts; sentences and spans of a few hundred questions


@lru_cache(maxsize=SIMPLIFIED_CACHE)
def _simplified(text: str) -> str:
    out = _t2s().convert(text)
    if len(out) != len(text):  # a phrase rule changed the length: convert char by char
        conv = _t2s()
        out = "".join(c if len(s := conv.convert(c)) != 1 else s for c in text)
    return out
