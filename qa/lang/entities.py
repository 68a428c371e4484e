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
# the dots that join the parts of a transliterated name (interpunct, bullet, katakana middle dot,
# hyphenation point, half-width katakana dot), and hyphens that join a double name's parts
NAME_DOTS = "·•・‧･"
NAME_HYPHENS = "-‐－"
MAX_NAME_PART = 8  # characters of one part of a dotted name
# jieba tags of a word that continues a dotted name (麦克/nr 纳特/nr, 斯科尔斯/nrt 基/ng, 亚/j 历山卓/nr)
NAME_PIECE_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nz"})
NAME_FRAGMENT_TAGS = frozenset({"ng", "j"})  # one-character words only
# tags of a word that is not inside a name: conjunctions, prepositions, particles, pronouns (库克 和 查尔斯)
NOT_NAME_TAGS = ("c", "p", "u", "r")
_LATIN_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z.]+)+\b")
# tokens that may be part of an organisation's name before its suffix
_ORG_PART = ("ns", "n", "nz", "nt", "j", "nrt", "eng", "vn", "an", "b")
ORG_NAME_TAGS = frozenset({"nr", "nrfg"})  # tags of an organisation's name glued to a preposition (由鲁东)
_ORG_JOIN = {"和", "与", "及"}  # 文化和旅游局: only between two noun parts
MAX_ORG_TOKENS = 7
# a place mention runs on over up to this many following nouns when the last one ends like a
# place (金沙湾 景区, 厦门 火车站, 福建省 厦门市) and the noun phrase ends there (not 厦门 城市 建设)
MAX_PLACE_HEADS = 2
PLACE_HEAD_TAGS = ("n", "ns", "nz", "s")


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
    heads = set(_place_heads(text, spans, generic))
    for s, e in heads:
        found[(s, e)] = PLACE
    for s, e in [*role_names(text), *_after_posts(text, spans)]:
        if is_person_name(text[s:e]):
            found.setdefault((s, e), PERSON)
    foreign = _foreign_names(text, spans)
    for s, e in foreign:
        found[(s, e)] = PERSON
    for m in _LATIN_NAME.finditer(text):
        found[m.span()] = PERSON
    runs, glued = _org_runs(text, spans)
    for s, e in runs:
        found[(s, e)] = ORG
    for span in glued:  # 由鲁东 of 由鲁东路桥建设集团: the organisation's name, not a person
        found.pop(span, None)
    people = sorted(span for span, kind in found.items() if kind == PERSON)
    for (s1, e1), (s2, e2) in zip(people, people[1:]):
        if e1 == s2 and all(map(is_cjk, text[s1:e2])) and e2 - s1 <= MAX_NAME_PART:
            found.setdefault((s1, e2), PERSON)  # a given name and a surname jieba cut apart: 汤玛斯 杜威
    out = [Entity(s, e, kind, text[s:e]) for (s, e), kind in found.items()]
    # a person inside a longer organisation name is not a mention of its own, nor anything that cuts
    # into a dotted foreign name (由约翰 of 由约翰·约阿希姆: jieba glued the preposition on)
    out = [x for x in out if not any(y is not x and y.start <= x.start and x.end <= y.end and y.end - y.start > x.end - x.start
                                     and (x.kind == y.kind or x.kind == PERSON)
                                     and not (x.kind == PLACE and (y.start, y.end) in heads) for y in out)
           and not any(s < x.end and x.start < e and not (x.start <= s and e <= x.end) for s, e in foreign)]
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
    """Transliterated names whose parts are joined by a dot (拉尔夫·克拉姆, 维尔纳•海森堡,
    约翰·约阿希姆·温克尔曼; a hyphen joins the parts of a double name once a dot has: 爱德华·怀克-史密斯).

    Each part is read in jieba's words: between two dots, every word there but a function word; before the first
    and after the last, the word touching the dot and then the neighbouring words that read as
    more of a name (``_name_piece``: jieba cuts an unknown name in pieces, 麦克 纳特, 斯科尔斯 基),
    so that a name ends where the sentence goes on (发表, 在, 和查尔斯·惠斯通: two names)."""
    toks = [(s, e, flag) for s, e, flag in spans if e > s]
    lead = frozenset(resources.mapping("function_chars")["start"])  # 由, 在, 和...
    out = []
    i = floor = 0  # floor: the first word after the name before (names never overlap)
    while i < len(toks):
        if not (_is_joiner(text, toks[i]) and text[toks[i][0]] in NAME_DOTS and floor < i < len(toks) - 1
                and _name_word(text, toks[i - 1]) and _name_word(text, toks[i + 1])):
            i += 1
            continue
        a = i - 1  # the part before the first dot: the word touching it, then more of the name
        while a > floor and _name_piece(text, toks[a - 1]) and toks[i][0] - toks[a - 1][0] <= MAX_NAME_PART:
            a -= 1
        p = i  # a joiner; the parts after it
        while True:
            k = p + 1  # an interior part: the words up to the next joiner, none a function word (和)
            while (k < len(toks) and _name_word(text, toks[k]) and toks[k][1] - toks[p][1] <= MAX_NAME_PART
                   and not toks[k][2].startswith(NOT_NAME_TAGS)):
                k += 1
            if k > p + 1 and k + 1 < len(toks) and _is_joiner(text, toks[k]) and _name_word(text, toks[k + 1]):
                p = k
                continue
            b = p + 1  # the last part: the word after the joiner, then more of the name
            while b + 1 < len(toks) and _name_piece(text, toks[b + 1]) and toks[b + 1][1] - toks[p][1] <= MAX_NAME_PART:
                b += 1
            if b + 2 < len(toks) and _is_joiner(text, toks[b + 1]) and _name_word(text, toks[b + 2]):
                p = b + 1  # a hyphen or dot after pieces jieba cut apart: 克伦 贝格尔-乔西
                continue
            break
        start, end = toks[a][0], toks[b][1]
        while text[start] in lead and toks[i][0] - start > 2:
            start += 1  # jieba glued a preposition to the name: 由约翰·约阿希姆 -> 约翰·约阿希姆
        if text.rfind("《", 0, start) <= text.rfind("》", 0, start):  # not a title's parts: 《三国志·魏书》
            out.append((start, end))
        i = floor = b + 1
    return out


