"""restatement index: a row for each decision that restates one and found none

The index is derived from the decisions: emptied here, it is read again from them by
the next import (`meetings.restate.catch_up`), now with those rows, so that a later
meeting's decision imported before the earlier meeting still finds it.

Revision ID: 0016_meetings_unlinked
Revises: 0015_coord_rfis
Create Date: 2026-12-06
"""

from alembic import op

revision = "0016_meetings_unlinked"
down_revision = "0015_coord_rfis"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM meetings_terms")
    op.execute("DELETE FROM meetings_decisions")


def downgrade() -> None:
    op.execute("DELETE FROM meetings_terms WHERE kind = 'r'")
