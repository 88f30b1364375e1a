"""The glossary's look-up table (on the store's metadata).

One row per term, rewritten with each of its versions (written here or arrived from a
peer): the folded forms a look-up matches (`model.fold`). It holds no label: who may
see a term is decided by the store's `access` rows, and every read that shows anything
from this table joins it to them through `visible()` (see queries.py).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from kizuna.db.schema import TS, metadata

__all__ = ["glossary_terms"]

glossary_terms = Table(
    "glossary_terms",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    # The folded Japanese and English forms: a term is one per label and origin.
    Column("ja_key", String(200), nullable=False),
    Column("en_key", String(200), nullable=False),
    # Every folded form, reading and abbreviation, one a line, with a line break at
    # both ends: a look-up matches within it, an exact form as "\n<form>\n".
    Column("lookup", Text, nullable=False),
    # The order of a list: the first reading (or the form) in Japanese, the form in English.
    Column("sort_ja", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("updated_at", TS, nullable=False),
)
Index("ix_glossary_terms_ja_key", glossary_terms.c.ja_key, glossary_terms.c.en_key)
Index("ix_glossary_terms_en_key", glossary_terms.c.en_key)
