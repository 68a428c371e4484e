"""Bridges from an English question to the Chinese index, with no model download:
romanised names through pinyin (``pinyin.py``) and words and phrases through
CC-CEDICT (``dictionary.py``). Each is a separate, testable step; ``EnglishBridge``
runs them in order so that each English word is used once:

1. month names with a day ("November 17" -> 11月17日);
2. dictionary phrases of two or more words ("World Cup", "Xiamen University");
3. words the index holds as they are (IBM, 5G), with their translations;
4. romanised names: words of the corpus by their pinyin ("Hu Changsheng" -> 胡昌升), then,
   for a capitalised name jieba split (叶/乔波), the corpus text by its syllables;
5. dictionary words ("meet" -> 会见, 会晤, 会面).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from qa.bridges.dictionary import DictionaryBridge, is_noun
from qa.bridges.english import content, span, words
from qa.bridges.pinyin import PinyinBridge, SyllableScan
from qa.lang import resources
from qa.query import Bridge, KeyTerm


class EnglishBridge:
    def __init__(self, vocab: dict[str, int], pinyin_lexicon: dict[str, list[str]],
                 scan: SyllableScan | None = None, docs: Callable[[str], np.ndarray] | None = None) -> None:
        self.vocab = vocab
        self.docs = docs
        self.dictionary = DictionaryBridge(self.in_index)
        self.names = PinyinBridge(pinyin_lexicon, is_english_word=self.dictionary.is_english_word)
        self.scan = scan

    def in_index(self, term: str) -> bool:
        return term.lower() in self.vocab

    def readings(self, name: str) -> list[str]:
        """The index's words that a romanised name reads as: words of the corpus by their pinyin,
        else the corpus text by its syllables ("Hu Changsheng" -> [胡昌升]); [] when none."""
        return self.names.lookup(name) or (self.scan.find(name) if self.scan is not None else [])

    def lexicon_readings(self, name: str) -> list[str]:
        """The words of the index's pinyin lexicon that a romanised name reads as (not the
        corpus text's syllables: a reading found there is no word)."""
        return self.names.lookup(name)

    def chinese_name(self, name: str) -> str | None:
        """The index's word for a romanised name (the first reading when several read so), None
        when no word of the index reads so."""
        found = self.readings(name)
        return found[0] if found else None

    def __call__(self, question: str) -> list[KeyTerm]:
        all_words = words(question)
        ws = content(all_words)
        terms: list[KeyTerm] = []
        used = answer_type_words(all_words)
        for w in ws:  # 1. month names
            if w.lower in months() and w.index not in used:
                day = re.search(rf"\b{re.escape(w.text)}\.?\s+(\d{{1,2}})(?!\d)", question)
                if len(w.lower) == 3 and not day:
                    continue  # "Jun" alone is more likely a name than June
                m = months()[w.lower]
                forms = (f"{m}月{int(day.group(1))}日",) if day else (f"{m}月",)
                terms.append(KeyTerm(text=forms[0], forms=forms, kind="number" if day else "word", source=w.text))
                used.add(w.index)
        rest = [w for w in ws if w.index not in used]
        for run, inside, _outside in self.dictionary.match(rest):  # 2. phrases
            if len(run) > 1 and inside:
                kind = "name" if all(w.capitalized for w in run) else "noun" if is_noun(inside[0]) else "word"
                terms.append(KeyTerm(text=inside[0], forms=tuple(inside), kind=kind, source=span(question, run)))
                used.update(w.index for w in run)

        def name(run: list, found: list[str]) -> None:
            terms.append(KeyTerm(text=found[0], forms=tuple(found[:4]), kind="name", source=span(question, run)))
            used.update(w.index for w in run)

        # 3. a run of capitalised words that reads as one name of the corpus ("Wu Jinfa" -> 吴锦发),
        # before its words are read one by one ("Wu" as written, which an English passage has)
        for run in capitalized_runs([w for w in ws if w.index not in used]):
            if len(run) > 1 and (whole := self.readings(span(question, run))):
                name(run, whole)
        for w in ws:  # 4. as written (IBM, Kowloon in "九龙（Kowloon）")
            if w.index not in used and w.lower in self.vocab and (w.capitalized or any(c.isdigit() for c in w.text)):
                found = self.dictionary.translate([w])
                forms = (w.text, *(found[0][:3] if found else ()))
                terms.append(KeyTerm(text=w.text, forms=forms, kind="name", source=w.text))
                used.add(w.index)
        # 5. romanised names: words of the vocabulary, then single capitalised words that are not English
        for run, found in self.names.match([w for w in ws if w.index not in used]):
            name(run, found)
        if self.scan is not None:
            for run in capitalized_runs([w for w in ws if w.index not in used]):
                run = [w for w in run if not self.dictionary.is_english_word(w.lower)]
                if len(run) == 1 and (found := self.scan.find(span(question, run))):
                    name(run, found)
        terms += self.dictionary(question, skip=used)  # 6. words
        return disambiguate(terms, self.docs) if self.docs is not None else terms


