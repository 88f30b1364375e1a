"""Incidents across national nodes.

An event travels to the partner's node like any object it is releasable to. There it
gets its row, and the node routes it to the addressees of its own nation by the same
rules (each revision once: the notice key de-duplicates a replayed version). An
acknowledgement written there travels back; when it arrives at the event's node, the
notices it covers are marked, so that the event's node shows who knew what, and when.
A recall that takes an event from this node's readers withdraws what was still to go
out for it (withdrawal.py).
Called by the federation's receiver for every version it stores, in the transaction
that stores it.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from kizuna.db.schema import objects
from kizuna.domains.incidents.model import ACK_TYPE, EVENT_TYPE, EventStatus
from kizuna.domains.incidents.service import incidents
from kizuna.domains.incidents.withdrawal import withdraw
from kizuna.runtime import Node
from kizuna.stix.types import RECALL
from kizuna.store import StoredObject

__all__ = ["arrived"]


def arrived(node: Node, conn: Connection, made: StoredObject) -> None:
    if made.type == EVENT_TYPE:
        _event(node, conn, made)
    elif made.type == ACK_TYPE:
        _ack(node, conn, made)
    elif made.type == RECALL:
        _recall(node, conn, made)


def _event(node: Node, conn: Connection, made: StoredObject) -> None:
    mechanism = incidents(node)
    body = made.object
    pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    mechanism.mirror(conn, pk, body)
    if body["status"] == EventStatus.CANCELLED:
        msg_type = "Cancel"
    else:
        msg_type = "Alert" if int(body["revision"]) == 1 else "Update"
    mechanism.route_in(conn, pk, body, msg_type)


def _recall(node: Node, conn: Connection, made: StoredObject) -> None:
    """A recall, applied just before (federation/recall.py): an event it took from this
    node's readers gets no more mail, reminder or escalation here (withdrawal.py)."""
    target = str(made.object.get("object_ref", ""))
    event = conn.execute(
        select(objects.c.pk).where(objects.c.stix_id == target, objects.c.type == EVENT_TYPE)
    ).first()
    if event is None:
        return  # not an event, or never received here
    withdraw(
        conn,
        event.pk,
        target,
        node.system,
        node.store.bits,
        actor=f"node:{made.origin}",
        reason="recalled",
    )


def _ack(node: Node, conn: Connection, made: StoredObject) -> None:
    if made.object.get("nation") != made.origin:
        return
    event = conn.execute(
        select(objects.c.pk).where(objects.c.stix_id == str(made.object.get("incident", "")))
    ).first()
    if event is None:
        return  # an acknowledgement of an event this node does not hold: kept as is
    incidents(node).record_ack(conn, event.pk, made)
