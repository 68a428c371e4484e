"""A change that only adds articles writes a delta (``qa.build_append``): it shares every file of
the live generation (hard links), writes only the new rows, and reads as the same index a whole
build of the same articles makes; removals and grown deltas compact into one base again."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import qa.build_append
from qa.build import convert_vectors, repair_index, write_index
from qa.cli import main
from qa.errors import IndexCorruptError
from qa.lexical import TermCounts
from qa.manifest import DELTAS_FORMAT_VERSION, FORMAT_VERSION, MANIFEST, check_generation, read_manifest
from qa.settings import VectorIndexKind
from qa.store import BM25_DIR, DOCS, VECTORS, IndexStore
from qa.vectors import FaissVectorStore, SegmentedVectors


@pytest.fixture(autouse=True)
def _deltas_up_to_the_base(monkeypatch):
    """The bundled articles are four, each a large part of an index of the others: far more than
    the deltas a real index keeps before compacting (tested below with the limit put back)."""
    monkeypatch.setattr(qa.build_append, "DELTA_FRACTION", 10.0)


def _written(root, m) -> dict[str, int]:
    """The files of ``m``'s generation no other generation shares: path -> bytes."""
    d = root / m.generation
    return {rel: (d / rel).stat().st_size for rel in m.files if (d / rel).stat().st_nlink == 1}


def _flip_byte(path, at: int) -> None:
    """Damage a file in place, its size kept."""
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_an_add_links_the_live_files_and_writes_only_the_new_rows(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:3])
    before = read_manifest(root)
    base_bytes = sum(f["size"] for f in before.files.values())
    reader = IndexStore.open(root)  # holds the generation, so that both are on disk below

    change = write_index(root, encoder=fake_encoder, add=bundled_articles[3:])

    after = read_manifest(root)
    assert change.added == (bundled_articles[3].id,) and after.deltas == ("delta-000002",)
    # a qa that predates deltas refuses it rather than read the base alone
    assert (before.format_version, after.format_version) == (FORMAT_VERSION, DELTAS_FORMAT_VERSION)
    for rel, f in before.files.items():  # shared: the same file on disk, its recorded checksum kept
        assert os.path.samefile(root / before.generation / rel, root / after.generation / rel)
        assert after.files[rel] == f
    written = _written(root, after)
    assert written and all(rel.startswith("delta-000002/") for rel in written)
    # the delta holds one article's rows: nothing the size of the corpus was written
    assert max(written.values()) < 0.5 * max(f["size"] for f in before.files.values())
    assert sum(written.values()) < base_bytes
    assert check_generation(root, after, full=True) == []
    assert (after.articles, after.chunks, after.sentences) == (
        4, before.chunks + change.chunks_added, before.sentences + change.sentences_added)
    reader.close()


def test_adds_as_deltas_read_as_a_whole_build_of_the_same_articles(tmp_path, bundled_articles, fake_encoder,
                                                                   assert_same_index):
    a, b, c, d = bundled_articles
    root = tmp_path / "deltas"
    write_index(root, encoder=fake_encoder, add=[a])
    write_index(root, encoder=fake_encoder, add=[b, a])  # a: already indexed
    write_index(root, encoder=fake_encoder, add=[c])
    write_index(root, encoder=fake_encoder, add=[d])
    assert read_manifest(root).deltas == ("delta-000002", "delta-000003", "delta-000004")
    whole = tmp_path / "whole"
    write_index(whole, encoder=fake_encoder, add=[a, b, c, d])
    assert_same_index(root, whole)

    s, w = IndexStore.open(root), IndexStore.open(whole)
    try:
        assert isinstance(s.vectors, SegmentedVectors) and s.vectors.segments == 4
        q = fake_encoder.encode_queries(["胡昌升在北京会见了谁", "IBM", "金砖创新基地"])
        for mine, theirs in ((s.vectors, w.vectors), (s.chunk_vectors, w.chunk_vectors)):
            (ss, sr), (ws, wr) = mine.search(q, 10), theirs.search(q, 10)
            np.testing.assert_allclose(ss, ws, rtol=0, atol=1e-6)
            assert (sr == wr).all()
        for t in w.bm25.vocab:
            np.testing.assert_allclose(s.bm25.scores([t]), w.bm25.scores([t]), rtol=1e-6, atol=1e-7, err_msg=t)
        assert s.bm25.vocab.keys() == w.bm25.vocab.keys()
        assert dict(s.lexicon["pinyin"]) == dict(w.lexicon["pinyin"]) and len(s.lexicon["pinyin"]) > 0
        assert s.articles() == w.articles() and sorted(s.names()) == sorted(w.names())
        assert sorted(s.date_mentions()) == sorted(w.date_mentions())
        assert (s.sentence_chunks == w.sentence_chunks).all() and (s.chunk_sentences == w.chunk_sentences).all()
        assert s.transliterations == w.transliterations
        last = s.manifest.sentences - 1
        assert s.sentences([0, last]) == w.sentences([0, last])
        np.testing.assert_array_equal(s.sentence_vectors([last, 0]), w.sentence_vectors([last, 0]))
        assert s.article(d.id) == w.article(d.id)
    finally:
        s.close()
        w.close()


