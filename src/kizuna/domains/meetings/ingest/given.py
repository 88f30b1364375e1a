"""The meeting's date an importer gives (`--date`, REST `date`, the page's date field).

It is for a text that gives none, or gives it without its year (`On June 6`, 本31日).
Read strictly: YYYY-MM-DD (digits of either width), and a day of the calendar, named
so when it is none (2024-02-30 has the right shape). Where the text gives the date,
a given date that says otherwise is refused, naming both (`DateDisagrees`): it would
silently replace what the text says; one that agrees changes nothing.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

from kizuna.domains.meetings.ingest.decode import IngestRefused

__all__ = ["DateDisagrees", "NoSuchDay", "given_date"]

_SHAPE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class NoSuchDay(IngestRefused):
    """A given date of the right shape that is no day of the calendar (2024-02-30)."""

    def __init__(self, typed: str, why: str) -> None:
        super().__init__(f"date {typed} is not a day of the calendar ({why})", field="date")
        self.typed = typed


class DateDisagrees(IngestRefused):
    """The text dates the meeting; the given date says another day. `said` is the
    text's date (YYYY-MM-DD), or its words where it gives no year (`partial`)."""

    def __init__(self, said: str, given: date, *, partial: bool) -> None:
        if partial:
            message = (
                f"the text gives the meeting's date as {said} without a year, and "
                f"{given.isoformat()} is not that day: give that day with its year"
            )
        else:
            message = (
                f"the text gives the meeting's date {said}, not {given.isoformat()}: "
                "a date is given only for a text that gives none; leave it out"
            )
        super().__init__(message, field="date")
        self.said = said
        self.given = given
        self.partial = partial


def given_date(value: str) -> date:
    """`value` as a date: YYYY-MM-DD, a day of the calendar; else refused (field
    `date`), saying which of the two it is not."""
    typed = unicodedata.normalize("NFKC", value).strip()
    found = _SHAPE.fullmatch(typed)
    if found is None:
        raise IngestRefused(f"date must be YYYY-MM-DD, not {value!r}", field="date")
    year, month, day = (int(g) for g in found.groups())
    if year < 1:
        raise NoSuchDay(typed, "there is no year 0")
    if not 1 <= month <= 12:
        raise NoSuchDay(typed, f"there is no month {month}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise NoSuchDay(typed, f"{year:04d}-{month:02d} has {days} days")
    return date(year, month, day)
