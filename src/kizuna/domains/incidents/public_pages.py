"""The public pages of the incidents mechanism, which need no sign-in: the public record
(each released public version, a cancelled one marked so with its public reason), its
Atom feed and each public version as CAP 1.2. They read as an anonymous reader who holds
nothing above UNCLASSIFIED (`queries.public_reader`)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from kizuna.domains.incidents import queries
from kizuna.domains.incidents.exports import atom
from kizuna.domains.incidents.model import PUBLIC_CANCELLED
from kizuna.domains.incidents.pages import common
from kizuna.domains.incidents.service import incidents
from kizuna.errors import NotFound
from kizuna.web.deps import NodeDep
from kizuna.web.pages import page
from kizuna.web.times import render_time, zone_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# Starlette adds a charset to text/* types only; without one Chromium read the feed's
# Japanese in a Western encoding.
ATOM_UTF8 = "application/atom+xml; charset=utf-8"
CAP_UTF8 = "application/cap+xml; charset=utf-8"

# The public page is for the people where the events happen, in Japan: its times are
# Japan Standard Time whatever the language and whichever node serves it.
_PUBLIC_ZONE = zone_for("JPN")


@router.get("/incidents/public")
def public_page(request: Request, node: NodeDep) -> HTMLResponse:
    c = incidents(node)
    return page(
        request,
        "incidents/public.html",
        principal=None,
        public=queries.public_versions(c),
        local_time=lambda value: render_time(value, _PUBLIC_ZONE),
        cancelled_words=PUBLIC_CANCELLED,
        **common(c, request),
    )


@router.get("/incidents/public/feed.atom")
def public_feed(node: NodeDep) -> Response:
    c = incidents(node)
    text = atom(queries.public_versions(c), base_url=c.settings.base_url, nation=node.nation)
    return Response(text, media_type=ATOM_UTF8)


@router.get("/incidents/public/{stix_id}.cap")
def public_cap(stix_id: str, node: NodeDep) -> Response:
    try:
        c = incidents(node)
        public = queries.public_version(c, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return Response(queries.public_cap(c, public), media_type=CAP_UTF8)
