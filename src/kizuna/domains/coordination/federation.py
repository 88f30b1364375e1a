"""Coordination across national nodes.

An item travels to its counterpart nation's node like any object. There it gets a
scheduling row mirrored from the item's own version, so that the board shows it and
its officers can answer it; the node that owns the item keeps the deadlines and the
escalation. An answer written on the partner's node travels back; when it arrives at
the item's node, that node records it and moves the item on, exactly as if the answer
had been written there. Called by the federation's receiver for every version it
stores, in the transaction that stores it, after the store's owner rules (owner.py)
passed it: the mirror copies only fields those rules judged, and checks them again
itself, raising on anything invalid (the receiver quarantines that object).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from kizuna import clock
from kizuna.db.schema import objects
from kizuna.domains.coordination import determinations, receipts, rfis, taskers
from kizuna.domains.coordination.model import (
    DETERMINATION_TYPE,
    ITEM_TYPE,
    RECEIPT_TYPE,
    REPLY_TYPE,
    RESPONSE_TYPE,
    RFI_TYPE,
    TASK_STATUS_TYPE,
    TASKER_TYPE,
)
from kizuna.domains.coordination.owner import check_item_body
from kizuna.domains.coordination.schema import coord_items, coord_responses, coord_rfis
from kizuna.domains.coordination.service import coordination, epoch
from kizuna.domains.coordination.staff_owner import check_rfi_body
from kizuna.domains.coordination.watch_model import ENTRY_TYPE, HANDOVER_TYPE
from kizuna.errors import Invalid
from kizuna.runtime import Node
from kizuna.store import StoredObject

__all__ = ["arrived"]


def arrived(node: Node, conn: Connection, made: StoredObject) -> None:
    if made.type == ITEM_TYPE:
        _mirror(node, conn, made)
    elif made.type == RESPONSE_TYPE:
        _answered(node, conn, made)
    elif made.type == DETERMINATION_TYPE:
        # The partner's determination needs no concurrence: kept as it came, and the
        # items this node escalates in its regions follow it.
        mechanism = coordination(node)
        determinations.mirror(mechanism, conn, made)
        mechanism.follow_determinations(conn, list(made.object["regions"]))
    elif made.type in (ENTRY_TYPE, HANDOVER_TYPE):
        # A partner's watch-log entry or handover: its mirror row, for the logs and lists.
        from kizuna.domains.coordination.handover import mirror_handover
        from kizuna.domains.coordination.watch import mirror_entry

        mirror = mirror_entry if made.type == ENTRY_TYPE else mirror_handover
        mirror(coordination(node), conn, made)
    elif made.type == RFI_TYPE:
        # The partner's RFI on one of this node's items stops the item's clock here,
        # where its deadlines are kept; its answered or closed version restarts it.
        mechanism = coordination(node)
        check_rfi_body(mechanism.structure, made.object, made.origin)
        rfis.mirror(mechanism, conn, made)
        row = conn.execute(
            select(coord_rfis.c.item_pk).where(
                coord_rfis.c.object_pk
                == select(objects.c.pk).where(objects.c.stix_id == made.id).scalar_subquery()
            )
        ).first()
        if row is not None and row.item_pk is not None:
            rfis.keep_clock(mechanism, conn, row.item_pk)
        receipts.receive(mechanism, conn, made.id, str(made.object["addressed_body"]))
    elif made.type == REPLY_TYPE:
        rfis.after_reply(coordination(node), conn, made)
    elif made.type == RECEIPT_TYPE:
        receipts.mirror(coordination(node), conn, made)
    elif made.type == TASKER_TYPE:
        mechanism = coordination(node)
        taskers.mirror(mechanism, conn, made)
        for office in [made.object["opr"], *made.object.get("ocrs", [])]:
            receipts.receive(mechanism, conn, made.id, str(office))
    elif made.type == TASK_STATUS_TYPE:
        taskers.after_status(coordination(node), conn, made)


def _stated_due(body: dict[str, Any]) -> int | None:
    """The deadline the item's node stated (its `due`), kept to be shown here; the
    owner rules judged the body, so a malformed value is refused, not dropped."""
    due = body.get("due")
    if due is None:
        return None
    try:
        return epoch(clock.parse_ts(str(due)))
    except ValueError as exc:
        raise Invalid(f"the item's due is not a timestamp: {due!r}", field="due") from exc


def _mirror(node: Node, conn: Connection, made: StoredObject) -> None:
    body = made.object
    mechanism = coordination(node)
    check_item_body(mechanism.structure, body, made.origin)
    pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    values = {
        "state": body["state"],
        "tier": body["tier"],
        "region": body["region"],
        "requesting_body": body["requesting_body"],
        "counterpart_body": body["counterpart_body"],
        "escalated_to": body.get("escalated_to"),
        "needs": ",".join(sorted(body.get("needs", []))),
        "sets_phase": body.get("sets_phase"),
        "precedence": body.get("precedence") or "ROUTINE",
        "stated_due": _stated_due(body),
        "updated_at": clock.now_ts(),
    }
    known = conn.execute(
        select(coord_items.c.object_pk).where(coord_items.c.object_pk == pk)
    ).first()
    if known is None:
        conn.execute(insert(coord_items).values(object_pk=pk, **values))
    else:
        conn.execute(update(coord_items).where(coord_items.c.object_pk == pk).values(**values))
    mechanism.mark(conn, pk, body)
    if body["state"] != "draft":
        # The counterpart's nation has it: its receipt, written once.
        receipts.receive(mechanism, conn, made.id, str(body["counterpart_body"]))


def _answered(node: Node, conn: Connection, made: StoredObject) -> None:
    body = made.object
    item_id = str(body.get("coordination_item", ""))
    mechanism = coordination(node)
    row = conn.execute(
        select(coord_items, objects.c.stix_id, objects.c.origin)
        .select_from(objects.join(coord_items, coord_items.c.object_pk == objects.c.pk))
        .where(objects.c.stix_id == item_id)
        .with_for_update(of=coord_items)
    ).first()
    if row is None:
        return  # an answer to an item this node does not hold: kept, nothing to move
    seen = conn.execute(
        select(coord_responses.c.object_pk)
        .join(objects, objects.c.pk == coord_responses.c.object_pk)
        .where(objects.c.stix_id == made.id)
    ).first()
    if seen is not None:
        return
    # Whether it counts is the item's node's judgement (`after_answer`), the same
    # for an answer written there and one that arrives.
    mechanism.after_answer(conn, row, made)
