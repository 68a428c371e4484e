"""Follow-up questions become standalone questions, without a model (names carried
over) and with one (the model rewrites; its failure falls back to carrying names)."""

from __future__ import annotations

import logging

import pytest

from qa.followup import (
    FOLLOWUP_POOL,
    FOLLOWUP_WEIGHTS,
    antecedent,
    carry_entities,
    in_language,
    keeps_language,
    names,
    refers_back,
    rewrite,
)

ABOUT_HU = [("胡昌升在北京走访了哪些企业？", "走访了中国电科、IBM和京东集团[1]。")]
ABOUT_HU_EN = [("Who did Hu Changsheng meet in Beijing?", "Hu Changsheng visited IBM [1].")]


def test_names_of_a_question():
    assert names("胡昌升在北京走访了哪些企业？") == [("胡昌升", True), ("北京", False)]
    assert names("Who did Hu Changsheng meet in Beijing?") == [("Hu Changsheng", True), ("Beijing", False)]


@pytest.mark.parametrize("question,standalone", [
    ("他和 IBM 谈了什么？", "胡昌升和 IBM 谈了什么？"),  # the example
    ("她说了什么？", "胡昌升说了什么？"),
    ("那京东呢？", "胡昌升 那京东呢？"),  # same person, another organisation
    ("谈了什么？", "胡昌升 北京 谈了什么？"),  # names nothing itself
    ("这家公司做什么？", "胡昌升 北京 这家公司做什么？"),
    ("厦门在哪里？", "厦门在哪里？"),  # a new question about what it names
    ("胡昌升和IBM谈了什么？", "胡昌升和IBM谈了什么？"),
    ("What did he discuss with IBM?", "What did Hu Changsheng discuss with IBM?"),  # the question's language
])
def test_chinese_history(question, standalone):
    assert carry_entities(question, ABOUT_HU) == standalone


@pytest.mark.parametrize("question,standalone", [
    ("What did he discuss with IBM?", "What did Hu Changsheng discuss with IBM?"),
    ("What was his message?", "What was Hu Changsheng's message?"),
    ("What about JD?", "Hu Changsheng What about JD?"),
    ("Where is Xiamen?", "Where is Xiamen?"),
    ("他和IBM谈了什么？", "胡昌升和IBM谈了什么？"),  # issue 11: the index's word for the name, not "Hu Changsheng和…"
])
def test_english_history(question, standalone):
    index_words = {"Hu Changsheng": "胡昌升", "Beijing": "北京"}  # what qa.bridges.chinese_names reads from an index
    assert carry_entities(question, ABOUT_HU_EN, translate=index_words.get) == standalone
    assert keeps_language(question, standalone)


def test_a_name_the_index_does_not_know_stays_as_written():
    """Without a Chinese form anywhere the name is kept (nothing else could find it); the check says so."""
    mixed = carry_entities("他和IBM谈了什么？", ABOUT_HU_EN, translate=lambda name: None)
    assert mixed == "Hu Changsheng和IBM谈了什么？" and not keeps_language("他和IBM谈了什么？", mixed)


@pytest.mark.parametrize("name,is_person,zh,written", [
    ("IBM", False, True, "IBM"),  # an acronym is how Chinese writes it too: never translated
    ("陈肇雄", True, False, "Chen Zhaoxiong"),
    ("北京", False, False, "Beijing"),  # a place in an English question: its English name, not 北京
    ("Hu Changsheng", True, True, "胡昌升"),
])
def test_a_carried_name_is_written_in_the_question_language(name, is_person, zh, written):
    assert in_language(name, is_person, zh, [], translate={"Hu Changsheng": "胡昌升", "IBM": "国际商业机器"}.get) == written


@pytest.mark.parametrize("question,standalone,keeps", [
    ("他和IBM谈了什么？", "胡昌升和IBM谈了什么？", True),
    ("他和IBM谈了什么？", "Hu Changsheng和IBM谈了什么？", False),
    ("交易额是多少？", "文博会 5G 交易额是多少？", True),  # acronyms and numbers are written so in Chinese
    ("What did he say?", "What did Hu Changsheng say?", True),
    ("What did he say?", "What did 胡昌升 say?", False),
    ("What about 京东?", "Hu Changsheng What about 京东?", True),  # the question's own characters
])
def test_keeps_language(question, standalone, keeps):
    assert keeps_language(question, standalone) is keeps


@pytest.mark.parametrize("question,refers", [
    ("交易额是多少？", True),  # names nothing
    ("它什么时候正式启动建设？", True),
    ("那京东呢？", True),
    ("How many employers took part?", True),
    ("What about JD?", True),
    ("When will its construction start?", True),
    ("厦门在哪里？", False),
    ("Where is Xiamen?", False),
])
def test_refers_back(question, refers):
    assert refers_back(question) is refers


def test_an_english_possessive_is_not_part_of_a_name():
    assert ("Xiamen", False) in names("When was Xiamen's 2020 waste sorting meeting held?")


