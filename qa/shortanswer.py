"""Short answers: the span of a quoted sentence that answers the question (a name, a
date, a number, a place...), ranked by the answer model's span booster.

Candidate spans of a sentence are its stored mentions (people, organisations, places,
dates, quantities) and the runs of it that the question does not itself say: a
question is mostly the sentence reworded around a gap (圣体堂区成立于哪年？ —
圣体堂区成立于1910年), so the part of the sentence left over where the question's
words match is where the answer is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qa.features import ANSWER_TYPES, Query, asked_kind
from qa.lang import resources
from qa.lang.clock import english_time
from qa.lang.script import to_simplified
from qa.types import Mention

# what the span step reads of its sentence's own features (qa.features.FEATURES)
SENTENCE_COLUMNS = ("dense", "dense_gap", "bigram_specific", "cov_context", "left_context", "right_context",
                    "context_gap", "offered", "asked_noun")
SPAN_FEATURES = (
    *(f"sentence_{c}" for c in SENTENCE_COLUMNS), "is_mention", *(f"kind_{k}" for k in ("person", "org", "place", "date", "quantity", "none")),
    *(f"asked_{t}" for t in (*ANSWER_TYPES, "none")), "type_match", "unit_match", "length", "log_length",
    "left_covered", "right_covered", "left_gap", "right_gap", "clause_covered", "in_best_clause", "clause_share",
    "overlap_question", "position", "has_digit", "has_punct", "starts_function", "ends_function", "lang_en",
)
# The span chooser also reads these; the span scorer (whose scores the sentence features read) does not.
# grain_match: a date span as precise as the question asks (哪一天: 12月8日, not 12月; -1: no grain asked, or
# not a date); asked_tail: the span ends like the noun the question asks for (哪一个机场: …机场; -1: no noun asked)
# Where the span lies among the sentence's annotations and its left-over run (an answer is often a
# chain of them: 日本山形县东置赐郡高畠町, not 山形县 alone): left_mention / right_mention: another
# annotation ends where the span starts / starts where it ends; asked_inside: annotations of the asked
# kind within the span (-1: no kind asked); mention_share: its characters in annotations; run_share: its
# length over the left-over run it starts in (1: the whole run, or more; 0: it starts on the question's words).
# left_context / right_context: how many characters of the question's words just before / after its
# question word (Query.left, Query.right: their end / start) the sentence has just before / after the
# span (within CONTEXT_SLACK characters; -1: the question has none there): 在哪里举行 —
# [香港会议展览中心]举行; left_piece / right_piece: the same for the longest piece of those words
# anywhere in them: 董事长是谁 — 董事长[陈肇雄] (the sentence need not repeat 是).
CHOICE_FEATURES = (*SPAN_FEATURES, "grain_match", "asked_tail", "left_mention", "right_mention", "asked_inside",
                   "mention_share", "run_share", "left_context", "right_context", "left_piece", "right_piece")
CONTEXT_SLACK = 2  # characters between the question's words and the span (于, 的, 是)
MAX_INSIDE = 4  # asked_inside counts up to this
_CLAUSE = re.compile(r"[，。！？；：、,;:!?（）()“”\"《》【】\n]")
MIN_MATCH = 2  # characters: shorter common runs are chance
MAX_SPAN = 40
MAX_WORDS = 12  # a longer run is a candidate only whole


@lru_cache(maxsize=1)
def function_chars() -> tuple[frozenset[str], frozenset[str]]:
    """Function characters trimmed from the start and from the end of a span (于1910年 -> 1910年)."""
    rows = {edge: frozenset(chars) for edge, *chars in resources.table("function_chars")}
    return rows["start"], rows["end"]


@dataclass(frozen=True)
class Span:
    """A candidate short answer: sentence ``sentence`` (candidate index), offsets into it."""

    sentence: int
    start: int
    end: int
    text: str
    kind: str | None  # the mention kind when the span is a mention
    norm: str = ""  # the mention's comparable form (a romanised name, an ISO date)
    headed: bool = False  # a left-over run with the noun the question asks for after it (for the chooser only)


def covered(chars: str, text: str) -> np.ndarray:
    """Which characters of ``text`` lie in a run of at least ``MIN_MATCH`` characters that
    the question (``chars``, its own text without question words) also has (a new array:
    the caller may change it)."""
    return np.frombuffer(_covered(chars, text), dtype=bool).copy()


@lru_cache(maxsize=1 << 12)
def _covered(chars: str, text: str) -> bytes:
    mask = np.zeros(len(text), dtype=bool)
    if not chars:
        return mask.tobytes()
    i = 0
    while i < len(text):
        # the longest run of the question starting at text[i]
        best = 0
        for j in range(i + MIN_MATCH, min(len(text), i + 30) + 1):
            if text[i:j] in chars:
                best = j - i
            else:
                break
        if best >= MIN_MATCH:
            mask[i:i + best] = True
            i += best
        else:
            i += 1
    return mask.tobytes()


def candidate_spans(q: Query, index: int, text: str, start: int, mentions: Sequence[Mention], *,
                    heads: bool = True) -> list[Span]:
    """Mentions and left-over runs of one sentence (``start``: its article offset); with
    ``heads``, also the runs followed by the noun the question asks for, with it (``Span.headed``:
    the span chooser reads them, the span scorer was not trained on them)."""
    plain = to_simplified(text).lower()
    out: dict[tuple[int, int], Span] = {}
    for m in mentions:
        s, e = m.start - start, m.end - start
        if m.kind == "time" and q.grain != "clock":
            continue  # clock times answer only a question asking for a time of day
        if 0 <= s < e <= len(text) and to_simplified(m.text).lower() not in q.own:
            out[(s, e)] = Span(index, s, e, text[s:e], m.kind, m.norm)
    mask = _run_stops(q.chars, plain)
    units = _unit_cuts(plain, start, mentions)
    i = 0
    while i < len(plain):
        if mask[i]:
            i += 1
            continue
        j = i
        while j < len(plain) and not mask[j]:
            j += 1
        # the noun a question asks for heads its answer (哪一个机场 — 杭州笕桥机场): the question
        # has it, so the run stops before it; the run with it is a candidate too
        head = len(q.asked) if heads and q.asked and plain.startswith(q.asked, j) else 0
        for s, e in _pieces(plain, i, j):
            if (s, e) not in out and e not in units:
                out[(s, e)] = Span(index, s, e, text[s:e], None)
            if head and e == j and (s, e + head) not in out and e + head - s <= MAX_SPAN:
                out[(s, e + head)] = Span(index, s, e + head, text[s:e + head], None, headed=True)
        i = j
    return sorted(out.values(), key=lambda x: (x.start, x.end))


def _run_stops(chars: str, plain: str) -> np.ndarray:
    """What bounds a left-over run: the characters the question covers and punctuation."""
    mask = covered(chars, plain)
    for m in _CLAUSE.finditer(plain):
        mask[m.start()] = True
    return mask


def _unit_cuts(plain: str, start: int, mentions: Sequence[Mention]) -> set[int]:
    """Offsets inside a date or quantity mention between a digit and its unit (12月28|日, 38|元):
    a run that ends there parts a number from what it counts. Of 6,760 DRCD and CMRC-trial
    training answers, 13 end so (0.2 %)."""
    out = set()
    for m in mentions:
        if m.kind not in ("date", "quantity"):
            continue
        for k in range(max(m.start - start, 1), min(m.end - start, len(plain))):
            if plain[k - 1].isdigit() and not plain[k].isdigit() and plain[k] not in ".,":
                out.add(k)
    return out


@lru_cache(maxsize=1 << 14)
def _words(run: str) -> tuple[str, ...]:
    """jieba's words of a left-over run (answering cuts the same runs for the span scorer and
    for the chooser, and again for the next question about the same passages)."""
    from qa.lang.segment import cut

    return tuple(cut(run))


def _pieces(plain: str, i: int, j: int) -> list[tuple[int, int]]:
    """A left-over run ``plain[i:j]`` and its word-aligned beginnings and ends (an answer
    is often only part of the run: 于1910年 -> 1910年), without function words at the edges."""
    bounds = [i]
    for w in _words(plain[i:j]):
        bounds.append(bounds[-1] + len(w))
    words = len(bounds) - 1
    pairs = {(i, j)}
    if words <= MAX_WORDS:
        pairs |= {(i, b) for b in bounds[1:-1]} | {(b, j) for b in bounds[1:-1]}
    first, last = function_chars()
    out = set()
    for s, e in pairs:
        while s < e and plain[s] in first and e - s > 1:
            s += 1
        while e > s and plain[e - 1] in last and e - s > 1:
            e -= 1
        if 0 < e - s <= MAX_SPAN:
            out.add((s, e))
    return sorted(out)


def sentence_mentions(candidate) -> tuple[tuple[int, int, str], ...]:
    """A candidate sentence's annotations as (start, end, kind), offsets into the sentence."""
    start, size = candidate.start, len(candidate.text)
    return tuple((m.start - start, m.end - start, str(m.kind)) for m in candidate.sentence.mentions
                 if 0 <= m.start - start < m.end - start <= size)


