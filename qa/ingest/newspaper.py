"""Newspaper-page text: reflow column lines into paragraphs, split a page into articles,
and pull the metadata the text itself carries (reporter, byline, quoted source, title)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import lru_cache

from qa.text import CJK_OR_PUNCT, normalize_line

ARTICLE_MARKER = "本报讯"
_TERMINAL = "。！？!?…"
_CLOSERS = "”’」』）)】》\"'"
_ENDS_PARAGRAPH = re.compile(rf"[{_TERMINAL}][{re.escape(_CLOSERS)}]*$|[{_TERMINAL}]\s*[（(][^（）()]{{1,24}}[）)]$"
                             # an English sentence end; not "13." (a number goes on) nor "Mr."
                             rf"|(?<!\.[a-z])(?<!\b[a-z])(?<!\b(?:Mr|Ms|Dr|No|St|vs))(?<!Mrs)(?<=[a-z])\.[{re.escape(_CLOSERS)}]*$")
_REPORTER = re.compile(r"^[（(]\s*((?:(?:本报)?(?:记者|通讯员|实习生)?\s*[^（）()，,。]{2,10}?\s*[、,，\s]*){1,6})\s*[）)]")
# "电" ends a source only as its own word: 据新华社北京11月17日电， but not 据悉国家电网
_SOURCE = re.compile(r"^据\s*([^，,。]{2,16}?)(?:报道|消息|电(?=[，,：:\s]|$))[，,：:]?")
_BYLINE = re.compile(r"[（(]\s*([^（）()]{2,24}?)\s*[）)]\s*$")
_LEAD_DATE = re.compile(r"^(?:\d{4}年)?\d{1,2}月\d{1,2}日?(?:[-—至到]\d{1,2}日)?(?:\d{1,2}时)?(?:上午|下午|晚上?|凌晨|中午)?[，,]?")
_ROLE_WORDS = re.compile(r"本报|记者|通讯员|实习生|摄影|编辑")
_WORD_CHAR = re.compile(r"[A-Za-z0-9.,%'-]")
_DATE_IN_NAME = re.compile(r"(?<!\d)(19\d\d|20\d\d)[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(0[1-9]|[12]\d|3[01]))?(?!\d)")


@dataclass(frozen=True)
class ArticleText:
    """An article cut from a page, before it gets an id."""

    text: str
    title: str | None = None
    source: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None


def ends_paragraph(line: str) -> bool:
    return bool(_ENDS_PARAGRAPH.search(line))


def is_hard_wrapped(lines: list[str]) -> bool:
    """True when most lines stop mid-sentence, as in text extracted from print columns."""
    lines = [x for x in lines if x.strip()]
    if len(lines) < 4:
        return False
    open_ended = sum(not ends_paragraph(x) for x in lines)
    # English prose wrapped at 72-80 columns counts too; one paragraph a line is longer
    return open_ended / len(lines) > 0.5 and statistics.median(map(len, lines)) < 100


def _joiner(left: str, right: str) -> str:
    a, b = left[-1:], right[:1]
    if re.search(r"\d[.,]?$", left) and b.isdigit():
        # a number broken across lines is one number when it sits in Chinese text
        head = re.sub(r"[\d.,]+$", "", left)[-1:]
        return "" if not head or re.match(CJK_OR_PUNCT, head) else " "
    # English words broken at a line end, also after a comma or a full stop
    if b.isascii() and (b.isalnum() or b in "(\"'") and a.isascii() and (a.isalnum() or a in ".,;:!?)\"'%"):
        return " "
    return ""


def reflow(lines: list[str]) -> list[str]:
    """Join normalised column lines into paragraphs; blank lines carry no meaning here."""
    paragraphs: list[str] = []
    current = ""
    for line in (x for x in lines if x):
        if current and current.endswith("-") and line[:1].isalpha() and current[-2:-1].isalpha():
            current += line  # keep the hyphen of a hyphenated English compound
        else:
            current = current + _joiner(current, line) + line if current else line
        if ends_paragraph(current):
            paragraphs.append(normalize_line(current))
            current = ""
    if current:
        paragraphs.append(normalize_line(current))
    return paragraphs


def _split_marker_lines(lines: list[str]) -> list[str]:
    """Put every 本报讯 that follows a finished sentence at the start of its own line."""
    out: list[str] = []
    pat = re.compile(rf"(?<=[{_TERMINAL}{re.escape(_CLOSERS)}])\s*(?={ARTICLE_MARKER})")
    for line in lines:
        out.extend(p for p in pat.split(line) if p)
    return out


def split_page(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """Cut normalised page lines into ``(headline, lines)`` per article.

    An article starts at a line beginning with 本报讯. Short unfinished lines just
    before it (after the previous article's last sentence) are its headline.
    Without any marker the whole page is one article.
    """
    lines = _split_marker_lines([x for x in lines if x])
    starts = [i for i, x in enumerate(lines) if x.lstrip("【[ ").startswith(ARTICLE_MARKER)]
    if not starts:
        return [(None, lines)] if lines else []
    bounds = starts + [len(lines)]
    segments: list[tuple[str | None, list[str]]] = []
    preamble = lines[: starts[0]]
    headline = _headline(preamble)
    if preamble and headline is None:
        segments.append((None, preamble))
    for i, (s, e) in enumerate(zip(bounds, bounds[1:])):
        body = lines[s:e]
        next_headline = None
        if i + 1 < len(starts):
            # trailing unfinished lines of this segment may be the next article's headline
            k = len(body)
            while k > 1 and not ends_paragraph(body[k - 1]):
                k -= 1
            tail = body[k:]
            if tail and k > 0 and ends_paragraph(body[k - 1]):
                next_headline = _headline(tail)
                if next_headline is not None:
                    body = body[:k]
        segments.append((headline, body))
        headline = next_headline
    return segments


def _headline(lines: list[str]) -> str | None:
    text = "".join(lines).strip()
    if not text or len(text) > 40 or ends_paragraph(text):
        return None
    return text


def parse_article(lines: list[str], *, headline: str | None = None, reflowed: bool = True) -> ArticleText | None:
    """Turn an article's lines into clean text plus the metadata its text carries."""
    paragraphs = reflow(lines) if reflowed else [normalize_line(x) for x in lines if x.strip()]
    if not paragraphs:
        return None
    first = paragraphs[0]
    authors: list[str] = []
    source = None
    if first.lstrip("【[ ").startswith(ARTICLE_MARKER):
        first = first.lstrip("【[ ")[len(ARTICLE_MARKER):].lstrip("】] ：:")
        m = _REPORTER.match(first)
        if m:
            authors += _names(m.group(1))
            first = first[m.end():].lstrip()
    m = _SOURCE.match(first)
    if m:
        source = m.group(1).strip()
    paragraphs[0] = first
    last = paragraphs[-1]
    m = _BYLINE.search(last)
    if m and (m.start() == 0 or last[: m.start()].rstrip()[-1:] in _TERMINAL + _CLOSERS):
        names = _names(m.group(1))
        if names:
            authors += [n for n in names if n not in authors]
            last = last[: m.start()].rstrip()
            paragraphs[-1] = last
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return None
    text = "\n".join(paragraphs)
    return ArticleText(text=text, title=headline or make_title(text),
                       source=source, author="、".join(authors) or None)


def _names(group: str) -> list[str]:
    """Person names inside a byline: drop role words, split on separators.
    A Chinese name has 2-4 characters; a longer one only with a ·, as in 迪丽热巴·迪力木拉提
    (a closing note such as （图片由主办方提供） is no byline)."""
    parts = re.split(r"[、,，\s/]+", _ROLE_WORDS.sub(" ", group))
    return [p for p in parts if 2 <= len(p) <= (16 if "·" in p or p.isascii() else 4)
            and not any(c.isdigit() for c in p)]


TITLE_CHARS = 36  # a title from the lead is at most this long
TITLE_MIN_CHARS = 8  # a shorter run of whole clauses is no title: cut the lead instead
# when no whole clauses fit TITLE_CHARS, the first ones that say something whole are the title up
# to this length (a long first clause); only a longer one is cut between words, with an ellipsis
TITLE_MAX_CHARS = 64
_CLAUSE_END = re.compile(r"[，；：,;]")


def _lead(text: str) -> str:
    """An article's first sentence without the source and date preamble (据厦门日报报道，11月17日，)."""
    lead = re.split(rf"(?<=[{_TERMINAL}])", text.split("\n", 1)[0], maxsplit=1)[0]
    lead = _SOURCE.sub("", lead.strip(), count=1)
    lead = _LEAD_DATE.sub("", lead, count=1)
    lead = re.split(r"—{2,}|——|\s-{2,}\s", lead)[0] or lead
    return lead.strip(f" {_TERMINAL}，,；;：:")


def _short_or_quoted(lead: str, limit: int) -> str | None:
    if len(lead) <= limit:
        return lead
    quoted = lead.find("“")
    if quoted > 0 and 8 <= len(lead) - quoted <= limit:
        return lead[quoted:]  # "由……主办的“某某论坛”在厦门举办" reads best from the name on
    return None


def make_title(text: str, *, limit: int = TITLE_CHARS) -> str:
    """A readable title from an article's lead: its first sentence without the source and
    date preamble, cut at a clause boundary. A clause that leaves its sense open (…时宣布，)
    does not end a title; when the lead opens with one, the title is what it introduces."""
    lead = _lead(text)
    if (short := _short_or_quoted(lead, limit)) is not None:
        return short
    clauses = _clauses(lead)
    # "X时宣布，Y": Y is the news, when the lead opens with a clause that leaves its sense open
    tries = [clauses]
    if clauses and _leaves_open(clauses[0][1]):
        tries.append([(s[len(clauses[0][0]):], c) for s, c in clauses[1:]])
    # the longest whole clauses that fit ``limit``; else the shortest up to TITLE_MAX_CHARS
    title = next((t for cs in tries if (t := _whole_clauses(cs, limit)) is not None), None)
    if title is None:
        title = next((t for cs in reversed(tries) if (t := _whole_clauses(cs, TITLE_MAX_CHARS, shortest=True))
                      is not None), None)
    return title if title is not None else _cut_at_word(lead, limit)


def _clauses(lead: str) -> list[tuple[str, str]]:
    """``(the lead up to and including this clause, this clause)`` for each clause of ``lead``."""
    out, start = [], 0
    for m in [*_CLAUSE_END.finditer(lead), None]:
        end = m.start() if m else len(lead)
        if lead[start:end].strip():
            out.append((lead[:end], lead[start:end].strip()))
        start = m.end() if m else end
    return out


def _leaves_open(clause: str) -> bool:
    from qa.lang.resources import words

    return any(clause.endswith(w) for w in words("open_clause_ends"))


def _whole_clauses(clauses: list[tuple[str, str]], limit: int, *, shortest: bool = False) -> str | None:
    """The longest (``shortest``: the shortest) run of whole clauses from the first that fits
    ``limit``, is at least TITLE_MIN_CHARS long and does not end on a clause that leaves its
    sense open; None when there is none."""
    for upto, clause in (clauses if shortest else reversed(clauses)):
        upto = upto.strip(" ，,；;：:")
        if TITLE_MIN_CHARS <= len(upto) <= limit and not _leaves_open(clause):
            return upto
    return None


def _cut_at_word(lead: str, limit: int) -> str:
    """``lead`` cut before ``limit`` at a word boundary (jieba's words; an English word or a
    number is one word) and not after a word that joins on (并, 和, 的), with an ellipsis."""
    from qa.lang.resources import table
    from qa.lang.segment import cut

    dangling = {c for edge, *chars in table("function_chars") if edge == "end" for c in chars}
    words: list[str] = []
    for word in cut(lead):
        if sum(map(len, words)) + len(word) > limit - 1:
            break
        words.append(word)
    while words and (words[-1] in dangling or not words[-1].strip()):  # not "…签署协议并…"
        words.pop()
    out = "".join(words)
    if len(out) < TITLE_MIN_CHARS:  # one very long word: cut it
        out = lead[: limit - 1]
    return out.rstrip(" ,.;:，、") + "…"


@lru_cache(maxsize=4096)
def model_title(title: str, text: str) -> str:
    """The title the index embeds and the answer model reads for an article shown as ``title``:
    the title itself, except one made from the lead (``make_title``), which is read as the
    lead's opening cut at the last clause boundary before TITLE_CHARS (or mid-phrase). That is
    the title indexes were built with before titles stopped ending mid-phrase: the answer model
    was fitted with it, and a display title's change of words must not move answers (measured:
    embedding the new BRICS title turned "who did Hu Changsheng meet in Beijing?" from 陈肇雄
    to 黄强; README, "The chat app")."""
    lead = _lead(text)
    # lead-made: today's make_title, or the word cut it made before whole first clauses of up to
    # TITLE_MAX_CHARS became titles (an index built then stores that one)
    if not title or (title != make_title(text) and title != _cut_at_word(lead, TITLE_CHARS)):
        return title
    if (short := _short_or_quoted(lead, TITLE_CHARS)) is not None:
        return short
    cut = max(lead.rfind(p, 0, TITLE_CHARS) for p in "，；：,;")
    if cut >= 10:
        return lead[:cut]
    cut = TITLE_CHARS - 1
    if _WORD_CHAR.match(lead[cut - 1]) and _WORD_CHAR.match(lead[cut]):
        start = cut  # not inside an English word or a number: back to the start of it
        while start > 0 and _WORD_CHAR.match(lead[start - 1]):
            start -= 1
        if start >= 10:
            cut = start
    return lead[:cut].rstrip(" ,.;:") + "…"


LEAD_DATE_CHARS = 60  # a publication date is read from this start of the text only


def date_from_lead(text: str) -> str | None:
    """``2020-11-17`` when the text starts with a full date ("2020年11月17日，…", "2020-11-17 …"
    within its first LEAD_DATE_CHARS characters): the day it reports from. A date without a year
    or deeper in the text is an event date, not the article's."""
    from qa.lang.dates import find_dates

    for d in find_dates(text.split("\n", 1)[0][:LEAD_DATE_CHARS]):
        if not d.relative and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.iso):
            return d.iso
    return None


def date_from_name(name: str) -> str | None:
    """``2020-11`` or ``2020-11-19`` when a file name carries a date."""
    m = _DATE_IN_NAME.search(name)
    if not m:
        return None
    return "-".join(g for g in m.groups() if g)
