"""The offline answer on articles nobody tuned on (tests/fixtures): found when the articles
say, refused when they do not, a short answer first, then one supporting quote per line.

Each test is one of the failures the answers issue listed, on new text. The ones marked
``xfail(strict=True)`` still fail with the learned answer model of 2026-12-03 (see
train/report/report.md): they are the open part of the issue, and the strict mark makes
the suite say so the day they pass."""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = pytest.mark.slow
OPEN = "open in issue 9: the learned model quotes on-topic passages that do not state the answer"


def ask(bot, question):
    return bot.ask(question)


def facts_in(text, facts):
    return [forms[0] for forms in facts if any(f in text for f in forms)]


@pytest.mark.parametrize("qid", ["f01", "f02", "f13", "f14", "f20", "f21"])
def test_paraphrased_and_new_questions_are_answered(fixture_assistant, fixture_questions, qid):
    q = fixture_questions[qid]
    ans = ask(fixture_assistant, q["question"])
    assert ans.found, (q["question"], ans.answer, ans.details["evidence"])
    assert facts_in(ans.answer, q["facts"]) == [forms[0] for forms in q["facts"]], ans.answer
    assert ans.probability is not None and ans.probability >= ans.details["evidence"]["threshold"]


@pytest.mark.xfail(strict=True, reason=OPEN)
@pytest.mark.parametrize("qid", ["f11", "f12", "f30", "f31"])
def test_on_topic_questions_the_articles_do_not_answer_are_refused(fixture_assistant, fixture_questions, qid):
    q = fixture_questions[qid]
    ans = ask(fixture_assistant, q["question"])
    assert not ans.found and ans.citations == () and ans.quotes == (), ans.answer
    assert ans.probability < ans.details["evidence"]["threshold"]


@pytest.mark.parametrize("question", ["？？？", "!!!", "🙂🙂🙂", "……", "'; DROP TABLE chunks;--"])
def test_questions_without_content_are_not_answered(fixture_assistant, question):
    ans = ask(fixture_assistant, question)
    assert not ans.found and ans.citations == ()
    if not re.search(r"\w", question):
        assert ans.details["reason"] == "no content" and "nothing to look for" in ans.answer or "没有可以查找" in ans.answer


def test_a_removed_article_is_not_quoted_from_others(fixture_index, tmp_path):
    from qa.assistant import Assistant

    root = tmp_path / "index"
    shutil.copytree(fixture_index, root)
    bot = Assistant.load(root)
    tunnel = next(a.id for a in bot.articles() if "隧道" in a.title)
    assert ask(bot, "When does the Jinshawan undersea tunnel open to the public?").found
    bot.remove(tunnel)
    ans = ask(bot, "When does the Jinshawan undersea tunnel open to the public?")
    assert not ans.found and ans.citations == (), ans.answer


@pytest.mark.xfail(strict=True, reason="open in issue 9: a paraphrased list question ranks the right sentence low")
def test_the_right_sentence_is_not_buried(fixture_assistant, fixture_questions):
    for qid in ("f05", "f06"):
        q = fixture_questions[qid]
        ans = ask(fixture_assistant, q["question"])
        assert ans.found and ans.quotes
        first = ans.quotes[0].text
        assert len(facts_in(first, q["facts"])) == len(q["facts"]), ans.answer
        assert len(ans.quotes) <= 2, ans.answer  # not five others around it


def test_a_short_answer_heads_the_answer_and_each_quote_has_its_own_line(fixture_assistant, fixture_questions):
    ans = ask(fixture_assistant, fixture_questions["f20"]["question"])  # 票价是多少？
    assert ans.short_answer is not None and ans.short_answer.text == "38元" and ans.short_answer.type == "quantity"
    lines = ans.answer.split("\n")
    assert lines[0].startswith("38元[")
    assert all(re.search(r"\[\d+\]$", line) for line in lines), ans.answer
    assert [q.text for q in ans.quotes] == [re.sub(r"\[\d+\]$", "", line) for line in lines[1:]]
    assert all(0 <= q.probability <= 1 for q in ans.quotes)
    d = ans.to_dict()
    assert d["short_answer"]["text"] == "38元" and d["short_answer"]["citations"] == [1]
    assert all("probability" in q for q in d["quotes"])


