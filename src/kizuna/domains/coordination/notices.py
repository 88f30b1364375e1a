"""The notices sent to a body, as its members read them, and their acknowledgement.

A member reads a notice to one of their bodies about an item they may see now (through
`queries.visible_current`), or about a phase, which names no item; the items shown
beside the notices are read through the same condition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update

from kizuna import audit, clock
from kizuna.db.schema import MAX_INTEGER, access, objects, versions
from kizuna.domains.coordination.model import Action
from kizuna.domains.coordination.queries import visible_current
from kizuna.domains.coordination.schema import coord_notifications
from kizuna.domains.coordination.service import Coordination
from kizuna.domains.coordination.structure import BILATERAL
from kizuna.errors import Conflict, NotFound, Refused
from kizuna.identity.principal import Permission, Principal, roles_needed
from kizuna.store import StoredObject
from kizuna.store.objects import COLUMNS, stored_from_row

__all__ = [
    "Notification",
    "acknowledge",
    "may_acknowledge",
    "notification_scope",
    "notifications",
]


@dataclass(frozen=True)
class Notification:
    pk: int
    body: str
    kind: str
    detail: dict[str, Any]
    created_at: str
    acked_by: str | None
    acked_at: str | None
    item: StoredObject | None


def _bodies(principal: Principal) -> list[str]:
    return sorted(principal.bodies)


def notification_scope(c: Coordination, principal: Principal) -> Any:
    """Notices to one of the principal's bodies, about an item they may see now (or
    about a phase, which names no item)."""
    seen_items = select(access.c.object_pk).where(visible_current(c, principal))
    return and_(
        coord_notifications.c.body.in_(_bodies(principal)),
        or_(
            coord_notifications.c.item_pk.is_(None),
            coord_notifications.c.item_pk.in_(seen_items.scalar_subquery()),
        ),
    )


def notifications(
    c: Coordination, principal: Principal, *, unacknowledged: bool = False, limit: int = 100
) -> list[Notification]:
    query = (
        select(coord_notifications)
        .where(notification_scope(c, principal))
        .order_by(coord_notifications.c.pk.desc())
        .limit(limit)
    )
    if unacknowledged:
        query = query.where(coord_notifications.c.acked_at.is_(None))
    with c.node.db.read() as conn:
        rows = conn.execute(query).all()
        item_pks = sorted({r.item_pk for r in rows if r.item_pk is not None})
        items: dict[int, StoredObject] = {}
        if item_pks:
            for found in conn.execute(
                select(access.c.object_pk, *COLUMNS)
                .select_from(
                    access.join(versions, versions.c.pk == access.c.version_pk).join(
                        objects, objects.c.pk == access.c.object_pk
                    )
                )
                .where(access.c.object_pk.in_(item_pks), visible_current(c, principal))
            ):
                items[found.object_pk] = stored_from_row(found)
    return [
        Notification(
            pk=r.pk,
            body=r.body,
            kind=r.kind,
            detail=json.loads(r.detail),
            created_at=r.created_at,
            acked_by=r.acked_by,
            acked_at=r.acked_at,
            item=items.get(r.item_pk) if r.item_pk is not None else None,
        )
        for r in rows
    ]


def may_acknowledge(principal: Principal) -> bool:
    """Whether the principal's role signs for a body: acknowledging is an answer (as a
    receipt's and an incident notice's), so a reader is told and does not sign."""
    return principal.kind == "system" or principal.can(Permission.OBJECT_ANSWER)


def acknowledge(c: Coordination, principal: Principal, pk: int) -> None:
    """A member of the body acknowledges a notice; the first acknowledgement stands.

    One whose role may not answer is refused (`Refused`, audited by the store) before
    anything about the notice is looked at, so the refusal tells nothing of it.

    A member is someone the account lists in the body *and* of the body's nation (or
    of either nation, for a bilateral body): an account that names a partner nation's
    body is not its member, and a notice of a body one is not a member of is NotFound,
    as if it did not exist."""
    own = [
        b
        for b in principal.bodies
        if b in c.structure.bodies and c.structure.bodies[b].nation in (principal.nation, BILATERAL)
    ]
    if not 1 <= pk <= MAX_INTEGER:
        raise NotFound(
            f"no notification {pk}: notification ids run from 1 to {MAX_INTEGER}", field="id"
        )
    with c.store.transaction(principal) as conn:
        if not may_acknowledge(principal):
            raise Refused(
                f"{principal.name} may not acknowledge notifications: "
                f"it needs {roles_needed(Permission.OBJECT_ANSWER)}",
                action=str(Action.NOTICE_ACK),
                target=str(pk),
            )
        done = conn.execute(
            update(coord_notifications)
            .where(
                coord_notifications.c.pk == pk,
                coord_notifications.c.acked_at.is_(None),
                notification_scope(c, principal),
                coord_notifications.c.body.in_(own),
            )
            .values(acked_by=principal.name, acked_at=clock.now_ts())
        ).rowcount
        if done == 1:
            audit.append(
                conn, actor=principal.name, action="coordination.notice.ack", target=str(pk)
            )
            return
        earlier = conn.execute(
            select(coord_notifications.c.acked_by).where(
                coord_notifications.c.pk == pk,
                notification_scope(c, principal),
                coord_notifications.c.body.in_(own),
            )
        ).first()
    if earlier is None:
        raise NotFound(f"no notification {pk}", field="id")
    raise Conflict(f"notification {pk} was acknowledged by {earlier.acked_by}", field="id")