def test_followup_retrieval_settings():
    """The rewrite and the question's own words weigh the same; the earlier question less: it breaks ties."""
    assert FOLLOWUP_WEIGHTS["standalone"] == FOLLOWUP_WEIGHTS["question"] > FOLLOWUP_WEIGHTS["earlier"] > 0
    assert FOLLOWUP_POOL >= 1


def test_a_carried_name_takes_the_form_the_english_answer_paired_it_with():
    """Issue 11: the follow-up stays in its own language (胡昌升和IBM谈了什么？, not Hu Changsheng和…)."""
    history = [("who did Hu Changsheng meet in Beijing?",
                "陈肇雄 (Chen Zhaoxiong)[1]\n据厦门日报报道，福建省委副书记、厦门市委书记胡昌升 (Hu Changsheng)带队在北京…[1]")]
    assert carry_entities("他和IBM谈了什么？", history) == "胡昌升和IBM谈了什么？"
    assert carry_entities("他说了什么？", history) == "胡昌升说了什么？"


def test_the_person_is_found_further_back():
    history = ABOUT_HU + [("IBM的情况呢？", "……")]
    assert antecedent(history) == [("IBM", False)]
    assert carry_entities("他说了什么？", history) == "胡昌升说了什么？"
    assert carry_entities("他说了什么？", []) == "他说了什么？"


class Rewriter:
    name = "fake-llm"

    def __init__(self, reply):
        self.reply = reply
        self.calls = []

    def rewrite_followup(self, question, history):
        self.calls.append((question, tuple(history)))
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def test_a_model_rewrites_when_there_is_one():
    model = Rewriter(" 胡昌升和IBM谈了什么？\n")
    assert rewrite("他和 IBM 谈了什么？", ABOUT_HU, generator=model) == "胡昌升和IBM谈了什么？"
    assert model.calls == [("他和 IBM 谈了什么？", tuple(ABOUT_HU))]


def test_no_history_needs_no_rewrite():
    model = Rewriter("不该被调用")
    assert rewrite("他和 IBM 谈了什么？", [], generator=model) == "他和 IBM 谈了什么？" and model.calls == []


@pytest.mark.parametrize("reply", [TimeoutError("model timed out"), ""])
def test_a_failing_model_falls_back_to_carrying_names(reply, caplog):
    with caplog.at_level(logging.WARNING, logger="qa.followup"):
        assert rewrite("他和 IBM 谈了什么？", ABOUT_HU, generator=Rewriter(reply)) == "胡昌升和 IBM 谈了什么？"
    assert ("model timed out" in caplog.text) == isinstance(reply, Exception)


def test_a_model_rewrite_in_the_other_language_falls_back_to_carrying_names(caplog):
    model = Rewriter("Hu Changsheng和IBM谈了什么？")
    with caplog.at_level(logging.INFO, logger="qa.followup"):
        assert rewrite("他和 IBM 谈了什么？", ABOUT_HU, generator=model) == "胡昌升和 IBM 谈了什么？"
    assert "changes the question's language" in caplog.text
    english = rewrite("what did he discuss with IBM?", ABOUT_HU, generator=Rewriter("胡昌升和IBM谈了什么？"))
    assert english == carry_entities("what did he discuss with IBM?", ABOUT_HU)
    assert keeps_language("what did he discuss with IBM?", english)


@pytest.mark.slow
def test_extractive_mode_through_the_assistant(bundled_assistant):
    ans = bundled_assistant.ask("他和 IBM 谈了什么？", history=ABOUT_HU)
    assert ans.question == "他和 IBM 谈了什么？"
    assert ans.details["standalone_question"] == "胡昌升和 IBM 谈了什么？"
    assert ans.found and any("包卓蓝" in c.text for c in ans.citations)


def test_the_module_examples():
    import doctest

    import qa.followup

    assert doctest.testmod(qa.followup).failed == 0


def test_a_latin_word_an_earlier_chinese_turn_used_is_chinese_usage():
    history = [("iPhone 12在中国卖得怎样？", "iPhone 12首周销量上升。")]
    assert rewrite("它卖了多少？", history, generator=Rewriter("iPhone 12卖了多少？")) == "iPhone 12卖了多少？"
    assert keeps_language("它卖了多少？", "iPhone卖了多少？", history)
    assert not keeps_language("它卖了多少？", "iPhone卖了多少？")  # nothing said it before
    assert not keeps_language("他说了什么？", "Hu Changsheng说了什么？", [("Who met Hu Changsheng?", "Hu Changsheng met …")])


ABOUT_FESTIVAL = [("鼓浪屿钢琴音乐节什么时候开幕？", "11月20日开幕[1]。")]


