"""Follow-up questions: rewrite "他和 IBM 谈了什么？" into a standalone question
("胡昌升和 IBM 谈了什么？") before retrieval.

With a model generator, the model rewrites (``rewrite_followup``); without one,
or when the model fails, ``carry_entities`` does: it finds the names of the most
recent earlier question that has any, puts a person's name in place of 他/她/he/she,
and otherwise puts the names in front of a follow-up that refers back (a pronoun,
"那京东呢？", "what about JD?") or names nothing itself. A Chinese follow-up after a
Chinese question that opens with what it is about (``topic``: 厦门地铁3号线什么时候…)
gets that thing instead of only its names: in place of 它 or 这个…
(它的南段有多长？ -> 厦门地铁3号线的南段有多长？), or written before it when it points at
nothing (气温降了多少？ -> 今冬首场寒潮气温降了多少？). An English follow-up after an English
question gets that question's subject (``qa.lang.subject_en``: Where was | the autumn job fair |
held?) in place of "it" / "its", or in front when it names nothing ("The autumn job fair: how
many employers took part?"). Names put in front stand apart (a space: they steer retrieval only,
``steers_only``, ``qa.assistant``); a topic or subject is written into the question.

A carried name is written in the follow-up's language (``in_language``): a Chinese
follow-up after "who did Hu Changsheng meet in Beijing?" becomes 胡昌升和IBM谈了什么？,
never "Hu Changsheng和IBM谈了什么？" (``keeps_language`` checks it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from qa.lang import resources
from qa.lang.chars import detect_language
from qa.lang.subject_en import anticipatory, bare
from qa.lang.subject_en import subject as topic_en

log = logging.getLogger(__name__)

_ELLIPSIS_ZH = re.compile(r"^(?:那|那么|还有)?.{1,20}呢[？?]?$")
_ELLIPSIS_EN = re.compile(r"^\s*(?:and\s+|so\s+)?what about\b|^\s*how about\b", re.I)
_PERSON_FLAGS = ("nr",)
_NAME_FLAGS = ("nr", "ns", "nt", "nz", "eng", "j")
_CAP_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A Chinese name for a name written in Latin letters ("Hu Changsheng" -> "胡昌升"), or None:
# the assistant reads it from the index's pinyin lexicon (qa.bridges)
Translate = Callable[[str], "str | None"]


@dataclass(frozen=True)
class _Pronouns:
    """A language's words that refer back (data/pronouns.txt), as patterns and sets."""

    person: re.Pattern[str]
    other: re.Pattern[str]
    plural: frozenset[str]
    possessive: frozenset[str]
    determiner: frozenset[str]


@lru_cache(maxsize=2)
def _pronouns(language: str) -> _Pronouns:
    rows: dict[str, list[str]] = {"person": [], "other": [], "plural": [], "possessive": [], "determiner": []}
    for role, lang, *ws in resources.table("pronouns"):
        if lang == language:
            rows[role] += ws

    def pattern(ws: list[str]) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))  # 他们 before 他
        return re.compile(alternatives) if language == "zh" else re.compile(rf"\b(?:{alternatives})\b", re.I)

    return _Pronouns(pattern(rows["person"]), pattern(rows["other"]), frozenset(rows["plural"]),
                     frozenset(rows["possessive"]), frozenset(rows["determiner"]))


def _not_names() -> frozenset[str]:
    """Capitalised words of an English question that are not part of a name (What, According)."""
    return resources.words("not_names_en")


def names(text: str) -> list[tuple[str, bool]]:
    """Names in a question as ``(name, is_person)``: jieba's tags for Chinese text,
    runs of capitalised words for English (a two-word run counts as a person's name,
    as romanised Chinese names are)."""
    out: list[tuple[str, bool]] = []
    if re.search(r"[\u4e00-\u9fff]", text):
        from qa.lang.segment import tag

        for word, flag in tag(text):
            if flag.startswith(_NAME_FLAGS) and len(word.strip()) >= 2 and not re.fullmatch(r"[\d.]+", word):
                out.append((word.strip(), flag.startswith(_PERSON_FLAGS)))
    for m in _CAP_RUN.finditer(text):
        words = [re.sub(r"['’]s$", "", w) for w in m.group().split() if w.lower() not in _not_names()]
        if words and not re.search(r"[\u4e00-\u9fff]", " ".join(words)):
            name = " ".join(words)
            if not any(name == n for n, _ in out):
                out.append((name, len(words) == 2 and not name.isupper()))
    return list(dict.fromkeys(out))


