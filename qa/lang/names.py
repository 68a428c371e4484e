"""Names of people, organisations and places, found by jieba's tagger and a few
patterns of news prose (董事长林中湘一行), with their data lists."""

from __future__ import annotations

import re
from functools import lru_cache

from qa.lang import resources

# jieba tags an ordinary word as a name when a surname-like character starts it (高水平):
# a word, or its part after the first character, this frequent in jieba's dictionary is ordinary
ORDINARY_FREQ = 1000


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    return frozenset("".join(resources.ordered("surnames")))


@lru_cache(maxsize=1)
def compound_surnames() -> tuple[str, ...]:
    return resources.ordered("compound_surnames")


@lru_cache(maxsize=1)
def posts() -> dict[str, tuple[str, ...]]:
    """Chinese post -> the English words for it (董事长 -> chairman, chairwoman, chair)."""
    return resources.mapping("posts")


@lru_cache(maxsize=1)
def posts_en() -> dict[str, tuple[str, ...]]:
    """English word -> the Chinese posts it names (chairman -> 董事长, 主席, ...)."""
    out: dict[str, list[str]] = {}
    for zh, ens in posts().items():
        for en in ens:
            out.setdefault(en, []).append(zh)
    return {k: tuple(v) for k, v in out.items()}


DEPUTY = "副"  # 副市长 is a vice mayor: a post after it names the deputy, not the post


@lru_cache(maxsize=1)
def _posts_en_pattern() -> re.Pattern[str]:
    keys = sorted(posts_en(), key=lambda k: (-k.count("-"), -len(k)))
    words = "|".join(r"[\s-]+".join(map(re.escape, k.split("-"))) for k in keys)
    return re.compile(rf"\b({words})s?\b")


def posts_asked_en(text: str) -> tuple[str, ...]:
    """The Chinese posts an English question names (who is the mayor -> 市长; the vice mayor ->
    副市长, not 市长 too: the longest name is read first, and a hyphen stands for a space)."""
    table = posts_en()
    found = (re.sub(r"[\s-]+", "-", m.group(1)) for m in _posts_en_pattern().finditer(text.lower()))
    return tuple(dict.fromkeys(zh for en in found for zh in table.get(en, ())))


def posts_asked_zh(words: list[str]) -> tuple[str, ...]:
    """The posts a Chinese question's words name: a post that is a word of its own (代表, not
    代表团) or ends one with one character before it (总裁 of 全球总裁), but not the post
    inside its deputy's (副市长 asks for 副市长, not 市长, also when jieba cut 副 off)."""
    words = [DEPUTY + w if k and words[k - 1] == DEPUTY else w for k, w in enumerate(words)]
    out = [p for p in sorted(posts(), key=len, reverse=True)
           if any(w == p or (w.endswith(p) and len(w) <= len(p) + 1 and w != DEPUTY + p) for w in words)]
    return tuple(dict.fromkeys(out))


def holds_post(text: str, post: str) -> bool:
    """Whether ``text`` names ``post`` itself: 市长 is not in 副市长韩雪梅 (a deputy's post)."""
    i = text.find(post)
    while i >= 0:
        if post.startswith(DEPUTY) or i == 0 or text[i - 1] != DEPUTY:
            return True
        i = text.find(post, i + 1)
    return False


@lru_cache(maxsize=1)
def orgs_en() -> dict[str, tuple[str, ...]]:
    """English name of an organisation, lower-cased -> its Chinese names (cetc -> 中国电科,
    中国电子科技集团): the ones CC-CEDICT lacks, ``data/orgs_en.txt``."""
    out: dict[str, list[str]] = {}
    for zh, en in resources.table("orgs_en", 2):
        for name in en.split(";"):
            bucket = out.setdefault(" ".join(name.lower().split()), [])
            bucket += [z for z in zh.split("/") if z not in bucket]
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def org_suffixes() -> tuple[str, ...]:
    """Endings of organisation names (公司, 集团, 局...), longest first."""
    return tuple(sorted(resources.ordered("org_suffixes"), key=len, reverse=True))


def looks_like_person(word: str) -> bool:
    """A 2-3 character word that starts with a common surname (4 with a compound
    surname: 欧阳文华), or a transliterated foreign name (伊维卡·奥利奇)."""
    if "·" in word:
        return True
    if word.startswith(compound_surnames()):
        return 3 <= len(word) <= 4
    return 2 <= len(word) <= 3 and word[0] in surnames()


@lru_cache(maxsize=1)
def _role_name() -> re.Pattern[str]:
    roles = "|".join(sorted(posts(), key=len, reverse=True))
    return re.compile(
        rf"(?:{roles})([\u4e00-\u9fff]{{2,3}}?)"
        r"(?=[，、。；：,]|等|一行|就|与|和|在|出席|表示|说|指出|强调|介绍|主持|参加|陪同|$)")


def role_names(text: str) -> list[tuple[int, int]]:
    """Spans of names that follow a post (董事长林中湘一行 -> 林中湘)."""
    pattern = _role_name()
    return [m.span(1) for m in pattern.finditer(text) if not pattern.match(m.group(1) + "，")]
