"""Signed checkpoints of the log's head, the serving periods they vouch for, and the
export of checkpoints to a file for offline, write-once storage.

A checkpoint is the node's Ed25519 signature over (seq, hash, time) of the head. A
serving node signs one every `checkpoint_seconds` when there is something new, and
one at once when it starts and when it stops, each after an entry that records it
(`node.serve.start`, `node.serve.stop`): the serving periods that `verify` uses to
tell a missing checkpoint from a node that was simply not running.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import Connection, insert, select

from kizuna import clock
from kizuna.audit.log import append
from kizuna.db.schema import audit_checkpoints, audit_head
from kizuna.node import key_id

__all__ = [
    "EXPORT_FORMAT",
    "SERVE_START",
    "SERVE_STOP",
    "Checkpoint",
    "checkpoint",
    "checkpoint_payload",
    "export_text",
    "read_export",
    "serving",
    "signed_by",
    "stored",
]

SERVE_START = "node.serve.start"
SERVE_STOP = "node.serve.stop"
EXPORT_FORMAT = "kizuna-audit-checkpoints/1"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    signature: str

    @classmethod
    def parse(cls, item: Any) -> Checkpoint:
        """From JSON (a file, a peer's answer); ValueError names what is wrong."""
        if not isinstance(item, dict):
            raise ValueError("a checkpoint is an object")
        try:
            made = cls(
                seq=int(item["seq"]),
                hash=str(item["hash"]),
                at=str(item["at"]),
                key_id=str(item["key_id"]),
                signature=str(item["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"a checkpoint needs seq, hash, at, key_id, signature: {exc}") from exc
        if made.seq < 1:
            raise ValueError(f"checkpoint seq {made.seq} is not positive")
        return made


def checkpoint_payload(seq: int, digest: str, at: str) -> bytes:
    return f"kizuna-audit-checkpoint\n{seq}\n{digest}\n{at}".encode()


def signed_by(point: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(
            bytes.fromhex(point.signature), checkpoint_payload(point.seq, point.hash, point.at)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


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
    conn.execute(insert(audit_checkpoints).values(**asdict(made)))
    return made


def serving(conn: Connection, key: Ed25519PrivateKey, *, actor: str, started: bool) -> None:
    """Record that the node starts (or stops) serving, and sign it at once: a period
    whose bounds are signed cannot later be claimed to have been downtime."""
    append(conn, actor=actor, action=SERVE_START if started else SERVE_STOP)
    checkpoint(conn, key)


def stored(conn: Connection) -> list[Checkpoint]:
    """This node's own checkpoints, in order."""
    return [
        Checkpoint(r.seq, r.hash, r.at, r.key_id, r.signature)
        for r in conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.seq))
    ]


def export_text(points: Iterable[Checkpoint], *, nation: str, key: Ed25519PublicKey) -> str:
    """The file `kizuna audit export` writes: every signed checkpoint, and the key
    that signed them, so that the file can be checked anywhere."""
    return json.dumps(
        {
            "format": EXPORT_FORMAT,
            "nation": nation,
            "key_id": key_id(key),
            "exported_at": clock.now_ts(),
            "checkpoints": [asdict(p) for p in points],
        },
        indent=1,
        ensure_ascii=False,
    )


def read_export(text: str) -> list[Checkpoint]:
    """The checkpoints of an exported file; ValueError names what is wrong with it."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ValueError(f"not a checkpoint export (format {EXPORT_FORMAT} expected)")
    items = document.get("checkpoints")
    if not isinstance(items, list):
        raise ValueError("'checkpoints' is not a list")
    return [Checkpoint.parse(item) for item in items]
