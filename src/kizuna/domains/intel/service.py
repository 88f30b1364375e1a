"""The cell's use cases. Every function takes the acting principal; the store applies
the label rules, this module the cell's own.

A joint product is drafted inside the cell: its draft label names every nation whose
releasing officer must approve (so each can read what they approve), and it carries
the target label it is to be released at. A releasing officer of each of those nations
approves the current version; when the last approval arrives, the node releases the
product to its target label in the same step, and a new version of the product needs
new approvals. Every approval, refusal and release is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, insert, select
from sqlalchemy.exc import IntegrityError

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.intel import OWNER, model
from kizuna.domains.intel.schema import intel_approvals
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, parse, render
from kizuna.stix.types import JOINT_PRODUCT
from kizuna.store import Page, Store, StoredObject
from kizuna.store.access import current, visible

__all__ = [
    "Approval",
    "JointState",
    "approve",
    "create",
    "joint_state",
    "listing",
]


@dataclass(frozen=True)
class Approval:
    nation: str
    officer: str
    approved_at: str


@dataclass(frozen=True)
class JointState:
    product: StoredObject
    state: str
    nations: list[str]
    target_label: str
    approvals: list[Approval]

    @property
    def waiting_for(self) -> list[str]:
        done = {a.nation for a in self.approvals}
        return [n for n in self.nations if n not in done]


def listing(
    store: Store, principal: Principal, kind: model.Kind, *, limit: int = 100,
    cursor_token: str | None = None,
) -> Page:  # fmt: skip
    return store.list(principal, type=kind.stix_type, limit=limit, cursor_token=cursor_token)


def _label(store: Store, text: str | None, field: str) -> Label:
    if not text:
        return Label(store.policy.lowest.rank, frozenset({store.node.nation}))
    try:
        return parse(store.policy, text, originator=store.node.nation)
    except LabelError as exc:
        raise Invalid(f"{field}: {exc}", field=field) from exc


def _refs(store: Store, principal: Principal, refs: list[str], field: str) -> list[StoredObject]:
    """Objects a new object points at must exist and be readable by its author."""
    found = []
    for ref in refs:
        try:
            found.append(store.get(principal, ref))
        except NotFound:
            raise Invalid(f"{field}: no object {ref}", field=field) from None
    return found


def create(
    store: Store, principal: Principal, kind: model.Kind, fields: dict[str, Any],
    label_text: str | None,
) -> StoredObject:  # fmt: skip
    """A new report, assessment, observation or joint product at `label_text`."""
    label = _label(store, label_text, "label")
    if kind.key == "reports":
        refs = list(fields.get("object_refs") or [])
        if not refs:
            raise Invalid("a report gathers at least one object", field="object_refs")
        _refs(store, principal, refs, "object_refs")
        obj = model.report(
            name=fields.get("name", ""),
            description=fields.get("description"),
            published=fields.get("published") or clock.now_ts(),
            object_refs=refs,
            lang=fields.get("lang"),
        )
    elif kind.key == "assessments":
        obj = model.assessment(
            name=fields.get("name", ""),
            name_ja=fields.get("name_ja"),
            judgement=fields.get("judgement", ""),
            confidence=_confidence(fields.get("confidence")),
            sources=list(fields.get("sources") or []),
            region=fields.get("region"),
            domains=list(fields.get("domains") or []),
        )
    elif kind.key == "observations":
        obj = model.observation(
            observed_at=_timestamp(fields.get("observed_at")),
            place=fields.get("place", ""),
            description=fields.get("description", ""),
            description_ja=fields.get("description_ja"),
            source_reliability=str(fields.get("source_reliability", "")).upper(),
            domains=list(fields.get("domains") or []),
        )
    else:
        obj = _joint_product(store, principal, fields, label)
    return store.create(principal, obj, label, owner=OWNER)


def _confidence(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(
            "confidence must be a whole number from 0 to 100", field="confidence"
        ) from None
    return number


def _timestamp(value: Any) -> str:
    try:
        return clock.format_ts(clock.parse_ts(str(value)))[:-4] + "Z"
    except ValueError:
        raise Invalid(f"not a time: {value!r}", field="observed_at") from None


def _joint_product(
    store: Store, principal: Principal, fields: dict[str, Any], draft: Label
) -> dict[str, Any]:
    contributions = list(fields.get("contributions") or [])
    found = _refs(store, principal, contributions, "contributions")
    if not found:
        raise Invalid("a joint product gathers at least one contribution", field="contributions")
    named = {str(n).strip().upper() for n in fields.get("nations") or [] if str(n).strip()}
    for nation in named:
        if nation not in store.policy.nations:
            raise Invalid(f"unknown nation {nation!r}", field="nations")
    # The approving nations: this one, those that contributed, and those named (a
    # partner's contribution may have come to the cell outside Kizuna).
    nations = sorted({c.origin for c in found} | {store.node.nation} | named)
    if len(nations) < 2:
        raise Invalid(
            "a joint product is of at least two nations: name the partner nation",
            field="nations",
        )
    missing = [n for n in nations if n not in draft.rel_to]
    if missing:
        raise Invalid(
            f"the draft must be readable by the approving nations; add {', '.join(missing)}",
            field="label",
        )
    target = _label(store, fields.get("target_label"), "target_label")
    missing = [n for n in nations if n not in target.rel_to]
    if missing:
        raise Invalid(
            f"the target label must be releasable to {', '.join(nations)}",
            field="target_label",
        )
    if target == draft:
        raise Invalid("the target label is the draft's: nothing to release", field="target_label")
    return model.joint_product(
        name=fields.get("name", ""),
        description=fields.get("description"),
        contributions=contributions,
        nations=nations,
        target_label=render(store.policy, target),
    )


def joint_state(store: Store, principal: Principal, stix_id: str) -> JointState:
    """A joint product with the approvals of its current version."""
    product = store.get(principal, stix_id)
    ext = product.object.get("extensions", {}).get(JOINT_PRODUCT)
    if product.type != "grouping" or not isinstance(ext, dict):
        raise NotFound(f"no joint product {stix_id}", field="id")
    # A released product shows the approvals of the draft it was released from.
    released = 1 if ext["state"] == "released" else 0
    # Joined to the product's visible current version: the approvals are read under
    # the same condition as the product itself.
    seen = exists().where(
        objects.c.stix_id == intel_approvals.c.stix_id,
        access.c.object_pk == objects.c.pk,
        versions.c.pk == access.c.version_pk,
        versions.c.number == intel_approvals.c.version + released,
        current(),
        visible(principal, store.bits),
    )
    with store.db.read() as conn:
        rows = conn.execute(
            select(intel_approvals)
            .where(
                and_(
                    intel_approvals.c.stix_id == stix_id,
                    intel_approvals.c.version == product.version - released,
                    seen,
                )
            )
            .order_by(intel_approvals.c.approved_at)
        ).all()
    return JointState(
        product=product,
        state=ext["state"],
        nations=list(ext["nations"]),
        target_label=ext["target_label"],
        approvals=[Approval(r.nation, r.officer, r.approved_at) for r in rows],
    )


def approve(store: Store, principal: Principal, stix_id: str) -> JointState:
    """Record `principal`'s approval of the current version; release when complete."""
    current = joint_state(store, principal, stix_id)
    refusal = None
    if not principal.can(Permission.OBJECT_RELEASE) or principal.kind != "user":
        refusal = "only a releasing officer approves a joint product"
    elif principal.nation not in current.nations:
        refusal = f"{principal.nation} is not one of the approving nations"
    elif current.state != "draft":
        raise Conflict(f"{stix_id} is already released", field="state")
    elif not current.waiting_for:
        # Every nation approved but the release did not happen (a crash between the
        # two steps): carry it out now.
        return _release(store, current)
    if refusal is not None:
        with store.db.write() as conn:
            audit.append(
                conn,
                actor=principal.name,
                action="refused",
                target=stix_id,
                detail={"action": "intel:joint:approve", "reason": refusal},
            )
        raise Refused(refusal, action="intel:joint:approve", target=stix_id)
    try:
        with store.db.write() as conn:
            conn.execute(
                insert(intel_approvals).values(
                    stix_id=stix_id,
                    version=current.product.version,
                    nation=principal.nation,
                    officer=principal.name,
                    approved_at=clock.now_ts(),
                )
            )
            audit.append(
                conn,
                actor=principal.name,
                action="joint.approve",
                target=stix_id,
                detail={"version": current.product.version, "nation": principal.nation},
            )
    except IntegrityError:
        raise Conflict(
            f"{principal.nation} has already approved version {current.product.version}",
            field="approval",
        ) from None
    after = joint_state(store, principal, stix_id)
    if after.waiting_for:
        return after
    return _release(store, after)


def _release(store: Store, state: JointState) -> JointState:
    """Both nations approved: the node releases the product to its target label. The
    decision is the officers'; the node only carries it out, named in the audit log."""
    system = Principal.system(nation=store.node.nation, policy=store.policy)
    target = parse(store.policy, state.target_label)
    ext = dict(state.product.object["extensions"][JOINT_PRODUCT], state="released")
    extensions = {**state.product.object["extensions"], JOINT_PRODUCT: ext}
    try:
        store.release(
            system, state.product.id, target, changes={"extensions": extensions}, owner=OWNER
        )
    except Invalid:
        # Both approvals arrived together and the other request released it first.
        return joint_state(store, system, state.product.id)
    with store.db.write() as conn:
        audit.append(
            conn,
            actor=system.name,
            action="joint.release",
            target=state.product.id,
            detail={
                "version": state.product.version,
                "to": state.target_label,
                "approved_by": [f"{a.nation}:{a.officer}" for a in state.approvals],
            },
        )
    return JointState(
        product=state.product,
        state="released",
        nations=state.nations,
        target_label=state.target_label,
        approvals=state.approvals,
    )
