"""The persisted index: round trips, incremental changes, atomicity, mismatch errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from qa.build import write_index
from qa.errors import ArticleNotFoundError, IndexMismatchError, IndexNotFoundError, ManifestLostError
from qa.manifest import FORMAT_VERSION, MANIFEST, read_manifest
from qa.settings import VectorIndexKind
from qa.store import IndexStore
from qa.types import Article
from tests.conftest import FakeEncoder


def _snapshot(root: Path) -> dict:
    store = IndexStore.open(root)
    return {
        "manifest": read_manifest(root),
        "articles": [(a.id, a.title, a.chunks) for a in store.articles()],
        "vectors": store.vectors.vectors().copy(),
        "chunks": [(c.id, c.start, c.end, c.text) for c in store.chunks(range(store.manifest.chunks))],
        "sentences": [(s.article_id, s.start, s.end, s.mentions) for s in store.sentences(range(store.manifest.sentences))],
        "links": (store.chunk_sentences.tolist(), store.sentence_chunks.tolist()),
        "context": store.chunk_vectors.vectors().copy(),
    }


def test_round_trip(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"  # 32-bit vectors, to check them exactly (flat16's: test_flat16_index_...)
    change = write_index(root, encoder=fake_encoder, add=bundled_articles, vector_index=VectorIndexKind.FLAT)
    assert len(change.added) == 4 and change.chunks_added > 10
    store = IndexStore.open(root)
    m = store.manifest
    assert (m.format_version, m.encoder, m.dim, m.articles, m.chunks) == (FORMAT_VERSION, "fake", 64, 4, change.chunks_added)
    raw = json.loads((root / MANIFEST).read_text("utf-8"))
    assert raw["encoder"] == {"name": "fake", "dim": 64}
    assert raw["chunking"]["size"] == 300 and raw["counts"]["articles"] == 4
    for a in bundled_articles:
        back = store.article(a.id)
        assert back == a
        for c in store.article_chunks(a.id):
            assert back.text[c.start:c.end] == c.text
    # vectors are stored in row order: row i is the embedding of sentence i
    sentences = store.sentences(range(m.sentences))
    assert len(sentences) == m.sentences == len(store.vectors) == change.sentences_added
    expect = fake_encoder.encode_passages([s.text for s in sentences])
    np.testing.assert_allclose(store.vectors.vectors(), expect, atol=1e-6)
    np.testing.assert_allclose(store.sentence_vectors([3, 1]), expect[[3, 1]], atol=1e-6)
    assert store.bm25.num_docs == m.chunks
    # every chunk's sentences lie inside it, and every sentence knows its chunks
    for row, c in enumerate(store.chunks(range(m.chunks))):
        lo, hi = store.chunk_sentences[row]
        for s in store.sentences(range(lo, hi + 1)):
            assert s.article_id == c.article_id and c.start <= s.start < s.end <= c.end
            first, last = store.sentence_chunks[s.row]
            assert first <= row <= last
    # sentences carry their annotations
    assert any(m.kind == "person" and m.text == "胡昌升" for s in sentences for m in s.mentions)
    # each chunk's context vector: its sentences' mean plus its article's title (as the model reads it), normalised
    from qa.ingest.newspaper import model_title

    titles = {a.id: model_title(a.title, a.text) for a in bundled_articles}
    context = store.chunk_vectors.vectors()
    assert len(context) == m.chunks
    for row, c in enumerate(store.chunks(range(m.chunks))):
        lo, hi = store.chunk_sentences[row]
        v = expect[lo:hi + 1].mean(axis=0) + fake_encoder.encode_passages([titles[c.article_id]])[0]
        np.testing.assert_allclose(context[row], v / np.linalg.norm(v), atol=1e-5)


def test_incremental_add_skips_known_articles(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    before = _snapshot(root)
    change = write_index(root, encoder=fake_encoder, add=bundled_articles)  # two old, two new
    assert set(change.already_indexed) == {a.id for a in bundled_articles[:2]}
    assert set(change.added) == {a.id for a in bundled_articles[2:]}
    after = _snapshot(root)
    assert len(after["articles"]) == 4
    n_old = len(before["chunks"])
    assert after["chunks"][:n_old] == before["chunks"]  # old rows untouched
    n_sent = len(before["sentences"])
    assert after["sentences"][:n_sent] == before["sentences"]
    np.testing.assert_array_equal(after["vectors"][:n_sent], before["vectors"])
    assert after["links"][0][:n_old] == before["links"][0] and after["links"][1][:n_sent] == before["links"][1]
    again = write_index(root, encoder=fake_encoder, add=bundled_articles)
    assert again.added == () and len(again.already_indexed) == 4
    assert _snapshot(root)["chunks"] == after["chunks"]


def test_remove_article_renumbers_rows(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    full = _snapshot(root)
    gone = bundled_articles[1].id
    change = write_index(root, encoder=fake_encoder, remove=[gone])
    assert change.removed == (gone,)
    store = IndexStore.open(root)
    assert gone not in {a.id for a in store.articles()}
    with pytest.raises(ArticleNotFoundError):
        store.article(gone)
    n_gone = dict((a[0], a[2]) for a in full["articles"])[gone]
    rows = store.chunks(range(store.manifest.chunks))
    assert len(rows) == len(full["chunks"]) - n_gone
    assert all(c.article_id != gone for c in rows)
    # every remaining sentence row still holds its own vector and annotations, and the links
    # between chunks and sentences were renumbered with them
    left = [s for s in full["sentences"] if s[0] != gone]
    now = [(s.article_id, s.start, s.end, s.mentions) for s in store.sentences(range(store.manifest.sentences))]
    assert now == left
    by_span = {s[:3]: v for s, v in zip(full["sentences"], full["vectors"])}
    np.testing.assert_array_equal(store.vectors.vectors(), np.stack([by_span[s[:3]] for s in left]))
    for row, c in enumerate(rows):
        lo, hi = store.chunk_sentences[row]
        assert all(c.start <= s.start and s.end <= c.end for s in store.sentences(range(lo, hi + 1)))
    # the kept chunks keep their context vectors, in order
    by_chunk = dict(zip((c[0] for c in full["chunks"]), full["context"]))
    np.testing.assert_array_equal(store.chunk_vectors.vectors(), np.stack([by_chunk[c.id] for c in rows]))
    # BM25 was rebuilt over what is left
    assert store.bm25.num_docs == len(rows)


def test_remove_unknown_id_changes_nothing(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    gen = read_manifest(root).generation
    with pytest.raises(ArticleNotFoundError, match="nope"):
        write_index(root, encoder=fake_encoder, remove=["nope"])
    assert read_manifest(root).generation == gen


def test_interrupted_build_leaves_previous_index_usable(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    before = _snapshot(root)
    with pytest.raises(KeyboardInterrupt):
        write_index(root, encoder=FakeEncoder(fail_after=0), add=bundled_articles[2:])
    after = _snapshot(root)
    assert after["manifest"] == before["manifest"] and after["chunks"] == before["chunks"]
    assert not [p for p in root.iterdir() if ".tmp-" in p.name]  # the half-built generation is gone
    # and the next write works
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:])
    assert IndexStore.open(root).manifest.articles == 4


def test_killed_build_leaves_previous_index_usable(tmp_path, bundled_articles, fake_encoder):
    """SIGKILL a real `write_index` in another process while it embeds."""
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    before = _snapshot(root)
    script = textwrap.dedent(f"""
        import sys, time
        sys.path[:0] = [{str(Path(__file__).resolve().parent.parent)!r}]
        from tests.conftest import FakeEncoder
        from qa.ingest import ingest_paths
        from qa.build import write_index
        class Slow(FakeEncoder):
            def encode(self, texts, **kw):
                print("embedding", flush=True)
                time.sleep(0.5)
                return super().encode(texts, **kw)
        arts = ingest_paths([{str(Path(__file__).resolve().parent.parent / "data")!r}]).articles
        write_index({str(root)!r}, encoder=Slow(), add=arts)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "embedding"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert [p for p in root.iterdir() if ".tmp-" in p.name]  # it died mid-build
    after = _snapshot(root)
    assert after["manifest"] == before["manifest"] and after["chunks"] == before["chunks"]
    write_index(root, encoder=fake_encoder, add=bundled_articles)  # cleans up and goes on
    assert not [p for p in root.iterdir() if ".tmp-" in p.name]
    assert IndexStore.open(root).manifest.articles == 4