@pytest.mark.parametrize("question, short, english", [
    ("金沙湾海底观光隧道每天几点开放？", "9时至17时30分", None),  # f26: the date 12月18日 was its short answer
    ("What time does the Jinshawan undersea tunnel open each day?", "9时至17时30分", "9:00–17:30"),
])
def test_a_time_of_day_is_answered_with_a_clock_time_not_a_date(fixture_assistant, question, short, english):
    ans = ask(fixture_assistant, question)
    assert ans.found and ans.short_answer is not None and ans.short_answer.type == "time", ans.answer
    assert ans.short_answer.text.startswith(short) and (english is None or english in ans.short_answer.text)
    # the day it opens is still a date
    day = ask(fixture_assistant, "金沙湾海底观光隧道哪天正式开放？")
    assert day.short_answer is not None and day.short_answer.type == "date" and day.short_answer.text == "12月18日"


@pytest.mark.xfail(strict=True, reason="open in issue 9: sentences that say 座谈 for 会见 score too low to be listed")
@pytest.mark.parametrize("qid", ["f03", "f04"])
def test_people_met_are_listed_first(fixture_assistant, fixture_questions, qid):
    q = fixture_questions[qid]
    ans = ask(fixture_assistant, q["question"])
    assert ans.found and ans.short_answer is not None, ans.answer
    named = facts_in(ans.short_answer.text, q["facts"])
    assert len(named) >= 2, ans.short_answer
    if q["lang"] == "en":
        assert any(forms[1] in ans.short_answer.text for forms in q["facts"])  # romanised: Zhou Mingyuan


def test_a_company_named_after_a_preposition_is_answered_whole_and_not_romanised(fixture_assistant, fixture_questions):
    """由鲁东路桥建设集团有限公司承建: jieba reads 由鲁东 as a person's name; the answer names the whole
    company and romanises no "You Ludong" (annotations v5)."""
    ans = ask(fixture_assistant, fixture_questions["f40"]["question"])
    assert ans.found and ans.short_answer is not None and ans.short_answer.text == "鲁东路桥建设集团有限公司", ans.answer
    assert "You Ludong" not in ans.answer and "(You" not in ans.answer


def test_traditional_chinese_questions_are_answered_like_simplified(fixture_assistant):
    simp = ask(fixture_assistant, "金沙湾海底观光隧道的票价是多少？")
    trad = ask(fixture_assistant, "金沙灣海底觀光隧道的票價是多少？")
    assert trad.found and trad.short_answer and trad.short_answer.text == simp.short_answer.text


def test_a_typed_short_answer_is_not_limited_to_annotations_of_the_kind_asked(fixture_assistant, fixture_questions):
    """哪个区 asks for a place; the tagger reads 文登 (in 文登区) as a person's name, so an answer
    limited to place annotations could not give it. The span chooser weighs the kind but is not
    bound by it; a span that is no annotation is typed "text", not the kind asked."""
    q = fixture_questions["f44"]
    ans = ask(fixture_assistant, q["question"])
    assert ans.found and ans.short_answer is not None, ans.answer
    assert facts_in(ans.short_answer.text, q["facts"]), ans.short_answer
    assert ans.short_answer.type != "place"  # what the annotations call it, not what was asked


def test_which_spans_can_answer():
    """多少人 / how many people: only a count of people; an English who/when/where/how many
    question: an annotation (it has an English form); any other question: any span."""
    from qa.extractive import can_answer
    from qa.features import make_query
    from qa.query import analyze
    from qa.shortanswer import Span

    people, minutes = (Span(0, 0, 3, t, "quantity", norm) for t, norm in (("300人", "300 人"), ("5分钟", "5 分钟")))
    fragment, name = Span(0, 0, 2, "我市", None), Span(0, 0, 3, "邵文彬", "person", "Shao Wenbin")
    count = make_query(analyze("论坛有多少人参加？"))
    assert count.units and can_answer(count, people)
    assert not can_answer(count, minutes) and not can_answer(count, fragment)
    where = make_query(analyze("论坛在哪里举行？"))
    assert can_answer(where, fragment) and can_answer(where, minutes)
    who_en = make_query(analyze("Who gave the keynote speech at the forum?"))
    assert who_en.answer_type and can_answer(who_en, name) and can_answer(who_en, minutes)
    assert not can_answer(who_en, fragment)
    assert can_answer(make_query(analyze("What was the theme of the forum?")), fragment)


# the whole fixture set: found when answerable with every fact, refused when not
SCORECARD_FLOOR = 25  # measured 27 of 47 on 2026-12-01 (answerable 26 of 35, unanswerable 1 of 12), 32 on 2026-12-04 (29, 3)


def test_fixture_scorecard(fixture_assistant, fixture_questions):
    right = 0
    for q in fixture_questions.values():
        ans = ask(fixture_assistant, q["question"])
        facts = all(any(f in ans.answer for f in forms) for forms in q["facts"])
        right += ans.found == q["answerable"] and (not ans.found or facts)
    assert right >= SCORECARD_FLOOR, f"{right} of {len(fixture_questions)} fixture questions answered right"


