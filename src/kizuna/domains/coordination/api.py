"""REST routes of the coordination mechanism, under /api/v1/coordination."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kizuna.domains.coordination import notices, queries, staff_queries
from kizuna.domains.coordination.inputs import (
    DeterminationCreate,
    DeterminationEnd,
    ItemCreate,
    ReplyCreate,
    ResponseCreate,
    RfiCreate,
    TaskerCreate,
    TaskStatusCreate,
    TransitionRequest,
)
from kizuna.domains.coordination.service import IllegalTransition, coordination, iso_time
from kizuna.store import StoredObject
from kizuna.web.deps import ApiPrincipal, NodeDep
from kizuna.web.problems import PROBLEM_JSON

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/coordination", tags=["coordination"])


# Documentation of the answers (the routes encode them directly).
class CoordinationObject(BaseModel):
    id: str
    type: str
    origin: str
    label: str
    version: int
    object: dict[str, Any]


class BoardItem(CoordinationObject):
    state: str
    tier: str
    region: str
    precedence: str
    due: str | None
    overdue: bool


class Board(BaseModel):
    items: list[BoardItem]


class TimelineEntry(BaseModel):
    at: str
    kind: str = Field(description="version, response or escalation")
    version: int | None = None
    state: str | None = None
    tier: str | None = None
    author: str | None = None
    response: CoordinationObject | None = None
    counted: bool | None = Field(
        default=None,
        description="for an answer: whether the item's node counted it (null: not yet judged)",
    )
    step: int | None = None
    reason: str | None = None
    due: str | None = None
    to: str | None = None


class ItemDetail(CoordinationObject):
    state: str
    tier: str
    due: str | None
    timeline: list[TimelineEntry]


class NotificationRead(BaseModel):
    id: int
    body: str
    kind: str
    detail: dict[str, Any]
    created_at: str
    acknowledged_by: str | None
    acknowledged_at: str | None
    item: str | None


class Notifications(BaseModel):
    items: list[NotificationRead]


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
    return Response(
        json.dumps(value, ensure_ascii=False).encode(),
        status_code=status,
        media_type="application/json",
    )


@router.get("/items", response_model=Board)
def list_items(
    principal: ApiPrincipal,
    node: NodeDep,
    state: Annotated[str | None, Query(max_length=32)] = None,
    tier: Annotated[str | None, Query(max_length=32)] = None,
    precedence: Annotated[str | None, Query(max_length=32)] = None,
    region: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.BOARD_LIMIT)] = 200,
) -> Response:
    """The board: items the caller may see, overdue first."""
    rows = queries.board(
        coordination(node),
        principal,
        state=state,
        tier=tier,
        precedence=precedence,
        region=region,
        limit=limit,
    )
    return _json(
        {
            "items": [
                {
                    **_obj(r.item),
                    "state": r.state,
                    "tier": r.tier,
                    "region": r.region,
                    "precedence": r.precedence,
                    "due": iso_time(r.due_at) if r.due_at is not None else None,
                    "overdue": r.overdue,
                }
                for r in rows
            ]
        }
    )


@router.post("/items", status_code=201, response_model=CoordinationObject)
def open_item(body: ItemCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Open a coordination item (and propose it unless `propose` is false)."""
    return _json(_obj(coordination(node).open_item(principal, body)), 201)