def test_mismatched_encoder_is_a_clear_error(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    with pytest.raises(IndexMismatchError, match="built with encoder 'fake'.*qa index build"):
        write_index(root, encoder=FakeEncoder(name="other"), add=bundled_articles[1:])
    assert IndexStore.open(root).manifest.articles == 1


def test_format_version_mismatch_names_the_fix(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    raw = json.loads((root / MANIFEST).read_text("utf-8"))
    raw["format_version"] = 0
    (root / MANIFEST).write_text(json.dumps(raw), "utf-8")
    with pytest.raises(IndexMismatchError, match="format version 0.*qa index build"):
        IndexStore.open(root)
    # a rebuild replaces it
    write_index(root, encoder=fake_encoder, add=bundled_articles, replace=True)
    assert IndexStore.open(root).manifest.articles == 4


def test_missing_index(tmp_path):
    with pytest.raises(IndexNotFoundError, match="qa index build"):
        IndexStore.open(tmp_path / "nothing")


def test_hnsw_index_finds_the_same_neighbours(tmp_path, bundled_articles, fake_encoder):
    flat, hnsw = tmp_path / "flat", tmp_path / "hnsw"
    write_index(flat, encoder=fake_encoder, add=bundled_articles)
    write_index(hnsw, encoder=fake_encoder, add=bundled_articles, vector_index=VectorIndexKind.HNSW)
    assert read_manifest(hnsw).vector_index == "hnsw"
    q = fake_encoder.encode_queries(["胡昌升在北京会见了谁"])
    a, b = IndexStore.open(flat).vectors, IndexStore.open(hnsw).vectors
    assert list(a.search(q, 5)[1][0]) == list(b.search(q, 5)[1][0])


def test_flat16_index_halves_the_vectors_and_finds_the_same_neighbours(tmp_path, bundled_articles, fake_encoder):
    flat, half = tmp_path / "flat", tmp_path / "flat16"
    write_index(flat, encoder=fake_encoder, add=bundled_articles, vector_index=VectorIndexKind.FLAT)
    write_index(half, encoder=fake_encoder, add=bundled_articles, vector_index=VectorIndexKind.FLAT16)
    assert read_manifest(half).vector_index == "flat16"
    q = fake_encoder.encode_queries(["胡昌升在北京会见了谁", "IBM"])
    a, b = IndexStore.open(flat), IndexStore.open(half)
    assert (a.vectors.search(q, 8)[1] == b.vectors.search(q, 8)[1]).all()
    np.testing.assert_allclose(a.vectors.search(q, 8)[0], b.vectors.search(q, 8)[0], atol=2e-3)
    np.testing.assert_allclose(a.sentence_vectors([0, 3]), b.sentence_vectors([0, 3]), atol=1e-3)
    size = {r: sum(f.stat().st_size for f in r.glob("gen-*/*.faiss")) for r in (flat, half)}
    assert size[half] < 0.6 * size[flat]
    # an article added later goes into the same kind of index
    write_index(half, encoder=fake_encoder, remove=[bundled_articles[0].id])
    write_index(half, encoder=fake_encoder, add=bundled_articles[:1])
    assert read_manifest(half).vector_index == "flat16" and IndexStore.open(half).manifest.articles == 4


def test_readers_see_a_new_generation(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    store = IndexStore.open(root)
    store.warm_up()
    assert store.is_current()
    write_index(root, encoder=fake_encoder, add=bundled_articles[1:])
    assert not store.is_current()
    # the old generation is kept for readers that still hold it
    assert store.article(bundled_articles[0].id).id == bundled_articles[0].id
    assert IndexStore.open(root).manifest.articles == 4


def test_empty_index_after_removing_everything(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[0].id])
    store = IndexStore.open(root)
    assert store.manifest.chunks == 0 and store.bm25 is None and len(store.vectors) == 0


def test_lexicon_keys_names_by_pinyin(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    store = IndexStore.open(root)
    lex = store.lexicon["pinyin"]
    assert "胡昌升" in lex["huchangsheng"]
    assert "林中湘" in lex["linzhongxiang"]  # found by its post (董事长林中湘一行), not by jieba alone
    assert "厦门" in lex["xiamen"]
    # read from the database key by key, equal to the dictionary a fresh build_lexicon makes
    from qa.lang.pinyin import build_lexicon
    from qa.store import LexiconTable

    assert isinstance(lex, LexiconTable) and "xiamen" in lex and "nokey" not in lex and lex.get("nokey") is None
    words = {t for (t,) in store.db.execute("SELECT DISTINCT text FROM mentions WHERE kind IN ('person', 'org', 'place')")}
    assert dict(lex) == build_lexicon(sorted(set(store.bm25.vocab) | words))
    assert not any(p.name == "lexicon.json" for p in (root / store.manifest.generation).iterdir())


def test_write_is_quick_without_the_model(tmp_path, bundled_articles, fake_encoder):
    t = time.perf_counter()
    write_index(tmp_path / "index", encoder=fake_encoder, add=bundled_articles)
    assert time.perf_counter() - t < 30  # tokenising, tagging and pinyin for one page: seconds at most


# -- readers' snapshots and a lost manifest (issue 10) ---------------------------------

def _generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("gen-"))


def test_a_reader_keeps_its_generation_however_many_changes_commit(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    store = IndexStore.open(root)  # opened, nothing loaded yet: a question about to start
    first = store.manifest.generation
    write_index(root, encoder=fake_encoder, add=bundled_articles[1:2])
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:3])
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[1].id])
    assert first in _generations(root)  # held by the reader, so not deleted
    q = fake_encoder.encode_queries(["胡昌升"])
    assert len(store.vectors.search(q, 3)[1][0]) > 0  # loads its files now: still there
    assert store.article(bundled_articles[0].id).title == bundled_articles[0].title
    store.close()
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    assert first not in _generations(root)  # released: the next change retires it
    assert len(_generations(root)) <= 2


