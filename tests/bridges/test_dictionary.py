"""Words bridge: English words and phrases to Chinese terms with CC-CEDICT."""

from __future__ import annotations

import pytest

from qa.bridges import EnglishBridge, answer_type_words
from qa.bridges.dictionary import DictionaryBridge, _leading_name, _ranked_phrases
from qa.bridges.english import lemmas, words
from qa.query import analyze

VOCAB = {w: i for i, w in enumerate(["会见", "会面", "捐赠", "设备", "厦门大学", "厦门", "ibm", "价值", "胡昌升", "北京"])}


def _phrases(definition: str) -> list[str]:
    return [p for p, _ in _ranked_phrases(definition)]


def test_definitions_become_phrases():
    assert "meet" in _phrases("to meet with (sb who is paying a visit)")
    assert "beijing" in _phrases("Beijing, capital of the People's Republic of China")
    assert _phrases("CL:個|个[ge4]") == []


def test_phrases_carry_how_closely_they_translate():
    assert ("mountain", 0) in _ranked_phrases("mountain") and ("hill", 0) in _ranked_phrases("mountain; hill")
    # the first comma piece of a longer definition, or a phrase with its particle dropped, is looser
    assert ("three", 1) in _ranked_phrases("three, set five remove two (abacus rule)")
    assert ("meet", 1) in _ranked_phrases("to meet with")


def test_a_word_first_translates_to_what_it_first_means():
    b = DictionaryBridge(lambda t: t in {"三", "三下五除二", "三次", "山", "堆积如山"})
    # a single character when the word is its first sense (三 "three", 山 "mountain"); before
    # the longer words whose definitions only mention it (三下五除二 "three, set five remove two")
    assert b.translate(words("three"))[0][0] == "三"
    assert b.translate(words("mountain"))[0][0] == "山"
    # a single character that is not the word's first sense stays out (中 is "China" only later)
    assert "中" not in DictionaryBridge(lambda t: True).translate(words("China"))[0]


def test_a_proper_noun_is_named_by_the_words_its_definition_opens_with():
    # Cantonese, Wade-Giles and foreign names have no pinyin path: CC-CEDICT writes them first
    assert _leading_name("Wan Chai district of Hong Kong") == "wan chai"
    assert _leading_name("Yuen Long town in northwest New Territories, Hong Kong") == "yuen long"
    assert _leading_name("Mong Kok (area in Hong Kong)") == "mong kok"
    assert _leading_name("Causeway Bay") is None  # the whole definition is already a phrase
    assert _leading_name("to meet with") is None
    b = DictionaryBridge(lambda t: t in {"湾仔", "元朗", "香港", "港币"})
    assert b.translate(words("Wan Chai"))[0][0] == "湾仔"
    assert b.translate(words("Yuen Long"))[0][0] == "元朗"
    # only where no entry translates the phrase itself: "Hong Kong" is 香港, never 港币 ("Hong Kong dollar")
    assert "港币" not in b.translate(words("Hong Kong"))[0]


def test_lemmas():
    assert lemmas("met")[0] == "meet"
    assert "donate" in lemmas("donated") and "device" in lemmas("devices") and "city" in lemmas("cities")


@pytest.fixture(scope="module")
def bridge():
    return DictionaryBridge(lambda t: t in VOCAB)


def test_words_map_to_terms_of_the_index(bridge):
    terms = {t.source: t for t in bridge("Who met the donors of the equipment?")}
    assert set(terms["met"].forms) >= {"会见", "会面"}
    assert all(f in VOCAB for f in terms["met"].forms)  # only what the index has
    assert "设备" in terms["equipment"].forms


def test_phrases_before_words(bridge):
    terms = bridge("Who won the World Cup?")
    cup = [t for t in terms if t.source == "World Cup"]
    assert cup and "世界杯" in cup[0].forms and cup[0].kind == "name"
    assert not [t for t in terms if t.source in ("World", "Cup")]


