"""feed indexes, TAXII status resources, approvals of joint products

Revision ID: 0004_taxii
Revises: 0002_coordination
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_taxii"
down_revision = "0002_coordination"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_access_feed",
        "access",
        ["nation", "version_pk", "rank", "comp_mask", "current", "type"],
        unique=False,
    )
    op.create_index("ix_versions_recorded", "versions", ["recorded_at", "pk"], unique=False)
    op.create_table(
        "taxii_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("request_timestamp", sa.String(length=27), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("pending_count", sa.Integer(), nullable=False),
        sa.Column("successes", sa.Text(), nullable=False),
        sa.Column("failures", sa.Text(), nullable=False),
        sa.Column("pendings", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxii_status")),
    )
    op.create_table(
        "intel_approvals",
        sa.Column("stix_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("officer", sa.String(length=128), nullable=False),
        sa.Column("approved_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("stix_id", "version", "nation", name=op.f("pk_intel_approvals")),
    )


def downgrade() -> None:
    op.drop_table("intel_approvals")
    op.drop_table("taxii_status")
    op.drop_index("ix_versions_recorded", table_name="versions")
    op.drop_index("ix_access_feed", table_name="access")
