"""Training examples: the training corpus indexed by the real build code, every question
asked through the real retrieval, and each candidate sentence's features (computed by
``qa.judge.featurize``, as at question time) with its label."""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.chunking import sentence_spans
from qa.types import Article
from train.data import Passage, Question, cut_answers, iter_questions, roles

TOP_K = 6  # the assistant's default
CLAIM_SHARE = 0.5  # of the Chinese questions, the share also turned into a true and a false claim (English: all)
PERTURB_SHARE = 0.35  # of the Chinese questions on kept passages, the share also asked with one noun swapped
ATTRIBUTE_SHARE = 0.6  # of those asking for a post, a count or a named kind of thing: asked for another one
SEED = 2026


@dataclass
class Examples:
    X: np.ndarray  # one row per candidate sentence
    y: np.ndarray  # 1: the sentence holds an answer
    question: np.ndarray  # row -> question index
    questions: list[dict]  # id, lang, split, role, kind, label (the passages answer), answerable (in the corpus)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, X=self.X, y=self.y, question=self.question,
                            questions=np.array(json.dumps(self.questions, ensure_ascii=False)))

    def __add__(self, other: Examples) -> Examples:
        return Examples(np.concatenate([self.X, other.X]), np.concatenate([self.y, other.y]),
                        np.concatenate([self.question, other.question + len(self.questions)]),
                        self.questions + other.questions)

    @classmethod
    def load(cls, path: Path) -> Examples:
        z = np.load(path)
        return cls(z["X"], z["y"], z["question"], json.loads(str(z["questions"])))


def save_spans(spans: dict, path: Path) -> None:
    np.savez_compressed(path, **{k: v for k, v in spans.items() if k != "questions"},
                        questions=np.array(json.dumps(spans["questions"], ensure_ascii=False)))


def load_spans(path: Path) -> dict:
    z = np.load(path)
    out = {k: z[k] for k in z.files if k != "questions"}
    out["questions"] = json.loads(str(z["questions"]))
    return out


def corpus(passages: list[Passage], role: dict[str, str], *, size: int = 300) -> list[Article]:
    """The articles indexed for training: kept passages whole, cut ones without their answers."""
    out = []
    for p in passages:
        if role[p.id] == "drop":
            continue
        text = p.context if role[p.id] == "keep" else cut_answers(p, sentence_spans(p.context, size=size))
        if text.strip():
            out.append(Article.make(text, title=p.title, source=p.source, path=p.id))
    return out


def build_index(articles: list[Article], encoder, cache_dir: Path, *, progress: bool = True) -> Path:
    """The index of ``articles``, built once per corpus and code version (cached)."""
    from eval.indexes import INDEX_CODE, qa_source_hash
    from qa.build import write_index

    h = hashlib.sha1()
    for a in articles:
        h.update(f"{a.id}\x1f{a.title}\x1e".encode())
    key = f"{h.hexdigest()[:12]}-{qa_source_hash(INDEX_CODE)}"
    root = cache_dir / f"index-{key}"
    if (root / "manifest.json").is_file():
        return root
    t = time.perf_counter()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=1, desc="training index: embedding sentences", unit="sent")

    def report(stage: str, done: int, total: int) -> None:
        if bar is not None and stage == "embedding":
            bar.total = total
            bar.n = done
            bar.refresh()

    write_index(root, encoder=encoder, add=articles, progress=report)
    if bar is not None:
        bar.close()
        print(f"training index: {len(articles)} articles in {time.perf_counter() - t:.0f} s")
    return root


SPECIFIC_ANSWER = 4  # characters: an answer this long found in another article's sentence is the answer there


def label(p: Passage, q: Question, cand, role: str) -> int:
    """Whether a candidate sentence holds the question's answer: a sentence of a kept
    passage that holds part of an answer span, a sentence of the same article (title)
    that contains an answer's text, or any sentence containing a long answer's text."""
    if role == "keep" and cand.article.path == p.id:
        if any(s < cand.end and cand.start < s + len(t) for t, s in q.answers):
            return 1
    for t, _ in q.answers:
        if t in cand.text and (cand.article.title == p.title or len(t) >= SPECIFIC_ANSWER):
            return 1
    return 0


def _bot(index_dir: Path, encoder, top_k: int, **settings):
    from qa.assistant import Assistant
    from qa.settings import Settings

    bot = Assistant(Settings.load(env={}, index_dir=index_dir, top_k=top_k, **settings), encoder=encoder)
    bot.warm_up()
    return bot


