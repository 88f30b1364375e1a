"""coordination: the watch log and shift handovers, one mirror row per object

Revision ID: 0001_coord_watch
Revises: 0014_coord_determinations
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_coord_watch"
down_revision = "0014_coord_determinations"
branch_labels = ("coordination",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coord_watch",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_watch_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_watch")),
    )
    op.create_index(
        "ix_coord_watch_body_at", "coord_watch", ["body", "at", "object_pk"], unique=False
    )
    op.create_table(
        "coord_handovers",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("start_at", sa.BigInteger(), nullable=False),
        sa.Column("end_at", sa.BigInteger(), nullable=False),
        sa.Column("outgoing_signed", sa.Integer(), nullable=False),
        sa.Column("incoming_signed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_handovers_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_handovers")),
    )
    op.create_index(
        "ix_coord_handovers_body_end", "coord_handovers", ["body", "end_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_coord_handovers_body_end", table_name="coord_handovers")
    op.drop_table("coord_handovers")
    op.drop_index("ix_coord_watch_body_at", table_name="coord_watch")
    op.drop_table("coord_watch")
