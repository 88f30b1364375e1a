"""Dates, times and lengths as official texts write them.

Dates: Japanese era (令和, 平成, 元年, kanji numerals, R8.2.13), Western (2024年7月28日,
July 28, 2024, 28 July 2024, January 7th a.m., 2022, 2026/2/13) and month-day without
a year (7月28日, On June 6), whose year the caller supplies. A date that is no day of
the calendar (令和8年2月29日) or of its era (令和元年4月30日: 令和 began on 1 May 2019)
says so (`DateMention.fault`). Times: 午後3時15分, 正午,
9時45分すぎ, 10時55分頃, 17:11~18:04, 3:45 p.m., 16:25, each with the zone the
text names beside it ((現地時間), 日本時間, (EST), (ChST), (local time)). Lengths:
約1時間20分, 約85分間, seventy minutes, about 1 hour and 20 minutes.

Every pattern here is a fixed sequence of bounded classes: no nested repetition,
so each runs in time linear in its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["Start", "find_date", "find_dates", "find_duration", "find_start", "kanji_number"]

_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
# The first and last day of each era: a date outside its era's days never existed.
_ERA_DAYS = {
    "令和": (date(2019, 5, 1), None),
    "平成": (date(1989, 1, 8), date(2019, 4, 30)),
    "昭和": (date(1926, 12, 25), date(1989, 1, 7)),
}
_ERA_INITIALS = {"R": "令和", "H": "平成", "S": "昭和"}
_DIGITS = dict(zip("〇零一二三四五六七八九", (0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_NUM = r"[0-9]{1,4}|[〇零一二三四五六七八九十]{1,4}|元"
_JA_DATE = re.compile(rf"(令和|平成|昭和)?\s?(?:({_NUM})\s?年\s?)?({_NUM})\s?月\s?({_NUM})\s?日")
_MONTH_NAMES = [
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
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_MONTHS.update({m[:3]: i + 1 for i, m in enumerate(_MONTH_NAMES)})
_MONTHS["sept"] = 9
_EN_MDY = re.compile(
    r"\b([A-Z][a-z]{2,8})\.?\s{1,3}(\d{1,2})(?:st|nd|rd|th)?\b"
    r"(?:\s?[ap]\.m\.)?(?:,?\s{0,3}(\d{4})\b)?"
)
_EN_DMY = re.compile(r"\b(\d{1,2})\s([A-Z][a-z]{2,8})\s(\d{4})\b")
# Numeric forms of forms and tables: 2026/2/13, and an era's initial (R8.2.13).
_SLASHED = re.compile(r"(?<![\d/.])([12][0-9]{3})/([0-9]{1,2})/([0-9]{1,2})(?![\d/])")
_ERA_INITIAL = re.compile(
    r"(?<![A-Za-z\d])([RHS])\s?([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{1,2})(?![\d./])"
)

# Zones the texts name, with their offset from UTC where the name fixes one.
ZONES: dict[str, tuple[str, str | None]] = {
    "日本時間": ("JST", "+09:00"),
    "JST": ("JST", "+09:00"),
    "Japan time": ("JST", "+09:00"),
    "現地時間": ("local", None),
    "local time": ("local", None),
    "米国時間": ("US", None),
    "米国東部時間": ("US Eastern", None),
    "EST": ("EST", "-05:00"),
    "EDT": ("EDT", "-04:00"),
    "ET": ("US Eastern", None),
    "PST": ("PST", "-08:00"),
    "PDT": ("PDT", "-07:00"),
    "HST": ("HST", "-10:00"),
    "ChST": ("ChST", "+10:00"),
    "SGT": ("SGT", "+08:00"),
    "KST": ("KST", "+09:00"),
    "UTC": ("UTC", "+00:00"),
    "GMT": ("UTC", "+00:00"),
}
_ZONE_WORDS = "|".join(sorted((re.escape(z) for z in ZONES), key=len, reverse=True))
_JA_ZONE_BEFORE = re.compile(rf"({_ZONE_WORDS})\s?$")
# A zone alone in brackets after the time ((現地時間), (EST)) or a bare EST; a bracket
# that goes on with another time (日本時間12日午前8時6分) names that other time's zone.
_ZONE_AFTER = re.compile(rf"^\s?(?:[(（]\s?({_ZONE_WORDS})\s?[)）]|({_ZONE_WORDS})(?![A-Za-z]))")
_JA_TIME = re.compile(
    rf"(午前|午後)?\s?({_NUM})\s?時\s?(?:({_NUM})\s?分|(半))?(すぎ|過ぎ|頃|ごろ)?|(正午)"
)
_CLOCK = re.compile(
    r"(?<![\d:])(\d{1,2}):(\d{2})(?!\d)\s?(a\.\s?m\.?|p\.\s?m\.?|am\b|pm\b)?"
    r"(?:\s?[~〜～\-–]\s?(\d{1,2}):(\d{2})(?!\d))?"
)
_EN_HOUR = re.compile(r"\b(?:at|from)\s(?:about\s|around\s)?(\d{1,2})\s?(a\.m\.|p\.m\.)")
_JA_LEN = re.compile(rf"約?\s?(?:({_NUM})\s?時間)?\s?(?:({_NUM})\s?分)?\s?間?")
_EN_NUMBERS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_EN_NUMBERS.update(
    {
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "an": 1,
        "a": 1,
        "half": 0,
    }
)
_EN_NUM = r"\d{1,3}|[a-z]{1,9}(?:[- ][a-z]{3,5})?"
_EN_LEN = re.compile(
    rf"\b(?:(?P<h>{_EN_NUM})\s(?:and\s(?:a\s)?half\s)?hours?"
    rf"(?:\s(?:and\s)?(?P<hm>{_EN_NUM})\sminutes?)?|(?P<m>{_EN_NUM})\sminutes?)\b",
    re.IGNORECASE,
)


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


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class DateMention:
    """A date in the text; `year` is None where the text leaves it out."""

    year: int | None
    month: int
    day: int
    start: int
    end: int
    era: str = ""  # 令和, 平成, 昭和 where the text dates by era
    text: str = ""  # the words of the date

    def on(self, year: int | None) -> date | None:
        y = self.year if self.year is not None else year
        return _safe_date(y, self.month, self.day) if y is not None else None

    @property
    def fault(self) -> str:
        """Why the date is none ("" for a good one): no such day (令和8年2月29日), or a
        day outside its era (令和元年4月30日, 平成31年5月1日)."""
        if self.year is None:
            return ""
        day = self.on(None)
        if day is None:
            shown = f"{self.year}-{self.month:02d}-{self.day:02d}"
            return f"{self.text} is no day of the calendar ({shown})"
        if self.era:
            first, last = _ERA_DAYS[self.era]
            if day < first:
                return f"{self.text} is no day of {self.era}, which began on {first.isoformat()}"
            if last is not None and day > last:
                return f"{self.text} is no day of {self.era}, which ended on {last.isoformat()}"
        return ""


def find_dates(text: str) -> list[DateMention]:
    """Every date mention, in text order (Japanese and English forms)."""
    out: list[DateMention] = []
    for m in _JA_DATE.finditer(text):
        era, y, mo, d = m.groups()
        year = None
        if y is not None:
            year = kanji_number(y) + (_ERAS[era] if era else 0)
            if era is None and year < 1900:
                year = None
        month, day = kanji_number(mo), kanji_number(d)
        if 1 <= month <= 12 and 1 <= day <= 31:
            era_name = era if y is not None and era else ""
            out.append(DateMention(year, month, day, m.start(), m.end(), era_name, m.group(0)))
    for m in _SLASHED.finditer(text):
        year, month, day = (int(g) for g in m.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            out.append(DateMention(year, month, day, m.start(), m.end(), "", m.group(0)))
    for m in _ERA_INITIAL.finditer(text):
        era = _ERA_INITIALS[m.group(1)]
        year = _ERAS[era] + int(m.group(2))
        month, day = int(m.group(3)), int(m.group(4))
        if 1 <= month <= 12 and 1 <= day <= 31:
            out.append(DateMention(year, month, day, m.start(), m.end(), era, m.group(0)))
    for m in _EN_MDY.finditer(text):
        name = m.group(1).lower()
        if name in _MONTHS:
            day = int(m.group(2))
            if 1 <= day <= 31:
                year = int(m.group(3)) if m.group(3) else None
                out.append(
                    DateMention(year, _MONTHS[name], day, m.start(), m.end(), "", m.group(0))
                )
    for m in _EN_DMY.finditer(text):
        if m.group(2).lower() in _MONTHS:
            out.append(
                DateMention(
                    int(m.group(3)),
                    _MONTHS[m.group(2).lower()],
                    int(m.group(1)),
                    m.start(),
                    m.end(),
                    "",
                    m.group(0),
                )
            )
    out.sort(key=lambda d: d.start)
    return out


def find_date(text: str) -> date | None:
    """The first full date (with its year) in `text`."""
    for mention in find_dates(text):
        if mention.year is not None:
            return mention.on(None)
    return None


@dataclass(frozen=True)
class Start:
    time: str  # HH:MM, the clock the text gives (local to the zone)
    zone: str | None  # JST, EST, ChST, local, US …; None when the text names none
    utc_offset: str | None  # +09:00 where the zone fixes it
    end: int  # offset just after the time in the text searched
    day: int | None = None  # a day of month written with the time (現地時間16日午後3時30分)
    until: str | None = None  # the end of a 17:11~18:04 range
    text: str = ""  # the words of the time in the text

    @property
    def minutes_to_until(self) -> int | None:
        if self.until is None:
            return None
        h1, m1 = map(int, self.time.split(":"))
        h2, m2 = map(int, self.until.split(":"))
        return (h2 * 60 + m2 - h1 * 60 - m1) % (24 * 60)


def _zone_near(text: str, begin: int, end: int) -> tuple[str | None, str | None]:
    after = _ZONE_AFTER.match(text[end : end + 16])
    if after:
        return ZONES[after.group(1) or after.group(2)]
    before = _JA_ZONE_BEFORE.search(text[max(0, begin - 14) : begin].rstrip("0123456789年月日 "))
    if before:
        return ZONES[before.group(1)]
    return None, None


def _ja_starts(text: str) -> list[Start]:
    out = []
    for m in _JA_TIME.finditer(text):
        half, h, mi, thirty, approx, noon = m.groups()
        if noon:
            hour, minute = 12, 0
        else:
            hour = kanji_number(h)
            if hour > 24:
                continue
            hour += 12 if half == "午後" and hour < 12 else 0
            minute = 30 if thirty else kanji_number(mi) if mi else 0
        del approx  # すぎ / 頃: the time is approximate; the clock time is kept
        zone, offset = _zone_near(text, m.start(), m.end())
        day_m = re.search(r"(\d{1,2})日\s?$", text[max(0, m.start() - 6) : m.start()])
        day = int(day_m.group(1)) if day_m else None
        out.append(Start(f"{hour:02d}:{minute:02d}", zone, offset, m.end(), day, None, m.group(0)))
    return out


def _clock_starts(text: str) -> list[Start]:
    out = []
    for m in _CLOCK.finditer(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 24 or minute > 59:
            continue
        half = (m.group(3) or "").replace(" ", "").lower()
        if half.startswith("p") and hour < 12:
            hour += 12
        elif half.startswith("a") and hour == 12:
            hour = 0
        until = f"{int(m.group(4)):02d}:{m.group(5)}" if m.group(4) else None
        zone, offset = _zone_near(text, m.start(), m.end())
        out.append(
            Start(f"{hour:02d}:{minute:02d}", zone, offset, m.end(), None, until, m.group(0))
        )
    for m in _EN_HOUR.finditer(text):
        hour = int(m.group(1))
        hour += 12 if m.group(2) == "p.m." and hour < 12 else 0
        zone, offset = _zone_near(text, m.start(), m.end())
        out.append(Start(f"{hour:02d}:00", zone, offset, m.end(), None, None, m.group(0)))
    return sorted(out, key=lambda s: s.end)


def find_start(text: str) -> Start | None:
    """The meeting's start: where the text gives the time in two zones
    (日本時間 … (現地時間 …)), the local one is kept with its zone."""
    starts = _ja_starts(text) + _clock_starts(text)
    if not starts:
        return None
    starts.sort(key=lambda s: s.end)
    local = [s for s in starts[:2] if s.zone == "local"]
    return local[0] if local else starts[0]


def _en_number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    total = 0
    for part in re.split(r"[- ]", word):
        if part not in _EN_NUMBERS:
            return None
        total += _EN_NUMBERS[part]
    return total


def find_duration(text: str) -> int | None:
    """Minutes the meeting lasted, from 約1時間20分 / seventy minutes / about an hour."""
    for m in _JA_LEN.finditer(text):
        if m.group(1) or m.group(2):
            hours = kanji_number(m.group(1)) if m.group(1) else 0
            # 7時30分 is a clock time, not a length: a length says 時間 or 分間 / 約.
            if not m.group(1) and not (m.group(0).startswith("約") or m.group(0).endswith("間")):
                continue
            return hours * 60 + (kanji_number(m.group(2)) if m.group(2) else 0)
    for m in _EN_LEN.finditer(text):
        if m.group("h"):
            whole = _en_number(m.group("h"))
            extra = _en_number(m.group("hm")) if m.group("hm") else 0
            half = 30 if "half" in m.group(0).lower() else 0
            if whole is not None and extra is not None:
                return whole * 60 + extra + half
        elif m.group("m"):
            minutes = _en_number(m.group("m"))
            if minutes:
                return minutes
    return None
