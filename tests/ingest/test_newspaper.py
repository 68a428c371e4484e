"""Newspaper-page text: reflow, split into articles, metadata, titles, stable ids."""

from __future__ import annotations

import re
import shutil
import textwrap

import pytest

from qa.ingest import ingest_paths, ingest_text
from qa.ingest.newspaper import date_from_name, is_hard_wrapped, make_title, reflow
from qa.ingest.readers import page_articles
from qa.text import normalize_text
from qa.types import Article

BYLINES = ["李晓平", "蓝碧霞", "林硕", "黄语晴"]
SENTENCE_END = "。！？!?”」』）)"


@pytest.fixture(scope="module")
def articles(bundled_path):
    result = ingest_paths([bundled_path])
    assert result.skipped == []
    return result.articles


def with_headline(page: str, marker: str, headline: str) -> str:
    """The page with a headline line (and a blank line) inserted before the line starting with ``marker``."""
    lines = page.split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith(marker))
    return "\n".join(lines[:i] + [headline, ""] + lines[i:])


# --- the bundled page ---------------------------------------------------------


def test_bundled_page_is_hard_wrapped(bundled_text: str) -> None:
    assert is_hard_wrapped(normalize_text(bundled_text).split("\n"))


def test_bundled_page_splits_into_four_articles_with_bylines(articles: list[Article]) -> None:
    assert len(articles) == 4
    assert [a.author for a in articles] == BYLINES


def test_reporter_at_the_start_is_the_author_without_the_label(articles: list[Article]) -> None:
    forum = articles[2]
    assert forum.author == "林硕"
    assert forum.text.startswith("11月13日，由致公党中央科技委")
    assert "记者" not in forum.text[:20] and "本报讯" not in forum.text


def test_byline_is_taken_out_of_the_text(articles: list[Article]) -> None:
    for a in articles:
        assert a.author not in a.text[-10:]
        assert not re.search(r"[（(][^（）()]*[）)]$", a.text)


def test_source_comes_from_the_quoted_paper(articles: list[Article]) -> None:
    assert [a.source for a in articles] == ["厦门日报", "厦门日报", None, "厦门日报"]
    # the text keeps what the paper printed
    assert articles[0].text.startswith("据厦门日报报道，11月17日")


def test_date_comes_from_the_file_name(articles: list[Article]) -> None:
    assert {a.date for a in articles} == {"2020-11"}


def test_titles_are_readable_leads(articles: list[Article]) -> None:
    for a in articles:
        assert 8 <= len(a.title) <= 36, a.title
        assert "\n" not in a.title
        assert not a.title.startswith(("本报讯", "据", "11月"))
        assert not a.title.endswith(("，", "。", "、"))
        assert a.title.strip("“”…") in a.text.replace("\n", "")
    assert articles[1].title == "福建省委副书记、厦门市委书记胡昌升带队在北京开展招商引资工作"
    assert articles[2].title == "“第三届科技创新促进民营经济发展论坛”在厦门举办"
    assert articles[3].title == "厦门再获殊荣，拿下一张崭新的文化名片"


def test_the_brics_title_is_not_a_cut_lead_sentence(articles: list[Article]) -> None:
    """Issue 11: it was "国家主席习近平…发表重要讲话时宣布" (宣布 what?): the lead's first clause cut
    before what it announces. Now it is what is announced, a whole clause."""
    from qa.lang.resources import words

    title = articles[0].title
    assert title == "在厦门建立金砖国家新工业革命伙伴关系创新基地"
    assert not any(title.endswith(w) for w in words("open_clause_ends")) and not title.endswith("…")


