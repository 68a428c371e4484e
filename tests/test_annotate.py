"""Build-time annotations: sentence spans with people, organisations, places, dates and quantities."""

from __future__ import annotations

from qa.annotate import annotate, annotate_text, format_value
from qa.types import Article

TEXT = ("本报讯 12月3日-4日，市委书记孙立群与代表团赴上海考察，与华擎集团董事长周明远座谈。"
        "隧道单程票价为38元，捐赠设备价值13.4万元。昨天，市文物局召开新闻发布会。")


def kinds(mentions):
    return [(m.kind, m.text, m.norm) for m in mentions]


def test_sentences_carry_their_mentions_in_article_offsets():
    article = Article.make(TEXT, title="t", date="2021-12-10")
    notes = annotate(article)
    assert [TEXT[s:e] for (s, e), _ in notes] == [
        "本报讯 12月3日-4日，市委书记孙立群与代表团赴上海考察，与华擎集团董事长周明远座谈。",
        "隧道单程票价为38元，捐赠设备价值13.4万元。", "昨天，市文物局召开新闻发布会。"]
    for (s, e), mentions in notes:
        for m in mentions:
            assert s <= m.start < m.end <= e and TEXT[m.start:m.end] == m.text
    first, second, third = (kinds(m) for _, m in notes)
    assert ("date", "12月3日-4日", "2021-12-03/2021-12-04") in first
    assert ("person", "孙立群", "Sun Liqun") in first and ("person", "周明远", "Zhou Mingyuan") in first
    assert ("place", "上海", "Shanghai") in first
    assert ("quantity", "38元", "38 元") in second and ("quantity", "13.4万元", "134000 元") in second
    assert ("date", "昨天", "2021-12-09") in third and ("org", "市文物局", "") in third


def test_without_an_article_date_relative_dates_are_left_out():
    assert not [m for m in annotate_text("昨天，市文物局召开新闻发布会。") if m.kind == "date"]
    article = Article.make("昨天，市文物局召开新闻发布会。", title="t", date="not a date")
    assert annotate(article)  # an unreadable date field does not stop the build


def test_traditional_text_is_annotated_like_simplified():
    trad = kinds(annotate_text("國務院於11月26日批覆，市文物局局長邵文彬介紹。"))
    simp = kinds(annotate_text("国务院于11月26日批复，市文物局局长邵文彬介绍。"))
    assert [k for k, _, _ in trad] == [k for k, _, _ in simp] and ("date", "11月26日", "--11-26") in trad


def test_values_are_written_plainly():
    assert format_value(134000.0) == "134000" and format_value(12.5) == "12.5"


def test_clock_times_are_annotated_apart_from_dates_and_quantities():
    found = kinds(annotate_text("隧道于12月18日开放，开放时间为每天9时至17时30分，成人票38元。"))
    assert ("time", "9时至17时30分", "09:00/17:30") in found and ("date", "12月18日", "--12-18") in found
    assert [t for k, t, _ in found if k == "quantity"] == ["38元"]  # not 30分


def test_the_number_of_a_date_is_not_also_a_quantity():
    found = kinds(annotate_text("民国38年，该校于16世纪建成的礼堂在1950年代修缮，耗资300万元。"))
    assert ("date", "民国38年", "1949") in found and ("date", "16世纪", "1501/1600") in found
    assert ("date", "1950年代", "1950/1959") in found
    assert [t for k, t, _ in found if k == "quantity"] == ["300万元"]  # not 38年, not 16
