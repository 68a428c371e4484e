"""Features of (question, sentence, passage) for the answer scorer.

One row per candidate sentence, named columns (``FEATURES``), computed the same way at
question time and in training (``python -m train``): dense similarity, coverage of the
question's key terms (bridged Chinese terms for English questions), the kind of answer
asked against the annotations the sentence holds, entity and number overlap, and the
passage's retrieval rank. Nothing here is a decision: the model weighs them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.evidence import Evidence
from qa.lang.names import holds_post
from qa.lang.numbers import find_numbers
from qa.lang.script import to_simplified
from qa.matching import around_gap, longest_common, present
from qa.query import KeyTerm, QueryAnalysis, asked_grain
from qa.types import Hit, Mention, MentionKind

ANSWER_TYPES = ("person", "date", "place", "org", "number")
FEATURES = (
    "dense", "dense_gap", "dense_rank", "passage_rank", "passage_dense", "passage_bm25",
    "cov", "cov_context", "cov_passage", "names_share", "has_names", "names_anywhere", "numbers_anywhere",
    "missing_idf", "bigram", "bigram_specific", "bigram_gap", "ngram", "ngram_len",
    "left_context", "right_context", "context_gap", "asked_noun", "sentence_missing", "best_span", "best_typed_span",
    "post",
    *(f"type_{t}" for t in (*ANSWER_TYPES, "none")),
    "offered", "offered_n", "offered_passage", "unit_match", "slot", "other_entities",
    "query_numbers", "query_entities", "length", "position", "lang_en", "is_claim", "n_terms",
)
_PUNCT = re.compile(r"[\W_]+")
SLOT_SCALE = 8.0  # characters: how fast a term's pull on a candidate answer fades with distance
SPAN_SENTENCES = 12  # sentences (the most like the question) whose best answer span is scored
CONTEXT = 6  # characters of the question read on each side of its question word
KIND_OF_TYPE = {"person": MentionKind.PERSON.value, "date": MentionKind.DATE.value, "place": MentionKind.PLACE.value,
                "org": MentionKind.ORG.value, "number": MentionKind.QUANTITY.value}  # answer type -> annotation kind


@dataclass(frozen=True)
class Query:
    """What the features need of a question (or of a claim to verify), computed once."""

    language: str
    answer_type: str | None
    terms: tuple[KeyTerm, ...]
    weights: tuple[float, ...]  # idf weight of each term
    chars: str  # the question's own Chinese text, question words and punctuation removed
    bigrams: frozenset[str]
    left: str  # the question's text just before its question word (成立于 in 圣体堂区成立于哪年？)
    right: str  # and just after it
    asked: str  # the noun it asks for (城市 in 哪座城市), "" when none
    numbers: tuple[float, ...]  # values of the numbers it names
    mentions: tuple[Mention, ...]  # its own people, organisations, places (offsets into its text)
    units: frozenset[str]  # for a how-many question: units an answer may use
    posts: tuple[str, ...]  # posts the question asks the holder of (董事长, or 董事长/主席 for "chairman")
    own: str  # text whose mentions are not answers (the question itself, simplified)
    is_claim: bool = False
    grain: str = ""  # for a when-question, how precise a date it asks for: day | month | year ("" any), or
    # clock: a time of day (几点开放), which a clock time answers and a date does not


def question_terms(analysis: QueryAnalysis, idf: Callable[[str], float] | None = None
                   ) -> tuple[tuple[KeyTerm, ...], tuple[float, ...], str, frozenset[str]]:
    """What a question asks a text to contain: its key terms (forms in Simplified, lower case), each
    one's weight (its share times the idf of its most specific form), its own Chinese characters
    (question words and punctuation removed; an English question's bridged terms, "|"-joined) and
    their bigrams. Read by ``make_query`` and by the passage ranker (``qa.rank``)."""
    text = to_simplified(analysis.question)
    terms = tuple(KeyTerm(t.text, tuple(to_simplified(f).lower() for f in t.forms), t.kind, t.weight, t.source)
                  for t in analysis.terms)
    weights = tuple(t.weight * (max((idf(f) for f in t.forms), default=1.0) if idf else 1.0) for t in terms)
    if analysis.language == "zh":
        chars = _PUNCT.sub("", _strip_cues(text)).lower()
    else:  # an English question's Chinese is its bridged terms
        chars = "|".join(t.forms[0] for t in terms if t.forms and not t.forms[0].isascii())
    bigrams = frozenset(chars[i:i + 2] for i in range(len(chars) - 1) if "|" not in chars[i:i + 2])
    return terms, weights, chars, bigrams


def make_query(analysis: QueryAnalysis, *, idf: Callable[[str], float] | None = None, claim: bool = False,
               answer_type: str | None = None) -> Query:
    """Question-side signals; ``claim`` for a statement to verify instead of a question."""
    from qa.annotate import annotate_text
    from qa.lang import resources

    text = to_simplified(analysis.question)
    terms, weights, chars, bigrams = question_terms(analysis, idf)
    left = right = asked = ""
    if analysis.language == "zh":
        from qa.query import asked_noun, gap_span

        asked = asked_noun(text) if not claim else ""
        if (gap := gap_span(text)) is not None:
            left = _PUNCT.sub("", text[: gap[0]])[-CONTEXT:].lower()
            right = _PUNCT.sub("", text[gap[1]:])[:CONTEXT].lower()
    mentions = tuple(m for m in annotate_text(text) if m.kind in ("person", "org", "place"))
    units: set[str] = set()
    kind = answer_type if answer_type is not None else (None if claim else analysis.answer_type)
    low = analysis.question.lower()
    if kind == "number":
        from qa.lang.numbers import unit_words

        table = resources.mapping("count_nouns")
        for word, us in table.items():
            if (word.isascii() and re.search(rf"\b{re.escape(word)}\b", low)) or (not word.isascii() and word in text):
                units.update(us)
        # the measure word after the question word is the answer's unit: 多少名员工, 几家企业
        for m in re.finditer(r"多少|几", text):
            unit = next((u for u in unit_words() if text.startswith(u, m.end())), None)
            if unit:
                units.add(unit)
    from qa.lang.names import posts_asked_en, posts_asked_zh
    from qa.lang.segment import cut

    asked_posts = [*posts_asked_zh(cut(text)), *posts_asked_en(low)]
    own = text.lower() + " " + " ".join(f for t in terms for f in t.forms)
    grain = asked_grain(text if analysis.language == "zh" else low, analysis.language) if kind == "date" else ""
    return Query(language=analysis.language, answer_type=kind, terms=terms, weights=weights, chars=chars,
                 bigrams=bigrams, left=left, right=right, asked=asked, numbers=tuple(v for _, _, v in find_numbers(text)), mentions=mentions,
                 units=frozenset(units), posts=tuple(dict.fromkeys(asked_posts)), own=own, is_claim=claim,
                 grain=grain)


def _strip_cues(text: str) -> str:
    from qa.query import answer_type_span

    span = answer_type_span(text, "zh")
    return text if span is None else text[: span[0]] + text[span[1]:]


def _coverage(q: Query, text: str) -> float:
    total = sum(q.weights)
    if not total:
        return 1.0
    return sum(w for t, w in zip(q.terms, q.weights) if present(t.forms, text) >= 0) / total


def answer_kind(q: Query, answer_type: str | None) -> str | None:
    """The annotation kind that answers ``answer_type`` in this question: a clock time where it
    asks for a time of day (几点开放: ``Query.grain`` "clock"; a date does not answer it), else
    the type's own kind (``KIND_OF_TYPE``); None for no type."""
    if answer_type is None:
        return None
    return MentionKind.TIME.value if answer_type == "date" and q.grain == "clock" else KIND_OF_TYPE[answer_type]


def asked_kind(q: Query) -> str | None:
    """The annotation kind that answers the question (None: any)."""
    return answer_kind(q, q.answer_type)


def _is_answer(q: Query, m: Mention, kind: str | None) -> bool:
    """A mention of the kind that answers type ``kind`` that the question does not itself name."""
    if kind is None or m.kind != answer_kind(q, kind):
        return False
    if m.kind == MentionKind.QUANTITY.value:
        value = m.norm.split(" ")[0]
        try:
            return float(value) not in q.numbers
        except ValueError:
            return True
    return to_simplified(m.text).lower() not in q.own


def sentence_features(q: Query, qvec: np.ndarray | None, ev: Evidence, hits: dict[int, Hit],
                      titles: dict[int, str], *, span_scorer: Callable[[np.ndarray], np.ndarray] | None = None
                      ) -> np.ndarray:
    """The feature matrix (``len(ev)`` x ``len(FEATURES)``) of the candidate sentences.

    Args:
        hits: passage number -> its retrieval hit (rank = passage number).
        titles: passage number -> its article's title.
        span_scorer: the answer model's span probabilities; with it, ``best_span`` is the
            best probability of a short answer in each of the ``SPAN_SENTENCES`` sentences
            most like the question (0 elsewhere; -1 for claims, which state their answer).
    """
    n = len(ev)
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return X
    col = {name: i for i, name in enumerate(FEATURES)}
    texts = [to_simplified(c.text).lower() for c in ev.candidates]
    title_text = {p: to_simplified(t).lower() for p, t in titles.items()}
    dense = ev.vectors @ qvec if qvec is not None and len(ev.vectors) else np.zeros(n, np.float32)
    order = np.argsort(-dense, kind="stable")
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    passage_text = {}
    for c, t in zip(ev.candidates, texts):
        passage_text[c.passage] = passage_text.get(c.passage, title_text.get(c.passage, "")) + "\n" + t
    everything = "\n".join(passage_text.values())
    names = [(t, w) for t, w in zip(q.terms, q.weights) if t.kind == "name"]
    numbers = [t for t in q.terms if t.kind == "number"]
    focus = [(t, w) for t, w in zip(q.terms, q.weights) if t.kind in ("name", "noun", "number")]
    top_w = max(q.weights, default=1.0) or 1.0
    missing = max((w for t, w in focus if present(t.forms, everything) < 0), default=0.0) / top_w
    kind = q.answer_type
    offered = [[m for m in c.sentence.mentions if _is_answer(q, m, kind)] for c in ev.candidates]
    offered_passages = {c.passage for c, o in zip(ev.candidates, offered) if o}
    q_len = max(len(q.chars.replace("|", "")), 1)
    best_dense = float(dense.max())
    # a question bigram that many candidates share (the topic, the title) tells them apart less
    seen = {b: sum(b in t for t in texts) for b in q.bigrams}
    specific = {b: math.log((n + 1) / (k + 0.5)) for b, k in seen.items()}
    specific_total = sum(specific.values()) or 1.0
    bigram = np.array([sum(b in t for b in q.bigrams) / len(q.bigrams) if q.bigrams else 0.0 for t in texts])
    for i, (c, text) in enumerate(zip(ev.candidates, texts)):
        hit = hits.get(c.passage)
        row = X[i]
        row[col["dense"]] = dense[i]
        row[col["dense_gap"]] = dense[i] - best_dense
        row[col["dense_rank"]] = math.log1p(rank[i])
        row[col["passage_rank"]] = c.passage
        row[col["passage_dense"]] = hit.dense_score if hit is not None and hit.dense_score is not None else 0.0
        row[col["passage_bm25"]] = 1.0 / hit.bm25_rank if hit is not None and hit.bm25_rank else 0.0
        row[col["cov"]] = _coverage(q, text)
        context = [text, title_text.get(c.passage, "")]
        neighbours = [k for k in range(max(0, i - 1), min(n, i + 2)) if ev.candidates[k].article.id == c.article.id]
        context += [texts[k] for k in neighbours]
        row[col["cov_context"]] = _coverage(q, "\n".join(context))
        row[col["cov_passage"]] = _coverage(q, passage_text[c.passage])
        if names:
            total = sum(w for _, w in names) or 1.0
            row[col["names_share"]] = sum(w for t, w in names if present(t.forms, text) >= 0) / total
            row[col["names_anywhere"]] = sum(w for t, w in names if present(t.forms, everything) >= 0) / total
            row[col["has_names"]] = 1.0
        else:
            row[col["names_share"]] = row[col["names_anywhere"]] = 1.0
        row[col["numbers_anywhere"]] = (sum(present(t.forms, everything) >= 0 for t in numbers) / len(numbers)
                                        if numbers else 1.0)
        row[col["missing_idf"]] = missing
        row[col["bigram"]] = bigram[i]
        row[col["bigram_gap"]] = bigram[i] - bigram.max()
        if q.bigrams:
            row[col["bigram_specific"]] = sum(w for b, w in specific.items() if b in text) / specific_total
        row[col["left_context"]], row[col["right_context"]], row[col["context_gap"]] = around_gap(q.left, q.right, text)
        row[col["asked_noun"]] = _asked(q, text, c.sentence.mentions)
        around = "\n".join(context)
        row[col["sentence_missing"]] = max((w for t, w in focus if present(t.forms, around) < 0), default=0.0) / top_w
        common = longest_common(q.chars, text) if q.chars else 0
        row[col["ngram"]] = common / q_len
        row[col["ngram_len"]] = min(common, 20)
        row[col[f"type_{kind or 'none'}"]] = 1.0
        found = offered[i]
        row[col["offered"]] = 1.0 if found else 0.0
        row[col["offered_n"]] = min(len(found), 5)
        row[col["offered_passage"]] = 1.0 if c.passage in offered_passages else 0.0
        row[col["unit_match"]] = float(any(m.norm.split(" ", 1)[-1] in q.units for m in found)) if q.units else -1.0
        row[col["post"]] = float(any(holds_post(text, p) for p in q.posts)) if q.posts else -1.0
        row[col["slot"]] = _slot(q, c, text, found)
        row[col["other_entities"]] = min(sum(m.kind in ("person", "org", "place") and _is_answer(q, m, _kind_of(m))
                                             for m in c.sentence.mentions), 5)
        if q.numbers:
            have = {v for _, _, v in find_numbers(text)}
            row[col["query_numbers"]] = sum(v in have for v in q.numbers) / len(q.numbers)
        else:
            row[col["query_numbers"]] = 1.0
        if q.mentions:
            row[col["query_entities"]] = sum(to_simplified(m.text).lower() in text for m in q.mentions) / len(q.mentions)
        else:
            row[col["query_entities"]] = 1.0
        row[col["length"]] = math.log1p(len(text))
        row[col["position"]] = c.start / max(len(c.article.text), 1)
        row[col["lang_en"]] = 1.0 if q.language == "en" else 0.0
        row[col["is_claim"]] = 1.0 if q.is_claim else 0.0
        row[col["n_terms"]] = min(len(q.terms), 10)
    X[:, col["best_span"]], X[:, col["best_typed_span"]] = best_spans(q, ev, X, span_scorer)
    return X


def best_spans(q: Query, ev: Evidence, X: np.ndarray, span_scorer) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate sentence, the best short-answer probability among its spans, and among
    its annotations of the kind the question asks for (-1 when it asks for no kind)."""
    out = np.zeros(len(ev), dtype=np.float32)
    typed = np.full(len(ev), 0.0 if q.answer_type else -1.0, dtype=np.float32)
    if q.is_claim:
        return out - 1.0, typed * 0 - 1.0
    if span_scorer is None or not len(ev):
        return out, typed
    from qa.shortanswer import span_features, spans_of

    col = {name: i for i, name in enumerate(FEATURES)}
    order = np.lexsort((-X[:, col["dense"]], -X[:, col["bigram_specific"]]))[:SPAN_SENTENCES]
    spans = [sp for k in order for sp in spans_of(q, int(k), ev.candidates[k], heads=False)]
    if not spans:
        return out, typed
    # the scorer reads none of the chooser's own features: they are not computed
    prob = span_scorer(span_features(q, spans, [c.text for c in ev.candidates], X, choice=False))
    kind = asked_kind(q)
    for sp, p in zip(spans, prob):
        out[sp.sentence] = max(out[sp.sentence], p)
        if kind is not None and sp.kind == kind:
            typed[sp.sentence] = max(typed[sp.sentence], p)
    return out, typed


def _asked(q: Query, text: str, mentions: Sequence[Mention]) -> float:
    """Whether the sentence has the noun the question asks for (1), a name ending like it
    (0.5: 厦门市 for 哪座城市), or neither (0); -1 when the question asks for no noun."""
    if not q.asked:
        return -1.0
    if q.asked in text:
        return 1.0
    last = q.asked[-1]
    return 0.5 if any(m.text.endswith(last) and m.text not in q.own for m in mentions) else 0.0


def _kind_of(m: Mention) -> str | None:
    return next((k for k, v in KIND_OF_TYPE.items() if v == m.kind), None)


def _slot(q: Query, c, text: str, found: Sequence[Mention]) -> float:
    """How close the best candidate answer sits to the question's terms in the sentence:
    the idf-weighted pull of the terms present, fading with distance in characters."""
    if not found or not q.terms:
        return 0.0
    spots = []
    for t, w in zip(q.terms, q.weights):
        i = present(t.forms, text)
        if i >= 0:
            spots.append((i, i + len(next(f for f in t.forms if text.find(f) == i)), w))
    total = sum(q.weights) or 1.0
    best = 0.0
    for m in found:
        s, e = m.start - c.start, m.end - c.start
        pull = 0.0
        for a, b, w in spots:
            d = max(a - e, s - b, 0)
            pull += w * math.exp(-d / SLOT_SCALE)
        best = max(best, pull / total)
    return best