def test_the_model_reads_the_title_indexes_were_built_with(articles: list[Article]) -> None:
    """What the index embeds and the answer model reads for a title made from the lead stays the
    cut it was fitted with (answers do not move with how a title is shown); a headline the source
    gives is read as it is."""
    from qa.ingest.newspaper import model_title

    brics, hu = articles[0], articles[1]
    assert model_title(brics.title, brics.text) == "国家主席习近平出席金砖国家领导人第十二次会晤发表重要讲话时宣布"
    assert model_title(hu.title, hu.text) == hu.title  # short enough: both rules give the lead's clause
    assert model_title("金砖创新基地落户厦门", brics.text) == "金砖创新基地落户厦门"  # a headline
    assert model_title("", brics.text) == ""


def test_an_index_built_with_the_old_word_cut_title_reads_the_same_model_title() -> None:
    # before 2026-12-03 a long first clause was cut between words at 36 characters: an index built
    # then stores that title, and the model must read what it read then, not the stored cut
    from qa.ingest.newspaper import TITLE_CHARS, _cut_at_word, _lead, make_title, model_title

    text = "美亚柏科公司为松溪县、漳平市、武平县以及龙岩新罗区东新致公小学捐赠了价值人民币13.4万元智能测温设备。"
    old = _cut_at_word(_lead(text), TITLE_CHARS)
    assert old.endswith("捐赠…") and make_title(text) != old
    assert model_title(old, text) == model_title(make_title(text), text) != old


def test_a_long_clause_after_one_that_leaves_its_sense_open_is_the_title() -> None:
    text = ("国家主席习近平出席金砖国家领导人第十二次会晤发表重要讲话时宣布，"
            "在厦门建立金砖国家新工业革命伙伴关系创新基地并推动各方在数字经济和绿色低碳领域深化务实合作。")
    assert make_title(text) == "在厦门建立金砖国家新工业革命伙伴关系创新基地并推动各方在数字经济和绿色低碳领域深化务实合作"


@pytest.mark.parametrize(("n", "phrase"), [
    (0, "11月17日，国家主席习近平"),
    (0, "12月8日，由厦门市政府与工信部"),  # "12 月 8" and "日" sit two lines apart in the file
    (0, "“金砖+”国家"),
    (1, "11月16日-17日，福建省委副书记"),
    (1, "走访中国电科、IBM和京东集团"),
    (1, "厦门经济特区建立40年来"),
    (1, "IBM全球副总裁、大中华区总裁包卓蓝"),
    (2, "价值人民币13.4万元智能测温设备"),
    (2, "20多篇优秀论文"),
    (2, "5位嘉宾"),
    (2, "首瑞（北京）投资管理集团"),
])
def test_numbers_dates_and_words_come_out_whole(articles: list[Article], n: int, phrase: str) -> None:
    assert phrase in articles[n].text


def test_no_line_break_artefacts(articles: list[Article]) -> None:
    for a in articles:
        assert not re.search(r"\s[\u4e00-\u9fff，。、；：“”]|[\u4e00-\u9fff，。、；：“”]\s(?!\Z)", a.text.replace("\n", "")), a.text
        assert "  " not in a.text and "\n\n" not in a.text
        for paragraph in a.text.split("\n"):
            assert paragraph and paragraph[-1] in SENTENCE_END, paragraph
    # names broken across column lines are whole again
    body = "".join(a.text for a in articles)
    for name in ("胡昌升", "陈肇雄", "刘宇", "孙瑜", "包卓蓝", "林中湘", "曹鸿鸣", "薛卫民", "习近平总书记"):
        assert name in body


@pytest.mark.parametrize(("n", "start"), [
    (0, "厦门市贯彻落实习近平总书记"), (0, "厦门经济特区是中国改革开放"), (0, "下一步，厦门将始终坚持"),
    (1, "中国绿发是响应绿色发展理念"), (1, "来到IBM大中华区总部"), (1, "市领导黄强"),
    (2, "本次论坛以"), (2, "论坛上还举行了抗疫物资捐赠仪式"),
    (3, "自申报工作启动以来"), (3, "摘获殊荣，步履不停"),
])
def test_paragraphs_follow_the_page(articles: list[Article], n: int, start: str) -> None:
    assert any(p.startswith(start) for p in articles[n].text.split("\n"))


