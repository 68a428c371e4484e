"""The offline default generator: quote the sentences that answer, cite each one,
and say "not found" when the passages do not contain the answer.

Whether the passages answer is decided from evidence, not from one similarity
threshold (cosine scores are not calibrated across languages: answerable English
questions score lower than unanswerable Chinese ones):

- coverage: the idf-weighted share of the question's key terms (names, numbers,
  content words; for English questions their Chinese bridges) that occur in the
  best passage;
- numbers: a number the question names must occur in that passage;
- names: a name the question asks about must occur in it;
- unseen nouns: an everyday noun of the question that the articles never use;
- typed answers: a how-many question needs a quantity, and a question for the holder
  of a post (董事长, chairman) a person named beside that post, in the sentences about
  the question's names and nouns.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from qa.answer import AnswerContext, Event, make_citations, not_found
from qa.bridges.dictionary import frequency
from qa.chunking import split_sentences
from qa.encoders import Encoder
from qa.evidence import Evidence, coverage, gives, offers, present
from qa.query import KeyTerm
from qa.types import Answer, Article

# How-many questions and questions for the holder of a post: a sentence about the question's
# names and nouns must give a quantity / name a person beside the post, else the articles do
# not say (how much is the agreement with 中国绿发 worth? who chairs 美亚柏科?).
TYPED_KINDS = ("person", "number")
ABOUT_SHARE = 0.5
# Asked for the holder of a post (美亚柏科的董事长是谁?), the sentence must name the post too.
POSTS = frozenset("董事长 总经理 总裁 主席 校长 高管 负责人 市长 省长 书记 部长 局长 院长 行长 会长 理事长 "
                  "秘书长 首席执行官 执行官 总监 经理".split())
POSTS_EN = {
    "chairman": ("董事长", "主席"), "chairwoman": ("董事长", "主席"), "president": ("总裁", "主席", "校长", "院长"),
    "ceo": ("首席执行官", "总裁"), "executive": ("高管", "总裁", "总经理", "负责人", "执行官"),
    "manager": ("经理",), "director": ("主任", "局长", "总监", "董事"), "head": ("负责人", "主任", "局长"),
    "mayor": ("市长",), "governor": ("省长",), "minister": ("部长",), "dean": ("院长",),
    "principal": ("校长",), "secretary": ("书记", "秘书长"),
}
COMMON_NOUN = 100  # jieba dictionary count from which a noun is a word people use, not a segmentation guess
INTRO_EN = "Found in {n} article{s} ({titles}). The sentences that answer, quoted in Chinese{names}:\n"


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, in article offsets."""

    passage: int  # n of the best-ranked passage containing it
    article: Article
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.article.text[self.start: self.end]


class SentenceEmbeddings:
    """Query-time sentence vectors with an LRU cache (the same corpus is asked again and again)."""

    def __init__(self, encoder: Encoder, *, max_items: int = 50_000) -> None:
        self.encoder = encoder
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            vecs = self.encoder.encode_passages(todo)
            with self._lock:
                for t, v in zip(todo, vecs):
                    self._cache[t] = v
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for t in texts:
                self._cache.move_to_end(t)
                out.append(self._cache[t])
        return np.stack(out) if out else np.zeros((0, self.encoder.dim), np.float32)


def candidates(ctx: AnswerContext) -> list[Candidate]:
    """Unique sentences of the passages; a sentence in two overlapping passages
    belongs to the better-ranked one."""
    seen: dict[tuple[str, int, int], Candidate] = {}
    for p in sorted(ctx.passages, key=lambda p: p.n):
        c = p.hit.chunk
        for s, e in split_sentences(p.article.text, c.start, c.end):
            key = (p.article.id, s, e)
            if key not in seen:
                seen[key] = Candidate(passage=p.n, article=p.article, start=s, end=e)
    return list(seen.values())


def asked_posts(question: str, terms: Sequence[KeyTerm]) -> list[KeyTerm]:
    """The posts a question asks the holder of (董事长, 高管, chairman), as key terms."""
    posts = [t for t in terms if any(f in POSTS for f in t.forms)]
    known = {f for t in posts for f in t.forms}
    posts += [KeyTerm(p, (p,), "noun") for p in POSTS if p in question and p not in known]
    low = question.lower()
    posts += [KeyTerm(w, forms, "noun") for w, forms in POSTS_EN.items() if re.search(rf"\b{w}s?\b", low)]
    return posts


