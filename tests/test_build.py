"""Index building beyond add/remove (those are in test_store.py): building in blocks of articles,
storing the vectors as another kind."""

from __future__ import annotations

import numpy as np
import pytest

import qa.build
from qa.build import BLOCK_CHARS, BlockProgress, article_blocks, convert_vectors, write_index
from qa.cli import main
from qa.errors import IndexCorruptError
from qa.manifest import read_manifest
from qa.settings import VectorIndexKind
from qa.store import IndexStore
from qa.types import Article


def _neighbours(root, encoder, k=8):
    q = encoder.encode_queries(["胡昌升在北京会见了谁", "IBM", "金砖创新基地"])
    return IndexStore.open(root).vectors.search(q, k)



def _files(root):
    """Every file of the live generation (but the SQLite database, whose pages hold times), by name."""
    gen = root / read_manifest(root).generation
    return {p.relative_to(gen).as_posix(): p.read_bytes() for p in sorted(gen.rglob("*"))
            if p.is_file() and p.name not in ("docs.sqlite", "manifest.json")}


def test_article_blocks_keep_order_and_stay_under_the_size():
    arts = [Article.make("字" * n, title=f"t{i}") for i, n in enumerate([400, 300, 500, 2_000, 100, 100])]
    blocks = article_blocks(arts, 1_000)
    assert [a for b in blocks for a in b] == arts
    assert [[len(a.text) for a in b] for b in blocks] == [[400, 300], [500], [2_000], [100, 100]]
    assert article_blocks(arts, 10**9) == [arts]
    assert article_blocks([], 1_000) == []
    with pytest.raises(ValueError, match="max_chars"):
        article_blocks(arts, 0)
    assert BLOCK_CHARS >= 100_000  # a block is worth a preparer's start-up (the comment at BLOCK_CHARS)


def test_a_build_in_blocks_writes_the_same_index_as_one_block(tmp_path, bundled_articles, cmrc_slice, fake_encoder,
                                                              monkeypatch, assert_same_index):
    articles = [*bundled_articles, *cmrc_slice]
    write_index(tmp_path / "one", encoder=fake_encoder, add=articles, replace=True)
    seen: list[tuple[str, int, int]] = []
    monkeypatch.setattr(qa.build, "BLOCK_CHARS", 1_500)
    assert len(article_blocks(articles, 1_500)) >= 8
    change = write_index(tmp_path / "blocks", encoder=fake_encoder, add=articles, replace=True,
                         progress=lambda *a: seen.append(a))
    assert change.added == tuple(a.id for a in articles)
    assert_same_index(tmp_path / "one", tmp_path / "blocks", atol=0)
    assert _files(tmp_path / "one") == _files(tmp_path / "blocks")  # FAISS and BM25 files byte for byte
    m = read_manifest(tmp_path / "blocks")
    assert (change.chunks_added, change.sentences_added) == (m.chunks, m.sentences)
    # one progress run over the blocks: counts only grow, and reach the total only at the end
    embedding = [(done, total) for stage, done, total in seen if stage == "embedding"]
    assert embedding[-1] == (m.sentences, m.sentences)
    assert all(d < t for d, t in embedding[:-1])
    assert [d for d, _ in embedding] == sorted(d for d, _ in embedding)


def test_block_progress_counts_articles_across_blocks():
    seen = []
    arts = [Article.make("字" * 100, title=str(i)) for i in range(5)]
    tell = BlockProgress(lambda *a: seen.append(a), articles=5, chars=500)
    first = tell.block(arts[:3])
    first("preparing", 0, 3)
    first("preparing", 3, 3)
    first("embedding", 30, 30)
    second = tell.block(arts[3:])
    second("preparing", 2, 2)
    second("embedding", 10, 20)
    second("embedding", 20, 20)
    assert seen == [("preparing", 0, 5), ("preparing", 3, 5), ("embedding", 30, 50),
                    ("preparing", 5, 5), ("embedding", 40, 50), ("embedding", 50, 50)]


