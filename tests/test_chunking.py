"""Sentence splitting and chunking: offsets slice back, sentences and numbers stay whole."""

from __future__ import annotations

import random
import re
from bisect import bisect_right

import pytest

from qa.chunking import _split_long, chunk_article, pack, split_sentences
from qa.errors import ConfigError
from qa.ingest import ingest_text
from qa.types import Article, Chunk, stable_id

# what a cut must never split: a Latin word or a number (13.4, 1,234,567, 10:30, COVID-19)
TOKEN = re.compile(r"[0-9A-Za-z]+(?:[.,:'’-][0-9A-Za-z]+)*")


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.fixture(scope="module")
def bundled_articles(bundled_text: str) -> list[Article]:
    arts = ingest_text(bundled_text)
    assert len(arts) == 4
    return arts


# --- sentences ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("论坛开幕。嘉宾致辞！谁来了？厦门；福建", ["论坛开幕。", "嘉宾致辞！", "谁来了？", "厦门；", "福建"]),
    ("Really?! Yes; no!", ["Really?!", "Yes;", "no!"]),
    # closing quotes and brackets stay with the sentence they close
    ("他说：“好。”然后走了！", ["他说：“好。”", "然后走了！"]),
    ("他问：“真的吗？！”她笑了。（完。）结束", ["他问：“真的吗？！”", "她笑了。", "（完。）", "结束"]),
    ("打造了“民主党派+企业”的模式。希望论坛越办越好。", ["打造了“民主党派+企业”的模式。", "希望论坛越办越好。"]),
    ("文中写道「好。」接着", ["文中写道「好。」", "接着"]),
    # numbers and dates are no sentence ends
    ("价值人民币13.4万元。共20多篇。", ["价值人民币13.4万元。", "共20多篇。"]),
    ("It cost 13.4 million yuan, or 1,234,567.89 in all. Then", ["It cost 13.4 million yuan, or 1,234,567.89 in all.", "Then"]),
    # English periods, but not after titles, initials and abbreviations
    ("Mr. Smith met Dr. Chen at No. 5 St. Paul Road. They talked.",
     ["Mr. Smith met Dr. Chen at No. 5 St. Paul Road.", "They talked."]),
    ("J. R. Smith visited the U.S. and e.g. Xiamen at 3 p.m. today. Good.",
     ["J. R. Smith visited the U.S. and e.g. Xiamen at 3 p.m. today.", "Good."]),
    ("The forum began in 2020. It works with IBM. Then it grew.",
     ["The forum began in 2020.", "It works with IBM.", "Then it grew."]),
    ('He said "yes." Then he left.', ['He said "yes."', "Then he left."]),
    ("1. First point.\n2. Second point.", ["1. First point.", "2. Second point."]),
    # a newline ends a sentence; whitespace around sentences is not part of them
    ("  第一行没有句号\n\n 第二行。  ", ["第一行没有句号", "第二行。"]),
    ("", []),
    (" \n ", []),
])
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_split_sentences_of_a_range_keeps_article_offsets() -> None:
    text = "前言。论坛开幕。嘉宾致辞！后记。"
    start = text.index("论坛")
    end = text.index("后记")
    spans = split_sentences(text, start, end)
    assert [text[s:e] for s, e in spans] == ["论坛开幕。", "嘉宾致辞！"]
    assert spans[0][0] == start


# --- long sentences ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "limit", "whole"), [
    ("会议于10:30开始" * 8, 23, "10:30"),
    ("价值人民币13.4万元" * 8, 10, "13.4"),
    ("合计人民币1,234,567元" * 8, 12, "1,234,567"),
    ("厦门与IBM Watson团队合作" * 8, 9, "Watson"),
])
def test_long_sentence_is_never_cut_inside_a_number_or_word(text: str, limit: int, whole: str) -> None:
    spans = _split_long(text, (0, len(text)), limit)
    pieces = [text[s:e] for s, e in spans]
    assert "".join(pieces) == text.replace(" ", "")  # the space at a cut is trimmed off
    assert all(len(p) <= limit for p in pieces)
    assert sum(p.count(whole) for p in pieces) == text.count(whole)


def test_long_sentence_is_cut_at_clause_punctuation_first() -> None:
    text = "厦门具有改革基因和特区政策优势，探索推进保税区、保税物流园区、保税港区到自由贸易试验区的迭代升级"
    pieces = [text[s:e] for s, e in _split_long(text, (0, len(text)), 20)]
    assert pieces == ["厦门具有改革基因和特区政策优势，", "探索推进保税区、保税物流园区、", "保税港区到自由贸易试验区的迭代升级"]