@router.get("/items/{stix_id}", response_model=ItemDetail)
def show_item(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """An item with its timeline: versions, answers, escalations (404 when hidden)."""
    c = coordination(node)
    facts, events = queries.timeline(c, principal, stix_id)
    current = next(e.version for e in reversed(events) if e.version is not None)
    timeline = []
    for e in events:
        entry: dict[str, Any] = {"at": e.at, "kind": e.kind}
        if e.version is not None:
            entry |= {
                "version": e.version.version,
                "state": e.version.object.get("state"),
                "tier": e.version.object.get("tier"),
                "author": e.version.author,
            }
        if e.response is not None:
            entry |= {"response": _obj(e.response), "counted": e.counted}
        if e.step is not None:
            entry |= {
                "step": e.step["number"],
                "reason": e.step["reason"],
                "due": iso_time(e.step["due_at"]),
                "to": e.step["to_body"],
            }
        timeline.append(entry)
    return _json(
        {
            **_obj(current),
            "state": facts["state"],
            "tier": facts["tier"],
            "due": iso_time(facts["due_at"]) if facts["due_at"] is not None else None,
            "timeline": timeline,
        }
    )


@router.post("/items/{stix_id}/responses", status_code=201, response_model=CoordinationObject)
def respond(stix_id: str, body: ResponseCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Answer an item for the caller's nation."""
    return _json(_obj(coordination(node).respond(principal, stix_id, body)), 201)


@router.post("/items/{stix_id}/transitions", response_model=CoordinationObject)
def transition(
    stix_id: str, body: TransitionRequest, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """Propose, decide, close or withdraw an item; 409 lists the legal transitions."""
    try:
        made = coordination(node).transition(principal, stix_id, body.event)
    except IllegalTransition as exc:
        return JSONResponse(
            {
                "type": "urn:kizuna:problem:conflict",
                "title": "Conflict",
                "status": 409,
                "detail": str(exc),
                "field": "event",
                "legal": exc.legal,
                "instance": f"/api/v1/coordination/items/{stix_id}/transitions",
            },
            status_code=409,
            media_type=PROBLEM_JSON,
        )
    return _json(_obj(made))


@router.get("/notifications", response_model=Notifications)
def list_notifications(
    principal: ApiPrincipal, node: NodeDep, unacknowledged: bool = False
) -> Response:
    """Notifications to the caller's bodies about what they may see."""
    found = notices.notifications(coordination(node), principal, unacknowledged=unacknowledged)
    return _json(
        {
            "items": [
                {
                    "id": n.pk,
                    "body": n.body,
                    "kind": n.kind,
                    "detail": n.detail,
                    "created_at": n.created_at,
                    "acknowledged_by": n.acked_by,
                    "acknowledged_at": n.acked_at,
                    "item": n.item.id if n.item else None,
                }
                for n in found
            ]
        }
    )


@router.post("/notifications/{pk}/acknowledge", status_code=204)
def acknowledge(pk: int, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Acknowledge a notification for one's body."""
    notices.acknowledge(coordination(node), principal, pk)
    return Response(status_code=204)


class DeterminationOut(CoordinationObject):
    nation: str
    kind: str
    regions: list[str]
    effective: str
    ended: str | None
    in_force: bool


class Determinations(BaseModel):
    items: list[DeterminationOut]


@router.get("/determinations", response_model=Determinations)
def list_determinations(
    principal: ApiPrincipal,
    node: NodeDep,
    region: Annotated[str | None, Query(max_length=64)] = None,
    include_ended: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> Response:
    """Both nations' determinations the caller may read, in force unless
    `include_ended`, the latest first."""
    found = queries.determinations(
        coordination(node), principal, region=region, include_ended=include_ended, limit=limit
    )
    return _json(
        {
            "items": [
                {
                    **_obj(d.item),
                    "nation": d.nation,
                    "kind": d.kind,
                    "regions": d.regions,
                    "effective": iso_time(d.effective_at),
                    "ended": iso_time(d.ended_at) if d.ended_at is not None else None,
                    "in_force": d.in_force,
                }
                for d in found
            ]
        }
    )


@router.post("/determinations", status_code=201, response_model=CoordinationObject)
def determine(body: DeterminationCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Record a situation determination of this node's nation: no concurrence is
    asked; the items of its regions follow its deadline."""
    return _json(_obj(coordination(node).determine(principal, body)), 201)


@router.post("/determinations/{stix_id}/end", response_model=CoordinationObject)
def end_determination(
    stix_id: str, body: DeterminationEnd, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """End a determination of this node's nation."""
    return _json(_obj(coordination(node).end_determination(principal, stix_id, body)))


class RfiThread(CoordinationObject):
    replies: list[CoordinationObject]


class Rfis(BaseModel):
    items: list[CoordinationObject]


@router.get("/rfis", response_model=Rfis)
def list_rfis(
    principal: ApiPrincipal,
    node: NodeDep,
    item: Annotated[str | None, Query(max_length=120)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> Response:
    """The RFIs the caller may read, open ones first."""
    found = staff_queries.rfis(coordination(node), principal, item=item, state=state, limit=limit)
    return _json({"items": [_obj(r) for r in found]})


@router.post("/rfis", status_code=201, response_model=CoordinationObject)
def ask(body: RfiCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Ask a body a question; on an item, its clock stops until the RFI is answered."""
    return _json(_obj(coordination(node).ask(principal, body)), 201)


@router.get("/rfis/{rfi_id}", response_model=RfiThread)
def rfi_thread(rfi_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """An RFI and the replies of its thread the caller may read."""
    rfi, replies = staff_queries.rfi_thread(coordination(node), principal, rfi_id)
    return _json({**_obj(rfi), "replies": [_obj(r) for r in replies]})


@router.post("/rfis/{rfi_id}/replies", status_code=201, response_model=CoordinationObject)
def reply(rfi_id: str, body: ReplyCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Reply in an RFI's thread; `answers` answers it (the addressed body only)."""
    return _json(_obj(coordination(node).reply(principal, rfi_id, body)), 201)


@router.post("/rfis/{rfi_id}/steps", response_model=CoordinationObject)
def rfi_step(
    rfi_id: str, body: TransitionRequest, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """Close (once answered), withdraw (while open) or reopen an RFI, as its asker."""
    return _json(_obj(coordination(node).move_rfi(principal, rfi_id, body.event)))


class ReceiptAck(BaseModel):
    of: str = Field(max_length=120, description="the item or RFI received")
    body: str = Field(max_length=64, description="the addressee body acknowledging")


@router.get("/receipts", response_model=Rfis)
def list_receipts(
    principal: ApiPrincipal, node: NodeDep, of: Annotated[str, Query(max_length=120)]
) -> Response:
    """Each addressee's receipt of an item or RFI, that the caller may read."""
    from kizuna.domains.coordination.receipts import receipts_of

    return _json({"items": [_obj(r) for r in receipts_of(coordination(node), principal, of)]})


@router.post("/receipts/acknowledge", response_model=CoordinationObject)
def acknowledge_receipt(body: ReceiptAck, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Acknowledge receipt, as a member of the addressee body, on its nation's node."""
    return _json(_obj(coordination(node).acknowledge_receipt(principal, body.of, body.body)))


class TaskerDetail(CoordinationObject):
    statuses: list[CoordinationObject]


@router.get("/taskers", response_model=Rfis)
def list_taskers(
    principal: ApiPrincipal,
    node: NodeDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> Response:
    """The taskers the caller may read, open ones first by suspense."""
    found = staff_queries.taskers(coordination(node), principal, limit=limit)
    return _json({"items": [_obj(t) for t in found]})


@router.post("/taskers", status_code=201, response_model=CoordinationObject)
def issue_tasker(body: TaskerCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Task an office (OPR) and its coordinating offices (OCRs) with a suspense."""
    return _json(_obj(coordination(node).issue_tasker(principal, body)), 201)


@router.get("/taskers/{tasker_id}", response_model=TaskerDetail)
def tasker(tasker_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """A tasker and each office's statuses that the caller may read."""
    found, statuses = staff_queries.tasker_detail(coordination(node), principal, tasker_id)
    return _json({**_obj(found), "statuses": [_obj(x) for x in statuses]})


@router.post("/taskers/{tasker_id}/statuses", status_code=201, response_model=CoordinationObject)
def report_status(
    tasker_id: str, body: TaskStatusCreate, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """An office's status; the OPR's `complete` completes the tasker."""
    return _json(_obj(coordination(node).report_status(principal, tasker_id, body)), 201)


@router.get("/regions")
def regions(principal: ApiPrincipal, node: NodeDep) -> Response:
    """The regions with their outlines, as a GeoJSON FeatureCollection (RFC 7946)."""
    s = coordination(node).structure
    return _json(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": r.id,
                    "geometry": r.outline,
                    "properties": {"kind": r.kind, "en": r.en, "ja": r.ja},
                }
                for r in s.regions.values()
            ],
        }
    )


@router.get("/structure")
def structure(principal: ApiPrincipal, node: NodeDep) -> dict[str, Any]:
    """Bodies, counterparts, bodies beside each other, the escalation path, regions,
    the deadline of each precedence and the determinations each nation makes."""
    s = coordination(node).structure
    return {
        "bodies": [b.__dict__ for b in s.bodies.values()],
        "counterparts": sorted(sorted(p) for p in s.counterparts),
        "lateral": sorted(sorted(p) for p in s.lateral),
        "ladder": [{"id": r.id, "bodies": list(r.bodies), "tier": r.tier} for r in s.ladder],
        "regions": [
            {"id": r.id, "kind": r.kind, "en": r.en, "ja": r.ja} for r in s.regions.values()
        ],
        "precedence_hours": s.precedence_hours,
        "determinations": [k.__dict__ for k in s.determinations.values()],
    }
