"""restatement index of the 2+2 record: terms of each decision version

Decisions stored before this revision are indexed by the next import that may see
them (`meetings.restate.catch_up`), so the migration only creates the tables.

Revision ID: 0005_meetings_index
Revises: 0004_taxii
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_meetings_index"
down_revision = "0004_taxii"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings_decisions",
        sa.Column("version_pk", sa.Integer(), nullable=False),
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("meeting_date", sa.String(length=10), nullable=False),
        sa.Column("keywords", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_pk"],
            ["versions.pk"],
            name=op.f("fk_meetings_decisions_version_pk_versions"),
        ),
        sa.PrimaryKeyConstraint("version_pk", name=op.f("pk_meetings_decisions")),
    )
    op.create_table(
        "meetings_terms",
        sa.Column("version_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("meeting_date", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_pk"],
            ["versions.pk"],
            name=op.f("fk_meetings_terms_version_pk_versions"),
        ),
        sa.PrimaryKeyConstraint("version_pk", "kind", "term", name=op.f("pk_meetings_terms")),
    )
    op.create_index(
        "ix_meetings_terms_lookup",
        "meetings_terms",
        ["kind", "term", "meeting_date", "version_pk"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_meetings_terms_lookup", table_name="meetings_terms")
    op.drop_table("meetings_terms")
    op.drop_table("meetings_decisions")
