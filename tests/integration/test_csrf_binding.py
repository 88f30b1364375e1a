"""The CSRF token is the session's own (security test, finding 3): a new one is issued
at sign-in and at sign-out, so a token planted or read before the sign-in forges no
form after it; with Secure cookies the session and CSRF cookies carry the `__Host-`
prefix."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, cookies

pytestmark = pytest.mark.sqlite_only


def _sign_in(client: TestClient, token: str) -> None:
    answer = client.post(
        "/login",
        data={"username": "tanaka", "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def test_a_token_from_before_the_sign_in_forges_no_form_after_it(node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    client = TestClient(create_app(node))
    client.cookies.set(cookies(client).lang, "en")
    client.get("/login")
    before = client.cookies.get(cookies(client).csrf, "")
    assert before
    _sign_in(client, before)
    after = client.cookies.get(cookies(client).csrf, "")
    assert after
    assert after != before
    # A form carrying the token known before the sign-in is refused, changing nothing.
    forged = client.post("/account/zone", data={"zone": "UTC", "csrf_token": before})
    assert forged.status_code == 403
    assert (
        client.post("/logout", data={"csrf_token": after}, follow_redirects=False).status_code
        == 303
    )
    signed_out = client.cookies.get(cookies(client).csrf)
    assert signed_out not in ("", None, before, after)
    # The sign-in page after it shows the token the browser holds, whatever else is
    # asked of the node at the same moment.
    form = client.get("/login").text
    assert f'value="{signed_out}"' in form
    assert client.cookies.get(cookies(client).csrf) == signed_out


def test_secure_cookies_carry_the_host_prefix(node: Node) -> None:
    node.settings.env = "production"
    add_user(node, "tanaka", password=PASSWORD)
    client = TestClient(create_app(node), base_url="https://testserver")
    names = cookies(client)
    assert names.session.startswith("__Host-")
    assert names.csrf.startswith("__Host-")
    form = client.get("/login")
    set_csrf = form.headers["set-cookie"]
    assert set_csrf.startswith(f"{names.csrf}=")
    assert "secure" in set_csrf.lower()
    assert "path=/" in set_csrf.lower()
    assert "domain" not in set_csrf.lower()
    answer = client.post(
        "/login",
        data={
            "username": "tanaka",
            "password": PASSWORD,
            "csrf_token": client.cookies.get(names.csrf, ""),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    set_cookies = answer.headers.get_list("set-cookie")
    assert any(c.startswith(f"{names.session}=") and "secure" in c.lower() for c in set_cookies)
    assert any(c.startswith(f"{names.csrf}=") and "secure" in c.lower() for c in set_cookies)


def test_a_sign_in_form_left_open_across_a_sign_in_is_offered_again(node: Node) -> None:
    """Two tabs: one signs in, the other's sign-in form now carries an old token. It is
    refused with the sign-in form again, in words, holding the browser's token, and
    no session is started by it."""
    add_user(node, "tanaka", password=PASSWORD)
    client = TestClient(create_app(node))
    client.cookies.set(cookies(client).lang, "en")
    client.get("/login")
    stale = client.cookies.get(cookies(client).csrf, "")
    _sign_in(client, stale)
    current = client.cookies.get(cookies(client).csrf, "")
    client.cookies.delete(cookies(client).session)
    again = client.post(
        "/login",
        data={"username": "tanaka", "password": PASSWORD, "csrf_token": stale, "next": "/"},
        follow_redirects=False,
    )
    assert again.status_code == 403
    assert "This sign-in form was out of date" in again.text
    assert f'value="{current}"' in again.text
    assert 'value="tanaka"' in again.text
    assert cookies(client).session not in again.cookies
    _sign_in(client, current)
