"""Requests for information: a question to a body, on an item or standalone, answered
in a thread; while an RFI on an item waits for its answer, the item's clock stops.

An RFI is an object of the asking nation, written on its node (the single writer of
its state); each message of its thread is an object of the nation that wrote it, at
the RFI's label, like an answer to an item. On an item the RFI carries exactly the
item's label (no release decision is taken); a standalone RFI is labelled by its
author. The RFI's node marks it answered when an answering reply is recorded there,
written there or arrived; the asker then closes it, or reopens it when the answer
falls short.

The item's node stops and restarts the item's clock (`clock`): its pending deadline
step is paused while any RFI on the item is open with no answering reply, and on
restart keeps the time it had left. Each stop and restart writes a version of the item
stating it (`clock_stopped_by`, and no `due` while stopped), so both nodes show it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, exists, insert, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import OWNER, receipts
from kizuna.domains.coordination.escalation import epoch
from kizuna.domains.coordination.inputs import ReplyCreate, RfiCreate
from kizuna.domains.coordination.model import OPEN_STATES, REPLY_TYPE, RFI_TYPE, Action, RfiState
from kizuna.domains.coordination.notify import Notice
from kizuna.domains.coordination.rules import same_label, staff_label, staff_writer
from kizuna.domains.coordination.schema import coord_rfi_replies, coord_rfis, coord_steps
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.store import StoredObject
from kizuna.store.access import current, visible

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["ASKER_EVENTS", "after_reply", "ask", "keep_clock", "mirror", "move", "reply"]

# What the asker may do to an RFI: close it once answered, withdraw it while open,
# or reopen it when the answer falls short.
ASKER_EVENTS = {
    "close": (RfiState.ANSWERED, RfiState.CLOSED),
    "withdraw": (RfiState.OPEN, RfiState.WITHDRAWN),
    "reopen": (RfiState.ANSWERED, RfiState.OPEN),
}


def _pk(conn: Connection, stix_id: str) -> int:
    return int(conn.execute(select(objects.c.pk).where(objects.c.stix_id == stix_id)).scalar_one())


def _on_this_node(c: Coordination, principal: Principal, target: str | None) -> None:
    """An RFI and its thread are written by the nation's own officers, on its node."""
    if principal.kind != "system" and principal.nation != c.node.nation:
        raise Refused(
            f"{principal.name} writes the RFIs of {principal.nation} on its own node",
            action=str(Action.RFI_WRITE),
            target=target,
        )


def ask(c: Coordination, principal: Principal, data: RfiCreate) -> StoredObject:
    """Ask a body a question; on an item, the item's clock stops until it is answered."""
    s = c.structure
    with c.store.transaction(principal) as conn:
        _on_this_node(c, principal, data.coordination_item)
        # The caller's role first (403), before anything of what was typed.
        staff_writer(principal, c.node.nation, kind="RFI", item=data.coordination_item)
        asking = c._body(data.asking_body, "asking_body")
        addressed = c._body(data.addressed_body, "addressed_body")
        if not asking.bilateral and asking.nation != c.node.nation:
            raise Invalid(
                f"'{asking.id}' is a body of {asking.nation}; an RFI on this node is asked "
                f"by a body of {c.node.nation} or a bilateral one",
                field="asking_body",
            )
        if addressed.id == asking.id:
            raise Invalid("an RFI is addressed to another body", field="addressed_body")
        c._member(principal, asking.id, "ask for it", data.coordination_item, Action.RFI_WRITE)
        body: dict[str, Any] = {
            "type": RFI_TYPE,
            "name": data.title_en,
            "name_ja": data.title_ja,
            "asking_body": asking.id,
            "addressed_body": addressed.id,
            "precedence": data.precedence,
            "state": RfiState.OPEN.value,
        }
        if data.question_en:
            body["question"] = data.question_en
        if data.question_ja:
            body["question_ja"] = data.question_ja
        if data.coordination_item:
            # The item must be one the asker may read; missing and hidden answer alike.
            row = c.item_row(conn, principal, data.coordination_item, named="coordination_item")
            body["coordination_item"] = data.coordination_item
            made = c.store.answer_in(
                conn, principal, body, answers=data.coordination_item, owner=OWNER
            )
            # Refused in the write's transaction: nothing of it stays.
            same_label(c.node.policy, c.node.nation, data.label, made.label, "an RFI")
            item_pk = row.object_pk
        else:
            # Read, and within the author's clearance (403), before its own rule (422).
            label = staff_label(c.node.policy, principal, c.node.nation, kind="RFI",
                                typed=data.label)  # fmt: skip
            wanted = set(s.nations) if addressed.bilateral else {addressed.nation}
            missing = sorted(wanted - label.rel_to - {c.node.nation})
            if missing:
                raise Invalid(
                    f"the RFI must be releasable to {', '.join(missing)}, whose body it asks",
                    field="label",
                )
            made = c.store.create_in(conn, principal, body, label, owner=OWNER)
            item_pk = None
        mirror(c, conn, made)
        receipts.receive(c, conn, made.id, addressed.id)
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.rfi",
            target=made.id,
            detail={"to": addressed.id, "item": data.coordination_item},
        )
        if item_pk is not None:
            keep_clock(c, conn, item_pk)
            # A notice names the item, so that only its readers see it.
            c.notify(conn, [Notice(addressed.id, "rfi", item_pk, {"rfi": made.id})])
        return made