def test_a_reader_keeps_its_generation_while_adds_commit(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:3])
    reader = IndexStore.open(root)  # a generation with one delta, not yet loaded
    first = reader.manifest
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[0].id])  # a compaction
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    assert not reader.is_current() and (root / first.generation).is_dir()
    reader.warm_up()
    assert len(reader.vectors) == first.sentences and len(reader.chunk_vectors) == first.chunks
    assert [a.id for a in reader.articles()] == [a.id for a in bundled_articles[:3]]
    assert reader.bm25.num_docs == first.chunks
    assert check_generation(root, first, full=True) == []
    reader.close()
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])  # retires it now
    assert not (root / first.generation).exists()
    assert [a.id for a in IndexStore.open(root).articles()] == [a.id for a in bundled_articles[1:]] + [
        bundled_articles[0].id]


@pytest.mark.parametrize("where", ["faiss", "bm25", "lexicon"])
def test_an_interrupted_add_leaves_the_live_index(tmp_path, bundled_articles, fake_encoder, monkeypatch, where):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:3])
    live = read_manifest(root)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    target = {"faiss": (FaissVectorStore, "save"), "bm25": (TermCounts, "save"),
              "lexicon": (qa.build_append, "lexicon_rows")}[where]
    monkeypatch.setattr(*target, crash)
    with pytest.raises(KeyboardInterrupt):
        write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    monkeypatch.undo()
    assert read_manifest(root) == live
    assert sorted(p.name for p in root.iterdir() if p.name.startswith((".gen-", "gen-"))) == [live.generation]
    assert check_generation(root, live, full=True) == []
    store = IndexStore.open(root).warm_up()
    assert len(store.articles()) == 3
    store.close()
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    assert read_manifest(root).articles == 4


@pytest.mark.parametrize("rel", [VECTORS, DOCS, f"{BM25_DIR}/counts.npy"])
def test_a_damaged_shared_file_is_found_in_the_generation_that_shares_it(tmp_path, bundled_articles, fake_encoder,
                                                                         rel):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:3])
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    m = read_manifest(root)
    path = root / m.generation / rel  # the base's file, shared with the generation before
    _flip_byte(path, path.stat().st_size // 2)
    with pytest.raises(IndexCorruptError, match=rel.split("/")[-1]):
        IndexStore.open(root)
    with pytest.raises(IndexCorruptError, match=rel.split("/")[-1]):  # and no add builds on it
        write_index(root, encoder=fake_encoder, add=bundled_articles[:1], remove=[bundled_articles[0].id])
    assert main(["index", "verify", "--index-dir", str(root)]) == 1


def test_a_damaged_delta_is_found_even_where_the_base_is_not_hashed(tmp_path, bundled_articles, fake_encoder,
                                                                    monkeypatch):
    import qa.store

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:3])
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    m = read_manifest(root)
    path = root / m.generation / m.deltas[0] / VECTORS
    stat = path.stat()
    _flip_byte(path, -1)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with its time put back
    monkeypatch.setattr(qa.store, "FULL_CHECK_BYTES", 0)  # as for a large index: only deltas hashed
    with pytest.raises(IndexCorruptError, match="delta-000002/vectors.faiss was altered"):
        IndexStore.open(root)