def test_page_without_marker_is_one_article(bundled_text: str) -> None:
    page = bundled_text.replace("本报讯", "")
    arts = page_articles(page)
    assert len(arts) == 1
    assert "胡昌升" in arts[0].text and "历史文化名城" in arts[0].text
    short = page_articles("厦门市资源规划局召开新闻发布会。\n省政府批复同意将厦门市列为“省级历史文化名城”。")
    assert [a.text for a in short] == ["厦门市资源规划局召开新闻发布会。\n省政府批复同意将厦门市列为“省级历史文化名城”。"]
    assert short[0].title == "厦门市资源规划局召开新闻发布会"


def test_headline_before_marker_becomes_the_title(bundled_text: str) -> None:
    page = with_headline(bundled_text, "本报讯（记者", "致公党论坛在厦门举办")
    arts = page_articles(page)
    assert [a.author for a in arts] == BYLINES
    assert arts[2].title == "致公党论坛在厦门举办"
    # the headline belongs to no article's text
    assert all("致公党论坛在厦门举办" not in a.text for a in arts)
    assert arts[1].text.endswith("市领导黄强，有关区和部门负责同志参加招商活动。")


def test_headline_at_the_top_of_the_page_names_the_first_article(bundled_text: str) -> None:
    arts = page_articles("金砖创新基地落户厦门\n\n" + bundled_text)
    assert len(arts) == 4
    assert arts[0].title == "金砖创新基地落户厦门"
    assert arts[0].text.startswith("据厦门日报报道")


def test_ingest_text_metadata_given_wins(bundled_text: str) -> None:
    arts = ingest_text(bundled_text, source="厦门晚报", date="2020-11-19")
    assert len(arts) == 4
    assert {a.source for a in arts} == {"厦门晚报"} and {a.date for a in arts} == {"2020-11-19"}
    assert [a.author for a in arts] == BYLINES


# --- reflow -------------------------------------------------------------------


@pytest.mark.parametrize(("lines", "paragraph"), [
    # two English words at a line break keep a space
    (["厦门与 IBM 在 the Belt and", "Road Initiative 框架下合作。"], "厦门与IBM在the Belt and Road Initiative框架下合作。"),
    (["走访了 IBM", "Watson 团队。"], "走访了IBM Watson团队。"),
    (["He said,", "hello world."], "He said, hello world."),
    # a hyphenated English compound keeps its hyphen and no space
    (["a well-", "known brand."], "a well-known brand."),
    # Chinese and numbers join without a space
    (["在厦门建立金砖国家新工业革命伙", "伴关系创新基地。"], "在厦门建立金砖国家新工业革命伙伴关系创新基地。"),
    (["价值人民币 13.", "4 万元。"], "价值人民币13.4万元。"),
    (["价值人民币 13", ".4 万元。"], "价值人民币13.4万元。"),
    (["厦门经济特区建立 4", "0 年来。"], "厦门经济特区建立40年来。"),
    (["12 月 8", "", "日，论坛开幕。"], "12月8日，论坛开幕。"),
    # in English text two numbers at a line break stay two
    (["scores of 12", "15 and 17."], "scores of 12 15 and 17."),
])
def test_reflow_joins_lines(lines: list[str], paragraph: str) -> None:
    normalized = normalize_text("\n".join(lines)).split("\n")
    assert reflow(normalized) == [paragraph]


def test_hard_wrapped_english_is_not_glued_together() -> None:
    text = ("The forum was held in Xiamen on Monday and the\n"
            "vice president of IBM attended the opening with many\n"
            "guests from the province. The organisers said they\n"
            "were pleased with the results of the first day, they\n"
            "said.\n\n"
            "More events will follow next year, the organisers\n"
            "added, and a programme will be published in\n"
            "December by Mr.\n"
            "Smith of the organising committee.\n")
    arts = page_articles(text)
    assert len(arts) == 1
    assert arts[0].text == (
        "The forum was held in Xiamen on Monday and the vice president of IBM attended the opening with many "
        "guests from the province. The organisers said they were pleased with the results of the first day, "
        "they said.\nMore events will follow next year, the organisers added, and a programme will be "
        "published in December by Mr. Smith of the organising committee.")
    assert arts[0].title == "The forum was held in Xiamen on…"


