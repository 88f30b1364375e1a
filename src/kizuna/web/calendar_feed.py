"""A reader's calendar as iCalendar (RFC 5545): the meetings and due dates of every
installed domain (`Domain.agenda`, kizuna.agenda), in the reader's language.

Two doors, one content: `/calendar.ics` for a signed-in reader (the session cookie, as
every page) and `/api/v1/calendar.ics` for a bearer token (as every REST route);
neither answers without one. Each domain reads its entries through the visibility
condition for the reader, so the calendar holds only what the reader may read.

The calendar carries its label as the other exports do: each event names its own
label (`X-KIZUNA-LABEL`, and first in its description, as the CSV's label column does),
and the calendar names the least upper bound of them all (`X-KIZUNA-LABEL` on the
calendar, and in its name, which a calendar application shows: the page banner's
rule). An empty calendar is labelled with the policy's lowest level, as an empty page.
The download is audited (`calendar.export`) before its first byte leaves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from icalendar import Calendar, Event

from kizuna import audit, clock, domains
from kizuna.agenda import Entry
from kizuna.identity.principal import Principal
from kizuna.labels import Label, lub, render
from kizuna.runtime import Node
from kizuna.web.deps import ApiPrincipal, NodeDep, PagePrincipal
from kizuna.web.i18n import N_, choose_lang, translations

__all__ = ["MEDIA_TYPE", "api_router", "calendar_bytes", "entries_for", "router"]

MEDIA_TYPE = "text/calendar"
PRODID = "-//Kizuna//Kizuna calendar//EN"
CALENDAR_NAME = N_("Kizuna calendar ({label})")
LABEL_WORD = N_("Label")
PAGE_WORD = N_("Page")

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["calendar"])

LangParam = Annotated[Literal["ja", "en"] | None, Query()]


class CalendarResponse(Response):
    """Says in the OpenAPI document which media type the calendar answers with."""

    media_type = MEDIA_TYPE


def entries_for(node: Node, principal: Principal) -> list[Entry]:
    """Every installed domain's entries for the reader, earliest first."""
    found: list[Entry] = []
    for domain in domains.installed():
        if domain.agenda is not None:
            found += domain.agenda(node, principal)
    return sorted(found, key=lambda e: (_instant(e.start), e.uid))


def _instant(value: date | datetime) -> str:
    # Dates and instants in one order: an all-day event sorts as its day's start in UTC.
    if isinstance(value, datetime):
        return clock.format_ts(value)
    return value.isoformat() + "T00:00:00Z"


def _label_text(node: Node, principal: Principal, label: Label | None, lang: str) -> str:
    if label is None:
        lowest = node.policy.lowest
        return lowest.ja if lang == "ja" else lowest.name
    return render(node.policy, label, "ja" if lang == "ja" else "en", first=principal.nation)


def calendar_bytes(
    node: Node, principal: Principal, entries: list[Entry], lang: str, base: str
) -> bytes:
    """The entries as one iCalendar object: titles in `lang`, links under `base`."""
    gettext = translations(lang).gettext
    whole = _label_text(node, principal, lub(e.label for e in entries), lang)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", gettext(CALENDAR_NAME).format(label=whole))
    cal.add("x-kizuna-label", whole)
    stamp = clock.now()
    for e in entries:
        own = _label_text(node, principal, e.label, lang)
        link = base + e.href
        title = e.title_ja if lang == "ja" and e.title_ja else e.title
        event = Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        # An instant in UTC (a `Z` time): icalendar writes a fixed offset as a floating
        # time, which a calendar application would read in its own zone.
        event.add("dtstart", e.start.astimezone(UTC) if isinstance(e.start, datetime) else e.start)
        if e.duration is not None:
            event.add("duration", e.duration)
        event.add("summary", title)
        event.add("categories", [gettext(e.what)])
        lines = [
            gettext("{field}: {message}").format(field=gettext(LABEL_WORD), message=own),
            gettext(e.what) + (gettext(" ({text})").format(text=e.detail) if e.detail else ""),
            gettext("{field}: {message}").format(field=gettext(PAGE_WORD), message=link),
        ]
        event.add("description", "\n".join(lines))
        event.add("url", link)
        # No record of the node is public: above the lowest level it is confidential.
        lowest = e.label.rank == node.policy.lowest.rank
        event.add("class", "PRIVATE" if lowest else "CONFIDENTIAL")
        event.add("x-kizuna-label", own)
        cal.add_component(event)
    written: bytes = cal.to_ical()
    return written


def _answer(request: Request, node: Node, principal: Principal, lang: str | None) -> Response:
    chosen = lang or choose_lang(request)
    entries = entries_for(node, principal)
    # The count is derived from what was exported: it carries their label, by which the
    # audit page withholds it from an admin who may not read them (walk 41 #2).
    bound = lub(e.label for e in entries)
    with node.db.write() as conn:
        audit.append(
            conn,
            actor=principal.name,
            action="calendar.export",
            detail={"format": "ics", "events": len(entries), "lang": chosen,
                    **({"label": render(node.policy, bound)} if bound else {})},
        )  # fmt: skip
    base = str(request.base_url).rstrip("/")
    return Response(
        calendar_bytes(node, principal, entries, chosen, base),
        media_type=f"{MEDIA_TYPE}; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="kizuna.ics"'},
    )


@router.get("/calendar.ics")
def calendar_page(
    request: Request, principal: PagePrincipal, node: NodeDep, lang: LangParam = None
) -> Response:
    """The signed-in reader's calendar: meetings and due dates they may read."""
    return _answer(request, node, principal, lang)


@api_router.get("/calendar.ics", response_class=CalendarResponse)
def calendar_api(
    request: Request, principal: ApiPrincipal, node: NodeDep, lang: LangParam = None
) -> Response:
    """The caller's calendar (iCalendar): meetings and due dates the caller may read."""
    return _answer(request, node, principal, lang)