def test_a_missing_manifest_stops_writes_and_recover_restores_it(tmp_path, bundled_articles, fake_encoder):
    from qa.manifest import recover_manifest

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:])
    before = _snapshot(root)
    gens = _generations(root)
    (root / MANIFEST).unlink()
    with pytest.raises(ManifestLostError, match="qa index recover"):
        write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    with pytest.raises(ManifestLostError, match=r"manifest.json is missing but .* holds 2 generation"):
        IndexStore.open(root)
    assert _generations(root) == gens  # nothing deleted
    m, skipped = recover_manifest(root)
    assert m.articles == 4 and skipped == []
    after = _snapshot(root)
    assert after["manifest"] == before["manifest"] and after["chunks"] == before["chunks"]
    assert (after["vectors"] == before["vectors"]).all()


def test_a_garbled_manifest_names_recover(tmp_path, bundled_articles, fake_encoder):
    from qa.manifest import recover_manifest

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    (root / MANIFEST).write_bytes(b"\x00\xff{garbage")
    with pytest.raises(ManifestLostError, match="qa index recover"):
        write_index(root, encoder=fake_encoder, remove=[bundled_articles[0].id])
    assert recover_manifest(root)[0].articles == 4
    assert IndexStore.open(root).manifest.articles == 4


def test_recover_skips_an_incomplete_newest_generation(tmp_path, bundled_articles, fake_encoder):
    from qa.manifest import recover_manifest
    from qa.store import VECTORS

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:])
    older, newest = _generations(root)
    # damaged: a file the newest generation wrote (the files it shares with the older one are
    # one copy on disk, damaged in both)
    own = root / newest / read_manifest(root).deltas[-1] / VECTORS
    own.write_bytes(own.read_bytes()[: own.stat().st_size // 2])
    (root / MANIFEST).unlink()
    m, skipped = recover_manifest(root)
    assert m.generation == older and m.articles == 2 and skipped == [newest]
    assert _generations(root) == [older, newest]  # recovery deletes nothing


def test_recover_without_any_complete_generation_says_rebuild(tmp_path):
    from qa.errors import QAError
    from qa.manifest import recover_manifest

    (tmp_path / "index" / "gen-000001").mkdir(parents=True)
    with pytest.raises(QAError, match="no complete generation .* qa index build"):
        recover_manifest(tmp_path / "index")


def test_writes_sweep_what_dead_writers_left(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    (root / f".{MANIFEST}.tmp-99999").write_text("{}")
    (root / ".gen-000009.tmp-99999").mkdir()
    write_index(root, encoder=fake_encoder, add=bundled_articles[1:])
    assert not [p.name for p in root.iterdir() if ".tmp-" in p.name]


def test_cli_recover(tmp_path, bundled_articles, fake_encoder, capsys):
    from qa.cli import main

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    (root / MANIFEST).unlink()
    assert main(["index", "recover", "--index-dir", str(root)]) == 0
    assert "recovered gen-000001: 4 articles" in capsys.readouterr().out
    assert read_manifest(root).articles == 4


# -- checksums, verify and repair (issue 10) -------------------------------------------

def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garble":  # same size, other bytes in the middle
        mid = len(data) // 2
        path.write_bytes(data[:mid] + bytes(255 - b for b in data[mid: mid + 64]) + data[mid + 64:])
    else:
        path.unlink()


def test_the_manifest_records_every_file_with_its_checksum(tmp_path, bundled_articles, fake_encoder):
    from qa.manifest import check_generation

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    m = read_manifest(root)
    assert {"docs.sqlite", "vectors.faiss", "chunks.faiss"} <= set(m.files)
    assert any(f.startswith("bm25/") for f in m.files)
    assert all(len(v["sha256"]) == 64 and v["size"] > 0 for v in m.files.values())
    assert check_generation(root, m, full=True) == []


@pytest.mark.parametrize("how", ["truncate", "garble", "delete"])
def test_every_damaged_file_is_one_clear_error_never_an_answer(tmp_path, bundled_articles, fake_encoder, how):
    """Each file of a generation damaged in turn: opening the index says which file and how to
    repair it; nothing is read from it; ``verify`` names it too."""
    from qa.cli import main
    from qa.errors import IndexCorruptError

    built = tmp_path / "built"
    write_index(built, encoder=fake_encoder, add=bundled_articles)
    files = sorted(read_manifest(built).files)
    for rel in files:
        root = tmp_path / f"{how}-{rel.replace('/', '_')}"
        shutil.copytree(built, root)
        _damage(root / read_manifest(root).generation / rel, how)
        with pytest.raises(IndexCorruptError, match=r"qa index repair") as err:
            IndexStore.open(root).warm_up()
        assert rel.split("/")[-1] in str(err.value)
        assert main(["index", "verify", "--index-dir", str(root)]) == 1


def test_repair_rebuilds_from_the_stored_articles_and_keeps_every_one(tmp_path, bundled_articles, fake_encoder):
    from qa.build import repair_index
    from qa.store import VECTORS

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:])  # "added later": only in SQLite and vectors
    before = _snapshot(root)
    _damage(root / read_manifest(root).generation / VECTORS, "garble")
    change, source = repair_index(root, encoder=fake_encoder)
    assert len(change.added) == 4 and source == before["manifest"].generation
    after = _snapshot(root)
    assert after["articles"] == before["articles"] and after["chunks"] == before["chunks"]
    assert np.allclose(after["vectors"], before["vectors"])


def test_repair_reads_an_older_generation_when_the_newest_database_is_damaged(tmp_path, bundled_articles,
                                                                                fake_encoder):
    from qa.build import repair_index

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    older = read_manifest(root).generation
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:])
    m = read_manifest(root)
    db = root / m.generation / m.deltas[-1] / "docs.sqlite"  # the newest's own database (the base is shared)
    db.write_bytes(b"\0" * db.stat().st_size)
    change, source = repair_index(root, encoder=fake_encoder)
    assert source == older and len(change.added) == 2


