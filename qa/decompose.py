"""Decompose: a question that asks several things, as its parts, and one answer from theirs.

"11月17日习近平宣布在厦门建立什么？当天厦门市委书记胡昌升在哪座城市？" asks two things; so do
"11月中旬，厦门举办了什么论坛，又获得了什么称号？" and "What forum was held in Xiamen, and what
title did the city receive?". Answered whole, one passage and one short answer are chosen for
both, and the answer model, trained on questions that ask one thing, judges a mix. ``parts``
splits such a question where a new clause asks something of its own (the words that ask and
join are data: ``qa/lang/data/question_parts.txt``); ``qa.assistant`` answers each part (a
later part as a follow-up of the ones before, so that 又获得了什么称号 keeps 厦门) and ``Joined``
puts the answers together: each under its part, citations numbered once across them.

A question asking one thing comes back whole: ``parts(q) == (q,)``, and ``parts`` of a part is
the part itself.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

from qa.answer import renumber_markers
from qa.lang import resources
from qa.lang.chars import detect_language
from qa.types import Answer, Citation

HEADING = {"zh": "（{i}）{part}", "en": "({i}) {part}"}
# a line ``heading`` writes (the eval reads it as framing, not as a claim)
HEADING_LINE = re.compile("|".join(
    "^" + re.escape(f).replace(re.escape("{i}"), r"\d{1,2}").replace(re.escape("{part}"), r"\S.*[？?]") + "$"
    for f in HEADING.values()))
MIN_PART_CHARS = {"zh": 4, "en": 8}  # letters and digits a part needs besides its asking words, to stand alone
MAX_PARTS = 5  # a question asking more things than this is answered whole


@dataclasses.dataclass(frozen=True)
class _Words:
    asking: re.Pattern[str]
    asking_words: tuple[str, ...]
    joining: tuple[str, ...]
    alternative: tuple[str, ...]
    listing: tuple[str, ...]


@cache
def _words(language: str) -> _Words:
    rows: dict[str, list[str]] = {"asking": [], "not": [], "joining": [], "alternative": [], "listing": []}
    for role, lang, *ws in resources.table("question_parts"):
        if lang == language:
            rows[role].extend(ws)

    def longest_first(ws: list[str]) -> tuple[str, ...]:
        return tuple(sorted(ws, key=len, reverse=True))

    asking_words = longest_first(rows["asking"])
    ask = "|".join(map(re.escape, asking_words))
    if language == "en":
        pattern = rf"\b(?:{ask})\b"
    else:  # an asking word not inside a word that asks nothing (没什么): group 1 is set when it asks
        guard = "|".join(map(re.escape, longest_first(rows["not"])))
        pattern = (f"(?:{guard})|" if guard else "") + f"({ask})"
    return _Words(re.compile(pattern, re.I), asking_words, longest_first(rows["joining"]),
                  longest_first(rows["alternative"]), tuple(rows["listing"]))


def asks(text: str, language: str) -> bool:
    """Whether a clause holds a word that asks (什么, 哪, 谁…; what, which, who…)."""
    w = _words(language)
    if language == "en":
        return w.asking.search(text) is not None
    return any(m.group(1) for m in w.asking.finditer(text))


def _opening(clause: str, words: tuple[str, ...], language: str) -> str:
    s = clause.lstrip()
    for j in words:
        if re.match(rf"{re.escape(j)}\b" if language == "en" else re.escape(j), s, re.I):
            return s[: len(j)]
    return ""


def _joining(clause: str, language: str) -> str:
    """The joining word a clause opens with ("又", "and"), or "" (also for 还是, which opens the
    other half of an alternative question)."""
    w = _words(language)
    return "" if _opening(clause, w.alternative, language) else _opening(clause, w.joining, language)


def _opens_question(clause: str, language: str) -> bool:
    """Whether a clause after a comma is a question of its own: it opens with a joining word and
    asks (", and which city was…", "，又获得了什么称号"); in English the asking word comes right
    after the joining one (", and the man who…" is not a question)."""
    j = _joining(clause, language)
    if not j:
        return False
    rest = clause.lstrip()[len(j):].lstrip()
    if language != "en":
        return asks(rest, language)
    words = re.findall(r"[A-Za-z]+", rest)[:2]
    return bool(words) and asks(words[0], language) and not (
        len(words) > 1 and words[1].lower() in _words(language).listing)  # "and which other commandery"


_OPEN, _CLOSE = "「『“‘《（(\"", "」』”’》）)\""


def _cut(text: str, marks: str) -> list[str]:
    """``text`` cut after each of ``marks`` outside quotes and brackets (「…？」 and 《…吗?》 are
    titles and quotations, not questions), the marks kept."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _CLOSE and depth:
            depth -= 1
        elif ch in _OPEN:
            depth += 1
        elif depth == 0 and ch in marks:
            out.append(text[start:i + 1])
            start = i + 1
    out.append(text[start:])
    return [c for c in out if c.strip()]


