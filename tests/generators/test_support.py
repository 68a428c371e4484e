"""The lexical support test: numbers as values, names through pinyin, key terms."""

from __future__ import annotations

import pytest

from qa.generators.support import Evidence, chinese_number, numbers, pinyin_contains, support

PASSAGE = ("来到IBM大中华区总部，胡昌升与IBM全球副总裁、大中华区总裁包卓蓝就双方合作进行座谈。"
           "厦门经济特区建立40年来，希望与IBM在人工智能、生物制药、工业物联等领域进一步拓展合作。"
           "金砖国家领导人第十二次会晤。项目总投资12亿元。\n2020-11-17")
WORDS = {"cooperation": ("合作",), "artificial intelligence": ("人工智能",), "discuss": ("讨论", "座谈"),
         "summit": ("峰会",), "factory": ("工厂",), "build": ("建设", "建造"),
         "brics": ("金砖",), "special economic zone": ("经济特区",)}


@pytest.fixture
def evidence():
    return Evidence(PASSAGE, translate=lambda w: WORDS.get(w, WORDS.get(w.rstrip("sed"), ())))


@pytest.mark.parametrize("text,value", [("十二", 12), ("三百零五", 305), ("两千", 2000), ("十", 10), ("一万二千", 12000)])
def test_chinese_numerals(text, value):
    assert chinese_number(text) == value


def test_numbers_are_values_with_scale():
    assert {v for _, vs in numbers("投资12亿元") for v in vs} == {12, 1.2e9}
    assert [vs for _, vs in numbers("1.2 billion yuan", claim=True)] == [{1.2e9}]
    assert [w for w, _ in numbers("第十二次，一带一路", claim=True)] == ["十二"]  # a lone 一 is a word part
    assert [vs for _, vs in numbers("On November 17", claim=True)] == [{17.0}, {11.0}]


@pytest.mark.parametrize("name", ["Hu Changsheng", "Bao Zhuolan", "huchangsheng", "Xiamen"])
def test_pinyin_names_match_characters(name):
    assert pinyin_contains("胡昌升与包卓蓝座谈，厦门", name)


@pytest.mark.parametrize("name", ["Hu Jintao", "Bao Lan", "Elon Musk", "h"])
def test_pinyin_does_not_match_other_names(name):
    assert not pinyin_contains("胡昌升与包卓蓝座谈，厦门", name)


@pytest.mark.parametrize("claim", [
    "胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈",
    "双方希望在人工智能领域拓展合作",
    "厦门经济特区建立40年来",
    "项目总投资12亿元",
    "Hu Changsheng (胡昌升) discussed cooperation with Bao Zhuolan of IBM",
    "Hu Changsheng and Bao Zhuolan talked about artificial intelligence",
    "The investment was 1.2 billion yuan",
    "It was the 12th BRICS summit, on November 17, 2020",
    "The Xiamen Special Economic Zone was founded 40 years ago",
])
def test_supported_claims(claim, evidence):
    s = support(claim, evidence)
    assert s.supported, s


@pytest.mark.parametrize("claim,why", [
    ("胡昌升与IBM签署了价值50亿元的合作协议", "number"),
    ("厦门经济特区建立30年来", "number"),
    ("胡昌升在厦门会见了特斯拉总裁马斯克", "names"),
    ("The investment was 12 million yuan", "number"),
    ("Elon Musk will build a Tesla factory", "names"),
    ("Hu Changsheng met Elon Musk of Tesla to build a factory", "names"),
    ("厦门与IBM在人工智能、量子计算、区块链、自动驾驶等领域开展合作", "coverage"),
])
def test_unsupported_claims(claim, why, evidence):
    s = support(claim, evidence)
    assert not s.supported, s
    assert why in s.reason
    assert s.missing


def test_a_claim_with_nothing_to_check_is_supported_but_unchecked(evidence):
    s = support("据报道，", evidence)
    assert s.supported and s.checked == 0
