"""An encoder wrapper that remembers every vector it computed (in SQLite), so that the
training corpora — which share most of their sentences — embed each sentence once."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class CachingEncoder:
    def __init__(self, encoder, path: Path) -> None:
        self.encoder = encoder
        self.name = encoder.name
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS v (k BLOB PRIMARY KEY, x BLOB NOT NULL)")
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def _key(self, kind: str, text: str) -> bytes:
        return hashlib.sha1(f"{self.name}\x1f{kind}\x1f{text}".encode()).digest()

    def encode(self, texts: Sequence[str], *, kind: str, show_progress: bool = False) -> np.ndarray:
        keys = [self._key(kind, t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                q = f"SELECT k, x FROM v WHERE k IN ({','.join('?' * len(part))})"
                for k, x in self._db.execute(q, part):
                    found[k] = np.frombuffer(x, dtype=np.float32)
        todo = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        if todo:
            vecs = self.encoder.encode([texts[i] for i in todo], kind=kind)
            with self._lock:
                self._db.executemany("INSERT OR REPLACE INTO v VALUES (?, ?)",
                                     [(keys[i], np.asarray(v, np.float32).tobytes()) for i, v in zip(todo, vecs)])
                self._db.commit()
            for i, v in zip(todo, vecs):
                found[keys[i]] = np.asarray(v, np.float32)
        if not keys:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([found[k] for k in keys])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts, kind="query")

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self.encode(texts, kind="passage")
