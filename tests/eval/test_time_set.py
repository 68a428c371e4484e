"""The time-question set: every gold phrase names one article, both languages, every kind of question."""

from __future__ import annotations

from collections import Counter

from eval.datasets import DatasetName, load_dataset


def test_the_time_set_loads_with_resolved_gold():
    d = load_dataset(DatasetName.parse("time"))
    assert len(d.questions) >= 30 and len({q.id for q in d.questions}) == len(d.questions)
    assert Counter(q.lang for q in d.questions) == {"zh": len(d.questions) // 2, "en": len(d.questions) // 2}
    assert {q.type for q in d.questions} == {"on-date", "period", "relative", "before-after", "latest"}
    assert all(q.gold and q.key_facts and q.answerable for q in d.questions)
    ids = {a.id for a in d.articles}
    assert all(q.gold <= ids for q in d.questions)
    dated = {a.title: a.date for a in d.articles}
    assert dated["地铁3号线南段12月25日开通试运营"] == "2020-11-30"  # no date field: the lead gives it
    assert sum(a.date is not None for a in d.articles) == len(d.articles) == 16
