"""Checkpoints signed with the node key, and verification of the whole log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import Connection, insert, select

from kizuna import clock
from kizuna.audit.log import GENESIS, entry_hash, stream
from kizuna.db.schema import audit_checkpoints, audit_head
from kizuna.node import key_id

__all__ = ["Checkpoint", "Finding", "Report", "checkpoint", "checkpoint_payload", "verify"]


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    signature: str


@dataclass(frozen=True)
class Finding:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"audit entry {self.seq}: {self.reason}"


@dataclass(frozen=True)
class Report:
    entries: int
    checkpoints: int
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.finding is None


def checkpoint_payload(seq: int, digest: str, at: str) -> bytes:
    return f"kizuna-audit-checkpoint\n{seq}\n{digest}\n{at}".encode()


def checkpoint(conn: Connection, key: Ed25519PrivateKey) -> Checkpoint | None:
    """Sign the current head; None when there is nothing new since the last one."""
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if head is None:
        return None
    last = conn.execute(select(audit_checkpoints.c.seq).order_by(audit_checkpoints.c.seq.desc()))
    last_seq = last.scalar()
    if last_seq is not None and last_seq >= head.seq:
        return None
    at = clock.now_ts()
    signature = key.sign(checkpoint_payload(head.seq, head.hash, at)).hex()
    made = Checkpoint(head.seq, head.hash, at, key_id(key), signature)
    conn.execute(insert(audit_checkpoints).values(**made.__dict__))
    return made


@dataclass
class _Walk:
    """Where the walk along the chain got to."""

    count: int = 0
    prev_hash: str = GENESIS
    finding: Finding | None = None

    @property
    def last_seq(self) -> int:
        return self.count


def _walk(rows: Iterator[Any], signed: set[int], hashes_at: dict[int, str]) -> _Walk:
    walk = _Walk()
    for row in rows:
        expected = walk.count + 1
        if row.seq != expected:
            walk.finding = Finding(expected, "is missing (deleted)")
            return walk
        recomputed = entry_hash(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            detail=row.detail,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            walk.finding = Finding(row.seq, "content does not match its hash (edited)")
            return walk
        if row.prev_hash != walk.prev_hash:
            walk.finding = Finding(
                row.seq, f"does not follow entry {row.seq - 1} (reordered or inserted)"
            )
            return walk
        if row.seq in signed:
            hashes_at[row.seq] = row.hash
        walk.prev_hash = row.hash
        walk.count += 1
    return walk


def verify(conn: Connection, public_key: Ed25519PublicKey) -> Report:
    """Walk the chain from the first entry and stop at the first that is wrong.

    Catches an edited entry (its hash no longer matches), a deleted one (a gap in
    the sequence, or a head that points past the end), a swapped or inserted one
    (it does not chain to its predecessor, or is not in the head), and a rewritten
    tail (a signed checkpoint disagrees, or its signature does not verify).
    """
    checkpoints = {
        row.seq: row
        for row in conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.seq))
    }
    hashes_at: dict[int, str] = {}
    with closing(stream(conn)) as rows:
        walk = _walk(rows, set(checkpoints), hashes_at)

    def report(finding: Finding | None) -> Report:
        return Report(entries=walk.count, checkpoints=len(checkpoints), finding=finding)

    if walk.finding is not None:
        return report(walk.finding)

    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if head is not None:
        if head.seq > walk.last_seq:
            return report(Finding(walk.last_seq + 1, "is missing (deleted from the end)"))
        if head.seq < walk.last_seq:
            return report(Finding(head.seq + 1, "is not recorded in the head (inserted)"))
        if head.hash != walk.prev_hash:
            return report(Finding(walk.last_seq, "differs from the head (edited)"))

    for seq, point in checkpoints.items():
        if seq not in hashes_at:
            return report(Finding(seq, "is missing but a signed checkpoint covers it"))
        if hashes_at[seq] != point.hash:
            return report(Finding(seq, "differs from the signed checkpoint"))
        try:
            public_key.verify(
                bytes.fromhex(point.signature), checkpoint_payload(seq, point.hash, point.at)
            )
        except (InvalidSignature, ValueError):
            return report(Finding(seq, "its checkpoint signature does not verify"))
    return report(None)
