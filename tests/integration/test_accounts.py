"""Accounts with a life cycle: deactivation, a new password and a revoked token cut a
user off pages, REST and TAXII at once; tokens expire; the sign-in throttle counts
per name and address, answers unknown and known names alike, and is audited."""

from __future__ import annotations

import base64
import html
import re
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any as Response

import argon2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from kizuna import audit, clock
from kizuna.cli.main import app as cli
from kizuna.identity import accounts
from kizuna.identity.schema import login_throttle, users
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.conftest import CHEAP_HASHER, REAL_HASHER
from tests.factories import PASSWORD, add_user, bearer, cookies

runner = CliRunner()
TAXII = {"Accept": "application/taxii+json;version=2.1"}
NEW_PASSWORD = "a brand new passphrase"


def _basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {**TAXII, "Authorization": f"Basic {raw}"}


def _user_cli(node: Node, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(
        cli,
        ["user", *args, "--db", node.settings.database_url],
        input=stdin,
        env={"KIZUNA_KEY_FILE": str(node.settings.key_file)},
    )
    return result.exit_code, result.output


def _actions(node: Node) -> list[str]:
    with node.db.read() as conn:
        return [e.action for e in reversed(audit.entries(conn, limit=1000))]


def _client(node: Node, address: str) -> TestClient:
    return TestClient(create_app(node), client=(address, 50000))


def _login(client: TestClient, username: str, password: str) -> Response:
    client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": client.cookies.get(cookies(client).csrf) or "",
            "next": "/objects",
        },
        follow_redirects=False,
    )


@pytest.fixture
def signed_in(node: Node) -> Iterator[tuple[TestClient, str]]:
    """tanaka, signed in on the pages, holding a token, and with a TAXII Basic sign-in
    the node remembers (its cache), all working."""
    _user, token = add_user(node, "tanaka", password=PASSWORD)
    with _client(node, "10.0.0.1") as client:
        assert _login(client, "tanaka", PASSWORD).status_code == 303
        assert client.get("/objects", follow_redirects=False).status_code == 200
        assert client.get("/api/v1/objects", headers=bearer(token)).status_code == 200
        for _ in range(2):  # the second answer comes from the cache
            assert client.get("/taxii2/", headers=_basic("tanaka", PASSWORD)).status_code == 200
        assert client.get("/taxii2/", headers={**TAXII, **bearer(token)}).status_code == 200
        yield client, token


