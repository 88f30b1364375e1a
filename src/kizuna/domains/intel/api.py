"""REST routes of the cell under /api/v1/intel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from kizuna.domains.intel import joint, model, service
from kizuna.errors import NotFound
from kizuna.store import MAX_LIMIT
from kizuna.web.api import _item, _json, _q
from kizuna.web.deps import ApiPrincipal, NodeDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/intel", tags=["intel"])


class IntelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: dict[str, Any] = Field(
        description="reports: name, description, object_refs, published, lang; "
        "assessments: name, "
        "name_ja, judgement, confidence (0-100), sources, region, domains; observations: "
        "observed_at, place, description, description_ja, source_reliability (A-F), "
        "domains; joint-products: name, description, contributions, target_label (the "
        "approving nations are those of the draft label's REL TO). Any other key is "
        "refused (422)"
    )
    label: str | None = Field(
        default=None, description="Label; default: lowest level, this nation only"
    )


def _kind(key: str) -> model.Kind:
    kind = model.kind_of(key)
    if kind is None:
        raise NotFound(f"no kind {key}; known: {', '.join(k.key for k in model.KINDS)}",
                       field="kind")  # fmt: skip
    return kind


class JointApproval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    digest: str = Field(
        min_length=64,
        max_length=64,
        pattern="^[0-9a-f]{64}$",
        description="The digest of the version approved, as GET .../approvals gives it: an "
        "approval is of the version the officer read, and of no other",
    )


class JointEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: dict[str, Any] = Field(
        description="name, description, contributions; the approving nations and the "
        "target label are fixed when the product is drafted"
    )


def _joint(state: joint.JointState) -> str:
    approvals = ",".join(
        f'{{"id":{_q(a.id)},"nation":{_q(a.nation)},"officer":{_q(a.officer)},'
        f'"approved_at":{_q(a.approved_at)}}}'
        for a in state.approvals
    )
    waiting = ",".join(_q(n) for n in state.waiting_for)
    # A released product's approvals the reader may not read: approved, not named.
    withheld = ",".join(_q(n) for n in state.withheld)
    nations = ",".join(_q(n) for n in state.nations)
    return (
        f'{{"product":{_item(state.product)},"state":{_q(state.state)},'
        f'"nations":[{nations}],"target_label":{_q(state.target_label)},'
        f'"digest":{_q(state.digest)},"approvals":[{approvals}],"withheld":[{withheld}],'
        f'"waiting_for":[{waiting}]}}'
    )


@router.get("/{kind}")
def list_intel(
    kind: str,
    principal: ApiPrincipal,
    node: NodeDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Reports, assessments, observations or joint products the caller may see."""
    page = service.listing(node.store, principal, _kind(kind), limit=limit, cursor_token=cursor)
    items = ",".join(_item(obj) for obj in page.items)
    return _json(f'{{"items":[{items}],"next":{_q(page.next) if page.next else "null"}}}')


@router.post("/{kind}", status_code=201)
def create_intel(kind: str, body: IntelCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Write a report, assessment, observation or joint product."""
    made = service.create(node.store, principal, _kind(kind), body.fields, body.label)
    return _json(_item(made), 201)


@router.get("/joint-products/{stix_id}/approvals")
def joint_state(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """A joint product's state, the digest of its current version, and the approvals
    of that version (`withheld`: nations that approved a released product, whose
    approval the caller may not read)."""
    return _json(_joint(joint.joint_state(node.store, principal, stix_id)))


@router.put("/joint-products/{stix_id}")
def edit_joint(stix_id: str, body: JointEdit, principal: ApiPrincipal, node: NodeDep) -> Response:
    """A new version of a draft (earlier approvals do not count for it)."""
    return _json(_joint(joint.revise(node.store, principal, stix_id, body.fields)))


@router.post("/joint-products/{stix_id}/approve")
def approve(stix_id: str, body: JointApproval, principal: ApiPrincipal, node: NodeDep) -> Response:
    """A releasing officer of an approving nation approves the version with `digest`, on
    their own nation's node. The approval travels to the product's node, which
    releases that version once every approving nation's approval is there."""
    return _json(_joint(joint.approve(node.store, principal, stix_id, body.digest)))
