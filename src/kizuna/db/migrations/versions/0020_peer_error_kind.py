"""peers.last_error_kind: why the last pull failed, as a code the pages word

`last_error` kept the exception as Python wrote it, and the federation page showed it
as it was ("ConnectionError: HTTPConnectionPool(…) Max retries exceeded…"). The code
(federation/failures.py) says what failed (refused, timeout, tls, http-401…) for the
page to say in the reader's words; `last_error` stays beside it as the technical
detail. A failure recorded before this revision has no code: the page says the pull
failed, and shows its detail.

Revision ID: 0020_peer_error_kind
Revises: 0019_search_more_text
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_peer_error_kind"
down_revision = "0019_search_more_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("peers") as batch:
        batch.add_column(sa.Column("last_error_kind", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("peers") as batch:
        batch.drop_column("last_error_kind")
