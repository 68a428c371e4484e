"""Entities of a sentence: people, organisations and places, with romanised forms.

jieba's tagger proposes names (nr person, ns place, nt organisation); news prose adds
people introduced by their post (董事长林中湘) and organisations written as a run of
nouns that ends in 公司, 集团, 局... (厦门市文化和旅游局). A word jieba tags as a person
must look like one (a surname and one or two characters, not an everyday word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.lang import resources
from qa.lang.chars import is_cjk
from qa.lang.names import ORDINARY_FREQ, looks_like_person, org_suffixes, role_names
from qa.lang.segment import jieba, tag_spans

PERSON, ORG, PLACE = "person", "org", "place"
_FOREIGN = re.compile(r"[\u4e00-\u9fff]{1,8}(?:·[\u4e00-\u9fff]{1,8})+")
_LATIN_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z.]+)+\b")
# tokens that may be part of an organisation's name before its suffix
_ORG_PART = ("ns", "n", "nz", "nt", "j", "nrt", "eng", "vn", "an", "b")
_ORG_JOIN = {"和", "与", "及"}  # 文化和旅游局: only between two noun parts
MAX_ORG_TOKENS = 7


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    kind: str  # person | org | place
    text: str


def _ordinary(word: str) -> bool:
    freq = jieba().dt.FREQ
    return (len(word) > 2 and (freq.get(word[1:]) or 0) >= ORDINARY_FREQ) or (freq.get(word) or 0) >= ORDINARY_FREQ


def is_person_name(word: str) -> bool:
    """A word that reads as a person's name rather than an everyday word tagged nr."""
    return looks_like_person(word) and not _ordinary(word)


def find_entities(text: str, spans: list[tuple[int, int, str]] | None = None) -> list[Entity]:
    """People, organisations and places in ``text`` (offsets into it), in text order.

    Args:
        spans: jieba's ``(start, end, flag)`` of ``text`` if already tagged.

    >>> [(e.kind, e.text) for e in find_entities("胡昌升与中国绿发董事长刘宇在北京座谈。")]
    [('person', '胡昌升'), ('org', '中国绿发'), ('person', '刘宇'), ('place', '北京')]
    """
    spans = tag_spans(text) if spans is None else spans
    generic = resources.words("generic_names")
    found: dict[tuple[int, int], str] = {}
    for s, e, flag in spans:
        word = text[s:e]
        if word in generic:
            continue
        if flag in ("nr", "nrfg") and is_person_name(word):
            found[(s, e)] = PERSON
        elif flag == "nrt" and len(word) >= 2 and not _ordinary(word):
            found[(s, e)] = PERSON
        elif flag == "ns" and len(word) >= 2:
            found[(s, e)] = PLACE
        elif flag == "nt" and len(word) >= 2:
            found[(s, e)] = ORG
    for s, e in [*role_names(text), *_after_posts(text, spans)]:
        if is_person_name(text[s:e]):
            found.setdefault((s, e), PERSON)
    for s, e in _foreign_names(text, spans):
        found[(s, e)] = PERSON
    for m in _LATIN_NAME.finditer(text):
        found[m.span()] = PERSON
    for s, e in _org_runs(text, spans):
        found[(s, e)] = ORG
    out = [Entity(s, e, kind, text[s:e]) for (s, e), kind in found.items()]
    # a person inside a longer organisation name or foreign name is not a mention of its own
    out = [x for x in out if not any(y is not x and y.start <= x.start and x.end <= y.end and y.end - y.start > x.end - x.start
                                     and (x.kind == y.kind or x.kind == PERSON) for y in out)]
    return sorted(out, key=lambda x: (x.start, -x.end))


def _after_posts(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Names right after a post that jieba cut apart (董事长 周 明远 -> 周明远)."""
    from qa.lang.names import posts, surnames

    titles = posts()
    out = []
    for i, (s, e, _) in enumerate(spans[:-1]):
        if not text[s:e].endswith(tuple(titles)):
            continue
        ns, ne, _ = spans[i + 1]
        if ne - ns == 1 and text[ns] in surnames() and i + 2 < len(spans):
            ms, me, mflag = spans[i + 2]
            if me - ms <= 2 and all(map(is_cjk, text[ms:me])) and not mflag.startswith(("u", "p", "c", "x")):
                out.append((ns, me))
    return out


def _foreign_names(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Transliterated names joined by "·" (拉尔夫·克拉姆): the word before the first dot
    to the word after the last one, as jieba cut them."""
    out = []
    for m in _FOREIGN.finditer(text):
        first_dot, last_dot = text.index("·", m.start()), text.rindex("·", m.start(), m.end())
        start = next((s for s, e, _ in spans if e == first_dot), m.start())
        end = next((e for s, e, _ in spans if s == last_dot + 1), m.end())
        out.append((max(start, m.start()), min(end, m.end())))
    return out


def _org_runs(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Runs of noun tokens ending in a token that ends like an organisation (公司, 局)."""
    suffixes = org_suffixes()
    out = []
    for i, (s, e, flag) in enumerate(spans):
        word = text[s:e]
        if not word.endswith(suffixes) or not flag.startswith(("n", "j", "vn")):
            continue
        j = i
        while j > 0 and i - j < MAX_ORG_TOKENS:
            ps, pe, pf = spans[j - 1]
            prev = text[ps:pe]
            if pf.startswith(_ORG_PART) and not pf.startswith("nr") or (pf == "nrt"):
                j -= 1
            elif (prev in _ORG_JOIN and j >= 2 and spans[j - 2][2].startswith(_ORG_PART)
                  and not text[spans[j - 2][0]:spans[j - 2][1]].endswith(suffixes)):
                j -= 1  # 文化和旅游局, but not 市政府与工信部 (two organisations)
            else:
                break
        start = spans[j][0]
        if text[start:e] in suffixes or e - start < 3:
            continue  # a bare 公司 or 集团 names nobody
        out.append((start, e))
    return out
