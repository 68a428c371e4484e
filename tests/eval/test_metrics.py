"""Hand-computed checks of eval.metrics: retrieval, answers, refusals, speed."""

import doctest
import math

import numpy as np
import pytest

import eval._text
import eval.metrics
from eval.metrics import (
    REFUSAL_BUDGETS,
    char_f1,
    cmrc_tokens,
    exact_match,
    hit_at_k,
    key_fact_recall,
    latency_summary,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    refusal_curve,
    refusal_metrics,
    separation_auc,
)

# Chunks of article a1 rank twice and a2 twice; deduplicated: a1, a2, a3, a4.
RANKED = ["a1", "a1", "a2", "a3", "a2", "a4"]
GOLD = {"a2", "a4", "a9"}


def test_docstring_examples():
    for module in (eval.metrics, eval._text):
        assert doctest.testmod(module).failed == 0


# ---------------------------------------------------------------- retrieval

def test_recall_at_k_deduplicates_before_cutting():
    assert recall_at_k(RANKED, GOLD, 1) == 0.0      # top {a1}: 0/3
    assert recall_at_k(RANKED, GOLD, 2) == 1 / 3    # top {a1, a2}: 1/3 (no dedupe would give a1, a1: 0/3)
    assert recall_at_k(RANKED, GOLD, 4) == 2 / 3    # top {a1..a4}: a2, a4 -> 2/3


def test_recall_at_k_with_k_larger_than_list():
    assert recall_at_k(RANKED, GOLD, 100) == 2 / 3  # only 4 distinct ids: a2, a4 of 3 gold
    assert recall_at_k(["b"], ["a"], 10) == 0.0
    assert recall_at_k([], ["a"], 10) == 0.0


def test_gold_given_as_list_with_repeats_counts_once():
    assert recall_at_k(["a"], ["a", "a", "b"], 1) == 0.5  # gold {a, b}: 1/2


def test_hit_at_k():
    assert hit_at_k(RANKED, GOLD, 1) == 0.0  # a1 only
    assert hit_at_k(RANKED, GOLD, 2) == 1.0  # a2 at deduplicated rank 2


def test_mrr_at_k():
    # First gold a2 at deduplicated rank 2 -> 1/2 (its raw position 3 would give 1/3).
    assert mrr_at_k(RANKED, GOLD) == 0.5
    assert mrr_at_k(RANKED, GOLD, k=1) == 0.0  # cut before a2
    assert mrr_at_k(["a4", "a2"], GOLD) == 1.0


def test_ndcg_at_k():
    # k=4: hits at ranks 2 and 4 -> DCG = 1/log2(3) + 1/log2(5) = 0.6309 + 0.4307 = 1.0616;
    # ideal puts min(3, 4) = 3 hits on top -> 1 + 0.6309 + 0.5 = 2.1309; ratio 0.4982.
    assert ndcg_at_k(RANKED, GOLD, k=4) == pytest.approx(0.4982, abs=1e-4)
    # k=2: DCG = 1/log2(3) = 0.6309; ideal over min(3, 2) = 2 -> 1 + 0.6309; ratio 0.3869.
    assert ndcg_at_k(RANKED, GOLD, k=2) == pytest.approx(0.3869, abs=1e-4)
    assert ndcg_at_k(["g1", "g2", "x"], {"g1", "g2"}) == 1.0  # ideal order


def test_no_gold_in_top_k_scores_zero_everywhere():
    for metric in (recall_at_k, hit_at_k, mrr_at_k, ndcg_at_k):
        assert metric(["x", "y"], {"z"}, 2) == 0.0


@pytest.mark.parametrize("metric", [recall_at_k, hit_at_k, mrr_at_k, ndcg_at_k])
def test_empty_gold_or_bad_k_raises(metric):
    with pytest.raises(ValueError, match="gold is empty"):
        metric(["a"], [], 1)
    with pytest.raises(ValueError, match="k must be >= 1"):
        metric(["a"], ["a"], 0)


def test_ndcg_matches_numpy_brute_force():
    rng = np.random.default_rng(0)
    ids = [f"d{i}" for i in range(8)]
    for _ in range(50):
        ranked = list(rng.choice(ids, size=6, replace=False))
        gold = set(rng.choice(ids, size=int(rng.integers(1, 5)), replace=False))
        k = int(rng.integers(1, 8))
        top = ranked[:k]
        gains = np.array([doc in gold for doc in top], dtype=float)
        dcg = float((gains / np.log2(np.arange(2, len(top) + 2))).sum())
        ideal = float((1 / np.log2(np.arange(2, min(len(gold), k) + 2))).sum())
        assert ndcg_at_k(ranked, gold, k) == pytest.approx(dcg / ideal)


# ------------------------------------------------------------------ answers

FACTS = [["13.4万元", "134,000"], ["美亚柏科", "Meiya Pico"], ["松溪", "Songxi"]]


