"""coordination: each nation's situation determinations, and a precedence on every item

A region's phase was set by a concurred item; now each nation records its own
determinations, and an item's deadline follows its precedence and the most urgent
determination in force in its region. Open items keep their pending deadlines as they
are; their precedence is the one whose deadline equals their region's old phase
(peacetime 72 h: ROUTINE, gray zone 12 h: PRIORITY, contingency 1 h: FLASH), so their
next deadlines keep the same pace.

Revision ID: 0014_coord_determinations
Revises: 0013_coord_stated_due
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_coord_determinations"
down_revision = "0013_coord_stated_due"
branch_labels = None
depends_on = None


# Tiers now include the ACG's levels (`acg_director_general`): wider columns.
TIER_COLUMNS = (("coord_items", "tier"), ("coord_responses", "tier"), ("coord_steps", "from_tier"))


def upgrade() -> None:
    for table, column in TIER_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.String(length=32), existing_type=sa.String(length=16)
            )
    with op.batch_alter_table("coord_items") as batch:
        batch.add_column(
            sa.Column("precedence", sa.String(length=9), nullable=False, server_default="ROUTINE")
        )
    op.execute(
        "UPDATE coord_items SET precedence = COALESCE(("
        " SELECT CASE coord_phases.phase"
        "  WHEN 'contingency' THEN 'FLASH' WHEN 'gray_zone' THEN 'PRIORITY' ELSE 'ROUTINE' END"
        " FROM coord_phases WHERE coord_phases.region = coord_items.region), 'ROUTINE')"
    )
    op.create_table(
        "coord_determinations",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("effective_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"], ["objects.pk"], name=op.f("fk_coord_determinations_object_pk_objects")
        ),
        sa.PrimaryKeyConstraint("object_pk", name=op.f("pk_coord_determinations")),
    )
    op.create_table(
        "coord_determination_regions",
        sa.Column("object_pk", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_pk"],
            ["objects.pk"],
            name=op.f("fk_coord_determination_regions_object_pk_objects"),
        ),
        sa.PrimaryKeyConstraint("object_pk", "region", name=op.f("pk_coord_determination_regions")),
    )
    op.create_index(
        "ix_coord_determination_regions_region",
        "coord_determination_regions",
        ["region", "object_pk"],
    )


def downgrade() -> None:
    op.drop_index("ix_coord_determination_regions_region", "coord_determination_regions")
    op.drop_table("coord_determination_regions")
    op.drop_table("coord_determinations")
    with op.batch_alter_table("coord_items") as batch:
        batch.drop_column("precedence")
    for table, column in TIER_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.String(length=16), existing_type=sa.String(length=32)
            )
