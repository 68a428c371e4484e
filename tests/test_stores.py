"""Both stores behind ``qa.stores.Store``: the same index, the same searches, the same answers.

Every test runs on ``local`` and on Milvus Lite; on a Milvus server too when
``QA_TEST_MILVUS_URI`` names one (e.g. http://localhost:19530; ``QA_TEST_MILVUS_TOKEN``): the
tests then replace the qa_ collections of its default database, one test after another.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from qa.assistant import Assistant
from qa.errors import ArticleNotFoundError, ConfigError, QAError
from qa.lang.segment import tokenize
from qa.settings import Settings, StoreKind, store_location
from qa.stores import migrate, open_store, write
from tests.conftest import BUNDLED, FakeEncoder

BACKENDS = ["local", "milvus-lite", "milvus-server"]
FLAGSHIP = "胡昌升在北京会见了哪些人？"
PEOPLE = ["陈肇雄", "刘宇", "孙瑜", "包卓蓝", "林中湘"]
QUESTIONS = [FLAGSHIP, "who did Hu Changsheng meet in Beijing?", "金砖国家新工业革命伙伴关系创新基地在哪里？"]


def _need_pymilvus() -> None:
    try:
        import milvus_lite  # noqa: F401
        import pymilvus  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("needs the [milvus] extra: pip install 'chinese-news-qa[milvus]'")


def _target(backend: str, folder) -> tuple[str, str | None]:
    """The ``store`` setting of a backend, and its token."""
    if backend == "local":
        return "local", None
    _need_pymilvus()
    if backend == "milvus-lite":
        return f"milvus:{folder}/milvus.db", None
    uri = os.environ.get("QA_TEST_MILVUS_URI", "").strip()
    if not uri:
        pytest.skip("no Milvus server: set QA_TEST_MILVUS_URI=http://host:19530 to run these")
    return f"milvus:{uri}", os.environ.get("QA_TEST_MILVUS_TOKEN") or None


def _settings(store: str, index_dir, token=None) -> Settings:
    return Settings.load(env={}, index_dir=index_dir, store=store, milvus_token=token)


@pytest.fixture(scope="session")
def built(tmp_path_factory, bundled_index):
    """backend -> an Assistant over the bundled page indexed on that backend with the real
    encoder (local: the shared index; Milvus: built through the Milvus write path)."""
    out = {"local": Assistant.load(bundled_index)}

    def get(backend: str) -> Assistant:
        if backend not in out:
            store, token = _target(backend, tmp_path_factory.mktemp(backend))
            bot = Assistant(_settings(store, bundled_index.parent / "unused", token))
            bot.build([BUNDLED])
            out[backend] = bot
        return out[backend]

    return get


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _hu(bot: Assistant) -> str:
    return next(a.id for a in bot.articles() if "胡昌升" in a.title)


# -- settings ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("local", (StoreKind.LOCAL, "")),
    ("milvus:index/milvus.db", (StoreKind.MILVUS, "index/milvus.db")),
    ("Milvus:http://host:19530", (StoreKind.MILVUS, "http://host:19530")),
])
def test_the_store_setting_names_a_backend_and_its_target(value, expected):
    assert store_location(value) == expected


@pytest.mark.parametrize("value", ["milvus", "milvus:", "qdrant:x", "local:index"])
def test_a_malformed_store_setting_is_refused_with_the_valid_forms(value):
    with pytest.raises(ConfigError, match="milvus|local|valid values"):
        Settings.load(env={"QA_STORE": value})


def test_local_stays_the_default():
    assert Settings.load(env={}).store_kind is StoreKind.LOCAL


# -- the same index on every backend ---------------------------------------------------------

@pytest.mark.slow
def test_build_from_the_bundled_page(built, backend):
    local, bot = built("local"), built(backend)
    assert [a.id for a in bot.articles()] == [a.id for a in local.articles()]
    m, lm = bot.store.manifest, local.store.manifest
    assert (m.articles, m.chunks, m.sentences, m.encoder, m.dim) == (lm.articles, lm.chunks, lm.sentences, lm.encoder, lm.dim)
    store = bot.store
    chunks = store.article_chunks(_hu(bot))
    assert chunks == local.store.article_chunks(_hu(local))
    # the same sentences, annotations and vectors as the local build of the same text (the local
    # default keeps them as 16-bit floats, within 6.2e-5 of the 32-bit values Milvus keeps)
    rows = range(m.sentences)
    assert store.sentences(rows) == local.store.sentences(rows)
    np.testing.assert_allclose(store.sentence_vectors(list(rows)), local.store.sentence_vectors(list(rows)), atol=1e-4)
    assert store.lexicon == local.store.lexicon and sorted(store.names()) == sorted(local.store.names())


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_search_finds_the_flagship_article(built, backend, mode):
    bot = built(backend)
    r = bot.retrieve(FLAGSHIP, mode=mode)
    assert r.hits and r.hits[0].chunk.article_id == _hu(bot)
    if mode == "dense" and backend != "milvus-server":  # on this small index Lite's AUTOINDEX finds
        # FAISS flat's rows and scores (a server's HNSW may differ in the last places)
        local = built("local").retrieve(FLAGSHIP, mode=mode)
        assert [h.row for h in r.hits] == [h.row for h in local.hits]
        np.testing.assert_allclose([h.score for h in r.hits], [h.score for h in local.hits], atol=2e-3)  # 16-bit
    if mode == "bm25":
        assert all(h.bm25_score > 0 for h in r.hits) and "胡昌升" in r.bm25_matched


@pytest.mark.slow
def test_the_full_answer_path_cites_the_right_article(built, backend):
    bot = built(backend)
    ans = bot.ask("胡昌升在北京和谁座谈？")  # the list question FLAGSHIP is tracked in tests/test_answer.py
    assert ans.found and ans.citations
    assert {c.article_id for c in ans.citations} == {_hu(bot)}
    assert any(p in ans.answer for p in PEOPLE), ans.answer
    for q in ans.quotes:
        c = next(c for c in ans.citations if c.n == q.n)
        assert bot.store.article(c.article_id).text[q.start:q.end] == q.text


@pytest.mark.slow
def test_english_questions_use_the_stored_lexicon(built, backend):
    ans = built(backend).ask("who did Hu Changsheng meet in Beijing?")
    assert ans.found and {c.article_id for c in ans.citations} == {_hu(built(backend))}


# -- changes --------------------------------------------------------------------------------

@pytest.fixture
def changeable(backend, index_copy, tmp_path) -> Assistant:
    """A private index of the bundled page on ``backend`` (Milvus: migrated, nothing embedded)."""
    store, token = _target(backend, tmp_path)
    if store != "local":
        migrate(index_copy, store, token=token, replace=True)
    return Assistant(_settings(store, index_copy, token))


@pytest.mark.slow
def test_remove_add_and_reopen(changeable):
    bot = changeable
    hu = _hu(bot)
    article = bot.store.article(hu)
    n = len(bot.articles())
    rows = (bot.store.manifest.chunks, bot.store.manifest.sentences)
    change = bot.remove(hu)
    assert change.removed == (hu,) and len(bot.articles()) == n - 1
    left = Assistant(bot.settings).store.manifest
    assert left.chunks < rows[0] and left.sentences < rows[1]  # the manifest counts what is left
    assert all(h.chunk.article_id != hu for h in bot.retrieve(FLAGSHIP, top_k=20).hits)
    with pytest.raises(ArticleNotFoundError):
        bot.store.article(hu)
    with pytest.raises(ArticleNotFoundError):  # an unknown id changes nothing
        bot.remove(hu)
    reopened = Assistant(bot.settings)
    assert [a.id for a in reopened.articles()] == [a.id for a in bot.articles()]
    change = reopened.add_articles([article])
    assert change.added == (hu,) and reopened.add_articles([article]).already_indexed == (hu,)
    again = Assistant(bot.settings)
    assert len(again.articles()) == n and again.store.manifest.articles == n
    assert (again.store.manifest.chunks, again.store.manifest.sentences) == rows
    assert again.retrieve(FLAGSHIP).hits[0].chunk.article_id == hu
    assert again.store.article(hu).text == article.text


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["milvus-lite", "milvus-server"])
def test_a_change_that_died_before_its_commit_is_cleared_by_the_next_one(changeable, monkeypatch):
    from qa import milvus_write

    bot = changeable
    hu = _hu(bot)
    article = bot.store.article(hu)
    rows = (bot.store.manifest.chunks, bot.store.manifest.sentences)
    bot.remove(hu)

    def die(*_a, **_k):
        raise RuntimeError("the writer died")

    monkeypatch.setattr(milvus_write, "_commit", die)
    with pytest.raises(RuntimeError):
        bot.add_articles([article])  # its rows are written, not committed
    monkeypatch.undo()
    assert hu not in {a.id for a in Assistant(bot.settings).articles()}
    filters = []
    delete = milvus_write._delete
    monkeypatch.setattr(milvus_write, "_delete", lambda client, flt, **k: (filters.append(flt), delete(client, flt, **k)))
    again = Assistant(bot.settings)
    assert again.add_articles([article]).added == (hu,)
    assert any(f.startswith("gen >") for f in filters)  # the dead change's rows went first
    fresh = Assistant(bot.settings)
    assert (fresh.store.manifest.chunks, fresh.store.manifest.sentences) == rows  # its rows count once
    hits = [h for h in fresh.retrieve(FLAGSHIP, top_k=20).hits if h.chunk.article_id == hu]
    assert hits and len({h.chunk.id for h in hits}) == len(hits)  # no passage of the dead change twice
    filters.clear()
    fresh.remove(hu)
    assert not any(f.startswith("gen >") for f in filters)  # after a commit, nothing to clear
    assert hu not in {a.id for a in Assistant(bot.settings).articles()}


def _vocabulary(bot: Assistant) -> list[tuple]:
    from qa.milvus_store import TERMS, scan

    return sorted((r["term"], r["df"], r["names"], r["keys"]) for r in scan(bot.store.client, TERMS, filter="df >= 0",
                                                                             fields=["term", "df", "names", "keys"]))


def _rows_of(bot: Assistant, article_id: str) -> dict[str, int]:
    from qa.milvus_store import ARTICLES, CHUNKS, SENTENCES, TEXTS, quote

    client = bot.store.client
    out = {name: len(client.query(name, filter=f"article_id == {quote(article_id)}", output_fields=["gen"], limit=10_000))
           for name in (CHUNKS, SENTENCES, TEXTS)}
    out[ARTICLES] = len(client.query(ARTICLES, filter=f"id == {quote(article_id)}", output_fields=["gen"]))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["milvus-lite", "milvus-server"])
@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "written-before-records"])
def test_a_removal_takes_out_exactly_its_article_s_rows_and_words(changeable, monkeypatch, recorded):
    """A removal deletes the article's rows by key and subtracts the words its record lists,
    reading no chunk or sentence row (what made it cost seconds at 100k chunks); an article
    written before the records existed is removed by reading its rows, with the same result.
    Either way no word is read with pypinyin (the words left keep their stored keys: its import
    alone made a fresh process's first removal cost ~0.5 s more), and adding the article back
    restores the vocabulary, keys included, exactly."""
    from qa import milvus_write
    from qa.milvus_store import ARTICLES, CHUNKS, SENTENCES, TEXTS, scan

    bot = changeable
    hu = _hu(bot)
    article = bot.store.article(hu)
    words, rows = _vocabulary(bot), (bot.store.manifest.chunks, bot.store.manifest.sentences)
    had = _rows_of(bot, hu)
    assert all(had.values()) and had[TEXTS] > 1  # its text and its vocabulary record
    client = bot.store.client
    if recorded:
        def no_scan(client, collection, **k):
            assert collection not in (CHUNKS, SENTENCES), f"a removal read {collection}"
            return scan(client, collection, **k)

        monkeypatch.setattr(milvus_write, "scan", no_scan)
        monkeypatch.setattr(milvus_write, "_delete", lambda *a, **k: pytest.fail("a removal deleted by filter"))
    else:  # as a store written before the records: no article row has one
        fields = ["id", "gen", "meta", "date", "chars", "chunks", "first_row", "marker"]
        old = [dict(r, meta={k: v for k, v in r["meta"].items() if k != milvus_write.OWN})
               for r in scan(client, ARTICLES, filter="gen >= 0", fields=fields)]
        client.upsert(ARTICLES, old)
    monkeypatch.setattr(milvus_write, "term_keys", lambda w: pytest.fail(f"a removal read the pinyin of {w}"))
    change = bot.remove(hu)
    monkeypatch.undo()
    assert change.removed == (hu,)
    left = _rows_of(bot, hu)
    assert left == {name: 0 for name in left}
    fresh = Assistant(bot.settings)
    assert hu not in {a.id for a in fresh.articles()}
    assert fresh.store.manifest.chunks == rows[0] - had[CHUNKS] and fresh.store.manifest.sentences == rows[1] - had[SENTENCES]
    kept = {w for w, *_ in _vocabulary(fresh)}  # read once (in the comprehension it was read per word: 45 s)
    gone = [w for w, *_ in words if w not in kept]
    assert gone and all(w in article.text or w in article.text.lower() for w in gone)  # words only it held left
    fresh.add_articles([article])
    again = Assistant(bot.settings)
    assert _vocabulary(again) == words
    assert (again.store.manifest.chunks, again.store.manifest.sentences) == rows
    assert again.store.article(hu).text == article.text


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["milvus-lite", "milvus-server"])
def test_keys_made_by_other_pinyin_rules_are_made_again_by_the_next_change(changeable, monkeypatch):
    """A store records the rules (``LEXICON_VERSION``) its stored pinyin keys were made by; a store
    without the record was keyed by version 1, the only rules until then. The first change after
    the rules changed makes every word's keys again, once; a reader uses the stored keys as they
    are (making them again reads every vocabulary row: minutes at 100k chunks)."""
    from qa import milvus_store, milvus_write
    from qa.lang.pinyin import LEXICON_VERSION
    from qa.milvus_store import META, TERMS

    bot = changeable
    client = bot.store.client
    assert milvus_store.lexicon_version(client) == LEXICON_VERSION  # migrate records it
    client.delete(META, filter=f'key == "{milvus_store.LEXICON}"')  # as a store written before the record
    assert milvus_store.lexicon_version(client) == milvus_store.UNRECORDED_LEXICON == 1
    hu = _hu(bot)
    article = bot.store.article(hu)
    words = _vocabulary(bot)
    row = next(r for r in words if r[3] and r[0] not in article.text)  # a word that stays after the removal
    client.upsert(TERMS, [{"term": row[0], "df": row[1], "names": row[2], "keys": "stale", "marker": milvus_write._marker()}])
    client.upsert(META, [{"key": milvus_store.LEXICON, "value": {"version": LEXICON_VERSION - 1}, "marker": milvus_write._marker()}])
    stale = Assistant(bot.settings)
    assert stale.store.lexicon["pinyin"]["stale"] == [row[0]]  # a reader trusts the stored keys
    rekeyed = []
    rekey = milvus_write.rekey_terms
    monkeypatch.setattr(milvus_write, "rekey_terms", lambda c: rekeyed.append(rekey(c)) or rekeyed[-1])
    stale.remove(hu)
    assert rekeyed == [1]  # only the tampered row changed
    assert milvus_store.lexicon_version(client) == LEXICON_VERSION
    stale.add_articles([article])
    assert rekeyed == [1]  # once recorded, not again
    again = Assistant(bot.settings)
    assert _vocabulary(again) == words and "stale" not in again.store.lexicon["pinyin"]


@pytest.fixture(scope="session")
def dated(tmp_path_factory, bundled_articles):
    """backend -> (settings, articles) of an index of the bundled articles with their own dates:
    two days, a month, and none (written through ``qa.stores.write``)."""
    out = {}

    def get(backend: str):
        if backend not in out:
            folder = tmp_path_factory.mktemp(f"dated-{backend}")
            store, token = _target(backend, folder)
            dates = ["2020-11-16", "2020-11-18", "2020-11", None]
            arts = [dataclasses.replace(a, date=d) for a, d in zip(bundled_articles, dates)]
            settings = _settings(store, folder / "index", token)
            write(settings, encoder=FakeEncoder(), add=arts, replace=True)
            out[backend] = settings, arts
        return out[backend]

    return get


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_a_period_keeps_only_the_articles_dated_in_it(backend, dated, mode):
    from qa.limits import check_period
    from qa.retrieve import Retriever

    settings, arts = dated(backend)
    retriever = Retriever(open_store(settings), FakeEncoder(), top_k=10)
    r = retriever.retrieve("胡昌升 金砖 厦门 论坛 名城", mode=mode, period=check_period("2020-11-17", None))
    got = {h.chunk.article_id for h in r.hits}
    assert got and got <= {arts[1].id, arts[2].id} and r.undated == 1
    assert len({h.chunk.article_id for h in retriever.retrieve("胡昌升 金砖 厦门 论坛 名城").hits}) == 4  # no period


def test_event_dates_read_the_same_on_every_backend(backend, dated):
    """Questions naming a period (qa.dating) read the stored event dates through the store."""
    local = sorted(open_store(dated("local")[0]).date_mentions())
    assert local and sorted(open_store(dated(backend)[0]).date_mentions()) == local
    assert all(lo <= hi for _, _, lo, hi in local)


# -- migration -------------------------------------------------------------------------------

@pytest.mark.slow
def test_migrate_copies_without_embedding(backend, bundled_index, tmp_path, monkeypatch):
    if backend == "local":
        pytest.skip("migrate copies a local index into Milvus")
    store, token = _target(backend, tmp_path)
    import qa.encoders

    def no(*a, **k):
        raise AssertionError("migrate must not embed anything")

    for name in ("encode", "encode_passages", "encode_queries"):
        monkeypatch.setattr(qa.encoders.BatchedEncoder, name, no)
    monkeypatch.setattr(qa.encoders, "make_encoder", no)
    report = migrate(bundled_index, store, token=token, replace=True)
    monkeypatch.undo()
    local = Assistant.load(bundled_index)
    moved = Assistant(_settings(store, bundled_index, token))
    ls, ms = local.store, moved.store
    assert (report.articles, report.chunks, report.sentences) == (ls.manifest.articles, ls.manifest.chunks, ls.manifest.sentences)
    assert np.array_equal(ms.sentence_vectors(range(ls.manifest.sentences)), ls.vectors.vectors())
    assert np.array_equal(ms.chunk_vectors.reconstruct(range(ls.manifest.chunks)), ls.chunk_vectors.vectors())
    assert ms.articles() == ls.articles() and ms.transliterations == ls.transliterations
    assert ms.lexicon == ls.lexicon and set(ms.bm25.vocab) == set(ls.bm25.vocab)
    for q in QUESTIONS:
        dense = [h.row for h in moved.retrieve(q, mode="dense").hits], [h.row for h in local.retrieve(q, mode="dense").hits]
        assert dense[0] == dense[1], q
        # BM25 is the engine's, over the local store's tokens and with its k1 and b: the same scores
        terms = {t: 1.0 for t in tokenize(q) if t in ls.bm25.vocab}
        assert np.allclose(ms.bm25.scores(terms)[:ls.manifest.chunks], ls.bm25.scores(terms), rtol=1e-5, atol=1e-6), q
        assert [h.row for h in moved.retrieve(q).hits] == [h.row for h in local.retrieve(q).hits], q
        a, b = moved.ask(q), local.ask(q)
        assert (a.answer, a.probability) == (b.answer, b.probability), q
    with pytest.raises(QAError, match="already holds an index"):
        migrate(bundled_index, store, token=token)


@pytest.mark.slow
def test_migrate_copies_a_local_index_with_deltas(bundled_articles, tmp_path, monkeypatch):
    """A local generation of a base and deltas (``qa.build_append``) moves whole: every row once, in order."""
    _need_pymilvus()
    import qa.build_append
    from qa.build import write_index
    from qa.store import IndexStore

    monkeypatch.setattr(qa.build_append, "DELTA_FRACTION", 10.0)  # four small articles: keep the deltas
    root = tmp_path / "index"
    for part in (bundled_articles[:2], bundled_articles[2:3], bundled_articles[3:]):
        write_index(root, encoder=FakeEncoder(), add=part)
    local = IndexStore.open(root)
    assert len(local.manifest.deltas) == 2
    store = f"milvus:{tmp_path}/milvus.db"
    report = migrate(root, store, token=None, replace=True)
    moved = open_store(_settings(store, root))
    m = local.manifest
    assert (report.articles, report.chunks, report.sentences) == (m.articles, m.chunks, m.sentences) == (
        moved.manifest.articles, moved.manifest.chunks, moved.manifest.sentences)
    assert moved.articles() == local.articles() and moved.transliterations == local.transliterations
    assert np.array_equal(moved.sentence_vectors(range(m.sentences)), local.vectors.vectors())
    assert moved.lexicon == local.lexicon and set(moved.bm25.vocab) == set(local.bm25.vocab)
    assert moved.sentences(range(m.sentences)) == local.sentences(range(m.sentences))


def test_migrate_leaves_out_what_local_removals_tombstoned(bundled_articles, tmp_path, monkeypatch):
    """Rows a local removal only marked (``qa.tombstones``) are not copied: Milvus holds what a
    whole local build of the articles left holds, rows numbered 0..n-1, and takes changes on."""
    _need_pymilvus()
    import qa.build_append
    from qa.build import write_index
    from qa.manifest import TOMBSTONES_FORMAT_VERSION
    from qa.store import IndexStore

    monkeypatch.setattr(qa.build_append, "DELTA_FRACTION", 10.0)  # four small articles: keep the deltas
    monkeypatch.setattr(qa.build_append, "REMOVED_FRACTION", 0.5)  # and one removed a quarter of them
    a, b, c, d = bundled_articles
    root, whole = tmp_path / "index", tmp_path / "whole"
    write_index(root, encoder=FakeEncoder(), add=[a, b, c])
    write_index(root, encoder=FakeEncoder(), add=[d])
    write_index(root, encoder=FakeEncoder(), remove=[b.id])
    assert IndexStore.open(root).manifest.format_version == TOMBSTONES_FORMAT_VERSION
    write_index(whole, encoder=FakeEncoder(), add=[a, c, d])
    store = f"milvus:{tmp_path}/milvus.db"
    report = migrate(root, store, token=None, replace=True)
    moved, local = open_store(_settings(store, root)), IndexStore.open(whole)
    m = local.manifest
    assert (report.articles, report.chunks, report.sentences) == (m.articles, m.chunks, m.sentences) == (
        moved.manifest.articles, moved.manifest.chunks, moved.manifest.sentences)
    assert moved.articles() == local.articles() and moved.transliterations == local.transliterations
    assert moved.sentences(range(m.sentences)) == local.sentences(range(m.sentences))
    assert moved.chunks(range(m.chunks)) == local.chunks(range(m.chunks))
    np.testing.assert_allclose(moved.sentence_vectors(range(m.sentences)), local.vectors.vectors(), atol=1e-6)
    assert moved.lexicon == local.lexicon and set(moved.bm25.vocab) == set(local.bm25.vocab)
    change = write(_settings(store, root), encoder=FakeEncoder(), add=[b], remove=[d.id])
    assert change.added == (b.id,) and change.removed == (d.id,)
    after = open_store(_settings(store, root))
    assert [x.id for x in after.articles()] == [a.id, c.id, b.id]
    assert min(after.chunk_rows_of([b.id])) >= m.chunks


@pytest.mark.slow
def test_a_store_of_an_older_bm25_layout_is_migrated_or_built_again(bundled_index, bundled_articles, tmp_path):
    _need_pymilvus()
    from qa.errors import IndexFormatError
    from qa.milvus_store import META, connect, read_state

    store = f"milvus:{tmp_path}/milvus.db"
    migrate(bundled_index, store)
    client = connect(store_location(store)[1])
    raw = read_state(client, "x").to_json()
    del raw["layout"]  # as written before the BM25 terms were codes
    client.upsert(META, [{"key": "manifest", "value": raw, "marker": [0.0, 1.0]}])
    with pytest.raises(IndexFormatError, match="layout 1.*migrate --replace.*qa index build --store"):
        open_store(_settings(store, tmp_path))
    migrate(bundled_index, store, replace=True)
    assert open_store(_settings(store, tmp_path)).manifest.chunks == Assistant.load(bundled_index).store.manifest.chunks
    client.upsert(META, [{"key": "manifest", "value": raw, "marker": [0.0, 1.0]}])  # old again: a build replaces it
    from tests.conftest import FakeEncoder

    write(_settings(store, tmp_path), encoder=FakeEncoder(), add=bundled_articles[:1], replace=True)
    assert open_store(_settings(store, tmp_path)).manifest.articles == 1


@pytest.mark.slow
def test_a_lite_file_held_by_another_process_is_a_clear_error(tmp_path):
    import subprocess
    import sys

    _need_pymilvus()
    db = tmp_path / "milvus.db"
    hold = ("import sys, time; from qa.milvus_store import connect; connect(sys.argv[1]); "
            "print('open', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", hold, str(db)], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        assert proc.stdout.readline().strip() == "open"
        with pytest.raises(QAError, match="one process at a time"):
            open_store(_settings(f"milvus:{db}", tmp_path))
    finally:
        proc.kill()
        proc.wait()
