"""Does a passage support a claim? A lexical first test, in both answer languages.

A claim's checkable items are its numbers, names and key terms:

- numbers must occur in the passage (its title and date included), compared as
  values: ``12亿`` = ``1.2 billion``, ``十二`` = ``12``, ``November`` = ``11``;
- a Chinese claim's names and words (jieba) must occur in the passage, a word
  sharing most of its character pairs counting in part (厦门市 / 厦门);
- an English claim's names may be romanised: ``Hu Changsheng`` matches 胡昌升
  through the passage's pinyin (every reading of a heteronym), ``IBM`` matches
  literally; its other words match through CC-CEDICT translations, when the
  dictionary is installed (``qa.bridges.dictionary``).

A claim is supported when every number is found, most of its names are found,
and the weighted share of items found reaches ``min_coverage``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from qa.lexical import STOPWORDS_EN
from qa.text import CJK_CHAR, detect_language

NAME_WEIGHT = 2.0
ENGLISH_WORD_WEIGHT = 0.5  # dictionary translations of English words are noisy evidence
MIN_COVERAGE = 0.6  # the share of a claim's weighted items its passage must contain, as in extractive
_ARABIC = re.compile(r"(\d+(?:[,，]\d{3})*(?:\.\d+)?)\s*(万亿|亿|万|千|百|trillion|billion|million|thousand|hundred)?", re.I)
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_SCALE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2,
          "trillion": 1e12, "billion": 1e9, "million": 1e6, "thousand": 1e3, "hundred": 1e2}
MONTHS = {m: i for i, m in enumerate("january february march april may june july august september "
                                     "october november december".split(), 1)}
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
_CJK_RUN = re.compile(f"{CJK_CHAR}+")
_EN_SKIP = STOPWORDS_EN | set("according article articles passage passages report reported reports news said says "
                              "also well both said told added noted stated mentioned".split())


@dataclass(frozen=True)
class Support:
    """How well a passage supports a claim."""

    supported: bool
    coverage: float  # weighted share of the claim's checkable items found
    checked: int  # number of checkable items (0: nothing to check, e.g. "据报道，")
    missing: tuple[str, ...] = ()
    reason: str = ""


def chinese_number(s: str) -> float | None:
    """Value of a Chinese numeral such as 十二, 三百零五, 两千, 1万 (up to 亿)."""
    total, section, digit = 0.0, 0.0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch in ("万", "亿"):
            total = (total + section + (digit or 0)) * (1e4 if ch == "万" else 1e8)
            section, digit = 0.0, None
        else:
            return None
    value = total + section + (digit or 0)
    return value if value or "零" in s or "〇" in s else None


def numbers(text: str, *, claim: bool = False) -> list[tuple[str, set[float]]]:
    """Numbers of a text as ``(as written, values)``; a scaled number (12亿, 1.2 billion)
    has its scaled value, and in a passage also its bare one. In a claim, a Chinese
    numeral counts only when it has two or more characters (一 is mostly a word part)."""
    out = []
    for m in _ARABIC.finditer(text):
        raw = float(m.group(1).replace(",", "").replace("，", ""))
        unit = (m.group(2) or "").lower()
        values = {raw * _SCALE[unit]} if unit else {raw}
        if unit and not claim:
            values.add(raw)
        out.append((m.group(0).strip(), values))
    for m in _CN_NUMERAL.finditer(text):
        if claim and (len(m.group()) < 2 or not re.search("[十百千万亿]", m.group())):
            continue
        v = chinese_number(m.group())
        if v is not None:
            out.append((m.group(), {v}))
    for w in _LATIN_WORD.findall(text):
        if w.lower() in MONTHS and (w[0].isupper() or not claim):
            out.append((w, {float(MONTHS[w.lower()])}))
    return out


@lru_cache(maxsize=512)
def _readings(text: str) -> tuple[tuple[str, ...], ...]:
    """Per character (or non-Chinese run), its toneless pinyin readings, lowercased."""
    from pypinyin import Style, pinyin

    return tuple(tuple(r.lower().replace("ü", "v") for r in rs)
                 for rs in pinyin(text, style=Style.NORMAL, heteronym=True, errors="default"))


def pinyin_contains(text: str, name: str) -> bool:
    """Whether romanised ``name`` ("Hu Changsheng", "Xiamen") spells consecutive
    characters of ``text`` in toneless pinyin."""
    target = re.sub(r"[^a-z]", "", name.lower().replace("ü", "v"))
    if len(target) < 2:
        return False
    syl = _readings(text)

    def match(i: int, rest: str) -> bool:
        if not rest:
            return True
        if i >= len(syl):
            return False
        return any(r and r.isalpha() and rest.startswith(r) and match(i + 1, rest[len(r):]) for r in syl[i])

    return any(match(i, target) for i in range(len(syl)))


def _bigram_share(term: str, text: str) -> float:
    if term in text:
        return 1.0
    if len(term) < 3:
        return 0.0
    pairs = [term[i:i + 2] for i in range(len(term) - 1)]
    return sum(p in text for p in pairs) / len(pairs)


class Evidence:
    """A passage's text (title and date included) with cached views for checking claims."""

    def __init__(self, text: str, *, translate: Callable[[str], Iterable[str]] | None = None) -> None:
        self.text = text
        self.lower = text.lower()
        self.values = {v for _, vs in numbers(text) for v in vs}
        self.translate = translate

    def has_number(self, values: set[float]) -> bool:
        return any(abs(v - w) < 1e-6 * max(1.0, abs(w)) for v in values for w in self.values)

    def chinese_score(self, term: str) -> float:
        return _bigram_share(term.lower(), self.lower)

    def english_score(self, phrase: str, *, name: bool) -> float | None:
        """1 when found, 0 when not, None when a word cannot be checked (no translation
        known). A name of several words scores the share of its words found, each in
        the longest piece found whole ("Xiamen" + "Special Economic Zone")."""
        whole = self._english_found(phrase, name=name)
        words = phrase.split()
        if whole == 1.0 or not name or len(words) == 1:
            return whole if whole is not None or not name else 0.0
        found = i = 0
        while i < len(words):
            for size in range(min(4, len(words) - i), 0, -1):
                if self._english_found(" ".join(words[i:i + size]), name=True) == 1.0:
                    found += size
                    i += size
                    break
            else:
                i += 1
        return found / len(words)

    def _english_found(self, phrase: str, *, name: bool) -> float | None:
        low = phrase.lower()
        if re.search(rf"(?<![a-z]){re.escape(low)}(?![a-z])", self.lower):
            return 1.0
        if name and pinyin_contains(self.text, phrase):
            return 1.0
        forms = [f for f in (self.translate(low) if self.translate else ()) if len(f) >= 2]
        if forms:
            return 1.0 if any(f in self.text for f in forms) else 0.0
        return None