def candidate_features(q: Query, spans: Sequence[Span], candidates: Sequence, sentences: np.ndarray) -> np.ndarray:
    """``span_features`` of spans of candidate sentences (``qa.evidence.Candidate``)."""
    return span_features(q, spans, [c.text for c in candidates], sentences,
                         {k: sentence_mentions(candidates[k]) for k in {sp.sentence for sp in spans}})


def span_features(q: Query, spans: Sequence[Span], texts: Sequence[str], sentences: np.ndarray,
                  mentions: Mapping[int, Sequence[tuple[int, int, str]]] | None = None, *,
                  choice: bool = True) -> np.ndarray:
    """One row per span (``CHOICE_FEATURES``: the span scorer reads the first
    ``len(SPAN_FEATURES)`` of them); ``texts`` and ``sentences`` (the feature rows of
    ``qa.features``) are per candidate sentence, indexed by ``Span.sentence``; ``mentions``:
    the annotations of those sentences (``sentence_mentions``; none when not given). Without
    ``choice``, the columns only the chooser reads are left 0 (for the scorer: faster)."""
    from qa.features import FEATURES

    picked = [FEATURES.index(c) for c in SENTENCE_COLUMNS]
    first, last = function_chars()
    col = {n: i for i, n in enumerate(CHOICE_FEATURES)}
    width = len(CHOICE_FEATURES)
    seen: dict[int, _Sentence] = {}
    asked = col[f"asked_{q.answer_type or 'none'}"]
    kind_asked = asked_kind(q)
    en = float(q.language == "en")
    rows = []
    for sp in spans:
        k = sp.sentence
        if k not in seen:
            seen[k] = _Sentence.of(q.chars, texts[k])
        st = seen[k]
        row = [0.0] * width
        row[col["is_mention"]] = float(sp.kind is not None)
        row[col[f"kind_{'date' if sp.kind == 'time' else sp.kind or 'none'}"]] = 1.0  # the chooser knows no times
        row[asked] = 1.0
        row[col["type_match"]] = float(kind_asked is not None and sp.kind == kind_asked)
        if q.units and sp.kind == "quantity":
            row[col["unit_match"]] = float(any(sp.text.endswith(u) for u in q.units))
        s, e = sp.start, sp.end
        n = e - s
        row[col["length"]] = min(n, MAX_SPAN)
        row[col["log_length"]] = math.log1p(n)
        row[col["left_covered"]] = float(s > 0 and st.mask[s - 1])
        row[col["right_covered"]] = float(e < st.size and st.mask[e])
        before = st.last_before[s]  # the last covered character before the span (-1: none)
        row[col["left_gap"]] = min(s - (before + 1), 30) if before >= 0 else 30
        after = st.first_from[e]  # the first covered character from its end (size: none)
        row[col["right_gap"]] = min(after - e, 30) if after < st.size else 30
        own = st.clause_at[s] if s < st.size else None
        row[col["clause_covered"]] = own[2] if own else 0.0
        row[col["in_best_clause"]] = float(own is not None and own[:2] == st.best[:2])
        row[col["clause_share"]] = n / max(own[1] - own[0], 1) if own else 0.0
        plain = to_simplified(sp.text).lower()
        overlap = (st.cum[e] - st.cum[s]) / n if n else 0.0
        if q.bigrams and n > 1:  # the share of its characters, stored as float32, or of its bigrams
            overlap = max(float(np.float32(overlap)), sum(plain[j:j + 2] in q.bigrams for j in range(n - 1)) / (n - 1))
        row[col["overlap_question"]] = overlap
        row[col["position"]] = s / max(st.size, 1)
        row[col["has_digit"]] = float(any(ch.isdigit() for ch in plain))
        row[col["has_punct"]] = float(bool(_CLAUSE.search(plain)))
        row[col["starts_function"]] = float(plain[:1] in first)
        row[col["ends_function"]] = float(plain[-1:] in last)
        row[col["lang_en"]] = en
        if not choice:
            rows.append(row)
            continue
        grain = _span_grain(sp) if q.grain else ""
        row[col["grain_match"]] = float(grain == q.grain) if grain else -1.0
        row[col["asked_tail"]] = float(plain.endswith(q.asked[-1])) if q.asked else -1.0
        ms = mentions.get(k, ()) if mentions else ()
        row[col["left_mention"]] = float(any(me == s for _, me, _ in ms))
        row[col["right_mention"]] = float(any(ms_ == e for ms_, _, _ in ms))
        row[col["asked_inside"]] = (min(sum(s <= ms_ and me <= e and kind == kind_asked for ms_, me, kind in ms),
                                        MAX_INSIDE) if kind_asked is not None else -1.0)
        if ms and n:
            inside = {i for ms_, me, _ in ms for i in range(max(ms_, s), min(me, e))}
            row[col["mention_share"]] = len(inside) / n
        run = st.run_end[s] - st.run_start[s] if s < st.size else 0
        row[col["run_share"]] = min(n / run, 1.0) if run > 0 else 0.0
        row[col["left_context"]] = _context_before(q.left, st.plain, s) if q.left else -1.0
        row[col["right_context"]] = _context_after(q.right, st.plain, e) if q.right else -1.0
        row[col["left_piece"]] = _context_before(q.left, st.plain, s, pieces=True) if q.left else -1.0
        row[col["right_piece"]] = _context_after(q.right, st.plain, e, pieces=True) if q.right else -1.0
        rows.append(row)
    X = np.array(rows, dtype=np.float32).reshape(len(rows), width)
    if len(rows):
        X[:, : len(picked)] = sentences[np.array([sp.sentence for sp in spans])][:, picked]
    return X