def test_english_wrapped_at_76_columns_is_reflowed() -> None:
    paragraph = ("The forum was held in Xiamen on Monday, and the vice president of IBM attended the opening "
                 "ceremony with many guests from the province. The organisers said they were pleased with the "
                 "results of the first day. More events will follow next year, they said, adding that a "
                 "programme would be published in December by the organising committee of the forum.")
    text = textwrap.fill(paragraph, 76) + "\n\n" + textwrap.fill(paragraph.replace("forum", "summit"), 76)
    [art] = page_articles(text)
    assert art.text == paragraph + "\n" + paragraph.replace("forum", "summit")


def test_english_one_paragraph_a_line_keeps_its_paragraphs() -> None:
    paragraphs = ["The forum was held in Xiamen on Monday, and IBM attended the opening.",
                  "The organisers said they were pleased with the results of the first day.",
                  "More events will follow next year, said Mr. Smith of the committee.",
                  "A programme will be published in December by the organising committee."]
    [art] = page_articles("\n".join(paragraphs))
    assert art.text.split("\n") == paragraphs


def test_page_of_one_paragraph_a_line_with_headlines() -> None:
    page = ("厦门获评省级历史文化名城\n"
            "本报讯 据厦门日报报道，厦门再获殊荣，拿下一张崭新的文化名片。省政府批复同意将厦门市列为“省级历史文化名城”。\n"
            "专家认为，这些深厚的历史文化积淀，正是厦门申报省级、国家级历史文化名城的优势条件。（黄语晴）\n"
            "致公党论坛在厦门举办\n"
            "本报讯（记者 林硕）11月13日，由致公党中央科技委等联合主办的论坛在厦门举办。\n"
            "论坛上还举行了抗疫物资捐赠仪式。\n")
    arts = page_articles(page)
    assert [(a.title, a.author, a.source) for a in arts] == [
        ("厦门获评省级历史文化名城", "黄语晴", "厦门日报"), ("致公党论坛在厦门举办", "林硕", None)]
    assert arts[0].text.endswith("优势条件。") and arts[1].text.startswith("11月13日，")


def test_one_paragraph_a_line_is_not_reflowed() -> None:
    text = ("厦门市资源规划局和市文旅局联合召开新闻发布会宣布，省政府批复同意将福建省厦门市列为“省级历史文化名城”。\n"
            "这将进一步提升厦门的文化自信、文化魅力，引领厦门文化创意产业、旅游产业发展。\n"
            "专家认为，这些深厚的历史文化积淀，正是厦门申报省级、国家级历史文化名城的优势条件。\n"
            "下一步，厦门将按照省政府批复要求，推动历史文化名城相关工作\n")
    assert not is_hard_wrapped(normalize_text(text).split("\n"))
    assert page_articles(text)[0].text.count("\n") == 3


# --- metadata in the text -----------------------------------------------------


@pytest.mark.parametrize(("text", "author", "source"), [
    ("本报讯（本报记者 林硕 通讯员 王小明）11 月 13 日，论坛在厦门举办。", "林硕、王小明", None),
    ("本报讯（通讯员 王小明）论坛在厦门举办。（林硕）", "王小明、林硕", None),
    ("本报讯 据新华社电，论坛在厦门举办。", None, "新华社"),
    ("据厦门晚报消息，论坛在厦门举办。", None, "厦门晚报"),
    # 据悉 ... 电网 is no quoted source, and a note in brackets is no byline
    ("据悉国家电网将在厦门投资。活动很成功。", None, None),
    ("论坛在厦门举办。活动很成功。（图片由主办方提供）", None, None),
    ("论坛在厦门举办（北京）。", None, None),
])
def test_metadata_in_the_text(text: str, author: str | None, source: str | None) -> None:
    [art] = page_articles(text)
    assert (art.author, art.source) == (author, source)