def test_a_word_longer_than_the_limit_stays_whole() -> None:
    text = "测试Supercalifragilisticexpialidocious一词"
    pieces = [text[s:e] for s, e in _split_long(text, (0, len(text)), 10)]
    assert pieces == ["测试", "Supercalifragilisticexpialidocious", "一词"]


# --- packing ----------------------------------------------------------------------


def test_pack_with_overlap_of_one_sentence() -> None:
    spans = [(0, 10), (10, 20), (20, 30), (30, 40)]
    assert pack(spans, size=25, overlap=1) == [(0, 20), (10, 30), (20, 40)]
    assert pack(spans, size=25, overlap=0) == [(0, 20), (20, 40)]
    assert pack(spans, size=1000, overlap=1) == [(0, 40)]


def test_pack_never_makes_a_chunk_of_only_the_overlap() -> None:
    # the shared sentence (100, 200) leaves no room for the long one after it
    assert pack([(0, 100), (100, 200), (200, 450)], size=300, overlap=1) == [(0, 200), (200, 450)]


def test_pack_overlap_is_at_most_half_a_chunk() -> None:
    # (5, 30) is more than half of 40: no overlap
    assert pack([(0, 5), (5, 30), (30, 50)], size=40, overlap=1) == [(0, 30), (30, 50)]
    assert pack([(0, 15), (15, 30), (30, 50)], size=40, overlap=1) == [(0, 30), (15, 50)]


@pytest.mark.parametrize(("size", "overlap"), [(0, 1), (-5, 0), (300, -1)])
def test_bad_settings_raise(size: int, overlap: int) -> None:
    art = Article.make("论坛开幕。", title="t")
    with pytest.raises(ConfigError, match=str(size if size < 1 else overlap)):
        chunk_article(art, size=size, overlap=overlap)
    with pytest.raises(ValueError):
        pack([(0, 5)], size=size, overlap=overlap)


# --- chunks of the bundled articles ---------------------------------------------------


@pytest.mark.parametrize("size", [40, 120, 300, 400])
@pytest.mark.parametrize("overlap", [0, 1, 2])
def test_bundled_chunks_slice_back_and_keep_sentences_whole(bundled_articles, size: int, overlap: int) -> None:
    for art in bundled_articles:
        chunks = chunk_article(art, size=size, overlap=overlap)
        assert chunks
        check_chunks(art, chunks, size, overlap)


def test_bundled_chunks_at_the_default_size(bundled_articles) -> None:
    for art in bundled_articles:
        chunks = chunk_article(art)
        assert all(150 <= len(c.text) <= 300 for c in chunks[:-1]), [len(c.text) for c in chunks]
        assert chunks[0].start == 0 and chunks[-1].end == len(art.text)


def test_neighbours_share_one_sentence(bundled_articles) -> None:
    shared = 0
    for art in bundled_articles:
        spans = set(split_sentences(art.text))
        chunks = chunk_article(art, size=120, overlap=1)
        for a, b in zip(chunks, chunks[1:]):
            if b.start < a.end:
                assert (b.start, a.end) in spans, art.text[b.start:a.end]
                shared += 1
    assert shared >= 10


def test_without_overlap_chunks_follow_each_other(bundled_articles) -> None:
    for art in bundled_articles:
        chunks = chunk_article(art, size=120, overlap=0)
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
        between = [art.text[a.end:b.start] for a, b in zip(chunks, chunks[1:])]
        assert all(not gap.strip() for gap in between)


def test_chunk_ids_are_derived(bundled_articles) -> None:
    art = bundled_articles[1]
    first = chunk_article(art, size=200, overlap=1)
    again = chunk_article(Article.make(art.text, title="another title"), size=200, overlap=1)
    assert first == again
    assert all(c.id == stable_id(art.id, c.start, c.end) for c in first)
    assert len({c.id for c in first}) == len(first)
    other = chunk_article(bundled_articles[2], size=200, overlap=1)
    assert not {c.id for c in first} & {c.id for c in other}
    assert Chunk.make("a", 0, 5, "论坛开幕。").id == Chunk.make("a", 0, 5, "论坛开幕。").id


# --- invariants over many random texts -------------------------------------------------------

WORDS = ["厦门", "金砖国家", "创新基地", "胡昌升", "座谈", "合作", "发展", "论坛", "厦门经济特区",
         "习近平总书记", "高质量", "人工智能", "包卓蓝", "的", "在", "与", "和"]
