"""Incidents on a reader's start page: the notices to the reader's offices that nobody
has acknowledged yet, about events the reader may see, with the first of them.

Counted in SQL over the events the reader may see (`visible`), with the labels of
what it counts (`kizuna.today.tally`), as the board does in queries.py.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.incidents.schema import inc_events, inc_notices
from kizuna.domains.incidents.service import incidents
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from kizuna.store.access import current, visible
from kizuna.store.rows import COLUMNS, stored_from_row
from kizuna.today import Line, Panel, tally
from kizuna.web.i18n import N_

__all__ = ["LINES", "today"]

LINES = 10


def today(node: Node, principal: Principal) -> list[Panel]:
    """The notices a member of one of the reader's offices may acknowledge (the
    service asks the same: `Incidents.acknowledging_for`)."""
    c = incidents(node)
    mine = c.acknowledging_for(principal)
    source = (
        inc_notices.join(objects, objects.c.pk == inc_notices.c.event_pk)
        .join(access, and_(access.c.object_pk == objects.c.pk, current()))
        .join(versions, versions.c.pk == access.c.version_pk)
        .join(inc_events, inc_events.c.object_pk == objects.c.pk)
    )
    where = [
        visible(principal, c.store.bits),
        inc_notices.c.addressee.in_(mine),
        inc_notices.c.acked_by.is_(None),
    ]
    with node.db.read() as conn:
        counted = tally(conn, source, where)
        # One line per event, at its earliest notice still waiting.
        waiting = (
            select(inc_notices.c.event_pk, func.min(inc_notices.c.created_at).label("noticed"))
            .where(*where[1:])
            .group_by(inc_notices.c.event_pk)
            .subquery()
        )
        rows = conn.execute(
            select(*COLUMNS, waiting.c.noticed)
            .select_from(
                waiting.join(objects, objects.c.pk == waiting.c.event_pk)
                .join(access, and_(access.c.object_pk == objects.c.pk, current()))
                .join(versions, versions.c.pk == access.c.version_pk)
            )
            .where(where[0])
            .order_by(waiting.c.noticed, objects.c.stix_id)
            .limit(LINES)
        ).all()
    lines = []
    for r in rows:
        event = stored_from_row(r)
        lines.append(
            Line(
                href=f"/incidents/events/{event.id}",
                text=str(event.object.get("name") or event.id),
                text_ja=str(event.object.get("name_ja") or ""),
                label=event.label,
                at=r.noticed,
                note=N_("Notified %(time)s"),
            )
        )
    return [
        Panel(
            key="incident-notices",
            title=N_("Incident notices to acknowledge"),
            href="/incidents",
            count=counted.total,
            lines=tuple(lines),
            empty=N_("No incident notice waits for your office."),
            labels=counted.labels,
        )
    ]
