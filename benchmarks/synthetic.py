"""Synthetic Chinese news and a stand-in encoder, for the scale benchmark (``benchmarks/scale.py``).

Neither is real: the articles are for measuring cost (build, disk, memory, latency) at sizes the
bundled data cannot reach, never quality; the encoder is not a model.

- Articles: sentences of the bundled page (``data/xiamen-news-2020-11.txt``) recombined. Every
  sentence is a page sentence, tagged once by jieba, in which person names are replaced by new
  names (a surname and given-name characters drawn from jieba's dictionary names), digits by
  new numbers (years, months and days kept plausible) and ``SWAP`` of the content words by words
  of the same part of speech from jieba's dictionary, drawn by the dictionary's frequency (so the
  vocabulary grows with the corpus the way a real archive's does, Zipf-like). Deterministic from
  the seed, so jieba, the annotator and BM25 see realistic text.
- ``StandInEncoder``: a signed hashed bag of character unigrams and bigrams in 384 buckets,
  L2-normalised (feature hashing, i.e. a random projection of the bag). Fast (no model), stable
  across processes; nearest neighbours share characters, nothing more.
"""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import numpy as np

from qa.encoders import BatchedEncoder, Kind
from qa.types import Article

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "data" / "xiamen-news-2020-11.txt"
SWAP = 0.4  # share of a template's content words replaced by dictionary words
CONTENT = frozenset({"n", "v", "vn", "a", "ad", "an", "ns", "nt", "nz", "i", "l", "j", "s", "b"})
NAMES = frozenset({"nr", "nrfg", "nrt"})
SENTENCES_PER_ARTICLE = (4, 16)
YEARS = (2010, 2024)
QUESTION_ENDINGS = ("是什么？", "在哪里？", "有哪些？", "是多少？", "是谁？", "怎么样？")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_DIGITS = re.compile(r"\d+")


class StandInEncoder(BatchedEncoder):
    """NOT A MODEL. A stand-in for the benchmark: signed hashed bag of character unigrams and
    bigrams, ``dim`` buckets, L2-normalised; queries and passages alike."""

    name = "stand-in:hashed-char-bigrams"

    def __init__(self, *, dim: int = 384, batch_size: int = 256) -> None:
        super().__init__(batch_size=batch_size)
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    def _encode_batch(self, texts: list[str], kind: Kind) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            c = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
            keys = np.concatenate([c, (c[:-1] << np.uint64(21)) | c[1:]])  # code points < 2**21
            h = keys * np.uint64(0x9E3779B97F4A7C15)  # multiplicative hash, wraps mod 2**64
            bucket = (h >> np.uint64(40)) % np.uint64(self._dim)
            sign = ((h >> np.uint64(33)) & np.uint64(1)).astype(np.float32) * 2 - 1
            out[i] = np.bincount(bucket.astype(np.int64), weights=sign, minlength=self._dim)
        return out


@dataclass(frozen=True)
class _Pool:
    words: tuple[str, ...]
    cum: tuple[float, ...]

    def pick(self, rng: random.Random) -> str:
        return self.words[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


@dataclass(frozen=True)
class Material:
    """What articles are made of: tagged page sentences, dictionary pools, name parts."""

    templates: tuple[tuple[tuple[str, str], ...], ...]
    pools: dict[str, _Pool]
    surnames: _Pool
    given: tuple[str, ...]


def _pool(pairs: list[tuple[str, int]]) -> _Pool:
    return _Pool(tuple(w for w, _ in pairs), tuple(accumulate(f for _, f in pairs)))


@lru_cache(maxsize=1)
def material() -> Material:
    """Tag the bundled page's sentences and read jieba's dictionary (once per process)."""
    from qa.chunking import sentence_spans
    from qa.ingest import ingest_paths
    from qa.lang.segment import jieba, tag

    templates = []
    for a in ingest_paths([PAGE]).articles:
        for s, e in sentence_spans(a.text):
            tagged = tuple(tag(a.text[s:e]))
            if len(tagged) >= 4:
                templates.append(tagged)
    by_tag: dict[str, list[tuple[str, int]]] = {}
    names: list[tuple[str, int]] = []
    with open(jieba().get_dict_file().name, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) != 3 or not _CJK.match(parts[0]):
                continue
            word, freq, flag = parts[0], int(parts[1]), parts[2]
            if flag == "nr" and len(word) == 3:
                names.append((word, freq))
            elif flag in CONTENT and len(word) >= 2:
                by_tag.setdefault(flag, []).append((word, freq))
    surnames: dict[str, int] = {}
    for w, f in names:
        surnames[w[0]] = surnames.get(w[0], 0) + f
    given = tuple(sorted({ch for w, _ in names for ch in w[1:]}))
    return Material(templates=tuple(templates), pools={k: _pool(v) for k, v in by_tag.items()},
                    surnames=_pool(sorted(surnames.items())), given=given)


def _number(rng: random.Random, digits: str, after: str) -> str:
    if after.startswith("年") and len(digits) == 4:
        return str(rng.randint(*YEARS))
    if after.startswith("月"):
        return str(rng.randint(1, 12))
    if after.startswith("日"):
        return str(rng.randint(1, 28))
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(len(digits) - 1))


