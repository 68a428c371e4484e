"""List answers (qa/lists.py): which sentences a list quotes, in which order (by
article), and which spans become the list's items. Pure functions on hand-made candidates; the
real model on real articles is tested in tests/test_extractive.py."""

from __future__ import annotations

import numpy as np

from qa.evidence import Candidate
from qa.lists import in_reading_order, items, supporting
from qa.shortanswer import Span
from qa.types import Article, Sentence

TRIP = Article.make("孙立群在华擎集团与董事长周明远座谈。孙立群会见了艾维斯通集团总裁陈嘉禾。市领导王海涛参加活动。",
                    title="孙立群率代表团赴上海招商考察")
BRIDGE = Article.make("12月28日上午，双岛湾大桥建成通车。大桥全长3.6公里。", title="双岛湾大桥建成通车")


def sentences(article: Article, passage: int) -> list[Candidate]:
    out, start = [], 0
    for part in article.text.split("。"):
        if not part:
            continue
        end = start + len(part) + 1
        out.append(Candidate(passage, article, Sentence(row=-1, article_id=article.id, start=start, end=end,
                                                        text=article.text[start:end])))
        start = end
    return out


CANDS = sentences(TRIP, 1) + sentences(BRIDGE, 2)  # 0-2: the trip, 3-4: the bridge


def test_every_sentence_at_the_limit_is_quoted_and_no_other():
    p = np.array([0.30, 0.50, 0.05, 0.25, 0.10])
    assert supporting(p, CANDS, 0.2, per_article=5) == [0, 1, 3]  # the trip first (its sentence is likeliest)


def test_the_likeliest_sentence_is_quoted_even_below_the_limit():
    p = np.array([0.05, 0.10, 0.01, 0.02, 0.03])
    assert supporting(p, CANDS, 0.2, per_article=5) == [1]


def test_each_article_gives_at_most_per_article_sentences_its_likeliest():
    p = np.array([0.30, 0.50, 0.40, 0.25, 0.10])
    assert supporting(p, CANDS, 0.2, per_article=2) == [1, 2, 3]


def test_articles_in_the_order_of_their_likeliest_sentence_each_in_reading_order():
    p = np.array([0.21, 0.22, 0.05, 0.90, 0.30])
    assert in_reading_order([0, 1, 3, 4], p, CANDS) == [3, 4, 0, 1]


def span(sentence: int, text: str, kind: str | None = "person") -> Span:
    start = CANDS[sentence].text.index(text)
    return Span(sentence, start, start + len(text), text, kind)


def by_article(aid: str) -> int:
    return [TRIP.id, BRIDGE.id].index(aid)


def test_items_are_the_asked_kind_from_each_quoted_sentence_in_text_order():
    spans = [span(1, "陈嘉禾"), span(0, "周明远"), span(1, "艾维斯通集团", "org"), span(2, "王海涛")]
    prob = np.array([0.30, 0.05, 0.40, 0.01])
    own = np.array([0.60, 0.20, 0.70, 0.10])
    got = items(spans, prob, own, 0, floor=0.02, more=0.5, kind="person", candidates=CANDS, article_rank=by_article)
    assert [sp.text for sp in got] == ["周明远", "陈嘉禾"]  # 王海涛 below the floor; the organisation is not asked for


def test_a_second_item_of_one_sentence_must_be_its_answer_itself():
    spans = [span(0, "孙立群"), span(0, "周明远")]
    prob = np.array([0.30, 0.20])
    assert [sp.text for sp in items(spans, prob, np.array([0.6, 0.4]), 0, floor=0.0, more=0.5, kind="person",
                                    candidates=CANDS, article_rank=by_article)] == ["孙立群"]
    assert [sp.text for sp in items(spans, prob, np.array([0.6, 0.5]), 0, floor=0.0, more=0.5, kind="person",
                                    candidates=CANDS, article_rank=by_article)] == ["孙立群", "周明远"]


def test_items_are_deduplicated_and_never_overlap():
    spans = [span(0, "周明远"), span(1, "陈嘉禾"), span(1, "陈嘉"), Span(2, 0, 3, "周明遠", "person")]
    prob = np.array([0.5, 0.4, 0.3, 0.3])
    own = np.ones(4)
    got = items(spans, prob, own, 0, floor=0.0, more=0.5, kind="person", candidates=CANDS, article_rank=by_article)
    assert [sp.text for sp in got] == ["周明远", "陈嘉禾"]  # 陈嘉 overlaps 陈嘉禾; 周明遠 is 周明远 in Traditional


def test_an_open_question_has_one_item():
    spans = [span(0, "周明远", None), span(1, "陈嘉禾", None)]
    got = items(spans, np.array([0.5, 0.4]), np.ones(2), 0, floor=0.0, more=0.5, kind=None, candidates=CANDS,
                article_rank=by_article)
    assert [sp.text for sp in got] == ["周明远"]
