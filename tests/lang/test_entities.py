"""Entities: people, organisations and places in a sentence, from jieba's tags and news patterns."""

from __future__ import annotations

import pytest

from qa.lang.entities import find_entities, is_person_name


def found(text):
    return [(e.kind, e.text) for e in find_entities(text)]


@pytest.mark.parametrize("text, expected", [
    ("市委书记孙立群与华擎集团董事长周明远座谈。", [("person", "孙立群"), ("person", "周明远")]),
    ("胡昌升还会见了中煤地质集团董事长林中湘一行。", [("person", "胡昌升"), ("org", "中煤地质集团"), ("person", "林中湘")]),
    ("市文化和旅游局、市文物局昨天联合召开新闻发布会。", [("org", "市文化和旅游局"), ("org", "市文物局")]),
    ("由厦门市政府与工信部共同主办。", [("org", "厦门市政府"), ("place", "厦门市"), ("org", "工信部")]),
    ("现存建筑由著名教堂设计师拉尔夫·克拉姆设计。", [("person", "拉尔夫·克拉姆")]),
    ("The church was designed by Ralph Adams Cram.", [("person", "Ralph Adams Cram")]),
])
def test_entities(text, expected):
    got = found(text)
    for item in expected:
        assert item in got, got


@pytest.mark.parametrize("text", ["推动合作取得更加丰硕成果。", "将成为引领厦门城市国际化发展的战略主线。"])
def test_everyday_words_are_not_names(text):
    got = found(text)
    assert not [t for k, t in got if t in ("丰硕成果", "城市", "国际化")], got


def test_person_names_need_a_surname_and_must_not_be_everyday_words():
    assert is_person_name("陈肇雄") and is_person_name("欧阳文华")
    assert not is_person_name("高水平") and not is_person_name("合作")


def test_offsets_slice_the_text():
    text = "在中国电科，胡昌升与董事长陈肇雄等座谈。"
    for e in find_entities(text):
        assert text[e.start:e.end] == e.text
