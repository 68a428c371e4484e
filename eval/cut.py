"""The ``cmrc2018-cut`` dataset: CMRC 2018 dev with the answers cut out of a quarter of the passages.

A seeded random share of the passages lose every sentence that holds an answer
of one of their questions, so those questions become unanswerable (gold empty;
they keep their answer texts, which the calibration labels look for in the
retrieved passages).  The other passages are untouched and their questions
answerable, as in ``cmrc2018``.  Sentences are ``qa.chunking.sentence_spans``
(chunk size 300), the units the index embeds and an answer quotes.

A cut question is dropped when a passage with the same title (its own
included) still holds one of its answer texts in its text or title: it may
still be answerable.  CMRC titles are unique, so on the dev set only a
passage's own title can do that.

>>> from eval.datasets import find_cmrc_dir
>>> d = load_cmrc_cut(find_cmrc_dir())           # doctest: +SKIP
>>> d.corpus, d.default_limit                    # doctest: +SKIP
('cmrc2018-cut', 1000)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from eval.datasets import Dataset, Question, answer_texts, read_cmrc, read_en_questions
from qa.chunking import sentence_spans
from qa.types import Article

CUT_SHARE = 0.25  # share of the passages whose answer sentences are cut
CUT_SEED = 0
CUT_LIMIT = 1000  # questions answered by default
SENTENCE_SIZE = 300  # qa's default chunk size: longer sentences are cut at clause punctuation
Span = tuple[int, int]


def answer_spans(qas: Sequence[dict]) -> list[tuple[str, int]]:
    """Every answer of the question rows as (stripped text, ``answer_start``)."""
    return [(a["text"].strip(), int(a["answer_start"])) for row in qas for a in row["answers"] if a["text"].strip()]


def sentences_to_cut(text: str, answers: Sequence[tuple[str, int]], *, size: int = SENTENCE_SIZE) -> list[Span]:
    """The sentence spans of ``text`` that hold an answer.

    A sentence holds one when it overlaps an answer's span (``answer_start``
    and the length of its text, so the sentence holding the offset and any
    sentence an answer runs on into) or contains an answer text anywhere (an
    answer stated twice, or an ``answer_start`` that is off).

    Example:
        >>> t = "鼓浪屿在厦门。厦门在福建。它有大学。鼓浪屿是岛。"
        >>> [t[s:e] for s, e in sentences_to_cut(t, [("福建", 10), ("鼓浪屿", 0)])]
        ['鼓浪屿在厦门。', '厦门在福建。', '鼓浪屿是岛。']
    """
    texts = {a for a, _ in answers if a}
    return [(s, e) for s, e in sentence_spans(text, size=size)
            if any(start < e and s < start + max(len(a), 1) for a, start in answers if start >= 0)
            or any(a in text[s:e] for a in texts)]


def remove_spans(text: str, spans: Sequence[Span]) -> str:
    """``text`` without the (non-overlapping) spans, stripped.

    Example:
        >>> remove_spans("甲。乙。丙。", [(2, 4)])
        '甲。丙。'
    """
    out, pos = [], 0
    for s, e in sorted(spans):
        out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    return "".join(out).strip()


def choose_cut(ids: Sequence[str], *, share: float = CUT_SHARE, seed: int = CUT_SEED) -> frozenset[str]:
    """A seeded random ``share`` of the passage ids (rounded to whole passages)."""
    if not 0 <= share <= 1:
        raise ValueError(f"share must be in [0, 1], got {share}")
    return frozenset(random.Random(seed).sample(list(ids), round(share * len(ids))))


def _still_answered(answers: Sequence[str], same_title: Sequence[Article]) -> bool:
    return any(a in article.text or a in article.title for a in answers for article in same_title)


def load_cmrc_cut(directory: Path, *, share: float = CUT_SHARE, seed: int = CUT_SEED) -> Dataset:
    """The dev corpus with answer sentences cut from a seeded share of the passages, and its questions.

    Questions: every Chinese dev question and every English translation (as a
    pair with its original); answerable with gold its passage when the
    passage is untouched, unanswerable with empty gold when it was cut.  A
    passage left empty is dropped from the corpus.

    Raises:
        FileNotFoundError: the dev set or the English question files are missing.
    """
    passages = read_cmrc(directory)
    cut_ids = choose_cut([p.id for p in passages], share=share, seed=seed)
    english = {row["id"]: row["en"] for row in read_en_questions(directory)}
    articles: dict[str, Article] = {}  # passage id -> article, if anything is left of it
    n_sentences = 0
    for p in passages:
        text = p.text
        if p.id in cut_ids:
            spans = sentences_to_cut(p.text, answer_spans(p.qas))
            n_sentences += len(spans)
            text = remove_spans(p.text, spans)
        if text:
            articles[p.id] = p.article(text)
    by_title: dict[str, list[Article]] = {}
    for a in articles.values():
        by_title.setdefault(a.title, []).append(a)

    questions: list[Question] = []
    dropped = 0
    for p in passages:
        cut = p.id in cut_ids
        title = articles[p.id].title if p.id in articles else (p.title or p.text[:30])
        for row in p.qas:
            answers = answer_texts(row)
            if cut and _still_answered(answers, by_title.get(title, [])):
                dropped += 1
                continue
            questions += _questions(row, answers, None if cut else articles[p.id].id, english.get(row["id"]))
    n_un = sum(not q.answerable for q in questions)
    description = (
        f"CMRC 2018 dev with the answer sentences cut from {len(cut_ids)} of {len(passages)} passages "
        f"(share {share:g}, seed {seed}; {n_sentences} sentences cut, {len(passages) - len(articles)} passages "
        f"left empty and dropped): {len(questions) - n_un} answerable and {n_un} unanswerable questions, "
        f"{sum(q.lang == 'en' for q in questions)} of them English (each with its Chinese original); "
        f"{dropped} cut questions (and their translations) dropped because a passage with the same title (its own included) still "
        "holds an answer text in its text or title.")
    return Dataset(name="cmrc2018-cut", corpus="cmrc2018-cut", articles=tuple(articles.values()),
                   questions=tuple(questions), default_limit=CUT_LIMIT, pairs_first=True, description=description)


def _questions(row: dict, answers: tuple[str, ...], gold: str | None, english: str | None) -> list[Question]:
    """A dev question (and its English translation) over its passage, unanswerable when ``gold`` is None."""
    pair = row["id"] if english else None
    zh = Question(id=row["id"], lang="zh", text=row["question"], answerable=gold is not None,
                  gold=frozenset({gold} if gold else ()), answers=answers, pair=pair)
    if not english:
        return [zh]
    return [zh, Question(id=f"{row['id']}-en", lang="en", text=english, answerable=zh.answerable, gold=zh.gold,
                         answers=answers, pair=pair)]


__all__ = ["CUT_LIMIT", "CUT_SEED", "CUT_SHARE", "answer_spans", "choose_cut", "load_cmrc_cut",
           "remove_spans", "sentences_to_cut"]