# -- questions asking for several things (qa/lists.py) ----------------------------------

def _list_limit(bot, ans):
    from qa.extractive import ExtractiveGenerator

    gen = bot.generator
    assert isinstance(gen, ExtractiveGenerator)
    return min(float(gen.model.thresholds["quote"]), ans.details["evidence"]["threshold"])


@pytest.mark.xfail(strict=True, reason="open in issue 9: the answer model of 2026-12-04 (paired questions; README, Training the answer model) scores the 中国电科 座谈 sentence "
                   "under the list limit, so Chen Zhaoxiong is not listed (an unpaired retrain on the same code lists only Lin Zhongxiang)")
def test_a_list_names_the_parallel_items_of_every_supporting_sentence(bundled_assistant):
    ans = ask(bundled_assistant, "Which people did Hu Changsheng meet in Beijing?")
    assert ans.found and ans.short_answer is not None and ans.short_answer.type == "person", ans.answer
    # 在中国电科，胡昌升与董事长陈肇雄等座谈 / 来到IBM…包卓蓝…座谈 / 还会见了…林中湘: each its own sentence
    names = ["Chen Zhaoxiong", "Bao Zhuolan", "Lin Zhongxiang"]
    assert all(n in ans.short_answer.text for n in names), ans.short_answer
    assert [ans.short_answer.text.index(n) for n in names] == sorted(ans.short_answer.text.index(n) for n in names)
    assert ", " in ans.short_answer.text and "、" not in ans.short_answer.text
    quoted = "".join(q.text for q in ans.quotes)
    assert all(zh in quoted for zh in ("陈肇雄", "包卓蓝", "林中湘"))  # every item stands in a quoted sentence
    # never padded: every quote but the likeliest is scored as supporting
    limit = _list_limit(bundled_assistant, ans)
    assert all(q.probability >= limit for q in sorted(ans.quotes, key=lambda q: -q.probability)[1:]), ans.quotes


@pytest.mark.xfail(strict=True, reason="open: the model scores 胡昌升与…刘宇、孙瑜座谈 and the other 座谈 sentences "
                                      "about 0.03 for 会见 (the model of 2026-12-03; quote threshold 0.3), so they are not quoted")
def test_a_chinese_list_names_the_people_met_in_sentences_that_say_zuotan(bundled_assistant):
    ans = ask(bundled_assistant, "胡昌升在北京会见了哪些人？")
    assert ans.short_answer is not None
    assert sum(n in ans.short_answer.text for n in ("陈肇雄", "刘宇", "孙瑜", "包卓蓝", "林中湘")) >= 3, ans.answer


def test_a_list_across_articles_is_grouped_by_article(fixture_assistant):
    ans = ask(fixture_assistant, "On which days were the Haina Medical donation ceremony and the third "
                                 "Weihai tech innovation forum held?")
    assert ans.found, ans.answer
    titles = list(dict.fromkeys(c.title for c in ans.citations))
    assert len(titles) == 2, ans.answer
    lines = ans.answer.split("\n")
    headings = [line for line in lines if line.startswith("From «")]
    assert headings == [f"From «{t}»:" for t in titles], ans.answer  # one heading per article
    by_n = {c.n: c.title for c in ans.citations}
    current = None
    for line in lines[lines.index(headings[0]):]:
        if line in headings:
            current = line[len("From «"):-len("»:")]
            continue
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", line)}
        assert cited and {by_n[n] for n in cited} == {current}, (line, current)  # under its own article
    assert "12月20日" in ans.short_answer.text and "12月16日" in ans.short_answer.text, ans.short_answer
    assert len(ans.short_answer.citations) == 2


def test_a_question_asking_for_one_thing_is_answered_as_before(fixture_assistant):
    """The single-answer path: the best sentence, those above the quote threshold and the
    short answer's own; no article headings."""
    from qa.query import asks_for_a_list

    question = "Who is the chairman of Haina Medical?"
    ctx, _ = fixture_assistant.context(question)
    assert not asks_for_a_list(question, ctx.language)
    gen = fixture_assistant.generator
    j = gen.judge(ctx)
    short = gen.short(ctx, j)
    expected = [ctx.evidence.candidates[i].text for i in gen.quotes(ctx, j, also=[sp.sentence for sp in short.spans])]
    ans = ask(fixture_assistant, question)
    assert [q.text for q in ans.quotes] == expected
    assert ans.short_answer is not None and len(short.spans) == 1 and "冯晓东" in ans.short_answer.text
    assert not any(line.startswith(("From «", "《")) for line in ans.answer.split("\n"))