def test_verify_says_ok(tmp_path, bundled_articles, fake_encoder, capsys):
    from qa.cli import main

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    assert main(["index", "verify", "--index-dir", str(root)]) == 0
    assert capsys.readouterr().out.startswith("ok: gen-000001,")


def test_a_change_never_copies_from_a_damaged_generation(tmp_path, bundled_articles, fake_encoder):
    """``add`` copied garbled vectors into the next generation (issue 10): now it stops first."""
    from qa.errors import IndexCorruptError
    from qa.store import VECTORS

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    gen = read_manifest(root).generation
    _damage(root / gen / VECTORS, "garble")
    with pytest.raises(IndexCorruptError, match="vectors.faiss was altered.*qa index repair"):
        write_index(root, encoder=fake_encoder, add=bundled_articles[2:])
    assert read_manifest(root).generation == gen  # nothing committed


def test_repair_upgrades_an_older_format_from_its_stored_articles(tmp_path, bundled_articles, fake_encoder):
    from qa.build import repair_index

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    manifest = root / MANIFEST
    manifest.write_text(json.dumps(json.loads(manifest.read_text()) | {"format_version": FORMAT_VERSION - 1}))
    with pytest.raises(IndexMismatchError, match="format version"):
        IndexStore.open(root)
    change, _ = repair_index(root, encoder=fake_encoder)
    assert len(change.added) == 4 and read_manifest(root).format_version == FORMAT_VERSION


