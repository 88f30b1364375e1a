"""Spillage: an object a peer sent that this node's agreement says it must not hold
(above the agreed level or compartments, or not releasable to this nation).

The receiving guard refuses it and keeps no body, only its id, claimed label, reason
and digest (`receive.py`); this module tells the sender. After each pull, the receiver
posts what it has not reported yet to the sender's peer-only endpoint
(`POST /federation/spillage`); the sender records each notice, audits it, and shows it
to its administrators on its federation page: its record of the agreement is wider than
its partner's, and someone must look. A notice lost on the way is sent again after the
next pull; the sender keeps one row per (peer, object, digest).
"""

from __future__ import annotations

from typing import Any

import requests
from pydantic import BaseModel, Field
from sqlalchemy import Connection, insert, select, update

from kizuna import audit, clock
from kizuna.federation.peers import Peer
from kizuna.federation.schema import quarantine, spillage_notices
from kizuna.runtime import Node

__all__ = ["BATCH", "Notice", "Notices", "record", "report"]

BATCH = 100


class Notice(BaseModel):
    object_id: str = Field(max_length=128)
    label: str = Field(max_length=500)
    reason: str = Field(max_length=2000)
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    refused_at: str = Field(max_length=27)


class Notices(BaseModel):
    notices: list[Notice] = Field(max_length=BATCH)


def report(node: Node, peer: Peer, *, timeout: float = 10.0) -> int:
    """Send `peer` the spillage of its objects not reported yet; the number reported.
    A failure leaves them for the next pull."""
    with node.db.read() as conn:
        rows = conn.execute(
            select(quarantine)
            .where(
                quarantine.c.peer == peer.nation,
                quarantine.c.spillage == 1,
                quarantine.c.reported_at.is_(None),
            )
            .order_by(quarantine.c.pk)
            .limit(BATCH)
        ).all()
    if not rows or not peer.pull_token:
        return 0
    notices = [
        {
            "object_id": r.object_id,
            "label": r.label or "",
            "reason": r.reason,
            "digest": r.digest,
            "refused_at": r.received_at,
        }
        for r in rows
    ]
    try:
        answer = requests.post(
            f"{peer.url}/federation/spillage",
            json={"notices": notices},
            headers={"Authorization": f"Bearer {peer.pull_token}"},
            timeout=timeout,
            # As the pull (pull.py): no redirect followed, and the body, never read, is
            # not taken in whole.
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException:
        return 0
    answer.close()
    if answer.status_code != 200:
        return 0
    with node.db.write() as conn:
        conn.execute(
            update(quarantine)
            .where(quarantine.c.pk.in_([r.pk for r in rows]))
            .values(reported_at=clock.now_ts())
        )
    return len(rows)


def record(conn: Connection, peer: Peer, notices: list[Notice]) -> int:
    """Keep what `peer` reports of this node's objects it refused as spillage, each
    audited; a notice already here is kept once. The number of new ones."""
    new = 0
    for notice in notices:
        known = conn.execute(
            select(spillage_notices.c.pk).where(
                spillage_notices.c.peer == peer.nation,
                spillage_notices.c.object_id == notice.object_id,
                spillage_notices.c.digest == notice.digest,
            )
        ).first()
        if known is not None:
            continue
        # PostgreSQL text cannot hold NUL.
        row: dict[str, Any] = {k: v.replace("\x00", "\\0") for k, v in notice.model_dump().items()}
        conn.execute(
            insert(spillage_notices).values(peer=peer.nation, received_at=clock.now_ts(), **row)
        )
        audit.append(
            conn,
            actor=f"node:{peer.nation}",
            action="federation.spillage.reported",
            target=notice.object_id or None,
            detail={"peer": peer.nation, "label": notice.label, "reason": notice.reason,
                    "digest": notice.digest},
        )  # fmt: skip
        new += 1
    return new
