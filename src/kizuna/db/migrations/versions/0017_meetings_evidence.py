"""restatement index: the two nations and the words of reporting are no evidence

A restatement is now judged without the words every decision shares (こと, 確認,
"that", the ministers) and without naming Japan or the United States. The index holds
the terms it was built with: emptied here, it is read again from the decisions by the
next import (`meetings.restate.catch_up`). Links already made stay as they are.

Revision ID: 0017_meetings_evidence
Revises: 0016_meetings_unlinked
Create Date: 2026-12-06
"""

from alembic import op

revision = "0017_meetings_evidence"
down_revision = "0016_meetings_unlinked"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM meetings_terms")
    op.execute("DELETE FROM meetings_decisions")


def downgrade() -> None:
    # The index is derived: emptied again, it is rebuilt under the rule of the code.
    op.execute("DELETE FROM meetings_terms")
    op.execute("DELETE FROM meetings_decisions")