def _context_before(left: str, plain: str, s: int, *, pieces: bool = False) -> int:
    """The longest end of ``left`` (with ``pieces``, the longest piece of it: the question's words
    may end in ones the sentence need not repeat, 董事长[是]谁 — 董事长陈肇雄) that ``plain`` has
    ending at most ``CONTEXT_SLACK`` characters before ``s``: ``_context_after`` read backwards."""
    return _context_after(left[::-1], plain[max(0, s - len(left) - CONTEXT_SLACK):s][::-1], 0, pieces=pieces)


def _context_after(right: str, plain: str, e: int, *, pieces: bool = False) -> int:
    """The longest start (or piece) of ``right`` that ``plain`` has starting at most ``CONTEXT_SLACK``
    characters after ``e``."""
    for j in range(len(right), 0, -1):
        window = plain[e:e + j + CONTEXT_SLACK]
        if any(right[i:i + j] in window for i in (range(len(right) - j + 1) if pieces else (0,))):
            return j
    return 0


@dataclass(frozen=True)
class _Sentence:
    """What span features read of a candidate sentence, computed once per sentence: which
    characters the question covers (``covered``), their running count, the nearest covered
    character either side of each offset, and its clauses with the share of each covered."""

    size: int
    plain: str  # the sentence simplified and lower-cased
    mask: list[bool]
    cum: list[int]
    last_before: list[int]  # per offset i: the last covered offset < i, -1 if none
    first_from: list[int]  # per offset i (0..size): the first covered offset >= i, size if none
    clause_at: list[tuple[int, int, float] | None]
    best: tuple[int, int, float]
    run_start: list[int]  # per offset i: where the left-over run holding i starts (i itself if covered or punctuation)
    run_end: list[int]  # per offset i: where it ends (i itself if covered or punctuation)

    @classmethod
    def of(cls, chars: str, text: str) -> _Sentence:
        plain = to_simplified(text).lower()
        m = covered(chars, plain)
        mask = m.tolist()
        size = len(mask)
        cum = [0] * (size + 1)
        last_before = [-1] * (size + 1)
        for i, c in enumerate(mask):
            cum[i + 1] = cum[i] + c
            last_before[i + 1] = i if c else last_before[i]
        first_from = [size] * (size + 1)
        for i in range(size - 1, -1, -1):
            first_from[i] = i if mask[i] else first_from[i + 1]
        bounds = [0] + [x.end() for x in _CLAUSE.finditer(plain)] + [size]
        clauses = [(a, b, float(m[a:b].mean()) if b > a else 0.0) for a, b in zip(bounds, bounds[1:]) if b > a]
        clause_at: list[tuple[int, int, float] | None] = [None] * size
        for c in clauses:  # contiguous, in order
            clause_at[c[0]:c[1]] = [c] * (c[1] - c[0])
        best = max(clauses, key=lambda c: c[2]) if clauses else (0, 0, 0.0)
        stop = _run_stops(chars, plain).tolist()
        run_start, run_end = list(range(size)), list(range(size))
        for i in range(size):
            if not stop[i] and i and not stop[i - 1]:
                run_start[i] = run_start[i - 1]
        for i in range(size - 1, -1, -1):
            if not stop[i]:
                run_end[i] = run_end[i + 1] if i + 1 < size and not stop[i + 1] else i + 1
        return cls(size, plain, mask, cum, last_before, first_from, clause_at, best, run_start, run_end)


