"""Approvals of joint products: one row per approval object this node holds.

An approval is an object of the approving nation (`x-kizuna-approval`), read under
its own label; this table indexes it by the product and the version it approves
(the version's digest), so that a product's page and its node's release find the
approvals of one version without reading every object's body."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint

from kizuna.db.schema import TS, metadata

__all__ = ["intel_approvals", "intel_visits"]

intel_approvals = Table(
    "intel_approvals",
    metadata,
    Column("object_pk", Integer, ForeignKey("objects.pk"), primary_key=True),
    Column("product", String(128), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("nation", String(3), nullable=False),
    Column("officer", String(128), nullable=False),
    Column("approved_at", TS, nullable=False),
    # One approval per nation and version: a second one is refused, here as well.
    UniqueConstraint("product", "digest", "nation"),
)

# Each reader's visits to the start page, which shows the intelligence new since the
# previous visit (`today.py`): `since` is where the current visit's window starts;
# before `first_seen_at` only while the reader is on their first visit.
intel_visits = Table(
    "intel_visits",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("seen_at", TS, nullable=False),
    Column("since", TS, nullable=False),
    Column("first_seen_at", TS, nullable=False),
)
