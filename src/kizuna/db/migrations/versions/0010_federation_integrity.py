"""quarantine keeps a digest and the claimed label, marks spillage and when it was
reported; spillage notices received from peers

Revision ID: 0010_federation_integrity
Revises: 0009_intel_approvals
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_federation_integrity"
down_revision = "0009_intel_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(sa.Column("label", sa.Text(), nullable=True))
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("spillage", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("reported_at", sa.String(length=27), nullable=True))
    op.create_index(
        "ix_quarantine_peer_object_id", "quarantine", ["peer", "object_id"], unique=False
    )
    op.create_table(
        "spillage_notices",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("peer", sa.String(length=3), nullable=False),
        sa.Column("object_id", sa.String(length=128), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("refused_at", sa.String(length=27), nullable=False),
        sa.Column("received_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_spillage_notices")),
    )
    op.create_index(
        "ix_spillage_notices_peer_object_id",
        "spillage_notices",
        ["peer", "object_id", "digest"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_spillage_notices_peer_object_id", table_name="spillage_notices")
    op.drop_table("spillage_notices")
    op.drop_index("ix_quarantine_peer_object_id", table_name="quarantine")
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_column("reported_at")
        batch.drop_column("spillage")
        batch.drop_column("digest")
        batch.drop_column("label")
