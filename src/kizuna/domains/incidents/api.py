"""REST routes of the incidents mechanism, under /api/v1/incidents: record, update,
cancel, release the public version, acknowledge, and export (CAP XML, CSV, GeoJSON).
Writes answer at once; the notices they queued are sent after the answer (and by the
scan, should the relay be down)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response

from kizuna.domains.incidents import queries
from kizuna.domains.incidents.exports import csv_text, dumps, geojson
from kizuna.domains.incidents.model import (
    AckCreate,
    CancelRequest,
    EventCreate,
    EventUpdate,
    PublicCreate,
)
from kizuna.domains.incidents.rules import Problems
from kizuna.domains.incidents.service import incidents
from kizuna.errors import NotFound
from kizuna.labels import lub, render
from kizuna.runtime import Node
from kizuna.store import StoredObject
from kizuna.web.deps import ApiPrincipal, NodeDep
from kizuna.web.problems import problem

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
CAP_XML = "application/cap+xml"


# Exports say in the OpenAPI document which media type they answer with.
class CsvResponse(Response):
    media_type = "text/csv"


class GeoJsonResponse(Response):
    media_type = "application/geo+json"


class CapResponse(Response):
    media_type = CAP_XML


def _obj(obj: StoredObject) -> dict[str, Any]:
    return {
        "id": obj.id,
        "type": obj.type,
        "origin": obj.origin,
        "label": obj.label_text,
        "version": obj.version,
        "object": obj.object,
    }


def _json(value: Any, status: int = 200) -> Response:
    return Response(dumps(value), status_code=status, media_type="application/json")


def _deliver(node: Node) -> None:
    incidents(node).deliver()


def _every(exc: Problems, request: Request) -> Response:
    """A refusal naming several fields: each in `errors`, as a request's own errors
    are (the shared answer to a refusal names its first field only)."""
    return problem(
        exc.status,
        str(exc),
        field=exc.field,
        errors=[{"field": p.field or "body", "detail": str(p)} for p in exc.problems],
        instance=request.url.path,
    )


@router.get("/events")
def board(
    principal: ApiPrincipal,
    node: NodeDep,
    limit: Annotated[int, Query(ge=1, le=queries.BOARD_LIMIT)] = 200,
) -> Response:
    """The board: events the caller may see, open and unacknowledged first."""
    rows = queries.board(incidents(node), principal, limit=limit)
    return _json(
        {
            "events": [
                {
                    **_obj(r.event),
                    "status": r.status,
                    "notices": r.notices,
                    "unacknowledged": r.unacknowledged,
                }
                for r in rows
            ]
        }
    )


@router.post("/events", status_code=201)
def record(
    body: EventCreate,
    principal: ApiPrincipal,
    node: NodeDep,
    tasks: BackgroundTasks,
    request: Request,
) -> Response:
    """Record an event; every addressee of this nation the rules name is notified."""
    try:
        made = incidents(node).record(principal, body)
    except Problems as exc:
        return _every(exc, request)
    tasks.add_task(_deliver, node)
    return _json(_obj(made), 201)


@router.get("/events.csv", response_class=CsvResponse)
def export_csv(principal: ApiPrincipal, node: NodeDep) -> Response:
    """The events the caller may see, as CSV."""
    rows = queries.board(incidents(node), principal, limit=queries.BOARD_LIMIT)
    # The byte order mark: Excel on a Japanese Windows reads UTF-8 without one as
    # Shift_JIS, and every Japanese name and label comes out garbled (walk 45).
    text = "\ufeff" + csv_text([r.event for r in rows])
    return Response(text, media_type="text/csv; charset=utf-8")


@router.get(
    "/events.geojson",
    response_class=GeoJsonResponse,
    responses={200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}}},
)
def export_geojson(principal: ApiPrincipal, node: NodeDep) -> Response:
    """The events the caller may see, as a GeoJSON FeatureCollection."""
    rows = queries.board(incidents(node), principal, limit=queries.BOARD_LIMIT)
    return Response(dumps(geojson([r.event for r in rows])), media_type="application/geo+json")


@router.get("/figures")
def figures(principal: ApiPrincipal, node: NodeDep) -> Response:
    """Counts of the events the caller may see: by month and kind, by month and
    prefecture, by municipality."""
    f = queries.figures(incidents(node), principal)
    return _json(
        {
            "by_month_kind": [
                {"month": m, "kind": k, "count": n} for (m, k), n in sorted(f.by_month_kind.items())
            ],
            "by_month_prefecture": [
                {"month": m, "prefecture": p, "count": n}
                for (m, p), n in sorted(f.by_month_prefecture.items())
            ],
            "by_municipality": dict(sorted(f.by_municipality.items())),
            # Derived data carries its label: the highest of the events counted.
            "label": render(node.policy, highest) if (highest := lub(f.labels)) else None,
        }
    )


@router.get("/events/{stix_id}")
def show(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """An event with who was told, when, and who acknowledged, when (404 when hidden)."""
    c = incidents(node)
    history = queries.event_history(c, principal, stix_id)
    notices = queries.notices(c, principal, stix_id)
    return _json(
        {
            **_obj(history[-1]),
            "versions": [
                {"version": v.version, "at": v.recorded_at, "author": v.author} for v in history
            ],
            "notices": [n.__dict__ for n in notices],
            "acknowledgements": [_obj(a) for a in queries.acknowledgements(c, principal, stix_id)],
        }
    )


@router.get("/events/{stix_id}/cap", response_class=CapResponse)
def cap(
    stix_id: str,
    principal: ApiPrincipal,
    node: NodeDep,
    revision: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The CAP 1.2 document of a revision (the latest by default)."""
    documents = queries.cap_documents(incidents(node), principal, stix_id)
    index = (revision or len(documents)) - 1
    if index >= len(documents):
        raise NotFound(f"no revision {revision} of {stix_id}", field="revision")
    # Starlette adds a charset to text/* types only, and the documents are Japanese too.
    return Response(documents[index], media_type=f"{CAP_XML}; charset=utf-8")


@router.post("/events/{stix_id}/updates", status_code=201)
def update(
    stix_id: str,
    body: EventUpdate,
    principal: ApiPrincipal,
    node: NodeDep,
    tasks: BackgroundTasks,
    request: Request,
) -> Response:
    """A follow-up or the closing report: the next revision, an Update to everyone told."""
    try:
        made = incidents(node).update(principal, stix_id, body)
    except Problems as exc:
        return _every(exc, request)
    tasks.add_task(_deliver, node)
    return _json(_obj(made), 201)


@router.post("/events/{stix_id}/cancel", status_code=201)
def cancel(
    stix_id: str,
    body: CancelRequest,
    principal: ApiPrincipal,
    node: NodeDep,
    tasks: BackgroundTasks,
) -> Response:
    """Cancel an event recorded in error: a Cancel to everyone told."""
    made = incidents(node).cancel(principal, stix_id, body)
    tasks.add_task(_deliver, node)
    return _json(_obj(made), 201)


@router.post("/events/{stix_id}/public", status_code=201)
def release_public(
    stix_id: str, body: PublicCreate, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """Compose and release the public version (a releasing officer of the event's nation)."""
    return _json(_obj(incidents(node).release_public(principal, stix_id, body)), 201)


@router.post("/events/{stix_id}/acknowledgements", status_code=201)
def acknowledge(stix_id: str, body: AckCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Acknowledge the notice of an event to a body the caller belongs to."""
    return _json(_obj(incidents(node).acknowledge(principal, stix_id, body)), 201)
