"""glossary: the look-up table of the alliance glossary's terms

Revision ID: 0001_glossary
Revises: 0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_glossary"
down_revision = "0001"
branch_labels = ("glossary",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "glossary_terms",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("ja_key", sa.String(length=200), nullable=False),
        sa.Column("en_key", sa.String(length=200), nullable=False),
        sa.Column("lookup", sa.Text(), nullable=False),
        sa.Column("sort_ja", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_glossary_terms_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_glossary_terms")),
    )
    op.create_index("ix_glossary_terms_ja_key", "glossary_terms", ["ja_key", "en_key"])
    op.create_index("ix_glossary_terms_en_key", "glossary_terms", ["en_key"])


def downgrade() -> None:
    op.drop_table("glossary_terms")
