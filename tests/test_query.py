"""Question analysis: the kind of answer asked, where its gap is, the noun it asks for."""

from __future__ import annotations

import pytest

from qa.query import analyze, answer_type, asked_noun, asks_clock_time, cue_spans, gap_span


@pytest.mark.parametrize("question, language, kind", [
    ("胡昌升在北京会见了哪些人？", "zh", "person"),
    ("金砖创新基地建设将在哪一天正式启动？", "zh", "date"),
    ("论坛将在厦门的哪个场馆举行？", "zh", "place"),
    ("这次论坛是由哪些单位主办的？", "zh", "org"),
    ("代表团走访了几家企业？", "zh", "number"),
    ("这座桥建于西元几年？", "zh", "date"),  # a year asked with 几年 is a date...
    ("他在厦门工作了几年？", "zh", "number"),  # ...a span of years a number
    ("这种建筑风格流行于哪个世纪？", "zh", "date"),
    ("厦门被列为什么？", "zh", None),
    ("金沙灣海底觀光隧道的票價是多少？", "zh", "number"),  # Traditional
    ("Who is the chairman of Haina Medical?", "en", "person"),
    ("When did the bridge open?", "en", "date"),
    ("How much does a ticket cost?", "en", "number"),
    ("Which company built the bridge?", "en", "org"),
])
def test_answer_types(question, language, kind):
    assert answer_type(question, language) == kind


@pytest.mark.parametrize("question, language, clock", [
    ("隧道每天几点开放？", "zh", True),
    ("论坛几点开始？", "zh", True),
    ("雫石车站的营业时间是什么时候？", "zh", True),
    ("会上提出了几点建议？", "zh", False),  # points, not a time
    ("隧道哪天开放？", "zh", False),
    ("what time does the tunnel open each day?", "en", True),
    ("what time period did the song dynasty cover?", "en", False),
    ("when does the tunnel open?", "en", False),
    ("after what time did korea finally have its own writing system?", "en", False),  # a point in history
])
def test_a_question_may_ask_for_a_time_of_day(question, language, clock):
    """A time of day is asked as a date is (answer type date; qa.features reads its grain: clock)."""
    assert asks_clock_time(question, language) is clock
    if clock:
        assert answer_type(question, language) == "date"


@pytest.mark.parametrize("question, gap", [
    ("圣体堂区成立于哪年？", "哪年"),
    ("厦门被列为什么？", "什么"),
    ("谁首度阐释了这种可能性？", "谁"),
    ("2008年度香港小姐竞选是在哪里举行的？", "在哪里"),  # was 在哪: the words after it began with 里
    ("会议在哪儿开？", "在哪儿"),
])
def test_the_gap_is_where_the_answer_goes(question, gap):
    s, e = gap_span(question)
    assert question[s:e] == gap


def test_why_and_how_questions_have_no_gap():
    assert gap_span("为什么飞机的翼尖要安装翼尖小翼？") is None and gap_span("如何申请？") is None


@pytest.mark.parametrize("question, noun", [
    ("习近平是在哪座城市出席会晤的？", "城市"),
    ("论坛将在厦门的哪个场馆举行？", "场馆"),
    ("协议涉及多少投资金额？", "投资金额"),
    ("威海将和艾维斯通集团在哪些方面开展合作？", "方面"),
    ("代表团走访了几家企业？", "企业"),
    ("厦门大学的校长是谁？", ""),
])
def test_the_noun_asked_for(question, noun):
    assert asked_noun(question) == noun


def test_key_terms_skip_question_words_and_keep_names_and_numbers():
    terms = {t.text: t.kind for t in analyze("胡昌升在2020年会见了哪些人？").terms}
    assert terms.get("胡昌升") == "name" and terms.get("2020") == "number" and "哪些" not in terms


