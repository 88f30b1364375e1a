"""Tables of the watch log and the handovers (on the store's metadata).

One row per entry and per handover, keyed by the object's key and rewritten with each
version, holding only what the chronological queries sort and filter on (body, times
as whole seconds since the epoch). Who may read a row's object is still decided by the
store's `access` rows: every read joins them with `visible()` (watch.py, handover.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

from kizuna.db.schema import metadata

__all__ = ["coord_handovers", "coord_watch"]

coord_watch = Table(
    "coord_watch",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("body", String(64), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
)
# A body's log in time order, either way: one index range.
Index("ix_coord_watch_body_at", coord_watch.c.body, coord_watch.c.at, coord_watch.c.object_pk)

coord_handovers = Table(
    "coord_handovers",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("body", String(64), nullable=False),
    Column("start_at", BigInteger, nullable=False),
    Column("end_at", BigInteger, nullable=False),
    # 0 or 1: whether the outgoing / the incoming officer has signed.
    Column("outgoing_signed", Integer, nullable=False),
    Column("incoming_signed", Integer, nullable=False),
)
Index("ix_coord_handovers_body_end", coord_handovers.c.body, coord_handovers.c.end_at)
