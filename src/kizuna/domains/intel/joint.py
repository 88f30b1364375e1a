"""Joint products: approved by every nation the draft is releasable to, released by the
node that owns the product.

An officer approves on their own nation's node: the approval is an object of that
nation (`x-kizuna-approval`) at exactly the product's label, naming the version read
by its digest (body and label). It travels to the product's node like any object;
there `arrived` checks it against the current version and records it. When every
approving nation's approval of the same digest is recorded, that node releases that
version to the target label, in the transaction that recorded the last approval, as
its system principal: the decision is the officers', the node only carries it out,
and the store's rules (`rules.joint_rules`) make sure that what it releases is what
was approved. An edit makes a new digest, so earlier approvals no longer count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, insert, select

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.intel import OWNER, approvers, model
from kizuna.domains.intel.schema import intel_approvals
from kizuna.domains.intel.service import check_refs, check_types
from kizuna.errors import Conflict, Invalid, NotFound, Refused, StoreError
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.stix.types import JOINT_PRODUCT
from kizuna.store import Store, StoredObject
from kizuna.store.access import current, visible
from kizuna.store.objects import COLUMNS, stored_from_row

__all__ = ["Approval", "JointState", "approve", "arrived", "joint_state", "revise"]

# What an edit of a draft may change; its nations and target label are fixed.
EDITABLE = ("name", "description", "contributions")


@dataclass(frozen=True)
class Approval:
    id: str
    nation: str
    officer: str
    approved_at: str


@dataclass(frozen=True)
class JointState:
    product: StoredObject
    state: str
    nations: list[str]
    target_label: str
    # The version the approvals are of: the current draft's, or the released one's.
    digest: str
    approvals: list[Approval]

    @property
    def waiting_for(self) -> list[str]:
        """The nations whose approval is still to come: none once released (every
        nation approved the version released, whether or not the reader sees it)."""
        if self.state == "released":
            return []
        done = {a.nation for a in self.approvals}
        return [n for n in self.nations if n not in done]

    @property
    def withheld(self) -> list[str]:
        """The nations that approved a released product but whose approval the reader
        may not read (an approval keeps the draft's label): approved, not named."""
        if self.state != "released":
            return []
        seen = {a.nation for a in self.approvals}
        return [n for n in self.nations if n not in seen]


def _ext(product: StoredObject) -> dict[str, Any]:
    ext = product.object.get("extensions", {}).get(JOINT_PRODUCT)
    if product.type != "grouping" or not isinstance(ext, dict):
        raise NotFound(f"no joint product {product.id}", field="id")
    return ext


def _digest(store: Store, product: StoredObject) -> str:
    ext = _ext(product)
    if ext["state"] == "released":
        return str(ext.get("approved_digest", ""))
    return model.digest(store.policy, product.body, product.label)


def _product(conn: Connection, store: Store, principal: Principal, stix_id: str) -> StoredObject:
    """The current version as `principal` may see it, locked against a concurrent
    approval or edit (two approvals at once must not both miss the release)."""
    row = conn.execute(
        select(*COLUMNS)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id == stix_id, visible(principal, store.bits))
        .with_for_update(of=objects)
    ).first()
    if row is None:
        raise NotFound(f"no joint product {stix_id}", field="id")
    product = stored_from_row(row)
    _ext(product)
    return product


def _approvals(
    conn: Connection, store: Store, principal: Principal, stix_id: str, digest: str
) -> list[Approval]:
    # Each approval is read under its own label, like the object it is.
    rows = conn.execute(
        select(
            objects.c.stix_id,
            intel_approvals.c.nation,
            intel_approvals.c.officer,
            intel_approvals.c.approved_at,
        )
        .select_from(
            intel_approvals.join(objects, objects.c.pk == intel_approvals.c.object_pk).join(
                access, and_(access.c.object_pk == objects.c.pk, current())
            )
        )
        .where(
            intel_approvals.c.product == stix_id,
            intel_approvals.c.digest == digest,
            visible(principal, store.bits),
        )
        .order_by(intel_approvals.c.approved_at, intel_approvals.c.nation)
    ).all()
    return [Approval(*row) for row in rows]


def _state(
    conn: Connection, store: Store, principal: Principal, product: StoredObject
) -> JointState:
    ext = _ext(product)
    digest = _digest(store, product)
    return JointState(
        product=product,
        state=str(ext["state"]),
        nations=list(ext["nations"]),
        target_label=str(ext["target_label"]),
        digest=digest,
        approvals=_approvals(conn, store, principal, product.id, digest),
    )


