"""attachments: one row per attached file, for the lists of an object's attachments

Revision ID: 0001_attachments
Revises: 0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_attachments"
down_revision = "0001"
branch_labels = ("attachments",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "att_files",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_att_files_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_att_files")),
    )
    op.create_index("ix_att_files_target", "att_files", ["target", "object_pk"])


def downgrade() -> None:
    op.drop_index("ix_att_files_target", table_name="att_files")
    op.drop_table("att_files")
