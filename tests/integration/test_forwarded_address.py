"""The client address the sign-in throttle counts by and the audit log records is the
connection's own unless the node is told to trust a reverse proxy (security test,
finding 2: uvicorn believed X-Forwarded-For from any process on 127.0.0.1)."""

from __future__ import annotations

import http.cookiejar
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn

from kizuna import audit
from kizuna.runtime import Node
from kizuna.web.app import create_app

pytestmark = pytest.mark.sqlite_only

FORGED = "203.0.113.77"


@contextmanager
def _serving(node: Node) -> Iterator[str]:
    """The node served as `kizuna serve` serves it, on a free local port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(node), log_level="warning", **node.settings.proxy_options())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _failed_sources(node: Node) -> list[str]:
    with node.db.read() as conn:
        entries = audit.entries(conn, limit=100)
    return [e.detail["source"] for e in entries if e.action == "login.failure"]


def _guess(base: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/login", timeout=10) as form:
        assert form.status == 200
    csrf = next(c.value for c in jar if "csrf" in c.name)
    body = urllib.parse.urlencode(
        {"username": "nobody", "password": "a wrong password", "csrf_token": csrf}
    ).encode()
    guess = urllib.request.Request(  # noqa: S310 (an http://127.0.0.1 address made above)
        f"{base}/login", data=body, headers={"X-Forwarded-For": FORGED}, method="POST"
    )
    try:
        with opener.open(guess, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_forwarded_header_names_no_address_by_default(node: Node) -> None:
    assert node.settings.trusted_proxies == ""
    with _serving(node) as base:
        assert _guess(base) == 401
    assert _failed_sources(node) == ["127.0.0.1"]


def test_a_forwarded_header_is_believed_from_a_proxy_the_node_trusts(node: Node) -> None:
    node.settings.trusted_proxies = "127.0.0.1"
    with _serving(node) as base:
        assert _guess(base) == 401
    assert _failed_sources(node) == [FORGED]