@cache
def _bare_join_pattern() -> re.Pattern[str]:
    w = _words("en")
    joins, asking = "|".join(map(re.escape, w.joining)), "|".join(map(re.escape, w.asking_words))
    return re.compile(rf"(?<=[\w)\]'’\"”])\s+(?=(?:{joins})\s+(?:{asking})\b)", re.I)


def _bare_join(sentence: str) -> str:
    """An English sentence with a comma before each joining word that an asking word follows
    ("X and what Y" -> "X, and what Y"); outside quotes the comma makes it a clause of its own."""
    return _bare_join_pattern().sub(", ", sentence)


def _content(text: str, language: str) -> int:
    """Letters and digits of a part besides its asking words."""
    pattern = _words(language).asking
    text = pattern.sub(" " if language == "en" else lambda m: "" if m.group(1) else m.group(0), text)
    return sum(c.isalnum() for c in text)


def _finish(text: str, language: str) -> str:
    text = text.strip().rstrip("？?。.!！，,；;")
    return text + ("?" if language == "en" else "？")


def _drop_joining(text: str, language: str) -> str:
    j = _joining(text, language)
    if not j:
        return text.strip()
    rest = text.lstrip()[len(j):].lstrip(" ，,")
    return rest[:1].upper() + rest[1:] if language == "en" and rest else rest


def parts(question: str, language: str | None = None) -> tuple[str, ...]:
    """The questions a question asks, each standing alone as far as its words go; the question
    itself when it asks one thing (or a part would be too short to ask anything)."""
    language = language or detect_language(question)
    groups: list[tuple[str, list[str]]] = []  # each part: what is said of it ahead, and its clauses
    context: list[str] = []  # sentences before the first question that ask nothing: said of every part
    for sentence in _cut(question.strip(), "？?"):
        if language == "en":  # "…held in Xiamen and what title did…": the joining word opens a clause
            sentence = _bare_join(sentence)
        clauses = _cut(sentence, "，,；;")
        if not clauses:
            continue
        if not (sentence.rstrip().endswith(("？", "?")) or any(asks(c, language) for c in clauses)):
            (groups[-1][1] if groups else context).extend(clauses)  # a sentence that asks nothing
            continue
        # a question (a question mark ends it, or a clause asks): a part, and one more for each
        # clause that opens a question of its own; its clauses before the first that asks are said
        # of each part it holds ("11月中旬，厦门举办了什么论坛，又获得了什么称号？")
        lead: list[str] = []
        first = len(groups)
        for clause in clauses:
            if len(groups) > first:
                if _opens_question(clause, language):
                    groups.append(("", [clause]))
                else:
                    groups[-1][1].append(clause)
            elif asks(clause, language):
                groups.append(("", [clause]))
            else:
                lead.append(clause)
        if len(groups) == first:  # asks with no asking word ("…属实吗？"): the whole sentence
            groups.append(("", lead))
            lead = []
        for i in range(first, len(groups)):
            groups[i] = ("".join(context) + "".join(lead), groups[i][1])
    if not 2 <= len(groups) <= MAX_PARTS:
        return (question,)
    out = []
    for i, (prefix, clauses) in enumerate(groups):
        body = "".join(clauses)
        if i:
            body = _drop_joining(body, language)
        if _content(body, language) < MIN_PART_CHARS[language]:
            return (question,)
        if prefix and language == "en" and (first_word := re.match(r"[A-Za-z]+", body)) and asks(first_word.group(0), language):
            body = body[:1].lower() + body[1:]  # "In mid-November, what title…"
        if prefix and language == "en" and not prefix.endswith(" "):
            body = " " + body.lstrip()
        out.append(_finish(prefix + body, language))
    return tuple(out)


