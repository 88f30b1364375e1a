"""accounts with a life cycle: token expiry, a credential generation per user, and the
sign-in throttle keyed by name and client address

Tokens issued before this revision expire 90 days after they were issued (the default
lifetime), so that no token lives for ever.

Revision ID: 0007_accounts
Revises: 0006_federation
Create Date: 2026-12-03
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0007_accounts"
down_revision = "0006_federation"
branch_labels = None
depends_on = None

_TS = "%Y-%m-%dT%H:%M:%S.%fZ"


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("generation", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("api_tokens", sa.Column("expires_at", sa.String(length=27), nullable=True))
    tokens = sa.table(
        "api_tokens",
        sa.column("pk", sa.Integer),
        sa.column("created_at", sa.String),
        sa.column("expires_at", sa.String),
    )
    conn = op.get_bind()
    for pk, created in conn.execute(sa.select(tokens.c.pk, tokens.c.created_at)).all():
        issued = datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(UTC)
        conn.execute(
            sa.update(tokens)
            .where(tokens.c.pk == pk)
            .values(expires_at=(issued + timedelta(days=90)).strftime(_TS))
        )
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("username", "source", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("generation")
