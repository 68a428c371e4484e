"""The cmrc2018-cut dataset on a tiny SQuAD-format fixture: which sentences go, which questions become
unanswerable, the same-title rule, and the sample that keeps every translation pair."""

import doctest
import json

import pytest

import eval.cut
from eval.__main__ import _datasets
from eval.cut import choose_cut, load_cmrc_cut, remove_spans, sentences_to_cut
from eval.datasets import DatasetName, load_dataset, sample

# P0 and P1 share the title 厦门; P1 states 福建省 too.
P0 = "厦门是福建省的副省级市。鼓浪屿位于厦门岛西南。厦门大学创办于1921年。"
P1 = "福建省的省会是福州。厦门是经济特区。"
P2 = "鼓浪屿被称为琴岛。岛上有很多钢琴。"
P3 = "金砖创新基地落户厦门。"  # its one sentence holds the answer: cutting it leaves nothing
P4 = "泉州是海上丝绸之路的起点。泉州有开元寺。"


def qa(qid, question, answer, text, start=None):
    return {"id": qid, "question": question,
            "answers": [{"text": answer, "answer_start": text.index(answer) if start is None else start}]}


def entry(pid, title, text, qas):
    return {"id": pid, "title": title, "paragraphs": [{"id": pid, "context": text, "qas": qas}]}