def _items(passages: list[Passage], limit: int | None, progress: bool, desc: str, keep=None):
    items = [(p, q) for p, q in iter_questions(passages) if keep is None or keep(p, q)][:limit]
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc=desc, unit="q")
    return items


def collect_spans(passages: list[Passage], index_dir: Path, encoder, *, top_k: int = TOP_K,
                  limit: int | None = None, progress: bool = True, model=None) -> dict:
    """Span examples of the questions whose passages answer them (the first pass: the span
    model is fitted before the sentence model, which reads its scores). With ``model`` (an
    ``AnswerModel``: the one ``--chooser-only`` changes), each span row also carries its
    sentence's probability by that model (``sentence_prob``; NaN without one), from which the
    short-answer thresholds of a new chooser are chosen."""
    from qa.judge import featurize
    from train.spans import merge, span_examples

    role = roles(passages)
    bot = _bot(index_dir, encoder, top_k)
    parts, ids = [], []
    for p, q in _items(passages, limit, progress, "span examples", keep=lambda p, q: role[p.id] == "keep"):
        ctx, _ = bot.context(q.text, top_k=top_k)
        query, X = featurize(ctx)
        y = np.array([label(p, q, c, role[p.id]) for c in ctx.evidence.candidates], dtype=np.int8)
        if y.any():
            sprob = None
            if model is not None:  # as answering scores them: the sentence features with the model's span scores
                sprob = model.sentence_probability(model.sentence_raw(featurize(ctx, model=model)[1]))
            part = span_examples(query, ctx, X, y, q, len(ids), sentence_prob=sprob)
            parts.append(part)
            ids.append({"id": q.id, "lang": q.lang, "split": p.split, "answers": [t for t, _ in q.answers][:3],
                        "typed": query.answer_type is not None})
    out = merge(parts)
    out["questions"] = ids
    return out


def collect(passages: list[Passage], index_dir: Path, encoder, *, span_scorer=None, top_k: int = TOP_K,
            limit: int | None = None, progress: bool = True, role: dict[str, str] | None = None,
            plain: bool = False) -> Examples:
    """Ask every question of ``passages`` against the index (and, for some, a version with a
    noun swapped, and claims made from it); each candidate sentence's features and label.
    ``role``: the passages' roles in this index (default ``roles(passages)``); ``plain``: the
    questions only, no swapped versions or claims."""
    from qa.judge import featurize

    role = role or roles(passages)
    bot = _bot(index_dir, encoder, top_k)
    rows, ys, owner, meta = [], [], [], []

    def features(ctx, claim=False, text=None):
        return featurize(ctx, claim=claim, text=text, span_scorer=span_scorer)

    def add(X, y, **info) -> int:
        meta.append(info)
        rows.append(X)
        ys.append(y)
        owner.append(np.full(len(y), len(meta) - 1, dtype=np.int32))
        return len(meta) - 1

    pool: list[str] = []  # nouns of earlier questions, to swap into later ones
    asked_pool: list[str] = []  # the nouns earlier questions asked for (哪座城市: 城市)
    for p, q in _items(passages, limit, progress, "training questions"):
        # each question's own draws: adding or removing questions (English ones, another writer's) leaves
        # every other question's swapped versions and claims as they were
        rng = random.Random(f"{SEED}/{q.id}/{q.lang}")
        ctx, _ = bot.context(q.text, top_k=top_k)
        query, X = features(ctx)
        nouns = [t.text for t in query.terms if t.kind == "noun" and len(t.text) >= 2 and t.text in q.text]
        y = np.array([label(p, q, c, role[p.id]) for c in ctx.evidence.candidates], dtype=np.int8)
        common = {"id": q.id, "lang": q.lang, "split": p.split, "role": role[p.id]} | ({"writer": q.writer} if q.writer else {})
        add(X, y, kind="question", label=int(y.any()), answerable=int(role[p.id] == "keep"),
            answers=[t for t, _ in q.answers][:3], **common)
        if plain:
            continue
        if q.lang == "zh" and role[p.id] == "keep" and y.any() and nouns and pool and rng.random() < PERTURB_SHARE:
            swapped = perturb(q, p, nouns, pool, rng)
            if swapped is not None:
                pctx, _ = bot.context(swapped, top_k=top_k)
                _, Xp = features(pctx)
                add(Xp, np.zeros(len(Xp), dtype=np.int8), kind="perturbed", label=0, answerable=0, question=swapped,
                    **{**common, "role": "perturbed"})
        if (q.lang == "zh" and role[p.id] == "keep" and y.any() and rng.random() < ATTRIBUTE_SHARE
                and (swapped := swap_attribute(q, p, query, asked_pool, rng)) is not None):
            actx, _ = bot.context(swapped, top_k=top_k)
            _, Xa = features(actx)
            add(Xa, np.zeros(len(Xa), dtype=np.int8), kind="perturbed", label=0, answerable=0, question=swapped,
                **{**common, "role": "attribute"})
        if q.lang == "zh":  # (the Chinese questions' words only: English ones do not change what is swapped in)
            pool.extend(nouns)
            if query.asked:
                asked_pool.append(query.asked)
        if rng.random() < (CLAIM_SHARE if q.lang == "zh" else 1.0):
            for claim, true in make_claims(q, ctx, y, rng):
                _, Xc = features(ctx, claim=True, text=claim)
                yc = y if true else np.zeros_like(y)
                add(Xc, yc, kind="claim", label=int(yc.any()), answerable=int(true and role[p.id] == "keep"),
                    claim=claim, **common)
    return Examples(np.concatenate(rows) if rows else np.zeros((0, 0), np.float32),
                    np.concatenate(ys) if ys else np.zeros(0, np.int8),
                    np.concatenate(owner) if owner else np.zeros(0, np.int32), meta)