def test_of_equally_likely_short_answers_the_chooser_s_higher_raw_score_wins():
    """Isotonic calibration is flat between its steps: two spans of one sentence can get the
    same probability (胡昌升 and 陈肇雄 for 中国电子科技集团的董事长是谁？, .242 each); the
    chooser's raw score, which the calibration flattened, decides; then the first span."""
    import numpy as np

    from qa.extractive import likeliest

    assert likeliest(np.array([0.242, 0.242, 0.1]), np.array([0.3, 0.9, 2.0])) == 1
    assert likeliest(np.array([0.242, 0.242]), np.array([0.5, 0.5])) == 0
    assert likeliest(np.array([0.1, 0.3]), np.array([5.0, -1.0])) == 1


def test_an_english_question_about_a_chinese_name_the_articles_lack_is_refused(bundled_assistant):
    # the name written in Chinese is a key term the passages must have (it was dropped, and this was answered)
    assert not ask(bundled_assistant, "Who is 马云?").found
    ans = ask(bundled_assistant, "What did 包卓蓝 say about Xiamen?")
    assert ans.found and "包卓蓝" in ans.quotes[0].text


@pytest.mark.parametrize(("question", "post"), [
    ("邵文彬是谁？", "市文化和旅游局局长"),
    ("冯晓东担任什么职务？", "海纳医疗董事长"),
    ("Who is Tan Zhihong?", "海韵文旅公司总经理 (manager)"),
    ("What is Cao Lijuan's position?", "市第三人民医院院长 (dean)"),
])
def test_who_a_named_person_is_is_answered_by_their_post(fixture_assistant, question, post):
    """Not by another person's name (the span chooser's person answer): the question names the person."""
    ans = ask(fixture_assistant, question)
    assert ans.found and ans.short_answer is not None, ans.answer
    assert ans.short_answer.text == post and ans.short_answer.type == "post"
    cited = ans.quotes[[q.n for q in ans.quotes].index(ans.short_answer.citations[0])].text
    assert post.split(" (")[0] in cited, ans.answer



def test_a_post_given_to_the_named_person_answers_even_under_the_threshold(fixture_assistant):
    """The model never saw such questions in training (none of DRCD's or CMRC trial's has the
    form): the sentence giving the person a post answers, whatever its probability."""
    ans = ask(fixture_assistant, "冯晓东担任什么职务？")
    ev = ans.details["evidence"]
    assert ans.found and ans.short_answer.text == "海纳医疗董事长"
    if ev["probability"] < ev["threshold"]:
        assert "gives 冯晓东 a post" in ev["reason"]


@pytest.mark.parametrize(("question", "author"), [
    ("关于双岛湾大桥通车的报道是谁写的？", "薛凯"),
    ("谁报道了孙立群赴上海招商？", "刘晓彤"),
    ("Who wrote the report on the Shuangdao Bay bridge?", "薛凯 (Xue Kai)"),
])
def test_who_wrote_an_article_is_answered_by_its_byline(fixture_assistant, question, author):
    ans = ask(fixture_assistant, question)
    assert ans.found and ans.short_answer is not None and ans.short_answer.type == "author", ans.answer
    assert ans.short_answer.text == author
    cited = {c.n: c for c in ans.citations}[ans.short_answer.citations[0]]
    assert cited.author == author.split(" (")[0]


def test_a_byline_question_about_no_article_is_refused(fixture_assistant):
    ans = ask(fixture_assistant, "关于2022年世界杯决赛的报道是谁写的？")
    assert not ans.found and ans.short_answer is None


def test_an_article_without_a_byline_is_answered_from_its_text(tmp_path):
    """No byline to read: the usual answer (the text may say who wrote it), not an empty one."""
    import json

    from qa.assistant import Assistant
    from qa.settings import Settings

    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"title": "海岳湾潮汐观测报告发布", "text": (
        "海岳湾潮汐观测报告近日发布。这份报告由海洋学者欧阳文华撰写，记录了海岳湾十年来的潮汐变化。"
        "报告指出，海岳湾平均潮差为2.3米。")}, ensure_ascii=False) + "\n", encoding="utf-8")
    bot = Assistant(Settings.load(env={}, index_dir=tmp_path / "index"))
    bot.build([src])
    assert bot.articles()[0].author is None
    ans = bot.ask("海岳湾潮汐观测报告是谁写的？")
    assert ans.found and ans.quotes, ans.answer
    assert ans.short_answer is None or ans.short_answer.type != "author"
