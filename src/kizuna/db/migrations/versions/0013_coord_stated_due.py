"""coord_items.stated_due: the deadline a partner's node shows for an item it mirrors

Revision ID: 0013_coord_stated_due
Revises: 0012_user_zone
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_coord_stated_due"
down_revision = "0012_user_zone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coord_items") as batch:
        batch.add_column(sa.Column("stated_due", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coord_items") as batch:
        batch.drop_column("stated_due")
