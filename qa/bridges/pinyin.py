"""Names bridge: romanised names in an English question matched to Chinese terms of
the corpus through their toneless pinyin ("Hu Changsheng" -> 胡昌升, "Xiamen" -> 厦门).

At build time every Chinese word of the index (the jieba vocabulary plus the person,
place and organisation names of the annotations) is keyed by its toneless pinyin,
spaces removed (``huchangsheng``; ``qa.lang.pinyin.build_lexicon``); heteronyms give
extra keys. At query time runs of 1-4 English words are looked up the same way,
longest first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import numpy as np

from qa.bridges.english import Word, content, span
from qa.lang.chars import is_cjk
from qa.lang.pinyin import normalize_key, usual_key
from qa.query import KeyTerm

_syllables: frozenset[str] | None = None


def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from the readings of the CJK unified ideographs)."""
    global _syllables
    if _syllables is None:
        from pypinyin import Style, lazy_pinyin

        chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
        _syllables = frozenset(lazy_pinyin(chars, style=Style.NORMAL, errors="ignore")) | {"v", "lv", "nv"}
    return _syllables


def segmentations(key: str, *, limit: int = 4) -> list[list[str]]:
    """Ways to read a run of letters as pinyin syllables ("qiaobo" -> [qiao, bo]), fewest syllables first."""
    valid = syllables()
    out: list[list[str]] = []

    def walk(i: int, acc: list[str]) -> None:
        if len(out) >= limit * 4:
            return
        if i == len(key):
            out.append(list(acc))
            return
        for j in range(min(len(key), i + 6), i, -1):
            if key[i:j] in valid:
                acc.append(key[i:j])
                walk(j, acc)
                acc.pop()

    walk(0, [])
    return sorted(out, key=len)[:limit]


class _Joined:
    """Chunks' text and pinyin, each joined into one string (one line per chunk) so that one
    ``str.find`` pass searches them all, with where each chunk starts in both: two integers per
    chunk, not an offset per character (a list of those took ~1 GB at 100k chunks)."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.text = "\n".join(t.replace("\n", " ") for t, _ in rows)
        self.pinyin = "\n".join(p for _, p in rows)
        pinyin_len = np.fromiter((len(p) + 1 for _, p in rows), dtype=np.int64, count=len(rows))
        chars = np.fromiter((len(t) + 1 for t, _ in rows), dtype=np.int64, count=len(rows))
        self.pinyin_start = np.cumsum(pinyin_len) - pinyin_len
        self.char_start = np.cumsum(chars) - chars

    def char_at(self, pos: int) -> int:
        line = int(np.searchsorted(self.pinyin_start, pos, side="right")) - 1
        return int(self.char_start[line]) + self.pinyin.count(" ", int(self.pinyin_start[line]), pos)

    def count(self, sylls: list[str], counts: dict[str, int]) -> None:
        """Add the words whose pinyin is ``sylls`` (one character each) to ``counts``."""
        pinyin, text = self.pinyin, self.text
        needle = " ".join(sylls)
        i = pinyin.find(needle)
        while i >= 0:  # str.find, not a regex: it is the hot loop of an English question
            end = i + len(needle)
            if (i == 0 or pinyin[i - 1] in " \n") and (end == len(pinyin) or pinyin[end] in " \n"):
                start = self.char_at(i)
                word = text[start: start + len(sylls)]
                if len(word) == len(sylls) and all(map(is_cjk, word)):
                    counts[word] = counts.get(word, 0) + 1
            i = pinyin.find(needle, i + 1)


Candidates = Callable[[str], "list[tuple[str, str]] | None"]


class SyllableScan:
    """Finds a romanised name in the corpus text itself, for names jieba did not keep as
    one word (叶/乔波): the name's syllables are matched against the pinyin of every
    chunk, and the characters there are the name.

    With ``candidates`` (a store's full-text index of the chunks' pinyin: ``(text, pinyin)`` of
    the chunks holding the syllables, or None when it has none) only those chunks are read;
    otherwise every chunk's, joined and kept in memory at the first name looked up."""

    def __init__(self, rows: list[tuple[str, str]] | Callable[[], list[tuple[str, str]]], *,
                 candidates: Candidates | None = None) -> None:
        """``rows``: each chunk's (text, pinyin), or a function returning them, called at the first
        name looked up without ``candidates`` (reading them is a scan of every chunk: 38 s on
        Milvus Lite at 100k chunks, which a Chinese question should not pay)."""
        self._rows = rows
        self._candidates = candidates
        self._lock = threading.Lock()
        self._joined: _Joined | None = None
        self._cache: dict[str, list[str]] = {}

    def _all(self) -> _Joined:
        if self._joined is None:
            with self._lock:
                if self._joined is None:
                    self._joined = _Joined(self._rows() if callable(self._rows) else self._rows)
                    self._rows = []
        return self._joined

    @property
    def text(self) -> str:
        """Every chunk's text, one line each."""
        return self._all().text

    @property
    def pinyin(self) -> str:
        """Every chunk's pinyin (a token per character), one line each."""
        return self._all().pinyin

    def char_at(self, pos: int) -> int:
        """Offset in ``text`` of the character whose pinyin token starts at ``pos`` in
        ``pinyin`` (the k-th token of a chunk's pinyin is its k-th character)."""
        return self._all().char_at(pos)

    def find(self, name: str, *, most: int = 3) -> list[str]:
        key = normalize_key(re.sub(r"['’]s\b", "", name))
        if key in self._cache:
            return self._cache[key]
        counts: dict[str, int] = {}
        for sylls in segmentations(key):
            if len(sylls) < 2:
                continue
            rows = self._candidates(" ".join(sylls)) if self._candidates is not None else None
            (self._all() if rows is None else _Joined(rows)).count(sylls, counts)
            if counts:
                break  # the fewest-syllable reading that occurs wins
        self._cache[key] = found = sorted(counts, key=lambda w: -counts[w])[:most]
        return found


