"""users.zone: the time zone a user reads times in

Revision ID: 0012_user_zone
Revises: 0011_search
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_user_zone"
down_revision = "0011_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("zone")
