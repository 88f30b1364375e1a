"""The federation loop of a serving node: pull from every peer on a timer or at once
when it sends a push hint, tell the peers when this node has something new, and keep
each peer's signed audit checkpoints. Blocking work runs in threads; one failing peer
only delays itself (a doubling backoff), never the others."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import requests
from sqlalchemy import func, insert, select, update

from kizuna import audit, clock
from kizuna.audit.checkpoints import Checkpoint, signed_by
from kizuna.db.schema import versions
from kizuna.federation import failures
from kizuna.federation.peers import Peer, list_peers
from kizuna.federation.pull import BearerAuth, pull_once
from kizuna.federation.schema import peer_checkpoints, peers
from kizuna.runtime import Node

__all__ = ["Federator"]

_log = logging.getLogger("kizuna.federation")

HINT_POLL = 0.2
MAX_BACKOFF = 60.0


class Federator:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.interval = node.settings.pull_seconds
        self._wake = asyncio.Event()
        self._hinted: set[str] = set()
        self._due: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        # What a failing pull was tried with (token, address), by nation.
        self._tried: dict[str, tuple[str, str]] = {}

    def hint(self, nation: str) -> None:
        """A peer says it has something new: pull from it now."""
        self._hinted.add(nation)
        self._wake.set()

    async def run(self) -> None:
        seen = await asyncio.to_thread(self._newest)
        while True:
            known = await asyncio.to_thread(self._peers)
            for peer in known:
                if self.is_due(peer):
                    self._hinted.discard(peer.nation)
                    await self._pull(peer)
            newest = await asyncio.to_thread(self._newest)
            if newest != seen:
                seen = newest
                await asyncio.to_thread(self._send_hints, known)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=HINT_POLL)
            self._wake.clear()

    def is_due(self, peer: Peer) -> bool:
        """Whether to pull from `peer` now: hinted, its time come, or its token or
        address changed since a pull failed. An operator who sets a new token (`kizuna
        peer token`, another process) fixed what failed: waiting out a backoff of up
        to a minute for it would only look as if the new token did not work either."""
        tried = self._tried.get(peer.nation)
        if tried is not None and tried != (peer.pull_token, peer.url):
            del self._tried[peer.nation]
            self._failures[peer.nation] = 0
            self._due.pop(peer.nation, None)
        return peer.nation in self._hinted or time.monotonic() >= self._due.get(peer.nation, 0.0)

    async def _pull(self, peer: Peer) -> None:
        try:
            await asyncio.to_thread(pull_once, self.node, peer)
            await asyncio.to_thread(self._witness, peer)
        except Exception as exc:
            failed = self._failures.get(peer.nation, 0) + 1
            self._failures[peer.nation] = failed
            delay = min(MAX_BACKOFF, self.interval * 2**failed)
            self._due[peer.nation] = time.monotonic() + delay
            self._tried[peer.nation] = (peer.pull_token, peer.url)
            await asyncio.to_thread(self._record_error, peer, exc)
            return
        self._failures[peer.nation] = 0
        self._tried.pop(peer.nation, None)
        self._due[peer.nation] = time.monotonic() + self.interval

    def _peers(self) -> list[Peer]:
        with self.node.db.read() as conn:
            return list_peers(conn)

    def _newest(self) -> int:
        with self.node.db.read() as conn:
            return int(conn.execute(select(func.coalesce(func.max(versions.c.pk), 0))).scalar_one())

    def _record_error(self, peer: Peer, exc: BaseException) -> None:
        """The failure as a code the federation page words, its detail beside it, and
        the whole of it (its traceback) in the node's log."""
        kind = failures.classify(exc)
        _log.warning("pull from %s at %s failed (%s)", peer.nation, peer.url, kind, exc_info=exc)
        with self.node.db.write() as conn:
            conn.execute(
                update(peers)
                .where(peers.c.nation == peer.nation)
                .values(last_error=failures.detail(exc), last_error_kind=kind)
            )

    def _send_hints(self, known: list[Peer]) -> None:
        for peer in known:
            if not peer.pull_token:
                continue
            # A hint is only a nudge: when it is lost, the peer's timer still pulls.
            with contextlib.suppress(requests.RequestException):
                requests.post(
                    f"{peer.url}/federation/hint",
                    json={"nation": self.node.nation},
                    auth=BearerAuth(peer.pull_token),
                    timeout=2,
                )

    def _witness(self, peer: Peer) -> None:
        """Fetch and keep the peer's new signed checkpoints; a bad one is audited."""
        with self.node.db.read() as conn:
            after = conn.execute(
                select(func.coalesce(func.max(peer_checkpoints.c.seq), 0)).where(
                    peer_checkpoints.c.nation == peer.nation
                )
            ).scalar_one()
        answer = requests.get(
            f"{peer.url}/federation/checkpoints",
            params={"after": after},
            auth=BearerAuth(peer.pull_token),
            timeout=10,
        )
        answer.raise_for_status()
        with self.node.db.write() as conn:
            for item in answer.json().get("checkpoints", []):
                try:
                    point = Checkpoint.parse(item)
                except ValueError:
                    point = None
                if point is None or not signed_by(point, peer.public_key):
                    audit.append(
                        conn,
                        actor=f"node:{peer.nation}",
                        action="federation.checkpoint.invalid",
                        detail={
                            "peer": peer.nation,
                            "seq": item.get("seq") if isinstance(item, dict) else None,
                        },
                    )
                    continue
                conn.execute(
                    insert(peer_checkpoints).values(
                        nation=peer.nation,
                        seq=point.seq,
                        hash=point.hash,
                        at=point.at,
                        key_id=point.key_id,
                        signature=point.signature,
                        received_at=clock.now_ts(),
                    )
                )