def test_key_fact_recall_ignores_spaces():
    # "13.4 万元" matches 13.4万元 once spaces go; 美亚柏科 found; 松溪 missing -> 2/3.
    assert key_fact_recall("美亚柏科捐赠了价值人民币 13.4 万元的设备", FACTS) == 2 / 3


def test_key_fact_recall_english_forms_case_and_thousands():
    answer = "MEIYA PICO donated devices worth RMB 134000 to Songxi County."
    # "Meiya Pico" matches case-insensitively; form 134,000 -> 134000; Songxi -> 3/3.
    assert key_fact_recall(answer, FACTS) == 1.0
    assert key_fact_recall("worth 134,000 yuan", [["134000"]]) == 1.0  # separator in the answer
    assert key_fact_recall("价值１３.４万元", [["13.4万元"]]) == 1.0     # full-width digits


def test_key_fact_recall_empty_answer_and_bad_facts():
    assert key_fact_recall("", FACTS) == 0.0
    with pytest.raises(ValueError, match="key_facts is empty"):
        key_fact_recall("x", [])
    with pytest.raises(ValueError, match="blank form"):
        key_fact_recall("x", [["a", " "]])
    with pytest.raises(TypeError, match="list of forms"):
        key_fact_recall("x", ["陈肇雄"])


def test_cmrc_tokens_mixed_segmentation():
    # CJK one per character, Latin/digit runs whole, punctuation and spaces dropped.
    assert cmrc_tokens("Hu Changsheng会见IBM！") == ["hu", "changsheng", "会", "见", "ibm"]
    assert cmrc_tokens("13.4 万元，134,000") == ["13.4", "万", "元", "134,000"]


def test_char_f1_exact_and_partial():
    assert char_f1("陈肇雄", ["陈肇雄"]) == 1.0
    # pred 董事长陈肇雄 (6 tokens), gold 陈肇雄 (3), common run 3: P 3/6, R 3/3 -> 2*.5*1/1.5 = 2/3.
    assert char_f1("董事长陈肇雄", ["陈肇雄"]) == pytest.approx(2 / 3)


def test_char_f1_uses_longest_contiguous_run_not_bag():
    # Same characters reversed: a bag overlap would be 1.0; the longest run is 1:
    # P 1/3, R 1/3 -> F1 1/3.
    assert char_f1("雄肇陈", ["陈肇雄"]) == pytest.approx(1 / 3)


def test_char_f1_max_over_golds():
    # pred 17|日. Gold 11|月|17|日: run 2, P 2/2, R 2/4 -> 2/3.
    # Gold 十|七|日: run 1, P 1/2, R 1/3 -> 2*(1/6)/(5/6) = 0.4.  Max 2/3.
    assert char_f1("17日", ["11月17日", "十七日"]) == pytest.approx(2 / 3)


def test_char_f1_golds_with_punctuation():
    assert char_f1("厦门", ["“厦门”。"]) == 1.0
    # pred ibm|京|东, gold ibm|和|京|东: run 2 (京东), P 2/3, R 2/4 -> (2/3)/(7/6) = 4/7.
    assert char_f1("IBM、京东", ["IBM和京东。"]) == pytest.approx(4 / 7)


def test_char_f1_english_words_are_single_tokens():
    # hu | hu changsheng: run 1, P 1/1, R 1/2 -> 2/3 (characters would give 2/13 recall).
    assert char_f1("Hu", ["Hu Changsheng"]) == pytest.approx(2 / 3)
    # 13.4|万|元 vs 134|万|元: run 2, P 2/3, R 2/3 -> 2/3; the decimal stays one token.
    assert char_f1("13.4万元", ["134万元"]) == pytest.approx(2 / 3)


def test_char_f1_empty_prediction_and_bad_golds():
    assert char_f1("", ["陈肇雄"]) == 0.0
    assert char_f1("。", ["陈肇雄"]) == 0.0
    with pytest.raises(ValueError, match="golds is empty"):
        char_f1("a", [])
    with pytest.raises(ValueError, match="no tokens"):
        char_f1("a", ["。！"])
    with pytest.raises(TypeError, match="not one string"):
        char_f1("a", "陈肇雄")


def test_exact_match():
    assert exact_match("厦门。", ["“厦门”"]) == 1.0                 # punctuation ignored
    assert exact_match("hu  changsheng", ["Hu Changsheng."]) == 1.0  # case, spacing
    assert exact_match("董事长陈肇雄", ["陈肇雄"]) == 0.0
    assert exact_match("陈肇雄", ["刘宇", "陈肇雄"]) == 1.0           # any gold
    assert exact_match("", ["陈肇雄"]) == 0.0


# ----------------------------------------------------------------- refusals

