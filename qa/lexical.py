"""Lexical side: jieba tokenisation and a BM25 index (bm25s) over the chunks."""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

TOKENIZER = "jieba.lcut_for_search"
BM25_PARAMS = {"k1": 1.2, "b": 0.75, "method": "lucene"}

# Function words and question words: they match everywhere and carry no topic.
STOPWORDS_ZH = set(
    "的 地 得 了 着 过 在 是 和 与 及 或 等 也 就 都 而 并 对 为 以 于 之 将 被 把 从 向 由 这 那 其 此 "
    "个 一 有 没有 不 很 还 又 再 已 已经 所 能 会 要 让 使 给 到 上 下 中 里 内 外 后 前 时 来 去 说 "
    "我 你 他 她 它 我们 你们 他们 她们 它们 自己 该 各 每 如 若 如果 因为 所以 但 但是 而且 并且 以及 "
    "哪 哪些 哪个 哪里 哪儿 谁 什么 啥 多少 几 几个 如何 怎么 怎样 怎么样 为什么 为何 是否 吗 呢 吧 啊 呀 么 "
    "请问 请 告诉 一下 是不是 有没有 有关 关于 方面 进行".split()
)
STOPWORDS_EN = set(
    "a an the of in on at to for from by with about as into over after before under between "
    "and or but not no is are was were be been being am do does did done have has had having "
    "what which who whom whose when where why how that this these those there here it its "
    "he she they them his her their we our you your i me my can could will would should may might "
    "must shall tell please any some all each other than then so if also very just only did".split()
)
STOPWORDS = STOPWORDS_ZH | STOPWORDS_EN
_KEEP = re.compile(r"[\w\u3400-\u9fff]")
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(60)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    """BM25 tokens: jieba's search-mode words (a long word and its parts), lowercased,
    without punctuation or stopwords.

    >>> tokenize("胡昌升与IBM全球副总裁座谈")
    ['胡昌升', 'ibm', '全球', '副总', '总裁', '副总裁', '座谈']
    """
    words = _jieba().lcut_for_search(text)
    out = []
    for w in words:
        w = w.strip().lower()
        if w and _KEEP.search(w) and w not in STOPWORDS and not any(c.isspace() for c in w):
            out.append(w)
    return out


class BM25Index:
    """A bm25s index plus the document frequencies the answer step weighs terms with."""

    def __init__(self, bm25) -> None:
        self._bm25 = bm25
        indptr = np.asarray(bm25.scores["indptr"])
        self._df = np.diff(indptr)
        self.num_docs = int(bm25.scores["num_docs"])
        self.vocab: dict[str, int] = {k: v for k, v in bm25.vocab_dict.items() if k}

    @classmethod
    def build(cls, corpus_tokens: list[list[str]]) -> BM25Index:
        import bm25s

        bm25 = bm25s.BM25(k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"], method=BM25_PARAMS["method"])
        # bm25s needs at least one token in the corpus; an empty index still scores 0
        bm25.index(corpus_tokens if any(corpus_tokens) else [["\x00"]] * max(1, len(corpus_tokens)),
                   show_progress=False)
        return cls(bm25)

    def save(self, path: Path) -> None:
        self._bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(path), show_progress=False))

    def docs(self, term: str) -> np.ndarray:
        """Ids of the documents that contain ``term`` (empty for an unknown term)."""
        tid = self.vocab.get(term.lower())
        if tid is None:
            return np.zeros(0, dtype=np.int64)
        ptr = self._bm25.scores["indptr"]
        return np.asarray(self._bm25.scores["indices"][ptr[tid]: ptr[tid + 1]])

    def known(self, terms: Iterable[str]) -> list[str]:
        return [t for t in terms if t in self.vocab]

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return int(self._df[tid]) if tid is not None else 0

    def idf(self, term: str) -> float:
        """Lucene's BM25 idf; a term the index has never seen gets the rarest possible weight."""
        n, df = self.num_docs, self.df(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, terms: Mapping[str, float] | Iterable[str]) -> np.ndarray:
        """BM25 score of every document for weighted query terms (a plain token list
        weighs each token by how often it occurs). Unknown terms contribute nothing."""
        weights = dict(terms) if isinstance(terms, Mapping) else Counter(terms)
        total = np.zeros(self.num_docs, dtype=np.float32)
        for term, w in weights.items():
            tid = self.vocab.get(term)
            if tid is not None and w:
                total += w * self._bm25.get_scores_from_ids([tid])
        return total
