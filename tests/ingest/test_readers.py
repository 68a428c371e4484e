"""File readers (.txt, .md, .jsonl, .html, .pdf) and how folders and bad files are handled."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from qa.ingest import SUPPORTED_SUFFIXES, ingest_paths, iter_files

LEAD = "11月13日，由致公党中央科技委、致公党福建省委会、福建省政协经济委员会联合主办的“第三届科技创新促进民营经济发展论坛”在厦门举办。"
DONATION = "美亚柏科公司为松溪县、漳平市、武平县以及龙岩新罗区东新致公小学捐赠了价值人民币13.4万元智能测温设备。"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def only(result):
    assert result.skipped == []
    assert len(result.articles) == 1
    return result.articles[0]


# --- .txt ----------------------------------------------------------------------


def test_txt(tmp_path: Path) -> None:
    f = write(tmp_path / "forum-2020-11-13.txt", f"本报讯（记者 林硕）{LEAD}\n{DONATION}\n")
    art = only(ingest_paths(f))
    assert art.text == f"{LEAD}\n{DONATION}"
    assert art.author == "林硕"
    assert art.date == "2020-11-13"
    assert art.path == str(f)
    assert art.title == "“第三届科技创新促进民营经济发展论坛”在厦门举办"


def test_txt_suffix_is_case_insensitive(tmp_path: Path) -> None:
    f = write(tmp_path / "FORUM.TXT", LEAD)
    assert only(ingest_paths([f])).text == LEAD


def test_empty_file_is_skipped(tmp_path: Path) -> None:
    f = write(tmp_path / "empty.txt", "\n \n")
    result = ingest_paths([f])
    assert result.articles == []
    assert [s.path for s in result.skipped] == [str(f)]
    assert "no article text" in result.skipped[0].reason


# --- .md -----------------------------------------------------------------------

MARKDOWN = """---
title: "厦门获评省级历史文化名城"
date: 2020-11-18
source: 厦门日报
author: 黄语晴
url: https://example.com/xm/1
tags: [文化, 名城]
---
# 页面上的大标题