def test_note_in_brackets_stays_in_the_text() -> None:
    [art] = page_articles("论坛在厦门举办。活动很成功。（图片由主办方提供）")
    assert art.text.endswith("（图片由主办方提供）")
    [art] = page_articles("据悉国家电网将在厦门投资。")
    assert art.title == "据悉国家电网将在厦门投资"


@pytest.mark.parametrize(("text", "title"), [
    ("据厦门日报报道，11月17日，国家主席习近平出席金砖国家领导人第十二次会晤。", "国家主席习近平出席金砖国家领导人第十二次会晤"),
    ("11月13日上午，论坛在厦门举办。", "论坛在厦门举办"),
    ("厦门再获殊荣，拿下一张崭新的文化名片———11月18下午，厦门市资源规划局召开新闻发布会。",
     "厦门再获殊荣，拿下一张崭新的文化名片"),
    ("In Xiamen the forum was held on Monday and the vice president attended.", "In Xiamen the forum was held on…"),
    # a clause that leaves its sense open (宣布 what?) ends no title: what it announces is the news
    ("据厦门日报报道，11月17日，国家主席习近平出席金砖国家领导人第十二次会晤发表重要讲话时宣布，"
     "在厦门建立金砖国家新工业革命伙伴关系创新基地。", "在厦门建立金砖国家新工业革命伙伴关系创新基地"),
    ("会议结束后，与会代表参观了厦门市软件园三期和火炬高新区的多家科技企业并座谈交流。",
     "与会代表参观了厦门市软件园三期和火炬高新区的多家科技企业并座谈交流"),
    ("市长表示，厦门将继续优化营商环境，推动更多重大项目落地见效，为全市经济发展注入新动能。",
     "市长表示，厦门将继续优化营商环境，推动更多重大项目落地见效"),
    # a first clause longer than TITLE_CHARS is the title whole, not cut mid-phrase (issue 11)
    ("厦门市人民政府与中国电子科技集团有限公司在北京签署全面战略合作协议并举行项目对接会议。",
     "厦门市人民政府与中国电子科技集团有限公司在北京签署全面战略合作协议并举行项目对接会议"),
    # no clause boundary before TITLE_MAX_CHARS: cut between words, never after one that joins on (并)
    ("厦门市人民政府与中国电子科技集团有限公司在北京签署全面战略合作协议并举行项目对接会议和重大项目集中签约仪式及投资环境推介会与企业家座谈会等一系列经贸交流活动。",
     "厦门市人民政府与中国电子科技集团有限公司在北京签署全面战略合作协议…"),
])
def test_make_title(text: str, title: str) -> None:
    assert make_title(text) == title


def test_title_is_never_a_clause_that_leaves_its_sense_open() -> None:
    from qa.lang.resources import words

    lead = "，".join(["国家主席习近平在北京出席视频会议并发表讲话时宣布", "在厦门建立创新基地和未来产业园区", "推动合作"])
    title = make_title(lead + "。")
    assert not any(title.endswith(w) for w in words("open_clause_ends")), title
    assert len(title) <= 36


@pytest.mark.parametrize(("name", "date"), [
    ("xiamen-news-2020-11.txt", "2020-11"),
    ("20201117-page2.txt", "2020-11-17"),
    ("page_2020.11.19.html", "2020-11-19"),
    ("notes.txt", None),
    ("report-2020-13.txt", None),
    ("id-120201117.txt", None),
])
def test_date_from_name(name: str, date: str | None) -> None:
    assert date_from_name(name) == date


# --- ids ----------------------------------------------------------------------


def test_ids_are_derived_from_the_text() -> None:
    a = Article.make("厦门获评省级历史文化名城。", title="t1")
    b = Article.make("厦门获评省级历史文化名城。", title="t2", path="/elsewhere.txt")
    c = Article.make("厦门获评国家历史文化名城。", title="t1")
    assert a.id == b.id != c.id
    assert re.fullmatch(r"[0-9a-f]{16}", a.id)


