"""Features of (question, sentence, passage): computed from stored annotations, named, bounded."""

from __future__ import annotations

import numpy as np
import pytest

from qa.evidence import Candidate, Evidence
from qa.features import FEATURES, make_query, sentence_features
from qa.query import analyze
from qa.types import Article, Chunk, Hit, Sentence

TEXT = "金沙湾海底观光隧道全长560米。单程票价为38元，儿童票19元。隧道将于12月18日正式开放。"


def evidence(question_vec_dim=4, text=TEXT, title="金沙湾海底观光隧道本周六开门迎客"):
    from qa.annotate import annotate

    article = Article.make(text, title=title, date="2021-12-15")
    notes = annotate(article)
    cands = tuple(Candidate(1, article, Sentence(i, article.id, s, e, text[s:e], m)) for i, ((s, e), m) in enumerate(notes))
    vecs = np.eye(len(cands), question_vec_dim, dtype=np.float32)
    hit = Hit(chunk=Chunk.make(article.id, 0, len(text), text), score=1.0, row=0, dense_score=0.9, bm25_rank=1)
    return Evidence(cands, vecs), {1: hit}, {1: article.title}


def row(X, i, name):
    return float(X[i, FEATURES.index(name)])


def test_a_price_question_is_offered_a_price_where_the_sentence_gives_one():
    ev, hits, titles = evidence()
    q = make_query(analyze("金沙湾海底观光隧道的票价是多少？"))
    assert q.answer_type == "number" and "元" in q.units
    X = sentence_features(q, np.array([0, 1, 0, 0], np.float32), ev, hits, titles)
    assert X.shape == (3, len(FEATURES)) and np.isfinite(X).all()
    assert row(X, 1, "offered") == 1 and row(X, 1, "unit_match") == 1
    assert row(X, 0, "unit_match") == 0  # 560米 is a quantity, but not a price
    assert row(X, 2, "offered") == 0  # a date is not a quantity
    assert row(X, 1, "dense") == pytest.approx(1.0) and row(X, 1, "dense_gap") == 0
    assert row(X, 1, "type_number") == 1 and row(X, 1, "type_none") == 0


@pytest.mark.parametrize("question", ["威海市长是谁？", "Who is the mayor of Weihai?"])
def test_a_deputy_does_not_hold_the_post_asked(question):
    """副市长 (vice mayor) is another post than 市长 (mayor): only a sentence naming the mayor has it."""
    ev, hits, titles = evidence(text="副市长韩雪梅在开幕式上致辞。市长李明出席论坛。", title="威海科技创新论坛举行")
    q = make_query(analyze(question))
    assert q.posts == ("市长",)
    X = sentence_features(q, None, ev, hits, titles)
    assert row(X, 0, "post") == 0 and row(X, 1, "post") == 1
    q = make_query(analyze("Which vice mayor spoke at the opening?"))
    assert q.posts == ("副市长",)
    X = sentence_features(q, None, ev, hits, titles)
    assert row(X, 0, "post") == 1 and row(X, 1, "post") == 0


def test_names_and_numbers_of_the_question_must_be_found():
    ev, hits, titles = evidence()
    q = make_query(analyze("东江隧道的票价是多少？"))
    X = sentence_features(q, None, ev, hits, titles)
    assert row(X, 0, "missing_idf") > 0  # 东江 is in no passage
    q = make_query(analyze("隧道全长560米吗？"))
    X = sentence_features(q, None, ev, hits, titles)
    assert row(X, 0, "query_numbers") == 1 and row(X, 1, "query_numbers") == 0


def test_claims_are_marked_and_compared_on_their_numbers():
    ev, hits, titles = evidence()
    true = sentence_features(make_query(analyze("单程票价为38元。"), claim=True), None, ev, hits, titles)
    false = sentence_features(make_query(analyze("单程票价为50元。"), claim=True), None, ev, hits, titles)
    assert row(true, 1, "is_claim") == 1 and row(true, 1, "query_numbers") == 1 and row(false, 1, "query_numbers") == 0


def test_english_questions_use_their_bridged_terms():
    ev, hits, titles = evidence()
    q = make_query(analyze("How much is a ticket?", bridges=(lambda question: [
        __import__("qa.query", fromlist=["KeyTerm"]).KeyTerm("票价", ("票价",), "noun", source="ticket")],)))
    X = sentence_features(q, None, ev, hits, titles)
    assert row(X, 1, "lang_en") == 1 and row(X, 1, "cov") == 1 and row(X, 0, "cov") == 0
