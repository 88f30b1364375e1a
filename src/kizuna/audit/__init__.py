"""Tamper-evident audit: a SHA-256 chain written with every change, checkpoints
signed with the node's Ed25519 key, and a verifier that names the first bad entry."""

from kizuna.audit.log import Entry, append, entries, lock
from kizuna.audit.verify import Checkpoint, Finding, Report, checkpoint, verify

__all__ = [
    "Checkpoint",
    "Entry",
    "Finding",
    "Report",
    "append",
    "checkpoint",
    "entries",
    "lock",
    "verify",
]