def test_organisations_the_dictionary_lacks_come_from_the_names_table(bridge):
    # CC-CEDICT has no "CETC" or "JD.com": qa/lang/data/orgs_en.txt gives their Chinese names
    terms = {t.source: t for t in bridge("In which fields did CETC and JD.com agree to cooperate?")}
    assert terms["CETC"].forms[:2] == ("中国电科", "中国电子科技集团") and terms["CETC"].kind == "name"
    assert terms["JD.com"].forms[0] == "京东" and terms["JD.com"].kind == "name"
    # a name the dictionary also gives keeps the dictionary's forms after the table's
    (cppcc,) = [t for t in bridge("What did CPPCC members propose?") if t.source == "CPPCC"]
    assert cppcc.forms[0] == "全国政协" and "政协" in cppcc.forms and cppcc.kind == "name"
    # a possessive is still the name; several words are a name only when each is capitalised
    assert [t.kind for t in bridge("What is CETC's main business?") if t.source == "CETC's"] == ["name"]
    assert not [t for t in bridge("How big is the China mobile payment market?") if "中国移动" in t.forms]
    assert [t.forms[0] for t in bridge("What does State Grid build?") if t.source == "State Grid"] == ["国家电网"]


def test_every_organisation_name_is_reachable():
    from qa.lang import resources
    from qa.lang.names import orgs_en

    b = DictionaryBridge(lambda t: False)
    names = {e: zh for line in resources.table("orgs_en", 2) for zh in [line[0].split("/")] for e in line[1].split("; ")}
    assert {e.lower(): zh for e, zh in names.items()}.keys() == orgs_en().keys()
    for english, chinese in names.items():  # as the file writes them (CETC, State Grid)
        assert len(english.split()) <= 4 and chinese, english
        terms = [t for t in b(f"What did {english} announce?") if t.source == english]
        assert terms and terms[0].forms[0] == chinese[0] and terms[0].kind == "name", (english, terms)


def test_a_known_word_the_articles_never_use_is_kept_as_missing(bridge):
    (term,) = [t for t in bridge("How many employees?") if t.source == "employees"]
    assert term.kind == "noun" and not any(f in VOCAB for f in term.forms)


def test_weights_share_one_unit_per_english_word():
    b = EnglishBridge(VOCAB, {"huchangsheng": ["胡昌升"], "beijing": ["北京"]})
    a = analyze("Who did Hu Changsheng meet in Beijing?", bridges=(b,))
    meet = [t for t in a.terms if t.source == "meet"][0]
    assert len(meet.forms) == 2
    # a word with n translations gives each weight 1/sqrt(n): two forms do not outweigh one name
    assert a.bm25_terms["胡昌升"] == 1.0
    assert a.bm25_terms["会见"] == pytest.approx(2 ** -0.5)
    assert a.expansions["Hu Changsheng"] == ["胡昌升"] and a.expansions["Beijing"] == ["北京"]


def test_acronyms_and_months_and_answer_types():
    b = EnglishBridge(VOCAB, {})
    terms = {t.source: t for t in b("What did IBM announce on November 17?")}
    assert terms["IBM"].kind == "name"
    assert terms["November"].forms == ("11月17日",) and terms["November"].kind == "number"
    ws = words("On what date and which two officials met?")
    assert {w.lower for w in ws if w.index in answer_type_words(ws)} == {"date", "two", "officials"}


def test_translations_are_ordered_by_co_occurrence():
    import numpy as np

    from qa.bridges import disambiguate
    from qa.query import KeyTerm

    docs = {"基础": [0, 1, 2, 3, 4, 5], "基地": [6, 7], "金砖": [6, 7, 8], "创新": [7, 8]}
    terms = [KeyTerm("基础", ("基础", "基地"), "noun", source="base"),
             KeyTerm("金砖", ("金砖",), "name", source="BRICS"), KeyTerm("创新", ("创新",), "word", source="innovation")]
    out = disambiguate(terms, lambda f: np.array(docs.get(f, []), dtype=np.int64))
    assert out[0].forms == ("基地", "基础") and out[0].text == "基地"
    assert out[1:] == terms[1:]


def test_numbers_also_match_chinese_numerals():
    from qa.query import chinese_numeral, number_terms

    assert [chinese_numeral(n) for n in (4, 10, 12, 14, 40, 99)] == ["四", "十", "十二", "十四", "四十", "九十九"]
    (t,) = number_terms("the 14th Five-Year Plan")
    assert t.forms == ("14", "十四") and t.kind == "number"
    assert number_terms("2022")[0].forms == ("2022",)
