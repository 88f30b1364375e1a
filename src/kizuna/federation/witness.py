"""Witnessed checkpoints over the peering link.

Each node keeps the signed audit checkpoints of its peers (`Federator._witness`). A
node that verifies its own log asks each peer for the copies it keeps; the peer
answers with an envelope signed by its own node key (`by`, `of`, the checkpoints),
so the answer is the peer's word whatever carried it, and each checkpoint inside is
still this node's own signature, checked against this node's key by `audit.verify`.
"""

from __future__ import annotations

from typing import Any

import requests
import rfc8785
from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection, select

from kizuna.audit import Checkpoint, Witness
from kizuna.federation.peers import Peer
from kizuna.federation.pull import BearerAuth
from kizuna.federation.schema import peer_checkpoints
from kizuna.runtime import Node

__all__ = ["WitnessError", "envelope", "fetch"]


class WitnessError(Exception):
    """A peer's answer could not be had or cannot be trusted."""


def _signed_part(by: str, of: str, points: list[dict[str, Any]]) -> bytes:
    return bytes(rfc8785.dumps({"by": by, "of": of, "checkpoints": points}))


def envelope(node: Node, conn: Connection, nation: str) -> dict[str, Any]:
    """The checkpoints of `nation`'s log this node keeps, signed by this node."""
    rows = conn.execute(
        select(
            peer_checkpoints.c.seq,
            peer_checkpoints.c.hash,
            peer_checkpoints.c.at,
            peer_checkpoints.c.key_id,
            peer_checkpoints.c.signature,
        )
        .where(peer_checkpoints.c.nation == nation)
        .order_by(peer_checkpoints.c.seq)
    ).all()
    points = [dict(r._mapping) for r in rows]
    signature = node.key.sign(_signed_part(node.nation, nation, points)).hex()
    return {"by": node.nation, "of": nation, "checkpoints": points, "signature": signature}


def fetch(node: Node, peer: Peer, *, timeout: float = 10) -> Witness:
    """What `peer` witnessed of this node's log; WitnessError when it cannot be had
    or its signature is not the peer's."""
    try:
        answer = requests.get(
            f"{peer.url}/federation/witnessed", auth=BearerAuth(peer.pull_token), timeout=timeout
        )
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise WitnessError(f"peer {peer.nation}: no answer ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("checkpoints"), list):
        raise WitnessError(f"peer {peer.nation}: the answer is not a witness envelope")
    if document.get("by") != peer.nation or document.get("of") != node.nation:
        raise WitnessError(f"peer {peer.nation}: the envelope is about another pair of nodes")
    points = document["checkpoints"]
    try:
        peer.public_key.verify(
            bytes.fromhex(str(document.get("signature", ""))),
            _signed_part(peer.nation, node.nation, points),
        )
        parsed = [Checkpoint.parse(item) for item in points]
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise WitnessError(f"peer {peer.nation}: the envelope's signature does not verify") from exc
    return Witness(f"peer {peer.nation}", parsed)