@pytest.mark.parametrize("question,standalone", [
    ("它在哪里举行？", "鼓浪屿钢琴音乐节在哪里举行？"),  # 它 is the thing talked about, not only 鼓浪屿
    ("这个音乐节有多少人参加？", "鼓浪屿钢琴音乐节有多少人参加？"),  # 这个 with the noun the topic ends in
    ("该音乐节由谁主办？", "鼓浪屿钢琴音乐节由谁主办？"),
    ("门票多少钱？", "鼓浪屿钢琴音乐节门票多少钱？"),  # names nothing: it asks about the topic
    ("其他活动有哪些？", "鼓浪屿钢琴音乐节其他活动有哪些？"),  # 其他 is a word, not the pronoun 其
    ("厦门在哪里？", "厦门在哪里？"),  # a new question about what it names
    ("这家公司做什么？", "鼓浪屿钢琴音乐节 这家公司做什么？"),  # points at something else: the topic only steers
])
def test_a_chinese_followup_is_about_the_earlier_questions_topic(question, standalone):
    """The earlier question opens with what it is about (鼓浪屿钢琴音乐节); a follow-up that points
    back (它, 这个音乐节) or names nothing asks about that thing, not only about the names in it."""
    assert carry_entities(question, ABOUT_FESTIVAL) == standalone


@pytest.mark.parametrize("question, about", [
    ("厦门地铁3号线什么时候实现全线轨道铺通？", "厦门地铁3号线"),
    ("第十三届海峡两岸文博会在哪里举行？", "第十三届海峡两岸文博会"),
    ("市政府第117次常务会议研究了什么工作？", "市政府第117次常务会议"),
    ("什么时候开通？", ""),
    ("Where was the fair held?", ""),
])
def test_topic_is_the_noun_phrase_a_question_opens_with(question, about):
    from qa.followup import topic

    assert topic(question) == about


def test_a_person_topic_is_not_what_it_points_to():
    """它 never names a person: after a question about 胡昌升, the names are carried as before."""
    assert carry_entities("它什么时候成立？", ABOUT_HU) == "胡昌升 北京 它什么时候成立？"


ABOUT_FESTIVAL_EN = [("When does the Gulangyu piano festival open?", "On 20 November [1].")]


@pytest.mark.parametrize("question,standalone", [
    ("Where is it held?", "Where is the Gulangyu piano festival held?"),  # it is the thing talked about
    ("What is its theme?", "What is the Gulangyu piano festival's theme?"),
    ("How much are the tickets?", "The Gulangyu piano festival: how much are the tickets?"),  # names nothing
    ("Where is Xiamen?", "Where is Xiamen?"),  # a new question about what it names
    ("Who organised that?", "Gulangyu Who organised that?"),  # this / that / there: the names, as before
    ("It opened when?", "The Gulangyu piano festival opened when?"),  # capitalised at the start
    ("Is the IT park open?", "Gulangyu Is the IT park open?"),  # IT, the acronym, is not "it"
    ('Did "It Follows" play there?', 'Gulangyu Did "It Follows" play there?'),  # nor a title's "It"
    ("How much did temperatures drop?", "The Gulangyu piano festival: how much did temperatures drop?"),  # own subject, no name
    ("Was the Gulangyu piano festival free before it moved?", "Was the Gulangyu piano festival free before it moved?"),
    ("how much are the tickets?", "The Gulangyu piano festival: how much are the tickets?"),  # already lower-case
    ("Where?", "The Gulangyu piano festival: where?"),
    ("How much does it cost to attend?", "The Gulangyu piano festival: how much does it cost to attend?"),  # "it"
    # stands for "to attend": the subject goes in front
    ("Is it expected to open on time?", "Is the Gulangyu piano festival expected to open on time?"),
])
def test_an_english_followup_is_about_the_earlier_questions_subject(question, standalone):
    """The English counterpart of the Chinese topic: the earlier question's subject (the Gulangyu piano
    festival) is written in for "it" / "its", or in front of a follow-up that names nothing."""
    assert carry_entities(question, ABOUT_FESTIVAL_EN) == standalone
    assert keeps_language(question, standalone)


def test_an_english_person_subject_is_not_what_it_points_to():
    """"it" never names a person: after a question about Hu Changsheng the names are carried as before."""
    assert carry_entities("When did it start?", ABOUT_HU_EN) == "Hu Changsheng Beijing When did it start?"


def test_an_empty_english_followup_is_left_as_it_is():
    assert carry_entities("   ", ABOUT_FESTIVAL_EN).strip() in ("", "Gulangyu")


@pytest.mark.parametrize("standalone, question, only", [
    ("胡昌升 北京 谈了什么？", "谈了什么？", True),  # names in front, apart
    ("Xiamen When was that announced?", "When was that announced?", True),
    ("今冬首场寒潮气温降了多少？", "气温降了多少？", False),  # the topic written in
    ("The fair: how many came?", "how many came?", False),  # a subject written in front, whatever the case
    ("The fair: How many came?", "How many came?", False),
    ("How many came?", "How many came?", False),  # not rewritten
])
def test_steers_only_tells_names_put_in_front_from_a_rewrite(standalone, question, only):
    from qa.followup import steers_only

    assert steers_only(standalone, question) is only