def antecedent(history: Sequence[tuple[str, str]], *, turns: int = 3,
               persons: bool = False) -> list[tuple[str, bool]]:
    """The names (or only the persons' names) of the most recent of the last
    ``turns`` questions that has any."""
    for q, _ in reversed(list(history)[-turns:]):
        found = [(n, p) for n, p in names(q) if p or not persons]
        if found:
            return found
    return []


# What a Chinese question is about: its opening noun phrase, the words before the first of its
# words tagged (jieba) as a preposition, pronoun or question word, conjunction, adverb, particle
# or copula, up to the last noun among them (厦门地铁3号线|什么时候…, 第三届…论坛|在哪里…,
# 市政府第117次常务会议|研究了…). A follow-up that refers to it by 它, 这个论坛 or not at all asks
# about that thing, not only about the names in it (厦门).
_TOPIC_STOP = ("p", "r", "c", "d", "u", "y")
_TOPIC_COPULAS = frozenset({"是", "有", "为"})


def topic(question: str) -> str:
    """The noun phrase a Chinese question opens with ("" when it opens otherwise).

    >>> topic("厦门地铁3号线什么时候实现全线轨道铺通？"), topic("市政府第117次常务会议研究了什么工作？")
    ('厦门地铁3号线', '市政府第117次常务会议')
    >>> topic("什么时候开通？")
    ''
    """
    from qa.lang.segment import tag

    if detect_language(question) != "zh":
        return ""
    words = tag(question.strip())
    end = pos = 0
    for word, flag in words:
        if flag.startswith(_TOPIC_STOP) or word in _TOPIC_COPULAS or not _CJK.search(word) and not word.isalnum():
            break
        pos += len(word)
        if flag.startswith("n") or flag in ("j", "eng"):
            end = pos
    out = question.strip()[:end]
    return out if len(out) >= 2 else ""


def in_language(name: str, is_person: bool, zh: bool, history: Sequence[tuple[str, str]],
                translate: Translate | None = None) -> str:
    """``name`` as a question in the other language writes it, so that a carried name keeps the
    follow-up in one language. In a Chinese question: the characters an earlier answer paired
    it with (English answers write "胡昌升 (Hu Changsheng)"), else the index's word for its
    pinyin (``translate``); an acronym (IBM) or a name the index does not know stays as written.
    In an English question: the English form an answer paired it with, else its pinyin (a
    person's surname first, "Hu Changsheng"; other names as one word, which the English bridge
    reads back to the index's word)."""
    has_cjk = bool(_CJK.search(name))
    if zh == has_cjk:
        return name
    answers = " ".join(a for _, a in history)
    if zh:  # the characters before "(Hu Changsheng)" whose romanisation it is
        from qa.lang.pinyin import romanize_name, romanize_place

        for m in re.finditer(rf"([\u4e00-\u9fff·]{{2,12}}) \({re.escape(name)}\)", answers):
            before = m.group(1)
            for k in range(2, len(before) + 1):
                if name in (romanize_name(before[-k:]), romanize_place(before[-k:])):
                    return before[-k:]
        found = translate(name) if translate is not None and not _is_acronym(name) else None
        return found or name
    m = re.search(rf"{re.escape(name)} \(([A-Z][A-Za-z' .-]+)\)", answers)
    if m:
        return m.group(1)
    from qa.lang.pinyin import romanize_name, romanize_place

    return romanize_name(name) if is_person else romanize_place(name)


def _is_acronym(word: str) -> bool:
    """IBM, 5G, CETC: written so in Chinese text too."""
    return word.isupper() or any(c.isdigit() for c in word)


def keeps_language(question: str, standalone: str, history: Sequence[tuple[str, str]] = ()) -> bool:
    """Whether a rewrite adds nothing in the other language's script: no romanised name in a
    Chinese question (acronyms such as IBM are how Chinese writes them, and so is a Latin word
    that an earlier Chinese turn used: iPhone), no Chinese characters in an English one.

    >>> keeps_language("他和IBM谈了什么？", "胡昌升和IBM谈了什么？")
    True
    >>> keeps_language("他和IBM谈了什么？", "Hu Changsheng和IBM谈了什么？")
    False
    >>> keeps_language("它卖了多少？", "iPhone卖了多少？", [("iPhone在中国卖得怎样？", "iPhone销量上升。")])
    True
    """
    if detect_language(question) == "zh":
        own = set(_LATIN_WORD.findall(question))
        own.update(w for q, a in history if detect_language(q) == "zh" for w in _LATIN_WORD.findall(f"{q} {a}"))
        return all(_is_acronym(w) for w in _LATIN_WORD.findall(standalone) if w not in own)
    return not (set(_CJK.findall(standalone)) - set(_CJK.findall(question)))


