"""Names bridge: romanised names to Chinese words through toneless pinyin."""

from __future__ import annotations

import re

import pytest

from qa.bridges.english import words
from qa.bridges.pinyin import PinyinBridge
from qa.lang.pinyin import build_lexicon, normalize_key, pinyin_keys, romanize_name

LEXICON = build_lexicon(["胡昌升", "厦门", "北京", "漳平", "美亚", "柏科", "陈肇雄", "绿发", "嫦娥", "会见"])


@pytest.mark.parametrize("spelling", ["Hu Changsheng", "hu changsheng", "HU CHANGSHENG", "Hu Chang-sheng", "Huchangsheng"])
def test_name_spellings_match(spelling):
    terms = PinyinBridge(LEXICON)(f"Where did {spelling} go?")
    assert [(t.text, t.kind) for t in terms] == [("胡昌升", "name")]
    assert terms[0].source == spelling


def test_places_and_partial_company_names():
    found = {t.source: t.text for t in PinyinBridge(LEXICON)("Meiya Pico donated devices to Zhangping near Xiamen")}
    assert found == {"Meiya": "美亚", "Zhangping": "漳平", "Xiamen": "厦门"}


def test_ordinary_lowercase_english_is_not_read_as_pinyin():
    english = {"change", "meet"}
    bridge = PinyinBridge(LEXICON, is_english_word=lambda w: w in english)
    assert bridge("what will change in Beijing?")[0].text == "北京"
    assert [t.text for t in bridge("what will change")] == []  # not 嫦娥 (chang'e)
    assert [t.text for t in bridge("Change")] == ["嫦娥"]  # capitalised: a name


def test_a_capitalised_english_word_is_a_name_only_by_its_usual_reading():
    lexicon = build_lexicon(["提纳", "嫦娥"])
    assert "china" in pinyin_keys("提纳")  # 提 also reads chi
    bridge = PinyinBridge(lexicon, is_english_word=lambda w: w in {"china", "change"})
    assert bridge("Who lives in China?") == []  # the country, not 提纳 through a rare reading
    assert [t.text for t in bridge("Change")] == ["嫦娥"]  # chang'e is 嫦娥's usual reading
    assert [t.text for t in PinyinBridge(lexicon)("Who lives in China?")] == ["提纳"]  # not English: a name


def test_only_adjacent_words_form_a_name():
    assert PinyinBridge(LEXICON).match(words("Hu and Changsheng")) == []


def test_keys_cover_heteronyms_and_u_umlaut():
    assert "xiamen" in pinyin_keys("厦门")
    keys = pinyin_keys("绿发")
    assert "lvfa" in keys and "lufa" in keys
    assert normalize_key("Lü Fa") == "lvfa"


def test_romanisation():
    assert romanize_name("陈肇雄") == "Chen Zhaoxiong"
    assert romanize_name("欧阳修") == "Ouyang Xiu"


def test_syllable_scan_finds_names_jieba_split():
    from qa.bridges.pinyin import SyllableScan, segmentations
    from qa.lang.pinyin import transliterate

    assert segmentations("qiaobo")[0] == ["qiao", "bo"]
    texts = ["叶乔波是1992年冬奥会的选手。", "周俊杀了柳素云。\n叶乔波再次夺冠。"]
    scan = SyllableScan([(t, transliterate(t)) for t in texts])
    assert scan.find("Ye Qiaobo's") == ["叶乔波"]  # found twice, once per chunk
    assert scan.find("Zhou Jun") == ["周俊"] and scan.find("Liu Suyun") == ["柳素云"]
    assert scan.find("Smith") == []


def test_syllable_scan_maps_every_pinyin_token_to_its_character():
    """Two integers per chunk stand for an offset per character (which took ~1 GB at 100k
    chunks): every token maps to its character, across an empty chunk and a chunk whose text
    has a line break, and names after them are found (an empty chunk once shifted them)."""
    from qa.bridges.pinyin import SyllableScan
    from qa.lang.pinyin import transliterate

    texts = ["叶乔波夺冠。", "", "周俊\n杀了柳素云。", "柳素云"]
    rows = [(t, transliterate(t) if t else "") for t in texts]
    scan = SyllableScan(rows)
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=[ \n]))[^ \n]", scan.pinyin)]  # every token
    assert "".join(scan.text[scan.char_at(i)] for i in starts) == "".join(t for t in texts).replace("\n", " ")
    assert scan.find("Zhou Jun") == ["周俊"] and scan.find("Liu Suyun") == ["柳素云"]  # found twice


def test_the_chunks_pinyin_is_read_at_the_first_name_looked_up():
    """Reading every chunk's pinyin is a scan of the store (38 s on Milvus Lite at 100k chunks):
    opening the bridges does not do it, a Chinese question never does, the first name does, once."""
    from qa.bridges import default_bridges
    from qa.bridges.pinyin import SyllableScan
    from qa.lang.pinyin import transliterate

    reads = []
    text = "周俊杀了柳素云。"

    class Store:
        class bm25:  # noqa: N801 - what default_bridges reads of a store's BM25
            vocab = {"周俊": 0}
            docs = None

        lexicon = {"pinyin": {}}

        @property
        def transliterations(self):
            reads.append(1)
            return [(text, transliterate(text))]

        def pinyin_candidates(self, syllables):  # no full-text index of the pinyin (Milvus, older indexes)
            return None

    (bridge,) = default_bridges(Store())
    assert reads == []
    scan = SyllableScan(lambda: Store().transliterations)
    assert reads == [] and scan.find("Liu Suyun") == ["柳素云"] and scan.find("Zhou Jun") == ["周俊"]
    assert reads == [1]


def test_english_bridge_reads_a_capitalised_run_as_one_name():
    from qa.bridges import EnglishBridge
    from qa.bridges.pinyin import SyllableScan
    from qa.lang.pinyin import transliterate

    text = "魏伊杰死后谥号为文。"
    b = EnglishBridge({"谥号": 0}, build_lexicon(["伊杰"]), SyllableScan([(text, transliterate(text))]))
    names = [(t.source, t.text) for t in b("What was Wei Yijie's posthumous name?") if t.kind == "name"]
    assert names == [("Wei Yijie's", "魏伊杰")]  # not Wei (a dictionary word) + Yijie


def test_a_run_that_reads_as_one_name_wins_over_a_word_written_as_is():
    from qa.bridges import EnglishBridge

    # "wu" is a word of the index (an English passage wrote it); "Wu Jinfa" is 吴锦发 as a whole
    b = EnglishBridge({"wu": 0, "吴锦发": 1}, build_lexicon(["吴锦发", "锦发"]))
    names = [(t.source, t.text) for t in b("Where is Wu Jinfa from?") if t.kind == "name"]
    assert names == [("Wu Jinfa", "吴锦发")]
    assert [(t.source, t.text) for t in b("What did Wu say?") if t.kind == "name"] == [("Wu", "Wu")]
