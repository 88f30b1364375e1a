"""Tables of the incidents mechanism (on the store's metadata).

They hold routing and delivery data keyed by the event's object key, never the
event's text: who may see an event is still decided by the store's `access` rows, and
every read that shows a user anything from these tables joins them with `visible()`
(see queries.py). A notice is one (event, addressee, revision): the unique key that
de-duplicates it however often a revision is routed (a retry, a federation replay).

Times that need arithmetic in SQL (reminders, escalations) are whole seconds since the
epoch.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text, text

from kizuna.db.schema import TS, metadata

__all__ = ["inc_deliveries", "inc_events", "inc_notices", "inc_steps"]

# One row per event, rewritten with each of its versions: what the board filters on.
inc_events = Table(
    "inc_events",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("prefecture", String(2), nullable=False),
    Column("municipalities", String(200), nullable=False),  # comma-separated codes
    Column("occurred_at", TS, nullable=False),
    Column("learned_at", TS, nullable=False),
    Column("recorded_at", TS, nullable=False),  # when this node first held it
    Column("updated_at", TS, nullable=False),
)
Index("ix_inc_events_status", inc_events.c.status, inc_events.c.occurred_at)

# One row per (event, addressee, revision); acknowledged by one person of the body.
inc_notices = Table(
    "inc_notices",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("event_pk", ForeignKey("objects.pk"), nullable=False),
    Column("addressee", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("msg_type", String(8), nullable=False),  # Alert | Update | Cancel
    Column("precedence", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("notified_at", BigInteger, nullable=False),
    Column("acked_by", String(128), nullable=True),
    Column("acked_at", TS, nullable=True),
    Column("ack_pk", ForeignKey("objects.pk"), nullable=True),
)
Index(
    "ix_inc_notices_event_pk",
    inc_notices.c.event_pk,
    inc_notices.c.addressee,
    inc_notices.c.revision,
    unique=True,
)
Index("ix_inc_notices_addressee", inc_notices.c.addressee, inc_notices.c.pk)

# An outbox: one row per (notice, channel, target, reason), sent by the deliverer
# after the change that made it is committed. Claimed pending -> sending -> sent;
# cancelled unsent when the event is no longer readable here.
inc_deliveries = Table(
    "inc_deliveries",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("notice_pk", ForeignKey("inc_notices.pk"), nullable=False),
    Column("channel", String(16), nullable=False),  # email | webhook
    Column("target", String(300), nullable=False),
    Column("reason", String(16), nullable=False),  # notice | reminder
    # pending | sending | sent | cancelled (its event left this node: withdrawal.py)
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claimed_at", BigInteger, nullable=True),
    Column("sent_at", TS, nullable=True),
    Column("last_error", Text, nullable=True),
)
Index(
    "ix_inc_deliveries_notice_pk",
    inc_deliveries.c.notice_pk,
    inc_deliveries.c.channel,
    inc_deliveries.c.target,
    inc_deliveries.c.reason,
    unique=True,
)
Index("ix_inc_deliveries_status", inc_deliveries.c.status, inc_deliveries.c.pk)

# Reminders and escalations of unacknowledged notices. A step is claimed by moving it
# from 'pending' to 'fired' by its key, so it fires once whoever scans and however often.
inc_steps = Table(
    "inc_steps",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("notice_pk", ForeignKey("inc_notices.pk"), nullable=False),
    Column("kind", String(12), nullable=False),  # reminder | escalation
    Column("due_at", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # pending | fired | cancelled
    Column("fired_at", TS, nullable=True),
)
_pending = text("status = 'pending'")
Index(
    "ix_inc_steps_due",
    inc_steps.c.due_at,
    inc_steps.c.notice_pk,
    sqlite_where=_pending,
    postgresql_where=_pending,
)
Index("ix_inc_steps_notice_pk", inc_steps.c.notice_pk, inc_steps.c.kind, unique=True)
