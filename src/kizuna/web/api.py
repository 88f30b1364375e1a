"""REST API v1 over labelled objects. Routes parse, call the store, and encode;
listings are encoded once from the stored JSON, never through response models."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from kizuna.errors import Invalid, Stale
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
    version: int | None = Field(
        None,
        ge=1,
        description="The version this one revises, as read; 409 when another is current. "
        "Or send it as If-Match (the object's ETag): 412 when another is current",
    )


class ReleaseDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(description="The new label")
    version: int | None = Field(
        None,
        ge=1,
        description="The version the releasing officer reviewed; 409 Conflict, naming the "
        "version now current, when the object changed since",
    )


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


def _one(obj: StoredObject, status: int = 200) -> Response:
    # The version is the object's state as a client may name it back (If-Match).
    answer = _json(_item(obj), status)
    answer.headers["ETag"] = f'"{obj.version}"'
    return answer


def _matched(if_match: str | None) -> int | None:
    """The version an If-Match header names: one strong ETag this API gave, or `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip()
    if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
        return int(tag[1:-1])
    raise Invalid('If-Match names one version as its ETag, such as "3"', field="If-Match")


@router.post("/objects", status_code=201, response_model=ObjectRead)
def create_object(body: ObjectCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Create a labelled object."""
    label = parse(node.policy, body.label, originator=node.nation)
    return _one(node.store.create(principal, body.object, label), 201)


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
    return _one(node.store.get(principal, stix_id))


@router.put("/objects/{stix_id}", response_model=ObjectRead)
def revise_object(
    stix_id: str,
    body: ObjectUpdate,
    principal: ApiPrincipal,
    node: NodeDep,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> Response:
    """A new version of an object this node owns, at the same label."""
    matched = _matched(if_match)
    if matched is not None and body.version not in (None, matched):
        raise Invalid("If-Match and version name different versions", field="version")
    try:
        made = node.store.revise(principal, stix_id, body.object, version=matched or body.version)
    except Stale as exc:
        # A failed precondition is 412 in HTTP's words (RFC 9110), 409 in the body's.
        if matched is not None:
            exc.status = 412
        raise
    return _one(made)


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
    return _one(node.store.release(principal, stix_id, label, version=body.version))


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
