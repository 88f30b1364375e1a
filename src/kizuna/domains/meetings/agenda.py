"""The 2+2 record in a reader's calendar: each meeting on its date (at its hour where
the text states the hour and its offset from UTC), and each commitment's due date.

Both are read through the store, so the visibility condition in SQL decides what a
reader's calendar holds: meetings as the meetings page lists them, commitments as the
decisions that state a due date (`with_property_set`). Each entry carries the label of
its one object; a due date is the decision's own, not a status derived from links or
reviews, so nothing else counts toward it.

A due date stated as a year or a month (`2027`, `2027-03`) falls on the last day of
that period, as "by 2027" is read; the stated form is kept in the event's detail.
"""

from __future__ import annotations

import calendar as months
from datetime import date, datetime, timedelta, timezone

from kizuna.agenda import Entry
from kizuna.domains.meetings import model, service
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from kizuna.store import StoredObject
from kizuna.store.listing import title_of, with_property_set
from kizuna.web.i18n import N_

__all__ = ["agenda", "due_day", "meeting_start"]

MEETING = N_("Meeting")
DUE = N_("Commitment due")


def agenda(node: Node, principal: Principal) -> list[Entry]:
    """The meetings and commitments' due dates the reader may read."""
    entries = [_meeting(m) for m in service.list_meetings(node, principal)]
    for decision in with_property_set(node.store, principal, model.DECISION, "due"):
        day = due_day(str(decision.object["due"]))
        if day is not None and decision.object.get("commitment"):
            entries.append(_due(decision, day))
    return [e for e in entries if e is not None]


def meeting_start(body: dict[str, object]) -> date | datetime | None:
    """A meeting's start: its date, or the instant where the text fixes the hour and the
    zone's offset from UTC; None for a date that is none."""
    try:
        day = date.fromisoformat(str(body.get("date", "")))
    except ValueError:
        return None
    start, offset = body.get("start"), body.get("start_utc_offset")
    if not (isinstance(start, str) and isinstance(offset, str)):
        return day
    try:
        hour, minute = (int(x) for x in start.split(":"))
        sign = -1 if offset.startswith("-") else 1
        off_h, off_m = (int(x) for x in offset.lstrip("+-").split(":"))
        zone = timezone(sign * timedelta(hours=off_h, minutes=off_m))
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    except ValueError:
        return day


def due_day(due: str) -> date | None:
    """The day a due date falls on: the last day of a stated year or month."""
    try:
        if len(due) == 4:
            return date(int(due), 12, 31)
        if len(due) == 7:
            year, month = int(due[:4]), int(due[5:])
            return date(year, month, months.monthrange(year, month)[1])
        return date.fromisoformat(due)
    except ValueError:
        return None


def _meeting(m: StoredObject) -> Entry | None:
    body = m.object
    start = meeting_start(body)
    if start is None:
        return None
    minutes = body.get("duration_minutes")
    return Entry(
        uid=m.id,
        what=MEETING,
        title=title_of(body, m.id, "en"),
        title_ja=title_of(body, m.id, "ja"),
        start=start,
        label=m.label,
        href=f"/meetings/{m.id}",
        duration=timedelta(minutes=minutes)
        if isinstance(start, datetime) and isinstance(minutes, int) and minutes > 0
        else None,
        detail=str(body.get("place", "")),
    )


def _due(decision: StoredObject, day: date) -> Entry:
    body = decision.object
    return Entry(
        uid=f"{decision.id}/due",
        what=DUE,
        title=title_of(body, decision.id, "en"),
        title_ja=title_of(body, decision.id, "ja"),
        start=day,
        label=decision.label,
        href=f"/commitments/{decision.id}",
        detail=str(body["due"]),
    )
