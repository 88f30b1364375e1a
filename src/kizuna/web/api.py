"""REST API v1 over labelled objects. Routes parse, call the store, and encode;
listings are encoded once from the stored JSON, never through response models."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from kizuna.labels import parse
from kizuna.store import MAX_LIMIT, StoredObject
from kizuna.store.listing import Listing
from kizuna.web.deps import ApiPrincipal, NodeDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["objects"])


class ObjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object: dict[str, Any] = Field(description="A STIX 2.1 object; id and timestamps optional")
    label: str = Field(
        description="Label in English or Japanese form, e.g. 'SECRET//BIAC//REL TO JPN, USA'; "
        "without REL TO, releasable to this node's nation only"
    )


class ObjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object: dict[str, Any] = Field(description="The new version of the STIX object")


class ReleaseDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(description="The new label")


class ObjectRead(BaseModel):
    id: str
    type: str
    label: str
    version: int
    object: dict[str, Any]


class ObjectList(BaseModel):
    items: list[ObjectRead]
    next: str | None


class Version(BaseModel):
    version: int
    label: str
    modified: str
    author: str
    recorded_at: str
    object: dict[str, Any]


class History(BaseModel):
    id: str
    items: list[Version]


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _item(obj: StoredObject) -> str:
    # The stored body is canonical JSON already: splice it in rather than re-encode.
    return (
        f'{{"id":{_q(obj.id)},"type":{_q(obj.type)},"label":{_q(obj.label_text)},'
        f'"version":{obj.version},"object":{obj.body}}}'
    )


def _json(text: str, status: int = 200) -> Response:
    return Response(text.encode(), status_code=status, media_type="application/json")


@router.post("/objects", status_code=201, response_model=ObjectRead)
def create_object(body: ObjectCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Create a labelled object."""
    label = parse(node.policy, body.label, originator=node.nation)
    return _json(_item(node.store.create(principal, body.object, label)), 201)


@router.get("/objects", response_model=ObjectList)
def list_objects(
    principal: ApiPrincipal,
    node: NodeDep,
    type: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Objects the caller may see, newest first."""
    if type is not None:
        Listing(type=type).checked(node.store)  # an unknown type: 422, as on the page
    page = node.store.list(principal, type=type, limit=limit, cursor_token=cursor)
    items = ",".join(_item(obj) for obj in page.items)
    return _json(f'{{"items":[{items}],"next":{_q(page.next) if page.next else "null"}}}')


@router.get("/objects/{stix_id}", response_model=ObjectRead)
def get_object(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """One object (404 when missing or not visible)."""
    return _json(_item(node.store.get(principal, stix_id)))


@router.put("/objects/{stix_id}", response_model=ObjectRead)
def revise_object(
    stix_id: str, body: ObjectUpdate, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """A new version of an object this node owns, at the same label."""
    return _json(_item(node.store.revise(principal, stix_id, body.object)))


@router.get("/objects/{stix_id}/history", response_model=History)
def object_history(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """The versions the caller may see, oldest first."""
    versions = node.store.history(principal, stix_id)
    items = ",".join(
        f'{{"version":{v.version},"label":{_q(v.label_text)},"modified":{_q(v.modified)},'
        f'"author":{_q(v.author)},"recorded_at":{_q(v.recorded_at)},"object":{v.body}}}'
        for v in versions
    )
    return _json(f'{{"id":{_q(stix_id)},"items":[{items}]}}')


@router.post("/objects/{stix_id}/release", response_model=ObjectRead)
def release_object(
    stix_id: str, body: ReleaseDecision, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """A release decision: relabel the object (a new version)."""
    label = parse(node.policy, body.label, originator=node.nation)
    return _json(_item(node.store.release(principal, stix_id, label)))


@router.get("/me")
def me(principal: ApiPrincipal, node: NodeDep) -> dict[str, Any]:
    """Who the token belongs to, and what they hold."""
    clearance = principal.clearance
    return {
        "name": principal.name,
        "nation": clearance.nation,
        "clearance": node.policy.level(clearance.rank).name,
        "compartments": sorted(clearance.compartments),
        "roles": sorted(principal.roles),
    }
