"""Taskers: a task from a body to an office of primary responsibility (OPR), with
offices of coordinating responsibility (OCRs) and a suspense.

A tasker is an object of the issuing nation, written on its node, which keeps its
state: it is complete when the OPR reports it complete, recorded there or arrived.
Each office's status is an object of that office's nation at the tasker's label, like
an answer. A tasker still open at its suspense escalates like an item: it climbs to
the first rung of the escalation path above the issuing body's tier, then one rung a
precedence deadline later, and stops at the top; each step is claimed by moving the
row's `next_at` on in the transaction that writes the escalated version, so a step
fires once, across restarts and scanners.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, insert, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import OWNER, receipts
from kizuna.domains.coordination.escalation import epoch, iso_time
from kizuna.domains.coordination.inputs import TaskerCreate, TaskStatusCreate
from kizuna.domains.coordination.model import (
    TASK_STATUS_TYPE,
    TASKER_TYPE,
    Action,
    OfficeStatus,
    TaskerState,
)
from kizuna.domains.coordination.notify import Notice
from kizuna.domains.coordination.rules import same_label, staff_label, staff_writer
from kizuna.domains.coordination.schema import coord_task_statuses, coord_taskers
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.store import StoredObject
from kizuna.store.access import current, visible

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["Escalated", "after_status", "issue", "mirror", "report", "scan"]


def _pk(conn: Connection, stix_id: str) -> int:
    return int(conn.execute(select(objects.c.pk).where(objects.c.stix_id == stix_id)).scalar_one())


def issue(c: Coordination, principal: Principal, data: TaskerCreate) -> StoredObject:
    """Task an office with a suspense; each addressed office receives it."""
    s = c.structure
    with c.store.transaction(principal) as conn:
        if principal.kind != "system" and principal.nation != c.node.nation:
            raise Refused(
                f"{principal.name} issues the taskers of {principal.nation} on its own node",
                action=str(Action.TASKER_WRITE),
                target=data.coordination_item,
            )
        # The caller's role first (403), before anything of what was typed.
        staff_writer(principal, c.node.nation, kind="tasker", item=data.coordination_item)
        issuing = c._body(data.issuing_body, "issuing_body")
        if not issuing.bilateral and issuing.nation != c.node.nation:
            raise Invalid(
                f"'{issuing.id}' is a body of {issuing.nation}; a tasker on this node is "
                f"issued by a body of {c.node.nation} or a bilateral one",
                field="issuing_body",
            )
        opr = c._body(data.opr, "opr")
        ocrs = list(dict.fromkeys(data.ocrs))
        for office in ocrs:
            c._body(office, "ocrs")
        if opr.id in ocrs or issuing.id == opr.id:
            raise Invalid("the OPR may be neither an OCR nor the issuing body", field="opr")
        c._member(principal, issuing.id, "task for it", data.coordination_item, Action.TASKER_WRITE)
        suspense = data.suspense
        if suspense.tzinfo is None:
            raise Invalid("the suspense needs its time zone (e.g. Z or +09:00)", field="suspense")
        if suspense <= clock.now():
            raise Invalid("the suspense has passed: give one still to come", field="suspense")
        body: dict[str, Any] = {
            "type": TASKER_TYPE,
            "name": data.title_en,
            "name_ja": data.title_ja,
            "issuing_body": issuing.id,
            "opr": opr.id,
            "suspense": clock.format_ts(suspense),
            "precedence": data.precedence,
            "state": TaskerState.OPEN.value,
        }
        if ocrs:
            body["ocrs"] = ocrs
        for key, value in (
            ("instructions", data.instructions_en),
            ("instructions_ja", data.instructions_ja),
        ):
            if value:
                body[key] = value
        wanted = {opr, *(s.bodies[o] for o in ocrs)}
        if data.coordination_item:
            # Named by a field: missing and hidden answer alike, naming the field.
            c.item_row(conn, principal, data.coordination_item, named="coordination_item")
            body["coordination_item"] = data.coordination_item
            made = c.store.answer_in(
                conn, principal, body, answers=data.coordination_item, owner=OWNER
            )
            # Refused in the write's transaction: nothing of it stays.
            same_label(c.node.policy, c.node.nation, data.label, made.label, "a tasker")
        else:
            # Read, and within the author's clearance (403), before its own rule (422).
            label = staff_label(c.node.policy, principal, c.node.nation, kind="tasker",
                                typed=data.label)  # fmt: skip
            nations = {n for b in wanted for n in ((s.nations) if b.bilateral else (b.nation,))}
            missing = sorted(nations - label.rel_to - {c.node.nation})
            if missing:
                raise Invalid(
                    f"the tasker must be releasable to {', '.join(missing)}, whose offices "
                    "it tasks",
                    field="label",
                )
            made = c.store.create_in(conn, principal, body, label, owner=OWNER)
        mirror(c, conn, made)
        for office in [opr.id, *ocrs]:
            receipts.receive(c, conn, made.id, office)
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.tasker",
            target=made.id,
            detail={"opr": opr.id, "ocrs": ocrs, "suspense": body["suspense"]},
        )
        return made


def mirror(c: Coordination, conn: Connection, made: StoredObject) -> None:
    """Keep the row of a tasker's current version (written here or arrived). Only the
    issuing node escalates, so only there does an open tasker have a `next_at`."""
    body = made.object
    pk = _pk(conn, made.id)
    suspense = epoch(clock.parse_ts(str(body["suspense"])))
    open_here = body["state"] == TaskerState.OPEN and made.origin == c.node.nation
    values = {
        "issuing_body": body["issuing_body"],
        "opr": body["opr"],
        "state": body["state"],
        "precedence": body["precedence"],
        "suspense_at": suspense,
        "escalated_to": body.get("escalated_to"),
        "updated_at": clock.now_ts(),
        "item": body.get("coordination_item"),
    }
    known = conn.execute(
        select(coord_taskers.c.object_pk, coord_taskers.c.next_at).where(
            coord_taskers.c.object_pk == pk
        )
    ).first()
    if known is None:
        conn.execute(
            insert(coord_taskers).values(
                object_pk=pk, next_at=suspense if open_here else None, steps=0, **values
            )
        )
    else:
        if not open_here:
            values["next_at"] = None
        conn.execute(update(coord_taskers).where(coord_taskers.c.object_pk == pk).values(**values))


def _current(c: Coordination, conn: Connection, principal: Principal, stix_id: str) -> Any:
    row = conn.execute(
        select(versions.c.body, objects.c.origin, objects.c.pk)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(
            objects.c.stix_id == stix_id,
            objects.c.type == TASKER_TYPE,
            visible(principal, c.store.bits),
        )
    ).first()
    if row is None:
        raise NotFound(f"no tasker {stix_id}", field="id")
    return row


def report(
    c: Coordination, principal: Principal, tasker_id: str, data: TaskStatusCreate
) -> StoredObject:
    """An office's status on a tasker, by a member of that office, on its nation's node."""
    with c.store.transaction(principal) as conn:
        found = _current(c, conn, principal, tasker_id)
        if principal.kind != "system" and principal.nation != c.node.nation:
            raise Refused(
                f"{principal.name} reports for {principal.nation} on its own node",
                action=str(Action.TASKER_WRITE),
                target=tasker_id,
            )
        if not principal.can(Permission.OBJECT_ANSWER):
            raise Refused(
                f"{principal.name} may not report on taskers",
                action=str(Action.TASKER_WRITE),
                target=tasker_id,
            )
        tasker = json.loads(found.body)
        offices = [tasker["opr"], *tasker.get("ocrs", [])]
        if data.office not in offices:
            raise Invalid(
                f"'{data.office}' is not tasked: the offices are {', '.join(offices)}",
                field="office",
            )
        office = c._body(data.office, "office")
        if not office.bilateral and office.nation != principal.nation:
            raise Invalid(
                f"'{office.id}' is a body of {office.nation}, not of {principal.nation}",
                field="office",
            )
        c._member(principal, office.id, "report for it", tasker_id, Action.TASKER_WRITE)
        if tasker["state"] != TaskerState.OPEN:
            raise Conflict(f"the tasker is {tasker['state']}", field="id")
        if data.status == OfficeStatus.CANNOT_MEET and not data.note.strip():
            raise Invalid("say why the suspense cannot be met, in the note", field="note")
        status: dict[str, Any] = {
            "type": TASK_STATUS_TYPE,
            "tasker": tasker_id,
            "nation": principal.nation,
            "office": office.id,
            "status": data.status.value,
        }
        if data.note.strip():
            status["note"] = data.note.strip()
        made = c.store.answer_in(conn, principal, status, answers=tasker_id, owner=OWNER)
        after_status(c, conn, made)
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.tasker.status",
            target=tasker_id,
            detail={"office": office.id, "status": data.status.value},
        )
        return made


def after_status(c: Coordination, conn: Connection, made: StoredObject) -> None:
    """Record an office's status (written here or arrived); on the issuing node, the
    OPR's `complete` completes the tasker."""
    body = made.object
    tasker = conn.execute(
        select(objects.c.pk, objects.c.origin).where(objects.c.stix_id == body["tasker"])
    ).first()
    if tasker is None:
        return
    pk = _pk(conn, made.id)
    if conn.execute(
        select(coord_task_statuses.c.object_pk).where(coord_task_statuses.c.object_pk == pk)
    ).first():
        return
    conn.execute(
        insert(coord_task_statuses).values(
            object_pk=pk,
            tasker_pk=tasker.pk,
            office=body["office"],
            status=body["status"],
            recorded_at=made.recorded_at,
        )
    )
    row = conn.execute(select(coord_taskers).where(coord_taskers.c.object_pk == tasker.pk)).first()
    if (
        row is None
        or tasker.origin != c.node.nation
        or row.state != TaskerState.OPEN
        or body["office"] != row.opr
        or body["status"] != OfficeStatus.COMPLETE
    ):
        return
    current_body = json.loads(
        conn.execute(
            select(versions.c.body)
            .select_from(access.join(versions, versions.c.pk == access.c.version_pk))
            .where(access.c.object_pk == tasker.pk, current())
            .limit(1)
        ).scalar_one()
    )
    current_body["state"] = TaskerState.COMPLETE.value
    current_body["completed_by"] = made.id
    current_body.pop("modified", None)
    done = c.store.revise_in(conn, c.node.system, body["tasker"], current_body, owner=OWNER)
    mirror(c, conn, done)
    c.notify(
        conn,
        [Notice(row.issuing_body, "tasker", _item_pk(conn, current_body), {"done": done.id})]
        if current_body.get("coordination_item")
        else [],
    )