def claim_items(claim: str) -> list[tuple[str, str, int]]:
    """The claim's names and words to check, as ``(kind, text, position)`` with kind
    "name" or "word" (numbers are checked separately); position -1 for Chinese ones."""
    from qa.query import chinese_terms

    english = detect_language(claim) == "en"
    items: list[tuple[str, str, int]] = []
    for run in _CJK_RUN.findall(claim) if english else [claim]:
        for t in chinese_terms(run):
            if t.kind != "number" and not re.fullmatch(r"[\d.,]+", t.text):
                items.append(("name" if t.kind == "name" else "word", t.text, -1))
    if not english:
        return items
    run: list[str] = []

    def close() -> None:
        if run:
            items.append(("name", " ".join(run), -1))
            run.clear()

    for i, m in enumerate(_LATIN_WORD.finditer(claim)):
        w = m.group()
        possessive = w.lower().endswith(("'s", "’s"))
        w = w[:-2] if possessive else w.strip("'’")
        low = w.lower()
        sentence_start = i == 0 or re.search(r"[.!?:;]\s*$", claim[:m.start()]) is not None
        if low in MONTHS or low in _EN_SKIP or len(low) < 2:
            close()
            continue
        if (w[0].isupper() or w.isupper()) and not (sentence_start and not w.isupper() and _is_common(low)):
            run.append(w)
            if possessive:
                close()
            continue
        close()
        items.append(("word", low, m.start()))
    close()
    return items


def _is_common(word: str) -> bool:
    """A sentence-initial capitalised word that is an ordinary English word."""
    return word in _EN_SKIP or word.endswith(("ing", "ed", "ly"))


def support(claim: str, evidence: Evidence, *, min_coverage: float = MIN_COVERAGE) -> Support:
    """Whether ``evidence`` supports ``claim`` (citation markers removed beforehand)."""
    missing: list[str] = []
    total = found = 0.0
    checked = 0
    for written, values in numbers(claim, claim=True):
        checked += 1
        if not evidence.has_number(values):
            missing.append(written)
    if missing:
        return Support(False, 0.0, checked, tuple(missing), f"number not in the passage: {', '.join(missing)}")
    names = names_found = 0
    english = detect_language(claim) == "en"
    for kind, text, weight in _weighted_items(claim, evidence):
        is_name = kind == "name"
        if english and not _CJK_RUN.search(text):
            score = evidence.english_score(text, name=is_name)
        else:
            score = evidence.chinese_score(text)
            score = score if score >= 0.5 else 0.0
        if score is None:
            continue
        checked += 1
        total += weight
        found += weight * score
        if is_name:
            names += 1
            names_found += score >= 0.5
        if score < 0.5:
            missing.append(text)
    coverage = found / total if total else 1.0
    if names and (names - names_found) * 2 >= names:
        return Support(False, coverage, checked, tuple(missing),
                       f"{names - names_found} of its {names} names are not in the passage")
    if coverage < min_coverage:
        return Support(False, coverage, checked, tuple(missing), f"key-term coverage {coverage:.2f} < {min_coverage}")
    return Support(True, coverage, checked, tuple(missing), f"key-term coverage {coverage:.2f}")


def _weighted_items(claim: str, evidence: Evidence) -> list[tuple[str, str, float]]:
    """Claim items with their weights; two adjacent English words the dictionary knows
    as a phrase ("artificial intelligence") are one item."""
    items = claim_items(claim)
    out: list[tuple[str, str, float]] = []
    i = 0
    while i < len(items):
        kind, text, pos = items[i]
        if kind == "word" and pos >= 0 and i + 1 < len(items) and items[i + 1][0] == "word" and evidence.translate:
            nxt = items[i + 1]
            between = claim[pos + len(text): nxt[2]]
            if between.strip() == "" and evidence.translate(f"{text} {nxt[1]}"):
                out.append(("word", f"{text} {nxt[1]}", ENGLISH_WORD_WEIGHT))
                i += 2
                continue
        english_word = kind == "word" and pos >= 0
        out.append((kind, text, NAME_WEIGHT if kind == "name" else ENGLISH_WORD_WEIGHT if english_word else 1.0))
        i += 1
    return out


def default_translate() -> Callable[[str], Iterable[str]] | None:
    """English word -> Chinese words, from the dictionary bridge when it is available."""
    try:
        from qa.bridges.dictionary import reverse_dictionary
        from qa.bridges.english import lemmas
    except ImportError:
        return None

    def translate(word: str) -> tuple[str, ...]:
        rev = reverse_dictionary()
        for key in [word, *lemmas(word)] if " " not in word else [word]:
            if key in rev:
                return rev[key]
        return ()

    return translate
