"""incidents: events, notices, deliveries, reminder and escalation steps

Revision ID: 0001_incidents
Revises: 0006_federation
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_incidents"
down_revision = "0006_federation"
branch_labels = ("incidents",)
depends_on = None

_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "inc_events",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("prefecture", sa.String(length=2), nullable=False),
        sa.Column("municipalities", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.String(length=27), nullable=False),
        sa.Column("learned_at", sa.String(length=27), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_inc_events_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_inc_events")),
    )
    op.create_index("ix_inc_events_status", "inc_events", ["status", "occurred_at"])
    op.create_table(
        "inc_notices",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.Column("addressee", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("msg_type", sa.String(length=8), nullable=False),
        sa.Column("precedence", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("notified_at", sa.BigInteger(), nullable=False),
        sa.Column("acked_by", sa.String(length=128), nullable=True),
        sa.Column("acked_at", sa.String(length=27), nullable=True),
        sa.Column("ack_pk", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["objects.pk"], name=op.f("fk_inc_notices_event_pk_objects")
        ),
        sa.ForeignKeyConstraint(
            ["ack_pk"], ["objects.pk"], name=op.f("fk_inc_notices_ack_pk_objects")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_inc_notices")),
    )
    op.create_index(
        "ix_inc_notices_event_pk",
        "inc_notices",
        ["event_pk", "addressee", "revision"],
        unique=True,
    )
    op.create_index("ix_inc_notices_addressee", "inc_notices", ["addressee", "pk"])
    op.create_table(
        "inc_deliveries",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_pk", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.BigInteger(), nullable=True),
        sa.Column("sent_at", sa.String(length=27), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_pk"], ["inc_notices.pk"], name=op.f("fk_inc_deliveries_notice_pk_inc_notices")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_inc_deliveries")),
    )
    op.create_index(
        "ix_inc_deliveries_notice_pk",
        "inc_deliveries",
        ["notice_pk", "channel", "target", "reason"],
        unique=True,
    )
    op.create_index("ix_inc_deliveries_status", "inc_deliveries", ["status", "pk"])
    op.create_table(
        "inc_steps",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("fired_at", sa.String(length=27), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_pk"], ["inc_notices.pk"], name=op.f("fk_inc_steps_notice_pk_inc_notices")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_inc_steps")),
    )
    op.create_index(
        "ix_inc_steps_due",
        "inc_steps",
        ["due_at", "notice_pk"],
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )
    op.create_index("ix_inc_steps_notice_pk", "inc_steps", ["notice_pk", "kind"], unique=True)


def downgrade() -> None:
    op.drop_table("inc_steps")
    op.drop_table("inc_deliveries")
    op.drop_table("inc_notices")
    op.drop_table("inc_events")
