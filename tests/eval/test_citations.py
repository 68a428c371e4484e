"""Hand-computed checks of eval.citations (ALCE-style citation recall/precision)."""

import doctest

import pytest

import eval.citations
from eval.citations import CitationScores, citation_scores, lexical_support, split_cited_sentences
from eval.metrics import citation_scores as reexported


def test_docstring_examples():
    assert doctest.testmod(eval.citations).failed == 0


def test_reexported_from_metrics():
    assert reexported is citation_scores


# ------------------------------------------------------------------- split

def test_split_markers_after_the_full_stop():
    assert split_cited_sentences("甲说了A。[1] 乙做了B。[1][2]") == [
        ("甲说了A。", [1]), ("乙做了B。", [1, 2])]


def test_split_markers_before_the_full_stop():
    assert split_cited_sentences("A[1]. B [2].") == [("A.", [1]), ("B.", [2])]
    assert split_cited_sentences("价值13.4万元[2]。胡昌升在北京[1]！") == [
        ("价值13.4万元。", [2]), ("胡昌升在北京！", [1])]


def test_split_keeps_decimals_and_domains_whole():
    assert split_cited_sentences("JD.com 捐了13.4万元。") == [("JD.com 捐了13.4万元。", [])]


def test_split_marker_variants_and_repeats():
    assert split_cited_sentences("甲。[1, 3]【2】[1]") == [("甲。", [1, 3, 2])]


def test_split_closing_quote_and_lines():
    assert split_cited_sentences("他说：“好。”[1]") == [("他说：“好。”", [1])]
    # A line break ends a sentence; list numbers go; a lone marker line cites for the line above.
    assert split_cited_sentences("1. 陈肇雄[1]\n2. 刘宇\n[2]") == [("陈肇雄", [1]), ("刘宇", [2])]


def test_split_empty_and_uncited():
    assert split_cited_sentences("") == []
    assert split_cited_sentences("   ") == []
    assert split_cited_sentences("没有引用") == [("没有引用", [])]


# ----------------------------------------------------------- lexical support

P_TRIP = ("11月16日-17日，福建省委副书记、厦门市委书记胡昌升带队在北京开展招商引资工作，"
          "走访中国电科、IBM和京东集团")
P_DONATION = ("美亚柏科公司为松溪县、漳平市、武平县以及龙岩新罗区东新致公小学"
              "捐赠了价值人民币13.4万元智能测温设备。")


def test_lexical_support_substring():
    # Marker, final 。 and spaces removed: "胡昌升带队在北京开展招商引资工作" is in P_TRIP.
    assert lexical_support("胡昌升带队在北京 开展招商引资工作。[1]", [P_TRIP])


def test_lexical_support_token_coverage():
    # Not a substring (the passage has 还).  Content tokens 胡昌升 会见 中 煤 地质 集团 董事长 林中 湘
    # (了 is a stopword, 。 punctuation): 9/9 occur -> 1.0 >= 0.8.
    passage = "胡昌升还会见了中煤地质集团董事长林中湘一行"
    assert lexical_support("胡昌升会见了中煤地质集团董事长林中湘。", [passage])
    # 胡昌升 上海 会见 京东 集团 董事长 against "…京东集团，与企业高层会面":
    # only 胡昌升, 京东, 集团 occur -> 3/6 < 0.8.
    jd_visit = "胡昌升还走访了京东集团，与企业高层会面"
    assert not lexical_support("胡昌升在上海会见了京东集团董事长。", [jd_visit])


def test_lexical_support_coverage_threshold():
    # jieba keeps the five words: 4/5 = 0.8 passes, 3/5 = 0.6 does not, unless the bar is 0.6.
    claim = "alpha beta gamma delta epsilon"
    assert lexical_support(claim, ["alpha beta gamma delta"])
    assert not lexical_support(claim, ["alpha beta gamma"])
    assert lexical_support(claim, ["alpha beta gamma"], min_coverage=0.6)


