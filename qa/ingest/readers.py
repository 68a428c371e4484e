"""File readers: each turns one file into a list of ArticleText (or raises IngestError).

A reader that can keep part of a file (JSONL: one article per line) appends what it left
out to ``problems`` ("line 7: not valid JSON ...") instead of dropping the whole file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from qa.errors import IngestError
from qa.ingest.encoding import decode_bytes
from qa.ingest.markdown import markdown_text
from qa.ingest.newspaper import ArticleText, is_hard_wrapped, make_title, parse_article, split_page
from qa.text import normalize_text

JSONL_FIELDS = ("title", "date", "source", "author", "url")


def page_articles(text: str) -> list[ArticleText]:
    """Articles of a plain-text page: reflowed when hard-wrapped, split on 本报讯."""
    lines = normalize_text(text).split("\n")
    wrapped = is_hard_wrapped(lines)
    out = []
    for headline, body in split_page(lines):
        art = parse_article(body, headline=headline, reflowed=wrapped)
        if art is not None:
            out.append(art)
    return out


def read_txt(path: Path, problems: list[str] | None = None) -> list[ArticleText]:
    text, _ = decode_bytes(path.read_bytes(), name=str(path))
    return page_articles(text)


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def read_md(path: Path, problems: list[str] | None = None) -> list[ArticleText]:
    text, _ = decode_bytes(path.read_bytes(), name=str(path))
    meta: dict[str, str] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        for line in m.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() in JSONL_FIELDS:
                meta[key.strip()] = value.strip().strip("\"'")
        text = text[m.end():]
    text, heading = markdown_text(text)
    if heading and "title" not in meta:
        meta["title"] = heading
    arts = page_articles(text)
    if len(arts) != 1:
        meta.pop("title", None)  # one heading does not name several articles
    return [_with_meta(a, meta) for a in arts]


def read_jsonl(path: Path, problems: list[str] | None = None) -> list[ArticleText]:
    """One article per line: ``text`` required; title, date, source, author, url optional.
    A bad line is left out and named in ``problems``; a file with no good line raises."""
    text, _ = decode_bytes(path.read_bytes(), name=str(path))
    out: list[ArticleText] = []
    bad: list[tuple[int, str]] = []  # (line number, what is wrong)
    # only \n ends a record: str.splitlines() would also split inside a JSON string
    # that holds U+2028 or U+0085, which JSON allows unescaped
    for no, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            bad.append((no, f"not valid JSON ({e.msg})"))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj["text"].strip():
            bad.append((no, "each line needs a non-empty string field 'text'"))
            continue
        body = normalize_text(obj["text"])
        lines = body.split("\n")
        art = parse_article(lines, reflowed=is_hard_wrapped(lines))
        if art is None:
            continue
        meta = {k: str(obj[k]).strip() for k in JSONL_FIELDS if obj.get(k) not in (None, "")}
        out.append(_with_meta(art, meta))
    if bad and not out:
        more = f" (and {len(bad) - 1} more bad line(s))" if len(bad) > 1 else ""
        raise IngestError(f"{path}:{bad[0][0]}: {bad[0][1]}{more}")
    if problems is not None:
        problems.extend(f"line {no}: {why}" for no, why in bad)
    return out


class _HTMLText(HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "nav", "footer", "header", "aside", "form", "svg"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
              "tr", "blockquote", "pre", "figcaption", "dd", "dt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.meta: dict[str, str] = {}
        self._skip = 0
        self._pre = 0
        self._in: str | None = None
        self.h1 = ""
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "pre":
            self._pre += 1
        if (tag == "title" and not self._skip) or (tag == "h1" and not self.h1.strip()):
            self._in = tag  # the first <h1> is the title; a later one is body text
        if tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            mapping = {"og:title": "title", "author": "author", "article:author": "author",
                       "og:site_name": "source", "article:published_time": "date", "date": "date",
                       "og:url": "url"}
            if key in mapping and a.get("content"):
                self.meta.setdefault(mapping[key], a["content"].strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "pre" and self._pre:
            self._pre -= 1
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if not self._pre:
            data = re.sub(r"\s+", " ", data)  # a line break in the source is a space in HTML
        if self._in == "title":
            self.title += data
            return
        if self._skip:
            return
        if self._in == "h1":
            self.h1 += data
            return  # the headline is the title, not body text
        self.parts.append(data)


def read_html(path: Path, problems: list[str] | None = None) -> list[ArticleText]:
    text, _ = decode_bytes(path.read_bytes(), name=str(path))
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    body = re.sub(r"[ \t]*\n[ \t\n]*", "\n", "".join(parser.parts))
    meta = dict(parser.meta)
    meta.setdefault("title", (parser.h1 or parser.title).strip())
    if meta.get("date"):
        meta["date"] = meta["date"][:10]
    arts = page_articles(body)
    if len(arts) != 1:
        meta.pop("title", None)  # a page title does not name each of several articles
    return [_with_meta(a, meta) for a in arts]


def read_pdf(path: Path, problems: list[str] | None = None) -> list[ArticleText]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as e:  # pragma: no cover - pypdf is a core dependency
        raise ImportError("reading PDF needs pypdf: pip install pypdf") from e
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise IngestError(f"{path}: the PDF is encrypted; decrypt it first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except Exception as e:  # noqa: BLE001 - pypdf raises many kinds of errors on a damaged file
        kind = "" if isinstance(e, (PdfReadError, ValueError, KeyError, OSError)) else f"{type(e).__name__}: "
        raise IngestError(f"{path}: not a readable PDF ({kind}{e})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise IngestError(f"{path}: the PDF has no text layer (a scan?); run OCR on it first")
    return page_articles(text)


def _with_meta(a: ArticleText, meta: dict[str, Any]) -> ArticleText:
    title = meta.get("title") or a.title or make_title(a.text)
    return ArticleText(text=a.text, title=title, source=meta.get("source") or a.source,
                       author=meta.get("author") or a.author, date=meta.get("date") or a.date,
                       url=meta.get("url") or a.url)


READERS: dict[str, Callable[[Path, list[str] | None], list[ArticleText]]] = {
    ".txt": read_txt, ".text": read_txt, ".md": read_md, ".markdown": read_md,
    ".jsonl": read_jsonl, ".html": read_html, ".htm": read_html, ".pdf": read_pdf,
}
