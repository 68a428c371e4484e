"""The build benchmark's index comparison (``benchmarks/build.py``), on the bundled index."""

from __future__ import annotations

from benchmarks.build import same


def test_an_index_equals_its_copy_and_differs_from_one_with_an_article_removed(bundled_index, index_copy):
    from qa.assistant import Assistant

    assert same(bundled_index, index_copy) == "same"
    bot = Assistant.load(index_copy)
    bot.remove(bot.articles()[0].id)
    assert same(bundled_index, index_copy).startswith("DIFFERENT: ")