def joint_state(store: Store, principal: Principal, stix_id: str) -> JointState:
    """A joint product with the approvals of its current version."""
    product = store.get(principal, stix_id)
    with store.db.read() as conn:
        return _state(conn, store, principal, product)


def _approved(conn: Connection, stix_id: str, digest: str) -> set[str]:
    return set(
        conn.execute(
            select(intel_approvals.c.nation).where(
                intel_approvals.c.product == stix_id, intel_approvals.c.digest == digest
            )
        ).scalars()
    )


def _judge(store: Store, conn: Connection, product: StoredObject, nation: str, digest: str) -> None:
    """Whether `nation` may approve `digest` of `product` now: on the product's node
    for every approval that arrives, on every node for its own officers'."""
    ext = _ext(product)
    if nation not in ext["nations"]:
        raise Refused(
            f"{nation} is not one of the approving nations ({', '.join(ext['nations'])})",
            field="nation",
            action="intel:joint:approve",
            target=product.id,
        )
    if ext["state"] != "draft":
        raise Conflict(f"{product.id} is already released", field="state")
    now = model.digest(store.policy, product.body, product.label)
    if digest != now:
        raise Conflict(
            f"that approves another version of {product.id}; the current version "
            f"(modified {product.modified}) has digest {now}: read it and approve it",
            field="digest",
        )
    if nation in _approved(conn, product.id, digest):
        raise Conflict(f"{nation} has already approved this version", field="approval")
    # What was true when the product was drafted may have changed since: a contribution
    # narrowed, raised or recalled, or an agreement lowered. The product's label and
    # target never change, so it cannot follow: its drafter edits it (a new version,
    # approved afresh), and until then no nation approves what some may not read.
    unfit = approvers.unfit_contributions(conn, store, product.object.get("object_refs", []),
                                          product.label)  # fmt: skip
    if unfit:
        raise Conflict(
            f"contribution {unfit[0]} is no longer readable by every approving nation at "
            "the draft's label (narrowed, raised or recalled after drafting): the product "
            "must be edited to drop or replace it, then its new version approved",
            field="contributions",
        )
    target = parse(store.policy, str(ext["target_label"]), originator=product.origin)
    approvers.check_agreements(
        conn, store.policy, store.node.nation, ext["nations"], target, "target_label"
    )


def _record(conn: Connection, made: StoredObject, actor: str) -> None:
    body = made.object
    conn.execute(
        insert(intel_approvals).values(
            object_pk=select(objects.c.pk).where(objects.c.stix_id == made.id).scalar_subquery(),
            product=body["product_ref"],
            digest=body["product_digest"],
            nation=body["nation"],
            officer=body["officer"],
            # When the officer approved, as the approval says: the same on both nodes
            # (each node's arrival time differed, walk 44).
            approved_at=clock.format_ts(clock.parse_ts(str(body["created"]))),
        )
    )
    audit.append(
        conn,
        actor=actor,
        action="joint.approve",
        target=body["product_ref"],
        detail={
            "approval": made.id,
            "nation": body["nation"],
            "officer": body["officer"],
            "digest": body["product_digest"],
        },
    )


def _release_if_complete(store: Store, conn: Connection, product: StoredObject) -> None:
    """On the product's own node: release the approved version once every approving
    nation's approval of it is recorded."""
    ext = _ext(product)
    digest = model.digest(store.policy, product.body, product.label)
    if product.origin != store.node.nation or not set(ext["nations"]) <= _approved(
        conn, product.id, digest
    ):
        return
    system = Principal.system(nation=store.node.nation, policy=store.policy)
    released = {**ext, "state": "released", "approved_digest": digest}
    extensions = {**product.object["extensions"], JOINT_PRODUCT: released}
    target = parse(store.policy, ext["target_label"], originator=product.origin)
    store.release_in(
        conn, system, product.id, target, changes={"extensions": extensions}, owner=OWNER
    )
    audit.append(
        conn,
        actor=system.name,
        action="joint.release",
        target=product.id,
        detail={"version": product.version, "digest": digest, "to": ext["target_label"]},
    )


def _refused(
    store: Store, principal: Principal, stix_id: str, exc: StoreError, action: str
) -> None:
    # A Refused is audited by the store's transaction; the other refusals here.
    if isinstance(exc, Refused):
        return
    with store.db.write() as conn:
        audit.append(
            conn,
            actor=principal.name,
            action="refused",
            target=stix_id,
            detail={"action": action, "reason": str(exc), "status": exc.status},
        )


