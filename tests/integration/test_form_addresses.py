"""Every address a page shows can be opened: a form's action opened as an address (a
bookmark, or the address bar a refused plain form leaves) leads to the form's page,
and HEAD is answered wherever GET is."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from kizuna.domains.coordination.inputs import RfiCreate, TaskerCreate
from kizuna.domains.coordination.service import coordination
from kizuna.runtime import Node
from tests.factories import PASSWORD, add_user, sign_in
from tests.factories.coordination import cast, item, sign_in_as

pytestmark = pytest.mark.sqlite_only

_PARAM = re.compile(r"\{[^}]+\}")


def _form_actions(client: TestClient) -> list[str]:
    """Page addresses that answer POST and not GET, their parameters filled in."""
    routes: list[APIRoute] = client.app.state.routes  # type: ignore[attr-defined]
    methods: dict[str, set[str]] = {}
    for route in routes:
        if not route.path.startswith(("/api/", "/federation/")):
            methods.setdefault(route.path, set()).update(route.methods or ())
    return sorted(
        _PARAM.sub("x-kizuna-coordination-item--0", path)
        for path, said in methods.items()
        if "POST" in said and "GET" not in said
    )


def test_a_forms_action_opened_as_an_address_leads_to_its_page(client: TestClient) -> None:
    actions = _form_actions(client)
    assert "/coordination/items/x-kizuna-coordination-item--0/respond" in actions
    assert len(actions) > 20
    for path in actions:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        page = answer.headers["location"]
        assert path.startswith(page.rstrip("/") + "/"), (path, page)
        # The page answers GET (here: to a signed-out reader, a sign-in or the page).
        assert client.get(page, follow_redirects=False).status_code in (200, 303, 404), page
    respond = client.get(
        "/coordination/items/x-kizuna-coordination-item--0/respond", follow_redirects=False
    )
    assert respond.headers["location"] == "/coordination/items/x-kizuna-coordination-item--0"
    assert (
        client.get("/coordination/determinations", follow_redirects=False).headers["location"]
        == "/coordination"
    )


def test_an_address_no_route_answers_is_still_not_found(client: TestClient) -> None:
    assert client.get("/coordination/items/x/nowhere", follow_redirects=False).status_code == 404
    # A REST action opened with GET stays a problem: a client, not a reader, asks.
    answer = client.get("/api/v1/objects/import", follow_redirects=False)
    assert answer.status_code in (401, 404, 405)
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_head_is_answered_as_get_without_a_body(client: TestClient) -> None:
    for path in ("/login", "/incidents/public", "/static/kizuna.css", "/api/openapi.json"):
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"], path


def test_an_error_no_route_reached_still_shows_who_is_signed_in(
    node: Node, client: TestClient
) -> None:
    """Walk 39: a 405 page (and a 404 of an unknown address) showed no navigation and
    no sign-out: no route had read the session. The error page reads it itself."""
    add_user(node, "sato", password=PASSWORD)
    sign_in(client, "sato", lang="en")
    for answer in (client.put("/objects"), client.get("/no/such/page")):
        assert answer.status_code in (404, 405)
        assert 'aria-label="Main"' in answer.text
        assert "Sign out" in answer.text
    client.cookies.clear()
    signed_out = client.put("/objects")
    assert signed_out.status_code == 405
    assert "Sign out" not in signed_out.text


def _form_tag(html: str, action: str) -> str:
    found = re.search(rf'<form [^>]*action="{re.escape(action)}"[^>]*>', html)
    assert found, action
    return found.group()


def test_a_refused_coordination_form_leaves_the_address_bar_on_its_page(
    node: Node, client: TestClient
) -> None:
    """Walk 48 #3: a refused answer, reply, status, withdrawal or release left the
    address bar on the form's action (a plain form). Each is sent by htmx (boosted), and
    its refusal answers HX-Push-Url: false, so the bar stays on the page."""
    people = cast(node)
    c = coordination(node)
    sato = people["sato"][0]
    made = c.open_item(sato, item())
    rfi = c.ask(sato, RfiCreate(
        title_en="Which runway?", title_ja="使用滑走路は", asking_body="jjoc",
        addressed_body="usfj", coordination_item=made.id,
    ))  # fmt: skip
    tasker = c.issue_tasker(sato, TaskerCreate(
        title_en="Brief", title_ja="説明", issuing_body="jjoc", opr="mod-policy",
        suspense=datetime.now(UTC) + timedelta(days=3), coordination_item=made.id,
    ))  # fmt: skip
    boosted = {"HX-Request": "true", "HX-Boosted": "true"}
    cases = [
        ("davis", f"/coordination/items/{made.id}", "respond", {"kind": "non_concur"}),
        ("sato", f"/coordination/rfis/{rfi.id}", "reply", {"body": "jjoc"}),
        ("sato", f"/coordination/taskers/{tasker.id}", "status",
         {"office": "mod-policy", "status": "cannot_meet"}),
        ("sato", f"/coordination/items/{made.id}", "transition", {"event": "withdraw"}),
        ("sato", f"/objects/{made.id}", "release", {"label": "NO SUCH LEVEL"}),
    ]  # fmt: skip
    for who, page, action, data in cases:
        csrf = sign_in_as(node, client, who, "en")
        shown = client.get(page)
        assert 'hx-boost="false"' not in _form_tag(shown.text, f"{page}/{action}"), action
        refused = client.post(
            f"{page}/{action}", data={**data, "csrf_token": csrf}, headers=boosted
        )
        assert 400 <= refused.status_code < 500, (action, refused.status_code)
        assert refused.headers.get("hx-push-url") == "false", action
        assert f'action="{page}/{action}"' in refused.text, action  # the page, with its form
