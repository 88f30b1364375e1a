"""Pull from a peer: its TAXII collection for this node, read with the `taxii2-client`
library, page by page from the stored cursor, each page applied in one transaction.

The cursor is the origin's `added` time of the newest version applied, bounded by
the page's end (see `receive.py` for what may move it). A request asks from a
microsecond before it, so that versions added in the same microsecond as the last one
are never skipped; the ones seen again are stored once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import requests
from taxii2client.v21 import Collection

from kizuna import clock
from kizuna.federation import spillage
from kizuna.federation.peers import Peer
from kizuna.federation.receive import Applied, apply_page
from kizuna.runtime import Node
from kizuna.taxii.collections import peer_collection

__all__ = ["PAGE", "BearerAuth", "pull_once"]

PAGE = 1000


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _from(cursor: str | None) -> str | None:
    if not cursor:
        return None
    return clock.format_ts(clock.parse_ts(cursor) - timedelta(microseconds=1))


def pull_once(node: Node, peer: Peer, *, timeout: float = 30.0) -> Applied:
    """Fetch everything new from `peer`, page by page, then tell it of any spillage."""
    # The peer serves this node's collection under the id it derives from our nation.
    url = f"{peer.url}/taxii2/kizuna/collections/{peer_collection(node.nation).id}/"
    collection = Collection(url, auth=BearerAuth(peer.pull_token))
    last: dict[str, Any] = {}
    collection._conn.session.request = _watched(collection._conn.session.request, timeout, last)
    total = Applied(0, 0, 0, peer.added_after)
    start = _from(peer.added_after)
    token: str | None = None
    current = peer
    while True:
        params: dict[str, Any] = {"limit": node.settings.pull_page, "version": "all"}
        if token:
            params["next"] = token
        elif start:
            params["added_after"] = start
        last.clear()
        envelope = collection.get_objects(**params)
        # The page's own end bounds the cursor (see receive.py).
        headers = last.get("headers") or {}
        applied = apply_page(
            node,
            current,
            list(envelope.get("objects", [])),
            page_end=headers.get("X-TAXII-Date-Added-Last"),
        )
        total = Applied(
            total.stored + applied.stored,
            total.duplicates + applied.duplicates,
            total.quarantined + applied.quarantined,
            applied.added_after,
        )
        current = replace(current, added_after=applied.added_after)
        if not envelope.get("more"):
            break
        token = envelope["next"]
    spillage.report(node, peer, timeout=timeout)
    return total


def _watched(request: Any, timeout: float, last: dict[str, Any]) -> Any:
    # taxii2-client sets no timeout of its own (a peer that hangs must not hang us),
    # and keeps no response headers: the page's end is in one.
    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout)
        response = request(*args, **kwargs)
        last["headers"] = response.headers
        return response

    return call
