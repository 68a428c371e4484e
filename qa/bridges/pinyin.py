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
from qa.text import is_cjk

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

    _jieba()
    found = [p.word for p in pseg.lcut(text) if p.flag.startswith("nr") and 2 <= len(p.word) <= 4]
    found += [n for n in _ROLE_NAME.findall(text) if not _ROLE_NAME.match(n + "，")]
    return list(dict.fromkeys(found))


_DOUBLE_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "夏侯", "端木")


def romanize_name(name: str) -> str:
    """Hanyu Pinyin of a Chinese personal name, surname first: 陈肇雄 -> Chen Zhaoxiong."""
    from pypinyin import Style, lazy_pinyin

    cut = 2 if name.startswith(_DOUBLE_SURNAMES) and len(name) > 2 else 1
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


def normalize_key(text: str) -> str:
    """"Hu Chang-sheng", "HU CHANGSHENG", "Lü" -> "huchangsheng", "lv"."""
    t = text.lower().replace("ü", "v").replace("u:", "v")
    return re.sub(r"[^a-z]", "", t)


class PinyinBridge:
    """Callable bridge: English question -> name KeyTerms found in the lexicon."""

    def __init__(self, lexicon: dict[str, list[str]], *, is_english_word=None) -> None:
        self.lexicon = lexicon
        # a lower-case word that is ordinary English ("change") is not read as pinyin (嫦娥)
        self.is_english_word = is_english_word or (lambda w: False)

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
