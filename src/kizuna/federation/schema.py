"""Peers, what came from them, and what their guard refused."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from kizuna.db.schema import TS, metadata

__all__ = ["peer_checkpoints", "peers", "quarantine", "signatures", "spillage_notices"]

# One row per partner node: where it is, its key, what was agreed with it, the token
# this node pulls with, the account it pulls here with, and where the pull stands.
peers = Table(
    "peers",
    metadata,
    Column("nation", String(3), primary_key=True),
    Column("url", Text, nullable=False),
    Column("public_key", Text, nullable=False),
    Column("max_rank", Integer, nullable=False),
    Column("compartments", Text, nullable=False),
    Column("pull_token", Text, nullable=False),
    Column("account", String(64), nullable=False),
    Column("added_at", TS, nullable=False),
    Column("added_after", TS),
    Column("last_pull_at", TS),
    # The last pull's failure: its code (federation/failures.py) and its detail.
    Column("last_error", Text),
    Column("last_error_kind", String(32)),
    Column("received", Integer, nullable=False, server_default="0"),
    Column("quarantined", Integer, nullable=False, server_default="0"),
)

# The origin's signature of each version that arrived, kept beside the exact body.
signatures = Table(
    "signatures",
    metadata,
    Column("version_pk", ForeignKey("versions.pk"), primary_key=True),
    Column("nation", String(3), nullable=False),
    Column("claims", Text, nullable=False),
)

# What the guard refused, with why; never readable as an object. The payload of a
# spilled object (above the agreement, not releasable here) is never kept: "" and the
# digest of what came; other payloads are kept for diagnosis, cut to a bound.
# `reported_at` says when the sender was told of a spillage.
quarantine = Table(
    "quarantine",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("peer", String(3), nullable=False),
    Column("object_id", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", TS, nullable=False),
    Column("label", Text),
    Column("digest", String(64)),
    Column("spillage", Integer, nullable=False, server_default="0"),
    Column("reported_at", TS),
)
Index("ix_quarantine_peer_object_id", quarantine.c.peer, quarantine.c.object_id)

# What a peer's guard told this node it refused as spillage: objects this node sent
# that the peer's agreement does not allow (this node's record of it is wider).
spillage_notices = Table(
    "spillage_notices",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("peer", String(3), nullable=False),
    Column("object_id", String(128), nullable=False),
    Column("label", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("refused_at", TS, nullable=False),
    Column("received_at", TS, nullable=False),
)
Index(
    "ix_spillage_notices_peer_object_id",
    spillage_notices.c.peer,
    spillage_notices.c.object_id,
    spillage_notices.c.digest,
)

# The partner's signed audit checkpoints: each node witnesses the other's log.
peer_checkpoints = Table(
    "peer_checkpoints",
    metadata,
    Column("nation", String(3), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("at", TS, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("received_at", TS, nullable=False),
)
