"""qa.decompose: a question that asks several things, as its parts; one answer from theirs."""

from __future__ import annotations

import re

import pytest

from qa.decompose import HEADING_LINE, MAX_PARTS, Joined, asks, heading, parts
from qa.lang import resources
from qa.types import Answer, Citation, Quote, ShortAnswer

SPLIT = [
    ("11月17日习近平宣布在厦门建立什么？当天厦门市委书记胡昌升在哪座城市？",
     ("11月17日习近平宣布在厦门建立什么？", "当天厦门市委书记胡昌升在哪座城市？")),
    # what stands before the first question is said of each part; the joining word goes
    ("11月中旬，厦门举办了什么论坛，又获得了什么称号？", ("11月中旬，厦门举办了什么论坛？", "11月中旬，获得了什么称号？")),
    ("In mid-November, what forum was held in Xiamen, and what title did the city receive?",
     ("In mid-November, what forum was held in Xiamen?", "In mid-November, what title did the city receive?")),
    ("What did Xi Jinping announce for Xiamen on November 17, and which city was Hu Changsheng in that day?",
     ("What did Xi Jinping announce for Xiamen on November 17?", "Which city was Hu Changsheng in that day?")),
    ("Who is Hu Changsheng? Where did he go in November?", ("Who is Hu Changsheng?", "Where did he go in November?")),
    # English joins two questions without a comma too
    ("Who founded Haina Medical and when was it founded?", ("Who founded Haina Medical?", "When was it founded?")),
    # a question mark alone makes a question, with or without a word that asks
    ("这件事属实吗？那座桥有多长？", ("这件事属实吗？", "那座桥有多长？")),
    # a part's own lead stays with it: 北朝几个朝代中 is not said of the second question
    ("北朝几个朝代中，哪个朝代最积极建筑长城？何韵诗是谁？", ("北朝几个朝代中，哪个朝代最积极建筑长城？", "何韵诗是谁？")),
    # 甚么 and 多久 ask, as 什么 does
    ("老街新韵的历史长达多久？银水牛奖代表甚么荣誉？", ("老街新韵的历史长达多久？", "银水牛奖代表甚么荣誉？")),
    # no closing question mark
    ("金沙湾海底观光隧道的票价是多少？哪天正式开放", ("金沙湾海底观光隧道的票价是多少？", "哪天正式开放？")),
]

WHOLE = [
    "胡昌升在北京会见了哪些人？",
    "根据报道，胡昌升会见了谁？",
    "What company, which was founded in 1990, makes chips?",  # a relative clause, not a question
    "他是厦门人，还是哪里人？",  # the two halves of one alternative question
    "「谁知盘中飧，粒粒皆辛苦。」这一段诗句出自谁写的诗？",  # a comma inside a quotation
    "「殿下先谒陵乎？先即位乎？」这句话是谁说的?",  # question marks inside a quotation
    "爱因斯坦的论文，除了《物体惯性与其所含能量有关吗?》，还有哪一篇？",  # and inside a title
    "胡昌升在北京会见了谁，谈了什么？",  # 谈了什么 is too short to stand alone
    "Where was it held, and when?",
    "When and where was the forum held?",
    "When the Berlin Wall was first built, it was made of barbed wire and what other material?",  # a list's last item
    "新北市三峡蓝染节是由甚么机关办理的活动？没多久就结束了吗",  # 没多久 asks nothing; 吗 alone makes no part
    'What does the slogan "rock and what" mean?',  # a joining word inside quotes
    "许多人造卫星在哪个区域内运作，并每隔几天就需要启动它们的引擎来维持轨道?",  # 几 and 并 here ask nothing
    "律令系统分为不同的几部法典，其一直被作为日本主要的律法直到哪一年?",
    "物理光学比几何光学更接近物理原理，但不能像哪个模型那样全面描述光传播?",  # 但: not a question of its own
    "存在主义者认为要评价一个人，要评价他的什么，而不是评价他是个什么人物?",
    "",
]


@pytest.mark.parametrize(("question", "expected"), SPLIT)
def test_a_question_asking_several_things_splits_into_its_parts(question, expected):
    assert parts(question) == expected
    for part in expected:  # a part asks one thing
        assert parts(part) == (part,)


@pytest.mark.parametrize("question", WHOLE)
def test_a_question_asking_one_thing_comes_back_whole(question):
    assert parts(question) == (question,)


def test_more_parts_than_the_limit_are_answered_whole():
    many = "".join(f"第{i}座桥有多长？" for i in range(1, MAX_PARTS + 2))
    assert parts(many) == (many,)
    assert len(parts("".join(f"第{i}座桥有多长？" for i in range(1, MAX_PARTS + 1)))) == MAX_PARTS