def _rfi_body(c: Coordination, conn: Connection, principal: Principal, rfi_id: str) -> Any:
    row = conn.execute(
        select(versions.c.body, objects.c.origin, objects.c.pk)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(
            objects.c.stix_id == rfi_id,
            objects.c.type == RFI_TYPE,
            visible(principal, c.store.bits),
        )
    ).first()
    if row is None:
        raise NotFound(f"no RFI {rfi_id}", field="id")
    return row


def reply(c: Coordination, principal: Principal, rfi_id: str, data: ReplyCreate) -> StoredObject:
    """A message in an RFI's thread, for one of the replier's bodies; `answers` only
    from the addressed body."""
    if not (data.text_en or data.text_ja):
        raise Invalid("a reply says something, in Japanese or English", field="text_en")
    with c.store.transaction(principal) as conn:
        found = _rfi_body(c, conn, principal, rfi_id)
        _on_this_node(c, principal, rfi_id)
        if not principal.can(Permission.OBJECT_ANSWER):
            raise Refused(
                f"{principal.name} may not reply to RFIs",
                action=str(Action.RFI_WRITE),
                target=rfi_id,
            )
        rfi = json.loads(found.body)
        if rfi["state"] in (RfiState.CLOSED, RfiState.WITHDRAWN):
            raise Conflict(f"the RFI is {rfi['state']}: its thread is over", field="id")
        body_of = c._body(data.body, "body")
        if not body_of.bilateral and body_of.nation != principal.nation:
            raise Invalid(
                f"'{body_of.id}' is a body of {body_of.nation}, not of {principal.nation}",
                field="body",
            )
        c._member(principal, body_of.id, "reply for it", rfi_id, Action.RFI_WRITE)
        if data.answers and body_of.id != rfi["addressed_body"]:
            raise Invalid(
                f"only {rfi['addressed_body']}, whom the RFI asks, answers it; "
                "others reply without answering",
                field="answers",
            )
        message: dict[str, Any] = {
            "type": REPLY_TYPE,
            "rfi": rfi_id,
            "nation": principal.nation,
            "body": body_of.id,
            "answers": data.answers,
        }
        if data.text_en:
            message["text"] = data.text_en
        if data.text_ja:
            message["text_ja"] = data.text_ja
        made = c.store.answer_in(conn, principal, message, answers=rfi_id, owner=OWNER)
        after_reply(c, conn, made)
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.rfi.reply",
            target=rfi_id,
            detail={"reply": made.id, "answers": data.answers},
        )
        return made


