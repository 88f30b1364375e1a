"""The search page: every object the reader may read whose text holds the words, in
Japanese or English, filtered by type and date, ranked, counted and paged. The store
does the work through the visibility condition (store/search.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from kizuna.errors import Invalid
from kizuna.runtime import Node
from kizuna.store.listing import title_of
from kizuna.store.search import MAX_QUERY, Hit, search
from kizuna.web.deps import NodeDep, PagePrincipal
from kizuna.web.errors import explain
from kizuna.web.i18n import choose_lang, translations
from kizuna.web.pages import page
from kizuna.web.times import zone_for
from kizuna.web.type_names import TYPE_NAMES

__all__ = ["TYPE_NAMES", "router"]

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


def _marked(hit: Hit) -> Markup:
    """The snippet escaped, the words found wrapped in <mark>."""
    out, at = Markup(""), 0
    for start, end in hit.marks:
        if start < at:
            continue
        out += escape(hit.snippet[at:start]) + Markup("<mark>%s</mark>") % hit.snippet[start:end]
        at = end
    return out + escape(hit.snippet[at:])


@router.get("/search")
def search_page(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    type: Annotated[str, Query(max_length=64)] = "",
    since: Annotated[str, Query(max_length=32)] = "",
    until: Annotated[str, Query(max_length=32)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
) -> HTMLResponse:
    """Search what the reader may read."""
    lang = choose_lang(request)
    types = {**{t: t for t in sorted(node.store.owners.owned_types())}, **TYPE_NAMES}
    results = None
    refused = _refused(types, type, since, until)
    if refused is None and q.strip():
        # The days are the reader's, as the results' times are shown in their zone.
        zone = zone_for(principal.nation, principal.zone)
        results = search(
            node.store,
            principal,
            q,
            type=type or None,
            since=_day_bound(since, zone, end=False) if since else None,
            until=_day_bound(until, zone, end=True) if until else None,
            limit=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
    shown = results.hits if results else []

    def link(number: int) -> str:
        kept = {"q": q, "type": type, "since": since, "until": until, "page": number}
        return "/search?" + urlencode({k: v for k, v in kept.items() if v})

    pages = -(-results.total // PAGE_SIZE) if results else 0
    return page(
        request,
        "search.html",
        principal=principal,
        # The count is of every result, not only of this page's.
        labels=[h.obj.label for h in shown] + (results.labels if results else []),
        q=q,
        type=type,
        since=since,
        until=until,
        types=types,
        results=results,
        hits=[
            {
                "hit": h,
                "snippet": _marked(h),
                "title": worded(node, h.obj.type, _title(h, lang), lang),
            }
            for h in shown
        ],
        page_number=page_number,
        pages=pages,
        first_url=link(1),
        prev_url=link(page_number - 1) if page_number > 1 else None,
        next_url=link(page_number + 1) if page_number < pages else None,
        error=explain(refused, choose_lang(request)) if refused else None,
        status=422 if refused else 200,
    )


def _day_bound(day: str, zone: tzinfo, *, end: bool) -> str:
    """The first (or last) instant of a day in the reader's zone, as stored times are
    written (UTC, milliseconds)."""
    start = datetime.combine(date.fromisoformat(day), time.min, tzinfo=zone)
    moment = start + timedelta(days=1, milliseconds=-1) if end else start
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def worded(node: Node, stix_type: str, title: str, lang: str) -> str:
    """A title that is a code of a domain's vocabulary (`Node.title_words`) in the
    reader's words; any other title as it is."""
    words = node.title_words.get(stix_type, {}).get(title)
    return translations(lang).gettext(words) if words else title


def _title(hit: Hit, lang: str) -> str:
    """The object's name in the reader's language where it has one, else what the
    objects list calls it (a decision's sentence, an indicator's pattern, ...)."""
    body = hit.obj.object
    if lang == "ja":
        for key in ("name_ja", "title_ja"):
            if body.get(key):
                return str(body[key])
    for key in ("title_en", "place"):
        if body.get(key) and not body.get("name"):
            return str(body[key])
    return title_of(body, hit.obj.id, lang)


def _refused(types: dict[str, str], type: str, since: str, until: str) -> Invalid | None:
    """A filter the page does not offer, or dates that are none or out of order: said,
    rather than answered with nothing found."""
    if type and type not in types:
        return Invalid(f"unknown type {type!r}", field="type")
    for name, value in (("since", since), ("until", until)):
        if value and not _is_day(value):
            return Invalid(f"date must be YYYY-MM-DD, not {value!r}", field=name)
    if since and until and since > until:
        return Invalid("the last date comes before the first", field="until")
    return None


def _is_day(value: str) -> bool:
    # YYYY-MM-DD and a day that exists (fromisoformat alone also takes 20261203).
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == len("2026-12-03")
