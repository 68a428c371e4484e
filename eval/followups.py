"""Follow-up pairs: each follow-up is answered after its first question (with history), alone
(without history) and in its standalone form, and the three are compared.

    python -m eval run --dataset followups

What issue 11 asks of follow-ups: with history never worse than without, on every pair
(``worse``: the pairs where it is), and a rewrite in the follow-up's own language
(``qa.followup.keeps_language``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from eval.datasets import Dataset
from eval.indexes import cached_index
from eval.runner import DEFAULT_CACHE, RETRIEVE_DEPTH, Config, _assistant, _bar, environment
from eval.scoring import AnswerRecord, RetrievalRecord, groups, score_ask, score_retrieval, summarize_answers
from qa.followup import keeps_language

CONDITIONS = ("with_history", "without_history", "standalone")
SCORES = ("key_fact_recall", "correct")  # compared pair by pair: with history must be >= without


@dataclass(frozen=True)
class FollowupRecord:
    """One follow-up asked three ways, and what the rewrite made of it."""

    qid: str
    lang: str
    type: str | None
    first: str
    question: str
    rewrite: str  # the standalone question the assistant made of it (the question itself if none)
    keeps_language: bool
    answers: dict[str, AnswerRecord]  # by condition
    retrieval: dict[str, RetrievalRecord]  # with and without history

    def worse(self) -> list[str]:
        """The scores on which the answer with history is below the one without."""
        w, wo = self.answers["with_history"], self.answers["without_history"]
        return [s for s in SCORES if (getattr(w, s) or 0.0) < (getattr(wo, s) or 0.0)]


@dataclass(frozen=True)
class FollowupRun:
    dataset: str
    config: Config
    records: tuple[FollowupRecord, ...]
    summary: dict
    seconds: float
    environment: dict


def ask_followup(bot, question, *, top_k: int, mode: str, articles: dict[str, str]) -> FollowupRecord:
    """Ask the follow-up's earlier questions, then the follow-up with and without that history,
    then its standalone form; score all three."""
    history = []
    for earlier in question.history:
        history.append((earlier, bot.ask(earlier, top_k=top_k, mode=mode).answer))
    with_h = bot.ask(question.text, history=history, top_k=top_k, mode=mode)
    answers = {"with_history": score_ask(question, with_h, articles=articles),
               "without_history": score_ask(question, bot.ask(question.text, top_k=top_k, mode=mode), articles=articles),
               "standalone": score_ask(replace(question, text=question.standalone),
                                       bot.ask(question.standalone, top_k=top_k, mode=mode), articles=articles)}
    retrieval = {}
    for name, hist in (("with_history", history), ("without_history", [])):
        t = time.perf_counter()
        r = bot.retrieve(question.text, history=hist, top_k=RETRIEVE_DEPTH, mode=mode)
        retrieval[name] = score_retrieval(question, [h.chunk.article_id for h in r.hits],
                                          (time.perf_counter() - t) * 1000)
    rewrite = with_h.details.get("standalone_question") or question.text
    return FollowupRecord(qid=question.id, lang=question.lang, type=question.type, first=" / ".join(question.history),
                          question=question.text, rewrite=rewrite, keeps_language=keeps_language(question.text, rewrite, history),
                          answers=answers, retrieval=retrieval)


def summarize_followups(records: list[FollowupRecord] | tuple[FollowupRecord, ...]) -> dict:
    """Per group (all, each language, each type): each condition's answer scores, R@1 with and
    without history, the share of rewrites in the question's language, the pairs made worse."""
    out = {}
    for name, rs in groups(records).items():
        out[name] = {
            "n": len(rs),
            **{c: summarize_answers([r.answers[c] for r in rs]) for c in CONDITIONS},
            "recall@1": {c: sum(r.retrieval[c].curve[0] for r in rs) / len(rs) for c in ("with_history", "without_history")},
            "keeps_language": sum(r.keeps_language for r in rs) / len(rs),
            "worse": [r.qid for r in rs if r.worse()],
        }
    return out


def evaluate_followups(dataset: Dataset, config: Config | None = None, *, cache_dir: str | Path = DEFAULT_CACHE,
                       rebuild: bool = False, progress: bool = True) -> FollowupRun:
    """Every follow-up of ``dataset`` asked three ways over its cached index."""
    config = config or Config()
    t0 = time.perf_counter()
    env = environment()
    index_path, _ = cached_index(dataset, encoder=config.encoder, chunk_size=config.chunk_size,
                                 vector_index=config.vector_index, cache_dir=Path(cache_dir), rebuild=rebuild,
                                 progress=progress)
    bot = _assistant(index_path, config, fixed_encoder=True, cache_dir=cache_dir)
    bot.warm_up()
    bot.ask("warm up")
    texts = {a.id: a.text for a in dataset.articles}
    records = [ask_followup(bot, q, top_k=config.top_k, mode=config.retriever, articles=texts)
               for q in _bar(dataset.questions, desc=f"{dataset.name} [{config.retriever}]", progress=progress)]
    return FollowupRun(dataset=dataset.name, config=config, records=tuple(records),
                       summary=summarize_followups(records), seconds=time.perf_counter() - t0, environment=env)


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def render(run: FollowupRun) -> str:
    """The run as Markdown: the three conditions per group, then every follow-up."""
    lines = [f"# Follow-ups — {run.config.label}", "",
             f"{len(run.records)} follow-ups, {run.seconds:.0f} s; machine: {run.environment['cpu']}, "
             f"{run.environment['cores']} cores, commit {run.environment['git_commit']}.", "",
             "| group | n | key facts with / without / standalone | correct with / without / standalone "
             "| R@1 with / without | rewrite in the question's language | worse with history |",
             "|---|---|---|---|---|---|---|"]
    for name, s in run.summary.items():
        kf = " / ".join(_f(s[c].get("key_fact_recall")) for c in CONDITIONS)
        ok = " / ".join(_f(s[c].get("correct")) for c in CONDITIONS)
        r1 = " / ".join(_f(s["recall@1"][c]) for c in ("with_history", "without_history"))
        lines.append(f"| {name} | {s['n']} | {kf} | {ok} | {r1} | {_f(s['keeps_language'])} | "
                     f"{len(s['worse'])} {' '.join(s['worse'])} |")
    lines += ["", "| id | first question | follow-up | rewrite | correct with / without / standalone |",
              "|---|---|---|---|---|"]
    for r in run.records:
        ok = " / ".join(_f(r.answers[c].correct) for c in CONDITIONS)
        mark = "" if r.keeps_language else " (mixes languages)"
        lines.append(f"| {r.qid} | {r.first} | {r.question} | {r.rewrite}{mark} | {ok} |")
    return "\n".join(lines) + "\n"


def write(run: FollowupRun, out_dir: Path) -> Path:
    """report.md and results.json in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(render(run), encoding="utf-8")
    data = {"dataset": run.dataset, "config": asdict(run.config), "seconds": run.seconds,
            "environment": run.environment, "summary": run.summary, "records": [asdict(r) for r in run.records]}
    (out_dir / "results.json").write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return out_dir / "report.md"


def console_summary(run: FollowupRun) -> str:
    s = run.summary["all"]
    return (f"{run.dataset} — {run.config.label} ({run.seconds:.0f} s)\n"
            f"  key facts with history / without / standalone: "
            + " / ".join(_f(s[c].get("key_fact_recall")) for c in CONDITIONS)
            + " · correct " + " / ".join(_f(s[c].get("correct")) for c in CONDITIONS)
            + f" · rewrite keeps language {_f(s['keeps_language'])} · worse with history: {len(s['worse'])}")