def sentence(rng: random.Random, m: Material) -> str:
    """One page sentence with new names, numbers and some content words."""
    template = rng.choice(m.templates)
    out = []
    for i, (word, flag) in enumerate(template):
        if flag in NAMES and _CJK.match(word):
            word = m.surnames.pick(rng) + "".join(rng.choice(m.given) for _ in range(rng.randint(1, 2)))
        elif flag == "m" and _DIGITS.search(word):
            after = template[i + 1][0] if i + 1 < len(template) else ""
            word = _DIGITS.sub(lambda d, after=after: _number(rng, d.group(), after), word)
        elif flag in m.pools and rng.random() < SWAP:
            word = m.pools[flag].pick(rng)
        out.append(word)
    return "".join(out)


def article(rng: random.Random, m: Material | None = None) -> Article:
    """One synthetic article: 4-16 sentences in paragraphs, a title, a date (as metadata)."""
    m = m or material()
    sentences = [sentence(rng, m) for _ in range(rng.randint(*SENTENCES_PER_ARTICLE))]
    paragraphs, i = [], 0
    while i < len(sentences):
        n = rng.randint(1, 4)
        paragraphs.append("".join(sentences[i: i + n]))
        i += n
    title = re.split(r"[，。；：！？、]", sentence(rng, m))[0][:24]
    date = f"{rng.randint(*YEARS)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return Article.make("\n".join(paragraphs), title=title, source="synthetic (benchmarks/synthetic.py)",
                        date=date, date_source="metadata")


def corpus(chunks: int, *, seed: int = 0, size: int = 300, overlap: int = 1) -> tuple[list[Article], int]:
    """Articles until they hold at least ``chunks`` chunks (the project's chunker counts them);
    returns them and their chunk count. The same seed gives the same articles."""
    from qa.chunking import chunk_article

    rng, m = random.Random(seed), material()
    articles, n, ids = [], 0, set()
    while n < chunks:
        a = article(rng, m)
        if a.id in ids:  # the same text twice would be one article in the index
            continue
        ids.add(a.id)
        articles.append(a)
        n += len(chunk_article(a, size=size, overlap=overlap))
    return articles, n


def questions(articles: Sequence[Article], n: int, *, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` Chinese questions made of a sentence's first content words, and up to ``n`` English
    ones naming a person of the corpus in pinyin ("What did Hu Changsheng say?")."""
    from qa.chunking import sentence_spans
    from qa.lang.pinyin import romanize_name
    from qa.lang.segment import tag

    rng = random.Random(seed)
    zh: list[str] = []
    en: list[str] = []
    for _ in range(n * 20):
        if len(zh) >= n and len(en) >= n:
            break
        a = rng.choice(articles)
        s, e = rng.choice(sentence_spans(a.text))
        tagged = tag(a.text[s:e])
        words = [w for w, f in tagged if f in CONTENT or f in NAMES]
        if len(zh) < n and len(words) >= 2:
            zh.append("".join(words[: rng.randint(2, 4)]) + rng.choice(QUESTION_ENDINGS))
        people = [w for w, f in tagged if f in NAMES and _CJK.match(w) and 2 <= len(w) <= 3]
        if len(en) < n and people:
            en.append(f"What did {romanize_name(rng.choice(people))} say?")
    return zh, en