def refers_back(question: str) -> bool:
    """Whether a question needs an earlier one: it has a pronoun or pointing word (他, 这个论坛,
    it), is an ellipsis ("那京东呢？", "what about JD?") or names nothing itself ("交易额是多少？").

    >>> refers_back("交易额是多少？"), refers_back("它什么时候启动？"), refers_back("厦门在哪里？")
    (True, True, False)
    """
    zh = detect_language(question) == "zh"
    pronouns = _pronouns("zh" if zh else "en")
    ellipsis = (_ELLIPSIS_ZH if zh else _ELLIPSIS_EN).search(question)
    return bool(pronouns.person.search(question) or pronouns.other.search(question) or ellipsis
                or not names(question))


def carry_entities(question: str, history: Sequence[tuple[str, str]], *,
                   translate: Translate | None = None) -> str:
    """Extractive-mode rewrite (no model): see the module docstring; ``translate`` as in
    ``in_language``.

    >>> carry_entities("他和 IBM 谈了什么？", [("胡昌升在北京走访了哪些企业？", "")])
    '胡昌升和 IBM 谈了什么？'
    """
    if not history:
        return question
    own = {n for n, _ in names(question)}
    carry = [(n, p) for n, p in antecedent(history) if n not in own and n not in question]
    persons = [n for n, _ in antecedent(history, persons=True) if n not in own and n not in question]
    zh = detect_language(question) == "zh"
    about = _thing_talked_about(history, "zh" if zh else "en")
    if not carry and not persons and not about:
        return question
    person_names = {n for n, p in antecedent(history) if p} | set(persons)
    carry = [(in_language(n, p, zh, history, translate), p) for n, p in carry]
    persons = [in_language(n, n in person_names, zh, history, translate) for n in persons]
    pronouns = _pronouns("zh" if zh else "en")
    ellipsis_re = _ELLIPSIS_ZH if zh else _ELLIPSIS_EN
    m = pronouns.person.search(question)
    if m and persons:
        word = m.group().lower()
        who = ("、" if zh else " and ").join(persons) if word in pronouns.plural else persons[0]
        if word in pronouns.possessive:
            who += "'s"
        return question[: m.start()] + who + question[m.end():]
    ellipsis = bool(ellipsis_re.search(question))
    refers_back = bool(m or pronouns.other.search(question) or ellipsis)
    if own and not refers_back:
        return question  # a new question about something it names itself
    if ellipsis and own and persons:
        carry = [(n, True) for n in persons]  # "那京东呢？": the same person, another organisation
    elif about and not zh:
        return _about_en(question, about, own) or (f"{' '.join(n for n, _ in carry)} {question}" if carry else question)
    elif about:
        pointed = _pointing_word(question, about)
        if pointed:  # 它的南段 -> 厦门地铁3号线的南段
            return question[: pointed[0]] + about + question[pointed[1]:]
        if pointed == ():  # 这家公司 after a question about a metro line: about something else
            return f"{about} {question}"
        if about not in question:  # 气温降了多少？ asks about 今冬首场寒潮 (written in: part of what is asked)
            return f"{about}{question}"
    return f"{' '.join(n for n, _ in carry)} {question}" if carry else question


def _thing_talked_about(history: Sequence[tuple[str, str]], language: str = "zh", turns: int = 3) -> str:
    """The topic (``topic``, in English ``topic_en``) of the most recent of the last ``turns``
    questions in ``language`` that has one, unless it is a person (他/她 and he/she name people;
    它 and it never do)."""
    find = topic if language == "zh" else topic_en
    for q, _ in reversed(list(history)[-turns:]):
        if detect_language(q) == language and (about := find(q)):
            return "" if any(p and n == about for n, p in names(about)) else about
    return ""


# "it" / "its" as a word (not IT, the acronym), outside quotes ("It Follows")
_IT = re.compile(r"\b(?:[Ii]ts?)\b")
_QUOTED = re.compile(r'"[^"]*"|“[^”]*”')
TOPIC_SEP_EN = ": "  # between a subject written in front and the follow-up ("The fair: how many came?")


