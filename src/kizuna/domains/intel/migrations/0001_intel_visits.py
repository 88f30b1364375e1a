"""intel: each reader's last visit, for the start page's "new since your last visit"

Revision ID: 0001_intel_visits
Revises: 0009_intel_approvals
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_intel_visits"
down_revision = "0009_intel_approvals"
branch_labels = ("intel",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_visits",
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("seen_at", sa.String(length=27), nullable=False),
        sa.Column("since", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_intel_visits")),
    )


def downgrade() -> None:
    op.drop_table("intel_visits")
