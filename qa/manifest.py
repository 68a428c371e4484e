"""The index's manifest and generations: what commits a generation (``manifest.json``, a copy in
each generation), the checksums of its files and their checks, the readers' leases, and
``qa index recover`` (the layout: ``qa.store``)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from qa.annotate import ANNOTATION_VERSION
from qa.errors import IndexCorruptError, IndexFormatError, IndexNotFoundError, ManifestLostError, QAError
from qa.lang.segment import TOKENIZER
from qa.lexical import BM25_PARAMS

FORMAT_VERSION = 3
# a generation with deltas says so in its format version: a qa that predates deltas would read
# its base alone (and miss the articles added since), so it refuses the index instead
DELTAS_FORMAT_VERSION = 4
# and one whose deltas removed rows (``qa.tombstones``): a qa that predates them would answer from
# the removed articles
TOMBSTONES_FORMAT_VERSION = 5
READABLE_VERSIONS = (FORMAT_VERSION, DELTAS_FORMAT_VERSION, TOMBSTONES_FORMAT_VERSION)
MANIFEST = "manifest.json"
LEASES = ".leases"


@dataclass(frozen=True)
class Manifest:
    format_version: int
    generation: str
    encoder: str
    dim: int
    chunk_size: int
    chunk_overlap: int
    vector_index: str
    articles: int
    chunks: int
    created_at: str
    updated_at: str
    sentences: int = 0
    tokenizer: str = TOKENIZER
    bm25: dict = field(default_factory=lambda: dict(BM25_PARAMS))
    title_in_passage: bool = True
    annotation_version: int = ANNOTATION_VERSION
    qa_version: str = ""
    files: dict | None = None  # path in the generation -> {"size", "sha256"} (None: written before checksums)
    deltas: tuple[str, ...] = ()  # the generation's delta folders, in row order (none: base only)

    def to_json(self) -> dict:
        d = asdict(self)
        deltas = d.pop("deltas")
        return {
            "format_version": d.pop("format_version"), "generation": d.pop("generation"),
            "encoder": {"name": d.pop("encoder"), "dim": d.pop("dim")},
            "chunking": {"size": d.pop("chunk_size"), "overlap_sentences": d.pop("chunk_overlap"),
                         "title_in_passage": d.pop("title_in_passage")},
            "vector_index": {"kind": d.pop("vector_index"), "metric": "inner_product", "rows": "sentences",
                             "chunk_context": "mean of the chunk's sentence vectors + its title vector"},
            "counts": {"articles": d.pop("articles"), "chunks": d.pop("chunks"), "sentences": d.pop("sentences")},
            "annotations": {"version": d.pop("annotation_version"),
                            "kinds": ["person", "org", "place", "date", "quantity"]},
            **d,
        } | ({"deltas": list(deltas)} if deltas else {})

    @classmethod
    def from_json(cls, d: dict) -> Manifest:
        return cls(
            format_version=d["format_version"], generation=d["generation"],
            encoder=d["encoder"]["name"], dim=d["encoder"]["dim"],
            chunk_size=d["chunking"]["size"], chunk_overlap=d["chunking"]["overlap_sentences"],
            title_in_passage=d["chunking"].get("title_in_passage", True),
            vector_index=d["vector_index"]["kind"], articles=d["counts"]["articles"],
            chunks=d["counts"]["chunks"], sentences=d["counts"].get("sentences", 0),
            created_at=d["created_at"], updated_at=d["updated_at"],
            tokenizer=d.get("tokenizer", TOKENIZER), bm25=d.get("bm25", {}),
            annotation_version=d.get("annotations", {}).get("version", 0), qa_version=d.get("qa_version", ""),
            files=d.get("files"), deltas=tuple(d.get("deltas", ())),
        )


def generations(root: Path) -> list[str]:
    """The committed-looking generation folders under ``root``, newest first."""
    try:
        names = [p.name for p in Path(root).iterdir() if p.is_dir() and re.fullmatch(r"gen-\d{6,}", p.name)]
    except OSError:
        return []
    return sorted(names, key=lambda n: int(n[4:]), reverse=True)


def read_manifest(root: Path) -> Manifest:
    path = Path(root) / MANIFEST
    if not path.is_file():
        if gens := generations(root):
            raise ManifestLostError(
                f"{root}/{MANIFEST} is missing but {root} holds {len(gens)} generation(s) of an index "
                f"(newest: {gens[0]}); nothing was changed. Restore it: qa index recover --index-dir {root}")
        raise IndexNotFoundError(f"no index at {root} (no {MANIFEST}); build one: qa index build data/ --index-dir {root}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        version = raw.get("format_version")
    except (json.JSONDecodeError, AttributeError, UnicodeDecodeError) as e:
        raise ManifestLostError(f"{path} is not a valid manifest ({e}); restore it from the newest complete "
                               f"generation: qa index recover --index-dir {root}") from None
    if version not in READABLE_VERSIONS:
        raise IndexFormatError(
            f"the index at {root} has format version {version}, this version of qa reads "
            f"{' and '.join(map(str, READABLE_VERSIONS))}; "
            f"rebuild it: qa index build data/ --index-dir {root}")
    return Manifest.from_json(raw)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Lease:
    """A reader's shared lock on one generation, held while its store is in use: a writer
    deletes an old generation only when it can lock it exclusively (``retire``), so a
    question in flight keeps the files it opened however many changes commit meanwhile."""

    def __init__(self, root: Path, generation: str) -> None:
        self._fh = None
        try:
            (root / LEASES).mkdir(exist_ok=True)
            fh = open(root / LEASES / generation, "a+")  # noqa: SIM115 (held for the store's lifetime)
        except OSError:  # a read-only index: nobody can delete its generations either
            return
        fcntl.flock(fh, fcntl.LOCK_SH)
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing drops the lock
            self._fh = None

    def __del__(self) -> None:
        self.release()


def retire(root: Path, generation: str) -> bool:
    """Delete an old generation unless a reader holds it; True when it is gone."""
    root = Path(root)
    lease = root / LEASES / generation
    try:
        fh = open(lease, "a+")  # noqa: SIM115
    except OSError:
        fh = None
    try:
        if fh is not None:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # in use: the next change retires it
        shutil.rmtree(root / generation, ignore_errors=True)
        lease.unlink(missing_ok=True)  # after the folder: a reader that locked the old file finds it gone
        return not (root / generation).exists()
    finally:
        if fh is not None:
            fh.close()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_checksums(folder: Path) -> dict[str, dict]:
    """Size, SHA-256 and modification time of every file of a generation folder (its manifest
    copy aside). The time lets a quick check hash only the files written since (``changed``)."""
    out = {}
    for f in sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.name != MANIFEST):
        digest = _sha256(f)
        st = f.stat()
        out[f.relative_to(folder).as_posix()] = {"size": st.st_size, "sha256": digest, "mtime_ns": st.st_mtime_ns}
    return out


def delta_files(m: Manifest) -> set[str]:
    """The files of ``m``'s generation that its deltas hold (small: compaction bounds them)."""
    return {rel for rel in (m.files or {}) if rel.split("/", 1)[0] in m.deltas}


