"""coordination: requests for information, their threads, a clock that stops, each
addressee's receipts, and taskers with each office's status

Revision ID: 0015_coord_rfis
Revises: 0014_coord_determinations
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_coord_rfis"
down_revision = "0014_coord_determinations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coord_steps") as batch:
        batch.add_column(sa.Column("paused_at", sa.BigInteger(), nullable=True))
    op.create_table(
        "coord_rfis",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=True),
        sa.Column("asking_body", sa.String(length=64), nullable=False),
        sa.Column("addressed_body", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("precedence", sa.String(length=9), nullable=False),
        sa.Column("opened_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_rfis_object_pk_objects")
        ),
        sa.ForeignKeyConstraint(
            ["item_pk"], ["objects.pk"], name=op.f("fk_coord_rfis_item_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_rfis")),
    )
    op.create_index("ix_coord_rfis_item", "coord_rfis", ["item_pk", "state"])
    op.create_table(
        "coord_rfi_replies",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("rfi_pk", sa.Integer(), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_rfi_replies_object_pk_objects")
        ),
        sa.ForeignKeyConstraint(
            ["rfi_pk"], ["objects.pk"], name=op.f("fk_coord_rfi_replies_rfi_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_rfi_replies")),
    )
    op.create_index("ix_coord_rfi_replies_rfi", "coord_rfi_replies", ["rfi_pk", "object_pk"])

    op.create_table(
        "coord_receipts",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("of_pk", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("received_at", sa.String(length=27), nullable=False),
        sa.Column("acknowledged_at", sa.String(length=27), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_receipts_object_pk_objects")
        ),
        sa.ForeignKeyConstraint(
            ["of_pk"], ["objects.pk"], name=op.f("fk_coord_receipts_of_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_receipts")),
    )
    op.create_index(
        "ix_coord_receipts_of", "coord_receipts", ["of_pk", "body", "nation"], unique=True
    )

    op.create_table(
        "coord_taskers",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("issuing_body", sa.String(length=64), nullable=False),
        sa.Column("opr", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("precedence", sa.String(length=9), nullable=False),
        sa.Column("suspense_at", sa.BigInteger(), nullable=False),
        sa.Column("next_at", sa.BigInteger(), nullable=True),
        sa.Column("steps", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("escalated_to", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_taskers_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_taskers")),
    )
    op.create_index("ix_coord_taskers_next", "coord_taskers", ["next_at"])
    op.create_table(
        "coord_task_statuses",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("tasker_pk", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_task_statuses_object_pk_objects")
        ),
        sa.ForeignKeyConstraint(
            ["tasker_pk"], ["objects.pk"], name=op.f("fk_coord_task_statuses_tasker_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_task_statuses")),
    )
    op.create_index(
        "ix_coord_task_statuses_tasker", "coord_task_statuses", ["tasker_pk", "object_pk"]
    )


def downgrade() -> None:
    op.drop_index("ix_coord_task_statuses_tasker", "coord_task_statuses")
    op.drop_table("coord_task_statuses")
    op.drop_index("ix_coord_taskers_next", "coord_taskers")
    op.drop_table("coord_taskers")
    op.drop_index("ix_coord_receipts_of", "coord_receipts")
    op.drop_table("coord_receipts")
    op.drop_index("ix_coord_rfi_replies_rfi", "coord_rfi_replies")
    op.drop_table("coord_rfi_replies")
    op.drop_index("ix_coord_rfis_item", "coord_rfis")
    op.drop_table("coord_rfis")
    with op.batch_alter_table("coord_steps") as batch:
        batch.drop_column("paused_at")
