"""coordination: the item a tasker is on, so that its taskers follow the item's label

Revision ID: 0002_coord_tasker_item
Revises: 0001_coord_watch
Create Date: 2026-12-07
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002_coord_tasker_item"
down_revision = "0001_coord_watch"
branch_labels = None
# coord_taskers is made by the core chain.
depends_on = ("0015_coord_rfis",)


def upgrade() -> None:
    op.add_column("coord_taskers", sa.Column("item", sa.String(length=128), nullable=True))
    op.create_index("ix_coord_taskers_item", "coord_taskers", ["item"], unique=False)
    # Every version of a tasker names the same item (it never changes): the newest
    # one's body says which.
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT t.object_pk, v.body FROM coord_taskers t JOIN versions v "
            "ON v.object_pk = t.object_pk AND v.number = "
            "(SELECT max(number) FROM versions w WHERE w.object_pk = t.object_pk)"
        )
    ).all()
    for pk, body in rows:
        item = json.loads(body).get("coordination_item")
        if item:
            conn.execute(
                sa.text("UPDATE coord_taskers SET item = :item WHERE object_pk = :pk"),
                {"item": item, "pk": pk},
            )


def downgrade() -> None:
    op.drop_index("ix_coord_taskers_item", table_name="coord_taskers")
    op.drop_column("coord_taskers", "item")
