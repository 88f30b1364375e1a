"""Apply one page that a peer sent: judge each object, store or quarantine it, and
move the peer's cursor, all in one transaction. A crash anywhere rolls the page back
and the next pull fetches it again; a version already here is stored once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update

from kizuna import audit, clock
from kizuna.errors import StoreError
from kizuna.federation.guard import Accepted, Refusal, judge
from kizuna.federation.peers import Peer
from kizuna.federation.schema import peers, quarantine, signatures
from kizuna.federation.signing import unwrap
from kizuna.runtime import Node

__all__ = ["Applied", "apply_page"]


@dataclass(frozen=True)
class Applied:
    stored: int
    duplicates: int
    quarantined: int
    added_after: str | None


def apply_page(node: Node, peer: Peer, objects: list[Any]) -> Applied:
    stored = duplicates = refused = 0
    cursor = peer.added_after
    with node.store.transaction(node.system) as conn:
        for obj in objects:
            # The cursor moves past refused objects too, or they would come back on
            # every pull; it only says where the next request starts.
            added = unwrap(obj).added if isinstance(obj, dict) else ""
            if added and (cursor is None or added > cursor):
                cursor = added
            verdict = judge(node.policy, node.nation, peer, obj)
            if isinstance(verdict, Accepted):
                try:
                    made = node.store.accept_in(
                        conn,
                        body=verdict.signed.body,
                        label=verdict.label,
                        origin=peer.nation,
                        author=f"node:{peer.nation}",
                    )
                except StoreError as exc:
                    verdict = Refusal(verdict.signed.body["id"], str(exc))
                else:
                    if made is None:
                        duplicates += 1
                        continue
                    conn.execute(
                        insert(signatures).values(
                            version_pk=made.row_pk,
                            nation=peer.nation,
                            claims=json.dumps(verdict.signed.claims, sort_keys=True),
                        )
                    )
                    for hook in node.arrival_hooks:
                        hook(node, conn, made)
                    stored += 1
                    continue
            refused += 1
            conn.execute(
                insert(quarantine).values(
                    peer=peer.nation,
                    object_id=verdict.object_id[:128],
                    reason=verdict.reason,
                    payload=json.dumps(obj, ensure_ascii=False, default=str)[:1_000_000],
                    received_at=clock.now_ts(),
                )
            )
            audit.append(
                conn,
                actor=f"node:{peer.nation}",
                action="federation.quarantine",
                target=verdict.object_id[:128] or None,
                detail={"peer": peer.nation, "reason": verdict.reason},
            )
        conn.execute(
            update(peers)
            .where(peers.c.nation == peer.nation)
            .values(
                added_after=cursor,
                last_pull_at=clock.now_ts(),
                last_error=None,
                received=peers.c.received + stored,
                quarantined=peers.c.quarantined + refused,
            )
        )
        if stored:
            audit.append(
                conn,
                actor=f"node:{peer.nation}",
                action="federation.receive",
                detail={"peer": peer.nation, "stored": stored},
            )
    return Applied(stored, duplicates, refused, cursor)
