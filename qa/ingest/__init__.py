"""Ingest: files, folders or raw text in, clean ``Article``s out.

>>> result = ingest_paths(["data/xiamen-news-2020-11.txt"])
>>> len(result.articles), result.skipped
(4, [])
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import IngestError
from qa.ingest.newspaper import ArticleText, date_from_lead, date_from_name
from qa.ingest.readers import READERS, page_articles
from qa.limits import MAX_ARTICLE_CHARS, indexing_time
from qa.types import Article, DateSource

log = logging.getLogger(__name__)
SUPPORTED_SUFFIXES = tuple(sorted(READERS))


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class IngestResult:
    """Articles read (deduplicated by id) and the files that were skipped, with why."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def dated(given: str | None, text: str, path: Path | None = None) -> tuple[str | None, DateSource | None]:
    """An article's date and where it came from: the source's metadata, else the file name,
    else the text's lead; ``(None, None)`` when none gives one."""
    for date, source in ((given, DateSource.METADATA),
                         (date_from_name(path.name) if path else None, DateSource.FILE_NAME)):
        if date:
            return date, source
    date = date_from_lead(text)
    return (date, DateSource.LEAD) if date else (None, None)


def _to_article(a: ArticleText, path: Path | None) -> Article:
    date, source = dated(a.date, a.text, path)
    return Article.make(a.text, title=a.title or a.text[:30], source=a.source,
                        author=a.author, date=date, date_source=str(source) if source else None, url=a.url,
                        path=str(path) if path else None)


def ingest_text(text: str, *, title: str | None = None, source: str | None = None,
                author: str | None = None, date: str | None = None, url: str | None = None) -> list[Article]:
    """Articles of one raw text (a page is split on 本报讯); given metadata wins over found."""
    out = []
    for a in page_articles(text):
        found, how = dated(date or a.date, a.text)
        out.append(Article.make(a.text, title=title or a.title or a.text[:30], source=source or a.source,
                                author=author or a.author, date=found, date_source=str(how) if how else None,
                                url=url or a.url))
    return out


def _walk(root: Path, skipped: list[Skipped]) -> list[Path]:
    """The supported files under ``root`` at any depth (iteratively: no recursion limit),
    hidden entries left out; a link is followed only when it points inside ``root``."""
    real_root = root.resolve()
    found: list[Path] = []
    top = root.stat()
    stack, seen = [root], {(top.st_dev, top.st_ino)}  # folders walked: a link back up would loop
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            skipped.append(Skipped(str(folder), f"{folder}: cannot read the folder ({e.strerror or e})"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    target = path.resolve()
                    if not target.is_relative_to(real_root):
                        skipped.append(Skipped(str(path), f"{path}: a link out of {root}, not followed"))
                        continue
                    st = target.stat()
                    is_dir, key = target.is_dir(), (st.st_dev, st.st_ino)
                else:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    key = (entry.stat(follow_symlinks=False).st_dev, entry.inode()) if is_dir else None
                if is_dir:
                    if key not in seen:
                        seen.add(key)
                        stack.append(path)
                elif path.suffix.lower() in READERS and (entry.is_symlink() or entry.is_file(follow_symlinks=False)):
                    found.append(path)
            except OSError as e:  # a dangling link, a permission problem
                skipped.append(Skipped(str(path), f"{path}: cannot read ({e.strerror or e})"))
    return sorted(found)


def iter_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand files and folders (at any depth) into supported files, in a stable order."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = _walk(p, skipped)
            if not found:
                skipped.append(Skipped(str(p), f"folder holds no {', '.join(SUPPORTED_SUFFIXES)} file"))
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() in READERS:
                files.append(p)
            else:
                skipped.append(Skipped(str(p), f"unsupported file type {p.suffix or '(none)'!r}; "
                                               f"supported: {', '.join(SUPPORTED_SUFFIXES)}"))
        else:
            skipped.append(Skipped(str(p), "no such file or folder"))
    # a file named twice (itself and inside a named folder) is read once
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return unique, skipped


def ingest_paths(paths: Iterable[str | Path] | str | Path, *,
                 max_article_chars: int = MAX_ARTICLE_CHARS) -> IngestResult:
    """Read every supported file under ``paths``; a file that fails, and an article longer
    than ``max_article_chars``, is reported and skipped."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files, skipped = iter_files(paths)
    result = IngestResult(skipped=skipped)
    seen: set[str] = set()
    for f in files:
        problems: list[str] = []
        try:
            arts = READERS[f.suffix.lower()](f, problems)
        except IngestError as e:
            result.skipped.append(Skipped(str(f), str(e)))
            log.warning("skipped %s", e)
            continue
        except OSError as e:
            result.skipped.append(Skipped(str(f), f"{f}: cannot read ({e.strerror or e})"))
            continue
        for problem in problems:  # parts of the file left out (a bad JSONL line); the rest is read
            where, _, why = problem.partition(": ")
            at = f"{f}:{where.removeprefix('line ')}"
            result.skipped.append(Skipped(at, f"{at}: {why}"))
        if not arts:
            result.skipped.append(Skipped(str(f), f"{f}: holds no article text"))
            continue
        result.files.append(str(f))
        for a in arts:
            art = _to_article(a, f)
            if len(art.text) > max_article_chars:
                result.skipped.append(Skipped(str(f), (
                    f"{f}: the article «{art.title[:30]}» is {len(art.text):,} characters, over the limit of "
                    f"{max_article_chars:,} (QA_MAX_ARTICLE_CHARS); indexing it would take {indexing_time(len(art.text))}. "
                    "Split it into articles, or raise the limit")))
                continue
            if art.id not in seen:
                seen.add(art.id)
                result.articles.append(art)
    return result


__all__ = ["IngestResult", "Skipped", "ingest_paths", "ingest_text", "iter_files", "SUPPORTED_SUFFIXES"]
