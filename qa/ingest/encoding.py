"""Decode bytes of unknown encoding: UTF-8 (with or without BOM), UTF-16 and UTF-32 (with or
without BOM), GB18030/GBK, Big5."""

from __future__ import annotations

import codecs
import re

from qa.errors import IngestError
from qa.lang.chars import is_cjk

# UTF-32 first: its little-endian mark starts with UTF-16's
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# control characters that no text file holds (tab, newlines, form feed and ESC aside)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
# GB18030 is a superset of GBK and GB2312; Big5-HKSCS of Big5.
_LEGACY = ("gb18030", "big5hkscs")
# without a byte-order mark (Windows "Unicode" files saved without one): tried when NUL bytes
# show a multi-byte unit, and beside the legacy codecs for CJK text, which has no NUL bytes
_BOMLESS = (("utf-32-le", 4), ("utf-32-be", 4), ("utf-16-le", 2), ("utf-16-be", 2))
# the least share of plain characters (_plain_share) of a BOM-less UTF-16/32 decoding: real
# Chinese text scores its wordiness (0.3-0.8), English text ~1; the wrong byte order, which
# turns ASCII into rare ideographs, and random bytes score near 0
MIN_PLAIN_SHARE = 0.25


def _plain_share(text: str) -> float:
    """Share of characters that are printable ASCII or whitespace, plus the share of CJK
    characters weighted by how many of them form dictionary words (``_wordiness``)."""
    sample = text[:4000]
    if not sample:
        return 0.0
    plain = sum(1 for c in sample if c.isascii() and (c.isprintable() or c.isspace()))
    cjk = sum(1 for c in sample if is_cjk(c))
    return (plain + _wordiness(sample) * cjk) / len(sample)


def _decode_bomless(data: bytes, units: tuple[int, ...] = (2, 4)) -> list[tuple[float, str, str]]:
    """(plain share, encoding, text) of each BOM-less UTF-16/UTF-32 decoding that reads as text."""
    out = []
    for enc, unit in _BOMLESS:
        if unit not in units or len(data) % unit:
            continue
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _is_text(text) and (share := _plain_share(text)) >= MIN_PLAIN_SHARE:
            out.append((share, enc, text))
    return out


def _wordiness(text: str) -> float:
    """Share of CJK characters that jieba's dictionary covers with multi-character words.

    A legacy Chinese file decoded with the wrong codec still decodes (GBK and Big5
    share byte ranges) but into rare characters that form no words: real text
    scores 0.3-0.8, a wrong decoding close to 0.
    """
    import jieba

    sample = text[:4000]
    cjk = sum(1 for c in sample if is_cjk(c))
    if not cjk:
        return 0.0
    words = jieba.lcut(sample, HMM=False)
    covered = sum(len(w) for w in words if len(w) > 1 and all(is_cjk(c) for c in w))
    return covered / cjk


def _is_text(text: str) -> bool:
    """False when control characters show the bytes were no text in this encoding
    (random bytes sometimes decode as GB18030 or Big5)."""
    sample = text[:8192]
    return len(_CONTROL.findall(sample)) <= len(sample) // 200


def decode_bytes(data: bytes, *, name: str = "<bytes>") -> tuple[str, str]:
    """Return ``(text, encoding)``.

    Raises:
        IngestError: the bytes look binary or decode under none of the encodings.
    """
    binary = IngestError(f"{name}: looks like a binary file (NUL or control bytes), not text")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as e:
                raise IngestError(f"{name}: starts with a {enc} byte-order mark but is not valid {enc}: {e}") from None
            if not _is_text(text):
                raise binary
            return text, enc
    if b"\x00" in data[:8192]:  # UTF-16 or UTF-32 without a byte-order mark, or binary
        best = max(_decode_bomless(data), default=None)
        if best is None:
            raise binary
        return best[2], best[1]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _is_text(text):
            raise binary
        return text, "utf-8"
    decoded = []
    for enc in _LEGACY:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _is_text(text):
            decoded.append((_wordiness(text), enc, text))
    # CJK text in UTF-16 without a byte-order mark has no NUL bytes: it competes on wordiness
    decoded += [(_wordiness(text), enc, text) for _, enc, text in _decode_bomless(data, units=(2,))]
    if not decoded:
        raise IngestError(f"{name}: cannot be decoded as UTF-8, GB18030/GBK or Big5; convert it to UTF-8 and retry")
    score, enc, text = max(decoded)
    return text, "big5" if enc == "big5hkscs" else enc