def _is_joiner(text: str, tok: tuple[int, int, str]) -> bool:
    return tok[1] - tok[0] == 1 and text[tok[0]] in NAME_DOTS + NAME_HYPHENS


def _name_word(text: str, tok: tuple[int, int, str]) -> bool:
    """A word that can be a part of a dotted name: Chinese characters only, not too long."""
    word = text[tok[0]:tok[1]]
    return 0 < len(word) <= MAX_NAME_PART and all(map(is_cjk, word))


def _name_piece(text: str, tok: tuple[int, int, str]) -> bool:
    """A word next to a dotted name that is more of it: tagged as a name (or a one-character
    fragment jieba could not place), not an everyday word."""
    s, e, flag = tok
    word = text[s:e]
    if not all(map(is_cjk, word)):
        return False
    if len(word) == 1:
        return flag in NAME_PIECE_TAGS or flag in NAME_FRAGMENT_TAGS
    return flag in NAME_PIECE_TAGS and (jieba().dt.FREQ.get(word) or 0) < ORDINARY_FREQ


def _place_heads(text: str, spans: list[tuple[int, int, str]], generic: frozenset[str] | set[str]) -> list[tuple[int, int]]:
    """A place name and the nouns after it that end like a place, when the noun phrase ends
    there: 金沙湾景区, 厦门火车站, 福建省厦门市 (not 厦门城市建设, not 威海海: one character)."""
    ends = "".join(resources.mapping("asked_kinds")[PLACE])  # the last characters of a noun naming a place
    out = []
    for i, (s, e, flag) in enumerate(spans):
        if flag != "ns" or e - s < 2 or text[s:e] in generic:
            continue
        last = None
        for j in range(i + 1, min(i + 1 + MAX_PLACE_HEADS, len(spans))):
            ws, we, wf = spans[j]
            word = text[ws:we]
            if (not wf.startswith(PLACE_HEAD_TAGS) or wf.startswith("nr") or we - ws < 2
                    or not all(map(is_cjk, word)) or word in generic):
                break
            if word[-1] in ends:
                last = j
        if last is None:
            continue
        if last + 1 < len(spans) and spans[last + 1][2].startswith(("n", "vn")):
            continue  # the phrase runs on: the place words modify a later noun
        out.append((s, spans[last][1]))
    return out


def _glued_name(text: str, tok: tuple[int, int, str], org_start: int) -> bool:
    """Whether ``tok``, right before an organisation's nouns, is the organisation's name with a
    preposition jieba's tagger glued on and read as a person's name (由鲁东 in 由鲁东路桥建设集团,
    由华擎 in 由华擎新能源科技集团): tagged as a person, three characters or more, Chinese, the
    first a preposition on its own in jieba's dictionary (由, 在, 向), not part of a dotted name."""
    s, e, flag = tok
    word = text[s:e]
    return (e == org_start and flag in ORG_NAME_TAGS and len(word) >= 3 and all(map(is_cjk, word))
            and (s == 0 or text[s - 1] not in NAME_DOTS + NAME_HYPHENS) and tag_spans(word[0])[0][2] == "p")


def _org_runs(text: str, spans: list[tuple[int, int, str]]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Runs of noun tokens ending in a token that ends like an organisation (公司, 局), and the
    words before runs that were their name with a preposition glued on (``_glued_name``)."""
    suffixes = org_suffixes()
    out, glued = [], []
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
        if j > 0 and j < i and _glued_name(text, spans[j - 1], start):
            glued.append(spans[j - 1][:2])
            start = spans[j - 1][0] + 1  # 鲁东路桥建设集团有限公司, not 由鲁东 + 路桥建设集团有限公司
        if text[start:e] in suffixes or e - start < 3:
            continue  # a bare 公司 or 集团 names nobody
        out.append((start, e))
    return out, glued
