"""Tables of the coordination mechanism (on the store's metadata).

They hold scheduling data keyed by the item's object key, never the item's text: who
may see an item is still decided by the store's `access` rows, and every read that
shows a user anything from these tables joins them with `visible()` (see queries.py).

Times that need arithmetic in SQL (deadlines, determinations in force) are whole
seconds since the epoch, compared the same way on both databases.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text, text

from kizuna.db.schema import TS, metadata

__all__ = [
    "coord_determination_regions",
    "coord_determinations",
    "coord_items",
    "coord_notifications",
    "coord_phases",
    "coord_receipts",
    "coord_responses",
    "coord_rfi_replies",
    "coord_rfis",
    "coord_steps",
    "coord_task_statuses",
    "coord_taskers",
]

# One row per item, rewritten with each of its versions: what the board filters on.
coord_items = Table(
    "coord_items",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("tier", String(32), nullable=False),
    Column("region", String(64), nullable=False),
    Column("requesting_body", String(64), nullable=False),
    Column("counterpart_body", String(64), nullable=False),
    # The body the item has climbed to, when escalated.
    Column("escalated_to", String(64), nullable=True),
    # Nations whose answer the item needs, comma-separated.
    Column("needs", String(64), nullable=False),
    # Kept from items of before determinations (0014): a phase set by concurrence.
    Column("sets_phase", String(16), nullable=True),
    # FLASH, IMMEDIATE, PRIORITY or ROUTINE: with the determinations in force in the
    # region, it sets the item's deadlines.
    Column("precedence", String(9), nullable=False, server_default="ROUTINE"),
    Column("updated_at", TS, nullable=False),
    # On a partner's node, which keeps no steps (the item's node escalates): the
    # deadline the item's node stated in the item, epoch seconds. Shown, never acted on.
    Column("stated_due", Integer, nullable=True),
)
Index("ix_coord_items_region_state", coord_items.c.region, coord_items.c.state)

# One row per answer: which nation answered what, at which tier.
coord_responses = Table(
    "coord_responses",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("item_pk", ForeignKey("objects.pk"), nullable=False),
    Column("nation", String(3), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("tier", String(32), nullable=False),
    Column("recorded_at", TS, nullable=False),
    # The `modified` of the item version answered (one answer per nation per version).
    Column("item_modified", String(40), nullable=True),
    # Whether the item's node counted it: 1 or 0 from the item's own record of its
    # answers, NULL while that record has not said (an answer on its way).
    Column("counted", Integer, nullable=True),
)
Index("ix_coord_responses_item", coord_responses.c.item_pk, coord_responses.c.object_pk)
Index(
    "ix_coord_responses_version",
    coord_responses.c.item_pk,
    coord_responses.c.nation,
    coord_responses.c.item_modified,
)

# Escalation steps: the pending one of an open item is its deadline; a fired one is
# history. A step is claimed by moving it from 'pending' to 'fired' by its key, so it
# fires once whoever scans and however often.
coord_steps = Table(
    "coord_steps",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("item_pk", ForeignKey("objects.pk"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("reason", String(16), nullable=False),  # deadline | non_concurrence
    Column("base_at", BigInteger, nullable=False),  # the delay counts from here
    Column("due_at", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # pending | paused | fired | cancelled
    Column("from_tier", String(32), nullable=False),
    Column("to_body", String(64), nullable=True),
    Column("fired_at", TS, nullable=True),
    # While an RFI the item depends on is open, its clock stops: when (epoch seconds).
    Column("paused_at", BigInteger, nullable=True),
)
_pending = text("status = 'pending'")
# The scan: pending steps by due time, a plain range over this index.
# The board walks the same index, in (due, item) order.
Index(
    "ix_coord_steps_due",
    coord_steps.c.due_at,
    coord_steps.c.item_pk,
    sqlite_where=_pending,
    postgresql_where=_pending,
)
# At most one pending step per item.
Index(
    "ix_coord_steps_pending_item",
    coord_steps.c.item_pk,
    unique=True,
    sqlite_where=_pending,
    postgresql_where=_pending,
)
Index("ix_coord_steps_item", coord_steps.c.item_pk, coord_steps.c.number, unique=True)

# Each nation's situation determinations, one row per determination (mirrored from
# its current version on every node that holds it), and the regions each covers.
# Who may see one is decided by the store's `access` rows, as for items.
coord_determinations = Table(
    "coord_determinations",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("nation", String(3), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("effective_at", BigInteger, nullable=False),
    Column("ended_at", BigInteger, nullable=True),
    Column("updated_at", TS, nullable=False),
)
coord_determination_regions = Table(
    "coord_determination_regions",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("region", String(64), primary_key=True),
)
Index(
    "ix_coord_determination_regions_region",
    coord_determination_regions.c.region,
    coord_determination_regions.c.object_pk,
)

# Requests for information, one row per RFI (its current version, on every node that
# holds it), and the messages of each thread. `item_pk` is the item whose clock stops
# while the RFI waits for its answer.
coord_rfis = Table(
    "coord_rfis",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("item_pk", ForeignKey("objects.pk"), nullable=True),
    Column("asking_body", String(64), nullable=False),
    Column("addressed_body", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("precedence", String(9), nullable=False),
    Column("opened_at", BigInteger, nullable=False),
    Column("updated_at", TS, nullable=False),
)
Index("ix_coord_rfis_item", coord_rfis.c.item_pk, coord_rfis.c.state)
coord_rfi_replies = Table(
    "coord_rfi_replies",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("rfi_pk", ForeignKey("objects.pk"), nullable=False),
    Column("nation", String(3), nullable=False),
    Column("body", String(64), nullable=False),
    Column("answers", Integer, nullable=False),
    Column("recorded_at", TS, nullable=False),
)
Index("ix_coord_rfi_replies_rfi", coord_rfi_replies.c.rfi_pk, coord_rfi_replies.c.object_pk)

# Receipts: one per (object, addressee body, nation), from its current version.
coord_receipts = Table(
    "coord_receipts",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("of_pk", ForeignKey("objects.pk"), nullable=False),
    Column("body", String(64), nullable=False),
    Column("nation", String(3), nullable=False),
    Column("received_at", TS, nullable=False),
    Column("acknowledged_at", TS, nullable=True),
    Column("acknowledged_by", String(128), nullable=True),
)
Index(
    "ix_coord_receipts_of",
    coord_receipts.c.of_pk,
    coord_receipts.c.body,
    coord_receipts.c.nation,
    unique=True,
)

# Taskers: one row per tasker (its current version). On the issuing node, `next_at` is
# when it escalates next (its suspense, then each precedence deadline after), claimed
# by moving it on in the transaction that writes the escalated version.
coord_taskers = Table(
    "coord_taskers",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("issuing_body", String(64), nullable=False),
    Column("opr", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("precedence", String(9), nullable=False),
    Column("suspense_at", BigInteger, nullable=False),
    Column("next_at", BigInteger, nullable=True),
    Column("steps", Integer, nullable=False, server_default="0"),
    Column("escalated_to", String(64), nullable=True),
    Column("updated_at", TS, nullable=False),
    # The item it is on, by id (it may not have arrived yet): its taskers follow it.
    Column("item", String(128), nullable=True),
)
Index("ix_coord_taskers_next", coord_taskers.c.next_at)
Index("ix_coord_taskers_item", coord_taskers.c.item)
coord_task_statuses = Table(
    "coord_task_statuses",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("tasker_pk", ForeignKey("objects.pk"), nullable=False),
    Column("office", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("recorded_at", TS, nullable=False),
)
Index(
    "ix_coord_task_statuses_tasker",
    coord_task_statuses.c.tasker_pk,
    coord_task_statuses.c.object_pk,
)

# Before 0014, the alliance phase of each region, set by a concurred item; kept as
# history, no longer written: each nation now determines its own situation.
coord_phases = Table(
    "coord_phases",
    metadata,
    Column("region", String(64), primary_key=True),
    Column("phase", String(16), nullable=False),
    Column("item_pk", ForeignKey("objects.pk"), nullable=True),  # the item that set it
    Column("changed_at", TS, nullable=False),
)

# In-app notifications to a body; the first member who acknowledges closes it.
coord_notifications = Table(
    "coord_notifications",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("body", String(64), nullable=False),
    # The item it is about; NULL for a phase change, which names only its region.
    Column("item_pk", ForeignKey("objects.pk"), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("acked_by", String(128), nullable=True),
    Column("acked_at", TS, nullable=True),
)
Index("ix_coord_notifications_body", coord_notifications.c.body, coord_notifications.c.pk)