def test_ids_are_stable_across_re_ingest(bundled_path, bundled_text, tmp_path, articles) -> None:
    # same text in another file (and another folder) → same ids, stored once
    (tmp_path / "copy").mkdir()
    shutil.copy(bundled_path, tmp_path / "a.txt")
    shutil.copy(bundled_path, tmp_path / "copy" / "b.txt")
    result = ingest_paths([tmp_path])
    assert result.skipped == []
    assert len(result.files) == 2
    assert [a.id for a in result.articles] == [a.id for a in articles]
    assert [a.id for a in ingest_text(bundled_text)] == [a.id for a in articles]
    # again, from the first reading
    assert [a.id for a in ingest_paths([bundled_path]).articles] == [a.id for a in articles]
    assert len({a.id for a in articles}) == 4


def test_ids_ignore_layout_whitespace(bundled_text: str, articles) -> None:
    # the same page with Windows line ends and trailing spaces is the same articles
    relaid = "\r\n".join(line + "  " for line in bundled_text.split("\n"))
    assert [a.id for a in ingest_text(relaid)] == [a.id for a in articles]


@pytest.mark.parametrize(("text", "date"), [
    ("2020年11月17日，国家主席习近平出席金砖国家领导人第十二次会晤。", "2020-11-17"),   # issue 11: was "no date"
    ("本报2020-11-18讯 厦门获评省级历史文化名城。", "2020-11-18"),
    ("11月17日，国家主席习近平出席会晤。", None),  # no year: an event date, not a publication date
    ("厦门获评省级历史文化名城。" * 5 + "2020年11月18日公布。", None),  # deep in the text: an event
    ("去年今日，厦门举办了论坛。", None),  # relative
])
def test_a_publication_date_read_from_the_start_of_the_text(text: str, date: str | None) -> None:
    from qa.ingest.newspaper import date_from_lead

    assert date_from_lead(text) == date


def test_an_uploaded_article_starting_with_a_date_has_it(tmp_path) -> None:
    from qa.ingest import ingest_paths

    f = tmp_path / "upload.txt"  # no date in the name
    f.write_text("2020年11月17日，国家主席习近平出席金砖国家领导人第十二次会晤发表重要讲话时宣布，"
                 "在厦门建立金砖国家新工业革命伙伴关系创新基地。", encoding="utf-8")
    assert ingest_paths([f]).articles[0].date == "2020-11-17"


def test_each_date_says_where_it_came_from(tmp_path, articles: list[Article]) -> None:
    assert {(a.date, a.date_source) for a in articles} == {("2020-11", "file name")}
    lead = "2020年11月17日，厦门举办了论坛。"
    (tmp_path / "lead.txt").write_text(lead, encoding="utf-8")
    (tmp_path / "meta.jsonl").write_text('{"text": "厦门举办了论坛。", "date": "2020-11-19"}\n', encoding="utf-8")
    (tmp_path / "none.txt").write_text("厦门举办了另一场论坛。", encoding="utf-8")
    got = {a.path.rsplit("/", 1)[-1]: (a.date, a.date_source) for a in ingest_paths([tmp_path]).articles}
    assert got == {"lead.txt": ("2020-11-17", "lead"), "meta.jsonl": ("2020-11-19", "metadata"),
                   "none.txt": (None, None)}
    assert [(a.date, a.date_source) for a in ingest_text(lead)] == [("2020-11-17", "lead")]
    assert [(a.date, a.date_source) for a in ingest_text(lead, date="2020-11-20")] == [("2020-11-20", "metadata")]


def test_an_unknown_date_source_names_the_valid_ones() -> None:
    from qa.types import DateSource

    assert DateSource.parse("lead") is DateSource.LEAD and DateSource.parse(None) is None
    with pytest.raises(ValueError, match="metadata, file name, lead"):
        DateSource.parse("guess")
