"""Entities a sentence names: the gazetteer's places, regions, nations, organisations,
bodies and systems (the longest name wins: インド太平洋 is a region, not インド), then
acronyms that are words of the sentence (PAC-3 MSE, CVID) and, in Japanese, places
SudachiPy knows that the gazetteer does not.

One compiled alternation of the gazetteer's names scans each sentence once.
"""

from __future__ import annotations

import re
from functools import cache

from kizuna.domains.meetings.ingest.morph import Token
from kizuna.domains.meetings.ingest.vocab import GAZETTEER_ENTRIES

__all__ = ["entities_en", "entities_ja"]

# Letters a page or a format puts in a text: not words of the alliance's record.
_NOT_ACRONYMS = {"PDF", "URL", "HTML", "JPEG", "AM", "PM", "EST", "EDT", "JST", "II", "III"}
_ACRONYM = re.compile(r"(?<![A-Za-z0-9-])[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,6}){0,2}(?![A-Za-z0-9-])")
_KANJI = re.compile(r"[\u4e00-\u9fff]")


@cache
def _pattern(lang: str) -> re.Pattern[str]:
    names = [n for n in GAZETTEER_ENTRIES if (lang == "en") == n.isascii() or n.isupper()]
    names.sort(key=len, reverse=True)
    body = "|".join(re.escape(n) for n in names)
    if lang == "en":
        return re.compile(rf"(?<![A-Za-z0-9-])(?:{body})(?![A-Za-z0-9])")
    return re.compile(rf"(?:{body})")


def _single_ok(text: str, start: int, end: int) -> bool:
    """A one-character abbreviation (豪, 韓, 比, 露) stands alone in a list."""
    singles = {n for n in GAZETTEER_ENTRIES if len(n) == 1}
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    alone_before = not before or not _KANJI.match(before) or before in singles | {"日", "米"}
    alone_after = not after or not _KANJI.match(after) or after in singles or after in "等間"
    return alone_before and alone_after


def _gazetteer(sentence: str, lang: str) -> tuple[dict[str, str], list[tuple[int, int]]]:
    found: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    for m in _pattern(lang).finditer(sentence):
        name = m.group(0)
        if len(name) == 1 and not _single_ok(sentence, m.start(), m.end()):
            continue
        found.setdefault(name, GAZETTEER_ENTRIES[name].kind)
        spans.append((m.start(), m.end()))
    return found, spans


def _acronyms(sentence: str, spans: list[tuple[int, int]], found: dict[str, str]) -> None:
    for m in _ACRONYM.finditer(sentence):
        text = m.group(0)
        if text in _NOT_ACRONYMS or any(a <= m.start() < b for a, b in spans):
            continue
        if sum(c.isupper() for c in text) >= 2:
            found.setdefault(text, "acronym")


def entities_ja(sentence: str, tokens: list[Token]) -> list[dict[str, str]]:
    found, spans = _gazetteer(sentence, "ja")
    _acronyms(sentence, spans, found)
    for n, tok in enumerate(tokens):
        if "地名" not in tok.pos or any(a <= tok.begin < b for a, b in spans):
            continue
        name = tok.surface
        nxt = tokens[n + 1] if n + 1 < len(tokens) else None
        if nxt is not None and nxt.surface in ("諸島", "飛行場", "海峡", "半島", "基地", "海"):
            name += nxt.surface
        found.setdefault(name, "nation" if "国" in tok.pos else "place")
    return [{"text": t, "kind": k} for t, k in found.items()]


def entities_en(sentence: str) -> list[dict[str, str]]:
    found, spans = _gazetteer(sentence, "en")
    _acronyms(sentence, spans, found)
    return [{"text": t, "kind": k} for t, k in found.items()]
