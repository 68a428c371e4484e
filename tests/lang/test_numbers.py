"""Numbers and quantities: values, units, approximation, and what is not a quantity."""

from __future__ import annotations

import re

import pytest

from qa.lang.numbers import Quantity, find_numbers, find_quantities, parse_number
from qa.lang.resources import DATA_DIR, table


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12.0),
    ("1,234.5", 1234.5),
    ("0.75", 0.75),
    ("十", 10.0),
    ("十二", 12.0),
    ("二十", 20.0),
    ("三百零五", 305.0),
    ("三百五", 350.0),
    ("两千", 2000.0),
    ("一万二", 12000.0),
    ("一万零五百", 10500.0),
    ("十万", 100000.0),
    ("一亿三千万", 130000000.0),
    ("三万亿", 3e12),
    ("三点五", 3.5),
    ("1.2万", 12000.0),
    ("13.4万", 134000.0),
    ("3千", 3000.0),
    ("12亿", 1.2e9),
    ("1.2万亿", 1.2e12),
    ("1.2 billion", 1.2e9),
    ("5 million", 5e6),
    ("二〇二〇", 2020.0),
    ("一九九八", 1998.0),
    (" 38 ", 38.0),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "一起", "统一", "万一", "两三", "一一", "5000多", "百分之十", "12%", "数十", "十百"])
def test_parse_number_rejects_what_is_not_one_number(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    # (text, [(quantity text, value, unit, approximate)])
    ("票价38元", [("38元", 38.0, "元", False)]),
    ("价值13.4万元", [("13.4万元", 134000.0, "元", False)]),
    ("厦门经济特区建立40年来", [("40年", 40.0, "年", False)]),
    ("吸引5000多人参加", [("5000多人", 5000.0, "人", True)]),
    ("同比增长12.5%", [("12.5%", 12.5, "%", False)]),
    ("增长百分之十", [("百分之十", 10.0, "%", False)]),
    ("占百分之12.5", [("百分之12.5", 12.5, "%", False)]),
    ("提高2个百分点", [("2个百分点", 2.0, "百分点", False)]),
    ("三家企业签约", [("三家", 3.0, "家", False)]),
    ("两千名志愿者", [("两千名", 2000.0, "名", False)]),
    ("投资1,234.5万美元", [("1,234.5万美元", 12345000.0, "美元", False)]),
    ("总投资24.5亿元", [("24.5亿元", 2.45e9, "元", False)]),
    ("两千亿元产值", [("两千亿元", 2e11, "元", False)]),
    ("全长3.6公里", [("3.6公里", 3.6, "公里", False)]),
    ("面积12平方公里", [("12平方公里", 12.0, "平方公里", False)]),
    ("高约12米", [("约12米", 12.0, "米", True)]),
    ("约1.2万人次", [("约1.2万人次", 12000.0, "人次", True)]),
    ("举办120余场活动", [("120余场", 120.0, "场", True)]),
    ("15分钟左右", [("15分钟左右", 15.0, "分钟", True)]),
    ("身高1.2米以下", [("1.2米以下", 1.2, "米", True)]),
    ("用了3年多，", [("3年多", 3.0, "年", True)]),
    ("十几分钟", [("十几分钟", 10.0, "分钟", True)]),
    ("六十多个国家", [("六十多个", 60.0, "个", True)]),
    ("数十万人", [("数十万人", 100000.0, "人", True)]),
    ("上万人", [("上万人", 10000.0, "人", True)]),
    ("两三年", [("两三年", 2.0, "年", True)]),
    ("一个多月", [("一个多月", 1.0, "个月", True)]),
    ("两个半小时", [("两个半小时", 2.5, "小时", False)]),
    ("三个月", [("三个月", 3.0, "个月", False)]),
    ("近三年", [("近三年", 3.0, "年", True)]),
    ("有5000年历史", [("5000年", 5000.0, "年", False)]),
    ("2000多年", [("2000多年", 2000.0, "年", True)]),
    ("建党百年", [("百年", 100.0, "年", False)]),
    ("八成", [("八成", 8.0, "成", False)]),
    ("3起事故", [("3起", 3.0, "起", False)]),
    ("5千米", [("5千米", 5.0, "千米", False)]),
    ("3千万元", [("3千万元", 3e7, "元", False)]),
    ("1.2 billion yuan", [("1.2 billion", 1.2e9, "", False)]),
    ("增长3.5 percent", [("3.5 percent", 3.5, "%", False)]),
    ("一百零五人", [("一百零五人", 105.0, "人", False)]),
    ("乘坐12路公交", [("12", 12.0, "", False)]),
    # a range is two quantities with the unit written after the second
    ("3至5年", [("3", 3.0, "年", False), ("5年", 5.0, "年", False)]),
    ("3-5年", [("3", 3.0, "年", False), ("5年", 5.0, "年", False)]),
    ("十至十五天", [("十", 10.0, "天", False), ("十五天", 15.0, "天", False)]),
    ("30%-40%", [("30%", 30.0, "%", False), ("40%", 40.0, "%", False)]),
    ("增加到5万人，其中300余家", [("5万人", 50000.0, "人", False), ("300余家", 300.0, "家", True)]),
])
def test_find_quantities(text, expected):
    found = find_quantities(text)
    assert [(q.text, q.value, q.unit, q.approximate) for q in found] == expected
    for q in found:
        assert text[q.start:q.end] == q.text


