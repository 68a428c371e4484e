"""Which chunks a question's period points at: publication dates and stored event dates."""

from __future__ import annotations

import doctest

import pytest

import qa.lang.periods
from qa import dating
from qa.build import write_index
from qa.lang.periods import find_period
from qa.store import IndexStore
from qa.types import Article

REF = "2020-11-25"


def test_the_periods_module_examples_hold():
    assert doctest.testmod(qa.lang.periods).failed == 0


@pytest.mark.parametrize(("stored", "question", "counts"), [
    ("2020-11-17", "11月17日", True),
    ("2020-11-16/2020-11-17", "11月17日", True),   # an event of two days overlaps the day
    ("2020-11", "11月17日", False),                # a month is not evidence for a day
    ("2020-11", "in November", True),
    ("2020-11-18", "11月17日", False),
    ("2020-11-18", "11月17日之后", True),
    ("2019", "去年", True),
    ("--11-17", "11月17日", True),                 # a year-less event date compares on month and day
    ("soon", "11月17日", False),                   # a free-text date field counts for nothing
    (None, "11月17日", False),
])
def test_in_period(stored, question, counts):
    assert dating.in_period(stored, find_period(question, reference=REF)) is counts


@pytest.fixture(scope="module")
def dated_store(tmp_path_factory):
    from tests.conftest import FakeEncoder

    arts = [
        Article.make("本报讯 昨天，市政府召开常务会议，研究部署冬季森林防火工作。", title="常务会议部署森林防火", date="2020-11-24"),
        Article.make("本报讯 11月9日，市政府召开常务会议，研究优化公交线网。", title="常务会议研究公交", date="2020-11-10"),
        Article.make("本报讯 厦门被列为省级历史文化名城。", title="历史文化名城", date="2020-11"),
        Article.make("本报讯 今冬首场寒潮抵达厦门。", title="寒潮", date="2020-11-29"),
    ]
    root = tmp_path_factory.mktemp("dating") / "index"
    write_index(root, encoder=FakeEncoder(), add=arts)
    return IndexStore.open(root), arts


def _articles(store, rows):
    return {c.article_id for c in store.chunks(rows)}


def test_an_article_that_says_yesterday_counts_for_the_day_before_it_was_published(dated_store):
    store, arts = dated_store
    rows, counts = dating.period_rows(store, find_period("11月23日的会议研究了什么？", reference=REF))
    assert _articles(store, rows) == {arts[0].id} and counts == {"published": 0, "with_events": 1}


def test_published_in_the_period_counts_and_a_month_does_not_count_for_a_day(dated_store):
    store, arts = dated_store
    rows, counts = dating.period_rows(store, find_period("11月10日", reference=REF))
    assert _articles(store, rows) == {arts[1].id} and counts["published"] == 1
    rows, _ = dating.period_rows(store, find_period("2020年11月", reference=REF))
    assert _articles(store, rows) == {a.id for a in arts}


def test_the_reference_is_the_newest_article(dated_store):
    store, _ = dated_store
    assert str(dating.reference_date(store)) == "2020-11-29"


def test_understand(dated_store):
    store, arts = dated_store
    t = dating.understand(store, "本周的常务会议部署了什么？")  # the week of the newest article (11-29, a Sunday)
    assert t.period.iso == "2020-11-23/2020-11-29" and _articles(store, t.rows) == {arts[0].id, arts[3].id}
    assert t.ignore == ("本周",) and "within" in t.retrieval(dating.PeriodUse.FILTER)
    assert "boost" in t.retrieval(dating.PeriodUse.BOOST) and "within" not in t.retrieval(with_period=False)
    bad = dating.understand(store, "11月31日发生了什么？")
    assert bad.period is None and "11月31日" in bad.problem
    latest = dating.understand(store, "常务会议的最新消息")
    assert latest.period is None and latest.latest == "最新" and latest.retrieval()["newest_first"]
    assert dating.understand(store, "厦门在哪个省？") == dating.QuestionTime()


