"""The offline default generator: a short answer, then the sentences that support it,
one per line, each cited; or "not found" when the passages do not say.

Both decisions come from one learned, calibrated scorer (``qa.judge``): the passages
answer when the calibrated probability reaches the threshold chosen on validation
data; a sentence is quoted when its own probability reaches the quote threshold (the
best one always is); a short answer heads the answer when its span's probability
reaches the short-answer threshold (``qa.shortanswer``). A question asking for several
things is answered from every supporting sentence of every article, grouped by article
(``qa.lists``). Two kinds of question the model was not trained to judge are answered without
its "found": who a named person is, when a sentence gives them a post (``qa.identity``), and
what happened in a period, from the articles dated in it (``qa.dating.asks_what_happened``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from qa import byline, identity, lists
from qa.answer import AnswerContext, Event, make_citations, not_found
from qa.evidence import Candidate
from qa.features import asked_kind
from qa.judge import Judgement, judge
from qa.lang.script import to_simplified
from qa.query import asks_for_a_list
from qa.scorer import AnswerModel, load_model
from qa.shortanswer import Span, candidate_features, english_form, spans_of
from qa.types import Answer, Quote, ShortAnswer

INTRO_EN = "Found in {n} article{s} ({titles}). {what}, quoted in Chinese{names}:"
HEADING = {"zh": "《{title}》：", "en": "From «{title}»:"}  # one per article of a list answer from several
LIST_SEP = {"zh": "、", "en": ", "}


@dataclass(frozen=True)
class ShortPick:
    spans: tuple[Span, ...]
    probability: float
    kind: str


class ExtractiveGenerator:
    """Answers from the passages' own sentences.

    Args:
        model: the answer model (default: the shipped one, loaded on first use).
        found_threshold: overrides the model's threshold for "found" (both languages).
        max_quotes: the most sentences quoted (for a question asking for several things,
            the most quoted from one article).
        max_chars: the most characters quoted (the best sentence always is; not for a list,
            whose length is bounded by ``max_quotes`` per retrieved article).
    """

    name = "extractive"

    def __init__(self, model: AnswerModel | str | None = None, *, found_threshold: float | None = None,
                 max_quotes: int = 5, max_chars: int = 600) -> None:
        self._model = model if isinstance(model, AnswerModel) else None
        self._model_path = model if isinstance(model, str) else None
        self.found_threshold = found_threshold
        self.max_quotes = max_quotes
        self.max_chars = max_chars

    @property
    def model(self) -> AnswerModel:
        if self._model is None:
            self._model = load_model(self._model_path)
        return self._model

    # -- the steps --------------------------------------------------------------------
    def judge(self, ctx: AnswerContext) -> Judgement:
        return judge(ctx, self.model, threshold=self.found_threshold)

    def quotes(self, ctx: AnswerContext, j: Judgement, also: Iterable[int] = ()) -> list[int]:
        """Candidate indexes to quote: the best sentence, every other one at least as likely
        as the quote threshold, and those ``also`` holds (the short answer's sentences);
        grouped by article (best first), in reading order."""
        p = j.sentence_probability
        order = np.argsort(-p, kind="stable")
        limit = float(self.model.thresholds.get("quote", 0.5))
        chosen = list(dict.fromkeys([int(order[0]), *(int(i) for i in also)]))
        chars = sum(len(ctx.evidence.candidates[i].text) for i in chosen)
        for i in order:
            c = ctx.evidence.candidates[i]
            if i in chosen:
                continue
            if p[i] < limit or len(chosen) >= self.max_quotes or chars + len(c.text) > self.max_chars:
                continue
            chosen.append(int(i))
            chars += len(c.text)
        return lists.in_reading_order(chosen, p, ctx.evidence.candidates)

    def list_limit(self, j: Judgement) -> float:
        """How likely a sentence must be to be quoted in a list: the quote threshold was
        chosen on questions with one answer sentence; a list's items stand in several, each
        likely enough to answer on its own (the found threshold), so the lower of the two."""
        return min(float(self.model.thresholds.get("quote", 0.5)), j.threshold)

    def list_quotes(self, ctx: AnswerContext, j: Judgement) -> list[int]:
        """Candidate indexes to quote for a question asking for several things: every
        sentence of every article at least as likely as ``list_limit`` (the best always),
        at most ``max_quotes`` per article, grouped by article."""
        return lists.supporting(j.sentence_probability, ctx.evidence.candidates, self.list_limit(j),
                                per_article=self.max_quotes)

    def short(self, ctx: AnswerContext, j: Judgement, pool: list[int] | None = None, *,
              many: bool = False) -> ShortPick | None:
        """The short answer: the best span of the likeliest sentences, by the span chooser
        (which weighs, for a question asking for a person, date, place, number or
        organisation, whether a span is an annotation of that kind) among the spans that
        ``can_answer``. ``pool``: the sentences to take it from (default: the ``max_quotes`` likeliest);
        for a question asking for several (``many``), also the other spans of its kind in
        those sentences (the people met on one trip, listed: ``qa.lists.items``)."""
        model = self.model
        if model.span is None:
            return None
        cands = ctx.evidence.candidates
        p = j.sentence_probability
        if pool is None:
            pool = [int(k) for k in np.argsort(-p, kind="stable")[: self.max_quotes]]
        kind = asked_kind(j.query)
        spans: list[Span] = [sp for k in pool for sp in spans_of(j.query, k, cands[k]) if can_answer(j.query, sp)]
        if not spans:
            return None
        X = candidate_features(j.query, spans, cands, j.features)
        own, raw = model.span_choice_scores(X)
        # a span is the answer when it is the answer of its sentence and its sentence answers; of
        # spans as likely (one calibration step, one sentence), the chooser's higher raw score, then the first
        prob = own * p[[sp.sentence for sp in spans]]
        best = likeliest(prob, raw)
        if prob[best] < model.short_threshold(kind is not None):
            return None
        top = spans[best]
        first: dict[str, int] = {}  # articles in the order of their likeliest sentence
        for k in sorted(pool, key=lambda k: -p[k]):
            first.setdefault(cands[k].article.id, len(first))
        picked = [top]
        if many:
            picked = lists.items(spans, prob, own, best, floor=model.short_threshold(kind is not None),
                                 more=float(model.thresholds.get("short_more", 0.5)), kind=kind,
                                 candidates=cands, article_rank=first.__getitem__)
        return ShortPick(tuple(picked), float(prob[best]), top.kind or "text")  # "text": not an annotation

    @staticmethod
    def identity_short(ctx: AnswerContext, j: Judgement, who: identity.IdentityQuestion) -> ShortPick | None:
        """For a question asking who a named person is (or what post they hold): the post that
        the likeliest sentence naming them gives them; none when no sentence gives one (the
        span chooser would offer another person, which never answers such a question)."""
        cands = ctx.evidence.candidates
        p = j.sentence_probability
        for k in np.argsort(-p, kind="stable"):
            c = cands[int(k)]
            for s, e in identity.name_spans(who, c.text, c.start, c.sentence.mentions):
                if (found := identity.post_of(c.text, s, e)) is not None:
                    text = c.text[found[0]:found[1]]
                    span = Span(int(k), found[0], found[1], text, "post", identity.english_gloss(text))
                    return ShortPick((span,), float(p[k]), "post")
        return None

    def bylines(self, ctx: AnswerContext, j: Judgement) -> tuple[ShortPick, list[int]] | None:
        """For a question asking who wrote an article: the bylines of the articles it is about
        (``qa.byline.articles``) and the sentences to quote, one per article; None when none of
        them names its author (the text may then say who wrote it: the usual answer)."""
        from qa.lang.names import looks_like_person
        from qa.lang.pinyin import romanize_name

        picked = byline.articles(ctx.evidence.candidates, j.sentence_probability, floor=self.list_limit(j),
                                 several=byline.asks_several(ctx.question, ctx.language),
                                 count=byline.articles_asked(ctx.question))
        spans, seen = [], set()
        for k in picked:
            author = (ctx.evidence.candidates[k].article.author or "").strip()
            if author and author not in seen:
                seen.add(author)
                spans.append(Span(k, 0, 0, author, "person", romanize_name(author) if looks_like_person(author) else ""))
        if not spans:
            return None
        short = ShortPick(tuple(spans), float(j.sentence_probability[spans[0].sentence]), "author")
        return short, lists.in_reading_order(picked, j.sentence_probability, ctx.evidence.candidates)

    # -- rendering ---------------------------------------------------------------------
    def render(self, ctx: AnswerContext, quoted: list[Candidate], renumber: dict[int, int],
               short: ShortPick | None, *, by_article: bool = False) -> list[str]:
        """Answer lines, streamed one by one: the short answer with its citations, then
        each quoted sentence with its marker; English answers first say what was found,
        and romanise names. ``by_article``: a heading before each article's quotes when
        they come from more than one (a list gathered across articles)."""
        pieces: list[str] = []
        if short is not None:
            marks = "".join(f"[{n}]" for n in self._cited(ctx, short, renumber))
            pieces.append(self._short_text(ctx, short) + marks)
        headed = by_article and len({c.article.id for c in quoted}) > 1

        def with_headings(lines: list[str]) -> list[str]:
            if not headed:
                return lines
            out, last = [], None
            for c, line in zip(quoted, lines):
                if c.article.id != last:
                    out.append(HEADING[ctx.language].format(title=c.article.title))
                    last = c.article.id
                out.append(line)
            return out

        if ctx.language != "en":
            return pieces + with_headings([f"{c.text}[{renumber[c.passage]}]" for c in quoted])
        titles = list(dict.fromkeys(c.article.title for c in quoted))
        seen: set[str] = set()
        lines = []
        for c in quoted:
            text = c.text
            for m in c.sentence.mentions:
                if m.kind == "person" and m.norm and m.text not in seen and m.text in text:
                    seen.add(m.text)
                    text = text.replace(m.text, f"{m.text} ({m.norm})", 1)
            lines.append(f"{text}[{renumber[c.passage]}]")
        shown = "; ".join(f"«{t}»" for t in titles[:3])
        what = "The answer, then the sentences that support it" if pieces else "The sentences that answer"
        intro = INTRO_EN.format(n=len(titles), s="s" if len(titles) > 1 else "", titles=shown, what=what,
                                names=", names romanised" if seen or pieces else "")
        return [intro, *pieces, *with_headings(lines)]

    @staticmethod
    def _cited(ctx: AnswerContext, short: ShortPick, renumber: dict[int, int]) -> tuple[int, ...]:
        return tuple(dict.fromkeys(renumber[ctx.evidence.candidates[sp.sentence].passage] for sp in short.spans))

    @staticmethod
    def _short_text(ctx: AnswerContext, short: ShortPick) -> str:
        if ctx.language != "en":
            return LIST_SEP["zh"].join(dict.fromkeys(sp.text for sp in short.spans))
        return LIST_SEP["en"].join(dict.fromkeys(english_form(sp) for sp in short.spans))

    def stream(self, ctx: AnswerContext) -> Iterator[Event]:
        if ctx.evidence is None or not len(ctx.evidence):
            ans = not_found(ctx, details={"evidence": {"reason": "no passages"}})
            yield ans.answer
            yield ans
            return
        j = self.judge(ctx)
        # a question asking only what happened in a period (qa.dating.asks_what_happened; the assistant
        # passes it the passages dated in the period) is answered by what each of their articles reports
        # most likely: it has no words for a sentence to match, and the model, trained on questions that
        # do, cannot judge it
        digest = ctx.details.get("digest")
        # a question asking who a named person is is answered by the post a sentence gives them, and
        # answered when one does (the model, trained on DRCD where such questions are rare, under-rates them)
        who = None if digest else identity.asked_person(ctx.question, ctx.language)
        post = self.identity_short(ctx, j, who) if who is not None else None
        stated = not j.found and post is not None
        reason = (f"the question asks what happened in {digest}: the passages dated in it" if digest
                  else "the passages answer" if j.found else f"a passage gives {who.name} a post" if stated
                  else "the passages do not say")
        details = {"evidence": {"probability": round(j.probability, 4), "threshold": round(j.threshold, 4),
                                "model": self.model.version,
                                "reason": reason + f" (p={j.probability:.2f}, threshold {j.threshold:.2f})"}}
        if not (j.found or stated or digest):
            ans = not_found(ctx, missing=missing_terms(ctx, j), details=details, probability=round(j.probability, 4))
            yield ans.answer
            yield ans
            return
        many = bool(digest) or (who is None and asks_for_a_list(ctx.question, ctx.language))  # 担任哪些职务: one chain of posts
        by = self.bylines(ctx, j) if not digest and byline.asks_author(ctx.question, ctx.language) else None
        if digest:  # each article's likeliest sentence, no short answer
            picked = lists.supporting(j.sentence_probability, ctx.evidence.candidates, 0.0, per_article=1)
            short = None
        elif by is not None:  # the answer is the articles' bylines
            short, picked = by
            many = len(picked) > 1
        elif many:  # every supporting sentence of every article; the items only from those
            picked = self.list_quotes(ctx, j)
            short = self.short(ctx, j, picked, many=True)
        else:
            short = post if who is not None else self.short(ctx, j)
            picked = self.quotes(ctx, j, also=[sp.sentence for sp in short.spans] if short else ())
        quoted = [ctx.evidence.candidates[i] for i in picked]
        highlights: dict[int, list[tuple[int, int]]] = {}
        for c in quoted:
            highlights.setdefault(c.passage, []).append((c.start, c.end))
        renumber, citations = make_citations(ctx, [c.passage for c in quoted], highlights)
        lines = self.render(ctx, quoted, renumber, short, by_article=many)
        for i, line in enumerate(lines):
            yield line + ("\n" if i < len(lines) - 1 else "")
        quotes = tuple(Quote(n=renumber[c.passage], text=c.text, start=c.start, end=c.end,
                             probability=round(float(j.sentence_probability[i]), 4)) for i, c in zip(picked, quoted))
        short_answer = None
        if short is not None:
            short_answer = ShortAnswer(text=self._short_text(ctx, short), type=short.kind,
                                       citations=self._cited(ctx, short, renumber), probability=round(short.probability, 4))
        yield Answer(question=ctx.question, answer="\n".join(lines), found=True, citations=citations,
                     language=ctx.language, generator=self.name, details=details, short_answer=short_answer,
                     quotes=quotes, probability=round(j.probability, 4))


def likeliest(prob: np.ndarray, raw: np.ndarray) -> int:
    """The index of the highest ``prob``; among equal ones, of the highest ``raw``; then the first."""
    return int(np.lexsort((-np.arange(len(prob)), raw, prob))[-1])


def can_answer(q, sp: Span) -> bool:
    """Whether a span may be the short answer; the span chooser ranks those that may. A count
    whose unit the question names (多少人, how many people; 票价多少元) is answered only by a
    quantity in that unit. An English question asking for a person, date, place, number or
    organisation is answered by an annotation (of any kind: the chooser weighs the kind),
    which has an English form (a romanised name, an English date); a bare Chinese fragment
    would not read as an answer. Any span may answer any other question."""
    if q.units:
        return sp.kind == "quantity" and sp.norm.split(" ", 1)[-1] in q.units
    if q.grain == "clock":  # 几点开放: a time of day, never the date
        return sp.kind == "time"
    return not (q.language == "en" and q.answer_type and sp.kind is None)


def missing_terms(ctx: AnswerContext, j: Judgement) -> list[str]:
    """The question's names, nouns and numbers that no passage mentions (for the hint)."""
    texts = "\n".join([to_simplified(c.text).lower() for c in ctx.evidence.candidates]
                      + [to_simplified(p.article.title).lower() for p in ctx.passages])
    return [t.text for t in j.query.terms if t.kind in ("name", "noun", "number")
            and not any(f in texts for f in t.forms)]
