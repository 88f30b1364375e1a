"""Pull from a peer: its TAXII collection for this node, read with the `taxii2-client`
library, page by page from the stored cursor, each page applied in one transaction.

The cursor is the origin's `added` time of the newest version applied, bounded by
the page's end (see `receive.py` for what may move it). A request asks from a
microsecond before it, so that versions added in the same microsecond as the last one
are never skipped; the ones seen again are stored once.

An answer is read within bounds, since the peer at the other end may be hostile or
broken: a redirect is never followed (`failures.Redirected`), an answer larger than a
page may be is cut off (`failures.TooLarge`, see `answer_limit`), and one that takes
longer than its deadline to arrive, however steadily, is given up (`failures.TooSlow`).
Each fails the pull before anything of the page is stored or the cursor moves.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

import requests
import urllib3
from taxii2client.v21 import Collection

from kizuna import clock
from kizuna.config import Settings
from kizuna.federation import spillage
from kizuna.federation.failures import Redirected, TooLarge, TooSlow
from kizuna.federation.peers import Peer, collection_id
from kizuna.federation.receive import Applied, apply_page, judge_page
from kizuna.runtime import Node

__all__ = ["PAGE", "BearerAuth", "answer_limit", "pull_once"]

PAGE = 1000
# Beyond a full page's objects: the envelope, its `next`, the JSON's whitespace.
_ENVELOPE = 1 << 20
_CHUNK = 1 << 16


def answer_limit(settings: Settings) -> int:
    """The most bytes one answer of a pull may hold: a full page of versions, each as
    large as this node accepts a body, and the envelope around them. No honest peer
    sends more; anything past it is refused rather than held in memory."""
    return settings.pull_page * settings.max_body_bytes + _ENVELOPE


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


def pull_once(node: Node, peer: Peer, *, timeout: float = 30.0, deadline: float = 300.0) -> Applied:
    """Fetch everything new from `peer`, page by page, then tell it of any spillage.

    Pipelined: the next page is fetched and judged by the guard (in a thread of its
    own) while this one is applied. Only applying moves the cursor, so a page fetched
    and never applied (a crash, a failed page) is simply asked for again. `timeout`
    bounds each wait for the peer; `deadline`, the whole of one answer."""
    # The peer serves this node's collection under the id it derives from our nation.
    url = f"{peer.url}/taxii2/kizuna/collections/{collection_id(node.nation)}/"
    collection = Collection(url, auth=BearerAuth(peer.pull_token))
    last: dict[str, Any] = {}
    collection._conn.session.request = _watched(
        collection._conn.session.request,
        timeout=timeout,
        deadline=deadline,
        limit=answer_limit(node.settings),
        last=last,
    )

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


def _watched(
    request: Any, *, timeout: float, deadline: float, limit: int, last: dict[str, Any]
) -> Any:
    # taxii2-client sets no timeout of its own (a peer that hangs must not hang us),
    # and keeps no response headers: the page's end is in one. Left to itself, requests
    # follows redirects and reads however much it is sent: the body is read here.
    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout)
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        response = request(*args, **kwargs)
        try:
            if response.is_redirect or 300 <= response.status_code < 400:
                where = response.headers.get("Location", "")[:200]
                raise Redirected(
                    f"the peer answered HTTP {response.status_code} to {where!r}, "
                    "which a pull never follows",
                    response=response,
                )
            response._content = _bounded(response, limit, time.monotonic() + deadline)
        except BaseException:
            response.close()
            raise
        response._content_consumed = True
        last["headers"] = response.headers
        return response

    return call


def _bounded(response: requests.Response, limit: int, ends: float) -> bytes:
    """The answer's body, decoded, read in chunks: no more than `limit` bytes (a
    compressed body counts as it unpacks), and none after `ends`."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the peer announced {declared} bytes, over the {limit} a page may hold")
    chunks: list[bytes] = []
    size = 0
    # urllib3's own errors, as requests would have raised them reading the body itself.
    try:
        for chunk in response.raw.stream(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the peer's answer ran past the {limit} bytes a page may hold")
            if time.monotonic() > ends:
                raise TooSlow(f"the peer's answer took longer than its deadline ({size} bytes)")
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError) as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    return b"".join(chunks)
