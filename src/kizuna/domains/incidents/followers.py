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

from sqlalchemy import Connection, select

from kizuna.db.schema import objects
from kizuna.domains.incidents.model import ACK_TYPE, EVENT_TYPE
from kizuna.store.followers import naming

__all__ = ["followers"]


def followers(conn: Connection, stix_id: str) -> list[str]:
    """The ids of the acknowledgements of `stix_id` (an event) this node holds, oldest
    first; none for any other object. Found by what each names, not by the notice rows:
    an acknowledgement may reach a node before its event does, and gets no row there.
    An acknowledgement never changes what it names (rules.py): its first version says
    it."""
    kind = conn.execute(select(objects.c.type).where(objects.c.stix_id == stix_id)).scalar()
    return naming(conn, {ACK_TYPE: "incident"}, stix_id) if kind == EVENT_TYPE else []