def test_dates_keep_their_source_and_an_index_from_before_it_stays_readable(tmp_path, bundled_articles,
                                                                            fake_encoder):
    import sqlite3

    from qa.build import write_manifest
    from qa.manifest import file_checksums
    from qa.store import DOCS

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles)
    store = IndexStore.open(root)
    assert {(a.date, a.date_source) for a in store.articles()} == {("2020-11", "file name")}
    assert store.article(bundled_articles[0].id).date_source == "file name"
    store.close()

    # the same index as written before date_source was stored: the column is not there
    m = read_manifest(root)
    db = sqlite3.connect(root / m.generation / DOCS)
    db.execute("ALTER TABLE articles DROP COLUMN date_source")
    db.commit()
    db.close()
    old = m.__class__(**{**m.__dict__, "files": file_checksums(root / m.generation)})
    write_manifest(root, old)
    store = IndexStore.open(root)
    assert [(a.date, a.date_source) for a in store.articles()] == [("2020-11", None)] * 4
    assert store.article(bundled_articles[0].id).date == "2020-11"
    store.close()
    # a change to it writes the column again, for the articles it adds
    extra = Article.make("2020年11月19日，厦门举办了论坛。", title="论坛", date="2020-11-19", date_source="lead")
    write_index(root, encoder=fake_encoder, add=[extra])
    store = IndexStore.open(root)
    assert store.article(extra.id).date_source == "lead"
    assert store.article(bundled_articles[0].id).date_source is None
    store.close()


