"""Tables of users, API tokens and browser sessions (on the store's metadata)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text

from kizuna.db.schema import TS, metadata

__all__ = ["api_tokens", "login_throttle", "sessions", "users"]

users = Table(
    "users",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False),
    Column("nation", String(3), nullable=False),
    Column("clearance_rank", Integer, nullable=False),
    Column("compartments", Text, nullable=False),
    Column("roles", Text, nullable=False),
    Column("bodies", Text, nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("last_failed_at", TS, nullable=True),
    Column("active", Integer, nullable=False, default=1),
    Column("created_at", TS, nullable=False),
    # Bumped when the user is deactivated or reactivated or their password changes:
    # whatever remembered a sign-in (the TAXII Basic cache) checks it is still current.
    Column("generation", Integer, nullable=False, server_default="0"),
    # The IANA zone the user reads times in; none: their nation's (web/times.py).
    Column("zone", String(64), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("user_pk", ForeignKey("users.pk"), nullable=False),
    # SHA-256 of a 256-bit random token: high entropy makes a slow hash unnecessary,
    # and a plain digest can be looked up by index.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("last_used_at", TS, nullable=True),
    Column("revoked_at", TS, nullable=True),
    # A token without an expiry is not accepted (rows from before 0007 were given one).
    Column("expires_at", TS, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_pk", ForeignKey("users.pk"), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)

# Failed sign-ins per (name as typed, client address): a stranger's failures from
# elsewhere never slow the user down, and unknown names are counted like known ones
# so that the throttle does not tell them apart.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", TS, nullable=False),
)
