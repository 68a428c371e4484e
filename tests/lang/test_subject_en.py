"""The subject of an English question (qa.lang.subject_en): what an English follow-up's "it" is."""

from __future__ import annotations

import pytest

from qa.lang.subject_en import AUX_WINDOW, MAX_WORDS, anticipatory, grammar, subject, verbs


@pytest.mark.parametrize("question, about", [
    ("Where was the spring flower show for local gardeners held?", "the spring flower show for local gardeners"),
    ("When were the new bridges over the river officially opened?", "the new bridges over the river"),  # adverb left out
    ("What level of award was the museum given?", "the museum"),  # the question word's noun phrase first
    ("When did this year's first typhoon reach Fujian?", "this year's first typhoon"),  # do: up to the verb
    ("In which fields does the company hope to invest in Xiamen?", "the company"),  # the verb before "to"
    ("What did the port authority's annual meeting approve?", "the port authority's annual meeting"),
    ("What is the main idea of the plan", ""),  # the N of X after is: "it" may be either
    ("What is the new ferry terminal?", "the new ferry terminal"),  # is: a copula runs to the end
    ("What has the city built this year?", "the city"),
    ("What has the new structure been criticised for?", "the new structure"),
    ("Where was the fair, which opened in May, held?", "the fair"),  # an aside is not the subject
    ("When was the U.S. consulate opened?", "the U.S. consulate"),  # an abbreviation keeps its dot
    ("Which is currently the most popular protocol?", "the most popular protocol"),
    ("Who is the chairman of the board?", ""),  # who: the answer is a person, and "it" never is
    ("Which company is the largest in Xiamen?", ""),  # the question word's phrase is the subject
    ("Which law was passed by the assembly?", ""),
    ("Which part can be used to build houses?", ""),
    ("Who met the mayor?", ""),  # the question word is the subject
    ("Who should approve the plan?", ""),
    ("Why is it difficult to build there?", ""),  # "it" opens no subject to carry
    ("How many people took part?", ""),
    ("Where was the 钢琴节 held?", ""),  # no Chinese written into an English follow-up
    ("厦门地铁3号线什么时候开通？", ""),  # Chinese has its own (qa.followup.topic)
    ("", ""),
])
def test_the_subject_of_an_english_question(question, about):
    assert subject(question) == about


def test_the_module_examples():
    import doctest

    import qa.lang.subject_en

    assert doctest.testmod(qa.lang.subject_en).failed == 0


def test_the_english_question_grammar_is_data():
    g = grammar()
    assert {"wh", "lead", "be", "have", "do", "adverb", "participle", "asks_person", "no_subject", "pointing",
            "determiner"} <= set(g)
    assert {"did", "will"} <= g["do"] and {"was", "is"} <= g["be"] and "laid" in g["participle"]
    assert not g["be"] & g["do"] and not g["have"] & g["do"]
    assert g["determiner"] == {"this", "that", "these", "those"} <= g["pointing"]  # from pronouns.txt
    assert {"reach", "study", "hope", "donate", "refer"} <= verbs() and not {"fair", "wave", "meeting", "team"} & verbs()
    assert MAX_WORDS >= 8 and 4 <= AUX_WINDOW <= 10


@pytest.mark.parametrize("question, empty", [
    ("How much does it cost to attend?", True),
    ("Is it difficult to build there?", True),
    ("How many teams did it decide to set up?", False),  # decide: a verb, "it" is the meeting
    ("Is it expected to open on time?", False),  # a participle
    ("When does it open to the public?", False),  # "to the": no verb after "to"
    ("What is it?", False),
])
def test_an_it_that_stands_for_the_clause_after_it(question, empty):
    assert anticipatory(question, question.index("it") + 2) is empty
