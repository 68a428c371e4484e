"""Language data files: each says where it comes from, loads, and holds what its users expect."""

from __future__ import annotations

import re

import pytest

from qa.lang import resources
from qa.lang.names import compound_surnames, org_suffixes, posts, posts_en, surnames


def test_every_file_names_its_source_and_has_entries():
    srcs = resources.sources()
    assert {"stopwords_zh", "stopwords_en", "surnames", "compound_surnames", "posts", "org_suffixes",
            "question_nouns", "answer_cues", "count_nouns", "generic_names", "places_en", "units",
            "date_words", "question_words_en", "question_nouns_en", "irregular_en", "months_en",
            "answer_type_words", "not_names_en", "pronouns", "function_chars", "date_words_en",
            "period_words", "open_clause_ends", "orgs_en", "answer_cues_learned", "digest_words"} <= set(srcs)
    for name, source in srcs.items():
        assert len(source) > 20, f"{name}.txt: the first comment must say where the list comes from"
        assert resources.words(name), f"{name}.txt is empty"


def test_a_missing_file_names_itself():
    with pytest.raises(FileNotFoundError, match="no_such_list"):
        resources.words("no_such_list")


def test_stopwords():
    from qa.lang.segment import stopwords_en, stopwords_zh

    assert {"的", "了", "哪些", "什么"} <= stopwords_zh()
    assert {"the", "of", "what"} <= stopwords_en()
    assert "会见" not in stopwords_zh() and "meet" not in stopwords_en()


def test_surnames():
    assert {"胡", "陈", "欧", "包", "林"} <= surnames() and all(len(s) == 1 for s in surnames())
    assert "欧阳" in compound_surnames() and all(len(s) == 2 for s in compound_surnames())


def test_posts_both_ways():
    assert "chairman" in posts()["董事长"]
    assert "董事长" in posts_en()["chairman"] and "首席执行官" in posts_en()["ceo"]


def test_org_suffixes_longest_first():
    s = org_suffixes()
    assert "公司" in s and "局" in s and s.index("有限公司") < s.index("公司")


def test_answer_cues_compile_and_name_known_kinds():
    rows = resources.table("answer_cues", 3)
    assert {(k, lang) for k, lang, _ in rows} == {(k, lang) for k in ("person", "date", "place", "org", "number", "list")
                                                  for lang in ("zh", "en")}
    for _, _, pattern in rows:
        re.compile(pattern)


def test_count_nouns_use_units_the_number_reader_returns():
    from qa.lang.numbers import find_quantities

    for word, units in resources.mapping("count_nouns").items():
        for unit in units:
            got = find_quantities(f"共有12{unit}。")
            assert got and got[0].unit == unit, (word, unit, got)


def test_places_and_generic_names():
    from qa.lang.pinyin import romanize_place

    assert romanize_place("中国") == "China" and romanize_place("香港") == "Hong Kong"
    assert romanize_place("厦门市") == "Xiamen"
    assert "城市" in resources.words("generic_names")


def test_open_clause_ends():
    assert {"宣布", "表示", "时", "后"} <= resources.words("open_clause_ends")
    assert "举办" not in resources.words("open_clause_ends")


def test_question_nouns():
    assert {"时间", "地点", "钱"} <= resources.words("question_nouns")


def test_english_question_words_add_to_the_stopwords():
    from qa.bridges.english import content, question_words, words
    from qa.lang.segment import stopwords_en

    extra = resources.words("question_words_en")
    assert {"many", "according", "report", "name"} <= extra and not extra & stopwords_en()
    assert stopwords_en() | extra == question_words()
    assert [w.text for w in content(words("How many companies did the report name?"))] == ["companies"]


def test_english_question_nouns():
    from qa.bridges.dictionary import generic_nouns

    assert {"day", "date", "place", "reason", "number"} <= generic_nouns()
    assert "company" not in generic_nouns()


def test_irregular_english_forms():
    from qa.bridges.english import irregular, lemmas

    forms = [form for _, *fs in resources.table("irregular_en") for form in fs]
    assert len(forms) == len(set(forms)), "a form under two base forms"
    assert irregular()["met"] == "meet" and irregular()["children"] == "child"
    assert lemmas("met")[0] == "meet" and lemmas("took")[0] == "take" and lemmas("cities")[0] == "city"


def test_english_months_in_order():
    from qa.bridges import months
    from qa.shortanswer import english_date

    names = resources.ordered("months_en")
    assert len(names) == 12 and names[0] == "January" and names[4] == "May" and names[-1] == "December"
    assert months()["november"] == 11 and months()["nov"] == 11 and months()["may"] == 5 and months()["sep"] == 9
    assert english_date("2020-11-17") == "17 November 2020"


def test_answer_type_words_both_languages():
    from qa.bridges import answer_type_words
    from qa.bridges.english import words

    rows = {(role, lang): ws for role, lang, *ws in resources.table("answer_type_words")}
    assert set(rows) == {(r, lang) for r in ("asking", "between") for lang in ("zh", "en")}
    assert {"什么", "哪"} <= set(rows["asking", "zh"]) and {"what", "which"} <= set(rows["asking", "en"])
    assert "座" in rows["between", "zh"] and all(len(c) == 1 for c in rows["between", "zh"])  # read per character
    assert "two" in rows["between", "en"]
    assert answer_type_words(words("Which two officials met Hu Changsheng?")) == {1, 2}


def test_english_words_that_are_not_names():
    from qa.bridges.english import question_words
    from qa.followup import names

    not_names = resources.words("not_names_en")
    assert {"what", "according", "the"} <= not_names <= question_words()
    assert not {"he", "she", "may"} & not_names  # these can be names
    assert names("According to Xinhua, what did Hu Changsheng say?") == [("Xinhua", False), ("Hu Changsheng", True)]


def test_pronouns():
    from qa.followup import _pronouns

    rows: dict[tuple[str, str], list[str]] = {}
    for role, lang, *ws in resources.table("pronouns"):
        rows.setdefault((role, lang), []).extend(ws)
    assert {"他", "他们"} <= set(rows["person", "zh"]) and {"he", "his", "they"} <= set(rows["person", "en"])
    for lang in ("zh", "en"):
        assert set(rows.get(("plural", lang), [])) <= set(rows["person", lang])
        assert set(rows.get(("possessive", lang), [])) <= set(rows["person", lang])
    assert _pronouns("zh").person.search("他们说了什么").group() == "他们"  # the longer word first
    assert _pronouns("zh").other.search("这家公司").group() == "这家"
    assert _pronouns("en").person.search("What did she say?").group() == "she"
    assert not _pronouns("en").person.search("Where is the theatre?")  # whole words only


def test_function_chars_at_span_edges():
    from qa.lang.segment import stopwords_zh
    from qa.shortanswer import function_chars

    rows = {edge: chars for edge, *chars in resources.table("function_chars")}
    assert set(rows) == {"start", "end"} and all(len(c) == 1 for cs in rows.values() for c in cs)
    first, last = function_chars()
    assert {"的", "于", "在"} <= first and "等" in last and "等" not in first
    assert first | last <= stopwords_zh()


def test_learned_answer_cues_are_question_words_of_known_kinds():
    from qa.query import cue_spans

    rows = resources.table("answer_cues_learned")
    assert {lang for _, lang, *_ in rows} == {"zh", "en"} and len(rows) >= 20
    for kind, lang, *words, n, share in rows:
        key = " ".join(words)
        assert kind in {"person", "date", "place", "org", "number"}
        assert (0, len(key)) in cue_spans(key, lang), key  # a key is a cue span of itself
        assert int(n) >= 5 and 0.5 <= float(share) <= 1
