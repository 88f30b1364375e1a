"""Sign-in under a crowd of guesses (security test, finding 1): argon2 runs with no
database connection held, so strangers' guesses neither empty the pool nor hold
SQLite's write lock; and at most a few checks run at once, a sign-in that finds no
free slot in time being refused as busy (503, Retry-After), in words, and audited."""

from __future__ import annotations

import base64
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kizuna import audit
from kizuna.identity import service as identity_service
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, cookies

TAXII = {"Accept": "application/taxii+json;version=2.1"}


def _basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {**TAXII, "Authorization": f"Basic {raw}"}


def _login(client: TestClient, username: str, password: str) -> Any:
    client.cookies.set(cookies(client).csrf, "fixed-csrf-token")
    client.cookies.set(cookies(client).lang, "en")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": "fixed-csrf-token"},
        follow_redirects=False,
    )


class _Watching:
    """The node's hasher, noting how many pooled connections are out at each check."""

    def __init__(self, inner: Any, node: Node) -> None:
        self.inner = inner
        self.node = node
        self.seen: list[int] = []

    def verify(self, stored: str, password: str) -> bool:
        self.seen.append(self.node.db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return bool(self.inner.verify(stored, password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_no_connection_is_held_while_a_password_is_checked(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    watching = _Watching(identity_service._hasher, node)
    monkeypatch.setattr(identity_service, "_hasher", watching)
    client = TestClient(create_app(node), client=("10.9.0.1", 50000))
    assert _login(client, "tanaka", "a wrong password").status_code == 401
    assert _login(client, "nobody", "a wrong password").status_code == 401
    assert _login(client, "tanaka", PASSWORD).status_code == 303
    assert client.get("/taxii2/", headers=_basic("nouser1", "wrong")).status_code == 401
    assert client.get("/taxii2/", headers=_basic("tanaka", "wrong")).status_code == 401
    assert client.get("/taxii2/", headers=_basic("tanaka", PASSWORD)).status_code == 200
    objects = "/taxii2/kizuna/collections/any/objects/"  # the route read in one transaction
    assert client.get(objects, headers=_basic("nouser2", "wrong")).status_code == 401
    assert len(watching.seen) == 7
    assert watching.seen == [0] * 7


def test_with_every_check_slot_taken_a_sign_in_is_refused_as_busy(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(identity_service, "_checks", slots)
    monkeypatch.setattr(identity_service, "CHECK_WAIT_SECONDS", 0.01)
    client = TestClient(create_app(node), client=("10.9.0.2", 50000))
    slots.acquire()  # another sign-in's check, still running
    try:
        page = _login(client, "tanaka", PASSWORD)
        taxii = client.get("/taxii2/", headers=_basic("tanaka", PASSWORD))
    finally:
        slots.release()
    assert page.status_code == 503
    assert page.headers["Retry-After"] == str(identity_service.BUSY_RETRY_SECONDS)
    assert "The node is busy checking other sign-ins" in page.text
    assert cookies(client).session not in page.headers.get("set-cookie", "")
    assert taxii.status_code == 503
    assert taxii.headers["Retry-After"] == str(identity_service.BUSY_RETRY_SECONDS)
    assert "busy" in taxii.json()["description"]
    with node.db.read() as conn:
        entries = audit.entries(conn, limit=100)
    busy = [e for e in entries if e.action == "login.busy"]
    assert [e.detail["channel"] for e in busy] == ["taxii", "page"]
    # Neither counted as a failure: the password was never checked.
    assert not [e for e in entries if e.action == "login.failure"]
    # A free slot again, the same sign-in goes through.
    assert _login(client, "tanaka", PASSWORD).status_code == 303