class Joined:
    """One answer built from the answers of a question's parts, part by part (``add`` returns the
    part's text as the joined answer shows it, for streaming): each under its part, the passages
    they cite numbered once (a passage two parts cite keeps one number, with both parts'
    sentences highlighted). ``answer()``: found when any part is; its probability is the
    likeliest part's (the chance that the articles answer at least one part)."""

    def __init__(self, question: str, language: str) -> None:
        self.question, self.language = question, language
        self._numbers: dict[tuple[str, int, int], int] = {}
        self._citations: dict[int, Citation] = {}
        self._texts: list[str] = []
        self._answers: list[Answer] = []
        self._quotes: list = []
        self._parts: list[dict] = []

    def add(self, part: str, answer: Answer, body: str | None = None) -> str:
        """Add a part's answer (``body``: its text as streamed, default ``answer.answer``); returns
        the text the joined answer gains, the separator from the part before included."""
        remap = {}
        for c in answer.citations:
            key = (c.article_id, c.start, c.end)
            if key not in self._numbers:
                n = self._numbers[key] = len(self._numbers) + 1
                self._citations[n] = dataclasses.replace(c, n=n)
            else:
                old = self._citations[self._numbers[key]]
                self._citations[old.n] = dataclasses.replace(
                    old, highlights=tuple(sorted(set(old.highlights) | set(c.highlights))))
            remap[c.n] = self._numbers[key]
        body = answer.answer if body is None else body
        text = heading(len(self._texts) + 1, part, self.language) + "\n" + renumber_markers(body, remap).strip("\n")
        self._texts.append(text)
        self._answers.append(answer)
        self._quotes.extend(dataclasses.replace(q, n=remap.get(q.n, q.n)) for q in answer.quotes)
        short = answer.short_answer
        self._parts.append({
            "question": part, "found": answer.found, "probability": answer.probability,
            "short_answer": None if short is None else {**dataclasses.asdict(short),
                                                        "citations": [remap.get(n, n) for n in short.citations]},
            "citations": sorted(set(remap.values())), "details": answer.details,
        })
        return ("\n\n" if len(self._texts) > 1 else "") + text

    def answer(self) -> Answer:
        if not self._answers:
            raise ValueError("no part answered: add each part's answer first")
        answers = self._answers
        scored = [a for a in answers if a.probability is not None]
        best = max(scored, key=lambda a: a.probability) if scored else answers[0]
        timings: dict[str, float] = {}
        for a in answers:
            for k, v in a.timings_ms.items():
                timings[k] = round(timings.get(k, 0.0) + v, 2)
        passages = list({(p["article_id"], p["start"], p["end"]): p
                         for a in answers for p in a.details.get("passages", ())}.values())
        details = {"parts": self._parts, "evidence": best.details.get("evidence"), "language": self.language,
                   "passages": passages}  # what every part retrieved, each passage once
        return Answer(question=self.question, answer="\n\n".join(self._texts), found=any(a.found for a in answers),
                      citations=tuple(self._citations[n] for n in sorted(self._citations)), language=self.language,
                      generator=answers[0].generator, timings_ms=timings, details=details,
                      quotes=tuple(self._quotes), probability=best.probability)


def heading(i: int, part: str, language: str) -> str:
    """The line an answer's ``i``-th part (1-based) stands under."""
    return HEADING["en" if language == "en" else "zh"].format(i=i, part=part)
