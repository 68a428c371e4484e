"""Question answering over Chinese news, offline, with cited answers.

>>> from qa import Assistant
>>> answer = Assistant.load("index").ask("胡昌升在北京会见了哪些人？")
>>> print(answer.answer)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.settings import Settings
    from qa.types import Answer, Article, Chunk, Citation, Hit

_LAZY = {
    "Assistant": "qa.assistant", "Settings": "qa.settings",
    "Answer": "qa.types", "Article": "qa.types", "Chunk": "qa.types", "Citation": "qa.types", "Hit": "qa.types",
}


def __getattr__(name: str) -> Any:  # keep `import qa` and `qa --help` instant
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


__all__ = ["Answer", "Article", "Assistant", "Chunk", "Citation", "Hit", "Settings", "__version__"]