@pytest.mark.parametrize("question, language, many", [
    ("胡昌升在北京会见了哪些人？", "zh", True), ("厦门被列为什么？", "zh", False),
    ("In which fields will Xiamen cooperate with IBM?", "en", True), ("Who is the CEO?", "en", False),
    ("两个论坛分别在哪一天举办？", "zh", True), ("威海的历史文化街区都有什么？", "zh", True),
    ("参加签约仪式的都有谁？", "zh", True), ("请列举论坛发布的科技成果", "zh", True),
    ("代表团走访了哪几家企业？", "zh", True), ("金沙湾隧道哪天开放？", "zh", False),
    ("孫立群會見了哪些企業負責人？", "zh", True),  # Traditional is read as Simplified
    ("Which people did Sun Liqun meet?", "en", True), ("What are all the fields of cooperation?", "en", True),
    ("Who were the guests at the forum?", "en", True), ("List the projects signed at the forum.", "en", True),
    ("Name all the companies the delegation visited.", "en", True), ("When does the tunnel open?", "en", False),
    ("Which company built the bridge?", "en", False), ("What is the ticket price?", "en", False),
    ("Which press conference announced the title?", "en", False), ("Which bus goes to the tunnel?", "en", False),
])
def test_list_questions(question, language, many):
    from qa.query import asks_for_a_list

    assert asks_for_a_list(question, language) is many


def test_ignored_time_words_are_not_key_terms_but_still_search():
    from qa.query import analyze

    a = analyze("11月17日发生了什么？", ignore=("11月17日",))
    assert not {"11", "17", "11月"} & {t.text for t in a.terms}
    assert "17" in a.bm25_terms and a.question == "11月17日发生了什么？"
    assert {"11", "17"} <= {t.text for t in analyze("11月17日发生了什么？").terms}


def test_the_chinese_an_english_question_writes_is_a_key_term():
    # "Who is 马云?": before, the name was no term, so passages about anyone else covered the question
    a = analyze("Who is 包卓蓝 of IBM?")
    assert a.language == "en" and ("包卓蓝", "name") in {(t.text, t.kind) for t in a.terms}
    assert "包卓蓝" in {t.text for t in analyze("What did Bao Zhuolan (包卓蓝) say?").terms}
    assert not {t.text for t in analyze("Who is the mayor of Xiamen?").terms}  # no bridges here: nothing else


@pytest.mark.parametrize("question, kind", [
    ("这座大桥于何年建成？", "date"),
    ("该技术是由哪国的科学家研发的？", "place"),
    ("哪一个人担任了首任校长？", "person"),
    ("哪一个组织发布了这份报告？", "org"),
    ("她几岁的时候开始学琴？", "number"),
    ("這座大橋於何年建成？", "date"),  # Traditional
])
def test_learned_cues_type_what_the_hand_written_ones_miss(question, kind):
    # typed by qa/lang/data/answer_cues_learned.txt (python -m train.kinds), not by the hand-written cues
    assert answer_type(question, "zh", learned={}) is None
    assert answer_type(question, "zh") == kind


def test_the_longest_learned_cue_wins_and_hand_written_cues_come_first():
    cues = {"哪一": "place", "哪一个人": "person"}
    assert answer_type("哪一个人担任了首任校长？", "zh", learned=cues) == "person"
    assert answer_type("他在哪一个地方？", "zh", learned=cues) == "place"
    assert answer_type("谁担任了首任校长？", "zh", learned={"谁": "place"}) == "person"
    assert answer_type("When did it open?", "en", learned={"when did": "place"}) == "date"
    assert answer_type("Which decade did it open in?", "en", learned={}) is None
    assert answer_type("Which decade did it open in?", "en") == "date"  # learned


def test_cue_spans_stop_at_punctuation():
    q = "于何年，哪国"
    assert [q[s:e] for s, e in cue_spans(q)] == ["何年", "哪国"]
    q = "哪一个国家的"
    assert [q[s:e] for s, e in cue_spans(q)] == ["哪一", "哪一个", "哪一个国", "哪一个国家"]
    q = "which of the states, and how many people?"
    assert [q[s:e] for s, e in cue_spans(q, "en")] == ["how many"]  # "of" is a stopword
