"""coordination answers: the item version each answers, and whether it counted

Answers recorded before this revision were all counted by the node that recorded them
(it recorded only those), so they are marked counted.

Revision ID: 0008_coordination_answers
Revises: 0007_accounts
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_coordination_answers"
down_revision = "0007_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("coord_responses", sa.Column("item_modified", sa.String(length=40)))
    op.add_column("coord_responses", sa.Column("counted", sa.Integer()))
    op.execute("UPDATE coord_responses SET counted = 1")
    op.create_index(
        "ix_coord_responses_version",
        "coord_responses",
        ["item_pk", "nation", "item_modified"],
    )


def downgrade() -> None:
    op.drop_index("ix_coord_responses_version", table_name="coord_responses")
    with op.batch_alter_table("coord_responses") as batch:
        batch.drop_column("counted")
        batch.drop_column("item_modified")