def _item_pk(conn: Connection, body: dict[str, Any]) -> int | None:
    found = conn.execute(
        select(objects.c.pk).where(objects.c.stix_id == body.get("coordination_item"))
    ).scalar_one_or_none()
    return int(found) if found is not None else None


class Escalated:
    """One tasker step the scanner acted on."""

    def __init__(self, tasker_id: str, step: int, to: str | None) -> None:
        self.tasker_id = tasker_id
        self.step = step
        self.to = to

    def __repr__(self) -> str:
        return f"Escalated({self.tasker_id!r}, {self.step}, {self.to!r})"


def scan(c: Coordination, *, limit: int = 500) -> list[Escalated]:
    """Escalate every open tasker of this node whose suspense (or last step's
    deadline) has passed, each step once."""
    s = c.structure
    now = epoch()
    with c.node.db.read() as conn:
        due = conn.execute(
            select(coord_taskers.c.object_pk, coord_taskers.c.next_at)
            .where(coord_taskers.c.next_at <= now, coord_taskers.c.state == TaskerState.OPEN)
            .order_by(coord_taskers.c.next_at)
            .limit(limit)
        ).all()
    fired: list[Escalated] = []
    for found in due:
        with c.store.transaction(c.node.system) as conn:
            row = conn.execute(
                select(coord_taskers, objects.c.stix_id)
                .join(objects, objects.c.pk == coord_taskers.c.object_pk)
                .where(coord_taskers.c.object_pk == found.object_pk)
                .with_for_update(of=coord_taskers)
            ).one()
            rung_tier = (
                s.rung(row.escalated_to).tier  # type: ignore[union-attr]
                if row.escalated_to and s.rung(row.escalated_to)
                else s.bodies[row.issuing_body].tier
            )
            rung = s.next_rung(rung_tier)
            following = (
                found.next_at + int(s.hours(row.precedence) * 3600) if rung is not None else None
            )
            claimed = conn.execute(
                update(coord_taskers)
                .where(
                    coord_taskers.c.object_pk == found.object_pk,
                    coord_taskers.c.next_at == found.next_at,
                )
                .values(next_at=following, steps=row.steps + 1)
            ).rowcount
            if claimed != 1:
                continue
            step = row.steps + 1
            if rung is None:
                audit.append(
                    conn,
                    actor=c.node.system.name,
                    action="coordination.tasker.escalation.top",
                    target=row.stix_id,
                    detail={"step": step},
                )
                fired.append(Escalated(row.stix_id, step, None))
                continue
            body = json.loads(
                conn.execute(
                    select(versions.c.body)
                    .select_from(access.join(versions, versions.c.pk == access.c.version_pk))
                    .where(access.c.object_pk == found.object_pk, current())
                    .limit(1)
                ).scalar_one()
            )
            body["escalated_to"] = rung.id
            body.pop("modified", None)
            made = c.store.revise_in(conn, c.node.system, row.stix_id, body, owner=OWNER)
            conn.execute(
                update(coord_taskers)
                .where(coord_taskers.c.object_pk == found.object_pk)
                .values(escalated_to=rung.id, updated_at=clock.now_ts())
            )
            audit.append(
                conn,
                actor=c.node.system.name,
                action="coordination.tasker.escalate",
                target=row.stix_id,
                detail={
                    "step": step,
                    "to": rung.id,
                    "overdue_since": iso_time(row.suspense_at),
                    "version": made.version,
                },
            )
            item_pk = _item_pk(conn, body)
            if item_pk is not None:
                told = [row.issuing_body, row.opr, *rung.bodies]
                c.notify(
                    conn,
                    [Notice(b, "escalated", item_pk, {"tasker": row.stix_id}) for b in told],
                )
            fired.append(Escalated(row.stix_id, step, rung.id))
    return fired
