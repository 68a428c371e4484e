"""Posts a question asks for, in Chinese and English, and whether a text holds one: a deputy
(副市长, vice mayor) is another post than the one its name ends with (市长, mayor)."""

from __future__ import annotations

import pytest

from qa.identity import english_gloss
from qa.lang.names import holds_post, posts, posts_asked_en, posts_asked_zh
from qa.lang.segment import cut


@pytest.mark.parametrize("question, asked", [
    ("Who is the mayor of Weihai?", ("市长",)),
    ("Which vice mayor accompanied the delegation?", ("副市长",)),
    ("Who is the deputy-mayor?", ("副市长",)),
    ("Who is the vice president of IBM?", ("副总裁", "副主席")),
    ("Who is the Secretary-General?", ("秘书长",)),
    ("Who is the party secretary?", ("书记",)),
    ("Which executives did he meet?", ("高管",)),
])
def test_english_questions_name_a_post_by_its_longest_words(question, asked):
    assert posts_asked_en(question) == asked


def test_president_is_not_a_vice_president():
    assert "副总裁" not in posts_asked_en("Who is the president of IBM?")
    assert "总裁" in posts_asked_en("Who is the president of IBM?")


@pytest.mark.parametrize("question, asked", [
    ("厦门市副市长是谁？", ("副市长",)),  # jieba cuts 副 off: 厦门市 / 副 / 市长
    ("厦门市长是谁？", ("市长",)),
    ("公司副总经理是谁？", ("副总经理",)),
    ("IBM全球总裁是谁？", ("总裁",)),
])
def test_chinese_questions_name_a_post_not_the_one_inside_its_deputy(question, asked):
    assert posts_asked_zh(cut(question)) == asked


def test_a_text_holds_a_post_only_outside_its_deputy():
    assert not holds_post("副市长韩雪梅在开幕式上致辞。", "市长")
    assert holds_post("副市长韩雪梅、市长李明出席。", "市长")
    assert holds_post("副市长韩雪梅在开幕式上致辞。", "副市长")
    assert not holds_post("董事长致辞。", "市长")


def test_every_deputy_has_english_words_of_its_own():
    """A deputy's English words say deputy or vice: the gloss of 副市长 is not "mayor"."""
    for zh, en in posts().items():
        if zh.startswith("副"):
            assert en and all(w.startswith(("vice-", "deputy-")) for w in en), (zh, en)
    assert english_gloss("副市长") == "vice-mayor" and english_gloss("市长") == "mayor"
