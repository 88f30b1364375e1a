"""Keys derived from the node secret, one per purpose.

The node secret never leaves the database; each use (paging cursors, ids derived
from content) gets its own key through HKDF, so that what one use reveals or
exposes says nothing about another's key."""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["subkey"]


@lru_cache(maxsize=64)
def subkey(secret: bytes, purpose: str) -> bytes:
    """32 bytes for `purpose`, the same on every worker of the node."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"kizuna {purpose}".encode()
    ).derive(secret)
