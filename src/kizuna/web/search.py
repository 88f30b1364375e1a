"""The search page: every object the reader may read whose text holds the words, in
Japanese or English, filtered by type and date, ranked, counted and paged. The store
does the work through the visibility condition (store/search.py)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from kizuna.store.search import MAX_QUERY, Hit, search
from kizuna.web.deps import NodeDep, PagePrincipal
from kizuna.web.i18n import N_
from kizuna.web.pages import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
# Types a reader may filter by, in their words; domain types join from the owners.
TYPE_NAMES = {
    "report": N_("Report"),
    "note": N_("Note"),
    "indicator": N_("Indicator"),
    "observed-data": N_("Observation"),
    "x-kizuna-coordination-item": N_("Coordination item"),
    "x-kizuna-coordination-response": N_("Answer to an item"),
}
DATE = r"^\d{4}-\d{2}-\d{2}$"


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
    since: Annotated[str, Query(pattern=DATE + "|^$")] = "",
    until: Annotated[str, Query(pattern=DATE + "|^$")] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
) -> HTMLResponse:
    """Search what the reader may read."""
    types = {**{t: t for t in sorted(node.store.owners.owned_types())}, **TYPE_NAMES}
    results = None
    if q.strip():
        results = search(
            node.store,
            principal,
            q,
            type=type or None,
            since=since or None,
            until=until or None,
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
        labels=[h.obj.label for h in shown],
        q=q,
        type=type,
        since=since,
        until=until,
        types=types,
        results=results,
        hits=[{"hit": h, "snippet": _marked(h)} for h in shown],
        page_number=page_number,
        pages=pages,
        prev_url=link(page_number - 1) if page_number > 1 else None,
        next_url=link(page_number + 1) if page_number < pages else None,
    )