def approve(store: Store, principal: Principal, stix_id: str, digest: str) -> JointState:
    """`principal` approves the version of the product whose digest is `digest` (the
    one they read). On the product's own node the last approval releases it."""
    try:
        with store.transaction(principal) as conn:
            if not principal.can(Permission.OBJECT_RELEASE) or principal.kind != "user":
                raise Refused(
                    "only a releasing officer approves a joint product",
                    action="intel:joint:approve",
                    target=stix_id,
                )
            product = _product(conn, store, principal, stix_id)
            nation = principal.nation
            if nation in _ext(product)["nations"] and nation != store.node.nation:
                raise Refused(
                    f"{nation}'s officers approve on the {nation} node: an approval is an "
                    "object of their nation, which only that node makes",
                    action="intel:joint:approve",
                    target=stix_id,
                )
            _judge(store, conn, product, nation, digest)
            # Written by the node for its officer (who may release, not write): the
            # officer is named in the approval and in the audit entry.
            system = Principal.system(nation=store.node.nation, policy=store.policy)
            approval = model.approval(
                product=stix_id,
                product_digest=digest,
                product_modified=product.modified,
                nation=principal.nation,
                officer=principal.name,
            )
            made = store.answer_in(conn, system, approval, answers=stix_id, owner=OWNER)
            _record(conn, made, principal.name)
            _release_if_complete(store, conn, product)
    except StoreError as exc:
        _refused(store, principal, stix_id, exc, "intel:joint:approve")
        raise
    return joint_state(store, principal, stix_id)


def _check_drafter(store: Store, principal: Principal, stix_id: str) -> None:
    # An edit voids every approval given: only the drafter, who answers for the
    # product, may do that to the officers' work (walk 50: any author could).
    first = store.history(principal, stix_id)[0]
    if first.version == 1 and first.author == principal.name:
        return
    with store.transaction(principal):
        raise Refused(
            f"only the drafter of a joint product edits it ({first.author} drafted this one); "
            "an edit voids the approvals given",
            field="author",
            action="intel:joint:revise",
            target=stix_id,
        )


def revise(store: Store, principal: Principal, stix_id: str, fields: dict[str, Any]) -> JointState:
    """A new draft version: its name, description or contributions. Its approving
    nations and target label stay those it was drafted with."""
    try:
        unknown = sorted(set(fields) - set(EDITABLE))
        if unknown:
            raise Invalid(
                f"{unknown[0]}: an edit changes only {', '.join(EDITABLE)}; the approving "
                "nations and the target label are fixed when the product is drafted",
                field=unknown[0],
            )
        check_types("joint-products", fields)
        product = store.get(principal, stix_id)
        if _ext(product)["state"] != "draft":
            raise Conflict(f"{stix_id} is released; it has no further versions", field="state")
        _check_drafter(store, principal, stix_id)
        body = dict(product.object)
        for key in ("name", "description"):
            if key in fields:
                body[key] = str(fields[key] or "").strip()
                if not body[key]:
                    body.pop(key)
        if "contributions" in fields:
            refs = [str(r) for r in fields["contributions"] or []]
            found = check_refs(store, principal, refs, "contributions")
            if not found:
                raise Invalid("a joint product gathers at least one contribution",
                              field="contributions")  # fmt: skip
            outside = sorted({c.origin for c in found} - set(_ext(product)["nations"]))
            if outside:
                raise Invalid(
                    f"contributions of {', '.join(outside)}, which does not approve this "
                    "product, need a product drafted for it",
                    field="contributions",
                )
            approvers.check_contributions(store.policy, found, product.label)
            body["object_refs"] = refs
        body.pop("modified", None)
        store.revise(principal, stix_id, body, owner=OWNER)
    except StoreError as exc:
        _refused(store, principal, stix_id, exc, "intel:joint:revise")
        raise
    return joint_state(store, principal, stix_id)


def arrived(node: Node, conn: Connection, made: StoredObject) -> None:
    """An approval from a peer: on the product's node, judged against the current
    version (a bad one raises, and only it is refused) and recorded, releasing the
    product when it completes; elsewhere recorded for the product's page."""
    if made.type != model.APPROVAL_TYPE:
        return
    store, body = node.store, made.object
    try:
        product = _product(conn, store, node.system, str(body["product_ref"]))
    except NotFound:
        return  # a product this node does not hold: nothing to show it on
    if product.origin != node.nation:
        # Not this node's to judge (the product's node does): shown if it could count.
        nation, digest = str(body["nation"]), str(body["product_digest"])
        if nation in _ext(product)["nations"] and nation not in _approved(conn, product.id, digest):
            _record(conn, made, f"node:{made.origin}")
        return
    _judge(store, conn, product, made.origin, str(body["product_digest"]))
    if made.label != product.label:
        raise Invalid("an approval carries exactly its product's label", field="label")
    _record(conn, made, f"node:{made.origin}")
    _release_if_complete(store, conn, product)
