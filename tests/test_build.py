"""Index building beyond add/remove (those are in test_store.py): storing the vectors as another kind."""

from __future__ import annotations

import numpy as np
import pytest

from qa.build import convert_vectors, write_index
from qa.cli import main
from qa.errors import IndexCorruptError
from qa.manifest import read_manifest
from qa.settings import VectorIndexKind
from qa.store import IndexStore


def _neighbours(root, encoder, k=8):
    q = encoder.encode_queries(["胡昌升在北京会见了谁", "IBM", "金砖创新基地"])
    return IndexStore.open(root).vectors.search(q, k)


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
    write_index(root, encoder=fake_encoder, add=bundled_articles[:1])  # the default kind: flat16
    before = read_manifest(root)
    c = convert_vectors(root, VectorIndexKind.FLAT16)
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
    assert "qa index convert --vector-index flat16" in capsys.readouterr().out  # the default kind is flat16
    convert_vectors(root, VectorIndexKind.FLAT16)
    assert main(["index", "info", "--index-dir", str(root)]) == 0
    assert "qa index convert" not in capsys.readouterr().out
