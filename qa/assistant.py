"""The Python API: one object that indexes articles and answers questions.

>>> from qa import Assistant
>>> bot = Assistant.load("index")                    # an index built by `qa index build`
>>> ans = bot.ask("who did Hu Changsheng meet in Beijing?")
>>> ans.found, ans.citations[0].title
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from qa import dating, decompose, evidence, limits, stores
from qa.answer import NO_CONTENT, NOTHING_DATED, AnswerContext, Event, Generator, Passage
from qa.build import IndexChange, Progress
from qa.encoders import DEFAULT_ENCODER, BatchedEncoder, make_encoder
from qa.errors import EncoderMismatchError, IngestError
from qa.ingest import IngestResult, ingest_paths
from qa.lang.chars import detect_language, has_content
from qa.lang.script import to_simplified
from qa.prepare import LocalPreparer, Preparer
from qa.retrieve import Retrieval, Retriever, fuse_retrievals
from qa.settings import RetrieverMode, Settings
from qa.store import ArticleInfo
from qa.stores import Store
from qa.types import Answer, Article

log = logging.getLogger(__name__)
T = TypeVar("T")


class Assistant:
    """Answers questions from an index directory; also adds and removes articles.

    Construction is cheap: the index opens on first use and models load lazily.
    Safe to share between threads; changes to the index are serialised.
    """

    def __init__(self, settings: Settings | None = None, *, encoder: BatchedEncoder | None = None,
                 generator: Generator | None = None) -> None:
        self.settings = settings or Settings.load()
        self._encoder = encoder
        self._generator = generator
        self._store: Store | None = None
        self._retriever: Retriever | None = None
        self._lock = threading.RLock()  # lazy parts and swapping the store
        self._write_lock = threading.Lock()  # index changes, one at a time; questions go on meanwhile

    @classmethod
    def load(cls, index_dir: str | Path | None = None, **overrides) -> Assistant:
        """Open an existing index (``QA_*`` settings apply; keyword overrides win).

        Raises:
            IndexNotFoundError: no index at ``index_dir``.
            IndexMismatchError: it was built by another format version or encoder.
        """
        bot = cls(Settings.load(index_dir=index_dir, **overrides))
        _ = bot.store  # open now so that a missing or mismatched index fails here
        return bot

    # -- parts, resolved lazily -------------------------------------------------
    @property
    def index_dir(self) -> Path:
        return self.settings.index_dir

    def _encoder_name(self) -> str:
        if self.settings.encoder:
            return self.settings.encoder
        return stores.stored_encoder(self.settings) or DEFAULT_ENCODER

    @property
    def encoder(self) -> BatchedEncoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = make_encoder(self._encoder_name(), batch_size=self.settings.batch_size,
                                             device=self.settings.device)
            return self._encoder

    @property
    def store(self) -> Store:
        """The live index generation; reopened when another writer has committed."""
        with self._lock:
            if self._store is None or not self._store.is_current():
                store = stores.open_store(self.settings)
                m = store.manifest
                if self.settings.encoder and self.settings.encoder != m.encoder:
                    raise EncoderMismatchError(
                        f"the index at {self.index_dir} was built with encoder {m.encoder!r}, "
                        f"but encoder {self.settings.encoder!r} was asked for; use --encoder {m.encoder} "
                        f"(or unset QA_ENCODER), or rebuild: qa index build PATH... --index-dir {self.index_dir} "
                        f"--encoder {self.settings.encoder}")
                self._store = store
                self._retriever = None
            return self._store

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            store = self.store
            if self._retriever is None:
                from qa.bridges import default_bridges
                from qa.rank import load_ranker
                from qa.rerank import make_reranker

                self._retriever = Retriever(store, self.encoder, mode=self.settings.retriever,
                                            top_k=self.settings.top_k, bridges=default_bridges(store),
                                            reranker=make_reranker(self.settings.reranker, device=self.settings.device),
                                            ranker=load_ranker(self.settings.ranker))
            return self._retriever

    @property
    def generator(self) -> Generator:
        with self._lock:
            if self._generator is None:
                from qa.generators import make_generator

                self._generator = make_generator(self.settings)
            return self._generator

    def warm_up(self) -> Assistant:
        """Load the index and models now rather than on the first question."""
        self.store.warm_up()
        self.retrieve("warm up")
        return self

    # -- asking ---------------------------------------------------------------------
    def retrieve(self, question: str, *, top_k: int | None = None, mode: RetrieverMode | str | None = None,
                 period: str | None = None, history: Sequence[tuple[str, str]] = ()) -> Retrieval:
        """The chunks ``ask`` answers from, best first (the eval's retrieval pass).

        As in ``ask``: a follow-up (``history``) is retrieved by its rewrite and its own words,
        and a period the question names (11月17日, last week) filters, unless ``period`` (an ISO
        interval) is given. Where the answer would fall back to all articles, the ranking goes
        on with them: the period's chunks first, then the others.
        """
        question = to_simplified(question)
        top_k = top_k or self.settings.top_k
        retriever = self.retriever
        standalone = self._standalone(question, history, self._generator, retriever)
        when = self._when(retriever, standalone, question, history) if period is None else dating.QuestionTime()
        use = dating.QUESTION_PERIOD
        args = dict(top_k=top_k, mode=mode, period=period, history=history)
        retrieval = self._retrieve(retriever, standalone, question, when=when.retrieval(use), **args)
        if use is dating.PeriodUse.FILTER and when.period is not None and len(retrieval.hits) < top_k:
            rest = self._retrieve(retriever, standalone, question, when=when.retrieval(use, with_period=False), **args)
            seen = {h.row for h in retrieval.hits}
            more = tuple(h for h in rest.hits if h.row not in seen)[: top_k - len(retrieval.hits)]
            retrieval = dataclasses.replace(retrieval, hits=retrieval.hits + more)
        return retrieval

    def _standalone(self, question: str, history: Sequence[tuple[str, str]], generator: Generator | None,
                    retriever: Retriever) -> str:
        """A follow-up as a standalone question, in its own language (``qa.followup``)."""
        if not history:
            return question
        from qa.bridges import chinese_names
        from qa.followup import rewrite

        return to_simplified(rewrite(question, history, generator=generator,
                                     translate=chinese_names(retriever.bridges)))

    @staticmethod
    def _when(retriever: Retriever, standalone: str, question: str,
              history: Sequence[tuple[str, str]]) -> dating.QuestionTime:
        """What the question says about time; a follow-up that refers back and names no time
        of its own keeps the one of the question before ("the 2020 meeting" ... "what rate
        did it announce?" is about 2020's)."""
        when = dating.understand(retriever.store, to_simplified(standalone))
        if history and when.period is None and not when.latest and not when.problem:
            from qa.followup import refers_back

            if refers_back(question):
                earlier = dating.understand(retriever.store, to_simplified(history[-1][0]))
                if earlier.period is not None or earlier.latest:
                    return earlier
        return when

    def _retrieve(self, retriever: Retriever, standalone: str, question: str, *, top_k: int | None,
                  mode: RetrieverMode | str | None, period: str | None, when: dict,
                  history: Sequence[tuple[str, str]] = ()) -> Retrieval:
        """``retriever.retrieve`` of the standalone question; for a follow-up, fused with the
        retrieval of its own words (a rewrite that carried the wrong name still finds what the
        question itself asks about) and, when it refers back, of the question before it."""
        from qa.followup import FOLLOWUP_POOL, FOLLOWUP_WEIGHTS, refers_back, steers_only

        queries = {"standalone": standalone}
        if history:
            queries["question"] = question
            if refers_back(question):
                queries["earlier"] = to_simplified(history[-1][0])
        if len(set(queries.values())) == 1:
            return retriever.retrieve(standalone, top_k=top_k, mode=mode, period=period, **when)
        k = top_k or self.settings.top_k
        found = {name: retriever.retrieve(q, top_k=FOLLOWUP_POOL * k, mode=mode, period=period, **when)
                 for name, q in queries.items()}
        # names put in front of the question, apart ("胡昌升 北京 谈了什么？", "Xiamen When was that
        # announced?"), say what it is about, not what it asks: they steer retrieval, and the answer
        # reads the question by its own words. A name put in place of 他, the thing talked about
        # written into a Chinese question (今冬首场寒潮气温降了多少？) or an English subject written
        # in ("The fair: how many came?") is part of what is asked: that rewrite leads
        # (qa.followup.carry_entities, steers_only)
        lead = "question" if steers_only(standalone, question) else "standalone"
        return fuse_retrievals(found, {n: FOLLOWUP_WEIGHTS[n] for n in found}, top_k=k, lead=lead,
                               rrf_k=retriever.rrf_k)

    def context(self, question: str, *, top_k: int | None = None, mode: RetrieverMode | str | None = None,
                language: str | None = None, history: Sequence[tuple[str, str]] = (),
                period: str | None = None, when: dict | None = None,
                retriever: Retriever | None = None, original: str | None = None) -> tuple[AnswerContext, Retrieval]:
        """Retrieve for a (standalone) question and gather what a generator answers from:
        the passages, and their sentences with stored vectors and annotations. A question in
        Traditional characters is read as Simplified (as the index reads its articles).
        ``when``: what the question says about time, as retrieval arguments
        (``qa.dating.QuestionTime.retrieval``), read from ``retriever``'s index generation.
        ``original``: the follow-up ``question`` is the rewrite of; with ``history``, both (and
        the question before, when the follow-up refers back) are retrieved and fused (``_retrieve``)."""
        question = to_simplified(question)
        # one generation for the whole question, even if a change commits meanwhile
        retriever = retriever or self.retriever
        retrieval = self._retrieve(retriever, question, to_simplified(original or question), top_k=top_k,
                                   mode=mode, period=period, when=when or {},
                                   history=history)
        store = retriever.store
        articles: dict[str, Article] = {}
        passages = []
        for i, h in enumerate(retrieval.hits, 1):
            aid = h.chunk.article_id
            if aid not in articles:
                articles[aid] = store.article(aid)
            passages.append(Passage(n=i, hit=h, article=articles[aid]))
        ev = evidence.from_index(store, [(p.n, p.hit, p.article) for p in passages])
        encoder = self.encoder
        ctx = AnswerContext(question=question, language=language or retrieval.language, passages=tuple(passages),
                            analysis=retrieval.analysis, query_vector=retrieval.query_vector, history=tuple(history),
                            idf=retriever.idf, evidence=ev, bridges=retriever.bridges,
                            encode_query=lambda text: encoder.encode_queries([text])[0])
        return ctx, retrieval

    def stream(self, question: str, *, top_k: int | None = None, mode: RetrieverMode | str | None = None,
               history: Sequence[tuple[str, str]] = (), generator: Generator | None = None,
               since: str | None = None, until: str | None = None) -> Iterator[Event]:
        """Answer text deltas as they are produced, then the final ``Answer``.

        ``since``/``until`` (YYYY, YYYY-MM or YYYY-MM-DD) answer from the articles dated in
        that period only; articles without a date are then left out.

        Raises:
            QAError: a question, top_k or history outside ``qa.limits`` (RequestError), or an
                empty index (EmptyIndexError).
        """
        t0 = time.perf_counter()
        question = limits.check_question(question, self.settings.max_question_chars)
        top_k = limits.check_top_k(top_k)
        history = limits.check_history(history)
        period = limits.check_period(since, until)
        if not has_content(question):  # only punctuation, symbols or emoji: nothing to look for
            language = "zh" if re.search(r"[\u3000-\u303f\uff00-\uffef]", question) else "en"  # full-width: Chinese
            text = NO_CONTENT[language]
            yield text
            yield Answer(question=question, answer=text, found=False, language=language,
                         details={"reason": "no content"}, timings_ms={"total": round((time.perf_counter() - t0) * 1000, 2)})
            return
        asked = decompose.parts(question) if self.settings.decompose else (question,)
        if len(asked) > 1:  # several questions in one: each answered, then joined
            yield from self._stream_parts(question, asked, top_k=top_k, mode=mode, history=history,
                                          generator=generator, since=since, until=until)
            return
        gen = generator or self.generator
        retriever = self.retriever  # one index generation for the whole question
        standalone = self._standalone(question, history, gen, retriever) if history else question
        # answer in the language the user wrote in, even if the rewrite borrowed English names
        language = detect_language(question) if standalone != question else None
        original = question if standalone != question else None
        # a period the question names (11月17日, last week), unless since/until say it explicitly
        when = self._when(retriever, standalone, question, history) if period is None else dating.QuestionTime()
        use = dating.QUESTION_PERIOD
        ctx, retrieval = self.context(standalone, top_k=top_k, mode=mode, language=language, history=history,
                                      period=period, when=when.retrieval(use), retriever=retriever, original=original)
        t1 = time.perf_counter()
        final, fallback = None, None
        filtered = use is dating.PeriodUse.FILTER and when.period is not None
        # asked only what happened in the period: answered by the articles dated in it, or by none
        # (what other days report does not say what happened in it)
        digest = filtered and dating.asks_what_happened(when.period, retrieval.analysis.terms)
        if filtered and not (when.rows is not None and len(when.rows)):
            fallback = ("no article or sentence is dated in the period; "
                        + ("nothing answered from other days" if digest else "answered from all articles"))
        if digest:
            ctx = dataclasses.replace(ctx, details={**ctx.details, "digest": when.period.iso})
        retry_all = filtered and fallback is None and not digest  # if the filtered answer finds nothing: all articles
        # a filtered answer's or a follow-up's text waits until it is known to answer (else it is asked again)
        hold = retry_all or bool(history)
        held: list[Event] = []
        if digest and fallback is not None:
            text = NOTHING_DATED[ctx.language].format(words=" ".join(when.period.words), iso=when.period.iso)
            events: Iterable[Event] = [text, Answer(question=question, answer=text, found=False, language=ctx.language,
                                                details={"reason": "nothing dated in the period"})]
        else:
            events = gen.stream(ctx)
        for event in events:
            if isinstance(event, Answer):
                final = event
            elif hold:
                held.append(event)
            else:
                yield event
        if retry_all and not final.found:  # the period must not make an answer empty: ask all articles
            ctx2, retrieval2 = self.context(standalone, top_k=top_k, mode=mode, language=language, history=history,
                                            when=when.retrieval(use, with_period=False), retriever=retriever,
                                            original=original)
            events = list(gen.stream(ctx2))
            if isinstance(events[-1], Answer) and events[-1].found:
                fallback = "nothing dated in the period answers; answered from all articles"
                held, final, ctx, retrieval = events[:-1], events[-1], ctx2, retrieval2
        alone = None
        if history and not final.found:  # history must not make an answer worse: ask it alone
            ctx3, retrieval3 = self.context(question, top_k=top_k, mode=mode, period=period,
                                            when=dating.understand(retriever.store, to_simplified(question)).retrieval(use)
                                            if period is None else None, retriever=retriever)
            events = list(gen.stream(ctx3))
            if isinstance(events[-1], Answer) and events[-1].found:
                alone = "read with the conversation, the follow-up found no answer; answered as asked, without history"
                held, final, ctx, retrieval = events[:-1], events[-1], ctx3, retrieval3
        yield from held
        t2 = time.perf_counter()
        timings = {k: round(v, 2) for k, v in retrieval.timings_ms.items()}
        timings.update(retrieve=round((t1 - t0) * 1000, 2), answer=round((t2 - t1) * 1000, 2),
                       total=round((t2 - t0) * 1000, 2))
        details = {
            **final.details,
            "standalone_question": standalone if standalone != question else None,
            "followup_note": alone,
            "language": ctx.language,
            "retriever": str(RetrieverMode.parse(mode) if mode else self.settings.retriever),
            "top_k": top_k or self.settings.top_k,
            "encoder": self.encoder.name,
            "bm25_matched": list(retrieval.bm25_matched),
            "fusion_weights": retrieval.weights,
            "expansions": retrieval.analysis.expansions,
            "key_terms": [t.text for t in retrieval.analysis.terms],
            "passages": [{"n": p.n, "article_id": p.article.id, "start": p.hit.chunk.start, "end": p.hit.chunk.end}
                         for p in ctx.passages],
        }
        if period:
            details["period"] = {"from": "since/until", "since": since or None, "until": until or None,
                                 "undated_left_out": retrieval.undated}
        elif when.period is not None:
            details["period"] = {"from": "question", **when.period.to_json(), "use": str(use), **when.counts,
                                 "fallback": fallback is not None, "note": fallback}
        if when.problem:
            details["period_problem"] = when.problem
        if when.latest:
            details["order"] = {"newest_first": True, "word": when.latest}
        yield dataclasses.replace(final, question=question, timings_ms={**final.timings_ms, **timings},
                                  details=details)

    def _stream_parts(self, question: str, asked: Sequence[str], *, history: Sequence[tuple[str, str]],
                      **kwargs) -> Iterator[Event]:
        """A question that asks several things (``qa.decompose``): each part answered as a
        follow-up of the parts before it (so that 又获得了什么称号 keeps the 厦门 of the part
        before), each part's text yielded when it is answered, then the joined answer."""
        t0 = time.perf_counter()
        joined = decompose.Joined(question, detect_language(question))
        earlier = list(history)
        for part in asked:
            deltas, final = [], None
            for event in self.stream(part, history=tuple(earlier), **kwargs):
                if isinstance(event, Answer):
                    final = event
                else:
                    deltas.append(event)
            assert final is not None
            yield joined.add(part, final, "".join(deltas))
            earlier.append((part, final.answer))
        final = joined.answer()
        yield dataclasses.replace(final, timings_ms={**final.timings_ms,
                                                     "total": round((time.perf_counter() - t0) * 1000, 2)})

    def ask(self, question: str, **kwargs) -> Answer:
        """Answer a question with citations; see ``stream`` for the arguments."""
        final = None
        for event in self.stream(question, **kwargs):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    # -- indexing ---------------------------------------------------------------------
    def _write(self, *, preparer: Preparer | None = None, **kwargs) -> IndexChange:
        preparer = preparer or LocalPreparer(workers=self.settings.build_workers)
        return self._commit(lambda: stores.write(
            self.settings, encoder=self.encoder, chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap, vector_index=self.settings.vector_index,
            preparer=preparer, **kwargs))

    def _commit(self, change: Callable[[], T]) -> T:
        """Run one change of the index, one at a time; the next question opens the new generation."""
        with self._write_lock:
            out = change()
            with self._lock:
                self._store = None
                self._retriever = None
            return out

    def build(self, paths: Iterable[str | Path], *, progress: Progress | None = None,
              preparer: Preparer | None = None) -> tuple[IngestResult, IndexChange]:
        """Index ``paths`` from scratch, replacing the index atomically when done.

        Args:
            preparer: who annotates and embeds (``qa.prepare``); default: processes on every
                core (``build_workers``); ``qa.build_ray.RayPreparer`` for a Ray cluster.

        Raises:
            IngestError: no article could be read from ``paths`` (the old index stays).
        """
        result = _ingest(paths, self.settings.max_article_chars)
        return result, self._write(add=result.articles, replace=True, progress=progress, preparer=preparer)

    def add(self, paths: Iterable[str | Path], *, progress: Progress | None = None,
            preparer: Preparer | None = None) -> tuple[IngestResult, IndexChange]:
        """Index the articles of ``paths`` that are not indexed yet (creates the index if needed);
        ``preparer`` as for ``build``."""
        result = _ingest(paths, self.settings.max_article_chars)
        return result, self._write(add=result.articles, progress=progress, preparer=preparer)

    def add_articles(self, articles: Sequence[Article], *, progress: Progress | None = None,
                     preparer: Preparer | None = None) -> IndexChange:
        return self._write(add=list(articles), progress=progress, preparer=preparer)

    def repair(self, *, progress: Progress | None = None) -> tuple[IndexChange, str]:
        """Index again the articles the index stores (``qa index repair``: damaged files, or an
        index of an older format); returns the change and the generation they were read from."""
        from qa.build import repair_index

        stores.require_local(self.settings, "qa index repair")
        return self._commit(lambda: repair_index(self.index_dir, encoder=self.encoder, progress=progress,
                                                 preparer=LocalPreparer(workers=self.settings.build_workers)))

    def remove(self, article_ids: str | Sequence[str]) -> IndexChange:
        """Remove articles by id. Raises ArticleNotFoundError (and changes nothing) for an unknown id."""
        ids = [article_ids] if isinstance(article_ids, str) else list(article_ids)
        return self._write(remove=ids)

    def articles(self) -> list[ArticleInfo]:
        return self.store.articles()

    def info(self) -> dict:
        """Index status and the settings in effect (for `qa index info` and the app)."""
        out: dict = {"index_dir": stores.where(self.settings), "settings": self.settings.public_dict()}
        try:
            store = self.store
        except Exception as e:  # reported, not raised: info is how people find out what is wrong
            from qa.errors import IndexCorruptError

            out.update(status="damaged" if isinstance(e, IndexCorruptError) else "unavailable", error=str(e))
            return out
        m = store.manifest
        out.update(status="ready" if m.chunks else "empty", manifest=m.to_json(),
                   size_bytes=store.size_on_disk())
        return out


def _ingest(paths: Iterable[str | Path], max_article_chars: int) -> IngestResult:
    result = ingest_paths(list(paths), max_article_chars=max_article_chars)
    if not result.articles:
        reasons = "; ".join(s.reason for s in result.skipped[:5]) or "no supported files"
        raise IngestError(f"no article found, nothing changed ({reasons})")
    chars = sum(len(a.text) for a in result.articles)
    if chars > limits.LARGE_INPUT_CHARS:  # say so before the wait, not after
        log.warning("indexing %d article(s), %s characters: %s (articles already indexed are skipped)",
                    len(result.articles), f"{chars:,}", limits.indexing_time(chars))
    return result