厦门**再获殊荣**，拿下一张[崭新的](https://example.com)文化名片。

- 市资源规划局牵头申报。
- 市文旅局参与申报。

> 专家认为，这是厦门申报的优势条件。

```python
print("不是正文")
```

![配图](photo.png)
提振干事创业精气神，以`申报`为契机。

---
* * *
"""


def test_md_front_matter_and_stripped_syntax(tmp_path: Path) -> None:
    art = only(ingest_paths(write(tmp_path / "a.md", MARKDOWN)))
    assert (art.title, art.date, art.source, art.author, art.url) == (
        "厦门获评省级历史文化名城", "2020-11-18", "厦门日报", "黄语晴", "https://example.com/xm/1")
    assert art.text == ("厦门再获殊荣，拿下一张崭新的文化名片。\n市资源规划局牵头申报。\n市文旅局参与申报。\n"
                        "专家认为，这是厦门申报的优势条件。\n提振干事创业精气神，以申报为契机。")
    for syntax in ("**", "](", "![", "```", "#", "> ", "- ", "---", "不是正文", "页面上的大标题", "tags"):
        assert syntax not in art.text


def test_md_heading_is_the_title(tmp_path: Path) -> None:
    f = write(tmp_path / "b.md", f"# 致公党论坛在厦门举办\n\n本报讯（记者 林硕）{LEAD}\n")
    art = only(ingest_paths(f))
    assert art.title == "致公党论坛在厦门举办"
    assert art.author == "林硕"
    assert art.text == LEAD


def test_md_without_heading_gets_a_title_from_its_lead(tmp_path: Path) -> None:
    art = only(ingest_paths(write(tmp_path / "c.md", DONATION)))
    # its one clause whole: cut at 36 characters it read "…东新致公小学捐赠…" (donated what?)
    assert art.title == "美亚柏科公司为松溪县、漳平市、武平县以及龙岩新罗区东新致公小学捐赠了价值人民币13.4万元智能测温设备"


def test_md_with_several_articles_does_not_give_them_one_title(tmp_path: Path, bundled_text: str) -> None:
    result = ingest_paths(write(tmp_path / "page.md", "# 厦门日报 2020年11月\n\n" + bundled_text))
    assert len(result.articles) == 4
    assert "厦门日报 2020年11月" not in {a.title for a in result.articles}


# --- .jsonl --------------------------------------------------------------------


def test_jsonl_metadata(tmp_path: Path) -> None:
    rows = [
        {"text": "厦门获评省级历史文化名城。市文旅局牵头申报。", "title": "名城", "date": "2020-11-18",
         "source": "厦门日报", "author": "黄语晴", "url": "https://example.com/1", "extra": 1},
        {"text": "本报讯（记者 林硕）" + LEAD, "date": 20201113, "title": ""},
        {"text": "胡昌升带队在北京开展招商引资工作。", "author": None},
    ]
    f = write(tmp_path / "news.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    result = ingest_paths(f)
    assert result.skipped == []
    a, b, c = result.articles
    assert (a.title, a.date, a.source, a.author, a.url) == ("名城", "2020-11-18", "厦门日报", "黄语晴", "https://example.com/1")
    assert a.text == "厦门获评省级历史文化名城。市文旅局牵头申报。"
    # what the text itself carries fills the gaps
    assert (b.author, b.date, b.text) == ("林硕", "20201113", LEAD)
    assert b.title == "“第三届科技创新促进民营经济发展论坛”在厦门举办"
    assert (c.author, c.source, c.url) == (None, None, None)


def test_jsonl_text_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    # json.dumps(ensure_ascii=False) writes U+2028 raw; it is no end of a record
    row = {"text": "厦门获评省级历史文化名城。\u2028市文旅局牵头申报。\x85专家认为这是优势条件。"}
    f = write(tmp_path / "sep.jsonl", json.dumps(row, ensure_ascii=False) + "\r\n")
    art = only(ingest_paths(f))
    assert art.text == "厦门获评省级历史文化名城。\n市文旅局牵头申报。\n专家认为这是优势条件。"


@pytest.mark.parametrize(("bad_line", "why"), [
    ('{"text": "厦门', "not valid JSON"),
    ('{"title": "没有正文"}', "'text'"),
    ('{"text": "   "}', "'text'"),
    ('{"text": 42}', "'text'"),
    ('["厦门"]', "'text'"),
])
def test_jsonl_bad_line_is_skipped_with_its_line_number_and_the_rest_kept(tmp_path: Path, bad_line: str,
                                                                          why: str) -> None:
    good = json.dumps({"text": LEAD}, ensure_ascii=False)
    second = json.dumps({"text": DONATION, "title": "捐赠"}, ensure_ascii=False)
    bad = write(tmp_path / "bad.jsonl", f"{good}\n\n{bad_line}\n{second}\n")
    result = ingest_paths([bad])
    assert [s.path for s in result.skipped] == [f"{bad}:3"]
    reason = result.skipped[0].reason
    assert reason.startswith(f"{bad}:3: ") and why in reason
    assert len(result.articles) == 2 and result.articles[1].title == "捐赠"


def test_jsonl_with_no_good_line_is_skipped_naming_the_first_bad_one(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.jsonl", '{"text": "厦门\n{"title": "x"}\n')
    other = write(tmp_path / "other.txt", DONATION)
    result = ingest_paths([bad, other])
    assert [s.path for s in result.skipped] == [str(bad)]
    assert f"{bad}:1: not valid JSON" in result.skipped[0].reason and "1 more bad line" in result.skipped[0].reason
    assert len(result.articles) == 1
    assert [a.text for a in result.articles] == [DONATION]
    assert result.files == [str(other)]


# --- .html ---------------------------------------------------------------------

HTML = """<!doctype html>
<html><head>
<title>厦门日报 - 厦门获评省级历史文化名城</title>
<meta name="author" content="黄语晴">
<meta property="article:published_time" content="2020-11-18T10:00:00+08:00">
<meta property="og:url" content="https://example.com/xm/2">
<style>p { color: red } .nav { display: none }</style>
<script>var ad = "广告脚本";</script>
</head><body>
<header><a href="/">厦门网首页</a></header>
<nav><a href="/news">新闻</a> | <a href="/culture">文化</a></nav>
<svg><title>分享图标</title></svg>
<article>
<h1>厦门获评<em>省级</em>历史文化名城</h1>
<p>厦门再获殊荣&mdash;&mdash;拿下一张崭新的文化名片。省政府批复同意将厦门市列为&ldquo;省级历史文化名城&rdquo;&#12290;</p>
<p>The forum was held in Xiamen on Monday, and the vice
   president of IBM &amp; guests attended.</p>
<p>市资源规划局、市文旅局牵头各部门&nbsp;推动申报工作取得突破性进展。<br>专家认为这是优势条件。</p>
<pre>表  1
  数据</pre>
</article>
<aside>相关阅读：别的新闻</aside>
<footer>版权所有 厦门日报社</footer>
<script>trackPage();</script>
</body></html>
"""


def test_html(tmp_path: Path) -> None:
    art = only(ingest_paths(write(tmp_path / "page.html", HTML)))
    assert art.title == "厦门获评省级历史文化名城"
    assert (art.author, art.date, art.url) == ("黄语晴", "2020-11-18", "https://example.com/xm/2")
    assert art.text.split("\n")[:4] == [
        "厦门再获殊荣——拿下一张崭新的文化名片。省政府批复同意将厦门市列为“省级历史文化名城”。",
        "The forum was held in Xiamen on Monday, and the vice president of IBM & guests attended.",
        "市资源规划局、市文旅局牵头各部门推动申报工作取得突破性进展。",
        "专家认为这是优势条件。",
    ]
    for dropped in ("广告脚本", "color", "trackPage", "首页", "新闻", "分享图标", "相关阅读", "版权所有", "&"+"mdash;"):
        assert dropped not in art.text


@pytest.mark.parametrize(("head", "body", "title"), [
    ("<title>页面标题</title>", "<h1>正文标题</h1>", "正文标题"),
    ("<title>页面标题</title>", "", "页面标题"),
    ('<title>页面标题</title><meta property="og:title" content="分享标题">', "", "分享标题"),
    # the first <h1> names the article; a second one is body text, not glued onto the title
    ("", "<h1>厦门日报</h1><h1>正文标题</h1>", "厦门日报"),
    ("", "<header><h1>站点名称</h1></header>", "厦门再获殊荣，拿下一张崭新的文化名片"),
])
def test_html_title(tmp_path: Path, head: str, body: str, title: str) -> None:
    html = f"<html><head>{head}</head><body>{body}<p>厦门再获殊荣，拿下一张崭新的文化名片。</p></body></html>"
    art = only(ingest_paths(write(tmp_path / "t.htm", html)))
    assert art.title == title
    assert "站点名称" not in art.text


def test_html_in_gbk(tmp_path: Path) -> None:
    f = write(tmp_path / "gbk.html", HTML.replace("&mdash;", "—"), encoding="gbk")
    assert only(ingest_paths(f)).title == "厦门获评省级历史文化名城"


# --- .pdf ----------------------------------------------------------------------

PDF_LINES = [  # prose wrapped at the page width, as a PDF's text layer gives it
    "The third forum on private enterprise was held in Xiamen on",
    "13 November. Guests from IBM attended the opening ceremony,",
    "and five speakers talked about data-driven innovation and",
    "talent. The organisers donated equipment worth 134,000 yuan",
    "to four schools (No. 5 among them).",
]


def test_pdf_text_layer(tmp_path: Path, make_pdf) -> None:
    f = tmp_path / "forum.pdf"
    f.write_bytes(make_pdf(PDF_LINES))
    art = only(ingest_paths(f))
    assert art.text == ("The third forum on private enterprise was held in Xiamen on 13 November. "
                        "Guests from IBM attended the opening ceremony, and five speakers talked about "
                        "data-driven innovation and talent. The organisers donated equipment worth "
                        "134,000 yuan to four schools (No. 5 among them).")
    assert art.title == "The third forum on private…"  # cut between words


def test_pdf_without_text_is_skipped(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    f = tmp_path / "scan.pdf"
    with f.open("wb") as fh:
        writer.write(fh)
    result = ingest_paths(f)
    assert result.articles == [] and [s.path for s in result.skipped] == [str(f)]
    assert "no text layer" in result.skipped[0].reason and "OCR" in result.skipped[0].reason


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "bad trailer"])
def test_corrupt_pdf_is_skipped(tmp_path: Path, make_pdf, damage: str) -> None:
    good = make_pdf(PDF_LINES)
    data = {
        "garbage": b"%PDF-1.4\nthis is not a PDF at all\n",
        "truncated": good[:200],
        "empty": b"",
        # pypdf raises AttributeError on this one, not one of its own errors
        "bad trailer": good.replace(b"trailer\n<<", b"trailer\n8<"),
    }[damage]
    f = tmp_path / "broken.pdf"
    f.write_bytes(data)
    text = write(tmp_path / "ok.txt", DONATION)
    result = ingest_paths([f, text])
    assert [s.path for s in result.skipped] == [str(f)]
    assert str(f) in result.skipped[0].reason and "not a readable PDF" in result.skipped[0].reason
    assert [a.text for a in result.articles] == [DONATION]


def test_damaged_pdfs_never_raise(tmp_path: Path, make_pdf) -> None:
    good = make_pdf(PDF_LINES)
    rng = random.Random(20201117)
    for n in range(40):
        data = bytearray(good)
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if n % 3 == 0:
            data = data[: rng.randrange(len(data))]
        f = tmp_path / f"fuzz{n}.pdf"
        f.write_bytes(bytes(data))
    result = ingest_paths([tmp_path])
    assert len(result.files) + len(result.skipped) == 40
    assert all("fuzz" in s.reason for s in result.skipped)


# --- files and folders ---------------------------------------------------------


def test_folders_recursively_hidden_and_unsupported_files_ignored(tmp_path: Path, bundled_path: Path, make_pdf) -> None:
    root = tmp_path / "corpus"
    shutil.copy(bundled_path, write(root / "2020" / "11" / "page.txt", "").parent / "page.txt")
    write(root / "a.md", f"# 标题\n\n{DONATION}")
    write(root / "b.jsonl", json.dumps({"text": "胡昌升带队在北京开展招商引资工作。"}, ensure_ascii=False))
    write(root / "c.html", "<p>厦门再获殊荣，拿下一张崭新的文化名片。</p>")
    (root / "d.pdf").write_bytes(make_pdf(PDF_LINES))
    write(root / "notes.docx", "不支持")
    write(root / "README", "没有后缀")
    write(root / ".hidden.txt", "隐藏文件不读。")
    write(root / ".git" / "x.txt", "隐藏目录不读。")
    files, skipped = iter_files([root])
    assert skipped == []
    assert [f.relative_to(root).as_posix() for f in files] == ["2020/11/page.txt", "a.md", "b.jsonl", "c.html", "d.pdf"]
    result = ingest_paths([root])
    assert result.skipped == []
    assert len(result.articles) == 4 + 4
    assert all("隐藏" not in a.text for a in result.articles)


def test_unsupported_missing_and_empty_paths_are_reported(tmp_path: Path) -> None:
    good = write(tmp_path / "ok.txt", DONATION)
    docx = write(tmp_path / "notes.docx", "不支持")
    bare = write(tmp_path / "README", "没有后缀")
    missing = tmp_path / "nowhere.txt"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = ingest_paths([docx, missing, good, bare, empty])
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(reasons) == {"notes.docx", "nowhere.txt", "README", "empty"}
    assert "unsupported file type '.docx'" in reasons["notes.docx"]
    assert all(suffix in reasons["notes.docx"] for suffix in SUPPORTED_SUFFIXES)
    assert "(none)" in reasons["README"]
    assert reasons["nowhere.txt"] == "no such file or folder"
    assert "holds no" in reasons["empty"]
    assert [a.text for a in result.articles] == [DONATION]


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    f = write(tmp_path / "ok.txt", DONATION)
    result = ingest_paths([tmp_path, f, str(f)])
    assert result.files == [str(f)]
    assert len(result.articles) == 1


def test_same_article_in_two_formats_is_stored_once(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", DONATION)
    write(tmp_path / "b.jsonl", json.dumps({"text": DONATION, "source": "厦门日报"}, ensure_ascii=False))
    write(tmp_path / "c.html", f"<html><body><p>{DONATION}</p></body></html>")
    result = ingest_paths([tmp_path])
    assert len(result.files) == 3
    assert [a.path for a in result.articles] == [str(tmp_path / "a.txt")]


# --- limits of the input (issue 10) --------------------------------------------------


def test_a_deep_folder_is_walked_without_recursion(tmp_path: Path) -> None:
    deep = tmp_path / "top"
    deep.mkdir()
    for i in range(1000):  # rglob raised RecursionError here (so does Path.mkdir(parents=True))
        deep = deep / f"d{i % 10}"
        deep.mkdir()
    write(deep / "news.txt", f"本报讯 {LEAD}")
    try:
        result = ingest_paths([tmp_path / "top"])
        assert len(result.articles) == 1 and result.skipped == []
    finally:  # pytest's own clean-up (shutil.rmtree) recurses: take the tree down level by level
        (deep / "news.txt").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


def test_links_out_of_the_folder_are_not_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "secret" / "private.txt", f"本报讯 {DONATION}")
    folder = tmp_path / "news"
    write(folder / "a.txt", f"本报讯 {LEAD}")
    (folder / "private.txt").symlink_to(outside)
    (folder / "elsewhere").symlink_to(outside.parent, target_is_directory=True)
    (folder / "inside.txt").symlink_to(folder / "a.txt")  # inside the folder: followed (and deduplicated)
    (folder / "loop").symlink_to(folder, target_is_directory=True)  # a cycle: walked once
    result = ingest_paths([folder])
    assert [a.text for a in result.articles] == [LEAD]
    assert sorted(Path(s.path).name for s in result.skipped) == ["elsewhere", "private.txt"]
    assert all("a link out of" in s.reason and "not followed" in s.reason for s in result.skipped)


def test_an_article_over_the_size_limit_is_refused_with_its_size_and_an_estimate(tmp_path: Path) -> None:
    from qa.limits import MAX_ARTICLE_CHARS

    big = write(tmp_path / "book.txt", "本报讯 " + (LEAD + "\n") * 40)
    small = write(tmp_path / "small.txt", f"本报讯 {DONATION}")
    result = ingest_paths([big, small], max_article_chars=1000)
    assert [a.text for a in result.articles] == [DONATION]
    (s,) = result.skipped
    assert s.path == str(big) and "over the limit of 1,000 (QA_MAX_ARTICLE_CHARS)" in s.reason
    assert "would take about" in s.reason and "Split it" in s.reason
    assert len(ingest_paths([big]).articles) == 1  # under the default limit
    assert MAX_ARTICLE_CHARS >= 100_000


def test_indexing_time_estimates_read_well() -> None:
    from qa.limits import indexing_time

    assert indexing_time(10) == "about 1 s"
    assert indexing_time(30_000) == "about 30 s"
    assert indexing_time(600_000) == "about 10 min"
    assert indexing_time(19_000_000) == "about 5.3 h"
