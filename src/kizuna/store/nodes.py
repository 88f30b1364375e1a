"""The node row: which nation this database serves, its name and paging secret."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, insert, select

from kizuna import clock
from kizuna.db.schema import node
from kizuna.node import public_key_pem

__all__ = ["NodeRow", "init_node", "load_node"]


@dataclass(frozen=True)
class NodeRow:
    nation: str
    name: str
    secret: bytes
    public_key: str
    policy: str


def load_node(conn: Connection) -> NodeRow | None:
    row = conn.execute(select(node).where(node.c.id == 1)).first()
    if row is None:
        return None
    return NodeRow(row.nation, row.name, bytes(row.secret), row.public_key, row.policy)


def init_node(
    conn: Connection, *, nation: str, name: str, key: Ed25519PrivateKey, policy: str
) -> NodeRow:
    made = NodeRow(nation, name, secrets.token_bytes(32), public_key_pem(key), policy)
    conn.execute(
        insert(node).values(
            id=1,
            nation=made.nation,
            name=made.name,
            secret=made.secret,
            public_key=made.public_key,
            policy=made.policy,
            created_at=clock.now_ts(),
        )
    )
    return made