def test_the_pinyin_full_text_index_finds_the_chunks_of_a_name(tmp_path, bundled_articles, fake_encoder):
    """The English bridge's syllable search reads the chunks the full-text index of their pinyin
    names (base, deltas, removed rows left out) and finds what a scan of every chunk finds."""
    from qa.bridges.pinyin import SyllableScan

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[1:])
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])  # a delta
    assert read_manifest(root).deltas
    store = IndexStore.open(root)
    every = store.transliterations
    # every two-syllable run of the first chunks: the index's chunks are those a scan finds
    runs = {" ".join(p.split()[i:i + 2]) for _, p in every[:6] for i in range(0, 40, 3)}
    runs = {r for r in runs if "·" not in r and len(r.split()) == 2}
    assert len(runs) >= 10
    for run in runs:
        got = store.pinyin_candidates(run)
        want = [(t, p) for t, p in every if f" {run} " in f" {p} "]
        assert set(want) <= set(got), run
        assert all(set(run.split()) <= set(p.split()) for _, p in got)
    full, indexed = SyllableScan(every), SyllableScan([], candidates=store.pinyin_candidates)
    for name in ("Hu Changsheng", "Xiamen", "Jinzhuan", "Bao Zhuolan", "Lin Zhongxiang", "Smith"):
        assert indexed.find(name) == full.find(name), name
    assert indexed.find("Hu Changsheng") == ["胡昌升"]
    # a removed article's chunks are not candidates
    gone = bundled_articles[1]
    gone_pinyin = {p for t, p in every if t in gone.text}
    write_index(root, encoder=fake_encoder, remove=[gone.id])
    store = IndexStore.open(root)
    run = " ".join(next(iter(gone_pinyin)).split()[:3])
    assert not ({p for _, p in store.pinyin_candidates(run)} & gone_pinyin)


def test_an_index_without_the_pinyin_index_scans_every_chunk(tmp_path, bundled_articles, fake_encoder, monkeypatch):
    """An index written before the full-text index of the pinyin: the bridge reads every chunk's."""
    import qa.build
    import qa.store
    from qa.bridges import default_bridges

    monkeypatch.setattr(qa.build, "SCHEMA", qa.store.SCHEMA.split("CREATE VIRTUAL TABLE")[0])
    monkeypatch.setattr(qa.build, "index_pinyin", lambda db: None)
    write_index(tmp_path / "old", encoder=fake_encoder, add=bundled_articles)
    store = IndexStore.open(tmp_path / "old")
    assert store.pinyin_candidates("hu chang sheng") is None
    (bridge,) = default_bridges(store)
    assert bridge.scan.find("Hu Changsheng") == ["胡昌升"]
