"""Encodings seen in the wild: detected, decoded to the right text, never a crash."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from qa.errors import IngestError
from qa.ingest import ingest_paths
from qa.ingest.encoding import decode_bytes

# sentences of the bundled page (simplified characters)
SIMPLIFIED = (
    "11月17日，国家主席习近平出席金砖国家领导人第十二次会晤发表重要讲话时宣布，"
    "在厦门建立金砖国家新工业革命伙伴关系创新基地。\n"
    "胡昌升与IBM全球副总裁、大中华区总裁包卓蓝就双方合作进行座谈。\n"
    "美亚柏科公司捐赠了价值人民币13.4万元智能测温设备。"
)
# the same news in traditional characters, as a Big5 paper in Taiwan or Hong Kong prints it
TRADITIONAL = (
    "廈門市政府與工信部共同主辦的金磚國家新工業革命夥伴關係論壇，將正式啟動金磚創新基地建設。\n"
    "胡昌升帶隊在北京開展招商引資工作，走訪中國電科、IBM和京東集團。\n"
    "省政府批覆同意將福建省廈門市列為「省級歷史文化名城」。"
)


@pytest.mark.parametrize(("codec", "reported"), [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),   # UTF-8 with a BOM
    ("utf-16", "utf-16"),         # with a BOM (little-endian here)
    ("utf-32", "utf-32"),         # with a BOM, which starts like UTF-16's
    ("gb18030", "gb18030"),
    ("gbk", "gb18030"),           # GB18030 reads GBK and GB2312
    ("gb2312", "gb18030"),
])
def test_simplified_chinese(codec: str, reported: str) -> None:
    assert decode_bytes(SIMPLIFIED.encode(codec)) == (SIMPLIFIED, reported)


def test_utf16_big_endian_with_bom() -> None:
    data = codecs.BOM_UTF16_BE + SIMPLIFIED.encode("utf-16-be")
    assert decode_bytes(data) == (SIMPLIFIED, "utf-16")


@pytest.mark.parametrize("codec", ["big5", "big5hkscs"])
def test_big5(codec: str) -> None:
    data = TRADITIONAL.encode(codec)
    # the same bytes also decode as GB18030, into nonsense: the word check picks Big5
    assert data.decode("gb18030", errors="replace") != TRADITIONAL
    assert decode_bytes(data) == (TRADITIONAL, "big5")


@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
def test_traditional_chinese_in_unicode_encodings(codec: str) -> None:
    assert decode_bytes(TRADITIONAL.encode(codec))[0] == TRADITIONAL


def test_characters_only_gb18030_has() -> None:
    text = "㐀与𠀀是扩展区汉字，厦门日报报道了这件事。"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")


def test_short_legacy_text() -> None:
    assert decode_bytes("厦门日报".encode("gbk"))[0] == "厦门日报"


def random_junk(seed: int) -> bytes:
    """Bytes that no supported encoding reads: random, without NUL, with a lone 0xFF
    (a lead byte that UTF-8, GB18030 and Big5 all reject)."""
    rng = random.Random(seed)
    return bytes(rng.randrange(1, 256) for _ in range(rng.randrange(20, 600))) + b"\xff"


@pytest.mark.parametrize("data", [
    *(random_junk(seed) for seed in range(20)),
    b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)),
    b"\xef\xbb\xbf\xff\xfe\xfd",       # a UTF-8 BOM, then no UTF-8
    b"\xff\xfe\x00\xd8",               # a UTF-16 BOM, then a lone surrogate
])
def test_undecodable_bytes_raise_ingest_error(data: bytes) -> None:
    with pytest.raises(IngestError, match="broken.txt"):
        decode_bytes(data, name="broken.txt")


def test_random_bytes_never_decode_to_garbage() -> None:
    # random bytes without 0xFF sometimes pass as GB18030 or Big5; the control
    # characters in them give them away
    rng = random.Random(7)
    for _ in range(200):
        data = bytes(rng.randrange(1, 256) for _ in range(rng.randrange(10, 400)))
        try:
            text, _ = decode_bytes(data)
        except IngestError:
            continue
        assert not any(c < " " and c not in "\t\n\r\x0b\x0c\x1b" for c in text)


def test_files_in_every_encoding_ingest_to_the_same_article(tmp_path: Path) -> None:
    for codec in ("utf-8", "utf-8-sig", "utf-16", "gb18030", "gbk"):
        (tmp_path / f"{codec}.txt").write_bytes(SIMPLIFIED.encode(codec))
    (tmp_path / "big5.txt").write_bytes(TRADITIONAL.encode("big5"))
    result = ingest_paths([tmp_path])
    assert result.skipped == [] and len(result.files) == 6
    # re-encoded copies are the same article: one id, stored once
    assert [a.text for a in result.articles] == [TRADITIONAL, SIMPLIFIED]


def test_bundled_page_in_gb18030_gives_the_same_ids(tmp_path: Path, bundled_text: str, bundled_path: Path) -> None:
    f = tmp_path / "xiamen-news-2020-11.txt"
    f.write_bytes(bundled_text.encode("gb18030"))
    assert [a.id for a in ingest_paths(f).articles] == [a.id for a in ingest_paths(bundled_path).articles]


def test_undecodable_and_binary_files_are_skipped_and_ingest_goes_on(tmp_path: Path) -> None:
    junk = tmp_path / "a-junk.txt"
    junk.write_bytes(random_junk(1))
    binary = tmp_path / "b-binary.txt"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)))
    good = tmp_path / "c-good.txt"
    good.write_bytes(SIMPLIFIED.encode("gbk"))
    page = tmp_path / "d-page.md"
    page.write_bytes(TRADITIONAL.encode("big5"))
    result = ingest_paths([tmp_path])
    skipped = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(skipped) == {"a-junk.txt", "b-binary.txt"}
    assert str(junk) in skipped["a-junk.txt"] and "cannot be decoded" in skipped["a-junk.txt"]
    assert str(binary) in skipped["b-binary.txt"] and "binary" in skipped["b-binary.txt"]
    assert [a.text for a in result.articles] == [SIMPLIFIED, TRADITIONAL]
    assert result.files == [str(good), str(page)]


@pytest.mark.parametrize("suffix", [".txt", ".md", ".jsonl", ".html"])
def test_no_reader_raises_on_undecodable_bytes(tmp_path: Path, suffix: str) -> None:
    f = tmp_path / f"junk{suffix}"
    f.write_bytes(random_junk(3))
    result = ingest_paths(f)
    assert result.articles == [] and [s.path for s in result.skipped] == [str(f)]


ENGLISH = "Xiamen News, 17 November 2020: the BRICS innovation base opens in Xiamen.\n" * 3


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("text", [SIMPLIFIED, TRADITIONAL, ENGLISH], ids=["simplified", "traditional", "english"])
def test_utf16_and_utf32_without_a_byte_order_mark(codec: str, text: str) -> None:
    """Windows "Unicode" files saved without a BOM were called binary."""
    assert decode_bytes(text.encode(codec)) == (text, codec)


def test_the_bomless_threshold_is_one_setting_that_separates_text_from_wrong_byte_order() -> None:
    from qa.ingest.encoding import MIN_PLAIN_SHARE, _plain_share

    right = [_plain_share(t) for t in (SIMPLIFIED, TRADITIONAL, ENGLISH)]
    wrong = [_plain_share(t.encode("utf-16-le").decode("utf-16-be", errors="replace")) for t in (SIMPLIFIED, ENGLISH)]
    assert min(right) >= MIN_PLAIN_SHARE > max(wrong)
