"""Notices of an event this node may no longer read: nothing more goes out for them.

Walk: an event of the US node, releasable to Japan, was routed on the JPN node and
mail to five Japanese bodies queued; the US then narrowed it to itself. The JPN node
hid the event, but its outbox kept the mail pending and tried it at every scan: once
the relay was back, local governments would have had an Alert of an event the US had
withdrawn from Japan.

An event is readable here when the node's own system principal reads its current
version (the principal the deliverer and the scanner act as). When a recall takes an
event from this node (federation/recall.py; the arrival hook calls `withdraw`), and
whenever the deliverer finds a message of an event no longer readable (a recall
before this check existed, or any other way an event left this node's readers), the
messages not yet sent (pending, or claimed and not sent) and the reminders and
escalations not yet due are cancelled, in that transaction, with one
`incidents.withdrawn` audit entry per event. The notices themselves stay in the
record. On the event's own node this never happens: a label always names its
originator's nation, and the system principal holds the highest level and every
compartment; a narrowing there leaves every addressee of the node's nation told.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, exists, not_, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects
from kizuna.domains.incidents.schema import inc_deliveries, inc_notices, inc_steps
from kizuna.identity.principal import Principal
from kizuna.store.access import CompartmentBits, current, visible

__all__ = ["UNSENT", "readable", "withdraw", "withdraw_unreadable"]

# A message not sent yet: waiting, or claimed by a deliverer that has not finished.
UNSENT = ("pending", "sending")


def readable(
    event_pk: ColumnElement[int] | int, system: Principal, bits: CompartmentBits
) -> ColumnElement[bool]:
    """Whether the node's system principal reads the event's current version."""
    return exists().where(access.c.object_pk == event_pk, current(), visible(system, bits))


def withdraw(
    conn: Connection,
    event_pk: int,
    stix_id: str,
    system: Principal,
    bits: CompartmentBits,
    *,
    actor: str,
    reason: str,
) -> bool:
    """Cancel what would still go out for the event, if this node may no longer read
    it (audited); True when anything was cancelled."""
    if conn.execute(select(readable(event_pk, system, bits))).scalar_one():
        return False
    notices = select(inc_notices.c.pk).where(inc_notices.c.event_pk == event_pk)
    deliveries = conn.execute(
        update(inc_deliveries)
        .where(
            inc_deliveries.c.notice_pk.in_(notices.scalar_subquery()),
            inc_deliveries.c.status.in_(UNSENT),
        )
        .values(status="cancelled", claimed_at=None)
    ).rowcount
    steps = conn.execute(
        update(inc_steps)
        .where(
            inc_steps.c.notice_pk.in_(notices.scalar_subquery()),
            inc_steps.c.status == "pending",
        )
        .values(status="cancelled", fired_at=clock.now_ts())
    ).rowcount
    if not deliveries and not steps:
        return False
    audit.append(
        conn,
        actor=actor,
        action="incidents.withdrawn",
        target=stix_id,
        detail={"messages": deliveries, "reminders": steps, "reason": reason},
    )
    return True


def withdraw_unreadable(
    conn: Connection, system: Principal, bits: CompartmentBits, *, actor: str
) -> int:
    """`withdraw` every event with a message not yet sent that this node may no longer
    read; returns how many events."""
    events = conn.execute(
        select(inc_notices.c.event_pk, objects.c.stix_id)
        .select_from(
            inc_deliveries.join(inc_notices, inc_notices.c.pk == inc_deliveries.c.notice_pk).join(
                objects, objects.c.pk == inc_notices.c.event_pk
            )
        )
        .where(
            inc_deliveries.c.status.in_(UNSENT),
            not_(readable(inc_notices.c.event_pk, system, bits)),
        )
        .distinct()
    ).all()
    done = 0
    for row in events:
        done += withdraw(
            conn, row.event_pk, row.stix_id, system, bits, actor=actor, reason="not readable here"
        )
    return done