def test_refusal_metrics():
    found = [False, True, False, True, True, False]
    answerable = [False, False, False, True, True, True]
    result = refusal_metrics(found, answerable)
    # Unanswerable 0-2: found F, T, F -> 2 of 3 refused.  Answerable 3-5: T, T, F -> 1 of 3 refused.
    assert result == {"refusal_rate_unanswerable": 2 / 3, "false_refusal_rate": 1 / 3,
                      "n_unanswerable": 3, "n_answerable": 3}


def test_refusal_metrics_empty_groups_are_none():
    only_answerable = refusal_metrics([True, False], [True, True])
    assert only_answerable["refusal_rate_unanswerable"] is None
    assert only_answerable["false_refusal_rate"] == 0.5
    assert refusal_metrics([], [])["false_refusal_rate"] is None
    with pytest.raises(ValueError, match="2 items"):
        refusal_metrics([True, True], [True])



def test_separation_auc_counts_pairs_and_ties_half():
    # answerable .9 .4 against unanswerable .4 .1: pairs (.9,.4) 1, (.9,.1) 1, (.4,.4) half, (.4,.1) 1
    assert separation_auc([0.9, 0.4, 0.4, 0.1], [True, True, False, False]) == 3.5 / 4
    assert separation_auc([0.1, 0.9], [True, False]) == 0.0
    assert separation_auc([0.5, 0.5], [True, False]) == 0.5
    assert separation_auc([0.5, 0.6], [True, True]) is None  # no unanswerable question
    with pytest.raises(ValueError, match="1 items"):
        separation_auc([0.5], [True, False])


def test_separation_auc_matches_the_pairwise_count():
    rng = np.random.default_rng(0)
    p = np.round(rng.random(300), 2)  # rounded: many ties
    a = rng.random(300) < 0.7
    pos, neg = p[a], p[~a]
    pairwise = ((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean()
    assert separation_auc(p.tolist(), a.tolist()) == pytest.approx(pairwise)


def test_refusal_curve_refuses_at_most_the_budget_of_answerable_questions():
    rng = np.random.default_rng(1)
    p = np.round(rng.random(400), 2)
    a = rng.random(400) < 0.75
    curve = refusal_curve(p.tolist(), a.tolist())
    assert list(curve) == [f"{b:.2f}" for b in REFUSAL_BUDGETS]
    pos, neg = np.sort(p[a]), p[~a]
    for b in REFUSAL_BUDGETS:
        # the highest threshold that refuses at most b of the answerable questions (refused: p < t)
        t = max(x for x in [*pos, np.inf] if (pos < x).mean() <= b + 1e-12)
        assert curve[f"{b:.2f}"] == pytest.approx((neg < t).mean())
    assert list(curve.values()) == sorted(curve.values())  # a larger budget never refuses fewer


def test_refusal_curve_reads_ties_as_found():
    # every answerable question at .5: any threshold above .5 refuses all of them, so at a budget
    # under 1 the threshold is .5, and an unanswerable question at .5 is answered, one at .4 refused
    assert refusal_curve([0.5, 0.5, 0.5, 0.4], [True, True, False, False], budgets=(0.0, 0.4)) == {"0.00": 0.5, "0.40": 0.5}
    assert refusal_curve([0.5], [False]) is None


# -------------------------------------------------------------------- speed

def test_percentile_by_hand():
    values = [40, 10, 30, 20]  # sorted 10 20 30 40
    assert percentile(values, 50) == 25.0   # pos 3*.5 = 1.5 -> 20 + .5*10
    assert percentile(values, 95) == pytest.approx(38.5)  # pos 2.85 -> 30 + .85*10
    assert percentile(values, 0) == 10
    assert percentile(values, 100) == 40
    assert percentile([7.0], 95) == 7.0


def test_percentile_matches_numpy():
    rng = np.random.default_rng(1)
    values = list(rng.exponential(100, size=37))
    for q in (0, 1, 25, 50, 90, 95, 99, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_bad_input():
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        percentile([1], 101)


def test_latency_summary():
    # sorted 100 200 300 400 1000: p50 pos 2 -> 300; p95 pos 3.8 -> 400 + .8*600 = 880;
    # mean 2000/5 = 400.
    summary = latency_summary([300, 100, 1000, 200, 400])
    assert summary == {"p50": 300, "p95": pytest.approx(880), "mean": 400, "n": 5}
    assert math.isclose(summary["p95"], 880)
    with pytest.raises(ValueError):
        latency_summary([])


def test_false_refusals_split_by_whether_the_passages_held_the_answer():
    from eval.metrics import retrieval_bound

    found = [False, True, False, True, False]
    held = [True, True, False, False, None]  # the last: no label (the answer did not say its passages)
    assert retrieval_bound(found, held) == {"false_refusal_rate_held": 0.5, "passages_lack_answer": 0.5}
    assert retrieval_bound([True], [None]) == {"false_refusal_rate_held": None, "passages_lack_answer": None}
    with pytest.raises(ValueError, match="held has 1"):
        retrieval_bound([True, False], [True])
