"""The citation checker: claims cut from a stream, markers checked, unsupported claims dropped."""

from __future__ import annotations

import pytest

from qa.generators.check import ClaimBuffer, ClaimChecker, Unsupported, cited_numbers, strip_markers
from qa.generators.prompt import Shown

ANSWER = ("据报道，胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[2]。\n"
          "双方希望在人工智能领域拓展合作[2][3]，IBM愿意与厦门开展务实互利合作。[3]\n"
          "They met in Beijing [1, 2]. 最后一句没有引用")


def cut(text: str, step: int) -> list[str]:
    buf = ClaimBuffer()
    out = []
    for i in range(0, len(text), step):
        out += buf.feed(text[i:i + step])
    return out + buf.flush()


@pytest.mark.parametrize("step", [1, 2, 3, 7, 1000])
def test_claims_end_after_their_markers_however_the_text_arrives(step):
    claims = cut(ANSWER, step)
    assert "".join(claims) == ANSWER
    assert claims == [
        "据报道，胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[2]。",
        "\n",
        "双方希望在人工智能领域拓展合作[2][3]，",
        "IBM愿意与厦门开展务实互利合作。[3]",
        "\n",
        "They met in Beijing [1, 2].",
        " 最后一句没有引用",
    ]


def test_a_claim_waits_for_a_marker_that_may_still_come():
    buf = ClaimBuffer()
    assert buf.feed("座谈。") == []
    assert buf.feed("[") == []
    assert buf.feed("2]") == []  # a clause mark or another marker may follow
    assert buf.feed("。胡") == ["座谈。[2]。"]
    assert buf.flush() == ["胡"]


@pytest.mark.parametrize("text,numbers", [
    ("a[1]", [1]), ("a[1][2]", [1, 2]), ("a[1, 3]", [1, 3]), ("a【2】", [2]), ("a[2-4]", [2, 3, 4]),
    ("a[1，2、5]", [1, 2, 5]), ("a[2][2]", [2]), ("no markers", []), ("价值13.4万元", []),
])
def test_cited_numbers(text, numbers):
    assert cited_numbers(text) == numbers


def test_strip_markers():
    assert strip_markers("座谈[2]，合作[1, 3]。") == "座谈，合作。"


@pytest.fixture
def ibm(ctx_for, n_of):
    ctx = ctx_for("胡昌升和IBM谈了什么？")
    return ctx, n_of(ctx, "包卓蓝就双方合作"), n_of(ctx, "人工智能、生物制药")


def checker(ctx, **kw):
    return ClaimChecker(ctx, [Shown(p, p.text) for p in ctx.passages], **kw)


def test_a_supported_claim_keeps_its_citation_and_highlights_the_sentence(ibm):
    ctx, k, _ = ibm
    v = checker(ctx).check(f"胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[{k}]。")
    assert v.action == "keep" and v.cites == (k,) and not v.recited
    (n, start, end), = v.highlights
    passage = next(p for p in ctx.passages if p.n == k)
    assert n == k and passage.hit.chunk.start <= start < end <= passage.hit.chunk.end
    assert "包卓蓝就双方合作进行座谈" in passage.article.text[start:end]


def test_a_citation_of_a_passage_not_shown_is_removed_and_the_right_one_found(ibm):
    ctx, k, _ = ibm
    v = checker(ctx).check("胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[9]。")
    assert v.removed == (9,) and v.cites == (k,) and v.recited and v.action == "keep"
    renumber: dict[int, int] = {}
    assert checker(ctx).render(v, renumber, "zh") == "胡昌升与IBM全球副总裁包卓蓝就双方合作进行座谈[1]。"
    assert renumber == {k: 1}


def test_a_claim_citing_the_wrong_passage_is_recited(ibm):
    ctx, k, ai = ibm
    v = checker(ctx).check(f"希望与IBM在人工智能、生物制药等领域拓展合作[{k}]。")
    assert v.action == "keep" and v.cites == (ai,) and v.recited and "do not support" in v.reason


def test_an_unsupported_claim_is_dropped(ibm):
    ctx, k, _ = ibm
    v = checker(ctx).check(f"胡昌升在厦门会见了特斯拉总裁马斯克[{k}]。")
    assert v.action == "drop" and not v.kept
    assert "特斯拉" in v.missing and "not supported" in v.reason and "not in the passage: 特斯拉" in v.reason
    v = checker(ctx).check(f"胡昌升与IBM签署了价值50亿元的合作协议[{k}]。")
    assert v.action == "drop" and "not supported" in v.reason


def test_flag_mode_keeps_an_unsupported_claim_marked(ibm):
    ctx, k, _ = ibm
    c = checker(ctx, unsupported=Unsupported.FLAG)
    v = c.check(f"胡昌升与IBM签署了价值50亿元的合作协议[{k}]。")
    assert v.action == "flag" and v.kept
    assert c.render(v, {}, "zh") == "胡昌升与IBM签署了价值50亿元的合作协议[1]。（未经核实）"


def test_connecting_text_passes_and_an_uncited_claim_gets_its_passage(ibm):
    ctx, k, _ = ibm
    c = checker(ctx)
    assert c.check("据报道，").action == "connective"
    v = c.check("胡昌升与包卓蓝就双方合作进行座谈。")
    assert v.action == "keep" and v.cites == (k,) and v.recited
    assert c.render(v, {}, "zh") == "胡昌升与包卓蓝就双方合作进行座谈[1]。"
    assert c.check("厦门将建设全国最大的量子计算中心。").action == "drop"


@pytest.mark.xfail(strict=True, reason="open in issue 9: the answer model scores English claims low (their romanised "
                   "names count as missing and CC-CEDICT reads 'held talks' as 举办/报告); Chinese claims are checked")
def test_an_english_claim_is_checked_through_pinyin(ibm):
    ctx, k, _ = ibm
    c = checker(ctx)
    v = c.check(f"Hu Changsheng (胡昌升) held talks with Bao Zhuolan (包卓蓝) of IBM [{k}].")
    assert v.action == "keep" and v.cites == (k,)
    assert c.render(v, {}, "en") == "Hu Changsheng (胡昌升) held talks with Bao Zhuolan (包卓蓝) of IBM [1]."
    assert c.check(f"Hu Changsheng met Elon Musk of Tesla [{k}].").action == "drop"
