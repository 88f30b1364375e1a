"""joint-product approvals become objects of the approving nation

Each approval is now an `x-kizuna-approval` object (so that it can travel from the
officer's node to the product's node); `intel_approvals` indexes those objects by
product and approved digest. The old rows were keyed by a node-local version number
and had no object behind them: a draft that had some of its approvals needs them
again (a released product keeps its released version; only the list of who approved
it is not shown).

Revision ID: 0009_intel_approvals
Revises: 0008_coordination_answers
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_intel_approvals"
down_revision = "0008_coordination_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("intel_approvals")
    op.create_table(
        "intel_approvals",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("officer", sa.String(length=128), nullable=False),
        sa.Column("approved_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_intel_approvals_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_intel_approvals")),
        sa.UniqueConstraint(
            "product", "digest", "nation", name=op.f("uq_intel_approvals_product_digest_nation")
        ),
    )


def downgrade() -> None:
    op.drop_table("intel_approvals")
    op.create_table(
        "intel_approvals",
        sa.Column("stix_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("officer", sa.String(length=128), nullable=False),
        sa.Column("approved_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("stix_id", "version", "nation", name=op.f("pk_intel_approvals")),
    )