def move(c: Coordination, principal: Principal, rfi_id: str, event: str) -> StoredObject:
    """Close, withdraw or reopen an RFI, as a member of its asking body, on its node."""
    if event not in ASKER_EVENTS:
        raise Invalid(
            f"'{event}' is not a step of an RFI; ask for one of: {', '.join(ASKER_EVENTS)}",
            field="event",
        )
    with c.store.transaction(principal) as conn:
        found = _rfi_body(c, conn, principal, rfi_id)
        if found.origin != c.node.nation:
            raise Refused(
                f"an RFI of {found.origin} is moved on its own node",
                action=str(Action.RFI_WRITE),
                target=rfi_id,
            )
        rfi = json.loads(found.body)
        c._author(principal, rfi_id)
        c._member(principal, rfi["asking_body"], f"{event} this RFI", rfi_id, Action.RFI_WRITE)
        before, after = ASKER_EVENTS[event]
        if rfi["state"] != before:
            raise Conflict(f"an RFI that is {rfi['state']} cannot {event}", field="event")
        made = _write_state(c, conn, principal, rfi, after, answered_by=None)
        audit.append(
            conn,
            actor=principal.name,
            action=f"coordination.rfi.{event}",
            target=rfi_id,
            detail={"from": before.value, "to": after.value},
        )
        return made


def _write_state(
    c: Coordination,
    conn: Connection,
    actor: Principal,
    rfi: dict[str, Any],
    state: RfiState,
    *,
    answered_by: str | None,
) -> StoredObject:
    body = dict(rfi)
    body["state"] = state.value
    if answered_by is not None:
        body["answered_by"] = answered_by
    elif state == RfiState.OPEN:
        body.pop("answered_by", None)
    body.pop("modified", None)
    made = c.store.revise_in(conn, actor, str(rfi["id"]), body, owner=OWNER)
    mirror(c, conn, made)
    if body.get("coordination_item"):
        item_pk = conn.execute(
            select(objects.c.pk).where(objects.c.stix_id == body["coordination_item"])
        ).scalar_one_or_none()
        if item_pk is not None:
            keep_clock(c, conn, item_pk)
    return made


def mirror(c: Coordination, conn: Connection, made: StoredObject) -> None:
    """Keep the row of an RFI's current version (written here or arrived)."""
    body = made.object
    pk = _pk(conn, made.id)
    item_id = body.get("coordination_item")
    item_pk = None
    if item_id:
        item_pk = conn.execute(
            select(objects.c.pk).where(objects.c.stix_id == item_id)
        ).scalar_one_or_none()
    values = {
        "item_pk": item_pk,
        "asking_body": body["asking_body"],
        "addressed_body": body["addressed_body"],
        "state": body["state"],
        "precedence": body["precedence"],
        "updated_at": clock.now_ts(),
    }
    known = conn.execute(select(coord_rfis.c.object_pk).where(coord_rfis.c.object_pk == pk)).first()
    if known is None:
        created = clock.parse_ts(str(body.get("created") or clock.now_ts()))
        conn.execute(insert(coord_rfis).values(object_pk=pk, opened_at=epoch(created), **values))
    else:
        conn.execute(update(coord_rfis).where(coord_rfis.c.object_pk == pk).values(**values))


