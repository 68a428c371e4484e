"""The Assistant across index changes: a question keeps the generation it started on."""

from __future__ import annotations

from qa import evidence
from qa.assistant import Assistant


def test_a_question_in_flight_keeps_its_generation_through_two_commits(index_copy):
    bot = Assistant.load(index_copy)
    retriever = bot.retriever  # what a question in flight holds (Assistant.context takes it once)
    first = retriever.store.manifest.generation
    ids = [a.id for a in bot.articles()]
    bot.remove([ids[0]])
    bot.remove([ids[1]])  # two commits: before leases, the second deleted the first generation
    retrieval = retriever.retrieve("胡昌升在北京会见了谁？")
    store = retriever.store
    assert store.manifest.generation == first
    hits = [(i, h, store.article(h.chunk.article_id)) for i, h in enumerate(retrieval.hits, 1)]
    ev = evidence.from_index(store, hits)
    assert any("陈肇雄" in c.text for c in ev.candidates)
    # the next question sees the change
    assert bot.ask("胡昌升在北京会见了谁？").found is not None
    assert bot.store.manifest.generation != first and bot.store.manifest.articles == len(ids) - 2
