"""A change updates BM25 and the lexicon from the previous generation's, by what it adds and
removes, and ends where a fresh build of the same articles does; an index of the older
(bm25s) format still answers, and its next change converts it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import qa.build_lexical
import qa.lang.pinyin
from qa.build import write_index
from qa.lang.pinyin import lexicon_word
from qa.lexical import LEGACY_PARAMS, PARAMS, TermCounts
from qa.manifest import read_manifest
from qa.store import BM25_DIR, DOCS, LEXICON, IndexStore, lexicon_version


def _state(root: Path) -> dict:
    """Lexicon, and per term its df and its BM25 score of every chunk (by chunk id)."""
    store = IndexStore.open(root)
    try:
        ids = [c.id for c in store.chunks(range(store.manifest.chunks))]
        by_id = np.argsort(ids)  # compared by chunk id: row order may differ between the two
        bm25 = store.bm25
        scores = {t: bm25.scores([t])[by_id] for t in bm25.vocab}
        return {"chunks": sorted(ids), "lexicon": dict(store.lexicon["pinyin"]), "df": {t: bm25.df(t) for t in bm25.vocab},
                "scores": scores, "articles": sorted(a.id for a in store.articles())}
    finally:
        store.close()


def _assert_same(a: dict, b: dict) -> None:
    assert a["articles"] == b["articles"] and a["chunks"] == b["chunks"]
    assert a["lexicon"] == b["lexicon"]
    assert a["df"] == b["df"]
    assert a["scores"].keys() == b["scores"].keys()
    for t, s in a["scores"].items():
        np.testing.assert_allclose(s, b["scores"][t], rtol=1e-6, atol=1e-7, err_msg=t)


def test_adds_and_removes_end_where_a_fresh_build_does(tmp_path, bundled_articles, fake_encoder):
    a, b, c, d = bundled_articles
    root = tmp_path / "changed"
    write_index(root, encoder=fake_encoder, add=[a, b])
    write_index(root, encoder=fake_encoder, add=[c, d])
    every = _state(root)
    write_index(root, encoder=fake_encoder, remove=[b.id])
    write_index(root, encoder=fake_encoder, remove=[d.id], add=[b])
    write_index(root, encoder=fake_encoder, remove=[c.id], add=[c])  # out and back in one change
    fresh = tmp_path / "fresh"
    write_index(fresh, encoder=fake_encoder, add=[a, b, c])
    changed = _state(root)
    _assert_same(changed, _state(fresh))
    # words only the removed article held left both (so the check above is not vacuous)
    assert set(changed["lexicon"]) < set(every["lexicon"]) and set(changed["df"]) < set(every["df"])


def test_a_change_counts_and_keys_only_what_it_changes(tmp_path, bundled_articles, fake_encoder, monkeypatch):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:3])

    counted: list[int] = []
    from_tokens = TermCounts.from_tokens.__func__

    def spy_counts(cls, docs, **kw):
        docs = list(docs)
        counted.append(len(docs))
        return from_tokens(cls, docs, **kw)

    keyed: list[str] = []
    pinyin_keys = qa.lang.pinyin.pinyin_keys

    def spy_keys(word):
        keyed.append(word)
        return pinyin_keys(word)

    def no_full_build(words):
        raise AssertionError("the whole lexicon was built again")

    monkeypatch.setattr(TermCounts, "from_tokens", classmethod(spy_counts))
    monkeypatch.setattr(qa.lang.pinyin, "pinyin_keys", spy_keys)
    monkeypatch.setattr(qa.build_lexical, "build_lexicon", no_full_build)

    new = bundled_articles[3]
    change = write_index(root, encoder=fake_encoder, add=[new])
    assert counted == [change.chunks_added]  # the new chunks' rows only, from the preparer's tokens
    store = IndexStore.open(root)
    rows = store.chunk_rows_of([new.id])
    words = {t for (tokens,) in store._query(  # (base and delta databases)
        f"SELECT tokens FROM chunks WHERE row IN ({','.join(map(str, rows))})") for t in tokens.split()}
    words |= set(store.names())
    store.close()
    keyed_words = set(keyed)
    assert keyed_words and all(lexicon_word(w) for w in keyed_words)
    assert keyed_words <= words  # only words of the new article (or names): not the corpus's

    counted.clear()
    keyed.clear()
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[0].id])
    assert not any(counted)  # nothing counted again: rows dropped
    assert change.bm25_seconds > 0 and change.bridge_seconds > 0


def test_a_name_lookup_uses_the_index_not_a_scan(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    db = sqlite3.connect(root / read_manifest(root).generation / DOCS)
    plan = db.execute(f"EXPLAIN QUERY PLAN SELECT 1 FROM mentions WHERE {qa.build_lexical.NAMED} "
                      "AND text = ? LIMIT 1", ("厦门",)).fetchall()
    assert "USING INDEX mentions_name" in plan[0][-1]


def _as_written_before(root: Path) -> None:
    """Rewrite the live generation as the code before term counts wrote it: bm25s's directory
    of scores, a lexicon without a version, no mentions_name index; checksums recorded again."""
    bm25s = pytest.importorskip("bm25s")
    from qa.build import write_manifest
    from qa.lang.pinyin import build_lexicon
    from qa.manifest import file_checksums

    m = read_manifest(root)
    gen = root / m.generation
    db = sqlite3.connect(gen / DOCS)
    corpus = [tokens.split() for (tokens,) in db.execute("SELECT tokens FROM chunks ORDER BY row")]
    names = {r[0] for r in db.execute("SELECT DISTINCT text FROM mentions WHERE kind IN ('person', 'org', 'place')")}
    db.execute("DROP INDEX mentions_name")
    db.execute("DROP TABLE lexicon")  # the lexicon was a JSON file beside the database
    db.execute("DROP TABLE lexicon_version")
    db.commit()
    db.close()
    old = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    old.index(corpus, show_progress=False)
    for f in (gen / BM25_DIR).iterdir():
        f.unlink()
    old.save(str(gen / BM25_DIR), show_progress=False)
    (gen / LEXICON).write_text(json.dumps({"pinyin": build_lexicon(sorted({t for d in corpus for t in d} | names))},
                                          ensure_ascii=False), "utf-8")
    write_manifest(root, m.__class__(**{**m.__dict__, "files": file_checksums(gen)}))


def test_an_index_of_the_older_format_answers_and_its_next_change_converts_it(tmp_path, bundled_articles,
                                                                               fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:3])
    want = _state(root)
    _as_written_before(root)
    gen = root / read_manifest(root).generation
    assert (gen / BM25_DIR / LEGACY_PARAMS).is_file() and not (gen / BM25_DIR / PARAMS).exists()
    _assert_same(_state(root), want)  # opens and answers the same
    # the English bridge reads its lexicon and vocabulary from it as before
    from qa.assistant import Assistant
    from qa.settings import Settings

    hits = Assistant(Settings.load(env={}, index_dir=root), encoder=fake_encoder).retrieve(
        "Whom did Hu Changsheng meet in Beijing?", mode="bm25").hits
    assert hits and "胡昌升" in "".join(h.chunk.text for h in hits[:3])

    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])  # the next change converts
    gen = root / read_manifest(root).generation
    assert (gen / BM25_DIR / PARAMS).is_file() and not (gen / BM25_DIR / LEGACY_PARAMS).exists()
    assert not (gen / LEXICON).exists()  # the lexicon moved into the database, with the version of its keys
    assert lexicon_version(sqlite3.connect(gen / DOCS)) == qa.lang.pinyin.LEXICON_VERSION
    fresh = tmp_path / "fresh"
    write_index(fresh, encoder=fake_encoder, add=bundled_articles)
    _assert_same(_state(root), _state(fresh))  # nothing indexed before was lost


def test_repair_converts_an_index_of_the_older_format(tmp_path, bundled_articles, fake_encoder):
    from qa.build import repair_index

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    want = _state(root)
    _as_written_before(root)
    repair_index(root, encoder=fake_encoder)
    assert TermCounts.stored_in(root / read_manifest(root).generation / BM25_DIR)
    _assert_same(_state(root), want)


def test_bm25_rows_follow_the_chunk_rows_after_a_removal(tmp_path, bundled_articles, fake_encoder):
    """Row r of the counts is chunk row r of SQLite (renumbered after a removal)."""
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[1].id])
    gen = root / read_manifest(root).generation
    tc = TermCounts.load(gen / BM25_DIR)
    db = sqlite3.connect(gen / DOCS)
    for row, tokens in db.execute("SELECT row, tokens FROM chunks ORDER BY row"):
        toks = tokens.split()
        lo, hi = tc.indptr[row], tc.indptr[row + 1]
        assert {tc.vocab[i]: int(n) for i, n in zip(tc.indices[lo:hi], tc.counts[lo:hi])} == \
            {t: toks.count(t) for t in toks}
        assert tc.doc_lengths[row] == len(toks)
    assert tc.num_docs == db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    assert np.all(tc.df() > 0)