@pytest.mark.parametrize("text", [
    # calendar dates and clock times
    "2020年", "11月", "17日", "11月17日", "2020年11月", "十一月十七日", "二〇二〇年", "2019年至2020年", "2019-2020年",
    "2020-11-17", "2020/11/17", "2020.11.17", "10:30", "10时30分", "上午10点", "11月18下午", "1990年代",
    # ordinals, grades
    "第二届", "第12次", "第十二届", "三年级",
    # Chinese numerals inside words
    "一起", "统一", "一些", "一部分", "四周", "一方面", "百家争鸣", "千米", "万一", "十分重要", "一带一路",
    # Arabic numbers inside names
    "COVID-19", "5G网络", "A380",
])
def test_not_quantities(text):
    assert find_quantities(text) == []


def test_quantities_in_a_sentence_keep_text_order_and_offsets():
    text = "11月17日，厦门市第十二届运动会开幕，约5000名运动员参加，比赛为期3至5天，投资13.4万元。"
    found = find_quantities(text)
    assert [q.text for q in found] == ["约5000名", "3", "5天", "13.4万元"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    assert found[0] == Quantity(20, 26, "约5000名", 5000.0, "名", True)


@pytest.mark.parametrize(("text", "expected"), [
    ("12亿元", [(0, 3, 1.2e9)]),
    ("1.2 billion", [(0, 11, 1.2e9)]),
    ("十二人", [(0, 2, 12.0)]),
    ("2020年11月17日", [(0, 4, 2020.0), (5, 7, 11.0), (8, 10, 17.0)]),
    ("2020.11.17", [(0, 4, 2020.0), (5, 7, 11.0), (8, 10, 17.0)]),
    ("二〇二〇年十一月", [(0, 4, 2020.0), (5, 7, 11.0)]),
    ("百分之十", [(0, 4, 10.0)]),
    ("三家", [(0, 1, 3.0)]),
    ("统一一起", []),
    ("10:30", [(0, 2, 10.0), (3, 5, 30.0)]),
])
def test_find_numbers(text, expected):
    assert find_numbers(text) == expected


def test_claim_and_passage_numbers_compare_by_value():
    passage = {v for _, _, v in find_numbers("总投资12亿元")}
    assert {v for _, _, v in find_numbers("invested 1.2 billion yuan")} <= passage


def test_units_file_has_its_source_and_known_roles():
    first = (DATA_DIR / "units.txt").read_text("utf-8").splitlines()[0]
    assert first.startswith("# ") and "units" in first.lower()
    roles = {row[0] for row in table("units")}
    assert roles == {"unit", "loose", "before", "infix", "after"}
    words = [w for row in table("units") if row[0] in ("unit", "loose") for w in row[1:]]
    assert len(words) == len(set(words)), "a unit is listed twice"
    # scales belong to the number: 13.4万元 is 134000 元
    assert not [w for w in words if re.match("[万亿]", w)]