def check_generation(root: Path, m: Manifest, *, full: bool | Collection[str], changed: bool = False) -> list[str]:
    """What is wrong with the files of ``m``'s generation: missing, another size, or another
    checksum than the manifest records, checked for all files (``full=True``), those named, and
    (``changed``) those modified since their checksum was recorded; [] when sound, or when the
    manifest predates checksums. A file a generation shares with older ones carries the checksum
    recorded when it was written, so a damaged shared file is found in each."""
    if not m.files:
        return []
    d = Path(root) / m.generation
    problems = []
    for rel, want in sorted(m.files.items()):
        f = d / rel
        if not f.is_file():
            problems.append(f"{f} is missing")
        elif f.stat().st_size != want["size"]:
            problems.append(f"{f} has {f.stat().st_size:,} bytes, not {want['size']:,}")
        elif ((full is True or (full and rel in full)
               # (a checksum recorded before the times were is not hashed here: as before, sizes only)
               or (changed and "mtime_ns" in want and f.stat().st_mtime_ns != want["mtime_ns"]))
              and _sha256(f) != want["sha256"]):
            problems.append(f"{f} was altered (its SHA-256 differs)")
    return problems


def corrupt(root: Path, problems: list[str]) -> IndexCorruptError:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return IndexCorruptError(
        f"the index at {root} is damaged: {problems[0]}{more}. Nothing was answered from it. Rebuild its "
        f"vectors and keyword index from the articles it stores (none are lost): qa index repair --index-dir {root}")


def generation_complete(root: Path, generation: str) -> Manifest | None:
    """The manifest copy a generation holds, when the generation is complete: every file its
    checksums name present and unaltered; else None."""
    d = Path(root) / generation
    try:
        m = Manifest.from_json(json.loads((d / MANIFEST).read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if m.generation != generation or m.format_version not in READABLE_VERSIONS:
        return None
    # a generation's manifest copy has always come with the checksums of its files
    return m if m.files and not check_generation(root, m, full=True) else None


def recover_manifest(root: str | Path) -> tuple[Manifest, list[str]]:
    """Restore ``manifest.json`` from the newest complete generation (under the writer lock);
    returns its manifest and the newer generations skipped as incomplete. Nothing is deleted."""
    from qa.build import write_manifest, writer_lock

    root = Path(root)
    with writer_lock(root):
        skipped = []
        for gen in generations(root):
            m = generation_complete(root, gen)
            if m is None:
                skipped.append(gen)
                continue
            write_manifest(root, m)
            return m, skipped
    raise QAError(f"no complete generation to recover in {root} (looked at: {', '.join(skipped) or 'none'}); "
                  f"rebuild: qa index build data/ --index-dir {root}")


def segment_dirs(root: Path, m: Manifest) -> list[Path]:
    """The folders holding ``m``'s rows, in row order: its generation, then its deltas."""
    base = Path(root) / m.generation
    return [base, *(base / d for d in m.deltas)]