def test_remove_compacts_and_adds_go_on_as_deltas(tmp_path, bundled_articles, fake_encoder, assert_same_index):
    a, b, c, d = bundled_articles
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=[a, b])
    write_index(root, encoder=fake_encoder, add=[c])
    write_index(root, encoder=fake_encoder, remove=[c.id])  # an article a delta holds
    assert read_manifest(root).deltas == () and read_manifest(root).articles == 2
    assert read_manifest(root).format_version == FORMAT_VERSION
    write_index(root, encoder=fake_encoder, add=[d, c])
    write_index(root, encoder=fake_encoder, remove=[a.id], add=[a])  # out and back in one change
    assert read_manifest(root).deltas == ()
    write_index(root, encoder=fake_encoder, add=[b])  # already indexed: nothing written
    m = read_manifest(root)
    assert m.deltas == () and _written(root, m) == {}
    whole = tmp_path / "whole"
    write_index(whole, encoder=fake_encoder, add=[b, d, c, a])
    assert_same_index(root, whole)


def test_deltas_fold_and_compact_past_their_limits(tmp_path, bundled_articles, fake_encoder, monkeypatch,
                                                  assert_same_index):
    monkeypatch.setattr(qa.build_append, "MAX_DELTAS", 2)
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])
    base = read_manifest(root)
    for n in (2, 3):
        write_index(root, encoder=fake_encoder, add=bundled_articles[n - 1:n])
        assert len(read_manifest(root).deltas) == n - 1
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])  # on two deltas: one delta of three
    m = read_manifest(root)
    assert m.deltas == ("delta-000004",) and sorted({rel.split("/")[0] for rel in m.files if "delta-" in rel}) == [
        "delta-000004"]
    assert sorted(p.name for p in (root / m.generation).iterdir() if p.is_dir()) == [BM25_DIR, "delta-000004"]
    assert all(m.files[rel] == f for rel, f in base.files.items())  # the base is still shared
    assert check_generation(root, m, full=True) == []
    assert_same_index(root, _whole(tmp_path, bundled_articles, fake_encoder))

    monkeypatch.setattr(qa.build_append, "DELTA_FRACTION", 0.0)  # any delta is too large: compact
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[3].id])
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    assert len(read_manifest(root).deltas) == 1  # the base had none
    write_index(root, encoder=fake_encoder, add=bundled_articles[:0])
    m = read_manifest(root)
    assert m.deltas == () and not any("delta-" in rel for rel in m.files)
    assert_same_index(root, tmp_path / "whole")


def _whole(tmp_path, articles, encoder):
    whole = tmp_path / "whole"
    if not whole.exists():
        write_index(whole, encoder=encoder, add=articles)
    return whole


def test_repair_and_recover_read_the_deltas(tmp_path, bundled_articles, fake_encoder, assert_same_index):
    from qa.manifest import recover_manifest

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:])
    m = read_manifest(root)
    (root / MANIFEST).unlink()
    assert recover_manifest(root)[0] == m
    change, source = repair_index(root, encoder=fake_encoder)
    assert source == m.generation and len(change.added) == 4 and read_manifest(root).deltas == ()
    assert_same_index(root, _whole(tmp_path, bundled_articles, fake_encoder))


def test_convert_vectors_converts_every_segment(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2], vector_index=VectorIndexKind.FLAT)
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:])
    flat = IndexStore.open(root)
    before = flat.vectors.vectors()
    c = convert_vectors(root, VectorIndexKind.FLAT16)
    assert c.vectors == flat.manifest.sentences + flat.manifest.chunks and c.bytes_after < 0.6 * c.bytes_before
    flat.close()
    m = read_manifest(root)
    assert m.vector_index == "flat16" and len(m.deltas) == 1 and check_generation(root, m, full=True) == []
    half = IndexStore.open(root)
    np.testing.assert_allclose(half.vectors.vectors(), before, atol=2e-3)
    half.close()
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1], remove=[bundled_articles[0].id])
    assert IndexStore.open(root).vectors.kind is VectorIndexKind.FLAT16


def test_an_index_copied_with_new_times_still_opens(tmp_path, bundled_articles, fake_encoder):
    """Files whose time differs from the recorded one are hashed, not refused."""
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2])
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:])
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, copy_function=shutil.copyfile)  # new modification times
    write_index(copy, encoder=fake_encoder, add=bundled_articles[:1], remove=[bundled_articles[0].id])
    assert len(IndexStore.open(copy).articles()) == 4