def _cut_off(client: TestClient, token: str, password: str = PASSWORD) -> None:
    page = client.get("/objects", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    assert client.get("/api/v1/objects", headers=bearer(token)).status_code == 401
    assert client.get("/taxii2/", headers=_basic("tanaka", password)).status_code == 401
    assert client.get("/taxii2/", headers={**TAXII, **bearer(token)}).status_code == 401


def test_deactivation_cuts_off_pages_rest_and_taxii_at_once(
    node: Node, signed_in: tuple[TestClient, str]
) -> None:
    client, token = signed_in
    code, output = _user_cli(node, "deactivate", "tanaka")
    assert code == 0, output
    _cut_off(client, token)
    assert _login(client, "tanaka", PASSWORD).status_code == 401
    assert _user_cli(node, "deactivate", "tanaka")[0] == 2  # already inactive
    code, output = _user_cli(node, "reactivate", "tanaka")
    assert code == 0, output
    assert _login(client, "tanaka", PASSWORD).status_code == 303
    # Tokens revoked by the deactivation stay revoked.
    assert client.get("/api/v1/objects", headers=bearer(token)).status_code == 401
    assert [a for a in _actions(node) if a.startswith("user.") and a != "user.create"] == [
        "user.deactivate",
        "user.reactivate",
    ]


def test_a_new_password_cuts_off_the_old_one_everywhere(
    node: Node, signed_in: tuple[TestClient, str]
) -> None:
    client, token = signed_in
    code, output = _user_cli(node, "password", "tanaka", stdin=NEW_PASSWORD + "\n")
    assert code == 0, output
    _cut_off(client, token)
    assert client.get("/taxii2/", headers=_basic("tanaka", NEW_PASSWORD)).status_code == 200
    assert _login(client, "tanaka", NEW_PASSWORD).status_code == 303
    code, output = _user_cli(node, "password", "tanaka", stdin="short\n")
    assert code == 2
    assert "12 characters" in output
    # Walk 39: twelve spaces were a password, and signed in.
    code, output = _user_cli(node, "password", "tanaka", stdin=" " * 12 + "\n")
    assert code == 2
    assert "more than spaces" in output
    assert _login(client, "tanaka", NEW_PASSWORD).status_code == 303
    # A token lives one day to a year; 0 was taken as the default, any length as given.
    for days in ("0", "-5", "100000"):
        code, output = _user_cli(node, "token", "issue", "tanaka", "--days", days)
        assert code == 2, days
        assert "from one day to 366 days" in output, days


def test_a_revoked_token_is_refused_at_once(node: Node, signed_in: tuple[TestClient, str]) -> None:
    client, token = signed_in
    code, listing = _user_cli(node, "token", "list", "tanaka")
    assert code == 0
    assert token[:10] in listing
    assert "active" in listing
    code, output = _user_cli(node, "token", "revoke", token[:10])
    assert code == 0, output
    assert client.get("/api/v1/objects", headers=bearer(token)).status_code == 401
    assert client.get("/taxii2/", headers={**TAXII, **bearer(token)}).status_code == 401
    # The pages and the password are the user's own: they still work.
    assert client.get("/objects", follow_redirects=False).status_code == 200
    assert "revoked" in _user_cli(node, "token", "list", "tanaka")[1]
    assert _user_cli(node, "token", "revoke", token[:10])[0] == 2  # no live token left
    assert _actions(node)[-1] == "token.revoke"


def test_tokens_expire(node: Node) -> None:
    now = [datetime(2026, 6, 1, tzinfo=UTC)]
    clock.set_clock(lambda: now[0])
    try:
        _user, token = add_user(node, "tanaka")
        with TestClient(create_app(node)) as client:
            now[0] += timedelta(days=89)
            assert client.get("/api/v1/objects", headers=bearer(token)).status_code == 200
            now[0] += timedelta(days=2)
            assert client.get("/api/v1/objects", headers=bearer(token)).status_code == 401
        assert "expired" in _user_cli(node, "token", "list")[1]
    finally:
        clock.set_clock(None)


def test_token_lifetime_is_configurable(node: Node) -> None:
    add_user(node, "tanaka")
    code, output = _user_cli(node, "token", "issue", "tanaka", "--days", "7")
    assert code == 0, output
    with node.db.read() as conn:
        entry = audit.entries(conn, limit=1)[0]
    issued = clock.parse_ts(entry.at)
    lifetime = clock.parse_ts(entry.detail["expires_at"]) - issued
    assert abs(lifetime - timedelta(days=7)) < timedelta(seconds=1)
    assert _user_cli(node, "token", "issue", "nobody")[0] == 2


def test_a_stranger_cannot_lock_a_user_out_from_elsewhere(node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    with _client(node, "192.0.2.66") as stranger:
        for _ in range(8):
            assert _login(stranger, "tanaka", "guess").status_code in (401, 429)
        assert _login(stranger, "tanaka", PASSWORD).status_code == 429  # slowed down there
    with _client(node, "10.0.0.1") as user:
        assert _login(user, "tanaka", PASSWORD).status_code == 303
    actions = _actions(node)
    assert actions.count("login.locked") == 1
    assert "login.throttled" in actions
    code, output = _user_cli(node, "unlock", "tanaka")
    assert code == 0
    assert "1 address" in output
    with node.db.read() as conn:
        assert conn.execute(select(login_throttle)).all() == []
    assert _actions(node)[-1] == "user.unlock"


def _answers(node: Node, username: str, address: str, attempts: int) -> list[Response]:
    with _client(node, address) as client:
        client.cookies.set(cookies(client).csrf, "fixed-csrf-token")
        client.cookies.set(cookies(client).lang, "en")
        found = []
        for _ in range(attempts):
            found.append(
                client.post(
                    "/login",
                    data={
                        "username": username,
                        "password": "a wrong password",
                        "csrf_token": "fixed-csrf-token",
                        "next": "/objects",
                    },
                    follow_redirects=False,
                )
            )
        taxii = client.get("/taxii2/", headers=_basic(username, "a wrong password"))
        found.append(taxii)
    return found


def test_unknown_and_known_users_get_byte_identical_answers(node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    now = [datetime(2026, 6, 1, tzinfo=UTC)]
    clock.set_clock(lambda: now[0])  # the same Retry-After for both
    try:
        known = _answers(node, "tanaka", "10.0.0.7", 7)
        unknown = _answers(node, "tanakb", "10.0.0.7", 7)
    finally:
        clock.set_clock(None)
    statuses = [r.status_code for r in known]
    assert statuses == [401] * 5 + [429, 429, 401]
    for mine, theirs in zip(known, unknown, strict=True):
        assert mine.status_code == theirs.status_code
        # Alike but for the name each typed, which the sign-in form gives back.
        assert mine.content.replace(b"tanaka", b"NAME") == theirs.content.replace(
            b"tanakb", b"NAME"
        )
        keep = ("content-type", "retry-after", "www-authenticate", "set-cookie")
        assert {k: mine.headers.get(k) for k in keep} == {k: theirs.headers.get(k) for k in keep}


def test_a_refused_sign_in_keeps_the_username_typed_never_the_password(node: Node) -> None:
    add_user(node, "kato", password=PASSWORD)
    # kato's own name and the unknown katoh alike, slowed down or not.
    for name, address in (("kato", "10.0.1.1"), ("katoh", "10.0.1.2")):
        with _client(node, address) as client:
            client.cookies.set(cookies(client).lang, "en")
            for attempt in range(6):  # the fifth failure on is slowed down
                refused = _login(client, name, "a wrong password")
                assert refused.status_code == (401 if attempt < 5 else 429)
                form = refused.text.split('action="/login"', 1)[1]
                assert f'value="{name}"' in form, (name, attempt)
                assert "a wrong password" not in refused.text


def _stored_hash(node: Node, username: str) -> str:
    with node.db.read() as conn:
        return str(
            conn.execute(
                select(users.c.password_hash).where(users.c.username == username)
            ).scalar_one()
        )


@pytest.mark.real_password_hash
def test_passwords_are_hashed_with_argon2id_at_the_rfc_9106_parameters(node: Node) -> None:
    # The rest of the suite hashes cheaply (tests/conftest.py); the node never does.
    add_user(node, "tanaka", password=PASSWORD)
    made = argon2.extract_parameters(_stored_hash(node, "tanaka"))
    wanted = argon2.profiles.RFC_9106_LOW_MEMORY
    assert made.type is argon2.Type.ID
    assert made.time_cost >= wanted.time_cost
    assert made.memory_cost >= wanted.memory_cost
    assert made.parallelism >= wanted.parallelism


@pytest.mark.real_password_hash
def test_a_weaker_hash_is_replaced_at_the_next_sign_in(node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    with node.db.write() as conn:
        conn.execute(
            update(users)
            .where(users.c.username == "tanaka")
            .values(password_hash=CHEAP_HASHER.hash(PASSWORD))
        )
    with _client(node, "10.3.0.1") as client:
        assert _login(client, "tanaka", PASSWORD).status_code == 303
    replaced = _stored_hash(node, "tanaka")
    assert argon2.extract_parameters(replaced) == argon2.extract_parameters(
        REAL_HASHER.hash(PASSWORD)
    )
    assert REAL_HASHER.verify(replaced, PASSWORD)


@pytest.mark.real_password_hash
def test_unknown_and_known_users_take_the_same_time(node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)

    def timed(username: str, address: str) -> float:
        with _client(node, address) as client:
            client.get("/login")
            began = time.perf_counter()
            _login(client, username, "a wrong password")
            return time.perf_counter() - began

    known, unknown = [], []
    for i in range(4):  # interleaved: a loaded machine slows both alike
        known.append(timed("tanaka", f"10.1.0.{i}"))
        unknown.append(timed("nobody", f"10.2.0.{i}"))
    ratio = statistics.median(known) / statistics.median(unknown)
    # Both verify one argon2 hash; without the dummy check an unknown name answers
    # many times faster.
    assert 0.5 < ratio < 2.0, (known, unknown)


def test_user_list_shows_the_state_of_every_account(node: Node) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    add_user(node, "smith", nation="USA", clearance="CONFIDENTIAL")
    assert _user_cli(node, "deactivate", "smith")[0] == 0
    code, output = _user_cli(node, "list")
    assert code == 0
    lines = {line.split("│")[1].strip(): line for line in output.splitlines() if "│" in line}
    assert "inactive" in lines["smith"]
    assert "inactive" not in lines["tanaka"]
    assert _user_cli(node, "deactivate", "nobody")[0] == 2
    assert _user_cli(node, "unlock", "nobody")[0] == 2


def test_user_list_names_bodies_with_their_ids_beside(node: Node) -> None:
    """Walk 49: the list showed a member's bodies as ids only (jjoc, mod-policy)."""
    add_user(node, "sato", password=PASSWORD)
    assert _user_cli(node, "change", "sato", "--body", "jjoc", "--body", "mod-policy")[0] == 0
    result = runner.invoke(
        cli,
        ["user", "list", "--db", node.settings.database_url],
        env={"KIZUNA_KEY_FILE": str(node.settings.key_file), "COLUMNS": "400"},
    )
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "│ sato" in line]
    cells = [cell.strip() for cell in line.split("│")]
    assert "Japan Joint Operations Command (JJOC)" in cells[5]
    assert "jjoc, mod-policy" in cells[6]


def test_the_accounts_page_manages_accounts_for_this_nations_admins(node: Node) -> None:
    add_user(node, "admin", roles=["admin"], password=PASSWORD)
    add_user(node, "reader", password=PASSWORD)
    add_user(node, "usadmin", nation="USA", roles=["admin"], password=PASSWORD)
    _user, token = add_user(node, "tanaka", password=PASSWORD)
    with _client(node, "10.0.0.5") as victim:
        assert _login(victim, "tanaka", PASSWORD).status_code == 303
        for name in ("reader", "usadmin"):
            with _client(node, "10.0.0.6") as other:
                assert _login(other, name, PASSWORD).status_code == 303
                assert other.get("/admin/accounts").status_code == 403
        with node.db.read() as conn:
            refused = [e for e in audit.entries(conn, limit=100) if e.action == "refused"]
        assert [(e.actor, "manage accounts" in e.detail["reason"]) for e in refused] == [
            ("usadmin", True),
            ("reader", True),
        ]
        with _client(node, "10.0.0.7") as admin:
            assert _login(admin, "admin", PASSWORD).status_code == 303
            listing = admin.get("/admin/accounts")
            assert listing.status_code == 200
            assert "アカウント" in listing.text
            assert token[:10] in listing.text
            admin.cookies.set(cookies(admin).lang, "en")
            assert "Deactivate" in admin.get("/admin/accounts").text
            csrf = admin.cookies.get(cookies(admin).csrf) or ""
            stale = admin.post("/admin/accounts/tanaka/deactivate", data={"csrf_token": "x"})
            assert stale.status_code == 403
            assert victim.get("/objects", follow_redirects=False).status_code == 200
            done = admin.post(
                "/admin/accounts/tanaka/deactivate",
                data={"csrf_token": csrf},
                follow_redirects=False,
            )
            assert done.status_code == 303
            assert victim.get("/objects", follow_redirects=False).status_code == 303
            assert victim.get("/api/v1/objects", headers=bearer(token)).status_code == 401
            again = admin.post("/admin/accounts/tanaka/deactivate", data={"csrf_token": csrf})
            assert again.status_code == 409
            assert (
                admin.post("/admin/accounts/nobody/unlock", data={"csrf_token": csrf}).status_code
                == 404
            )
            short = admin.post(
                "/admin/accounts/reader/password", data={"csrf_token": csrf, "password": "short"}
            )
            assert short.status_code == 422
            # Walk 39: the page said only that something was wrong.
            assert "use at least 12 characters" in short.text
            # And it was an error page to come back from: the list comes back, the
            # reason named with the account and its password field marked.
            assert 'class="accounts"' in short.text
            row = short.text.split('data-user="reader"', 1)[1].split("</tr>")[0]
            assert 'aria-invalid="true"' in row
            assert 'aria-describedby="account-error"' in row
            assert 'id="account-error"' in short.text
            assert "reader: " in short.text
            other = short.text.split('data-user="tanaka"', 1)[1].split("</tr>")[0]
            assert "aria-invalid" not in other
    assert _actions(node).count("user.deactivate") == 1


def test_an_admin_is_refused_deactivating_their_own_account_in_words(node: Node) -> None:
    """No button for it on their own row, and a sent form refused saying why (it was a
    bare 409, "changed meanwhile"), with the account and its session left as they were."""
    add_user(node, "admin", roles=["admin"], password=PASSWORD)
    add_user(node, "tanaka", password=PASSWORD)
    with _client(node, "10.0.0.9") as admin:
        assert _login(admin, "admin", PASSWORD).status_code == 303
        listing = admin.get("/admin/accounts").text

        def row(name: str) -> str:
            return listing.split(f'data-user="{name}"', 1)[1].split("</tr>")[0]

        assert "/admin/accounts/admin/deactivate" not in row("admin")
        assert "/admin/accounts/tanaka/deactivate" in row("tanaka")
        csrf = admin.cookies.get(cookies(admin).csrf) or ""
        said = {}
        for lang in ("ja", "en"):
            admin.cookies.set(cookies(admin).lang, lang)
            refused = admin.post("/admin/accounts/admin/deactivate", data={"csrf_token": csrf})
            assert refused.status_code == 422
            said[lang] = refused.text
        assert "自分のアカウントは無効化できません。" in said["ja"]
        assert all('class="accounts"' in t for t in said.values())
        assert "You cannot deactivate your own account." in said["en"]
        assert all("meanwhile" not in t and "その間に" not in t for t in said.values())
        assert admin.get("/admin/accounts", follow_redirects=False).status_code == 200
    with node.db.read() as conn:
        (mine,) = [a for a in accounts.list_accounts(conn) if a.username == "admin"]
    assert mine.active
    assert "user.deactivate" not in _actions(node)


def test_each_action_on_the_accounts_page_is_confirmed_after_its_redirect(node: Node) -> None:
    """Setting a password only reloaded the page; each action now says it was done, in
    a fixed sentence the address names but never writes."""
    add_user(node, "admin", roles=["admin"], password=PASSWORD)
    add_user(node, "kato", password=PASSWORD)
    with _client(node, "10.0.0.10") as admin:
        assert _login(admin, "admin", PASSWORD).status_code == 303
        admin.get("/admin/accounts")
        csrf = admin.cookies.get(cookies(admin).csrf) or ""
        form = {"csrf_token": csrf, "password": NEW_PASSWORD}
        sent = admin.post("/admin/accounts/kato/password", data=form, follow_redirects=False)
        assert sent.status_code == 303
        assert sent.headers["location"] == "/admin/accounts?done=password"
        for lang, said in (
            ("ja", "パスワードを設定しました。"),
            ("en", "Password set: the user's sessions and tokens have ended."),
        ):
            admin.cookies.set(cookies(admin).lang, lang)
            shown = admin.get(sent.headers["location"]).text
            notice = shown.split('class="notice" role="status">', 1)[1].split("</p>")[0]
            assert said in html.unescape(notice)
        assert 'class="notice"' not in admin.get("/admin/accounts").text
        forged = admin.get("/admin/accounts?done=%3Cb%3Eowned%3C/b%3E").text
        assert 'class="notice"' not in forged
        assert "<b>owned" not in forged
        assert "&lt;b&gt;owned" not in forged
        unlocked = admin.post("/admin/accounts/kato/unlock", data={"csrf_token": csrf})
        assert "Sign-in restriction lifted." in unlocked.text
    assert "user.password" in _actions(node)


def test_the_service_refuses_an_actor_deactivating_themselves(node: Node) -> None:
    add_user(node, "admin", roles=["admin"], password=PASSWORD)
    with pytest.raises(accounts.OwnAccount), node.db.write() as conn:
        accounts.deactivate(conn, actor="admin", username="admin")


def test_the_accounts_page_reads_in_the_admins_language_and_zone(node: Node) -> None:
    """Clearances, roles and the tokens' times as the rest of the pages write them:
    in Japanese for a Japanese reader, times in the reader's zone with the zone named."""
    add_user(node, "admin", roles=["admin"], password=PASSWORD)
    add_user(node, "sato", clearance="TOP SECRET", roles=["author", "releasing_officer"])
    with _client(node, "10.0.0.8") as admin:
        assert _login(admin, "admin", PASSWORD).status_code == 303
        row = admin.get("/admin/accounts").text.split('data-user="sato"', 1)[1].split("</tr>")[0]
        assert "機密" in row
        assert "TOP SECRET" not in row
        assert "作成者、提供責任者" in row
        assert "author" not in row
        tokens = admin.get("/admin/accounts").text.split('class="tokens"', 1)[1]
        issued = re.findall(r"<time datetime=\"[^\"]+Z\" title=\"[^\"]+\">([^<]+)</time>", tokens)
        assert issued
        assert all(t.endswith(" JST") for t in issued), issued
        admin.cookies.set(cookies(admin).lang, "en")
        row = admin.get("/admin/accounts").text.split('data-user="sato"', 1)[1].split("</tr>")[0]
        assert "TOP SECRET" in row
        assert "Author, Releasing officer" in row


def test_a_partner_nodes_account_is_managed_with_kizuna_peer_not_as_a_person(
    node: Node,
) -> None:
    """Walk 39: the accounts page offered to deactivate a partner node's account and to
    give it a password, and after deactivating and reactivating it the partner could
    never pull again (its token stays revoked), with nothing said."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kizuna.federation import peers as peer_service
    from kizuna.node import public_key_pem

    with node.db.write() as conn:
        peer_service.add_peer(
            conn, policy=node.policy, own_nation=node.nation, actor="test", nation="USA",
            url="http://127.0.0.1:9", public_key_pem=public_key_pem(Ed25519PrivateKey.generate()),
            max_level="SECRET", compartments=[],
        )  # fmt: skip
    from kizuna.identity import service as identity

    with node.db.write() as conn:
        account = identity.find_user(conn, "peer-usa")
        assert account is not None
        pull = identity.issue_token(conn, user=account, actor="t")
    add_user(node, "admin", roles=["admin"], password=PASSWORD)
    with _client(node, "10.0.0.9") as admin:
        assert _login(admin, "admin", PASSWORD).status_code == 303
        admin.cookies.set(cookies(admin).lang, "en")
        listing = admin.get("/admin/accounts").text
        # Walk 44: the partner's pull token was revoked from the page, and the partner
        # stopped receiving: neither offered nor taken.
        token_row = listing.split(f'data-prefix="{pull[:8]}', 1)[1].split("</tr>")[0]
        assert "/revoke" not in token_row
        csrf = admin.cookies.get(cookies(admin).csrf) or ""
        refused = admin.post(f"/admin/accounts/tokens/{pull[:10]}/revoke",
                             data={"csrf_token": csrf})  # fmt: skip
        assert refused.status_code == 409
        assert "managed with kizuna peer" in refused.text
        with node.db.read() as conn:
            held = accounts.list_tokens(conn, username="peer-usa")
        assert pull[:8] in {t.prefix[:8] for t in held}
        assert {t.state for t in held} == {"active"}
        row = listing.split('data-user="peer-usa"', 1)[1].split("</tr>")[0]
        assert "/admin/accounts/peer-usa/deactivate" not in row
        assert "/password" not in row
        assert "managed with kizuna peer" in row
        csrf = admin.cookies.get(cookies(admin).csrf) or ""
        for sent in ("deactivate", "password"):
            refused = admin.post(f"/admin/accounts/peer-usa/{sent}",
                                 data={"csrf_token": csrf, "password": "x" * 16})  # fmt: skip
            assert refused.status_code == 409, sent
            assert "managed with kizuna peer" in refused.text
    assert "user.deactivate" not in _actions(node)
    code, output = _user_cli(node, "deactivate", "peer-usa")
    assert code == 0, output
    assert "kizuna user token issue peer-usa" in " ".join(output.split())


def test_an_admin_manages_only_accounts_their_clearance_covers(node: Node) -> None:
    """Walk 43: a CONFIDENTIAL administrator set a TOP SECRET user's password, signed in
    as that user and read everything they read. An account cleared above the
    administrator (a higher level, or a compartment the administrator does not hold)
    offers no action on the page, and each action sent anyway is refused (403, in the
    reader's words), audited, and changes nothing: the password, the sessions, the
    tokens and the sign-in throttle stay as they were."""
    add_user(node, "kato", clearance="CONFIDENTIAL", roles=["admin"], password=PASSWORD)
    add_user(node, "suzuki", clearance="TOP SECRET", roles=["admin"], password=PASSWORD)
    add_user(node, "ito", clearance="CONFIDENTIAL", compartments=["BIAC"], password=PASSWORD)
    add_user(node, "tanaka", clearance="CONFIDENTIAL", password=PASSWORD)
    _user, token = add_user(node, "sato", clearance="SECRET", password=PASSWORD)
    with _client(node, "10.0.0.21") as victim:
        assert _login(victim, "sato", PASSWORD).status_code == 303
        with _client(node, "10.0.0.22") as kato:
            assert _login(kato, "kato", PASSWORD).status_code == 303
            kato.cookies.set(cookies(kato).lang, "en")
            listing = kato.get("/admin/accounts").text

            def row(name: str) -> str:
                return listing.split(f'data-user="{name}"', 1)[1].split("</tr>")[0]

            for above in ("suzuki", "ito", "sato"):
                assert "/admin/accounts/" not in row(above), above
                assert "Cleared above you" in row(above)
            assert "/admin/accounts/tanaka/deactivate" in row("tanaka")
            assert f"/admin/accounts/tokens/{token[:8]}" not in listing
            csrf = kato.cookies.get(cookies(kato).csrf) or ""
            sent = {
                "/admin/accounts/suzuki/password": {"password": "Kato-took-over-1!"},
                "/admin/accounts/sato/password": {"password": "Kato-took-over-1!"},
                "/admin/accounts/ito/password": {"password": "Kato-took-over-1!"},
                "/admin/accounts/sato/deactivate": {},
                "/admin/accounts/sato/unlock": {},
                f"/admin/accounts/tokens/{token[:10]}/revoke": {},
            }
            for address, data in sent.items():
                refused = kato.post(address, data={"csrf_token": csrf, **data})
                assert refused.status_code == 403, address
                assert "cleared above you" in refused.text, address
            kato.cookies.set(cookies(kato).lang, "ja")
            refused = kato.post(
                "/admin/accounts/suzuki/password",
                data={"csrf_token": csrf, "password": "Kato-took-over-1!"},
            )
            assert "あなたより上の" in refused.text
            # Within reach, as before.
            done = kato.post(
                "/admin/accounts/tanaka/password",
                data={"csrf_token": csrf, "password": NEW_PASSWORD},
                follow_redirects=False,
            )
            assert done.status_code == 303
        assert victim.get("/objects", follow_redirects=False).status_code == 200
        assert victim.get("/api/v1/objects", headers=bearer(token)).status_code == 200
    with _client(node, "10.0.0.23") as thief:
        assert _login(thief, "suzuki", "Kato-took-over-1!").status_code == 401
        assert _login(thief, "suzuki", PASSWORD).status_code == 303
    with node.db.read() as conn:
        refused_entries = [
            e for e in audit.entries(conn, limit=200) if e.action == "refused" and e.actor == "kato"
        ]
    assert len(refused_entries) == len(sent) + 1
    assert _actions(node).count("user.password") == 1  # tanaka's
    # The command line is the node's operator: it manages every account.
    code, output = _user_cli(node, "unlock", "suzuki")
    assert code == 0, output


def test_the_operator_changes_a_clearance_and_roles_and_it_holds_at_once(
    node: Node, signed_in: tuple[TestClient, str]
) -> None:
    """Walk 43: there was no way to change a user's clearance or roles but to make a new
    account. `kizuna user change` replaces what it is given; a lowered clearance holds
    on the user's next request, on REST and TAXII Basic (whose remembered sign-in is
    read anew); bad input exits 2, naming it, and changes nothing."""
    from tests.factories import report

    client, token = signed_in  # tanaka: SECRET reader
    _, writer = add_user(node, "sato", clearance="SECRET", roles=["author"])
    made = client.post(
        "/api/v1/objects",
        json={"object": report("held"), "label": "SECRET"},
        headers=bearer(writer),
    ).json()["id"]
    assert client.get(f"/api/v1/objects/{made}", headers=bearer(token)).status_code == 200
    code, output = _user_cli(node, "change", "tanaka", "--clearance", "CONFIDENTIAL",
                             "--role", "author", "--role", "reader")  # fmt: skip
    assert code == 0, output
    assert "clearance CONFIDENTIAL" in output
    assert client.get(f"/api/v1/objects/{made}", headers=bearer(token)).status_code == 404
    listed = client.get("/taxii2/", headers=_basic("tanaka", PASSWORD))
    assert listed.status_code == 200  # still signed in: nothing of the sign-in was wrong
    now = client.post(
        "/api/v1/objects",
        json={"object": report("mine"), "label": "CONFIDENTIAL"},
        headers=bearer(token),
    )
    assert now.status_code == 201, now.text  # an author now
    before = _actions(node).count("user.change")
    for args, said in (
        (("--clearance", "NOPE"), "clearance"),
        ((), "name what changes"),
        (("--clearance", "CONFIDENTIAL"), "holds these already"),
        (("--role", "pilot"), "unknown role"),
        (("--body", "nowhere"), "unknown body"),
    ):
        code, output = _user_cli(node, "change", "tanaka", *args)
        assert code == 2, (args, output)
        assert said in " ".join(output.split()), (args, output)
    add_user(node, "smith", nation="USA", clearance="CONFIDENTIAL")
    for args, said in (
        (("--role", "admin"), "a user of USA may not be admin on the JPN node"),
        (("--role", "releasing_officer", "--role", "reader"), "may not be releasing_officer"),
    ):
        code, output = _user_cli(node, "change", "smith", *args)
        assert code == 2, (args, output)
        assert said in " ".join(output.split()), (args, output)
    assert _actions(node).count("user.change") == before == 1
