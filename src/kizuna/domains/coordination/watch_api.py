"""REST routes of the watch log and the shift handovers, under
/api/v1/coordination/watch and /api/v1/coordination/handovers."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from kizuna.domains.coordination import handover as handovers_
from kizuna.domains.coordination.escalation import iso_time
from kizuna.domains.coordination.service import coordination
from kizuna.domains.coordination.watch import LOG_LIMIT, log_entry, watch_log
from kizuna.domains.coordination.watch_model import EntryCreate, HandoverCreate
from kizuna.store import StoredObject
from kizuna.web.deps import ApiPrincipal, NodeDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/coordination", tags=["coordination"])


# Documentation of the answers (the routes encode them directly).
class WatchObject(BaseModel):
    id: str
    type: str
    origin: str
    label: str
    version: int
    object: dict[str, Any]


class LogEntryRead(WatchObject):
    body: str
    kind: str
    at: str


class WatchLog(BaseModel):
    body: str
    bodies: list[str]
    items: list[LogEntryRead]


class HandoverSummary(WatchObject):
    body: str
    period_start: str
    period_end: str
    outgoing_signed: bool
    incoming_signed: bool


class Handovers(BaseModel):
    items: list[HandoverSummary]


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


@router.get("/watch", response_model=WatchLog)
def read_watch_log(
    principal: ApiPrincipal,
    node: NodeDep,
    body: Annotated[str, Query(min_length=1, max_length=64)],
    order: Literal["newest", "oldest"] = "newest",
    counterparts: bool = True,
    limit: Annotated[int, Query(ge=1, le=LOG_LIMIT)] = 200,
) -> Response:
    """A body's watch log (with its counterparts' entries), as far as the caller may read."""
    c = coordination(node)
    found = watch_log(
        c,
        principal,
        body,
        newest_first=order == "newest",
        counterparts=counterparts,
        limit=limit,
    )
    bodies = [body, *(c.structure.counterparts_of(body) if counterparts else [])]
    return _json(
        {
            "body": body,
            "bodies": bodies,
            "items": [
                {**_obj(e.entry), "body": e.body, "kind": e.kind, "at": iso_time(e.at)}
                for e in found
            ],
        }
    )


@router.post("/watch", status_code=201, response_model=WatchObject)
def add_entry(data: EntryCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Log an entry in a body's watch log (a member of the body of this nation, or of a
    bilateral body); entries are never edited: a correction names the entry it corrects."""
    return _json(_obj(log_entry(coordination(node), principal, data)), 201)


@router.get("/handovers", response_model=Handovers)
def list_handovers(
    principal: ApiPrincipal,
    node: NodeDep,
    body: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """The handovers the caller may read, the latest shift first."""
    found = handovers_.handovers(coordination(node), principal, body=body or None, limit=limit)
    return _json(
        {
            "items": [
                {
                    **_obj(h.handover),
                    "body": h.body,
                    "period_start": iso_time(h.start_at),
                    "period_end": iso_time(h.end_at),
                    "outgoing_signed": h.outgoing_signed,
                    "incoming_signed": h.incoming_signed,
                }
                for h in found
            ]
        }
    )


@router.post("/handovers", status_code=201, response_model=WatchObject)
def generate_handover(data: HandoverCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Generate the handover of a body's shift (and sign it as its outgoing officer)."""
    return _json(_obj(handovers_.generate(coordination(node), principal, data)), 201)


@router.get("/handovers/{stix_id}", response_model=WatchObject)
def read_handover(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """One handover; 404 for a missing or hidden one alike."""
    return _json(_obj(handovers_.handover(coordination(node), principal, stix_id)))


@router.post("/handovers/{stix_id}/sign", response_model=WatchObject)
def sign_handover(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Sign a handover: its outgoing officer first, then once its incoming officer."""
    return _json(_obj(handovers_.sign(coordination(node), principal, stix_id)))