@pytest.fixture
def cmrc_dir(tmp_path):
    dev = {"version": "v1.0", "data": [
        entry("P0", "厦门", P0, [qa("P0_Q0", "厦门属于哪个省？", "福建省", P0),
                                 qa("P0_Q1", "厦门大学创办于哪一年？", "1921年", P0)]),
        entry("P1", "厦门", P1, [qa("P1_Q0", "福建省的省会是哪里？", "福州", P1)]),
        entry("P2", "鼓浪屿", P2, [qa("P2_Q0", "鼓浪屿被称为什么？", "琴岛", P2)]),
        entry("P3", "金砖", P3, [qa("P3_Q0", "金砖创新基地落户在哪里？", "厦门", P3)]),
        entry("P4", "泉州", P4, [qa("P4_Q0", "泉州有什么寺？", "开元寺", P4),
                                 qa("P4_Q1", "泉州是什么的起点？", "海上丝绸之路", P4)]),
    ]}
    (tmp_path / "cmrc2018_dev.json").write_text(json.dumps(dev, ensure_ascii=False), encoding="utf-8")
    english = [{"id": "P2_Q0", "en": "What is Gulangyu called?"}, {"id": "P4_Q0", "en": "Which temple is in Quanzhou?"}]
    (tmp_path / "en_questions_50.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in english), encoding="utf-8")
    return tmp_path


def seed_cutting(ids, cut):
    """A seed under which choose_cut picks exactly ``cut`` (share = its size / the number of ids)."""
    share = len(cut) / len(ids)
    return share, next(s for s in range(1000) if choose_cut(ids, share=share, seed=s) == set(cut))


def test_docstring_examples():
    assert doctest.testmod(eval.cut).failed == 0


def test_sentences_holding_an_answer_are_cut():
    text = "厦门在福建。鼓浪屿在厦门。它有大学。鼓浪屿是岛。"
    # By offset: 福建 at 3 is in sentence 1.  By text: 鼓浪屿 is in sentences 2 and 4 (its offset 6 too).
    spans = sentences_to_cut(text, [("福建", 3), ("鼓浪屿", 6)])
    assert [text[s:e] for s, e in spans] == ["厦门在福建。", "鼓浪屿在厦门。", "鼓浪屿是岛。"]
    assert remove_spans(text, spans) == "它有大学。"
    # A wrong offset (pointing into sentence 3) still cuts the sentence that holds the text.
    assert [text[s:e] for s, e in sentences_to_cut(text, [("福建", 14)])] == ["厦门在福建。", "它有大学。"]
    # An answer running over a sentence end cuts both sentences it touches.
    assert [text[s:e] for s, e in sentences_to_cut(text, [("福建。鼓浪屿", 3)])] == ["厦门在福建。", "鼓浪屿在厦门。"]
    assert sentences_to_cut(text, [("北京", -1)]) == []


def test_choose_cut_is_seeded_and_takes_the_share():
    ids = [f"P{i}" for i in range(8)]
    assert len(choose_cut(ids, share=0.25, seed=1)) == 2
    assert choose_cut(ids, share=0.25, seed=1) == choose_cut(ids, share=0.25, seed=1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        choose_cut(ids, share=1.5)


def test_cut_passages_lose_their_answers_and_questions(cmrc_dir):
    ids = ["P0", "P1", "P2", "P3", "P4"]
    share, seed = seed_cutting(ids, {"P0", "P2", "P3"})
    d = load_cmrc_cut(cmrc_dir, share=share, seed=seed)
    assert d.name == d.corpus == "cmrc2018-cut" and d.default_limit == 1000 and d.pairs_first
    texts = {a.path.split("#")[1]: a.text for a in d.articles}
    # P0: sentences 1 (福建省) and 3 (1921年) cut; P2: sentence 1 cut; P3 left empty and dropped.
    assert texts == {"P0": "鼓浪屿位于厦门岛西南。", "P1": P1, "P2": "岛上有很多钢琴。", "P4": P4}
    q = {x.id: x for x in d.questions}
    # P0_Q0 dropped: P1 (title 厦门 too) still says 福建省.  P0_Q1's 1921年 is nowhere: unanswerable.
    assert "P0_Q0" not in q
    assert not q["P0_Q1"].answerable and q["P0_Q1"].gold == frozenset() and q["P0_Q1"].answers == ("1921年",)
    assert not q["P3_Q0"].answerable
    # The translation of a cut question is unanswerable with it; untouched passages stay gold.
    assert not q["P2_Q0"].answerable and not q["P2_Q0-en"].answerable and q["P2_Q0-en"].pair == "P2_Q0"
    p4 = next(a.id for a in d.articles if a.text == P4)
    assert q["P4_Q0"].answerable and q["P4_Q0"].gold == q["P4_Q0-en"].gold == {p4}
    assert q["P1_Q0"].answerable and q["P4_Q1"].pair is None
    assert "1 cut questions (and their translations) dropped" in d.description
    assert "3 of 5 passages" in d.description and "1 passages left empty" in d.description


def test_own_title_holding_the_answer_drops_the_question(tmp_path):
    text = "它位于厦门。它是一座岛。"
    dev = {"data": [entry("P0", "鼓浪屿", text, [qa("P0_Q0", "哪座岛位于厦门？", "鼓浪屿", text, start=0)]),
                    entry("P1", "集美", "集美有学村。", [])]}
    (tmp_path / "cmrc2018_dev.json").write_text(json.dumps(dev, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "en_questions_50.jsonl").write_text(json.dumps({"id": "P0_Q0", "en": "Which island?"}) + "\n")
    share, seed = seed_cutting(["P0", "P1"], {"P0"})
    d = load_cmrc_cut(tmp_path, share=share, seed=seed)
    assert d.questions == () and "1 cut questions" in d.description


def test_cut_corpus_differs_from_cmrc2018(cmrc_dir):
    cut, full = load_dataset("cmrc2018-cut", cmrc_dir=cmrc_dir), load_dataset("cmrc2018", cmrc_dir=cmrc_dir)
    assert cut.corpus != full.corpus
    assert DatasetName.parse("CMRC2018-cut") is DatasetName.CMRC2018_CUT
    assert DatasetName.CMRC2018_CUT in _datasets("all")


def test_sample_takes_every_pair_first(cmrc_dir):
    d = load_cmrc_cut(cmrc_dir, share=0.0)
    assert sum(q.pair is not None for q in d.questions) == 4       # 2 pairs among 9 questions
    for seed in range(5):
        s = sample(d.questions, 6, seed=seed, pairs_first=True)
        assert len(s) == 6 and sum(q.pair is not None for q in s) == 4
        assert [q.id for q in s] == [q.id for q in d.questions if q in s]  # dataset order
    # Without pairs_first some seed leaves a pair out.
    assert any(sum(q.pair is not None for q in sample(d.questions, 6, seed=seed)) < 4 for seed in range(20))
