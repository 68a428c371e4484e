"""HTML for the chat and the sources panel: pure functions of ``qa`` values.

Article text is untrusted (uploads, scraped pages), so every piece of it goes
through ``esc`` before it meets markup; the only tags here are our own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from qa.store import ArticleInfo
from qa.text import counted as plural
from qa.types import Answer, Citation

_MARKER = re.compile(r"\[(\d{1,3})\]")


def counted(n: int, word: str, *, bold: bool = False) -> str:
    """``1 chunk``, ``2 chunks``, ``0 articles`` (the number in <b> when ``bold``)."""
    text = plural(n, word)
    return f"<b>{n}</b>{text[len(str(n)):]}" if bold else text


def esc(text: Any) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def source_id(turn: int, n: int) -> str:
    """The element id of source ``n`` of answer ``turn``; ``[n]`` links point here."""
    return f"qa-src-{turn}-{n}"


def answer_id(turn: int) -> str:
    """Where a source's "back to answer" link points (the chat's sanitizer drops ids, so the
    click handler finds the answer by its class ``qa-answer-<turn>``)."""
    return f"qa-answer-{turn}"


class SourceOrder(str, Enum):
    """How an answer's sources are listed."""

    RELEVANCE = "relevance"  # the order the answer cites them: [1], [2], ...
    NEWEST = "newest first"  # by their article's date; undated ones last

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: str | SourceOrder | None) -> SourceOrder:
        if value is None or value == "":
            return cls.RELEVANCE
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown source order {value!r}; use one of {', '.join(m.value for m in cls)}") from None


def ordered(citations: Sequence[Citation], order: SourceOrder | str | None = None) -> list[Citation]:
    """``citations`` in ``order``; by date, the newest first (ISO dates of any precision compare
    as text: 2020-11-17 before 2020-11 before 2020-10-30), ties and undated ones keep their
    relevance order, undated last."""
    cs = list(citations)
    if SourceOrder.parse(order) is SourceOrder.NEWEST:
        cs.sort(key=lambda c: c.date or "", reverse=True)  # stable: ties keep relevance order
    return cs


DATE_SOURCE_NOTE = {"metadata": "from the article's metadata", "file name": "from the file name",
                    "lead": "from the start of the text"}


def date_html(date: str | None, date_source: str | None) -> str:
    """An article's date with where it came from (``2020-11 · file name``), or ``no date``."""
    if not date:
        return '<span class="qa-date qa-undated">no date</span>'
    note = DATE_SOURCE_NOTE.get(date_source or "", "")
    how = f' <span class="qa-date-src">({esc(date_source)})</span>' if date_source else ""
    return f'<span class="qa-date" title="{esc(note or "date")}">{esc(date)}</span>{how}'


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


def answer_html(text: str, turn: int, known: Sequence[int] | None = None, *,
                short: str | Sequence[str] | None = None) -> str:
    """An answer (or the part streamed so far) with each ``[n]`` a link to its source.

    Args:
        turn: the answer's number in the session, which makes the link targets unique.
        known: citation numbers that exist; other ``[n]`` stay plain text. ``None``
            (while streaming, before the citations are known) links them all.
        short: the answer's short answer: its line is shown in bold; or the short answers of a
            question's parts (``qa.decompose``), in order: each one's line after the one before.
    """
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if known is not None and n not in known:
            return m.group(0)
        return f'<a class="qa-cite" href="#{source_id(turn, n)}" title="source {n}">[{n}]</a>'

    lines = [_MARKER.sub(link, esc(line)) for line in text.strip().split("\n")]
    start = 0
    for one in [short] if isinstance(short, str) else (short or ()):
        for i in range(start, len(lines)):
            if one and esc(one) in lines[i]:  # the short answer's own line: the first that holds it
                lines[i] = f"<strong>{lines[i]}</strong>"
                start = i + 1
                break
    body = "<br>".join(lines)
    # a class, not a data- attribute: the chatbot's sanitizer keeps only plain attributes
    return f'<div class="qa-answer {answer_id(turn)}">{body}</div>'


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
    meta = " · ".join([*(esc(p) for p in (c.source, c.author) if p), date_html(c.date, c.date_source)])
    if c.url and re.match(r"https?://", c.url):
        meta += f' · <a href="{esc(c.url)}" target="_blank" rel="noopener noreferrer">link</a>'
    return meta


