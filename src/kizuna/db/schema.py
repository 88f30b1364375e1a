"""Tables of the object store and the audit log.

Objects are STIX 2.1 JSON kept as text, one row per version. The `access` table
holds, for every version and every nation it is releasable to, the rank and the
compartment bits of its label, so that one indexed SQL condition answers
"visible to this principal" (see `access.py`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

__all__ = [
    "MAX_INTEGER",
    "access",
    "audit_checkpoints",
    "audit_head",
    "audit_log",
    "compartment_bits",
    "metadata",
    "node",
    "objects",
    "versions",
]

# The largest value of an Integer column on both databases (PostgreSQL's `integer`):
# a key, an offset or a sequence number past it names nothing, and sent to the driver it
# fails there, as an error of the server's.
MAX_INTEGER = 2**31 - 1

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Timestamps are fixed-width UTC text (kizuna.clock), ordered the same everywhere.
TS = String(27)

node = Table(
    "node",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("nation", String(3), nullable=False),
    Column("name", String(64), nullable=False),
    Column("secret", LargeBinary, nullable=False),
    Column("public_key", Text, nullable=False),
    Column("policy", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
)

compartment_bits = Table(
    "compartment_bits",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("bit", Integer, nullable=False, unique=True),
)

objects = Table(
    "objects",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("stix_id", String(128), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("origin", String(3), nullable=False),
    Column("created_at", TS, nullable=False),
)

versions = Table(
    "versions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("object_pk", ForeignKey("objects.pk"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("modified", String(32), nullable=False),
    Column("label", Text, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("rel_to", Text, nullable=False),
    Column("compartments", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("author", String(128), nullable=False),
    Column("recorded_at", TS, nullable=False),
    UniqueConstraint("object_pk", "number"),
)

access = Table(
    "access",
    metadata,
    Column("version_pk", ForeignKey("versions.pk"), primary_key=True),
    Column("nation", String(3), primary_key=True),
    Column("object_pk", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("comp_mask", BigInteger, nullable=False),
    Column("current", Integer, nullable=False),
)

# Listings walk one nation's current rows newest first; rank and compartment bits
# sit in the index so that rows a reader may not see are skipped without a lookup,
# and the version key makes it covering (an index-only scan). Leading with the
# nation is what keeps a partner reader, who sees little, from scanning everyone
# else's rows.
_current = text("current = 1")
Index(
    "ix_access_listing",
    access.c.nation,
    access.c.object_pk,
    access.c.rank,
    access.c.comp_mask,
    access.c.version_pk,
    sqlite_where=_current,
    postgresql_where=_current,
)
Index(
    "ix_access_listing_by_type",
    access.c.nation,
    access.c.type,
    access.c.object_pk,
    access.c.rank,
    access.c.comp_mask,
    access.c.version_pk,
    sqlite_where=_current,
    postgresql_where=_current,
)
Index("ix_versions_object", versions.c.object_pk, versions.c.number)

# Feeds (TAXII collections, peers) walk one nation's rows in the order they were
# added, every version, with the label columns in the index for the same reason.
Index(
    "ix_access_feed",
    access.c.nation,
    access.c.version_pk,
    access.c.rank,
    access.c.comp_mask,
    access.c.current,
    access.c.type,
)
# `added_after` finds its first row here.
Index("ix_versions_recorded", versions.c.recorded_at, versions.c.pk)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", TS, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(128), nullable=True),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_log_action", audit_log.c.action, audit_log.c.seq)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("at", TS, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
)
