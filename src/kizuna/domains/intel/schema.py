"""Approvals of joint products: one row per product version and approving nation."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from kizuna.db.schema import TS, metadata

__all__ = ["intel_approvals"]

# Keyed by the product's id and version: an approval is of what the officer read,
# and a new version of the product needs new approvals.
intel_approvals = Table(
    "intel_approvals",
    metadata,
    Column("stix_id", String(128), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("nation", String(3), primary_key=True),
    Column("officer", String(128), nullable=False),
    Column("approved_at", TS, nullable=False),
)
