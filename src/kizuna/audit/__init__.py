"""Tamper-evident audit: a SHA-256 chain written with every change, checkpoints
signed with the node's Ed25519 key (kept by the partner node and in offline files),
and a verifier that names the first bad entry."""

from kizuna.audit.checkpoints import Checkpoint, checkpoint, serving
from kizuna.audit.log import Entry, Item, append, append_many, entries, lock
from kizuna.audit.verify import Finding, Report, Witness, verify

__all__ = [
    "Checkpoint",
    "Entry",
    "Finding",
    "Item",
    "Report",
    "Witness",
    "append",
    "append_many",
    "checkpoint",
    "entries",
    "lock",
    "serving",
    "verify",
]
