"""glossary: hyphens and dashes join words as a space does in the look-up keys

Revision ID: 0002_glossary_joiners
Revises: 0001_glossary
Create Date: 2026-12-07

Walk 48: "gray zone" did not find 「グレーゾーン事態」, stored as "gray-zone situation".
The keys held are folded forms already; folding them again as `model.fold` now folds
gives what a new version would store, so no term's body need be read. The fold is
written out here, as of this revision, so that a later change to `model.fold` does not
change what this migration did.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0002_glossary_joiners"
down_revision = "0001_glossary"
branch_labels = None
depends_on = None

_SPACE = re.compile(r"\s+")
_JOINERS = frozenset("-_\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


def _fold(key: str) -> str:
    return _SPACE.sub(" ", "".join(" " if c in _JOINERS else c for c in key)).strip()


def upgrade() -> None:
    terms = sa.table(
        "glossary_terms",
        sa.column("object_pk", sa.Integer()),
        sa.column("ja_key", sa.String()),
        sa.column("en_key", sa.String()),
        sa.column("lookup", sa.Text()),
        sa.column("sort_ja", sa.String()),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(terms.c.object_pk, terms.c.ja_key, terms.c.en_key, terms.c.lookup,
                  terms.c.sort_ja)
    ).all()  # fmt: skip
    for row in rows:
        # One form a line, with a line break at both ends (schema.py).
        forms = row.lookup.strip("\n").split("\n")
        conn.execute(
            sa.update(terms)
            .where(terms.c.object_pk == row.object_pk)
            .values(
                ja_key=_fold(row.ja_key),
                en_key=_fold(row.en_key),
                lookup="\n" + "\n".join(_fold(f) for f in forms) + "\n",
                sort_ja=_fold(row.sort_ja),
            )
        )


def downgrade() -> None:
    pass  # the keys folded the old way would find less; nothing to restore
