"""The incidents' part of a body's shift handover: notices to the body that nobody has
acknowledged, of events the outgoing officer may read. The coordination domain writes
the handover; this domain adds its section through the node (`Node.handover_parts`),
so neither imports the other."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, and_, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.incidents.model import notice_name
from kizuna.domains.incidents.schema import inc_notices
from kizuna.identity.principal import Principal
from kizuna.labels import render
from kizuna.runtime import HandoverPart, Node
from kizuna.store.access import current, visible
from kizuna.store.rows import label_of_row
from kizuna.web.i18n import N_

__all__ = ["TITLE", "open_notices"]

TITLE = N_("Unacknowledged incident notices")


def open_notices(
    node: Node, conn: Connection, principal: Principal, body: str, _start: float, _end: float
) -> HandoverPart:
    """Open whatever the shift: a notice waits until someone acknowledges it."""
    rows = conn.execute(
        select(
            objects.c.stix_id,
            versions.c.rank,
            versions.c.rel_to,
            versions.c.compartments,
            versions.c.body.label("event_body"),
            inc_notices.c.msg_type,
            inc_notices.c.precedence,
            inc_notices.c.created_at,
        )
        .select_from(
            inc_notices.join(objects, objects.c.pk == inc_notices.c.event_pk)
            .join(access, and_(access.c.object_pk == objects.c.pk, current()))
            .join(versions, versions.c.pk == access.c.version_pk)
        )
        .where(
            inc_notices.c.addressee == body,
            inc_notices.c.acked_at.is_(None),
            visible(principal, node.store.bits),
        )
        .order_by(inc_notices.c.created_at, inc_notices.c.pk)
    ).all()
    listed: list[dict[str, Any]] = []
    labels = []
    for r in rows:
        label = label_of_row(r)
        event = json.loads(r.event_body)
        listed.append(
            {
                "id": r.stix_id,
                "name": event.get("name", r.stix_id),
                "name_ja": event.get("name_ja", event.get("name", r.stix_id)),
                "label": render(node.policy, label),
                "at": r.created_at,
                "precedence": r.precedence,
                "detail": notice_name(r.msg_type, "en"),
                "detail_ja": notice_name(r.msg_type, "ja"),
                "href": f"/incidents/events/{r.stix_id}",
            }
        )
        labels.append(label)
    return HandoverPart(listed, labels)
