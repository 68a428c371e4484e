"""Pinyin: romanised names (陈肇雄 -> Chen Zhaoxiong), the toneless keys the English
name bridge looks words up by, and a per-character transliteration of a text."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable

from qa.lang.chars import is_cjk
from qa.lang.names import compound_surnames

MAX_VARIANTS = 8
# the rules a stored lexicon was keyed by (``pinyin_keys``, ``lexicon_word``): an index updates
# its lexicon in place only when they are the same; bump when either changes
LEXICON_VERSION = 1


def romanize_name(name: str) -> str:
    """Hanyu Pinyin of a Chinese personal name, surname first: 陈肇雄 -> Chen Zhaoxiong."""
    from pypinyin import Style, lazy_pinyin

    cut = 2 if name.startswith(compound_surnames()) and len(name) > 2 else 1
    surname = "".join(lazy_pinyin(name[:cut], style=Style.NORMAL, errors="ignore")).replace("v", "ü")
    given = "".join(lazy_pinyin(name[cut:], style=Style.NORMAL, errors="ignore")).replace("v", "ü")
    return f"{surname.capitalize()} {given.capitalize()}".strip()


def romanize_place(name: str) -> str:
    """The English name of a place: a well-known one's (中国 -> China), else its pinyin as
    one word without the administrative suffix (厦门市 -> Xiamen)."""
    from pypinyin import Style, lazy_pinyin

    from qa.lang import resources

    known = resources.mapping("places_en")
    if name in known:
        return " ".join(known[name])
    if len(name) > 2 and name[-1] in "市省县区":
        name = name[:-1]
        if name in known:
            return " ".join(known[name])
    return "".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore")).replace("v", "ü").capitalize()


def pinyin_keys(word: str) -> list[str]:
    """Toneless pinyin keys of a Chinese word: its usual reading first, then heteronym
    readings (at most ``MAX_VARIANTS``); ü is written both v and u."""
    from pypinyin import Style, pinyin

    keys = [usual_key(word)]
    if len(word) <= 4:
        readings = pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore")
        for combo in itertools.islice(itertools.product(*readings), MAX_VARIANTS):
            keys.append("".join(combo))
    keys += [k.replace("v", "u") for k in keys if "v" in k]
    return [k for k in dict.fromkeys(keys) if k]


def usual_key(word: str) -> str:
    """The toneless pinyin key of a word's usual reading (``pinyin_keys``' first)."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def lexicon_word(word: str) -> bool:
    """Whether the pinyin lexicon keys ``word``: 2+ characters, all CJK."""
    return len(word) >= 2 and all(map(is_cjk, word))


def build_lexicon(words: Iterable[str]) -> dict[str, list[str]]:
    """pinyin key -> Chinese words, for words of 2+ CJK characters (each key's words in
    the order given: sorted words give sorted lists, which ``update_lexicon`` keeps)."""
    lex: dict[str, list[str]] = {}
    for w in dict.fromkeys(words):
        if lexicon_word(w):
            for k in pinyin_keys(w):
                bucket = lex.setdefault(k, [])
                if w not in bucket:
                    bucket.append(w)
    return lex


def update_lexicon(lex: dict[str, list[str]], *, add: Iterable[str] = (),
                   remove: Iterable[str] = ()) -> dict[str, list[str]]:
    """``lex`` (a ``build_lexicon`` of sorted words) changed in place to the lexicon of its
    words minus ``remove`` plus ``add``: each key's words stay sorted, a key left without
    words goes, so the result equals ``build_lexicon`` of the new sorted word set. Costs
    the pinyin of the words changed only."""
    for w in dict.fromkeys(remove):
        if lexicon_word(w):
            for k in pinyin_keys(w):
                bucket = lex.get(k)
                if bucket is not None and w in bucket:
                    bucket.remove(w)
                    if not bucket:
                        del lex[k]
    for w in dict.fromkeys(add):
        if lexicon_word(w):
            for k in pinyin_keys(w):
                bucket = lex.setdefault(k, [])
                i = bisect.bisect_left(bucket, w)
                if i == len(bucket) or bucket[i] != w:
                    bucket.insert(i, w)
    return lex


def lexicon_rows(words: Iterable[str]) -> list[tuple[str, str]]:
    """``(key, word)`` of each key the lexicon files each of ``words`` under (the rows of the
    index's lexicon table)."""
    return [(k, w) for w in dict.fromkeys(words) if lexicon_word(w) for k in pinyin_keys(w)]


def in_lexicon(lex: dict[str, list[str]], word: str) -> bool:
    """Whether ``word`` is one of the words ``lex`` keys (looked up under its usual reading)."""
    keys = pinyin_keys(word) if lexicon_word(word) else []
    return bool(keys) and word in lex.get(keys[0], ())


def transliterate(text: str) -> str:
    """Toneless pinyin of every character, one per character ("·" for anything not CJK),
    space-separated, so that a match's position maps back to characters."""
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(text, style=Style.NORMAL, errors=lambda run: ["·"] * len(run)))


def normalize_key(text: str) -> str:
    """"Hu Chang-sheng", "HU CHANGSHENG", "Lü" -> "huchangsheng", "lv"."""
    t = text.lower().replace("ü", "v").replace("u:", "v")
    return re.sub(r"[^a-z]", "", t)
