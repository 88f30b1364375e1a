"""Bytes of an official summary -> text, naming the encoding it was written in.

Official summaries reach analysts as UTF-8 (with or without a byte-order mark), as
Shift_JIS / CP932 from older Windows tools, or as EUC-JP from older Unix mirrors.
Each is tried strictly; a file none of them decodes is refused, never guessed at.
Line endings become "\n" whatever system wrote the file, so that a text pasted or
saved on Windows is the same document (the same digest) as the one saved elsewhere.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from kizuna.errors import Invalid

__all__ = ["Decoded", "IngestRefused", "decode"]


class IngestRefused(Invalid):
    """The document cannot be imported; the message says why. Nothing is written."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # utf-8, utf-8-sig (with BOM), shift_jis, cp932, euc-jp


def _japanese_share(text: str) -> float:
    if not text:
        return 0.0
    kana_kanji = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")
    return kana_kanji / len(text)


def decode(data: bytes) -> Decoded:
    """Decode strictly, or raise IngestRefused naming what the bytes are instead."""
    if not data.strip():
        raise IngestRefused("the document is empty", field="file")
    if b"\x00" in data[:4096]:
        raise IngestRefused(
            "the document is binary (it holds NUL bytes), not a text summary", field="file"
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return _text_only(Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise IngestRefused(
                f"the document starts with a UTF-8 mark but is not UTF-8 (byte {exc.start})",
                field="file",
            ) from exc
    try:
        return _text_only(Decoded(data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError:
        pass
    # A byte string can be valid in both legacy encodings: keep the reading that
    # looks most like Japanese text (mis-decoded bytes scatter into rare symbols).
    candidates: list[Decoded] = []
    for codec in ("shift_jis", "cp932", "euc-jp"):
        try:
            candidates.append(Decoded(data.decode(codec), codec))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise IngestRefused(
            "the document is not text in UTF-8, Shift_JIS/CP932 or EUC-JP", field="file"
        )
    by_name = {d.encoding: d for d in candidates}
    if "shift_jis" in by_name and "cp932" in by_name:
        # Where they differ (0x817C is U+2212 in Shift_JIS, U+FF0D in CP932), the file
        # came from Windows, which writes CP932; where they agree, the narrower name.
        drop = "shift_jis" if by_name["shift_jis"].text != by_name["cp932"].text else "cp932"
        candidates = [d for d in candidates if d.encoding != drop]
    # max() keeps the first of equals: plain Shift_JIS before CP932 when both read it.
    return _text_only(max(candidates, key=lambda d: _japanese_share(d.text)))


def _text_only(decoded: Decoded) -> Decoded:
    controls = sum(1 for ch in decoded.text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(2, len(decoded.text) // 100):
        raise IngestRefused(
            "the document is binary (control characters), not a text summary", field="file"
        )
    # A byte-order mark and spaces alone (of any width) are no text either.
    if not decoded.text.strip().strip("\ufeff").strip():
        raise IngestRefused("the document is empty", field="file")
    lines = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    return Decoded(lines, decoded.encoding)
