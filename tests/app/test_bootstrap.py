"""First start: the index is built from the bundled corpus when missing or of an old format."""

from __future__ import annotations

import json

import pytest

from qa.assistant import Assistant
from qa.settings import Settings
from webui.bootstrap import IndexKeeper

pytestmark = pytest.mark.slow


@pytest.fixture
def corpus(tmp_path):
    f = tmp_path / "corpus.txt"
    f.write_text("本报讯 厦门举办了第一届测试论坛，来自各地的代表参加了论坛。\n", encoding="utf-8")
    return [f]


def bot_at(path) -> Assistant:
    return Assistant(Settings.load(env={}, index_dir=path))


def test_a_missing_index_is_built_in_the_background_with_progress(tmp_path, corpus):
    bot = bot_at(tmp_path / "index")
    keeper = IndexKeeper(bot, corpus)
    keeper.ensure()
    assert keeper.building and "Building the index from the bundled corpus" in keeper.building
    assert "no index at" in keeper.reason
    assert keeper.wait(120) and keeper.building is None and keeper.error is None
    assert bot.info()["status"] == "ready" and [a.title for a in bot.articles()][0].startswith("厦门举办")
    keeper.ensure()  # once is enough
    assert keeper.building is None


def test_an_old_format_index_is_rebuilt_from_its_own_articles(index_copy, corpus):
    """The articles in it are the user's: an upgrade indexes them again, it does not replace
    them with the bundled corpus."""
    manifest = index_copy / "manifest.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text()) | {"format_version": 0}))
    bot = bot_at(index_copy)
    keeper = IndexKeeper(bot, corpus)
    keeper.ensure()
    assert "format version 0" in keeper.reason and keeper.stored == 4
    assert keeper.wait(120) and keeper.error is None
    assert bot.info()["manifest"]["counts"]["articles"] == 4
    assert bot.ask("胡昌升在北京会见了哪些人？").found


def test_an_old_format_index_without_readable_articles_is_built_from_the_corpus(index_copy, corpus):
    manifest = index_copy / "manifest.json"
    m = json.loads(manifest.read_text())
    manifest.write_text(json.dumps(m | {"format_version": 0}))
    (index_copy / m["generation"] / "docs.sqlite").write_bytes(b"not a database")
    bot = bot_at(index_copy)
    keeper = IndexKeeper(bot, corpus)
    keeper.ensure()
    assert keeper.stored == 0
    assert keeper.wait(120) and keeper.error is None
    assert bot.info()["manifest"]["counts"]["articles"] == 1


def test_a_good_or_empty_index_is_left_alone(index_copy, tmp_path, corpus):
    keeper = IndexKeeper(bot_at(index_copy), corpus)
    keeper.ensure()
    assert keeper.building is None and keeper.reason is None
    empty = bot_at(tmp_path / "empty")
    empty.build(corpus)
    empty.remove(empty.articles()[0].id)
    keeper = IndexKeeper(empty, corpus)
    keeper.ensure()
    assert keeper.building is None and empty.info()["status"] == "empty"


def test_a_failed_build_is_reported(tmp_path):
    bot = bot_at(tmp_path / "index")
    keeper = IndexKeeper(bot, [tmp_path / "missing.txt"])
    keeper.ensure()
    assert keeper.wait(60)
    assert keeper.error and "IngestError" in keeper.error and "no such file" in keeper.error


@pytest.mark.parametrize("damage", ["manifest deleted", "manifest garbled", "vectors garbled"])
def test_a_lost_manifest_or_damaged_files_are_never_rebuilt_over(index_copy, corpus, damage):
    """The user's articles are in there: the app says what to run instead of replacing them
    with the bundled corpus."""
    from qa.manifest import read_manifest
    from qa.store import VECTORS

    gen = read_manifest(index_copy).generation
    if damage == "manifest deleted":
        (index_copy / "manifest.json").unlink()
    elif damage == "manifest garbled":
        (index_copy / "manifest.json").write_text("{oops", encoding="utf-8")
    else:
        f = index_copy / gen / VECTORS
        data = bytearray(f.read_bytes())
        data[len(data) // 2] ^= 0xFF
        f.write_bytes(bytes(data))
    bot = bot_at(index_copy)
    keeper = IndexKeeper(bot, corpus)
    keeper.ensure()
    assert keeper.building is None
    info = bot.info()
    assert info["status"] == ("damaged" if damage == "vectors garbled" else "unavailable")
    assert ("qa index repair" if damage == "vectors garbled" else "qa index recover") in info["error"]
    assert (index_copy / gen).is_dir()
