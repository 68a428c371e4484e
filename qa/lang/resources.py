"""Language data files: one place, loaded once.

Every list the package uses to read Chinese (stopwords, surnames, posts, units,
question words, date words) is a UTF-8 text file in ``qa/lang/data/``: lines
starting with ``#`` are comments (the first ones say where the list comes from),
blank lines are skipped, and an entry is a line, or a whitespace-separated row
for a table. Tests in ``tests/lang/test_resources.py`` check each file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def _lines(name: str) -> list[str]:
    path = DATA_DIR / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"language data file {path} is missing (the package is incomplete; reinstall it)")
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@cache
def words(name: str) -> frozenset[str]:
    """Every whitespace-separated entry of ``data/<name>.txt`` as a set."""
    return frozenset(w for line in _lines(name) for w in line.split())


@cache
def ordered(name: str) -> tuple[str, ...]:
    """The entries of ``data/<name>.txt`` in file order (for lists whose order matters)."""
    return tuple(dict.fromkeys(w for line in _lines(name) for w in line.split()))


@cache
def table(name: str, columns: int | None = None) -> tuple[tuple[str, ...], ...]:
    """Rows of ``data/<name>.txt``: the whitespace-separated fields of each line (with
    ``columns``, the last field is the rest of the line, spaces and all)."""
    return tuple(tuple(line.split(None, columns - 1) if columns else line.split()) for line in _lines(name))


@cache
def mapping(name: str) -> dict[str, tuple[str, ...]]:
    """``data/<name>.txt`` as ``first field -> the other fields`` (a row per key)."""
    return {row[0]: tuple(row[1:]) for row in table(name)}


def sources() -> dict[str, str]:
    """Each data file's first comment line: where the list comes from."""
    out = {}
    for path in sorted(DATA_DIR.glob("*.txt")):
        first = next((x for x in path.read_text("utf-8").splitlines() if x.startswith("#")), "")
        out[path.stem] = first.lstrip("# ").strip()
    return out