def make_claims(q: Question, ctx, y: np.ndarray, rng: random.Random) -> list[tuple[str, bool]]:
    """A true claim (the question with its answer in the gap: 圣体堂区成立于1910年) and a
    false one (another name, date or number of the passages in the gap, one that the
    answer's own sentence does not hold)."""
    from qa.query import gap_span

    gold = q.answers[0][0]
    if q.lang == "en":  # the question's words with the answer: what an English answer states
        head, tail = re.sub(r"[?\s]+$", "", q.text) + ": ", "."
    else:
        span = gap_span(q.text)
        if span is None:
            return []
        head, tail = q.text[: span[0]], re.sub(r"[？?。！!\s]+$", "", q.text[span[1]:]) + "。"
    out = [(f"{head}{gold}{tail}", True)]
    kinds = {m.kind for c in ctx.evidence.candidates for m in c.sentence.mentions if m.text == gold}
    answering = "\n".join(c.text for c, flag in zip(ctx.evidence.candidates, y) if flag)
    others = [m.text for c in ctx.evidence.candidates for m in c.sentence.mentions
              if m.text != gold and gold not in m.text and m.text not in gold and m.text not in answering
              and (not kinds or m.kind in kinds)]
    if others:
        out.append((f"{head}{rng.choice(others)}{tail}", False))
    return out


def perturb(q: Question, p: Passage, nouns: list[str], pool: list[str], rng: random.Random) -> str | None:
    """The question with one of its nouns swapped for a noun of another question that its
    passage never uses: on topic, but asking for something the passage does not state
    (厦门大学的校长是谁？ over articles that name the university but not its president)."""
    noun = rng.choice(nouns)
    for _ in range(20):
        other = rng.choice(pool)
        if other != noun and other not in p.context and other not in p.title and noun not in other:
            return q.text.replace(noun, other, 1)
    return None


def swap_attribute(q: Question, p: Passage, query, asked_pool: list[str], rng: random.Random) -> str | None:
    """The question asking for another attribute than the one its passage states: another
    post (的董事长是谁 -> 的校长是谁), another count (多少人 -> 多少吨), another kind of thing
    (哪座城市 -> 哪个场馆); None when it asks for none of these. The passage states none of
    the new ones, so the question is on topic and unanswered, as 厦门大学的校长是谁？ over
    articles that name the university's professors."""
    from qa.lang import resources
    from qa.lang.names import posts

    text = q.text
    for post in sorted(posts(), key=len, reverse=True):
        if post in text:
            others = [x for x in posts() if x not in p.context and post not in x and x not in post]
            return text.replace(post, rng.choice(others), 1) if others else None
    if query.answer_type == "number":
        m = re.search(r"(多少|几)(个|位|名|家|项|次|年|天|元|人|米|公里|吨|倍|座|条|种|届)?", text)
        if m:
            units = [u for us in resources.mapping("count_nouns").values() for u in us]
            units = sorted({u for u in units if u not in p.context and u != m.group(2)})
            if units:
                return text[: m.end(1)] + rng.choice(units) + text[m.end():]
    if query.asked and asked_pool:
        others = [a for a in asked_pool if a not in p.context and a != query.asked]
        if others:
            return text.replace(query.asked, rng.choice(others), 1)
    return None
