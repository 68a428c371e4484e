"""Identity questions (qa/identity.py): who a named person is, and the post the text gives them."""

from __future__ import annotations

import pytest

from qa.identity import IdentityQuestion, asked_person, english_gloss, post_after, post_before, post_of
from qa.lang import resources
from qa.types import Mention


@pytest.mark.parametrize(("question", "language", "name"), [
    ("邵文彬是谁？", "zh", "邵文彬"),
    ("冯晓东担任什么职务？", "zh", "冯晓东"),
    ("冯晓东在海纳医疗担任什么职务？", "zh", "冯晓东"),
    ("谭志宏的职务是什么？", "zh", "谭志宏"),
    ("曹麗娟是什麼人？", "zh", "曹丽娟"),  # Traditional input reads as Simplified
    ("Who is Shao Wenbin?", "en", "Shao Wenbin"),
    ("who's Feng Xiaodong", "en", "Feng Xiaodong"),
    ("What is Tan Zhihong's position?", "en", "Tan Zhihong"),
    ("What post does Cao Lijuan hold?", "en", "Cao Lijuan"),
    ("What positions does Feng Xiaodong hold?", "en", "Feng Xiaodong"),
])
def test_questions_asking_who_a_named_person_is(question, language, name):
    assert asked_person(question, language) == IdentityQuestion(name=name, language=language)


@pytest.mark.parametrize(("question", "language"), [
    ("海岳大学的校长是谁？", "zh"),  # asks who holds a post: a person answers it
    ("谁出席了开幕式？", "zh"),
    ("总理贾斯汀·特鲁多的父亲是谁？", "zh"),  # whose father, not who he is
    ("1992年4月，罗保铭担任什么职务？", "zh"),  # a post at a time: another kind of question
    ("Who is the CEO of JD.com?", "en"),
    ("Who is Weihai's mayor?", "en"),
    ("Who attended the forum?", "en"),
])
def test_other_who_questions_are_not_identity_questions(question, language):
    assert asked_person(question, language) is None


def _post(text: str, name: str) -> str | None:
    s = text.index(name)
    found = post_of(text, s, s + len(name))
    return text[found[0]:found[1]] if found else None


@pytest.mark.parametrize(("text", "name", "post"), [
    ("市文化和旅游局局长邵文彬在发布会上介绍。", "邵文彬", "市文化和旅游局局长"),
    ("海岳大学校长郑国栋作题为《海洋科技》的报告。", "郑国栋", "海岳大学校长"),
    ("孙立群会见了集团董事长周明远、总经理方晓岚，详细了解企业情况。", "方晓岚", "总经理"),
    ("孙立群会见了集团董事长周明远、总经理方晓岚，详细了解企业情况。", "周明远", "集团董事长"),
    ("市第三人民医院院长曹丽娟代表医院接受捐赠。", "曹丽娟", "市第三人民医院院长"),
    ("会见了三名局长和5位嘉宾代表王强。", "王强", "嘉宾代表"),
    ("市委常委、统战部部长张毅恭等出席论坛开幕式。", "张毅恭", "市委常委、统战部部长"),
    ("孙立群与集团全球副总裁陈嘉禾、大中华区首席执行官座谈。", "陈嘉禾", "集团全球副总裁"),
    ("1992年4月，罗保铭任中共天津市大港区委副书记、代区长（1993年3月当选区长）。", "罗保铭", "中共天津市大港区委副书记、代区长"),
    ("冯晓东在仪式上表示，企业将继续支持公益事业。", "冯晓东", None),  # named, no post
    ("据介绍，谭志宏是隧道的设计者。", "谭志宏", None),  # not a post
])
def test_the_post_a_sentence_gives_a_person(text, name, post):
    assert _post(text, name) == post


def test_a_post_is_read_only_right_next_to_the_name():
    text = "副市长韩雪梅在开幕式上致辞，郑国栋随后发言。"
    assert post_before(text, text.index("郑国栋")) is None
    assert post_after(text, text.index("韩雪梅") + 3) is None


def test_english_words_of_a_post():
    assert english_gloss("集团全球副总裁、大中华区总裁") == "vice-president, president"
    assert english_gloss("海纳医疗董事长") == "chairman"
    assert english_gloss("无职务") == ""


def test_an_english_question_finds_the_person_by_romanised_name():
    from qa.identity import name_spans

    text = "市文化和旅游局局长邵文彬在发布会上介绍。"
    mentions = [Mention("person", 109, 112, "邵文彬", "Shao Wenbin"), Mention("org", 100, 107, "市文化和旅游局", "")]
    assert name_spans(IdentityQuestion("Shao Wenbin", "en"), text, 100, mentions) == [(9, 12)]
    assert name_spans(IdentityQuestion("Wenbin Shao", "en"), text, 100, mentions) == [(9, 12)]
    assert name_spans(IdentityQuestion("Shao Wen", "en"), text, 100, mentions) == []
    assert name_spans(IdentityQuestion("邵文彬", "zh"), text, 100, []) == [(9, 12)]


def test_the_cue_and_verb_lists_load():
    assert all(lang in ("zh", "en") for lang, _ in resources.table("identity_cues", 2))
    assert {"任", "担任", "现任"} <= set(resources.ordered("holding_verbs"))
