"""Validate the hand-written seed question set against the raw corpus.

Run from anywhere (pure standard library)::

    python eval/data/check_seed.py [--corpus PATH] [--seed PATH]

It re-applies the ingester's normalisation to the raw page, splits it into
articles on 本报讯 and checks every question's gold phrases, evidence and key
facts, plus the shape of the whole set.  Exit status 0 means clean; otherwise
each problem is printed on its own line and the status is 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_SEED = HERE / "seed.jsonl"
CORPUS_NAME = "xiamen-news-2020-11.txt"
# The repo's copy first, then shared/ beside the clone (as CI lays it out).
CORPUS_CANDIDATES = (ROOT / "data" / CORPUS_NAME,
                     ROOT.parent / "shared" / "data" / CORPUS_NAME,
                     Path("/work/shared/data") / CORPUS_NAME)

ARTICLE_MARKER = "本报讯"
MIN_QUESTIONS = 40
MIN_ENGLISH_SHARE = 1 / 3
MIN_UNANSWERABLE = 8
GOLD_PHRASE_LEN = (8, 20)
SENTENCE_ENDS = "。！？；"

# Chinese characters plus the CJK and full-width punctuation that print
# extraction leaves around numbers and Latin names (“”‘’—…· included).
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2014\u2018-\u201d\u2026\u00b7"
# Any visible ASCII character: digits and Latin letters, and also the + and -
# of “金砖 +” and “16 日 -17 日”, which the print layout spaces the same way.
_ASCII = r"\x21-\x7e"
_SPACE_CJK_ASCII = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+(?=[{_ASCII}])")
_SPACE_ASCII_CJK = re.compile(rf"(?<=[{_ASCII}])[ \t\u00a0]+(?=[{_CJK}])")


@dataclass(frozen=True)
class Question:
    """One line of seed.jsonl, as written by hand."""

    id: str
    pair: str
    lang: str
    question: str
    answerable: bool
    gold_articles: tuple[str, ...]
    key_facts: tuple[tuple[str, ...], ...]
    evidence: tuple[str, ...]
    type: str


def normalise(raw: str) -> str:
    """Apply the ingester's text normalisation to the raw page.

    Args:
        raw: the corpus file as read, lines broken mid-sentence, blank lines
            between them and spaces around digits and Latin words.

    Returns:
        One string: non-blank lines stripped and joined with no separator,
        whitespace between Chinese (characters or punctuation) and ASCII
        removed; whitespace between two Latin words is kept.
    """
    joined = "".join(line.strip() for line in raw.splitlines() if line.strip())
    joined = _SPACE_CJK_ASCII.sub("", joined)
    return _SPACE_ASCII_CJK.sub("", joined)


def split_articles(text: str) -> list[str]:
    """Split normalised text into articles, each starting with 本报讯.

    Args:
        text: output of :func:`normalise`.

    Returns:
        The articles in page order; text before the first marker is dropped.
    """
    parts = text.split(ARTICLE_MARKER)[1:]
    return [ARTICLE_MARKER + part for part in parts]


def load_questions(path: Path) -> tuple[list[Question], list[str]]:
    """Parse seed.jsonl into questions, collecting format errors.

    Args:
        path: the JSON-lines file.

    Returns:
        (questions that parsed, problems found while parsing).
    """
    questions: list[Question] = []
    problems: list[str] = []
    required = {"id", "pair", "lang", "question", "answerable",
                "gold_articles", "key_facts", "evidence", "type"}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(f"line {lineno}: invalid JSON ({err})")
            continue
        missing = required - row.keys()
        if missing:
            problems.append(f"line {lineno}: missing fields {sorted(missing)}")
            continue
        questions.append(Question(
            id=row["id"], pair=row["pair"], lang=row["lang"],
            question=row["question"], answerable=row["answerable"],
            gold_articles=tuple(row["gold_articles"]),
            key_facts=tuple(tuple(forms) for forms in row["key_facts"]),
            evidence=tuple(row["evidence"]), type=row["type"],
        ))
    return questions, problems


def check_question(q: Question, articles: list[str]) -> list[str]:
    """Check one question's gold phrases, evidence and key facts.

    Args:
        q: the question.
        articles: normalised articles from :func:`split_articles`.

    Returns:
        Human-readable problems; empty when the question is clean.
    """
    problems: list[str] = []
    if q.lang not in ("zh", "en"):
        problems.append(f"{q.id}: lang {q.lang!r} is not 'zh' or 'en'")
    if not q.answerable:
        if q.gold_articles or q.key_facts or q.evidence:
            problems.append(f"{q.id}: unanswerable but has gold/key_facts/evidence")
        return problems
    if not (q.gold_articles and q.key_facts and q.evidence):
        problems.append(f"{q.id}: answerable but gold/key_facts/evidence is empty")
    gold_texts: list[str] = []
    for phrase in q.gold_articles:
        low, high = GOLD_PHRASE_LEN
        if not low <= len(phrase) <= high:
            problems.append(f"{q.id}: gold phrase {phrase!r} has {len(phrase)} chars")
        hits = [a for a in articles if phrase in a]
        if len(hits) != 1:
            problems.append(f"{q.id}: gold phrase {phrase!r} is in {len(hits)} articles")
        else:
            gold_texts.append(hits[0])
    for ev in q.evidence:
        if not any(ev in text for text in gold_texts):
            problems.append(f"{q.id}: evidence {ev!r} not in a gold article")
        # A sentence end may close the evidence but not sit inside it.
        if any(ch in SENTENCE_ENDS for ch in ev.rstrip(SENTENCE_ENDS)):
            problems.append(f"{q.id}: evidence {ev!r} spans a sentence end")
    searchable = q.evidence + tuple(gold_texts)
    for forms in q.key_facts:
        if not forms:
            problems.append(f"{q.id}: empty key fact")
        elif not any(forms[0] in text for text in searchable):
            problems.append(f"{q.id}: key fact {forms[0]!r} not in evidence or gold text")
    return problems


def check_set(questions: list[Question]) -> list[str]:
    """Check ids, pairing and the size and mix of the whole set.

    Args:
        questions: every parsed question.

    Returns:
        Human-readable problems; empty when the set is clean.
    """
    problems: list[str] = []
    for qid, n in Counter(q.id for q in questions).items():
        if n > 1:
            problems.append(f"id {qid} used {n} times")
    by_pair: dict[str, list[Question]] = {}
    for q in questions:
        by_pair.setdefault(q.pair, []).append(q)
    for pair, members in sorted(by_pair.items()):
        langs = sorted(q.lang for q in members)
        if langs != ["en", "zh"]:
            problems.append(f"pair {pair}: languages {langs}, want one en and one zh")
            continue
        a, b = members
        for field in ("gold_articles", "key_facts", "answerable", "type"):
            if getattr(a, field) != getattr(b, field):
                problems.append(f"pair {pair}: {field} differs between {a.id} and {b.id}")
    n = len(questions)
    english = sum(q.lang == "en" for q in questions)
    unanswerable = sum(not q.answerable for q in questions)
    if n < MIN_QUESTIONS:
        problems.append(f"only {n} questions, want >= {MIN_QUESTIONS}")
    if n and english / n < MIN_ENGLISH_SHARE:
        problems.append(f"only {english}/{n} questions in English")
    if unanswerable < MIN_UNANSWERABLE:
        problems.append(f"only {unanswerable} unanswerable, want >= {MIN_UNANSWERABLE}")
    return problems


def summary(questions: list[Question]) -> str:
    """One-paragraph count of the set by language, type and answerability."""
    langs = Counter(q.lang for q in questions)
    types = Counter(q.type for q in questions if q.lang == "zh")
    unans = sum(not q.answerable for q in questions if q.lang == "zh")
    cross = sum(len(q.gold_articles) > 1 for q in questions if q.lang == "zh")
    return (f"{len(questions)} questions ({dict(sorted(langs.items()))}), "
            f"{len({q.pair for q in questions})} pairs; pairs by type "
            f"{dict(sorted(types.items()))}; unanswerable pairs {unans}; "
            f"cross-article pairs {cross}")


def find_corpus() -> Path | None:
    """The first existing corpus file among CORPUS_CANDIDATES, or None."""
    return next((path for path in CORPUS_CANDIDATES if path.exists()), None)


def main(argv: list[str] | None = None) -> int:
    """Run every check and print the problems or a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=find_corpus())
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.corpus is None:
        parser.error(f"corpus not found in {[str(p) for p in CORPUS_CANDIDATES]}; pass --corpus")

    articles = split_articles(normalise(args.corpus.read_text(encoding="utf-8")))
    questions, problems = load_questions(args.seed)
    for q in questions:
        problems += check_question(q, articles)
    problems += check_set(questions)
    for problem in problems:
        print(problem)
    print(f"{len(articles)} articles; " + summary(questions))
    print("FAIL" if problems else "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
