"""Datasets: a corpus of articles and questions whose gold is resolved to article ids.

- ``seed``: the hand-written questions of ``eval/data/seed.jsonl`` over the
  bundled page; gold articles are named by phrases, resolved here to ids.
- ``cmrc2018``: the CMRC 2018 dev set; each context passage is one article
  (its Wikipedia title as title) and the gold of a question is its passage.
- ``cmrc2018-en``: the English questions translated from CMRC 2018 dev
  questions, each with its Chinese original, over the same corpus.
- ``cmrc2018-cut``: the dev set with the answer sentences cut out of a
  seeded quarter of the passages, whose questions become unanswerable
  (built in ``eval.cut``).
- ``time``: questions that name a date or a period (on a date, in a period,
  relative to the newest article, before/after, latest) over the bundled page
  plus hand-written dated articles (``eval/data/time_articles.jsonl``).
- ``followups``: follow-up questions that need an earlier question (他, 那京东呢？,
  "how much was it worth?"), each with that question and its standalone form, over
  the ``time`` corpus (``eval/data/followups.jsonl``; run by ``eval.followups``).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from qa.types import Article

EVAL_DIR = Path(__file__).resolve().parent
ROOT = EVAL_DIR.parent
SEED_PATH = EVAL_DIR / "data" / "seed.jsonl"
TIME_PATH = EVAL_DIR / "data" / "time.jsonl"
TIME_ARTICLES = EVAL_DIR / "data" / "time_articles.jsonl"
FOLLOWUPS_PATH = EVAL_DIR / "data" / "followups.jsonl"
BUNDLED_PATH = ROOT / "data" / "xiamen-news-2020-11.txt"
CMRC_DIRS = (ROOT.parent / "shared" / "data" / "cmrc2018", Path("/work/shared/data/cmrc2018"))
CMRC_DEV = "cmrc2018_dev.json"
CMRC_EN = ("en_questions_50.jsonl", "en_questions_150.jsonl")


class DatasetName(str, Enum):
    SEED = "seed"
    CMRC2018 = "cmrc2018"
    CMRC2018_EN = "cmrc2018-en"
    CMRC2018_CUT = "cmrc2018-cut"
    TIME = "time"
    FOLLOWUPS = "followups"

    @classmethod
    def parse(cls, value: str | DatasetName) -> DatasetName:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown dataset {value!r}; valid datasets: {valid}") from None

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Question:
    """One evaluation question with its gold, ready to score.

    Attributes:
        gold: ids of the articles that answer it (empty when unanswerable).
        key_facts: per fact, its accepted surface forms (seed).
        answers: reference answer spans (CMRC); an unanswerable question of
            ``cmrc2018-cut`` keeps those of the passage it was cut from.
        pair: shared by a question and its translation.
        history: the questions asked before it, oldest first (a follow-up's).
        standalone: a follow-up as asked alone, naming what it refers to.
    """

    id: str
    lang: str
    text: str
    answerable: bool
    gold: frozenset[str]
    key_facts: tuple[tuple[str, ...], ...] = ()
    answers: tuple[str, ...] = ()
    type: str | None = None
    pair: str | None = None
    history: tuple[str, ...] = ()
    standalone: str | None = None


@dataclass(frozen=True)
class Dataset:
    """Questions over a corpus.  Datasets with the same ``corpus`` share an index."""

    name: str
    corpus: str
    articles: tuple[Article, ...]
    questions: tuple[Question, ...]
    default_limit: int | None = None  # questions answered by default (retrieval always uses all)
    pairs_first: bool = False  # the answer sample takes translation pairs before single questions
    description: str = ""  # how the dataset was made, for the report

    def fingerprint(self) -> str:
        """A hash of the corpus (article ids are hashes of the text, titles are indexed too)."""
        h = hashlib.sha1()
        for a in sorted(self.articles, key=lambda a: a.id):
            h.update(f"{a.id}\x1f{a.title}\x1e".encode())
        return h.hexdigest()[:16]


def load_dataset(name: str | DatasetName, *, cmrc_dir: Path | None = None,
                 seed_path: Path = SEED_PATH, corpus_path: Path = BUNDLED_PATH) -> Dataset:
    """Load a dataset by name.

    Raises:
        ValueError: an unknown name, or a seed gold phrase that matches no article or several.
        FileNotFoundError: the data files are missing.
    """
    name = DatasetName.parse(name)
    if name is DatasetName.SEED:
        return load_seed(seed_path, corpus_path)
    if name is DatasetName.TIME:
        return load_time(corpus_path=corpus_path)
    if name is DatasetName.FOLLOWUPS:
        return load_followups(corpus_path=corpus_path)
    directory = find_cmrc_dir(cmrc_dir)
    if name is DatasetName.CMRC2018:
        return load_cmrc(directory)
    if name is DatasetName.CMRC2018_CUT:
        from eval.cut import load_cmrc_cut

        return load_cmrc_cut(directory)
    return load_cmrc_en(directory)


# -------------------------------------------------------------------- seed

def resolve_phrase(phrase: str, articles: tuple[Article, ...]) -> str:
    """The id of the one article whose text contains ``phrase``.

    Raises:
        ValueError: no article or several contain it.
    """
    ids = [a.id for a in articles if phrase in a.text]
    if len(ids) != 1:
        raise ValueError(f"gold phrase {phrase!r} occurs in {len(ids)} articles, expected exactly 1")
    return ids[0]


def load_seed(seed_path: Path = SEED_PATH, corpus_path: Path = BUNDLED_PATH) -> Dataset:
    """The seed questions over the bundled page, ingested as ``qa`` ingests it."""
    from qa.ingest import ingest_paths

    if not corpus_path.is_file():
        raise FileNotFoundError(f"seed corpus not found: {corpus_path}")
    articles = tuple(ingest_paths([corpus_path]).articles)
    return Dataset(name="seed", corpus="seed", articles=articles, questions=_hand_written(seed_path, articles))


def _hand_written(path: Path, articles: tuple[Article, ...]) -> tuple[Question, ...]:
    """Hand-written questions (JSONL: id, lang, question, answerable, gold_articles as phrases
    of their articles, key_facts, type, pair; a follow-up's ``first`` question and
    ``standalone`` form) over ``articles``."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        questions.append(Question(
            id=row["id"], lang=row["lang"], text=row["question"], answerable=row["answerable"],
            gold=frozenset(resolve_phrase(p, articles) for p in row["gold_articles"]),
            key_facts=tuple(tuple(forms) for forms in row["key_facts"]),
            type=row.get("type"), pair=row.get("pair"),
            history=(row["first"],) if row.get("first") else (), standalone=row.get("standalone")))
    return tuple(questions)


