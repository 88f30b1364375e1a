"""intel: when each reader first saw the start page, so a first visit is not called
"new since your last visit"

Revision ID: 0002_intel_first_visit
Revises: 0001_intel_visits
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_intel_first_visit"
down_revision = "0001_intel_visits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intel_visits") as batch:
        batch.add_column(sa.Column("first_seen_at", sa.String(length=27), nullable=True))
    # A reader who has visited before counts as returning: their window is a real
    # last visit's, never before their first view.
    op.execute("UPDATE intel_visits SET first_seen_at = since")
    with op.batch_alter_table("intel_visits") as batch:
        batch.alter_column("first_seen_at", existing_type=sa.String(length=27), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("intel_visits") as batch:
        batch.drop_column("first_seen_at")
