"""The status resources of TAXII POST requests."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from kizuna.db.schema import TS, metadata

__all__ = ["taxii_status"]

# One row per POST: the counts and the per-object outcome lists, as JSON text. A
# status names object ids, so only the principal that posted may read it.
taxii_status = Table(
    "taxii_status",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("request_timestamp", TS, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_count", Integer, nullable=False),
    Column("success_count", Integer, nullable=False),
    Column("failure_count", Integer, nullable=False),
    Column("pending_count", Integer, nullable=False),
    Column("successes", Text, nullable=False),
    Column("failures", Text, nullable=False),
    Column("pendings", Text, nullable=False),
)
