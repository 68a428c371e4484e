"""HTML for the chat and the sources panel: pure functions of ``qa`` values.

Article text is untrusted (uploads, scraped pages), so every piece of it goes
through ``esc`` before it meets markup; the only tags here are our own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from qa.types import Answer, Citation

_MARKER = re.compile(r"\[(\d{1,3})\]")


def counted(n: int, word: str, *, bold: bool = False) -> str:
    """``1 chunk``, ``2 chunks``, ``0 articles`` (the number in <b> when ``bold``)."""
    num = f"<b>{n}</b>" if bold else str(n)
    return f"{num} {word}" if n == 1 else f"{num} {word}s"


def esc(text: Any) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def source_id(turn: int, n: int) -> str:
    """The element id of source ``n`` of answer ``turn``; ``[n]`` links point here."""
    return f"qa-src-{turn}-{n}"


def local_spans(c: Citation) -> list[tuple[int, int]]:
    """``c.highlights`` (article offsets) as sorted, merged offsets into ``c.text``."""
    size = len(c.text)
    spans = sorted((max(0, s - c.start), min(size, e - c.start)) for s, e in c.highlights)
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def highlighted_passage(c: Citation) -> str:
    """The passage, escaped, with the cited sentences in ``<mark>``."""
    out, pos = [], 0
    for s, e in local_spans(c):
        out.append(esc(c.text[pos:s]))
        out.append(f'<mark class="qa-cited">{esc(c.text[s:e])}</mark>')
        pos = e
    out.append(esc(c.text[pos:]))
    return "".join(out).replace("\n", "<br>")


def answer_html(text: str, turn: int, known: Sequence[int] | None = None, *, short: str | None = None) -> str:
    """An answer (or the part streamed so far) with each ``[n]`` a link to its source.

    Args:
        turn: the answer's number in the session, which makes the link targets unique.
        known: citation numbers that exist; other ``[n]`` stay plain text. ``None``
            (while streaming, before the citations are known) links them all.
        short: the answer's short answer: its line is shown in bold.
    """
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if known is not None and n not in known:
            return m.group(0)
        return f'<a class="qa-cite" href="#{source_id(turn, n)}" title="source {n}">[{n}]</a>'

    lines = [_MARKER.sub(link, esc(line)) for line in text.strip().split("\n")]
    for i, line in enumerate(lines):
        if short and esc(short) in line:  # the short answer's own line: the first that holds it
            lines[i] = f"<strong>{line}</strong>"
            break
    body = "<br>".join(lines)
    # a class, not a data- attribute: the chatbot's sanitizer keeps only plain attributes
    return f'<div class="qa-answer qa-answer-{turn}">{body}</div>'


def answered_by_html(ans: Answer) -> str:
    """Which generator answered, how, and how long it took (under the answer)."""
    fallback = ans.details.get("fallback") or {}
    if fallback:
        how = f"{ans.generator}: the model ({fallback.get('from')}) failed ({fallback.get('kind')}), so these are quotes"
    elif ans.generator == "extractive":
        how = "extractive: quoted from the articles"
    else:
        how = f"{ans.generator}: written by a model, each claim checked against its source"
    ms = ans.timings_ms.get("total")
    took = f" · {ms / 1000:.1f} s" if ms else ""
    return f'<div class="qa-answered-by">{esc(how)}{took}</div>'


def user_html(text: str) -> str:
    return esc(text).replace("\n", "<br>")


def progress_html(message: str) -> str:
    return f'<div class="qa-answer qa-pending">{esc(message)}</div>'


def _meta_line(c: Citation) -> str:
    parts = [p for p in (c.source, c.author, c.date) if p]
    meta = " · ".join(esc(p) for p in parts)
    if c.url and re.match(r"https?://", c.url):
        meta += f' · <a href="{esc(c.url)}" target="_blank" rel="noopener noreferrer">link</a>'
    return meta


def source_card(c: Citation, turn: int) -> str:
    return (
        f'<li class="qa-source" id="{source_id(turn, c.n)}" data-n="{c.n}">'
        f'<div class="qa-source-head"><span class="qa-n">[{c.n}]</span> '
        f'<span class="qa-title">{esc(c.title)}</span></div>'
        f'<div class="qa-meta">{_meta_line(c)}</div>'
        f'<div class="qa-passage">{highlighted_passage(c)}</div></li>'
    )


def turn_sources(turn: int, answer: Answer, *, open_: bool) -> str:
    """The sources block of one answer, as a collapsible section."""
    head = f'<summary><span class="qa-q">Q{turn}</span> {esc(answer.question)}</summary>'
    if answer.citations:
        body = '<ol class="qa-sources">' + "".join(source_card(c, turn) for c in answer.citations) + "</ol>"
    else:
        body = '<p class="qa-none">No sources: the indexed articles do not answer this.</p>'
    return f'<details class="qa-turn" data-turn="{turn}"{" open" if open_ else ""}>{head}{body}</details>'


EMPTY_SOURCES = ('<div class="qa-sources-panel"><p class="qa-none">Sources of each answer appear here; '
                 "click a [n] in an answer to jump to its passage.</p></div>")


def sources_html(answers: Sequence[Answer]) -> str:
    """All answers' sources, newest first; only the newest is expanded."""
    if not answers:
        return EMPTY_SOURCES
    blocks = [turn_sources(i, a, open_=(i == len(answers))) for i, a in reversed(list(enumerate(answers, 1)))]
    return '<div class="qa-sources-panel">' + "".join(blocks) + "</div>"


def status_html(info: Mapping[str, Any], building: str | None = None) -> str:
    """One line on the index: counts and encoder, or why there is none."""
    if building:
        return f'<div class="qa-status qa-building">{esc(building)}</div>'
    status = info.get("status")
    if status in ("unavailable", "damaged"):
        return f'<div class="qa-status qa-error">Index {status}: {esc(info.get("error"))}</div>'
    m = info.get("manifest") or {}
    counts, enc = m.get("counts", {}), m.get("encoder", {})
    if status == "empty" or not counts.get("articles"):
        return ('<div class="qa-status qa-empty">The index is empty: add articles in the '
                "<b>Articles</b> tab, then ask.</div>")
    return (f'<div class="qa-status">Index: {counted(counts.get("articles", 0), "article", bold=True)} · '
            f'{counted(counts.get("chunks", 0), "chunk", bold=True)} · encoder <code>{esc(enc.get("name"))}</code> '
            f'({esc(enc.get("dim"))}-d)</div>')


def notice_html(lines: Sequence[str], *, kind: str = "ok") -> str:
    """A message box (upload and remove results); ``lines`` are plain text."""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    return f'<div class="qa-notice qa-{esc(kind)}"><ul>{items}</ul></div>'
