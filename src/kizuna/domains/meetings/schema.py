"""The restatement index: the words, named entities and topics of each decision
version, so that finding the earlier decision an import restates is a lookup by
term instead of a read of every decision on the node.

Rows describe one version (`version_pk`): a lookup joins `access` on that version
with the store's visibility condition and `current = 1`, so a decision the reader
may not see, or the words of a superseded version, never match.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from kizuna.db.schema import metadata

__all__ = ["meetings_decisions", "meetings_terms"]

# One row per indexed decision version, also for a decision without terms, so the
# index knows which versions it has already read.
meetings_decisions = Table(
    "meetings_decisions",
    metadata,
    Column("version_pk", ForeignKey("versions.pk"), primary_key=True),
    Column("object_pk", Integer, nullable=False),
    Column("meeting_date", String(10), nullable=False),
    Column("keywords", Integer, nullable=False),  # distinct keywords: Jaccard's denominator
)

# kind: "k" keyword, "e" entity text, "t" topic.
meetings_terms = Table(
    "meetings_terms",
    metadata,
    Column("version_pk", ForeignKey("versions.pk"), primary_key=True),
    Column("kind", String(1), primary_key=True),
    Column("term", Text, primary_key=True),
    Column("meeting_date", String(10), nullable=False),
)
Index(
    "ix_meetings_terms_lookup",
    meetings_terms.c.kind,
    meetings_terms.c.term,
    meetings_terms.c.meeting_date,
    meetings_terms.c.version_pk,
)
