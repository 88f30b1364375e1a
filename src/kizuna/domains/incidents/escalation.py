"""Reminders and escalation of unacknowledged notices. Steps are rows of `inc_steps`;
the scanner claims each by its key (pending -> fired) in the transaction that acts on
it, so each fires once however many scanners run, and a restart loses nothing.

A notice's reminder falls due at its acknowledge deadline: its body is reminded
through the same channels, and an escalation step is set at twice the deadline. The
escalation notifies the body the addressee escalates to (a notice of its own, made
once), which then has its own reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from kizuna import audit, clock
from kizuna.db.schema import objects
from kizuna.domains.incidents.schema import inc_events, inc_notices, inc_steps
from kizuna.domains.incidents.withdrawal import readable

if TYPE_CHECKING:
    from kizuna.domains.incidents.service import Incidents

__all__ = ["Fired", "scan"]


@dataclass(frozen=True)
class Fired:
    """One step the scanner acted on."""

    event_id: str
    addressee: str
    revision: int
    kind: str
    to: str | None = None


def scan(c: Incidents, *, limit: int = 500) -> list[Fired]:
    now = int(clock.now().timestamp())
    with c.node.db.read() as conn:
        due = conn.execute(
            select(inc_steps.c.pk)
            .where(inc_steps.c.status == "pending", inc_steps.c.due_at <= now)
            .order_by(inc_steps.c.due_at)
            .limit(limit)
        ).all()
    fired: list[Fired] = []
    system = c.node.system
    for step in due:
        with c.store.transaction(system) as conn:
            claimed = conn.execute(
                update(inc_steps)
                .where(inc_steps.c.pk == step.pk, inc_steps.c.status == "pending")
                .values(status="fired", fired_at=clock.now_ts())
            ).rowcount
            if claimed != 1:
                continue
            made = _fire(c, conn, step.pk)
            if made is not None:
                fired.append(made)
    return fired


def _fire(c: Incidents, conn: Any, step_pk: int) -> Fired | None:
    row = conn.execute(
        select(
            inc_steps.c.kind,
            inc_steps.c.due_at,
            inc_notices,
            objects.c.stix_id,
            inc_events.c.kind.label("event_kind"),
        )
        .select_from(
            inc_steps.join(inc_notices, inc_notices.c.pk == inc_steps.c.notice_pk)
            .join(objects, objects.c.pk == inc_notices.c.event_pk)
            .join(inc_events, inc_events.c.object_pk == inc_notices.c.event_pk)
        )
        .where(inc_steps.c.pk == step_pk)
    ).one()
    if row.acked_by is not None:
        return None
    # An event this node may no longer read (its node narrowed it past this nation)
    # is not reminded or escalated: its notices stay in the record, and nothing more
    # asks a body to act on what it cannot open (a recall withdraws these steps when it
    # arrives: withdrawal.py; this holds for any way the event left).
    if not conn.execute(select(readable(row.event_pk, c.node.system, c.store.bits))).scalar_one():
        return None
    addressee = c.routing.addressees.get(row.addressee)
    if addressee is None:
        return None  # the body left the rules file since: nobody to remind
    system = c.node.system
    if row.kind == "reminder":
        c.queue(conn, row.pk, addressee, "reminder")
        hours = c.routing.deadline(row.event_kind, row.precedence or "routine").acknowledge
        conn.execute(
            insert(inc_steps).values(
                notice_pk=row.pk,
                kind="escalation",
                due_at=row.due_at + int(hours * 3600),
                status="pending",
                fired_at=None,
            )
        )
        audit.append(
            conn,
            actor=system.name,
            action="incidents.reminder",
            target=row.stix_id,
            detail={"addressee": row.addressee, "revision": row.revision},
        )
        return Fired(row.stix_id, row.addressee, row.revision, "reminder")
    target = addressee.escalate_to
    # Each node notifies its own nation's bodies; the partner's node escalates its own.
    if target is not None and c.routing.addressees[target].nation == c.node.nation:
        c.notify(
            conn,
            row.event_pk,
            c.routing.addressees[target],
            row.revision,
            row.msg_type,
            row.precedence or "routine",
            row.event_kind,
        )
    audit.append(
        conn,
        actor=system.name,
        action="incidents.escalation",
        target=row.stix_id,
        detail={"addressee": row.addressee, "revision": row.revision, "to": target},
    )
    return Fired(row.stix_id, row.addressee, row.revision, "escalation", target)
