"""Collecting training examples (train/examples.py)."""

from __future__ import annotations

import dataclasses

import pytest

pytestmark = pytest.mark.slow


def test_adding_english_questions_leaves_every_chinese_questions_examples_as_they_were(tmp_path, fake_encoder):
    """Each question draws its swapped versions and claims from its own seeded generator, and only
    Chinese questions feed the pools swapped words come from: adding another writer's English
    questions (``python -m train --styled``) changes no Chinese question's examples."""
    from train.data import STYLED, load_passages
    from train.examples import build_index, collect, corpus

    styled = {p.id: p for p in load_passages(english_limit=0, styled=STYLED)}
    passages = [p for p in styled.values() if any(q.writer for q in p.questions)][:12]
    chinese = [dataclasses.replace(p, questions=tuple(q for q in p.questions if q.lang == "zh")) for p in passages]
    role = {p.id: "keep" for p in passages}  # every passage whole: the swaps and claims are drawn for kept ones
    index = build_index(corpus(passages, role), fake_encoder, tmp_path, progress=False)
    both = collect(passages, index, fake_encoder, progress=False, role=role)
    alone = collect(chinese, index, fake_encoder, progress=False, role=role)
    assert any(m["lang"] == "en" and m.get("writer") for m in both.questions)
    zh = [m for m in both.questions if m["lang"] == "zh"]
    assert zh == alone.questions and any(m["kind"] != "question" for m in zh)
