"""Author questions (qa/byline.py): who wrote or reported an article, answered from its byline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from qa.byline import articles, articles_asked, asks_author, asks_several


@pytest.mark.parametrize(("question", "language"), [
    ("关于双岛湾大桥通车的报道是谁写的？", "zh"),
    ("谁报道了孙立群赴上海招商？", "zh"),
    ("这篇报道的记者是谁？", "zh"),
    ("關於雙島灣大橋的報道是誰寫的？", "zh"),  # Traditional input
    ("Who wrote the report on the Shuangdao Bay bridge?", "en"),
    ("Which reporter covered the forum?", "en"),
    ("Who is the author of the article about the tunnel?", "en"),
])
def test_questions_asking_who_wrote_an_article(question, language):
    assert asks_author(question, language)


@pytest.mark.parametrize(("question", "language"), [
    ("谁出席了开幕式？", "zh"),
    ("邵文彬是谁？", "zh"),
    ("《海洋科技》是谁写的？", "zh"),  # a book's author: the text answers, not a byline
    ("Who wrote The Subjection of Women?", "en"),
    ("Who attended the forum?", "en"),
    ("Who is Shao Wenbin?", "en"),
])
def test_other_who_questions_are_not_about_bylines(question, language):
    assert not asks_author(question, language)


def test_several_articles_and_how_many():
    assert asks_several("两篇报道分别由谁撰写？", "zh") and not asks_several("这篇报道是谁写的？", "zh")
    assert asks_several("Who wrote the reports on the bridge and the tunnel?", "en")
    assert not asks_several("Who wrote the report on the bridge?", "en")
    assert articles_asked("关于大桥和隧道的两篇报道分别由谁撰写？") == 2
    assert articles_asked("三篇报道") == 3 and articles_asked("这篇报道是谁写的？") is None


@dataclass(frozen=True)
class _Article:
    id: str


@dataclass(frozen=True)
class _Candidate:
    article: _Article


def test_the_likeliest_sentence_of_each_article():
    cands = [_Candidate(_Article(a)) for a in "aabbc"]
    p = np.array([.2, .9, .5, .1, .05])
    assert articles(cands, p, several=False, floor=.3) == [1]
    assert articles(cands, p, several=True, floor=.3) == [1, 2]  # c's best (.05) is under the floor
    assert articles(cands, p, several=True, floor=.3, count=3) == [1, 2, 4]
    assert articles([], np.array([]), several=True, floor=.3) == []
