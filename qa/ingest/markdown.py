"""Markdown to plain article text, parsed by a real Markdown parser (markdown-it-py, CommonMark
plus tables): link text is kept and URLs dropped (never turned into links), inline and block
HTML are reduced to their text, table rows become lines; images and code blocks are no article
text and are left out (inline code keeps its text). Front matter is read by ``qa.ingest.readers.read_md`` before this."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_ENDS = {"paragraph_close", "heading_close", "list_item_close", "blockquote_close", "tr_close",
               "bullet_list_close", "ordered_list_close", "table_close"}


class _HTMLToText(HTMLParser):
    """Text of an HTML fragment: tags dropped, script and style content dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(fragment: str) -> str:
    p = _HTMLToText()
    p.feed(fragment)
    p.close()
    return "".join(p.parts)


def _parser():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
    md.validateLink = lambda url: True  # nothing is rendered: any link is only its text here
    return md


def markdown_text(source: str) -> tuple[str, str | None]:
    """The text of a Markdown document (headings left out) and its first level-1 heading."""
    tokens = _parser().parse(source)
    out: list[str] = []
    title: str | None = None
    in_heading: str | None = None
    for tok in tokens:
        if tok.type == "heading_open":
            in_heading = tok.tag
            continue
        if tok.type == "heading_close":
            in_heading = None
            continue
        if tok.type == "inline":
            text = _inline(tok.children or [])
            if in_heading is not None:
                if in_heading == "h1" and title is None and text.strip():
                    title = text.strip()
                continue
            out.append(text)
        elif tok.type == "html_block":
            out.append(html_text(tok.content) + "\n\n")
        elif tok.type in ("th_close", "td_close"):
            out.append(" ")
        elif tok.type in _BLOCK_ENDS:
            out.append("\n" if tok.type in ("tr_close", "list_item_close") or tok.hidden else "\n\n")
    text = "\n".join(line.strip() for line in "".join(out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip(), title


_SCRIPT = re.compile(r"<\s*(/?)\s*(script|style)\b", re.I)


def _inline(children) -> str:
    parts = []
    skip = False  # inside an inline <script> or <style>: its content is no text
    for t in children:
        if t.type == "html_inline" and (m := _SCRIPT.match(t.content)):
            skip = not m.group(1)
            continue
        if skip:
            continue
        if t.type in ("text", "code_inline"):
            parts.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif t.type == "html_inline":
            parts.append(html_text(t.content))
        # link_open/link_close, em, strong, s: markup only; their text is in the children
    return "".join(parts)