def after_reply(c: Coordination, conn: Connection, made: StoredObject) -> None:
    """Record a reply (written here or arrived). On the RFI's node, an answering reply
    to an open RFI marks it answered; on the item's node, the item's clock follows."""
    body = made.object
    rfi_pk = conn.execute(
        select(objects.c.pk, objects.c.origin).where(objects.c.stix_id == body["rfi"])
    ).first()
    if rfi_pk is None:
        return  # a reply to an RFI this node does not hold: kept, nothing to move
    seen = conn.execute(
        select(coord_rfi_replies.c.object_pk).where(
            coord_rfi_replies.c.object_pk == _pk(conn, made.id)
        )
    ).first()
    if seen is not None:
        return
    conn.execute(
        insert(coord_rfi_replies).values(
            object_pk=_pk(conn, made.id),
            rfi_pk=rfi_pk.pk,
            nation=body["nation"],
            body=body["body"],
            answers=1 if body.get("answers") else 0,
            recorded_at=made.recorded_at,
        )
    )
    row = conn.execute(select(coord_rfis).where(coord_rfis.c.object_pk == rfi_pk.pk)).first()
    if row is None:
        return
    if body.get("answers") and rfi_pk.origin == c.node.nation and row.state == RfiState.OPEN:
        current_body = conn.execute(
            select(versions.c.body)
            .select_from(access.join(versions, versions.c.pk == access.c.version_pk))
            .where(access.c.object_pk == rfi_pk.pk, current())
            .limit(1)
        ).scalar_one()
        _write_state(
            c,
            conn,
            c.node.system,
            json.loads(current_body),
            RfiState.ANSWERED,
            answered_by=made.id,
        )
        c.notify(
            conn,
            [Notice(row.asking_body, "rfi", row.item_pk, {"rfi": body["rfi"], "answered": True})]
            if row.item_pk is not None
            else [],
        )
    elif row.item_pk is not None:
        keep_clock(c, conn, row.item_pk)


def waiting(conn: Connection, item_pk: int) -> list[str]:
    """The RFIs on an item still waiting for their answer: open, and no answering reply
    recorded on this node."""
    answered = exists().where(
        coord_rfi_replies.c.rfi_pk == coord_rfis.c.object_pk, coord_rfi_replies.c.answers == 1
    )
    return list(
        conn.execute(
            select(objects.c.stix_id)
            .select_from(coord_rfis.join(objects, objects.c.pk == coord_rfis.c.object_pk))
            .where(
                coord_rfis.c.item_pk == item_pk,
                coord_rfis.c.state == RfiState.OPEN.value,
                ~answered,
            )
            .order_by(objects.c.stix_id)
        ).scalars()
    )


def keep_clock(c: Coordination, conn: Connection, item_pk: int) -> None:
    """Stop or restart the item's clock by the RFIs that wait on it, where this node
    keeps the item's deadlines (its own items); write a version that states it."""
    step = conn.execute(
        select(coord_steps).where(
            coord_steps.c.item_pk == item_pk, coord_steps.c.status.in_(("pending", "paused"))
        )
    ).first()
    if step is None:
        return
    row = c.row_by_pk(conn, item_pk, lock=True)
    stoppers = waiting(conn, item_pk)
    now = epoch()
    if stoppers and step.status == "pending":
        conn.execute(
            update(coord_steps)
            .where(coord_steps.c.pk == step.pk)
            .values(status="paused", paused_at=now)
        )
        detail: dict[str, Any] = {"clock": "stopped", "rfis": stoppers}
    elif not stoppers and step.status == "paused":
        stopped_for = max(0, now - int(step.paused_at))
        if row.state in OPEN_STATES:
            conn.execute(
                update(coord_steps)
                .where(coord_steps.c.pk == step.pk)
                .values(
                    status="pending",
                    paused_at=None,
                    base_at=step.base_at + stopped_for,
                    due_at=step.due_at + stopped_for,
                )
            )
        else:
            conn.execute(
                update(coord_steps)
                .where(coord_steps.c.pk == step.pk)
                .values(status="cancelled", fired_at=clock.now_ts())
            )
        detail = {"clock": "restarted", "stopped_for": stopped_for}
    else:
        current_body = c._current_body(conn, row.stix_id)
        if sorted(current_body.get("clock_stopped_by", [])) == stoppers:
            return
        detail = {"clock": "stopped", "rfis": stoppers}
    if row.state in OPEN_STATES:
        c.move(
            conn,
            c.node.system,
            row,
            "record",
            changes={"clock_stopped_by": stoppers},
            detail=detail,
        )