def _about_en(question: str, about: str, own: set[str]) -> str:
    """An English follow-up with the earlier question's subject written in: in place of "it" /
    "its" (How long is its southern section? -> How long is Xiamen Metro Line 3's southern
    section?), or in front when it names nothing itself (How many employers took part? -> The
    autumn job fair for college graduates: how many employers took part?); "" otherwise (this,
    that, there: the names are carried, as before; an "it" after a subject of the follow-up's own,
    or a follow-up that says the earlier subject already). A subject of its own that points at
    nothing (How much did temperatures drop?) still gets the earlier one in front."""
    words = question.split(maxsplit=1)
    if not words or about.lower() in question.lower():
        return ""
    quoted = [m.span() for m in _QUOTED.finditer(question)]
    m = next((m for m in _IT.finditer(question) if not any(a <= m.start() < b for a, b in quoted)), None)
    rest = question
    if m and m.group().lower() == "it" and anticipatory(question, m.end()):  # How much does it cost to attend?
        rest, m = question[: m.start()] + question[m.end():], None
    if m and topic_en(question):  # Was the festival free before it moved?: "it" is its own subject
        return ""
    if m:
        who = about + ("'s" if m.group().lower() == "its" else "")
        if m.start() == 0:
            who = who[0].upper() + who[1:]
        return question[: m.start()] + who + question[m.end():]
    if own or _pronouns("en").other.search(rest):
        return ""
    head = about[0].upper() + about[1:]
    if bare(words[0]).lower() in _not_names():  # "How many…" -> "…: how many…"; a name keeps its capital
        question = question[0].lower() + question[1:]
    return f"{head}{TOPIC_SEP_EN}{question}"


def steers_only(standalone: str, question: str) -> bool:
    """Whether a rewrite only put names in front of the question, apart ("胡昌升 北京 谈了什么？",
    "Xiamen When was that announced?"): they steer retrieval, and the answer reads the question by
    its own words. Not a rewrite that wrote something in: a name in place of 他, a topic
    (今冬首场寒潮气温降了多少？), an English subject in place of "it" or in front ("The fair: how
    many came?", whatever the follow-up's case)."""
    if standalone == question or not standalone.endswith(" " + question):
        return False
    return not standalone[: -len(question)].rstrip().endswith(TOPIC_SEP_EN.strip())


def _pointing_word(question: str, about: str) -> tuple[int, ...] | None:
    """Where a Chinese follow-up points back by a word of its own (它, 该, 这个 — not the 其 of
    其他), with the noun after it that the topic ends with (这个论坛 for …论坛): ``(start, end)``;
    ``()`` when a determiner's noun is not the topic's (这家公司 after a question about a metro
    line points at something else); None when it has no pointing word."""
    from qa.lang.segment import tag

    pronouns = _pronouns("zh")
    words = tag(question)
    pos = 0
    for i, (word, _) in enumerate(words):
        if pronouns.other.fullmatch(word):
            end = pos + len(word)
            rest = question[end:]
            k = next((k for k in range(min(len(rest), len(about)), 0, -1) if about.endswith(rest[:k])), 0)
            if not k and word in pronouns.determiner and i + 1 < len(words) and words[i + 1][1].startswith("n"):
                return ()
            return pos, end + k
        pos += len(word)
    return None


def rewrite(question: str, history: Sequence[tuple[str, str]], *, generator=None,
            translate: Translate | None = None) -> str:
    """A standalone version of ``question`` given earlier ``(question, answer)`` turns.

    Generators that can rewrite (model generators) provide ``rewrite_followup``;
    when there is none, it fails, or its rewrite brings in the other language's script
    (``keeps_language``), the names are carried over (``carry_entities``).
    """
    if not history:
        return question
    fn = getattr(generator, "rewrite_followup", None)
    if callable(fn):
        try:
            out = (fn(question, history) or "").strip()
            if out and keeps_language(question, out, history):
                return out
            if out:  # "Hu Changsheng和IBM谈了什么？": retrieval reads the index's words, not a mix
                log.info("follow-up rewrite %r by %s changes the question's language; carrying names over instead",
                         out, getattr(generator, "name", generator))
        except Exception as e:  # a failing model must not block the question
            log.warning("follow-up rewrite by %s failed (%s); carrying names over instead",
                        getattr(generator, "name", generator), e)
    return carry_entities(question, history, translate=translate)


# A follow-up is retrieved by its rewrite and by its own words and, when it refers back
# (``refers_back``), by the question before it (what the conversation is about), each to this
# many times top_k; the rankings are fused (qa.retrieve.fuse_retrievals) with these weights, set
# before any follow-up was measured: rewrite and own words equal (a rewrite that carried the wrong
# name is outvoted only where the question's own words agree), the earlier question half (it
# says what the talk is about, not what is asked: it breaks ties, it does not lead).
FOLLOWUP_POOL = 2
FOLLOWUP_WEIGHTS = {"standalone": 1.0, "question": 1.0, "earlier": 0.5}
