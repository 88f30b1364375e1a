"""Receipts: for each addressee of an item or an RFI, when it reached the addressee's
node and when a member of the addressee body acknowledged it.

A receipt is an object of the addressee's nation, written by its node when the object
first reaches it (arrived from the partner, or written on the node itself for a
bilateral addressee, where each nation's node receives it for its own members), at the
label of what it acknowledges, like an answer. Acknowledging writes its next version.
Receipts travel to the sender's node like any object, so both nodes show when each
addressee received and acknowledged what was sent.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, insert, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import OWNER
from kizuna.domains.coordination.model import RECEIPT_TYPE, Action
from kizuna.domains.coordination.rules import body_of
from kizuna.domains.coordination.schema import coord_receipts
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal, roles_needed
from kizuna.store import StoredObject
from kizuna.store.access import current, visible
from kizuna.store.objects import COLUMNS, stored_from_row

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["acknowledge", "addressed_here", "mirror", "receipts_of", "receive"]


def addressed_here(c: Coordination, body_id: str) -> bool:
    """Whether this node receives for `body_id`: a body of its nation, or a bilateral
    body (each nation's node receives for its own members)."""
    body = c.structure.bodies.get(body_id)
    return body is not None and (body.bilateral or body.nation == c.node.nation)


def receive(c: Coordination, conn: Connection, of: str, body_id: str) -> StoredObject | None:
    """This node's receipt of `of` for `body_id`, written once, as the node itself."""
    if not addressed_here(c, body_id):
        return None
    of_pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == of)).scalar_one()
    known = conn.execute(
        select(coord_receipts.c.object_pk).where(
            coord_receipts.c.of_pk == of_pk,
            coord_receipts.c.body == body_id,
            coord_receipts.c.nation == c.node.nation,
        )
    ).first()
    if known is not None:
        return None
    receipt = {
        "type": RECEIPT_TYPE,
        "of": of,
        "body": body_id,
        "nation": c.node.nation,
        "received": clock.now_ts(),
    }
    made = c.store.answer_in(conn, c.node.system, receipt, answers=of, owner=OWNER)
    mirror(c, conn, made)
    return made


def mirror(c: Coordination, conn: Connection, made: StoredObject) -> None:
    """Keep the row of a receipt's current version (written here or arrived)."""
    body = made.object
    of_pk = conn.execute(
        select(objects.c.pk).where(objects.c.stix_id == body["of"])
    ).scalar_one_or_none()
    if of_pk is None:
        return  # a receipt of an object this node does not hold: kept, not shown
    pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    values = {
        "of_pk": of_pk,
        "body": body["body"],
        "nation": body["nation"],
        "received_at": str(body["received"]),
        "acknowledged_at": body.get("acknowledged"),
        "acknowledged_by": body.get("acknowledged_by"),
    }
    known = conn.execute(
        select(coord_receipts.c.object_pk).where(coord_receipts.c.object_pk == pk)
    ).first()
    if known is None:
        conn.execute(insert(coord_receipts).values(object_pk=pk, **values))
    else:
        conn.execute(
            update(coord_receipts).where(coord_receipts.c.object_pk == pk).values(**values)
        )


def acknowledge(c: Coordination, principal: Principal, of: str, body_id: str) -> StoredObject:
    """A member of the addressee body acknowledges, on its nation's node.

    Refuses, in this order: an object the principal may not read (`NotFound`, the same
    as a missing one); a body the structure does not know (`Invalid`, field `body`);
    one who is not a member of the body, a partner's member (who acknowledges on their
    own nation's node) and one whose role does not answer (`Refused`, field `body`);
    a body the object did not reach here (`Invalid`, field `body`)."""
    with c.store.transaction(principal) as conn:
        seen = conn.execute(
            select(objects.c.pk)
            .select_from(objects.join(access, and_(access.c.object_pk == objects.c.pk, current())))
            .where(objects.c.stix_id == of, visible(principal, c.store.bits))
        ).first()
        if seen is None:
            raise NotFound(f"no object {of}", field="id")
        body_of(c.structure, body_id, "body")
        if principal.kind != "system" and body_id not in principal.bodies:
            raise Refused(
                f"{principal.name} is not a member of {body_id}: only its members "
                "acknowledge what reached it",
                field="body",
                action=str(Action.RECEIPT_WRITE),
                target=of,
            )
        if principal.kind != "system" and principal.nation != c.node.nation:
            raise Refused(
                f"a member of {body_id} acknowledges on its own nation's node",
                field="body",
                action=str(Action.RECEIPT_WRITE),
                target=of,
            )
        if principal.kind != "system" and not principal.can(Permission.OBJECT_ANSWER):
            # A reader of the body reads what reached it; acknowledging signs for the body.
            raise Refused(
                f"{principal.name} may not acknowledge for {body_id}: "
                f"it needs {roles_needed(Permission.OBJECT_ANSWER)}",
                field="body",
                action=str(Action.RECEIPT_WRITE),
                target=of,
            )
        # The receipt carries the label of what it acknowledges: visible with it.
        found = conn.execute(
            select(versions.c.body, objects.c.stix_id)
            .select_from(
                coord_receipts.join(objects, objects.c.pk == coord_receipts.c.object_pk)
                .join(access, and_(access.c.object_pk == objects.c.pk, current()))
                .join(versions, versions.c.pk == access.c.version_pk)
            )
            .where(
                coord_receipts.c.of_pk == seen.pk,
                coord_receipts.c.body == body_id,
                coord_receipts.c.nation == principal.nation,
                visible(principal, c.store.bits),
            )
        ).first()
        if found is None:
            raise Invalid(
                f"{of} did not reach {body_id} on this node: there is no receipt to acknowledge",
                field="body",
            )
        receipt: dict[str, Any] = json.loads(found.body)
        if receipt.get("acknowledged"):
            raise Conflict(f"acknowledged by {receipt.get('acknowledged_by')} already", field="id")
        receipt["acknowledged"] = clock.now_ts()
        receipt["acknowledged_by"] = principal.name
        receipt.pop("modified", None)
        made = c.store.revise_in(conn, c.node.system, found.stix_id, receipt, owner=OWNER)
        mirror(c, conn, made)
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.receipt.acknowledge",
            target=of,
            detail={"body": body_id, "receipt": made.id},
        )
        return made


def receipts_of(c: Coordination, principal: Principal, of: str) -> list[StoredObject]:
    """The receipts of `of` the principal may read, by body and nation."""
    with c.node.db.read() as conn:
        rows = conn.execute(
            select(*COLUMNS)
            .select_from(
                coord_receipts.join(access, access.c.object_pk == coord_receipts.c.object_pk)
                .join(versions, versions.c.pk == access.c.version_pk)
                .join(objects, objects.c.pk == access.c.object_pk)
            )
            .where(
                coord_receipts.c.of_pk
                == select(objects.c.pk).where(objects.c.stix_id == of).scalar_subquery(),
                current(),
                visible(principal, c.store.bits),
                access.c.type == RECEIPT_TYPE,
            )
            .order_by(coord_receipts.c.body, coord_receipts.c.nation)
        ).all()
    return [stored_from_row(r) for r in rows]
