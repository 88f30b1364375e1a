"""coordination: items, responses, escalation steps, phases, notifications

Revision ID: 0002_coordination
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_coordination"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coord_items",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("requesting_body", sa.String(length=64), nullable=False),
        sa.Column("counterpart_body", sa.String(length=64), nullable=False),
        sa.Column("escalated_to", sa.String(length=64), nullable=True),
        sa.Column("needs", sa.String(length=64), nullable=False),
        sa.Column("sets_phase", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_items_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_items")),
    )
    op.create_index("ix_coord_items_region_state", "coord_items", ["region", "state"], unique=False)
    op.create_table(
        "coord_notifications",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("acked_by", sa.String(length=128), nullable=True),
        sa.Column("acked_at", sa.String(length=27), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_pk"], ["objects.pk"], name=op.f("fk_coord_notifications_item_pk_objects")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_coord_notifications")),
    )
    op.create_index(
        "ix_coord_notifications_body", "coord_notifications", ["body", "pk"], unique=False
    )
    op.create_table(
        "coord_phases",
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_pk"], ["objects.pk"], name=op.f("fk_coord_phases_item_pk_objects")
        ),
        sa.PrimaryKeyConstraint("region", name=op.f("pk_coord_phases")),
    )
    op.create_table(
        "coord_responses",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_pk"], ["objects.pk"], name=op.f("fk_coord_responses_item_pk_objects")
        ),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_responses_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_responses")),
    )
    op.create_index(
        "ix_coord_responses_item", "coord_responses", ["item_pk", "object_pk"], unique=False
    )
    op.create_table(
        "coord_steps",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("base_at", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("from_tier", sa.String(length=16), nullable=False),
        sa.Column("to_body", sa.String(length=64), nullable=True),
        sa.Column("fired_at", sa.String(length=27), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_pk"], ["objects.pk"], name=op.f("fk_coord_steps_item_pk_objects")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_coord_steps")),
    )
    op.create_index(
        "ix_coord_steps_due",
        "coord_steps",
        ["due_at", "item_pk"],
        unique=False,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_coord_steps_item", "coord_steps", ["item_pk", "number"], unique=True)
    op.create_index(
        "ix_coord_steps_pending_item",
        "coord_steps",
        ["item_pk"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_coord_steps_pending_item",
        table_name="coord_steps",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index("ix_coord_steps_item", table_name="coord_steps")
    op.drop_index(
        "ix_coord_steps_due",
        table_name="coord_steps",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("coord_steps")
    op.drop_index("ix_coord_responses_item", table_name="coord_responses")
    op.drop_table("coord_responses")
    op.drop_table("coord_phases")
    op.drop_index("ix_coord_notifications_body", table_name="coord_notifications")
    op.drop_table("coord_notifications")
    op.drop_index("ix_coord_items_region_state", table_name="coord_items")
    op.drop_table("coord_items")