def test_only_a_question_that_names_a_period_reads_the_sentences_dates(dated_store, monkeypatch):
    """Every sentence's event dates are a scan of the whole store (280 s on Milvus Lite at 100k
    chunks): a question without a period, or asking for the latest, reads only the articles' dates."""
    store, arts = dated_store
    fresh = IndexStore.open(store.root)  # nothing cached for it yet
    monkeypatch.setattr(fresh, "date_mentions", lambda: pytest.fail("read every sentence's dates"))
    assert dating.understand(fresh, "厦门在哪个省？") == dating.QuestionTime()
    assert dating.understand(fresh, "常务会议的最新消息").latest == "最新"
    assert [fresh.chunks([r])[0].article_id for r in dating.newest_first(fresh, [0, 3])][0] == arts[3].id
    monkeypatch.undo()
    t = dating.understand(fresh, "11月23日的会议研究了什么？")
    assert _articles(fresh, t.rows) == {arts[0].id}


def test_newest_first(dated_store):
    store, arts = dated_store
    rows = list(range(len(arts)))
    order = [store.chunks([r])[0].article_id for r in dating.newest_first(store, rows)]
    assert order == [arts[3].id, arts[0].id, arts[1].id, arts[2].id]  # 11-29, 11-24, 11-10, 2020-11 (its first day)


def test_describe():
    p = find_period("11月17日之前", reference=REF)
    d = {"period": {"from": "question", **p.to_json(), "fallback": False, "note": None}}
    assert dating.describe(d) == "in the period up to 2020-11-16 (from 11月17日 之前, read against the newest article, 2020-11-25)"
    p = find_period("2020年11月17日", reference="2020-11")
    d = {"period": {"from": "question", **p.to_json(), "fallback": True, "note": "nothing answers"},
         "order": {"newest_first": True, "word": "最新"}}
    assert dating.describe(d) == "in the period 2020-11-17 (from 2020年11月17日); nothing answers; newest articles first"
    assert find_period("11月17日", reference="2020-11").to_json()["relative_to"] == "2020-11"
    assert dating.describe({"period": {"from": "since/until", "since": "2020-11", "until": None}}) == \
        "articles dated 2020-11 to …"
    assert dating.describe({"period": {"since": "2020-11", "until": "2020-11"}}) == "articles dated 2020-11"
    assert dating.describe({"period": {"since": None, "until": None}}) is None
    assert dating.describe({"period_problem": "11月31日 is not a date"}) == "no period: 11月31日 is not a date"
    assert dating.describe({}) is None


@pytest.mark.parametrize(("question", "digest"), [
    ("11月17日发生了什么？", True), ("上周有什么新闻？", True), ("11月17日？", True), ("2019年发生了哪些大事？", True),
    ("11月17日胡昌升会见了谁？", False), ("11月18日厦门有哪些大事？", False), ("上周的常务会议研究了什么？", False),
    ("发生了什么？", False),  # no period: a question like any other
])
def test_a_question_asking_only_what_happened_in_its_period(question, digest):
    from qa.query import analyze

    p = find_period(question, reference=REF)
    terms = analyze(question, ignore=p.words if p else ()).terms
    assert dating.asks_what_happened(p, terms) is digest


def test_an_english_question_s_terms_from_the_period_are_read_by_their_source():
    from qa.query import KeyTerm

    p = find_period("what happened on Nov 17?", reference=REF)
    terms = [KeyTerm("17", ("17",), "number", source="17"), KeyTerm("11月17日", ("11月17日",), "number", source="Nov")]
    assert dating.asks_what_happened(p, terms)
    assert not dating.asks_what_happened(p, [*terms, KeyTerm("厦门", ("厦门",), "name", source="Xiamen")])
    assert dating.asks_what_happened(p, [KeyTerm("news", ("新闻",), source="news")])
