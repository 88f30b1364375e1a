"""Escalation: the scanner that acts on due escalation steps, up the path of the
structure (the ACG's levels, then the national security staffs). Steps are rows of
`coord_steps`; the scanner claims each by its key in the transaction that writes the
item's escalated version, so each fires once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, update

from kizuna import audit, clock
from kizuna.domains.coordination.notify import Notice
from kizuna.domains.coordination.schema import coord_steps

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["Fired", "due_steps", "epoch", "fire", "iso_time", "scan"]


@dataclass(frozen=True)
class Fired:
    """One escalation step the scanner acted on."""

    item_id: str
    number: int
    due_at: int
    to_body: str | None


def epoch(value: Any = None) -> int:
    """Whole seconds since the epoch (deadlines are kept so, for arithmetic in SQL)."""
    return int((value or clock.now()).timestamp())


def iso_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def due_steps(conn: Connection, now: int, limit: int) -> list[Any]:
    """Pending steps due by `now`, earliest first: a range over one index."""
    return list(
        conn.execute(
            select(coord_steps.c.pk, coord_steps.c.item_pk, coord_steps.c.due_at)
            .where(coord_steps.c.status == "pending", coord_steps.c.due_at <= now)
            .order_by(coord_steps.c.due_at)
            .limit(limit)
        ).all()
    )


def scan(c: Coordination, *, limit: int = 500) -> list[Fired]:
    """Act on every step that is due, as the node's system principal.

    Each step is claimed by its key (pending → fired) in the transaction that
    writes the item's escalated version, so a step fires once however many
    scanners run and however often; a restart loses nothing, since the steps are
    rows. The next step's delay counts from this step's due time."""
    system = c.node.system
    with c.node.db.read() as conn:
        due = due_steps(conn, epoch(), limit)
    fired: list[Fired] = []
    for step in due:
        with c.store.transaction(system) as conn:
            # The item's row first, as every writer of an item does (see item_row).
            row = c.row_by_pk(conn, step.item_pk, lock=True)
            claimed = conn.execute(
                update(coord_steps)
                .where(coord_steps.c.pk == step.pk, coord_steps.c.status == "pending")
                .values(status="fired", fired_at=clock.now_ts())
            ).rowcount
            if claimed != 1:
                continue
            fired.append(fire(c, conn, step, row))
    return fired


def fire(c: Coordination, conn: Connection, step: Any, row: Any) -> Fired:
    system = c.node.system
    full = conn.execute(select(coord_steps).where(coord_steps.c.pk == step.pk)).one()
    rung = c.structure.next_rung(row.tier)
    if rung is None:
        # The top of the path (the national security staffs): nowhere to climb; the
        # bodies the item sits with hear that it stays there.
        audit.append(
            conn,
            actor=system.name,
            action="coordination.escalation.top",
            target=row.stix_id,
            detail={"step": full.number, "tier": row.tier, "reason": full.reason},
        )
        c.notify(
            conn,
            [Notice(b, "escalated", row.object_pk, {"top": True}) for b in c.parties(row)],
        )
        return Fired(row.stix_id, full.number, full.due_at, None)
    conn.execute(update(coord_steps).where(coord_steps.c.pk == step.pk).values(to_body=rung.id))
    # The next delay counts from this step's due time, not from when it was scanned.
    c.schedule(conn, row, tier=rung.tier, base=full.due_at, number=full.number + 1)
    row = c.move(
        conn,
        system,
        row,
        "escalate",
        changes={
            "tier": rung.tier,
            "escalated_to": rung.id,
            # A bilateral body answers for both nations.
            "needs": frozenset(c.structure.nations),
        },
        detail={"step": full.number, "reason": full.reason, "to": rung.id},
    )
    told = c.parties(row)
    c.notify(conn, [Notice(b, "escalated", row.object_pk, {"to": rung.id}) for b in told])
    # The bodies that work beside the rung's hear of it, for their information.
    beside = sorted({b for r in rung.bodies for b in c.structure.beside(r)} - set(told))
    c.notify(
        conn,
        [Notice(b, "escalated", row.object_pk, {"to": rung.id, "beside": True}) for b in beside],
    )
    return Fired(row.stix_id, full.number, full.due_at, rung.id)
