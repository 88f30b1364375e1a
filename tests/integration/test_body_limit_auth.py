"""Raised body limits are for signed-in callers (security test, finding 4): the
meetings import takes tens of megabytes from a user with a session or a token, while
a stranger gets the node's default limit, and an unauthenticated API call is answered
401 before its body is read or parsed (it was "JSON decode error", 422)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, bearer, sign_in

pytestmark = pytest.mark.sqlite_only

API = "/api/v1/meetings/import"
PAGE = "/meetings/import"


def _over_default(node: Node) -> bytes:
    assert node.body_limit(API) > node.settings.max_body_bytes
    return b"x" * (node.settings.max_body_bytes + 1000)


def test_an_unauthenticated_api_import_is_refused_401_before_its_body_is_parsed(
    node: Node,
) -> None:
    client = TestClient(create_app(node))
    json = {"Content-Type": "application/json"}
    for body in (b"not json", _over_default(node)):
        for headers in (json, {**json, **bearer("kz_not-a-token")}):
            answer = client.post(API, content=body, headers=headers)
            assert answer.status_code == 401, answer.text
            assert answer.headers["WWW-Authenticate"] == "Bearer"
            assert "bearer token" in answer.json()["detail"]


def test_the_raised_limit_is_a_signed_in_callers_only(node: Node) -> None:
    _user, token = add_user(node, "tanaka", password=PASSWORD, roles=["author"])
    big = _over_default(node)
    stranger = TestClient(create_app(node))
    assert stranger.post(PAGE, content=big).status_code == 413
    # Signed in, the same body passes the limit (and is refused later for what it is).
    member = TestClient(create_app(node))
    sign_in(member, "tanaka", lang="en")
    assert member.post(PAGE, content=big).status_code not in (401, 413)
    answer = stranger.post(API, content=big, headers=bearer(token))
    assert answer.status_code not in (401, 413), answer.text
