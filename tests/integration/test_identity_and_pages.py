"""Signing in, slowing down guessers, CSRF, tokens at rest, and what pages show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna import audit, clock
from kizuna.bootstrap import initialize, open_node
from kizuna.identity.schema import api_tokens, login_throttle
from kizuna.labels import lub, parse, render
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.factories import PASSWORD, add_user, bearer, cookies, report


def _csrf(client: TestClient) -> str:
    client.get("/login")
    token = client.cookies.get(cookies(client).csrf)
    assert token
    return token


def _login(client: TestClient, username: str, password: str = PASSWORD, csrf: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf or _csrf(client),
            "next": "/objects",
        },
        follow_redirects=False,
    )


def _actions(node: Node) -> list[str]:
    with node.db.read() as conn:
        return [e.action for e in reversed(audit.entries(conn, limit=1000))]


@pytest.fixture
def frozen() -> Iterator[list[datetime]]:
    now = [datetime(2026, 11, 28, 12, 0, tzinfo=UTC)]
    clock.set_clock(lambda: now[0])
    yield now
    clock.set_clock(None)


def test_a_user_signs_in_and_out(client: TestClient, node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    answer = _login(client, "tanaka")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/objects"
    session = answer.cookies.get(cookies(client).session)
    assert session
    assert "HttpOnly" in answer.headers["set-cookie"]
    assert client.get("/objects").status_code == 200
    out = client.post(
        "/logout", data={"csrf_token": client.cookies[cookies(client).csrf]}, follow_redirects=False
    )
    assert out.status_code == 303
    client.cookies.set(cookies(client).session, session)  # a stolen copy is dead too
    assert client.get("/objects", follow_redirects=False).status_code == 303
    assert [a for a in _actions(node) if a.startswith("log")] == ["login.success", "logout"]


def test_pages_need_a_session(client: TestClient) -> None:
    answer = client.get("/objects?type=report", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/objects?type=report"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    client: TestClient, node: Node
) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    wrong = _login(client, "tanaka", "not the password")
    unknown = _login(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "ユーザー名またはパスワードが正しくありません" in wrong.text
    assert "ユーザー名またはパスワードが正しくありません" in unknown.text
    assert _actions(node)[-2:] == ["login.failure", "login.failure"]


def test_repeated_failures_are_slowed_and_audited(
    client: TestClient, node: Node, frozen: list[datetime]
) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    for _ in range(5):
        assert _login(client, "tanaka", "guess").status_code == 401
    # Five free failures; then every attempt waits, even with the right password.
    throttled = _login(client, "tanaka")
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert _actions(node)[-1] == "login.throttled"
    frozen[0] += timedelta(seconds=int(throttled.headers["retry-after"]))
    assert _login(client, "tanaka").status_code == 303
    with node.db.read() as conn:  # a success from that address starts its count again
        assert conn.execute(select(login_throttle)).all() == []


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    _csrf(client)
    answer = client.post(
        "/login",
        data={"username": "tanaka", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert "login.success" not in _actions(node)


def test_login_does_not_redirect_off_the_node(client: TestClient, node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    answer = client.post(
        "/login",
        data={
            "username": "tanaka",
            "password": PASSWORD,
            "csrf_token": _csrf(client),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_tokens_are_stored_as_digests_only(node: Node) -> None:
    _, token = add_user(node, "tanaka")
    with node.db.read() as conn:
        stored = conn.execute(select(api_tokens.c.token_hash, api_tokens.c.prefix)).one()
    assert token not in stored.token_hash
    assert token.startswith(stored.prefix)


def test_the_banner_shows_the_highest_label_on_the_page(client: TestClient, node: Node) -> None:
    add_user(
        node, "sato", nation="JPN", clearance="SECRET", compartments=["BIAC"], password=PASSWORD
    )
    texts = [
        "CONFIDENTIAL//REL TO JPN, USA",
        "SECRET//BIAC//REL TO JPN, USA",
        "UNCLASSIFIED//REL TO JPN, USA, AUS",
    ]
    labels = [parse(node.policy, t) for t in texts]
    for i, label in enumerate(labels):
        node.store.create(node.system, report(f"r{i}"), label)
    _login(client, "sato")
    page = client.get("/objects").text
    expected = render(node.policy, lub(labels), "ja", first="JPN")  # type: ignore[arg-type]
    assert expected == "極秘//BIAC//提供可：日本、米国"
    assert re.findall(r'id="banner-(?:top|bottom)"[^>]*>([^<]*)<', page) == [expected, expected]
    client.get("/lang/en?next=/objects")
    page = client.get("/objects").text
    assert 'lang="en"' in page
    assert re.findall(r'id="banner-top"[^>]*>([^<]*)<', page) == ["SECRET//BIAC//REL TO JPN, USA"]


def test_the_audit_page_is_for_this_nations_admins(client: TestClient, node: Node) -> None:
    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    add_user(node, "smith", nation="USA", roles=["admin"], password=PASSWORD)
    add_user(node, "tanaka", password=PASSWORD)
    for name, status in (("tanaka", 403), ("smith", 403), ("suzuki", 200)):
        client.cookies.clear()
        _login(client, name)
        assert client.get("/federation").status_code == status, name
        answer = client.get("/audit")
        assert answer.status_code == status, name
    assert "node.init" in answer.text
    # Walk 50: the page said a refused look's action as its code (audit:log:read), and
    # its reason named the permission, not the role to ask for.
    assert "監査記録と連携ページの閲覧" in answer.text
    assert "あなたの役割ではこの操作はできません。管理者の役割が必要です。" in answer.text
    # Each refused look is itself in the log, naming who and what they asked for.
    with node.db.read() as conn:
        refused = [e for e in audit.entries(conn, limit=100) if e.action == "refused"]
    asked = [(e.actor, e.detail["reason"]) for e in reversed(refused)]
    assert asked == [
        (
            "tanaka",
            "tanaka may not see the federation page: it needs the admin role",
        ),
        ("tanaka", "tanaka may not read the audit log: it needs the admin role"),
        ("smith", "only users of JPN may see the federation page on this node"),
        ("smith", "only users of JPN may read the audit log on this node"),
    ]


def test_pages_load_nothing_from_outside_the_node(client: TestClient, node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    _login(client, "tanaka")
    answer = client.get("/objects")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', answer.text)
    assert sources
    # Paths of this node, or a place on the page itself (the skip link's #main).
    assert all(s.startswith(("/", "#")) for s in sources), sources
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    # The icon is the node's own too (browsers asked for /favicon.ico and got a 404).
    assert '<link rel="icon" href="/static/kizuna.svg" type="image/svg+xml">' in answer.text
    icon = client.get("/static/kizuna.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")


def test_every_type_of_the_objects_filter_is_named_in_the_readers_words(
    client: TestClient, node: Node
) -> None:
    """Walk 38: STIX's own `incident` stood bare (and in English on the Japanese page)
    beside Kizuna's incident type, which the navigation and the type named apart."""
    add_user(node, "tanaka", password=PASSWORD)
    _login(client, "tanaka")
    client.cookies.set(cookies(client).lang, "ja")
    page = client.get("/objects").text
    select = page.split('name="type"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)
    assert options
    bare = [value for value, text in options if text.strip() == value]
    assert bare == []
    named = dict(options)
    assert named["incident"] == "サイバーインシデント（STIX）（incident）"
    assert named["x-kizuna-incident"] == "事案（x-kizuna-incident）"


def test_a_refusal_naming_a_label_above_the_admin_is_withheld_from_them(
    client: TestClient, node: Node
) -> None:
    """Walk 39: a CONFIDENTIAL admin read, in a refusal's reason, the SECRET label an
    author had tried to write. The refusal records the label it names apart, and the
    audit page withholds the entry from an admin who may not read that label."""
    add_user(node, "adm2", roles=["admin"], clearance="CONFIDENTIAL", password=PASSWORD)
    add_user(node, "boss", roles=["admin"], clearance="TOP SECRET", password=PASSWORD)
    _, token = add_user(node, "ito", roles=["author"], clearance="CONFIDENTIAL")
    refused = client.post(
        "/api/v1/objects", json={"object": report("x"), "label": "SECRET"}, headers=bearer(token)
    )
    assert refused.status_code == 403
    with node.db.read() as conn:
        entry = next(e for e in audit.entries(conn, limit=50) if e.action == "refused")
    assert entry.detail["label"] == "SECRET//REL TO JPN"
    for name, shows in (("adm2", False), ("boss", True)):
        client.cookies.clear()
        _login(client, name)
        page = client.get("/audit").text
        assert ("is above the clearance of ito" in page) is shows, name


def test_the_language_nobody_chose_is_the_nodes_own(
    client: TestClient, db_url: str, tmp_path: Path
) -> None:
    # Walk 50: the AUS node served Japanese to a browser that asked for French and to
    # a client that asked for nothing.
    def lang_of(web: TestClient, headers: dict[str, str]) -> str:
        found = re.search(r'<html lang="(\w+)"', web.get("/login", headers=headers).text)
        assert found is not None
        return found.group(1)

    assert lang_of(client, {}) == "ja"
    assert lang_of(client, {"accept-language": "fr-FR,fr;q=0.9"}) == "ja"
    if db_url.startswith("postgresql"):
        return  # one database is enough for a second node; the words are the same
    (tmp_path / "aus").mkdir()
    settings = node_settings(f"sqlite:///{tmp_path / 'aus' / 'kizuna.db'}", tmp_path / "aus")
    initialize(settings, nation="AUS")
    aus = open_node(settings)
    try:
        with TestClient(create_app(aus)) as web:
            assert lang_of(web, {}) == "en"
            assert lang_of(web, {"accept-language": "fr-FR,fr;q=0.9"}) == "en"
            assert lang_of(web, {"accept-language": "ja"}) == "ja"
    finally:
        aus.db.dispose()


def test_a_language_not_offered_is_named_and_changes_nothing(client: TestClient) -> None:
    # Walk 50: /lang/fr landed on the start page, saying nothing.
    client.get("/lang/en")
    answer = client.get("/lang/fr?next=/objects", follow_redirects=False)
    assert answer.status_code == 404
    assert "There are no pages in “fr”: this node offers 日本語 (ja) and English (en)." in (
        answer.text
    )
    assert client.cookies.get(cookies(client).lang) == "en"


def test_a_rest_refusal_names_the_role_in_words(client: TestClient, node: Node) -> None:
    # Walk 50: "jones may not create objects: the role that grants store:object:write
    # is missing".
    _, token = add_user(node, "jones", roles=["reader"])
    answer = client.post(
        "/api/v1/objects",
        json={"object": report("A plan"), "label": "UNCLASSIFIED//REL TO JPN"},
        headers=bearer(token),
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == (
        "jones may not create objects: it needs the author or translator role"
    )
