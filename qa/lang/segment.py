"""Segmentation: jieba set up once, BM25 tokens, and part-of-speech tags.

Every caller that cuts Chinese into words goes through here, so the build and the
question side cut the same way, and jieba loads its dictionary once per process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from qa.lang import resources

TOKENIZER = "jieba.lcut_for_search"
_KEEP = re.compile(r"[\w\u3400-\u9fff]")
_lock = threading.Lock()
_ready = False


def jieba():
    """The jieba module, initialised (dictionary loaded, logging quiet)."""
    global _ready
    import jieba as _jieba

    if not _ready:
        with _lock:
            if not _ready:
                _jieba.setLogLevel(60)
                _jieba.initialize()
                _ready = True
    return _jieba


def stopwords_zh() -> frozenset[str]:
    return resources.words("stopwords_zh")


def stopwords_en() -> frozenset[str]:
    return resources.words("stopwords_en")


@lru_cache(maxsize=1)
def irregular() -> dict[str, str]:
    """Irregular English form -> base form (met -> meet, children -> child)."""
    return {form: row[0] for row in resources.table("irregular_en") for form in row[1:]}


def stopwords() -> frozenset[str]:
    return stopwords_zh() | stopwords_en()


def tokenize(text: str) -> list[str]:
    """BM25 tokens: jieba's search-mode words (a long word and its parts), lowercased,
    without punctuation or stopwords. Traditional characters are read as Simplified.

    >>> tokenize("胡昌升与IBM全球副总裁座谈")
    ['胡昌升', 'ibm', '全球', '副总', '总裁', '副总裁', '座谈']
    """
    from qa.lang.script import to_simplified

    stop = stopwords()
    out = []
    for w in jieba().lcut_for_search(to_simplified(text)):
        w = w.strip().lower()
        if w and _KEEP.search(w) and w not in stop and not any(c.isspace() for c in w):
            out.append(w)
    return out


def tag(text: str) -> list[tuple[str, str]]:
    """``(word, part-of-speech flag)`` pairs of jieba's tagger; the words concatenate to ``text``."""
    import jieba.posseg as pseg

    jieba()
    return [(p.word, p.flag) for p in pseg.lcut(text)]


def tag_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, flag)`` of every word of ``text``."""
    out, pos = [], 0
    for word, flag in tag(text):
        out.append((pos, pos + len(word), flag))
        pos += len(word)
    return out


def frequency(word: str) -> int:
    """How often jieba's dictionary has seen ``word`` (0 for a word it does not know)."""
    return jieba().dt.FREQ.get(word) or 0


def cut(text: str) -> list[str]:
    """Plain jieba words (precise mode), for n-gram and alignment features."""
    return jieba().lcut(text)


def known(words: Iterable[str]) -> list[str]:
    """The words jieba's dictionary has."""
    freq = jieba().dt.FREQ
    return [w for w in words if freq.get(w)]