def test_words_that_hold_an_asking_word_but_ask_nothing():
    assert asks("他说没什么是不可能的", "zh") is False
    assert asks("几何光学的原理", "zh") is False
    assert asks("厦门举办了什么论坛", "zh") and asks("and which city", "en")
    assert asks("whatever", "en") is False
    assert not any(asks(t, "zh") for t in ("哪怕下雨也要去", "他不怎么喜欢", "或多或少有影响"))


def test_the_word_lists_are_data_with_every_role_in_both_languages():
    rows = resources.table("question_parts")
    roles = {(role, lang) for role, lang, *_ in rows}
    assert {("asking", "zh"), ("asking", "en"), ("joining", "zh"), ("joining", "en"), ("not", "zh"),
            ("alternative", "zh")} <= roles
    assert all(len(row) >= 3 and row[0] in {"asking", "not", "joining", "alternative", "listing"} for row in rows)


def _citation(n: int, article: str, start: int, highlights) -> Citation:
    return Citation(n=n, article_id=article, title=article, source=None, author=None, text="…", start=start,
                    end=start + 100, score=1.0, highlights=tuple(highlights))


def test_joined_answers_number_each_passage_once_across_parts():
    first = Answer(question="a", answer="甲[1]\n乙[2]", found=True, probability=0.9,
                   citations=(_citation(1, "A", 0, [(0, 5)]), _citation(2, "B", 0, [(1, 4)])),
                   quotes=(Quote(n=1, text="甲", start=0, end=5, probability=0.8),),
                   short_answer=ShortAnswer(text="甲", type="person", citations=(1,), probability=0.7),
                   timings_ms={"total": 10.0}, details={"evidence": {"probability": 0.9},
                                                        "passages": [{"n": 1, "article_id": "A", "start": 0, "end": 100}]})
    # the second part cites B again (as its 1) and C (as its 2)
    second = Answer(question="b", answer="丙[2]\n丁[1]", found=True, probability=0.4,
                    citations=(_citation(1, "B", 0, [(20, 30)]), _citation(2, "C", 50, [(50, 60)])),
                    quotes=(Quote(n=2, text="丙", start=50, end=60, probability=0.3),),
                    timings_ms={"total": 5.0}, details={"evidence": {"probability": 0.4},
                                                         "passages": [{"n": 1, "article_id": "A", "start": 0, "end": 100},
                                                                      {"n": 2, "article_id": "C", "start": 50, "end": 150}]})
    joined = Joined("a？b？", "zh")
    assert joined.add("a？", first) == "（1）a？\n甲[1]\n乙[2]"
    assert joined.add("b？", second) == "\n\n（2）b？\n丙[3]\n丁[2]"
    ans = joined.answer()
    assert ans.answer == "（1）a？\n甲[1]\n乙[2]\n\n（2）b？\n丙[3]\n丁[2]"
    assert [(c.n, c.article_id) for c in ans.citations] == [(1, "A"), (2, "B"), (3, "C")]
    assert ans.citations[1].highlights == ((1, 4), (20, 30))  # both parts' sentences of B
    assert [q.n for q in ans.quotes] == [1, 3]
    assert ans.found and ans.probability == 0.9 and ans.details["evidence"] == {"probability": 0.9}
    assert [p["citations"] for p in ans.details["parts"]] == [[1, 2], [2, 3]]
    assert ans.details["parts"][0]["short_answer"]["citations"] == [1]
    assert ans.timings_ms["total"] == 15.0
    assert [(p["article_id"], p["start"]) for p in ans.details["passages"]] == [("A", 0), ("C", 50)]  # each once
    assert {int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)} == {c.n for c in ans.citations}


def _joined(*parts_and_answers) -> Answer:
    joined = Joined("a？b？", "zh")
    for part, answer in parts_and_answers:
        joined.add(part, answer)
    return joined.answer()


def test_a_joined_answer_is_found_when_any_part_is():
    yes = Answer(question="a", answer="甲[1]", found=True, probability=0.6, citations=(_citation(1, "A", 0, []),))
    no = Answer(question="b", answer="没有找到。", found=False, probability=0.1)
    ans = _joined(("a？", no), ("b？", yes))
    assert ans.found and ans.probability == 0.6 and ans.answer.startswith("（1）a？\n没有找到。")
    assert not _joined(("a？", no), ("b？", no)).found
    with pytest.raises(ValueError, match="no part answered"):
        Joined("a", "zh").answer()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_heading_line_pattern_reads_the_headings_written(language):
    assert HEADING_LINE.match(heading(2, "哪天开放？" if language == "zh" else "When does it open?", language))
    assert not HEADING_LINE.match("（2）12月18日正式开放。[1]")