def _time_corpus(articles_path: Path, corpus_path: Path) -> tuple[Article, ...]:
    """The bundled page and the dated fixture articles (ingested as ``qa`` ingests raw text:
    an article without a ``date`` field takes the date its lead gives)."""
    from qa.ingest import ingest_paths, ingest_text

    if not corpus_path.is_file():
        raise FileNotFoundError(f"bundled corpus not found: {corpus_path}")
    articles = list(ingest_paths([corpus_path]).articles)
    for line in articles_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            articles += ingest_text(row["text"], title=row["title"], date=row.get("date"), source="time fixtures")
    return tuple(articles)


def load_time(questions_path: Path = TIME_PATH, articles_path: Path = TIME_ARTICLES,
              corpus_path: Path = BUNDLED_PATH) -> Dataset:
    """The time questions over the bundled page and the dated fixture articles."""
    articles_t = _time_corpus(articles_path, corpus_path)
    return Dataset(name="time", corpus="time", articles=articles_t, questions=_hand_written(questions_path, articles_t),
                   description="Hand-written questions naming a date or a period, over the bundled page (articles "
                               "dated 2020-11) and 12 hand-written dated articles (2019-11-20 to 2020-11-30); "
                               "eval/data/README.md, section time.")


def load_followups(questions_path: Path = FOLLOWUPS_PATH, articles_path: Path = TIME_ARTICLES,
                   corpus_path: Path = BUNDLED_PATH) -> Dataset:
    """Follow-up questions, each with the question asked before it, over the time corpus.

    Raises:
        ValueError: a row without its first question or its standalone form.
    """
    articles = _time_corpus(articles_path, corpus_path)
    questions = _hand_written(questions_path, articles)
    for q in questions:
        if not q.history or not q.standalone:
            raise ValueError(f"follow-up {q.id} needs 'first' (the question asked before it) and 'standalone'")
    return Dataset(name="followups", corpus="time", articles=articles, questions=questions,
                   description="Hand-written follow-up questions (a pronoun, 那…呢, a left-out subject), each asked "
                               "after its first question, without it, and in its standalone form, over the time "
                               "corpus; eval/data/README.md, section followups.")


# -------------------------------------------------------------------- CMRC 2018

def find_cmrc_dir(cmrc_dir: Path | None = None) -> Path:
    """``cmrc_dir`` or the first of CMRC_DIRS holding the dev set.

    Raises:
        FileNotFoundError: no folder holds ``cmrc2018_dev.json``.
    """
    candidates = (Path(cmrc_dir),) if cmrc_dir else CMRC_DIRS
    for directory in candidates:
        if (directory / CMRC_DEV).is_file():
            return directory
    raise FileNotFoundError(f"{CMRC_DEV} not found in {', '.join(map(str, candidates))}; pass --cmrc-dir")