def _span_grain(sp: Span) -> str:
    """How precise a date a span is: its annotation's, or for a left-over run that is one
    date as written (1910年 of 1910年5月3日), that date's; "" when it is none."""
    if sp.kind == "date":
        return date_grain(sp.norm)
    if sp.kind == "time":
        return "clock"
    return _run_grain(sp.text) if sp.kind is None else ""


@lru_cache(maxsize=4096)
def _run_grain(text: str) -> str:
    from qa.lang.dates import find_dates

    found = find_dates(text)
    if len(found) == 1 and found[0].end - found[0].start >= len(text) - 1:
        return date_grain(found[0].iso)
    return ""


def date_grain(norm: str) -> str:
    """How precise a date annotation is: ``day`` (2020-11-17, --11-17), ``month`` (2020-11,
    --12) or ``year`` (1910; 1501/1600 a century); an interval by its start; "" otherwise."""
    first = norm.split("/", 1)[0]
    if re.fullmatch(r"(?:\d{4}|-)-\d{2}-\d{2}", first):
        return "day"
    if re.fullmatch(r"(?:\d{4}|-)-\d{2}", first):
        return "month"
    return "year" if re.fullmatch(r"-?\d{3,4}", first) else ""


def english_date(iso: str) -> str | None:
    """An ISO date or interval in English: 2020-11-17 -> 17 November 2020,
    2020-11-16/2020-11-17 -> 16–17 November 2020, --11-17 -> 17 November, 2020-11 -> November 2020."""
    if "/" in iso:
        a, b = (english_date(x) for x in iso.split("/", 1))
        if a and b:
            pa, pb = a.split(" "), b.split(" ")
            if len(pa) == len(pb) and len(pa) >= 2 and pa[1:] == pb[1:]:
                return f"{pa[0]}–{b}"
            return f"{a} – {b}"
        return None
    m = re.fullmatch(r"(\d{4}|-)-(\d{2})(?:-(\d{2}))?", iso) or re.fullmatch(r"(\d{4})", iso)
    if not m:
        return None
    if m.re.pattern == r"(\d{4})":
        return m.group(1)
    year, month, day = m.group(1), int(m.group(2)), m.group(3)
    name = resources.ordered("months_en")[month - 1]
    parts = ([str(int(day))] if day else []) + [name] + ([year] if year != "-" else [])
    return " ".join(parts)


def english_form(sp: Span) -> str:
    """How a short-answer span reads in an English answer: as written, with the romanised
    name of a person or place, the English words of a post, or the English date, in brackets (as the quotes below
    write names)."""
    if sp.kind in ("person", "place", "post") and sp.norm:
        return f"{sp.text} ({sp.norm})"
    if sp.kind == "date" and sp.norm and (en := english_date(sp.norm)):
        return f"{sp.text} ({en})"
    if sp.kind == "time" and sp.norm:
        return f"{sp.text} ({english_time(sp.norm)})"
    return sp.text


def spans_of(q: Query, index: int, candidate, *, heads: bool = True) -> list[Span]:
    """The candidate spans of one candidate sentence (``qa.evidence.Candidate``)."""
    return candidate_spans(q, index, candidate.text, candidate.start, candidate.sentence.mentions, heads=heads)
