"""Answers on the bundled page with the real default encoder: the done-when questions."""

from __future__ import annotations

import pytest

from qa.extractive import Candidate
from qa.types import Answer, Article

pytestmark = pytest.mark.slow
PEOPLE = ["陈肇雄", "刘宇", "孙瑜", "包卓蓝", "林中湘"]
ROMANISED = ["Chen Zhaoxiong", "Liu Yu", "Sun Yu", "Bao Zhuolan", "Lin Zhongxiang"]


def _hu_article(bot) -> str:
    return next(a.id for a in bot.articles() if "胡昌升" in a.title)


@pytest.mark.parametrize("question", ["胡昌升在北京会见了哪些人？", "who did Hu Changsheng meet in Beijing?"])
def test_hu_changsheng_meetings(bundled_assistant, question):
    ans = bundled_assistant.ask(question)
    assert ans.found
    named = [p for p in PEOPLE if p in ans.answer]
    assert len(named) >= 4, ans.answer
    assert ans.citations and {c.article_id for c in ans.citations} == {_hu_article(bundled_assistant)}
    # every marker refers to a listed source, every source is used
    import re

    used = {int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)}
    assert used == {c.n for c in ans.citations}
    quoted = re.sub(r" \([A-Z][a-zü]+ [A-Z][a-zü]+\)", "", ans.answer)  # English answers romanise names
    for c in ans.citations:
        art = bundled_assistant.store.article(c.article_id)
        assert art.text[c.start:c.end] == c.text
        for s, e in c.highlights:
            assert c.start <= s < e <= c.end and art.text[s:e] in quoted


def test_english_answer_romanises_names_and_says_what_was_found(bundled_assistant):
    ans = bundled_assistant.ask("who did Hu Changsheng meet in Beijing?")
    assert ans.language == "en" and ans.answer.startswith("Found in 1 article")
    assert sum(r in ans.answer for r in ROMANISED) >= 4
    assert "陈肇雄 (Chen Zhaoxiong)" in ans.answer or "包卓蓝 (Bao Zhuolan)" in ans.answer
    assert ans.details["expansions"]["Hu Changsheng"] == ["胡昌升"]


@pytest.mark.parametrize("question, language, message", [
    ("厦门大学的校长是谁？", "zh", "没有找到"),
    ("Who won the 2022 World Cup?", "en", "Not found in the indexed articles"),
    ("IBM在中国有多少名员工？", "zh", "没有找到"),
    ("How many employees does IBM have in China?", "en", "Not found in the indexed articles"),
])
def test_out_of_corpus_questions_are_not_answered(bundled_assistant, question, language, message):
    ans = bundled_assistant.ask(question)
    assert not ans.found and ans.citations == ()
    assert ans.language == language and message in ans.answer
    assert "[" not in ans.answer


@pytest.mark.parametrize("question", [
    "美亚柏科的董事长是谁？",                    # 美亚柏科 is there, its chairman is not
    "Who is the chairman of Meiya Pico?",
    "京东集团哪位高管与胡昌升会面？",            # "met the company's senior managers", unnamed
    "厦门市与中国绿发签订的战略合作协议涉及多少投资金额？",  # the agreement has no figure
])
def test_who_and_how_much_need_a_sentence_that_gives_one(bundled_assistant, question):
    ans = bundled_assistant.ask(question)
    assert not ans.found and ans.citations == ()
    assert "gives a" in ans.details["evidence"]["reason"]


def test_a_subject_named_once_is_followed_through_its_passage():
    from qa.extractive import ExtractiveGenerator
    from qa.query import KeyTerm

    text = "长鳍新平鲉为鲉科的其中一种。分布于澳洲海域。体长可达21公分。另一种鱼体长5公分。"
    article = Article(id="a", title="长鳍新平鲉", text=text)
    ends = [i + 1 for i, ch in enumerate(text) if ch == "。"]
    passages = [1, 1, 1, 2]  # the last sentence is in another passage
    sents = [Candidate(n, article, s, e) for n, s, e in zip(passages, [0, *ends[:-1]], ends)]
    focus = [KeyTerm("长鳍新平鲉", ("长鳍新平鲉",), "name", 3.0), KeyTerm("体长", ("体长",), "noun")]
    about = ExtractiveGenerator.about(focus, sents, lambda t: t.weight)
    # the subject's sentence, and in its passage the one that says 体长
    assert about == ["长鳍新平鲉为鲉科的其中一种。", "体长可达21公分。"]


@pytest.mark.parametrize("text, kind, asked, posts, expected", [
    ("胡昌升与中国绿发董事长刘宇座谈交流。", "person", {"胡昌升"}, (), True),
    ("胡昌升与中国绿发董事长刘宇座谈交流。", "person", {"胡昌升"}, ("董事长",), True),
    ("胡昌升与IBM全球副总裁包卓蓝座谈。", "person", {"胡昌升"}, ("董事长",), False),  # not the post asked
    ("汇聚美亚柏科等有关企业和福建省直有关部门的嘉宾。", "person", {"美亚"}, ("董事长",), False),
    ("胡昌升还走访了京东集团，与企业高层会面。", "person", {"胡昌升", "京东"}, ("高管",), False),
    ("论坛由致公党福建省委会主办。", "person", set(), (), True),   # 由谁主办: an organisation answers
    ("推动合作取得更加丰硕成果。", "person", set(), (), False),          # jieba tags 丰硕成果 nr
    ("现存建筑由著名教堂设计师拉尔夫·克拉姆设计。", "person", set(), (), True),
    ("The church was designed by Ralph Adams Cram.", "person", set(), (), True),
    ("厦门经济特区建立40年来，为跨国公司创造大量发展机会。", "number", set(), (), True),
    ("11月17日，双方签订协议。", "number", set(), (), False),            # a date is not a quantity
    ("第二届论坛于2019年举办。", "number", {"二"}, (), False),            # nor the question's own number
    ("捐赠了价值人民币13.4万元智能测温设备。", "number", set(), (), True),
])
def test_gives(text, kind, asked, posts, expected):
    from qa.evidence import gives
    from qa.query import KeyTerm

    assert gives(text, kind, asked, posts=[KeyTerm(p, (p,), "noun") for p in posts]) is expected


@pytest.mark.parametrize("question, fact", [
    ("美亚柏科捐赠的设备价值多少钱？", "13.4万元"),
    ("How much were the devices donated by Meiya Pico worth?", "13.4万元"),
    ("金砖创新基地建设将在哪一天正式启动？", "12月8日"),
    ("When will construction of the BRICS innovation base be officially launched?", "12月8日"),
    ("厦门被列为什么？", "省级历史文化名城"),
])
def test_facts_are_quoted_with_citations(bundled_assistant, question, fact):
    ans = bundled_assistant.ask(question)
    assert ans.found and fact in ans.answer and ans.citations


def test_stream_yields_text_then_the_answer(bundled_assistant):
    events = list(bundled_assistant.stream("美亚柏科捐赠了什么？"))
    final = events[-1]
    assert isinstance(final, Answer) and all(isinstance(e, str) for e in events[:-1])
    assert "".join(events[:-1]).strip() == final.answer
    assert {"retrieve", "answer", "total"} <= set(final.timings_ms)


def test_json_shape(bundled_assistant):
    d = bundled_assistant.ask("胡昌升在北京会见了哪些人？").to_dict()
    assert {"question", "answer", "found", "citations", "timings_ms"} <= set(d)
    assert {"n", "article_id", "title", "source", "author", "text", "start", "end", "score"} <= set(d["citations"][0])
    import json

    json.dumps(d, ensure_ascii=False)  # JSON-ready