def test_lexical_support_numbers_must_match():
    # 美亚 柏科 捐赠 价值 13.4 万元 测温 设备: 8/8 found and 13.4 is in the passage.
    assert lexical_support("美亚柏科捐赠了价值13.4万元的测温设备。", [P_DONATION])
    # With 15: 7/8 = 0.875 of the tokens occur, but the number 15 does not.
    assert not lexical_support("美亚柏科捐赠了价值15万元的测温设备。", [P_DONATION])
    # 4 is a substring of 40 but not the same number: 厦门经济特区 建立 4 年 all "occur", 4 != 40.
    assert not lexical_support("厦门经济特区建立4年。", ["厦门经济特区建立40年来"])


def test_lexical_support_nothing_to_support():
    assert not lexical_support("胡昌升在北京", [])
    assert not lexical_support("。[1]", [P_TRIP])
    assert not lexical_support("", [P_TRIP])


# ---------------------------------------------------------------- citations

def covers(claim, texts):
    """Fake support: a claim is letters, each a fact; texts support it if they hold every letter."""
    return set(claim) <= set("".join(texts))


# [1]=A, [2]=B, [3]=AB, [4]=C
PASSAGES = ["A", "B", "AB", "C"]


def score(sentences):
    return citation_scores(sentences, PASSAGES, supports=covers)


def test_single_citation_supported_and_not():
    # A [1]: supported, its one citation relevant.  C [1]: unsupported, citation irrelevant.
    assert score([("A", [1]), ("C", [1])]) == CitationScores(
        recall=0.5, precision=0.5, n_sentences=2, n_citations=2)


def test_both_citations_needed_are_relevant():
    # AB [1][2]: joint A+B supports; neither alone does, and dropping either breaks support -> 2/2.
    assert score([("AB", [1, 2])]) == CitationScores(1.0, 1.0, 1, 2)


def test_each_sufficient_citation_is_relevant():
    # A [1][3]: each alone supports -> both relevant (ALCE's condition A).
    assert score([("A", [1, 3])]) == CitationScores(1.0, 1.0, 1, 2)


def test_unneeded_citation_is_irrelevant():
    # A [1][4]: [4]=C alone fails, and without it [1] still supports -> irrelevant: 1/2.
    assert score([("A", [1, 4])]) == CitationScores(1.0, 0.5, 1, 2)


def test_unsupported_multi_citation_sentence():
    # AD [1][4]: joint fails; each alone fails and removing it changes nothing -> 0/2.
    assert score([("AD", [1, 4])]) == CitationScores(0.0, 0.0, 1, 2)


def test_uncited_and_out_of_range_sentences():
    # B (no citation): recall 0, adds no citation.  A [9]: no passage 9 -> unsupported,
    # its citation irrelevant.  With A [1]: recall 1/3, precision 1/2.
    assert score([("B", []), ("A", [9]), ("A", [1])]) == CitationScores(1 / 3, 0.5, 3, 2)


def test_mixed_answer_by_hand():
    sentences = [("A", [1]), ("AB", [1, 2]), ("A", [1, 3]), ("A", [1, 4]),
                 ("C", [1]), ("B", []), ("A", [9]), ("AD", [1, 4])]
    # Supported: A[1], AB[1,2], A[1,3], A[1,4] -> 4 of 8 sentences.
    # Citations 1+2+2+2+1+0+1+2 = 11; relevant 1+2+2+1+0+0+0+0 = 6.
    assert score(sentences) == CitationScores(4 / 8, 6 / 11, 8, 11)


def test_repeated_marker_counts_once_and_no_citations_at_all():
    assert score([("A", [1, 1])]) == CitationScores(1.0, 1.0, 1, 1)
    assert score([("A", [])]) == CitationScores(0.0, 0.0, 1, 0)  # ALCE: precision 0 when nothing is cited
    with pytest.raises(ValueError, match="no sentences"):
        score([])


def test_default_lexical_support_end_to_end():
    answer = "胡昌升带队在北京开展招商引资工作。[1] 美亚柏科捐赠了价值13.4万元的测温设备。[1][2]"
    result = citation_scores(split_cited_sentences(answer), [P_TRIP, P_DONATION])
    # Sentence 1: substring of [1] -> supported, 1 relevant.
    # Sentence 2: [1]+[2] support (all 8 tokens and 13.4 in [2]); [1] alone fails and [2]
    # alone still supports -> [1] irrelevant, [2] relevant.  Recall 2/2, precision 2/3.
    assert result == CitationScores(1.0, 2 / 3, 2, 3)