def test_convert_to_flat16_keeps_everything_but_the_vector_files(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles, vector_index=VectorIndexKind.FLAT)
    before = read_manifest(root)
    reader = IndexStore.open(root)  # a reader holding the flat generation
    scores, rows = _neighbours(root, fake_encoder)

    c = convert_vectors(root, VectorIndexKind.FLAT16)

    after = read_manifest(root)
    assert (c.before, c.after, c.generation) == ("flat", "flat16", after.generation) != before.generation
    assert c.vectors == before.sentences + before.chunks and c.bytes_after < 0.6 * c.bytes_before
    assert after.vector_index == "flat16"
    assert (after.articles, after.chunks, after.sentences, after.created_at) == (
        before.articles, before.chunks, before.sentences, before.created_at)
    # only the two FAISS files differ from the previous generation
    changed = {name for name, f in after.files.items() if before.files[name] != f}
    assert changed == {"vectors.faiss", "chunks.faiss"} and after.files.keys() == before.files.keys()
    half_scores, half_rows = _neighbours(root, fake_encoder)
    assert (half_rows == rows).all()
    np.testing.assert_allclose(half_scores, scores, atol=2e-3)
    assert reader.article(bundled_articles[0].id).id == bundled_articles[0].id  # the old reader still reads
    # later changes keep the new kind
    write_index(root, encoder=fake_encoder, remove=[bundled_articles[0].id])
    assert read_manifest(root).vector_index == "flat16"


def test_convert_to_the_same_kind_changes_nothing(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])  # the default kind: ivf16
    before = read_manifest(root)
    assert before.vector_index == "ivf16"
    c = convert_vectors(root, VectorIndexKind.IVF16)
    assert c.vectors == 0 and read_manifest(root) == before


def test_convert_back_to_flat_and_to_hnsw_finds_the_same_neighbours(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles, vector_index=VectorIndexKind.FLAT)
    _, rows = _neighbours(root, fake_encoder)
    for kind in (VectorIndexKind.FLAT16, VectorIndexKind.FLAT, VectorIndexKind.HNSW):
        convert_vectors(root, kind)
        assert read_manifest(root).vector_index == str(kind)
        assert (_neighbours(root, fake_encoder)[1] == rows).all()


def test_convert_refuses_a_damaged_index_and_changes_nothing(tmp_path, bundled_articles, fake_encoder):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1], vector_index=VectorIndexKind.FLAT)
    before = read_manifest(root)
    vectors = root / before.generation / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:-8])
    with pytest.raises(IndexCorruptError, match="vectors.faiss"):
        convert_vectors(root, VectorIndexKind.FLAT16)
    assert read_manifest(root) == before and sorted(p.name for p in root.glob("gen-*")) == [before.generation]


def test_cli_convert(tmp_path, bundled_articles, fake_encoder, capsys):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1], vector_index=VectorIndexKind.FLAT)
    assert main(["index", "convert", "--vector-index", "flat16", "--index-dir", str(root)]) == 0
    assert "flat -> flat16" in capsys.readouterr().out
    assert main(["index", "convert", "--vector-index", "flat16", "--index-dir", str(root)]) == 0
    assert "already stored as flat16; nothing changed" in capsys.readouterr().out


def test_cli_info_says_when_the_index_keeps_another_kind(tmp_path, bundled_articles, fake_encoder, capsys):
    root = tmp_path / "index"
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1], vector_index=VectorIndexKind.FLAT)
    assert main(["index", "info", "--index-dir", str(root)]) == 0
    assert "qa index convert --vector-index ivf16" in capsys.readouterr().out  # the default kind is ivf16
    convert_vectors(root, VectorIndexKind.IVF16)
    assert main(["index", "info", "--index-dir", str(root)]) == 0
    assert "qa index convert" not in capsys.readouterr().out
    # a flat16 index this small is stored as ivf16 would store it (qa.vectors.IVF_MIN_VECTORS): no note
    convert_vectors(root, VectorIndexKind.FLAT16)
    assert main(["index", "info", "--index-dir", str(root)]) == 0
    assert "qa index convert" not in capsys.readouterr().out
