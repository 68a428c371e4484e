"""Names bridge: romanised names in an English question matched to Chinese terms of
the corpus through their toneless pinyin ("Hu Changsheng" -> 胡昌升, "Xiamen" -> 厦门).

At build time every Chinese word of the index (the jieba vocabulary plus the person,
place and organisation names jieba's POS tagging finds) is keyed by its toneless
pinyin, spaces removed (``huchangsheng``); heteronyms give extra keys. At query time
runs of 1-4 English words are looked up the same way, longest first.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from qa.bridges.english import Word, content, span
from qa.query import KeyTerm
from qa.text import COMPOUND_SURNAMES, is_cjk, looks_like_person

_NAME_FLAGS = ("nr", "ns", "nt", "nz")
MAX_VARIANTS = 8
# News introduces people by their post: 董事长林中湘一行, 主委薛卫民出席, 导师计国君，
_ROLE_NAME = re.compile(
    r"(?:董事长|总经理|总裁|主席|主任|书记|部长|院长|校长|教授|导师|局长|市长|省长|区长|县长|主委|委员|"
    r"经理|秘书长|理事长|会长|社长|总监|代表|记者|通讯员)"
    r"([\u4e00-\u9fff]{2,3}?)(?=[，、。；：,]|等|一行|就|与|和|在|出席|表示|说|指出|强调|介绍|主持|参加|陪同|$)")


def names_in(text: str) -> list[str]:
    """Person, place and organisation names in a text, by jieba's POS tagging."""
    import jieba.posseg as pseg

    from qa.lexical import _jieba

    _jieba()
    found = [p.word for p in pseg.lcut(text)
             if p.flag.startswith(_NAME_FLAGS) and len(p.word) >= 2 and all(map(is_cjk, p.word))]
    found += [n for n in _ROLE_NAME.findall(text) if not _ROLE_NAME.match(n + "，")]
    return list(dict.fromkeys(found))


def people_in(text: str) -> list[str]:
    """Person names in a text: jieba's ``nr`` words and names introduced by a post."""
    import jieba.posseg as pseg

    from qa.lexical import _jieba

    jieba = _jieba()
    freq = jieba.dt.FREQ

    def ordinary(word: str) -> bool:
        # 高水平, 高素质 come tagged nr: a surname-like first character before an everyday word
        # (a one-character given name is often an everyday character too: 孙瑜, 刘宇)
        return (len(word) > 2 and (freq.get(word[1:]) or 0) >= 1000) or (freq.get(word) or 0) >= 1000

    found = [p.word for p in pseg.lcut(text) if p.flag.startswith("nr") and looks_like_person(p.word)
             and not ordinary(p.word)]
    found += [n for n in _ROLE_NAME.findall(text) if not _ROLE_NAME.match(n + "，")
              and looks_like_person(n) and not ordinary(n)]
    return list(dict.fromkeys(found))




def romanize_name(name: str) -> str:
    """Hanyu Pinyin of a Chinese personal name, surname first: 陈肇雄 -> Chen Zhaoxiong."""
    from pypinyin import Style, lazy_pinyin

    cut = 2 if name.startswith(COMPOUND_SURNAMES) and len(name) > 2 else 1
    surname = "".join(lazy_pinyin(name[:cut], style=Style.NORMAL, errors="ignore")).replace("v", "ü")
    given = "".join(lazy_pinyin(name[cut:], style=Style.NORMAL, errors="ignore")).replace("v", "ü")
    return f"{surname.capitalize()} {given.capitalize()}".strip()


def pinyin_keys(word: str) -> list[str]:
    """Toneless pinyin keys of a Chinese word: its usual reading first, then heteronym
    readings (at most ``MAX_VARIANTS``); ü is written both v and u."""
    from pypinyin import Style, lazy_pinyin, pinyin

    usual = "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))
    keys = [usual]
    if len(word) <= 4:
        readings = pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore")
        for combo in itertools.islice(itertools.product(*readings), MAX_VARIANTS):
            keys.append("".join(combo))
    keys += [k.replace("v", "u") for k in keys if "v" in k]
    return [k for k in dict.fromkeys(keys) if k]


def build_lexicon(words: Iterable[str]) -> dict[str, list[str]]:
    """pinyin key -> Chinese words, for words of 2+ CJK characters."""
    lex: dict[str, list[str]] = {}
    for w in dict.fromkeys(words):
        if len(w) >= 2 and all(map(is_cjk, w)):
            for k in pinyin_keys(w):
                bucket = lex.setdefault(k, [])
                if w not in bucket:
                    bucket.append(w)
    return lex


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


def transliterate(text: str) -> str:
    """Toneless pinyin of every character, one per character ("·" for anything not CJK),
    space-separated, so that a match's position maps back to characters."""
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(text, style=Style.NORMAL, errors=lambda run: ["·"] * len(run)))


def normalize_key(text: str) -> str:
    """"Hu Chang-sheng", "HU CHANGSHENG", "Lü" -> "huchangsheng", "lv"."""
    t = text.lower().replace("ü", "v").replace("u:", "v")
    return re.sub(r"[^a-z]", "", t)


class SyllableScan:
    """Finds a romanised name in the corpus text itself, for names jieba did not keep as
    one word (叶/乔波): the name's syllables are matched against the pinyin of every
    chunk, and the characters there are the name."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        # one string for all chunks, so that one regex pass searches the whole corpus
        self.text = "\n".join(t.replace("\n", " ") for t, _ in rows)
        self.pinyin = "\n".join(p for _, p in rows)
        self._char_at: list[int] | None = None
        self._cache: dict[str, list[str]] = {}

    def _chars(self) -> list[int]:
        """Offset in ``text`` of the character each pinyin token stands for."""
        if self._char_at is None:
            offsets, pos = [], 0
            for line_text, line_pin in zip(self.text.split("\n"), self.pinyin.split("\n")):
                n = len(line_pin.split(" ")) if line_pin else 0
                offsets.extend(range(pos, pos + n))
                pos += len(line_text) + 1
            self._char_at = offsets
        return self._char_at

    def find(self, name: str, *, most: int = 3) -> list[str]:
        key = normalize_key(re.sub(r"['’]s\b", "", name))
        if key in self._cache:
            return self._cache[key]
        counts: dict[str, int] = {}
        for sylls in segmentations(key):
            if len(sylls) < 2:
                continue
            needle = " ".join(sylls)
            token, last, i = 0, 0, self.pinyin.find(needle)
            while i >= 0:  # str.find, not a regex: it is the hot loop of an English question
                end = i + len(needle)
                if (i == 0 or self.pinyin[i - 1] in " \n") and (end == len(self.pinyin) or self.pinyin[end] in " \n"):
                    # tokens before the match = separators before it (counted incrementally)
                    token += self.pinyin.count(" ", last, i) + self.pinyin.count("\n", last, i)
                    last = i
                    start = self._chars()[token]
                    word = self.text[start: start + len(sylls)]
                    if len(word) == len(sylls) and all(map(is_cjk, word)):
                        counts[word] = counts.get(word, 0) + 1
                i = self.pinyin.find(needle, i + 1)
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
                if len(key) >= 4 and key in self.lexicon:
                    out.append((run, self.lexicon[key]))
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
