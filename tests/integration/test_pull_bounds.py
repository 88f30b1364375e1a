"""A pull reads a peer's answer within bounds (security test, finding 2): a hostile or
broken peer sent 1.5 GB of chunked JSON and the node grew to 5 GB; a 302 to an address
of its choosing was followed on every pull. Against a real HTTP server on loopback, in
a thread, with the real pull: a redirect is not followed, an answer past a page's size
and one that trickles in past its deadline are given up, each named, nothing stored,
and the cursor where it was."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlalchemy import func, select, update

from kizuna.db.schema import objects
from kizuna.federation import peers, pull
from kizuna.federation.failures import Redirected, TooLarge, TooSlow, classify
from kizuna.federation.loop import Federator
from kizuna.federation.schema import peers as peer_rows
from kizuna.runtime import Node
from tests.factories import PASSWORD, add_user
from tests.integration.test_federation_failures import _cells, _peer_at, _said

_CURSOR = "2026-01-02T03:04:05.000006Z"
_TAXII = "application/taxii+json;version=2.1"


class _Hostile(BaseHTTPRequestHandler):
    """A peer whose answer is the server's `mode`: a redirect, too much, or a trickle."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server = self.server
        if self.path.startswith("/internal-admin"):
            server.hits += 1  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        mode = server.mode  # type: ignore[attr-defined]
        if mode == "redirect":
            self.send_response(302)
            self.send_header(
                "Location", f"http://127.0.0.1:{server.server_address[1]}/internal-admin"
            )
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", _TAXII)
        if mode == "declared":
            self.send_header("Content-Length", str(10**10))
            self.end_headers()
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self._chunk(b'{"more": false, "objects": [')
            padding = b'"' + b"x" * 65_000 + b'",'
            for _ in range(2_000):  # up to 130 MB, far past the cap
                self._chunk(padding if mode == "large" else b" ")
                if mode == "slow":
                    time.sleep(0.05)
            self._chunk(b'""]}')
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the pull gave up and closed the connection, as it should

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    server.mode = "redirect"  # type: ignore[attr-defined]
    server.hits = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def small(node: Node) -> Node:
    """A node that pulls pages of two versions, each at most 4 KiB: its cap is small
    enough to run past in a test."""
    node.settings = node.settings.model_copy(update={"pull_page": 2, "max_body_bytes": 4096})
    return node


def _peer(node: Node, server: ThreadingHTTPServer) -> peers.Peer:
    _peer_at(node, f"http://127.0.0.1:{server.server_address[1]}")
    with node.db.write() as conn:
        conn.execute(update(peer_rows).values(added_after=_CURSOR))
        peer = peers.find_peer(conn, "USA")
    assert peer is not None
    return peer


def _unchanged(node: Node) -> None:
    with node.db.read() as conn:
        peer = peers.find_peer(conn, "USA")
        held = conn.execute(select(func.count()).select_from(objects)).scalar_one()
    assert peer is not None
    assert peer.added_after == _CURSOR
    assert held == 0


@pytest.mark.parametrize(
    ("mode", "error", "code"),
    [
        ("redirect", Redirected, "redirect"),
        ("large", TooLarge, "too-large"),
        ("declared", TooLarge, "too-large"),
    ],
)
def test_a_redirect_or_too_much_is_refused_and_nothing_stored(
    small: Node, hostile: ThreadingHTTPServer, mode: str, error: type[Exception], code: str
) -> None:
    hostile.mode = mode  # type: ignore[attr-defined]
    peer = _peer(small, hostile)
    with pytest.raises(error) as caught:
        pull.pull_once(small, peer, timeout=5)
    assert classify(caught.value) == code
    assert hostile.hits == 0  # type: ignore[attr-defined]
    _unchanged(small)


def test_an_answer_that_trickles_past_its_deadline_is_given_up(
    small: Node, hostile: ThreadingHTTPServer
) -> None:
    """Each byte arrives well within the wait for the next; the whole never would."""
    hostile.mode = "slow"  # type: ignore[attr-defined]
    peer = _peer(small, hostile)
    began = time.monotonic()
    with pytest.raises(TooSlow) as caught:
        pull.pull_once(small, peer, timeout=2, deadline=0.5)
    assert time.monotonic() - began < 5
    assert isinstance(caught.value, requests.Timeout)
    assert classify(caught.value) == "timeout"
    _unchanged(small)


@pytest.mark.parametrize(
    ("mode", "en", "ja"),
    [
        ("redirect", "answered with a redirect to another address, which a pull never follows",
         "別のアドレスへの転送で応答しました。取得では転送に従いません。"),
        ("large", "sent more than a page of objects may hold; nothing of it was stored.",
         "1ページに収まる量を超えて送信しました。何も保存していません。"),
    ],
)  # fmt: skip
def test_the_federation_page_names_the_failure(
    small: Node, hostile: ThreadingHTTPServer, mode: str, en: str, ja: str
) -> None:
    add_user(small, "suzuki", roles=["admin"], password=PASSWORD)
    hostile.mode = mode  # type: ignore[attr-defined]
    _peer(small, hostile)
    federator = Federator(small)
    (peer,) = federator._peers()
    asyncio.run(federator._pull(peer))
    cells = _cells(small)
    assert en in _said(cells["en"])
    assert ja in _said(cells["ja"])
    assert hostile.hits == 0  # type: ignore[attr-defined]
    _unchanged(small)


def test_the_limit_is_a_full_page_of_the_largest_bodies_and_the_envelope(small: Node) -> None:
    assert pull.answer_limit(small.settings) == 2 * 4096 + 2**20
