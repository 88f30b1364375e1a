"""Factories for users, principals, labels and STIX objects used across the tests."""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from kizuna.identity import service as identity
from kizuna.identity.principal import Principal, Role
from kizuna.labels import Clearance, Label
from kizuna.runtime import Node
from kizuna.web.cookies import CookieNames, cookie_names

PASSWORD = "correct horse battery staple"


def add_user(
    node: Node,
    name: str,
    *,
    nation: str = "JPN",
    clearance: str = "SECRET",
    compartments: list[str] | None = None,
    roles: list[str] | None = None,
    password: str | None = None,
) -> tuple[identity.User, str]:
    """A user with an API token; returns the user and the token."""
    with node.db.write() as conn:
        user = identity.add_user(
            conn,
            policy=node.policy,
            actor="test",
            username=name,
            nation=nation,
            clearance=clearance,
            compartments=compartments or [],
            roles=roles or ["reader"],
            password=password,
        )
        token = identity.issue_token(conn, user=user, actor="test")
    return user, token


def cookies(client: Any) -> CookieNames:
    """The cookie names of the node a TestClient talks to (they carry its identity)."""
    return cookie_names(client.app.state.node)


def sign_in(client: Any, name: str, *, lang: str, password: str = PASSWORD) -> str:
    """Sign `name` in on a TestClient, reading pages in `lang`; returns the form token
    the pages carry (their CSRF token)."""
    client.get("/login")
    token = client.cookies.get(cookies(client).csrf, "")
    answer = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    client.get(f"/lang/{lang}")
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").text)
    assert found
    return found.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def report(name: str = "A report", **extra: Any) -> dict[str, Any]:
    return {
        "type": "report",
        "name": name,
        "published": "2024-07-28T06:15:00Z",
        "report_types": ["threat-report"],
        "object_refs": [f"identity--{uuid.uuid4()}"],
        **extra,
    }


def indicator(value: str = "198.51.100.7") -> dict[str, Any]:
    return {
        "type": "indicator",
        "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2024-07-28T00:00:00Z",
    }


NATIONS = ["JPN", "USA", "AUS", "KOR", "GBR"]


def random_label(rng: random.Random, node: Node) -> Label:
    """A label this JPN node can originate: JPN always, others by chance."""
    ranks = [level.rank for level in node.policy.levels]
    comps = [c for c in node.policy.compartments if rng.random() < 0.3]
    rel = {"JPN"} | {n for n in NATIONS[1:] if rng.random() < 0.35}
    return Label(rng.choice(ranks), frozenset(rel), frozenset(comps))


def random_principal(rng: random.Random, node: Node, index: int) -> Principal:
    ranks = [level.rank for level in node.policy.levels]
    comps = frozenset(c for c in node.policy.compartments if rng.random() < 0.5)
    return Principal(
        name=f"p{index}",
        clearance=Clearance(rng.choice(NATIONS), rng.choice(ranks), comps),
        roles=frozenset({Role.READER}),
    )


@contextmanager
def live_server(node: Node) -> Iterator[str]:
    """The node's app served over real HTTP on a free loopback port, in this process,
    for clients that speak HTTP themselves (taxii2-client). Yields the base URL."""
    from kizuna.web.app import create_app

    config = uvicorn.Config(create_app(node), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def form_without_file(fields: dict[str, str], file_field: str = "file") -> dict[str, Any]:
    """A multipart form as Chromium sends it when no file was chosen: the file field's
    part has an empty name and no bytes. Keyword arguments for TestClient.post."""
    boundary = "----KizunaNoFileChosen"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    body = "".join(parts) + f"--{boundary}--\r\n"
    return {
        "content": body.encode(),
        "headers": {"content-type": f"multipart/form-data; boundary={boundary}"},
    }
