"""Dates, times and lengths as summaries write them: Japanese era (令和, 平成, 元年,
kanji numerals) and Western forms, 午後3時15分 and 3:15 p.m., 約1時間20分 and
about 1 hour and 20 minutes. Regular expressions are for these fixed forms only."""

from __future__ import annotations

import re
from datetime import date

__all__ = ["find_date", "find_duration", "find_start", "kanji_number"]

_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUM = r"[0-9]+|[〇零一二三四五六七八九十]+|元"
_JA_DATE = re.compile(rf"(令和|平成|昭和)?\s*({_NUM})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*日")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
_EN_MDY = re.compile(r"\b([A-Z][a-z]+)\s+(\d{1,2}),\s*(\d{4})\b")
_EN_DMY = re.compile(r"\b(\d{1,2})\s+([A-Z][a-z]+)\s+(\d{4})\b")
_JA_TIME = re.compile(rf"(午前|午後)?\s*({_NUM})時(?:({_NUM})分|(半))?(?:から|より)")
_EN_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\s*(a\.?m\.?|p\.?m\.?)?", re.IGNORECASE)
_JA_LEN = re.compile(rf"約?\s*(?:({_NUM})時間)?(?:({_NUM})分(?:間)?)?")
_EN_LEN = re.compile(
    r"(?:about|approximately|some)?\s*(?:(\d+|one|two|three)\s+hours?)?"
    r"(?:\s*(?:and\s+)?(\d+)\s+minutes)?",
    re.IGNORECASE,
)
_EN_WORDS = {"one": 1, "two": 2, "three": 3}


def kanji_number(text: str) -> int:
    """20, 二十, 二十八, 元 (the first year of an era) -> int."""
    if text == "元":
        return 1
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = digit * 10 + _DIGITS[ch]
    return total + digit


def find_date(text: str) -> date | None:
    m = _JA_DATE.search(text)
    if m:
        era, y, mo, d = m.groups()
        year = kanji_number(y) + (_ERAS[era] if era else 0)
        if era is None and year < 1900:
            return None
        return _safe_date(year, kanji_number(mo), kanji_number(d))
    m = _EN_MDY.search(text)
    if m and m.group(1).lower() in _MONTHS:
        return _safe_date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    m = _EN_DMY.search(text)
    if m and m.group(2).lower() in _MONTHS:
        return _safe_date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_start(text: str) -> tuple[str, int] | None:
    """('15:15', end offset) of the meeting's start time."""
    m = _JA_TIME.search(text)
    if m:
        half, h, mi, thirty = m.groups()
        hour = kanji_number(h) + (12 if half == "午後" and kanji_number(h) < 12 else 0)
        minute = 30 if thirty else kanji_number(mi) if mi else 0
        return f"{hour:02d}:{minute:02d}", m.end()
    m = _EN_TIME.search(text)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2))
        if m.group(3) and m.group(3).lower().startswith("p") and hour < 12:
            hour += 12
        return f"{hour:02d}:{minute:02d}", m.end()
    return None


def find_duration(text: str) -> int | None:
    """Minutes, from the words right after the start time."""
    for m in _JA_LEN.finditer(text):
        if m.group(1) or m.group(2):
            hours = kanji_number(m.group(1)) if m.group(1) else 0
            return hours * 60 + (kanji_number(m.group(2)) if m.group(2) else 0)
    for m in _EN_LEN.finditer(text):
        if m.group(1) or m.group(2):
            h = m.group(1)
            hours = (_EN_WORDS[h.lower()] if h.lower() in _EN_WORDS else int(h)) if h else 0
            return hours * 60 + (int(m.group(2)) if m.group(2) else 0)
    return None
