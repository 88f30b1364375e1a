"""Pull from a peer: its TAXII collection for this node, read with the `taxii2-client`
library, page by page from the stored cursor, each page applied in one transaction.

The cursor is the origin's `added` time of the newest version applied, bounded by
the page's end (see `receive.py` for what may move it). A request asks from a
microsecond before it, so that versions added in the same microsecond as the last one
are never skipped; the ones seen again are stored once.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

import requests
from taxii2client.v21 import Collection

from kizuna import clock
from kizuna.federation import spillage
from kizuna.federation.peers import Peer, collection_id
from kizuna.federation.receive import Applied, apply_page, judge_page
from kizuna.runtime import Node

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
    """Fetch everything new from `peer`, page by page, then tell it of any spillage.

    Pipelined: the next page is fetched and judged by the guard (in a thread of its
    own) while this one is applied. Only applying moves the cursor, so a page fetched
    and never applied (a crash, a failed page) is simply asked for again."""
    # The peer serves this node's collection under the id it derives from our nation.
    url = f"{peer.url}/taxii2/kizuna/collections/{collection_id(node.nation)}/"
    collection = Collection(url, auth=BearerAuth(peer.pull_token))
    last: dict[str, Any] = {}
    collection._conn.session.request = _watched(collection._conn.session.request, timeout, last)

    def fetch(
        params: dict[str, Any],
    ) -> tuple[dict[str, Any], Mapping[str, str], list[Any], list[Any]]:
        last.clear()
        envelope = collection.get_objects(**params)
        objects = list(envelope.get("objects", []))
        # The response's own headers (their names are case-insensitive), its objects,
        # and the guard's verdicts, judged here while the page before is applied.
        return envelope, last.get("headers") or {}, objects, judge_page(node, peer, objects)

    total = Applied(0, 0, 0, peer.added_after)
    params: dict[str, Any] = {"limit": node.settings.pull_page, "version": "all"}
    start = _from(peer.added_after)
    if start:
        params["added_after"] = start
    current = peer
    fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pull-{peer.nation}")
    try:
        pending = fetcher.submit(fetch, params)
        while True:
            envelope, headers, objects, verdicts = pending.result()
            more = bool(envelope.get("more"))
            if more:
                pending = fetcher.submit(
                    fetch,
                    {"limit": node.settings.pull_page, "version": "all", "next": envelope["next"]},
                )
            # The page's own end bounds the cursor (see receive.py).
            applied = apply_page(
                node,
                current,
                objects,
                page_end=headers.get("X-TAXII-Date-Added-Last"),
                verdicts=verdicts,
            )
            total = Applied(
                total.stored + applied.stored,
                total.duplicates + applied.duplicates,
                total.quarantined + applied.quarantined,
                applied.added_after,
            )
            current = replace(current, added_after=applied.added_after)
            if not more:
                break
    finally:
        fetcher.shutdown(wait=False, cancel_futures=True)
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
