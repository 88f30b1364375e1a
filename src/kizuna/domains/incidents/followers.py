"""What hangs on an event, for the store's followers (`Owners.follow`): its
acknowledgements. Each is written at the label of the event it acknowledges and says
something of it (who was told, when, which revision, a comment); when a release
narrows the event, the store narrows this node's own acknowledgements with it and
bounds who reads a partner's here, and a partner's node does the same with its own
when the narrowing arrives (walk: after an event was narrowed to the US, Japan's
readers still read the USFJ acknowledgement of it, comment and all).

Not followers: the public version is UNCLASSIFIED and releasable to all by a releasing
officer's decision and says only what was composed for the public (its retraction is
the event's cancel, not a narrowing); notices are rows of this mechanism's tables,
shown only beside an event the reader may see (queries.py).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from kizuna.db.schema import objects, versions
from kizuna.domains.incidents.model import ACK_TYPE, EVENT_TYPE

__all__ = ["followers"]


def followers(conn: Connection, stix_id: str) -> list[str]:
    """The ids of the acknowledgements of `stix_id` (an event) this node holds, oldest
    first; none for any other object. Found by what each names, not by the notice rows:
    an acknowledgement may reach a node before its event does, and gets no row there."""
    kind = conn.execute(select(objects.c.type).where(objects.c.stix_id == stix_id)).scalar()
    if kind != EVENT_TYPE:
        return []
    # The text match only narrows the search (no index holds what a body names); the
    # body read back settles it. An acknowledgement never changes what it names
    # (rules.py), so its first version says it.
    query = (
        select(objects.c.stix_id, versions.c.body)
        .join(versions, versions.c.object_pk == objects.c.pk)
        .where(
            objects.c.type == ACK_TYPE,
            versions.c.number == 1,
            versions.c.body.contains(stix_id, autoescape=True),
        )
        .order_by(objects.c.pk)
    )
    return [
        row.stix_id
        for row in conn.execute(query)
        if json.loads(row.body).get("incident") == stix_id
    ]