def source_card(c: Citation, turn: int) -> str:
    return (
        f'<li class="qa-source" id="{source_id(turn, c.n)}" data-n="{c.n}" data-date="{esc(c.date or "")}">'
        f'<div class="qa-source-head"><span class="qa-n">[{c.n}]</span> '
        f'<span class="qa-title">{esc(c.title)}</span></div>'
        f'<div class="qa-meta">{_meta_line(c)}</div>'
        f'<div class="qa-passage">{highlighted_passage(c)}</div>'
        f'<a class="qa-back" href="#{answer_id(turn)}" data-turn="{turn}" data-n="{c.n}">↑ back to answer</a></li>'
    )


def period_html(details: Mapping[str, Any]) -> str:
    """What an answer understood of time (``qa.dating.describe``: the date filter, or the
    period read from the question, its fallback, newest first), or "" when nothing."""
    from qa.dating import describe

    text = describe(details) if isinstance(details, Mapping) else None
    return f'<p class="qa-period">{esc(text[0].upper() + text[1:])}</p>' if text else ""


def turn_sources(turn: int, answer: Answer, *, open_: bool, order: SourceOrder | str | None = None) -> str:
    """The sources block of one answer, as a collapsible section."""
    head = f'<summary><span class="qa-q">Q{turn}</span> {esc(answer.question)}</summary>'
    period = period_html(answer.details)
    if answer.citations:
        cards = "".join(source_card(c, turn) for c in ordered(answer.citations, order))
        body = f'{period}<ol class="qa-sources">{cards}</ol>'
    else:
        body = f'{period}<p class="qa-none">No sources: the indexed articles do not answer this.</p>'
    return f'<details class="qa-turn" data-turn="{turn}"{" open" if open_ else ""}>{head}{body}</details>'


EMPTY_SOURCES = ('<div class="qa-sources-panel"><p class="qa-none">Sources of each answer appear here; '
                 "click a [n] in an answer to jump to its passage.</p></div>")


def sources_html(answers: Sequence[Answer], order: SourceOrder | str | None = None) -> str:
    """All answers' sources, the newest answer first and only it expanded; each answer's
    sources in ``order`` (relevance by default)."""
    if not answers:
        return EMPTY_SOURCES
    blocks = [turn_sources(i, a, open_=(i == len(answers)), order=order)
              for i, a in reversed(list(enumerate(answers, 1)))]
    return '<div class="qa-sources-panel">' + "".join(blocks) + "</div>"


ARTICLE_COLUMNS = ("Title", "Date", "Chunks", "Source", "File", "ID")


def articles_html(articles: Sequence[ArticleInfo], file_names: Sequence[str] | None = None) -> str:
    """The indexed articles as a table: title and date first; on a narrow screen the CSS hides
    the source and file columns, never the id or the date."""
    if not articles:
        return '<p class="qa-none">No articles indexed yet.</p>'
    names = list(file_names) if file_names is not None else [""] * len(articles)
    head = "".join(f'<th class="qa-col-{c.lower()}">{c}</th>' for c in ARTICLE_COLUMNS)
    rows = []
    for a, name in zip(articles, names):
        rows.append(
            f'<tr data-id="{esc(a.id)}"><td class="qa-col-title">{esc(a.title)}</td>'
            f'<td class="qa-col-date">{date_html(a.date, a.date_source)}</td>'
            f'<td class="qa-col-chunks">{a.chunks}</td><td class="qa-col-source">{esc(a.source or "")}</td>'
            f'<td class="qa-col-file">{esc(name)}</td>'
            f'<td class="qa-col-id" title="{esc(a.id)}"><code>{esc(a.id[:8])}</code></td></tr>')
    caption = f'<caption>{counted(len(articles), "article")}</caption>'
    return (f'<div class="qa-table-wrap"><table class="qa-articles">{caption}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


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