@dataclass(frozen=True)
class CmrcPassage:
    """A context passage of the CMRC 2018 dev set and its question rows, as in the JSON."""

    id: str
    title: str  # "" when the set gives none
    text: str
    qas: tuple[dict, ...]

    def article(self, text: str | None = None) -> Article:
        """The passage (or ``text`` in its place) as an article titled with its Wikipedia title."""
        text = self.text if text is None else text
        # Two passages have no title; qa's ingester also falls back to the opening words.
        return Article.make(text, title=self.title or text[:30], source="CMRC 2018 dev",
                            path=f"{CMRC_DEV}#{self.id}")


def read_cmrc(directory: Path) -> tuple[CmrcPassage, ...]:
    """The dev set's passages in file order."""
    raw = json.loads((directory / CMRC_DEV).read_text(encoding="utf-8"))
    return tuple(CmrcPassage(id=para["id"], title=entry.get("title") or "", text=para["context"],
                             qas=tuple(para["qas"]))
                 for entry in raw["data"] for para in entry["paragraphs"])


def read_en_questions(directory: Path) -> list[dict]:
    """The rows of the English question files (``id``, ``zh``, ``en``), in file order.

    Raises:
        FileNotFoundError: neither file is in ``directory``.
    """
    rows = [json.loads(line) for filename in CMRC_EN if (directory / filename).is_file()
            for line in (directory / filename).read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        raise FileNotFoundError(f"no English question file ({', '.join(CMRC_EN)}) in {directory}")
    return rows


def answer_texts(row: dict) -> tuple[str, ...]:
    """A question row's answer texts, stripped and deduplicated."""
    return tuple(dict.fromkeys(a["text"].strip() for a in row["answers"] if a["text"].strip()))


def _cmrc_corpus(directory: Path) -> tuple[tuple[Article, ...], dict[str, str], dict[str, dict]]:
    """Articles, context id -> article id, and question id -> its row (with ``context_id``)."""
    articles, article_of, rows = [], {}, {}
    for passage in read_cmrc(directory):
        article = passage.article()
        articles.append(article)
        article_of[passage.id] = article.id
        for qa in passage.qas:
            rows[qa["id"]] = {**qa, "context_id": passage.id}
    return tuple(articles), article_of, rows


def _cmrc_question(row: dict, article_of: dict[str, str], *, lang: str = "zh", text: str | None = None,
                   pair: str | None = None) -> Question:
    return Question(id=row["id"] if lang == "zh" else f"{row['id']}-en", lang=lang,
                    text=text or row["question"], answerable=True,
                    gold=frozenset({article_of[row["context_id"]]}), answers=answer_texts(row), pair=pair)


def load_cmrc(directory: Path) -> Dataset:
    """All dev questions (Chinese); answers default to a seeded sample of 500."""
    articles, article_of, rows = _cmrc_corpus(directory)
    questions = tuple(_cmrc_question(row, article_of) for row in rows.values())
    return Dataset(name="cmrc2018", corpus="cmrc2018", articles=articles, questions=questions, default_limit=500)


def load_cmrc_en(directory: Path) -> Dataset:
    """The English questions and their Chinese originals, as pairs, over the whole dev corpus."""
    articles, article_of, rows = _cmrc_corpus(directory)
    questions = []
    for en in read_en_questions(directory):
        row = rows[en["id"]]
        questions.append(_cmrc_question(row, article_of, pair=en["id"]))
        questions.append(_cmrc_question(row, article_of, lang="en", text=en["en"], pair=en["id"]))
    return Dataset(name="cmrc2018-en", corpus="cmrc2018", articles=articles, questions=tuple(questions))


# -------------------------------------------------------------------- sampling

def sample(questions: tuple[Question, ...], limit: int | None, *, seed: int = 0,
           pairs_first: bool = False) -> tuple[Question, ...]:
    """A seeded random sample of at most ``limit`` questions that keeps translation pairs whole.

    ``None`` or a limit at least the number of questions returns them all; the
    sample keeps the dataset's order.  With ``pairs_first``, translation pairs
    are taken (in random order) before single questions fill the rest, so a
    few pairs among many single questions are all sampled.

    Example:
        >>> qs = tuple(Question(str(i), "zh", "?", True, frozenset({"a"}), pair=str(i // 2)) for i in range(6))
        >>> [q.id for q in sample(qs, 4, seed=1)]
        ['2', '3', '4', '5']
    """
    if limit is None or limit >= len(questions):
        return questions
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    groups: dict[str, list[Question]] = {}
    for q in questions:
        groups.setdefault(q.pair or q.id, []).append(q)
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    if pairs_first:
        keys.sort(key=lambda key: len(groups[key]) < 2)  # stable: shuffled pairs, then shuffled singles
    chosen: set[str] = set()
    count = 0
    for key in keys:
        if count + len(groups[key]) <= limit:
            chosen.add(key)
            count += len(groups[key])
    return tuple(q for q in questions if (q.pair or q.id) in chosen)
