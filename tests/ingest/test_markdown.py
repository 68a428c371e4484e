"""Markdown to article text through a real parser (qa.ingest.markdown, issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest import ingest_paths


def only(path: Path):
    result = ingest_paths(path)
    assert result.skipped == [] and len(result.articles) == 1
    return result.articles[0]


@pytest.mark.parametrize(("markdown", "text"), [
    # the link pattern stopped at the first ")": "click)" (issue 11)
    ("本报讯 厦门新开一座图书馆[click](javascript:alert(1))，藏书三十万册。", "本报讯 厦门新开一座图书馆click，藏书三十万册。"),
    ("本报讯 详见[市政府网站](https://example.com/a_(b)_c)的通知。", "本报讯 详见市政府网站的通知。"),
    ("本报讯 命令`rm -rf /`不是链接，[链接](http://x.y)是。", "本报讯 命令rm -rf /不是链接，链接是。"),
    ("本报讯 藏书<b>三十万</b>册<script>alert(1)</script>，<a href='http://x'>详情</a>。", "本报讯 藏书三十万册，详情。"),
    ("本报讯 表格如下。\n\n| 项目 | 数量 |\n|---|---|\n| 藏书 | 30万册 |\n", "本报讯 表格如下。\n\n项目 数量\n藏书 30万册"),
    ("本报讯 文字 http://example.com 不变成链接。", "本报讯 文字 http://example.com 不变成链接。"),
])
def test_md_is_parsed_not_pattern_matched(tmp_path: Path, markdown: str, text: str) -> None:
    from qa.ingest.markdown import markdown_text

    body, _ = markdown_text(markdown)
    assert body == text
    f = tmp_path / "x.md"
    f.write_text(markdown, encoding="utf-8")
    art = only(f)
    assert "](" not in art.text and "<" not in art.text and "alert" not in art.text