NUMBERS = ["13.4", "1,234,567", "10:30", "2020", "40", "0.5", "11月17日", "16日-17日", "3.14159"]
LATIN = ["IBM", "Watson", "the", "forum", "Xiamen", "COVID-19", "don't", "Supercalifragilisticexpialidocious"]
CLAUSE = ["，", "、", "：", ", ", "——"]
ENDS = ["。", "！", "？", "；", "!", "?", ";", ". ", "……"]
CLOSERS = ["”", "）", "」", "'"]


def random_text(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randrange(1, 40)):  # sentences
        if rng.random() < 0.3:
            parts.append("“")
        for _ in range(rng.choice([1, 2, 3, 5, 8, 20, 60])):  # words, sometimes a very long sentence
            r = rng.random()
            pool = WORDS if r < 0.55 else NUMBERS if r < 0.7 else LATIN if r < 0.85 else CLAUSE
            word = rng.choice(pool)
            if pool is LATIN and parts and parts[-1][-1:].isalnum():
                word = " " + word
            parts.append(word)
        if rng.random() < 0.85:
            parts.append(rng.choice(ENDS))
            if rng.random() < 0.2:
                parts.append(rng.choice(CLOSERS))
        if rng.random() < 0.15:
            parts.append(rng.choice(["\n", "\n\n", " \n", " "]))
    return "".join(parts).strip()


def around(spans: list[tuple[int, int]], starts: list[int], b: int) -> tuple[int, int] | None:
    """The span (sorted, not overlapping) that strictly contains position ``b``, if any."""
    k = bisect_right(starts, b) - 1
    return spans[k] if k >= 0 and spans[k][0] < b < spans[k][1] else None


def check_chunks(art: Article, chunks: list[Chunk], size: int, overlap: int) -> None:
    text = art.text
    spans = split_sentences(text)
    span_starts = [s for s, _ in spans]
    tokens = [m.span() for m in TOKEN.finditer(text)]
    token_starts = [s for s, _ in tokens]
    covered = bytearray(len(text))
    for c in chunks:
        # offsets slice back exactly; chunks are trimmed and keep their article id
        assert text[c.start:c.end] == c.text
        assert c.text and c.text == c.text.strip()
        assert c.article_id == art.id and c.id == stable_id(art.id, c.start, c.end)
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
        for b in (c.start, c.end):
            # no boundary inside a sentence unless it alone exceeds the size ...
            sentence = around(spans, span_starts, b)
            assert sentence is None or sentence[1] - sentence[0] > size, (b, text[slice(*sentence)])
            # ... and then never inside a number or a Latin word
            assert around(tokens, token_starts, b) is None, (b, text[max(0, b - 10):b + 10])
        if len(c.text) > size:
            # only a piece of one long sentence, stretched to the end of a word longer than the room left
            sentence = around(spans, span_starts, c.start + 1) or (c.start, c.end)
            assert sentence[0] <= c.start and c.end <= sentence[1] and sentence[1] - sentence[0] > size
            assert around(tokens, token_starts, c.start + size) is not None, c.text
    # nothing is lost
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())
    for a, b in zip(chunks, chunks[1:]):
        assert a.start < b.start and a.end < b.end  # in order, never a chunk inside its neighbour
        if overlap == 0:
            assert a.end <= b.start
        elif b.start < a.end:
            shared = [(s, e) for s, e in spans if b.start <= s and e <= a.end]
            assert len(shared) <= overlap or size < 20  # a short size may cut a sentence into pieces
            assert a.end - b.start <= size // 2


def test_chunk_invariants_on_random_texts() -> None:
    rng = random.Random(20201117)
    for _ in range(200):
        text = random_text(rng)
        if not text:
            continue
        art = Article.make(text, title="t")
        size = rng.choice([1, 5, 12, 30, 60, 120, 200, 300, 400])
        overlap = rng.choice([0, 1, 1, 2])
        chunks = chunk_article(art, size=size, overlap=overlap)
        check_chunks(art, chunks, size, overlap)
        assert chunk_article(art, size=size, overlap=overlap) == chunks


def test_sentence_invariants_on_random_texts() -> None:
    rng = random.Random(13)
    for _ in range(300):
        text = random_text(rng)
        spans = split_sentences(text)
        assert spans == sorted(spans)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
        for s, e in spans:
            piece = text[s:e]
            assert piece and piece == piece.strip() and "\n" not in piece
        covered = {i for s, e in spans for i in range(s, e)}
        assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
        # a decimal point or a digit-group comma never ends a sentence
        for s, e in spans:
            assert not re.search(r"\d[.,:]$", text[s:e]) or not re.match(r"\d", text[e:e + 1])