class PinyinBridge:
    """Callable bridge: English question -> name KeyTerms found in the lexicon."""

    def __init__(self, lexicon: dict[str, list[str]], *, is_english_word=None) -> None:
        self.lexicon = lexicon
        # a lower-case word that is ordinary English ("change") is not read as pinyin (嫦娥)
        self.is_english_word = is_english_word or (lambda w: False)

    def lookup(self, name: str) -> list[str]:
        """Corpus words whose pinyin is exactly this name's letters."""
        return self.lexicon.get(normalize_key(re.sub(r"['’]s\b", "", name)), [])

    def match(self, ws: list[Word]) -> list[tuple[list[Word], list[str]]]:
        """Longest runs of words whose joined pinyin names corpus words."""
        out = []
        i = 0
        while i < len(ws):
            for n in range(min(4, len(ws) - i), 0, -1):
                run = ws[i: i + n]
                if any(b.index - a.index != 1 for a, b in zip(run, run[1:])):
                    continue  # only adjacent words form a name
                if not any(w.capitalized for w in run) and any(self.is_english_word(w.lower) for w in run):
                    continue
                key = normalize_key("".join(w.text for w in run))
                found = self.lexicon.get(key, []) if len(key) >= 4 else []
                if n == 1 and self.is_english_word(run[0].lower):
                    # an English word read as pinyin only through a rare reading of a character
                    # ("China" as 提纳, chi-na) is the English word, not a name
                    found = [f for f in found if usual_key(f) == key]
                if found:
                    out.append((run, found))
                    i += n
                    break
            else:
                i += 1
        return out

    def __call__(self, question: str) -> list[KeyTerm]:
        from qa.bridges.english import words

        terms = []
        for run, found in self.match(content(words(question))):
            source = span(question, run)
            terms.append(KeyTerm(text=found[0], forms=tuple(found[:4]), kind="name", weight=1.0, source=source))
        return terms
