"""Pure character-level helpers shared by the pipeline steps."""

from __future__ import annotations

import re
import unicodedata

_CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_CHAR = f"[{_CJK_RANGES}]"
# Punctuation only Chinese text uses (ideographic and full-width forms) ...
_CJK_ONLY_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
# ... and punctuation both languages use: curly quotes, dashes, ellipsis, middle dot.
_SHARED_PUNCT = "\u2014-\u2027\u00b7"
# Chinese punctuation and symbols that sit between CJK characters without spaces.
CJK_PUNCT = _CJK_ONLY_PUNCT + _SHARED_PUNCT
CJK_OR_PUNCT = f"[{_CJK_RANGES}{CJK_PUNCT}]"

_FULLWIDTH_ALNUM = {c: chr(c - 0xFEE0) for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)}
_FULLWIDTH_ALNUM.update({0x3000: " ", 0x00A0: " ", 0xFEFF: None, 0x200B: None, 0x200C: None, 0x200D: None})
# tabs and typographic spaces (en, thin, narrow no-break, ...) are plain spaces
_FULLWIDTH_ALNUM.update({c: " " for c in (0x09, *range(0x2000, 0x200B), 0x202F, 0x205F)})

_STRONG = f"[{_CJK_RANGES}{_CJK_ONLY_PUNCT}]"
# A space beside a curly quote or dash goes only when Chinese is on the quote's other
# side: 'he said “hello”' keeps its spaces, '说 “好”' loses its one.
_SPACE_NEAR_CJK = re.compile(
    rf"(?<={_STRONG})[ \t]+|[ \t]+(?={_STRONG})"
    rf"|(?<={CJK_CHAR}[{_SHARED_PUNCT}])[ \t]+|[ \t]+(?=[{_SHARED_PUNCT}]{CJK_CHAR})"
)
_SPACES = re.compile(r"[ \t]{2,}")
# every line break str.splitlines() knows except the file separators \x1c-\x1e
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
_SPACED_NUMBER = re.compile(r"\d[\d.,]*(?:[ \t]+[\d.,]*\d)+")


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def cjk_ratio(text: str) -> float:
    """Share of CJK characters among the letters of ``text`` (0 when it has none)."""
    letters = [c for c in text if c.isalpha()]
    return sum(map(is_cjk, letters)) / len(letters) if letters else 0.0


_CJK_RUN = re.compile(f"{CJK_CHAR}+")
_LATIN_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")  # not acronyms: "IBM CEO是谁" is Chinese


def detect_language(text: str) -> str:
    """``"zh"`` when the text is mainly Chinese, else ``"en"`` (the two we answer in).

    >>> detect_language("胡昌升在北京会见了哪些人？"), detect_language("Who is 包卓蓝?")
    ('zh', 'en')
    """
    letters = [c for c in text if c.isalpha()]
    cjk = sum(map(is_cjk, letters))
    latin = len(letters) - cjk
    runs = [len(r) for r in _CJK_RUN.findall(text)]
    words = len(_LATIN_WORD.findall(text))
    # English words around short Chinese names or terms are an English sentence
    if runs and max(runs) <= 4 and words >= max(2, len(runs)):
        return "en"
    # one CJK character carries about as much as a short English word
    return "zh" if cjk and cjk * 3 >= latin else "en"


def _join_spaced_number(m: re.Match[str]) -> str:
    text = m.string
    before = text[: m.start()].rstrip(" \t")[-1:]
    after = text[m.end():].lstrip(" \t")[:1]
    # "12 5" between English words may be two numbers; beside Chinese it is one broken number
    if re.match(CJK_OR_PUNCT, before) or re.match(CJK_OR_PUNCT, after):
        return re.sub(r"[ \t]+", "", m.group())
    return m.group()


def normalize_line(line: str) -> str:
    """Clean one line: full-width letters and digits to ASCII, no space beside Chinese
    characters or punctuation, no space inside a number written beside Chinese text.

    >>> normalize_line("11 月 17 日，价值 13.4 万元")
    '11月17日，价值13.4万元'
    """
    line = unicodedata.normalize("NFC", line).translate(_FULLWIDTH_ALNUM)
    line = _SPACED_NUMBER.sub(_join_spaced_number, line)
    line = _SPACE_NEAR_CJK.sub("", line)
    return _SPACES.sub(" ", line).strip()


def normalize_text(text: str) -> str:
    """Normalise every line and drop blank ones at both ends; inner newlines stay."""
    lines = [normalize_line(x) for x in _LINE_BREAK.split(text)]
    return "\n".join(lines).strip("\n")


# Common Chinese surnames (single characters), to tell a person's name tagged ``nr`` from a
# word jieba's dictionary happens to tag so (敬仰, 高水平).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查"
    "麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴"
    "盖练廉禹井祖漆巴丰支卿狄计索宣晋相初门云容来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况那宿鲜"
    "印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧由习欧司诸"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "夏侯", "端木")


def looks_like_person(word: str) -> bool:
    """A 2-3 character word that starts with a common surname (4 with a compound
    surname: 欧阳文华), or a transliterated foreign name (伊维卡·奥利奇)."""
    if "·" in word:
        return True
    if word.startswith(COMPOUND_SURNAMES):
        return 3 <= len(word) <= 4
    return 2 <= len(word) <= 3 and word[0] in SURNAMES
