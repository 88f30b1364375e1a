"""peers, signatures of arrived versions, quarantine, witnessed checkpoints

Revision ID: 0006_federation
Revises: 0005_meetings_index
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_federation"
down_revision = "0005_meetings_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peers",
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("max_rank", sa.Integer(), nullable=False),
        sa.Column("compartments", sa.Text(), nullable=False),
        sa.Column("pull_token", sa.Text(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.String(length=27), nullable=False),
        sa.Column("added_after", sa.String(length=27), nullable=True),
        sa.Column("last_pull_at", sa.String(length=27), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quarantined", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("nation", name=op.f("pk_peers")),
    )
    op.create_table(
        "signatures",
        sa.Column("version_pk", sa.Integer(), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("claims", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_pk"], ["versions.pk"], name=op.f("fk_signatures_version_pk_versions")
        ),
        sa.PrimaryKeyConstraint("version_pk", name=op.f("pk_signatures")),
    )
    op.create_table(
        "quarantine",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("peer", sa.String(length=3), nullable=False),
        sa.Column("object_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_quarantine")),
    )
    op.create_table(
        "peer_checkpoints",
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=27), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("nation", "seq", name=op.f("pk_peer_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("peer_checkpoints")
    op.drop_table("quarantine")
    op.drop_table("signatures")
    op.drop_table("peers")
