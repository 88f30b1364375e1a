"""What a reader's calendar holds: dated entries (a meeting, a commitment's due date, a
tasker's suspense), each built by a domain for one reader (`Domain.agenda`) and
written out as iCalendar by the web layer (`web/calendar_feed.py`).

An entry is derived from one object the domain read through the visibility condition
for the reader, and carries that object's label: the calendar's label is the least
upper bound of its entries', as a page's banner is of what the page shows.

`what` is a message in English, marked with `N_` where it is written and translated by
the feed, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kizuna.labels import Label

__all__ = ["Entry"]


@dataclass(frozen=True)
class Entry:
    """One event of a reader's calendar.

    `uid` names the event for good (the object's id and what the date is of), so that a
    calendar application updates the event rather than adding another when the feed is
    read again. `start` is a date (an all-day event) or an aware datetime; `duration`
    is given where the record states one. `href` is the object's page on this node."""

    uid: str
    what: str
    title: str
    start: date | datetime
    label: Label
    href: str
    title_ja: str = ""
    duration: timedelta | None = None
    detail: str = ""  # free text of the record (a place, a stated due period)
