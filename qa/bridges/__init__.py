"""Bridges from an English question to the Chinese index, with no model download:
romanised names through pinyin (``pinyin.py``) and words and phrases through
CC-CEDICT (``dictionary.py``). Each is a separate, testable step; ``EnglishBridge``
runs them in order so that each English word is used once:

1. words the index holds as they are (IBM, 5G);
2. dictionary phrases of two or more words ("World Cup", "Xiamen University");
3. romanised names ("Hu Changsheng" -> 胡昌升);
4. dictionary words ("meet" -> 会见, 见面, ...).
"""

from __future__ import annotations

import re

from qa.bridges.dictionary import DictionaryBridge, is_noun
from qa.bridges.english import content, span, words
from qa.bridges.pinyin import PinyinBridge
from qa.query import Bridge, KeyTerm


class EnglishBridge:
    def __init__(self, vocab: dict[str, int], pinyin_lexicon: dict[str, list[str]]) -> None:
        self.vocab = vocab
        self.dictionary = DictionaryBridge(self.in_index)
        self.names = PinyinBridge(pinyin_lexicon, is_english_word=self.dictionary.is_english_word)

    def in_index(self, term: str) -> bool:
        return term.lower() in self.vocab

    def __call__(self, question: str) -> list[KeyTerm]:
        all_words = words(question)
        ws = content(all_words)
        terms: list[KeyTerm] = []
        used = answer_type_words(all_words)
        for w in ws:  # 0. month names: "November 17" -> 11月17日, "November" -> 11月
            if w.lower in MONTHS and w.index not in used:
                m = MONTHS[w.lower]
                day = re.search(rf"\b{re.escape(w.text)}\.?\s+(\d{{1,2}})(?!\d)", question)
                forms = (f"{m}月{int(day.group(1))}日",) if day else (f"{m}月",)
                terms.append(KeyTerm(text=forms[0], forms=forms, kind="number" if day else "word", source=w.text))
                used.add(w.index)
        for w in ws:  # 1. as written
            if w.lower in self.vocab and (w.capitalized or any(c.isdigit() for c in w.text)):
                terms.append(KeyTerm(text=w.text, forms=(w.text,), kind="name", source=w.text))
                used.add(w.index)
        rest = [w for w in ws if w.index not in used]
        for run, inside, _outside in self.dictionary.match(rest):  # 2. phrases
            if len(run) > 1 and inside:
                kind = "name" if all(w.capitalized for w in run) else "noun" if is_noun(inside[0]) else "word"
                terms.append(KeyTerm(text=inside[0], forms=tuple(inside), kind=kind,
                                     source=span(question, run)))
                used.update(w.index for w in run)
        rest = [w for w in ws if w.index not in used]
        for run, found in self.names.match(rest):  # 3. names
            terms.append(KeyTerm(text=found[0], forms=tuple(found[:4]), kind="name",
                                 source=span(question, run)))
            used.update(w.index for w in run)
        terms += self.dictionary(question, skip=used)  # 4. words
        return terms


MONTHS = {m: i for i, m in enumerate("january february march april may june july august september october "
                                     "november december".split(), 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items()) if m != "may"})
_ASKING = {"what", "which", "whose"}  # "how many employees" keeps employees: the count is of them
_COUNTS = {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "several", "few", "main", "key"}


def answer_type_words(ws: list) -> set[int]:
    """Indexes of words that name the kind of answer ("what date", "which two officials",
    "how many guests"): what the passage must supply, not what it must mention."""
    out: set[int] = set()
    for prev, w in zip(ws, ws[1:]):
        asking = prev.lower in _ASKING or (prev.index in out and prev.lower in _COUNTS)
        if asking and w.index == prev.index + 1:
            out.add(w.index)
    return out


def default_bridges(store) -> tuple[Bridge, ...]:
    """The bridges the default offline configuration uses for ``store``."""
    bm25 = store.bm25
    if bm25 is None:
        return ()
    return (EnglishBridge(bm25.vocab, store.lexicon.get("pinyin", {})),)