def disambiguate(terms: list[KeyTerm], docs: Callable[[str], np.ndarray]) -> list[KeyTerm]:
    """Order each translated word's forms by how often they share a chunk with the
    question's other terms: "base" beside 金砖 and 创新 is 基地 there, not 基础."""
    def ids(term: KeyTerm) -> set[int]:
        return set().union(*(set(docs(f).tolist()) for f in term.forms[:3])) if term.forms else set()

    out = []
    for i, t in enumerate(terms):
        if len(t.forms) < 2 or t.kind == "number":
            out.append(t)
            continue
        context = set().union(*(ids(o) for j, o in enumerate(terms) if j != i))
        if not context:
            out.append(t)
            continue

        def together(form: str, context: set[int] = context) -> float:
            d = docs(form)
            return len(context.intersection(d.tolist())) / (len(d) ** 0.5) if len(d) else 0.0

        ranked = sorted(t.forms, key=lambda f: -together(f))  # stable: dictionary order breaks ties
        out.append(KeyTerm(text=ranked[0], forms=tuple(ranked), kind=t.kind, weight=t.weight, source=t.source))
    return out


def capitalized_runs(ws: list) -> list[list]:
    """Runs of adjacent capitalised words not at the start of the question ("Ye Qiaobo")."""
    runs: list[list] = []
    for w in ws:
        if not w.capitalized or w.index == 0:
            continue
        if runs and runs[-1][-1].index == w.index - 1:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


@lru_cache(maxsize=1)
def months() -> dict[str, int]:
    """English month names and their three-letter abbreviations -> month number (nov -> 11)."""
    out = {m.lower(): i for i, m in enumerate(resources.ordered("months_en"), 1)}
    out.update({m[:3]: i for m, i in list(out.items()) if m != "may"})
    return out


@lru_cache(maxsize=1)
def _asking() -> tuple[frozenset[str], frozenset[str]]:
    """English question words after which a noun names the answer type (what, which), and
    the words that may come between (which two officials); "how many employees" keeps
    employees: the count is of them."""
    rows = {role: frozenset(ws) for role, lang, *ws in resources.table("answer_type_words") if lang == "en"}
    return rows["asking"], rows["between"]


def answer_type_words(ws: list) -> set[int]:
    """Indexes of words that name the kind of answer ("what date", "which two officials",
    "how many guests"): what the passage must supply, not what it must mention."""
    asking_words, between = _asking()
    out: set[int] = set()
    for prev, w in zip(ws, ws[1:]):
        asking = prev.lower in asking_words or (prev.index in out and prev.lower in between)
        if asking and w.index == prev.index + 1:
            out.add(w.index)
    return out


def chinese_names(bridges: tuple[Bridge, ...]) -> Callable[[str], str | None]:
    """``name -> its Chinese form in the index or None`` through the bridges that read names
    (what a Chinese follow-up writes for a name an English question used, ``qa.followup``)."""
    readers = [b.chinese_name for b in bridges if hasattr(b, "chinese_name")]

    def translate(name: str) -> str | None:
        return next((found for read in readers if (found := read(name))), None)

    return translate


def lexicon_readings(bridges: tuple[Bridge, ...]) -> Callable[[str], list[str]] | None:
    """``name -> the index's lexicon words it reads as`` through the bridges that read names
    from the lexicon (``qa.retrieve.name_pieces``), or None when none does."""
    readers = [b.lexicon_readings for b in bridges if hasattr(b, "lexicon_readings")]
    if not readers:
        return None
    return lambda name: [w for read in readers for w in read(name)]


def default_bridges(store) -> tuple[Bridge, ...]:
    """The bridges the default offline configuration uses for ``store``."""
    bm25 = store.bm25
    if bm25 is None:
        return ()
    # names jieba split are looked up in the store's full-text index of the chunks' pinyin; without
    # one, every chunk's pinyin is read at the first name looked up, not for every store opened
    scan = SyllableScan(lambda: store.transliterations, candidates=store.pinyin_candidates)
    return (EnglishBridge(bm25.vocab, store.lexicon.get("pinyin", {}), scan, docs=bm25.docs),)
