"""Retrieve: dense (FAISS), BM25 (jieba tokens) and hybrid by reciprocal-rank fusion.

Dense search runs over sentence vectors: a chunk scores as its best sentence (on
DRCD, the training data, max-over-sentences ranks the answering passage first for
.944 of questions against .855 for one vector per chunk; README, "How it works").
A retriever contributes to the fusion only as far as it has evidence: BM25 on a
question none of whose terms occur in the index scores every chunk 0, and ranking
those zeros would only add noise, so it then contributes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from qa.bridges import lexicon_readings
from qa.dating import PERIOD_WEIGHT, RECENCY_POOL, RECENCY_WEIGHT
from qa.dating import newest_first as newest_first_order
from qa.encoders import Encoder
from qa.errors import EmptyIndexError
from qa.ingest.newspaper import model_title
from qa.lexical import idf_function
from qa.query import Bridge, QueryAnalysis, analyze
from qa.rank import RANK_DEPTH, PassageRanker
from qa.rerank import CANDIDATES as CANDIDATES_RERANK
from qa.rerank import Reranker, rerank
from qa.settings import RetrieverMode
from qa.store import IndexStore, passage_text
from qa.types import Chunk, Hit

RRF_K = 20
CANDIDATES = 100
SENTENCES_PER_CANDIDATE = 4  # sentence hits searched per chunk candidate
# How much a chunk's context (its sentences' mean and its title) adds to its best sentence's
# similarity, per question language: chosen on the training questions (DRCD, python -m train's
# index; 214 English, 300 Chinese): English R@1 .463 -> .533, R@5 .519 -> .734 with 1.0;
# Chinese no better at 0.5 and worse above (0.913 -> 0.897 at 1.0).
DENSE_CONTEXT = {"zh": 0.0, "en": 1.0}
# (dense, bm25) fusion weights per question language; tuned on development questions
# (see eval/reports and the README): English BM25 runs on bridged terms.
FUSION_WEIGHTS = {"zh": (1.0, 1.0), "en": (1.0, 0.75)}
TITLE_CACHE = 100_000  # article titles a retriever keeps for the passage ranker (emptied when full)
BRIDGE_WEIGHT = 1.0  # weight of the bridged-terms query vector added to an English question's



def name_pieces(analysis: QueryAnalysis, bm25, lexicon: Callable[[str], Sequence[str]] | None = None) -> dict[str, float]:
    """The question's BM25 terms, with the characters of each bridged name that BM25 does not
    know as a word: jieba cut 周俊 and 柳素云 in the articles ("好友周俊（姜大卫饰）") into pieces, so a
    name that the English bridge read from the index's lexicon ("Zhou Jun" -> 周俊) is searched
    by those pieces instead of not at all. Each character weighs the name's weight shared out
    over its characters. Only names bridged from English, and, given ``lexicon`` (a romanised
    name -> the index's words that read so), only the lexicon's readings: a Chinese question's
    names are its own words, and a reading guessed from the corpus text's syllables is no word."""
    terms = dict(analysis.bm25_terms)
    for term in analysis.terms:
        if term.kind != "name" or not term.forms or not term.source or not term.source.isascii():
            continue
        known = set(lexicon(term.source)) if lexicon is not None else None
        weight = term.weight / len(term.forms) ** 0.5
        for form in term.forms:
            if form.isascii() or form in bm25.vocab or (known is not None and form not in known):
                continue
            for ch in (c for c in dict.fromkeys(form) if c in bm25.vocab):
                terms[ch] = max(terms.get(ch, 0.0), weight / len(form))
    return terms

@dataclass(frozen=True)
class Retrieval:
    """Hits plus what retrieval learnt about the question, for the answer step."""

    question: str
    language: str
    hits: tuple[Hit, ...]
    query_vector: np.ndarray
    analysis: QueryAnalysis
    bm25_matched: tuple[str, ...]
    dense_scores: np.ndarray  # best-first dense scores of the candidates (score statistics)
    weights: dict[str, float] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    period: str | None = None  # the date filter applied (an ISO interval), if any
    undated: int = 0  # articles left out by the filter for having no (ISO) date


def rrf_fuse(rankings: dict[str, list[int]], weights: dict[str, float], *, k: int = RRF_K) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion: ``score(d) = sum_r w_r / (k + rank_r(d))``,
    ranks from 1. A ranking with weight 0 (no evidence) contributes nothing.

    >>> rrf_fuse({"a": [7, 3], "b": [3]}, {"a": 1.0, "b": 1.0}, k=60)[0][0]
    3
    """
    fused: dict[int, float] = {}
    for name, rows in rankings.items():
        w = weights.get(name, 0.0)
        if w <= 0:
            continue
        for rank, row in enumerate(rows, 1):
            fused[row] = fused.get(row, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))


class Retriever:
    def __init__(self, store: IndexStore, encoder: Encoder, *, mode: RetrieverMode = RetrieverMode.HYBRID,
                 top_k: int = 5, rrf_k: int = RRF_K, candidates: int = CANDIDATES,
                 bridges: tuple[Bridge, ...] = (), fusion_weights: dict[str, tuple[float, float]] | None = None,
                 reranker: Reranker | None = None, ranker: PassageRanker | None = None) -> None:
        self.store = store
        self.ranker = ranker
        self._title_cache: dict[str, str] = {}  # article id -> title (``titles``)
        self.bridges = bridges
        self.fusion_weights = dict(fusion_weights or FUSION_WEIGHTS)
        self.bridge_weight = BRIDGE_WEIGHT
        self.reranker = reranker
        self.encoder = encoder
        self.mode = RetrieverMode.parse(mode)
        self.top_k = top_k
        self.rrf_k = rrf_k
        self.candidates = candidates

    def dense_chunks(self, qvec: np.ndarray, n: int, *, context: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` best chunks by their best sentence (plus ``context`` times their context
        vector's similarity): ``(scores, chunk rows)``, best first."""
        store = self.store
        s_scores, s_rows = store.vectors.search(qvec, n * SENTENCES_PER_CANDIDATE)
        s_scores, s_rows = s_scores[0], s_rows[0]
        keep = s_rows >= 0
        spans = store.sentence_chunks[s_rows[keep]]
        best: dict[int, float] = {}
        for score, (lo, hi) in zip(s_scores[keep].tolist(), spans.tolist()):
            for row in range(lo, hi + 1):
                if row not in best:  # hits come best first
                    best[row] = score
        if context > 0:
            c_scores, c_rows = store.chunk_vectors.search(qvec, n)
            found = {int(r): float(s) for r, s in zip(c_rows[0], c_scores[0]) if r >= 0}
            rows = sorted(set(best) | set(found))
            missing = [r for r in rows if r not in found]
            if missing:
                found.update(zip(missing, (store.chunk_vectors.reconstruct(missing) @ qvec).tolist()))
            for r in (r for r in rows if r not in best):  # reached by context only: its best sentence
                lo, hi = store.chunk_sentences[r]
                best[r] = float((store.sentence_vectors(range(lo, hi + 1)) @ qvec).max())
            best = {r: best[r] + context * found[r] for r in rows}
        ranked = sorted(best.items(), key=lambda x: (-x[1], x[0]))[:n]
        return (np.array([s for _, s in ranked], dtype=np.float32),
                np.array([r for r, _ in ranked], dtype=np.int64))

    def titles(self, hits: Sequence[Hit]) -> list[str]:
        """The title of each hit's article, as the answer model reads it (``model_title``). Kept per
        article id (an id hashes the article's text, so its title never changes; the cache is the
        retriever's, made again for each index generation): an article is read once, not per question
        (on Milvus a read is two queries)."""
        cache, titles = self._title_cache, {}
        for aid in dict.fromkeys(h.chunk.article_id for h in hits):
            title = cache.get(aid)  # questions in other threads may fill or empty the cache meanwhile
            if title is None:
                art = self.store.article(aid)
                title = model_title(art.title, art.text)
                if len(cache) >= TITLE_CACHE:
                    cache.clear()
                cache[aid] = title
            titles[aid] = title
        return [titles[h.chunk.article_id] for h in hits]

    @cached_property
    def idf(self) -> Callable[[str], float] | None:
        """The index's idf of a surface form (``qa.lexical.idf_function``), made once."""
        return idf_function(self.store.bm25)

    def rows_in_period(self, period: str) -> tuple[np.ndarray, int]:
        """The chunk rows of the articles whose date overlaps ``period`` (an ISO interval,
        ``qa.limits.check_period``), and how many articles were left out for having no date."""
        from qa.lang.dates import overlaps

        ids, undated = [], 0
        for a in self.store.articles():
            try:
                if a.date and overlaps(a.date, period):
                    ids.append(a.id)
                elif not a.date:
                    undated += 1
            except ValueError:  # a date that is not ISO 8601 (free text from a source's metadata)
                undated += 1
        return self.store.chunk_rows_of(ids), undated

    def dense_chunks_among(self, qvec: np.ndarray, rows: np.ndarray, n: int, *,
                           context: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """``dense_chunks`` restricted to the chunk ``rows`` (a date filter): every sentence of
        those chunks scored exactly."""
        store = self.store
        spans = store.chunk_sentences[rows]
        sent_rows = sorted({s for lo, hi in spans.tolist() for s in range(lo, hi + 1)})
        sims = dict(zip(sent_rows, (store.sentence_vectors(sent_rows) @ qvec).tolist())) if sent_rows else {}
        scores = np.array([max((sims[s] for s in range(lo, hi + 1)), default=-1.0) for lo, hi in spans.tolist()])
        if context > 0 and len(rows):
            scores = scores + context * (store.chunk_vectors.reconstruct(rows.tolist()) @ qvec)
        order = np.argsort(-scores, kind="stable")[:n]
        return scores[order].astype(np.float32), rows[order]

    def retrieve(self, question: str, *, top_k: int | None = None, mode: RetrieverMode | str | None = None,
                 period: str | None = None, within: np.ndarray | None = None, boost: np.ndarray | None = None,
                 newest_first: bool = False, ignore: tuple[str, ...] = ()) -> Retrieval:
        """The ``top_k`` best chunks for a question (of the articles dated within ``period``, an
        ISO interval, when given).

        Args:
            within: only these chunk rows (a period the question names, ``qa.dating``);
                ``period`` wins when both are given.
            boost: chunk rows ranked by the question as one more ranking of the fusion.
            newest_first: the best chunks are fused with their newest-first order ("latest").
            ignore: words of the question that are not key terms (``qa.query.analyze``).

        Raises:
            EmptyIndexError: the index holds no chunks.
        """
        top_k = top_k or self.top_k
        mode = RetrieverMode.parse(mode) if mode is not None else self.mode
        if self.store.manifest.chunks == 0:
            raise EmptyIndexError(f"the index at {self.store.root} is empty; add articles: qa index add PATH...")
        timings: dict[str, float] = {}
        t = time.perf_counter()
        analysis = analyze(question, bridges=self.bridges, ignore=ignore)
        language = analysis.language
        timings["analyze"] = (time.perf_counter() - t) * 1000
        n = max(self.candidates, top_k)

        t = time.perf_counter()
        qvec = self.encoder.encode_queries([question])[0]
        bridged = " ".join(dict.fromkeys(t.forms[0] for t in analysis.terms if t.forms and not t.text.isascii()))
        if language == "en" and bridged and self.bridge_weight > 0:
            # the question's bridged Chinese terms as a second query: the encoder matches
            # Chinese to Chinese better than English to Chinese
            qzh = self.encoder.encode_queries([bridged])[0]
            qvec = qvec + self.bridge_weight * qzh
            qvec = qvec / max(float(np.linalg.norm(qvec)), 1e-12)
        timings["embed_query"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        allowed, undated = self.rows_in_period(period) if period else (within, 0)
        if allowed is None:
            d_scores, d_rows = self.dense_chunks(qvec, n, context=DENSE_CONTEXT.get(language, 0.0))
        else:
            d_scores, d_rows = self.dense_chunks_among(qvec, allowed, n, context=DENSE_CONTEXT.get(language, 0.0))
        timings["dense"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        bm25 = self.store.bm25
        terms = (name_pieces(analysis, bm25, lexicon_readings(self.bridges)) if bm25 is not None
                 else analysis.bm25_terms)
        matched = tuple(bm25.known(terms)) if bm25 is not None else ()
        b_scores = bm25.scores({k: terms[k] for k in matched}) if matched else np.zeros(0, np.float32)
        if allowed is not None and len(b_scores):
            inside = np.zeros(len(b_scores), dtype=bool)
            inside[allowed] = True
            b_scores = np.where(inside, b_scores, 0.0).astype(b_scores.dtype)
        b_rows = np.argsort(-b_scores, kind="stable")[:n] if len(b_scores) else np.zeros(0, np.int64)
        b_rows = b_rows[b_scores[b_rows] > 0]
        timings["bm25"] = (time.perf_counter() - t) * 1000

        w_dense, w_bm25 = self.fusion_weights.get(language, (1.0, 1.0))
        weights = {
            "dense": w_dense if mode in (RetrieverMode.DENSE, RetrieverMode.HYBRID) else 0.0,
            "bm25": w_bm25 if mode in (RetrieverMode.BM25, RetrieverMode.HYBRID) and len(b_rows) else 0.0,
        }
        rankings = {"dense": [int(r) for r in d_rows], "bm25": [int(r) for r in b_rows]}
        if boost is not None and len(boost) and allowed is None:
            _, p_rows = self.dense_chunks_among(qvec, boost, n, context=DENSE_CONTEXT.get(language, 0.0))
            rankings["period"] = [int(r) for r in p_rows]
            weights["period"] = PERIOD_WEIGHT
        t = time.perf_counter()
        dense_rank = {int(r): i for i, r in enumerate(d_rows, 1)}
        dense_score = {int(r): float(s) for r, s in zip(d_rows, d_scores)}
        bm25_rank = {int(r): i for i, r in enumerate(b_rows, 1)}
        if mode is RetrieverMode.DENSE and "period" not in rankings:
            ranked = [(int(r), float(s)) for r, s in zip(d_rows, d_scores)]
        elif mode is RetrieverMode.BM25 and "period" not in rankings:
            ranked = [(int(r), float(b_scores[r])) for r in b_rows]
        else:
            ranked = rrf_fuse(rankings, weights, k=self.rrf_k)
        chunks_of: dict[int, Chunk] = {}

        def hit(r: int, s: float) -> Hit:
            return Hit(chunk=chunks_of[r], score=s, row=r, dense_score=dense_score.get(r),
                       bm25_score=float(b_scores[r]) if len(b_scores) else None,
                       dense_rank=dense_rank.get(r), bm25_rank=bm25_rank.get(r))

        if self.ranker is not None and mode is RetrieverMode.HYBRID and "period" not in rankings and ranked:
            t_rank = time.perf_counter()
            pool = ranked[: max(RANK_DEPTH, top_k)]
            chunks_of = dict(zip((r for r, _ in pool), self.store.chunks(r for r, _ in pool)))
            pooled = [hit(r, s) for r, s in pool]
            order, scores = self.ranker.order(analysis, pooled, self.titles(pooled), self.idf)
            ranked = [(pool[i][0], float(scores[i])) for i in order] + ranked[len(pool):]
            weights["ranker"] = 1.0
            timings["rank"] = (time.perf_counter() - t_rank) * 1000
        if newest_first and ranked:
            pool = [r for r, _ in ranked[: RECENCY_POOL * top_k]]
            fused = rrf_fuse({"relevance": pool, "recency": newest_first_order(self.store, pool)},
                             {"relevance": 1.0, "recency": RECENCY_WEIGHT}, k=self.rrf_k)
            ranked = fused + ranked[len(pool):]
            weights["recency"] = RECENCY_WEIGHT
        ranked = ranked[: max(top_k, CANDIDATES_RERANK) if self.reranker else top_k]
        missing = [r for r, _ in ranked if r not in chunks_of]
        chunks_of.update(zip(missing, self.store.chunks(missing)))
        hits = tuple(hit(r, s) for r, s in ranked)
        timings["fuse"] = (time.perf_counter() - t) * 1000
        if self.reranker is not None and hits:
            t = time.perf_counter()
            titles = {a: model_title(art.title, art.text) for a in {h.chunk.article_id for h in hits}
                      if (art := self.store.article(a))}
            hits = rerank(self.reranker, question, hits, [passage_text(titles[h.chunk.article_id], h.chunk.text)
                                                          for h in hits], top_k)
            timings["rerank"] = (time.perf_counter() - t) * 1000
        if ignore and hits:
            analysis = _time_terms_found(analysis, analyze(question, bridges=self.bridges), hits)
        return Retrieval(question=question, language=language, hits=hits, query_vector=qvec,
                         analysis=analysis, bm25_matched=matched, dense_scores=d_scores,
                         weights=weights, timings_ms=timings, period=period, undated=undated)


def _time_terms_found(without: QueryAnalysis, full: QueryAnalysis, hits: tuple[Hit, ...]) -> QueryAnalysis:
    """The key terms of the question without its time words, plus those terms of the time
    words that the retrieved passages do contain (12月8日 when a passage says 12月8日): the
    answer step then prefers the sentence that names the date, and a date the passages do not
    write (an article that says 昨天) is never a missing term."""
    have = {t.kind + ":" + "|".join(t.forms) for t in without.terms}
    text = "".join(h.chunk.text for h in hits)
    extra = tuple(t for t in full.terms if t.kind + ":" + "|".join(t.forms) not in have
                  and any(f and f in text for f in t.forms))
    if not extra:
        return without
    return replace(without, terms=tuple(t for t in full.terms if t in without.terms or t in extra))


def fuse_retrievals(retrievals: dict[str, Retrieval], weights: dict[str, float], *, top_k: int,
                    lead: str | None = None, rrf_k: int = RRF_K) -> Retrieval:
    """The hits of several retrievals of one question (a follow-up's rewrite, its own words and
    the question before, ``qa.followup``) fused by reciprocal rank, the best ``top_k``. The
    analysis, query vector and scores are those of the ``lead`` retrieval (default the first):
    what the answer step reads the question by."""
    first = retrievals[lead] if lead is not None else next(iter(retrievals.values()))
    by_row: dict[int, Hit] = {}
    for r in (first, *retrievals.values()):
        for h in r.hits:
            by_row.setdefault(h.row, h)
    fused = rrf_fuse({name: [h.row for h in r.hits] for name, r in retrievals.items()}, weights, k=rrf_k)[:top_k]
    hits = tuple(replace(by_row[row], score=score) for row, score in fused)
    timings = {f"{k}_{name}": v for name, r in retrievals.items() for k, v in r.timings_ms.items()}
    return replace(first, hits=hits, weights={**first.weights, **{f"fused_{n}": w for n, w in weights.items()}},
                   timings_ms=timings)