def test_segmented_vectors_search_like_one_index(fake_encoder):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    parts = [FaissVectorStore.from_vectors(vectors[lo:hi], 16, VectorIndexKind.FLAT)
             for lo, hi in ((0, 30), (30, 31), (31, 50))]
    seg = SegmentedVectors(parts)
    q = rng.normal(size=(3, 16)).astype(np.float32)
    scores, rows = seg.search(q, 7)
    brute = q @ vectors.T
    np.testing.assert_array_equal(rows, np.argsort(-brute, axis=1)[:, :7])
    np.testing.assert_allclose(scores, np.take_along_axis(brute, rows, axis=1), rtol=1e-5)
    assert seg.search(q, 500)[1].shape == (3, 50) and len(seg) == 50
    np.testing.assert_array_equal(seg.reconstruct([49, 0, 30, 31]), vectors[[49, 0, 30, 31]])
    np.testing.assert_array_equal(seg.vectors(), vectors)
    with pytest.raises(IndexError):
        seg.reconstruct([50])


def test_term_counts_concatenate_as_they_extend():
    docs = [["北京", "会见", "北京"], ["金砖", "创新"], [], ["会见", "厦门", "金砖"], ["新词"]]
    base = TermCounts.from_tokens(docs[:2])
    joined = TermCounts.concat([base, TermCounts.from_tokens(docs[2:4]), TermCounts.from_tokens(docs[4:])])
    extended = base.extend(docs[2:])
    assert joined.vocab == extended.vocab
    for x, y in zip((joined.indptr, joined.indices, joined.counts, joined.doc_lengths),
                    (extended.indptr, extended.indices, extended.counts, extended.doc_lengths)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kind", [VectorIndexKind.HNSW, VectorIndexKind.FLAT16])
def test_deltas_keep_the_index_kind(tmp_path, bundled_articles, fake_encoder, kind, monkeypatch,
                                   assert_same_index):
    monkeypatch.setattr(qa.build_append, "MAX_DELTAS", 1)  # the second delta folds the first in
    root, whole = tmp_path / "deltas", tmp_path / "whole"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:2], vector_index=kind)
    write_index(root, encoder=fake_encoder, add=bundled_articles[2:3])
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    assert read_manifest(root).deltas == ("delta-000003",)
    write_index(whole, encoder=fake_encoder, add=bundled_articles, vector_index=kind)
    s, w = IndexStore.open(root), IndexStore.open(whole)
    assert s.manifest.deltas and s.vectors.kind is kind
    q = fake_encoder.encode_queries(["胡昌升在北京会见了谁", "IBM", "金砖创新基地"])
    # a graph this small is searched exhaustively: the same neighbours as one index
    for mine, theirs in ((s.vectors, w.vectors), (s.chunk_vectors, w.chunk_vectors)):
        (ss, sr), (ws, wr) = mine.search(q, 5), theirs.search(q, 5)
        assert (sr == wr).all()
        np.testing.assert_allclose(ss, ws, atol=1e-5)
    s.close()
    w.close()
    assert_same_index(root, whole, atol=0)  # flat16's 16-bit values stored again unchanged


def test_an_index_without_recorded_times_opens_as_before(tmp_path, bundled_articles, fake_encoder, monkeypatch):
    """Checksums written before the times: a quick check compares sizes only, and the next
    change writes a whole generation (with times), then adds deltas again."""
    import json

    import qa.manifest
    import qa.store

    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:3])
    manifest = root / MANIFEST
    raw = json.loads(manifest.read_text())
    for f in raw["files"].values():
        del f["mtime_ns"]
    manifest.write_text(json.dumps(raw))
    hashed = []
    monkeypatch.setattr(qa.store, "FULL_CHECK_BYTES", 0)
    monkeypatch.setattr(qa.manifest, "_sha256", lambda p: hashed.append(p) or "")
    IndexStore.open(root).close()
    assert hashed == []
    monkeypatch.undo()
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    m = read_manifest(root)
    assert m.deltas == () and all("mtime_ns" in f for f in m.files.values())
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[3].id])
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    assert read_manifest(root).deltas


def test_an_add_copies_where_the_filesystem_has_no_hard_links(tmp_path, bundled_articles, fake_encoder, monkeypatch,
                                                               assert_same_index):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:3])

    def no_links(src, dst):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(qa.build_append.os, "link", no_links)
    write_index(root, encoder=fake_encoder, add=bundled_articles[3:])
    after = read_manifest(root)
    assert after.deltas == ("delta-000002",)
    assert check_generation(root, after, full=True) == []
    whole = tmp_path / "whole"
    write_index(whole, encoder=fake_encoder, add=bundled_articles)
    assert_same_index(root, whole)
