"""Identity questions: who a named person is, or what post they hold (包卓蓝是谁？,
胡昌升担任什么职务？, Who is Bao Zhuolan?).

Such a question asks for a person but is not answered by one: the person is named in it.
The answer is the post the articles give the person. News prose writes the post right
before the name (IBM全球副总裁、大中华区总裁包卓蓝) or after a verb of holding (罗保铭任天津市
副市长), so the short answer is read off the sentences that name the person; a sentence
that names them with no post gives none (better no short answer than another person's name).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from qa.lang import resources
from qa.lang.names import looks_like_person, org_suffixes, posts
from qa.lang.script import to_simplified
from qa.types import Mention

MAX_POST = 40  # characters: a longer run after a holding verb is a clause, not a post
# jieba flags of the words a post is made of (省委 副书记, IBM 全球 副总裁, 投资 管理 集团 董事长,
_POST_FLAGS = ("n", "j", "eng", "b", "vn", "m")  # and numbers: 市第三人民医院)
_INSIDE = frozenset("、（）()·")  # characters that may stand inside a chain of posts
_JOINING = frozenset("和与及")  # may join two nouns of one office's name (文化和旅游局)
_CLAUSE_END = re.compile(r"[，。；！？,;!?：:“”\"\n（(]")


@dataclass(frozen=True)
class IdentityQuestion:
    """A question asking who ``name`` is (``name`` as the question writes it)."""

    name: str
    language: str


@lru_cache(maxsize=1)
def _cues() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((lang, re.compile(pattern)) for lang, pattern in resources.table("identity_cues", 2))


@lru_cache(maxsize=1)
def holding_verbs() -> tuple[str, ...]:
    """Words between a name and the post after it (现任, 担任, 任), longest first."""
    return tuple(sorted(resources.ordered("holding_verbs"), key=len, reverse=True))


def asked_person(question: str, language: str) -> IdentityQuestion | None:
    """The person a question asks the identity or post of, or None for any other question.

    >>> asked_person("包卓蓝是谁？", "zh")
    IdentityQuestion(name='包卓蓝', language='zh')
    >>> asked_person("厦门大学的校长是谁？", "zh") is None  # asks who holds a post
    True
    """
    text = question.strip() if language == "en" else to_simplified(question.strip())
    for lang, pattern in _cues():
        if lang != ("en" if language == "en" else "zh"):
            continue
        m = pattern.search(text)
        if m is None:
            continue
        name = m.group("name").strip()
        if lang == "zh" and ("的" in name or not looks_like_person(name)):
            continue
        return IdentityQuestion(name=name, language=lang)
    return None


def _name_key(name: str) -> frozenset[str]:
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return frozenset(p for p in re.split(r"[\s'’-]+", plain) if p)


def name_spans(q: IdentityQuestion, text: str, start: int, mentions: Sequence[Mention]) -> list[tuple[int, int]]:
    """Where a sentence (``text``, at article offset ``start``) names the asked person:
    the name as written for a Chinese question; for an English one, the people the
    sentence mentions whose romanised name is the question's (either order)."""
    if q.language != "en":
        plain = to_simplified(text)
        return [(m.start(), m.end()) for m in re.finditer(re.escape(q.name), plain)]
    key = _name_key(q.name)
    out = []
    for m in mentions:
        s, e = m.start - start, m.end - start
        if m.kind == "person" and m.norm and _name_key(m.norm) == key and 0 <= s < e <= len(text):
            out.append((s, e))
    return out


def _ends_with_post(text: str) -> bool:
    return any(text.endswith(p) for p in posts())


def _org_head(text: str) -> str:
    """The organisation name ``text`` starts with (旅游局 of 旅游局局长), or ""."""
    for end in range(len(text), 1, -1):
        head = text[:end]
        if head.endswith(org_suffixes()) and not _ends_with_post(head):
            return head
    return ""


def post_before(text: str, s: int) -> tuple[int, int] | None:
    """The post written right before a name at ``s`` (福建省委副书记、厦门市委书记[胡昌升]):
    the nouns before it back to a verb, preposition, conjunction, person's name or clause
    break (a chain of posts may be joined by 、), when the last one ends with a post."""
    from qa.lang.segment import tag_spans

    if s == 0 or not _ends_with_post(text[:s]):
        return None
    begin = s
    words = tag_spans(text[:s])
    for i in range(len(words) - 1, -1, -1):
        ws, we, flag = words[i]
        word, left_flag = text[ws:we], words[i - 1][2] if i else ""
        if all(c in _INSIDE for c in word):
            pass
        elif word in _JOINING and _org_head(text[begin:s]) and left_flag.startswith("n") \
                and not left_flag.startswith("nr"):
            pass  # 市文化[和]旅游局局长: one office named by two nouns
        elif not flag.startswith(_POST_FLAGS):
            break
        elif flag.startswith("nr") and looks_like_person(word) and not _org_head(text[we:s]):
            break  # a person's name (董事长陈肇雄、总经理孙瑜), not an organisation's (海岳大学校长)
        begin = ws
    while begin < s and text[begin] in _INSIDE and text[begin] not in "（(":
        begin += 1
    span = text[begin:s]
    if span.count("（") != span.count("）") or span.count("(") != span.count(")"):
        return None
    return (begin, s) if len(span) >= 2 else None


def post_after(text: str, e: int) -> tuple[int, int] | None:
    """The post written after a name ending at ``e`` through a verb of holding (罗保铭[任]
    天津市副市长): the rest of the clause, when it ends with a post."""
    rest = text[e:]
    verb = next((v for v in holding_verbs() if rest.startswith(v)), None)
    if verb is None:
        return None
    begin = e + len(verb)
    m = _CLAUSE_END.search(text, begin)
    end = m.start() if m else len(text)
    while end > begin and text[end - 1] in "等":
        end -= 1
    if not 2 <= end - begin <= MAX_POST or not _ends_with_post(text[begin:end]):
        return None
    return begin, end


def post_of(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The post the sentence gives the person named at ``text[s:e]`` (before the name, else after it)."""
    return post_before(text, s) or post_after(text, e)


def english_gloss(post: str) -> str:
    """English words for the posts a Chinese post names (IBM全球副总裁、大中华区总裁 ->
    vice-president, president), read left to right, longest post first."""
    table = posts()
    keys = sorted(table, key=len, reverse=True)
    out, i = [], 0
    while i < len(post):
        k = next((k for k in keys if post.startswith(k, i)), None)
        if k is None:
            i += 1
            continue
        if table[k]:
            out.append(table[k][0])
        i += len(k)
    return ", ".join(dict.fromkeys(out))
