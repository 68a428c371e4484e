"""The learned passage ranker (qa.rank): its features, its file, and its place in retrieval."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qa.errors import ConfigError
from qa.query import analyze
from qa.rank import DEFAULT_PATH, FEATURES, FORMAT, PassageRanker, features, load_ranker
from qa.types import Chunk, Hit


def col(X, i, name):
    return X[i, FEATURES.index(name)]


def hits():
    texts = ["胡昌升在北京会见了林中湘。", "厦门举办科技论坛。", "林中湘表示愿意合作。"]
    return [Hit(chunk=Chunk.make(f"a{i}", 0, len(t), t), score=1.0 / (i + 1), row=i,
                dense_score=0.8 - i / 10 if i != 2 else None, bm25_score=3.0 - i, dense_rank=i + 1 if i != 2 else None,
                bm25_rank=i + 1) for i, t in enumerate(texts)]


def test_features_read_ranks_scores_and_the_terms_each_text_and_title_holds():
    a = analyze("胡昌升在北京会见了谁？")
    X = features(a, hits(), ["胡昌升带队在北京招商", "论坛", ""], None)
    assert X.shape == (3, len(FEATURES))
    assert list(X[:, FEATURES.index("rank")]) == [1, 2, 3]
    assert col(X, 0, "fused_rel") == 1.0 and col(X, 1, "fused_rel") == pytest.approx(0.5)
    assert col(X, 1, "dense_gap") == pytest.approx(0.1)
    assert math.isnan(col(X, 2, "dense")) and col(X, 2, "dense_rank") == 999  # dense did not return it
    assert col(X, 0, "bm25_rel") == 1.0 and col(X, 2, "bm25_rel") == pytest.approx(1 / 3)
    assert col(X, 0, "cov") == 1.0 and col(X, 1, "cov") == 0.0  # 胡昌升, 北京, 会见 all in the first
    assert col(X, 0, "cov_title") > 0 and col(X, 1, "cov_title") == 0.0
    assert col(X, 1, "missing_weight") > 0 and col(X, 0, "missing_weight") == 0.0
    assert col(X, 0, "lang_en") == 0.0
    assert features(a, [], [], None).shape == (0, len(FEATURES))


def test_an_english_question_is_read_through_its_bridged_terms():
    from dataclasses import replace

    from qa.query import KeyTerm

    a = analyze("Who did Hu Changsheng meet?")
    bridged = replace(a, terms=(KeyTerm("胡昌升", ("胡昌升",), "name", 1.0, "Hu Changsheng"),))
    X = features(bridged, hits(), ["", "", ""], None)
    assert col(X, 0, "lang_en") == 1.0
    assert col(X, 0, "names_cov") == 1.0 and col(X, 1, "names_cov") == 0.0 and col(X, 0, "n_names") == 1


def test_the_shipped_ranker_loads_without_pickle_and_orders_hits():
    r = PassageRanker.load()
    assert r.path == DEFAULT_PATH and r.version.startswith("passage-ranker-")
    raw = json.loads(DEFAULT_PATH.read_text("utf-8"))
    assert raw["format"] == FORMAT and tuple(raw["features"]) == FEATURES
    assert "CMRC 2018 dev and the seed set were not used" in raw["trained"]["data"]
    order, scores = r.order(analyze("胡昌升在北京会见了谁？"), hits(), ["", "", ""], None)
    assert sorted(order) == [0, 1, 2] and len(scores) == 3
    assert scores[order[0]] >= scores[order[-1]]


def test_ranker_settings(tmp_path):
    assert load_ranker("none") is None and load_ranker(" Off ") is None
    assert isinstance(load_ranker(None), PassageRanker) and isinstance(load_ranker(str(DEFAULT_PATH)), PassageRanker)
    with pytest.raises(ConfigError, match="no passage ranker at .*missing.json"):
        load_ranker(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(ConfigError, match="cannot read the passage ranker"):
        load_ranker(str(bad))
    bad.write_text(json.dumps({"format": "something-else"}), "utf-8")
    with pytest.raises(ConfigError, match="is not a qa-passage-ranker/1 file"):
        load_ranker(str(bad))
    raw = json.loads(DEFAULT_PATH.read_text("utf-8"))
    bad.write_text(json.dumps({k: v for k, v in raw.items() if k != "model"}), "utf-8")
    with pytest.raises(ConfigError, match="holds no model"):
        load_ranker(str(bad))
    bad.write_text(json.dumps({**raw, "features": raw["features"][:-1]}), "utf-8")
    with pytest.raises(ConfigError, match="retrain it: python -m train.passage_ranker"):
        load_ranker(str(bad))


def test_settings_read_qa_ranker():
    from qa.settings import Settings

    assert Settings.load(env={"QA_RANKER": "none"}).ranker == "none"
    assert Settings.load(env={}).ranker is None


@pytest.mark.parametrize("question", ["胡昌升在北京会见了哪些人？", "Who did Hu Changsheng meet in Beijing?"])
def test_retrieval_reorders_the_fused_candidates(bundled_index, question):
    from qa.assistant import Assistant
    from qa.rank import RANK_DEPTH

    on = Assistant.load(bundled_index).retriever
    off = Assistant.load(bundled_index, ranker="none").retriever
    assert on.ranker is not None and off.ranker is None
    r_on, r_off = on.retrieve(question, top_k=6), off.retrieve(question, top_k=RANK_DEPTH)
    assert "rank" in r_on.timings_ms and r_on.weights["ranker"] == 1.0 and "ranker" not in r_off.weights
    # the ranker's six are among the fused candidates it read, in the order of its scores
    assert {h.row for h in r_on.hits} <= {h.row for h in r_off.hits}
    scores = [h.score for h in r_on.hits]
    assert scores == sorted(scores, reverse=True)
    X = features(r_off.analysis, r_off.hits, on.titles(r_off.hits), on.idf)
    s = on.ranker.scores(X)
    assert [h.row for h in r_on.hits] == [r_off.hits[i].row for i in sorted(range(len(s)), key=lambda i: (-s[i], i))][:6]
    # only the hybrid mode is reordered: dense and BM25 alone keep their own order
    assert "ranker" not in on.retrieve(question, top_k=6, mode="dense").weights


def test_the_ranker_puts_the_passage_first_more_often_on_held_out_training_questions():
    """The figures the training run measured on its own held-out split (not re-measured here)."""
    t = PassageRanker.load().trained["recall"]
    for name in ("test zh", "test en"):
        assert t[name]["ranker@1"] > t[name]["fused@1"], (name, t[name])
    assert np.all([t[n]["questions"] > 100 for n in t])


def test_each_article_is_read_once_for_its_title(bundled_index, monkeypatch):
    from qa.assistant import Assistant

    retriever = Assistant.load(bundled_index).retriever
    reads = []
    article = retriever.store.article
    monkeypatch.setattr(retriever.store, "article", lambda aid: reads.append(aid) or article(aid))
    first = retriever.retrieve("胡昌升在北京会见了哪些人？", top_k=6)
    assert reads and len(reads) == len(set(reads))
    n = len(reads)
    again = retriever.retrieve("胡昌升在北京会见了哪些人？", top_k=6)
    assert len(reads) == n and [h.row for h in again.hits] == [h.row for h in first.hits]


def test_the_title_cache_is_bounded(bundled_index, monkeypatch):
    import qa.retrieve
    from qa.assistant import Assistant

    monkeypatch.setattr(qa.retrieve, "TITLE_CACHE", 2)
    retriever = Assistant.load(bundled_index).retriever
    r = retriever.retrieve("厦门举办了什么论坛？", top_k=30)
    assert len({h.chunk.article_id for h in r.hits}) > 2  # more articles than the cache holds
    assert len(retriever._title_cache) <= 2
    assert retriever.titles(r.hits) == [retriever.titles([h])[0] for h in r.hits]  # the titles are still right