class ExtractiveGenerator:
    """Quotes the best sentences of the passages with a ``[n]`` after each.

    Args:
        encoder: scores sentences against the question (the index's encoder).
        max_sentences, max_chars: how much the answer may quote.
        margin: sentences scoring within this of the best one are quoted.
        lexical_weight: how much key-term coverage adds to a sentence's dense score.
        min_coverage: the least key-term coverage of the best passage that counts as answered.
    """

    name = "extractive"

    def __init__(self, encoder: Encoder, *, max_sentences: int = 6, max_chars: int = 500,
                 margin: float = 0.05, lexical_weight: float = 0.05, min_coverage: float = 0.0,
                 unseen_max_score: dict[str, float] | None = None, type_weight: float = 0.03) -> None:
        self.sentences = SentenceEmbeddings(encoder)
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self.margin = margin
        self.lexical_weight = lexical_weight
        self.min_coverage = min_coverage
        self.type_weight = type_weight
        # A noun the articles never use sinks the answer unless the best sentence is
        # this close to the question (per language: cosine is not calibrated across them).
        self.unseen_max_score = dict(unseen_max_score or {"zh": 2.0, "en": 2.0})

    # -- the decision ------------------------------------------------------------
    def _weight(self, ctx: AnswerContext) -> Callable[[KeyTerm], float]:
        idf = ctx.idf

        def weight(t: KeyTerm) -> float:
            if idf is None:
                return t.weight
            return t.weight * max((idf(f) for f in t.forms), default=1.0)

        return weight

    def evidence(self, ctx: AnswerContext, best_dense: float | None = None,
                 sentences: Sequence[Candidate] = ()) -> Evidence:
        """Decide whether the passages answer the question (see the module docstring);
        ``sentences`` are the passages' sentences, for the typed-answer check."""
        terms = list(ctx.analysis.terms)
        if not ctx.passages:
            return Evidence(found=False, reason="no passages", coverage=0.0, best_passage=None)
        keys = tuple(t.text for t in terms)
        texts = {p.n: f"{p.article.title}\n{p.text}" for p in ctx.passages}
        weight = self._weight(ctx)
        focus = [t for t in terms if t.kind in ("name", "noun", "number")] or terms
        best = max(((coverage(focus, t, weight)[0], n) for n, t in texts.items()), key=lambda x: (x[0], -x[1]))
        cov, n = best

        def anywhere(t: KeyTerm) -> bool:
            return any(present(t, x) for x in texts.values())

        def known(t: KeyTerm) -> bool:
            # only an everyday dictionary word counts as never mentioned: jieba's guesses at
            # unknown words (转化成, 钟惺有) and rare compounds (食用方法) are segmentation, not absence
            return (anywhere(t) or (ctx.in_index is not None and any(ctx.in_index(f) for f in t.forms))
                    or not any(frequency(f) >= COMMON_NOUN for f in t.forms))

        unseen = tuple(t.text for t in terms if t.kind == "noun" and not known(t))

        def verdict(found: bool, reason: str, missing: Sequence[KeyTerm] = ()) -> Evidence:
            return Evidence(found, reason, cov, n, tuple(t.text for t in missing), keys, unseen,
                            None if best_dense is None else round(float(best_dense), 4))

        if missing := [t for t in terms if t.kind == "number" and not anywhere(t)]:
            return verdict(False, "a number in the question is not in the passages", missing)
        if missing := [t for t in terms if t.kind == "name" and not anywhere(t)]:
            return verdict(False, "a name in the question is not in the passages", missing)
        if missing := [t for t in terms if t.kind == "noun" and not known(t)]:
            limit = self.unseen_max_score.get(ctx.language, 1.0)
            if best_dense is None or best_dense < limit:
                return verdict(False, "the articles never mention a thing the question asks about", missing)
        if reason := self.untyped(ctx, focus, sentences, weight):
            return verdict(False, reason)
        if cov < self.min_coverage:
            return verdict(False, f"no passage mentions enough of the question's names and nouns ({cov:.2f})",
                           [t for t in focus if not present(t, texts[n])])
        return verdict(True, f"names and nouns covered ({cov:.2f})")

    def untyped(self, ctx: AnswerContext, focus: Sequence[KeyTerm], sentences: Sequence[Candidate],
                weight: Callable[[KeyTerm], float]) -> str | None:
        """Why a how-many question, or a question for the holder of a post, is not answered
        by the sentences about it (None when it is, or when the question is of another kind)."""
        kind = ctx.analysis.answer_type
        if kind not in TYPED_KINDS or not sentences:
            return None
        asked = {f for t in ctx.analysis.terms for f in t.forms}
        posts = asked_posts(ctx.question, ctx.analysis.terms)
        if kind == "person" and not posts:
            return None  # anyone may answer "who": 菩萨, 集英社, a Japanese pen name
        names = [t for t in focus if t.kind == "name"]
        for words, group in (("names and nouns", focus), ("names", names)):
            about = self.about(group, sentences, weight)
            if about and not any(gives(s, kind, asked, posts=posts) for s in about):
                return f"no sentence about the question's {words} gives a {kind}"
        return None

    @staticmethod
    def about(focus: Sequence[KeyTerm], sentences: Sequence[Candidate],
              weight: Callable[[KeyTerm], float]) -> list[str]:
        """The sentences that mention the most of ``focus`` (at least half as much as the
        best one does), each with the sentences of its passage that mention a term it
        lacks (a text names its subject once, then goes on about it: 长鳍新平鲉…。
        …体长可达21公分。)."""
        scored = [coverage(focus, c.text, weight)[0] for c in sentences]
        best = max(scored, default=0.0)
        if best <= 0:
            return []
        keep: set[int] = set()
        for i, c in enumerate(scored):
            if c < ABOUT_SHARE * best:
                continue
            keep.add(i)
            missing = [t for t in focus if not present(t, sentences[i].text)]
            keep.update(j for j, other in enumerate(sentences) if other.passage == sentences[i].passage
                        and any(present(t, other.text) for t in missing))
        return [sentences[j].text for j in sorted(keep)]

    # -- selection ------------------------------------------------------------------
    def select(self, ctx: AnswerContext, cands: Sequence[Candidate] | None = None) -> list[tuple[Candidate, float, float]]:
        """The sentences to quote (of ``cands``, default: the passages' sentences) with
        their scores and dense scores, best first."""
        cands = candidates(ctx) if cands is None else cands
        if not cands:
            return []
        if ctx.query_vector is not None:
            dense = self.sentences.embed([c.text for c in cands]) @ ctx.query_vector
        else:
            dense = np.zeros(len(cands), np.float32)
        weight = self._weight(ctx)
        terms = list(ctx.analysis.terms)
        lexical = np.array([coverage(terms, c.text, weight)[0] if terms else 0.0 for c in cands])
        asked = {f for t in terms for f in t.forms}
        kind = ctx.analysis.answer_type
        typed = np.array([offers(c.text, kind, asked) for c in cands], dtype=np.float32)
        scores = dense + self.lexical_weight * lexical + self.type_weight * typed
        order = np.argsort(-scores, kind="stable")
        best = scores[order[0]]
        chosen: list[tuple[Candidate, float, float]] = []
        chars = 0
        for i in order:
            c = cands[i]
            if chosen and (scores[i] < best - self.margin or len(chosen) >= self.max_sentences
                           or chars + len(c.text) > self.max_chars):
                continue
            chosen.append((c, float(scores[i]), float(dense[i])))
            chars += len(c.text)
        return chosen

    @staticmethod
    def order(chosen: list[tuple[Candidate, float]]) -> list[Candidate]:
        """Group by article (best article first), then in reading order."""
        rank: dict[str, int] = {}
        for c, _ in chosen:
            rank.setdefault(c.article.id, len(rank))
        return sorted((c for c, _ in chosen), key=lambda c: (rank[c.article.id], c.start))

    def render(self, ctx: AnswerContext, sentences: list[Candidate], renumber: dict[int, int]) -> list[str]:
        """Answer pieces (streamed one by one): for English an intro saying what was found,
        then each quoted sentence with its marker; English answers romanise person names."""
        if ctx.language != "en":
            return [f"{c.text}[{renumber[c.passage]}]" for c in sentences]
        from qa.bridges.pinyin import people_in, romanize_name

        titles = list(dict.fromkeys(c.article.title for c in sentences))
        seen: set[str] = set()
        pieces = []
        for c in sentences:
            text = c.text
            for name in people_in(text):
                if name not in seen and name in text:
                    seen.add(name)
                    text = text.replace(name, f"{name} ({romanize_name(name)})", 1)
            pieces.append(f"{text}[{renumber[c.passage]}]\n")
        shown = "; ".join(f"«{t}»" for t in titles[:3])
        intro = INTRO_EN.format(n=len(titles), s="s" if len(titles) > 1 else "", titles=shown,
                                names=", names romanised" if seen else "")
        return [intro, *pieces]

    def stream(self, ctx: AnswerContext) -> Iterator[Event]:
        cands = candidates(ctx)
        chosen = self.select(ctx, cands)
        ev = self.evidence(ctx, best_dense=chosen[0][2] if chosen else None, sentences=cands)
        details = {"evidence": asdict(ev)}
        if not ev.found:
            ans = not_found(ctx, missing=ev.missing if ev.best_passage else (), details=details)
            yield ans.answer
            yield ans
            return
        chosen = [(c, score) for c, score, _ in chosen]
        if not chosen:
            ans = not_found(ctx, details=details)
            yield ans.answer
            yield ans
            return
        sentences = self.order(chosen)
        highlights: dict[int, list[tuple[int, int]]] = {}
        for c in sentences:
            highlights.setdefault(c.passage, []).append((c.start, c.end))
        renumber, citations = make_citations(ctx, [c.passage for c in sentences], highlights)
        pieces = self.render(ctx, sentences, renumber)
        yield from pieces
        details["sentences"] = [{"text": c.text, "score": round(s, 4), "passage": c.passage} for c, s in chosen]
        yield Answer(question=ctx.question, answer="".join(pieces).strip(), found=True, citations=citations,
                     language=ctx.language, generator=self.name, details=details)
