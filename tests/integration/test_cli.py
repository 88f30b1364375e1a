"""The command line: init, users, tokens, verify, as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from kizuna.bootstrap import open_node
from kizuna.cli.main import app
from kizuna.identity.schema import users
from kizuna.web.app import create_app
from tests.conftest import node_settings

runner = CliRunner()


def _run(*args: str, stdin: str | None = None, key: Path) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin, env={"KIZUNA_KEY_FILE": str(key)})
    return result.exit_code, result.output


def test_an_operator_sets_up_a_node_and_a_user(db_url: str, tmp_path: Path) -> None:
    key = tmp_path / "node.pem"
    code, out = _run("init", "--db", db_url, "--nation", "usa", key=key)
    assert code == 0, out
    assert "initialized node USA" in out
    assert key.stat().st_mode & 0o777 == 0o600
    code, out = _run("init", "--db", db_url, "--nation", "USA", key=key)
    assert code == 0
    assert "already initialized" in out

    code, out = _run(
        "user",
        "add",
        "smith",
        "--nation",
        "USA",
        "--clearance",
        "SECRET",
        "--compartment",
        "biac",
        "--role",
        "author",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough password\n",
        key=key,
    )
    assert code == 0, out
    code, out = _run("user", "token", "issue", "smith", "--db", db_url, key=key)
    assert code == 0, out
    token = out.strip().splitlines()[-1]
    assert token.startswith("kz_")

    node = open_node(node_settings(db_url, tmp_path))
    try:
        with TestClient(create_app(node)) as client:
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me == {
            "name": "smith",
            "nation": "USA",
            "clearance": "SECRET",
            "compartments": ["BIAC"],
            "roles": ["author"],
        }
    finally:
        node.db.dispose()
    code, out = _run("audit", "verify", "--db", db_url, key=key)
    assert code == 0, out


def test_bad_user_input_is_named_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    key = tmp_path / "node.pem"
    assert _run("init", "--db", db_url, key=key)[0] == 0
    cases = [
        (["--nation", "XXX", "--clearance", "SECRET"], "nation: unknown nation 'XXX'"),
        (["--nation", "JPN", "--clearance", "SECRETISH"], "clearance: unknown level"),
        (["--nation", "JPN", "--clearance", "SECRET", "--compartment", "NOPE"], "compartments"),
        (["--nation", "JPN", "--clearance", "SECRET", "--role", "king"], "roles: unknown role"),
        # Walk 38: a mistyped body was taken, leaving the officer out of its notices.
        (["--nation", "JPN", "--clearance", "SECRET", "--body", "jjco"],
         "body: unknown body 'jjco'; known:"),
        # A partner's user as admin or releasing officer was taken and acted nowhere.
        (["--nation", "USA", "--clearance", "SECRET", "--role", "admin"],
         "roles: a user of USA may not be admin on the JPN node"),
        (["--nation", "USA", "--clearance", "SECRET", "--role", "releasing_officer"],
         "roles: a user of USA may not be releasing_officer on the JPN node"),
        # Walk 50: a partner's author was taken, and every write of theirs refused.
        (["--nation", "AUS", "--clearance", "SECRET", "--role", "author"],
         "roles: a user of AUS may not be author on the JPN node: that role acts only for "
         "JPN's own users, and a partner's user writes on its own nation's node (here it "
         "may be reader or coordinator: it reads, and a coordinator answers what is "
         "addressed to its nation)"),
        (["--nation", "USA", "--clearance", "SECRET", "--role", "translator"],
         "roles: a user of USA may not be translator on the JPN node"),
    ]  # fmt: skip
    for extra, words in cases:
        code, out = _run("user", "add", "bad", *extra, "--db", db_url, key=key)
        assert code == 2, out
        assert words in " ".join(out.split())
    code, out = _run(
        "user",
        "add",
        "short",
        "--nation",
        "JPN",
        "--clearance",
        "SECRET",
        "--password-stdin",
        "--db",
        db_url,
        stdin="short\n",
        key=key,
    )
    assert code == 2
    assert "password: a password has at least 12 characters" in out
    node = open_node(node_settings(db_url, tmp_path))
    try:
        with node.db.read() as conn:
            assert conn.execute(select(func.count()).select_from(users)).scalar_one() == 0
    finally:
        node.db.dispose()


def test_an_unknown_nation_at_init_is_refused(tmp_path: Path) -> None:
    code, out = _run(
        "init", "--db", f"sqlite:///{tmp_path / 'k.db'}", "--nation", "ZZZ", key=tmp_path / "k.pem"
    )
    assert code == 2
    assert "unknown nation 'ZZZ'" in out


def test_serving_an_uninitialized_database_says_what_to_do(tmp_path: Path) -> None:
    code, out = _run("serve", "--db", f"sqlite:///{tmp_path / 'k.db'}", key=tmp_path / "k.pem")
    assert code == 2
    assert "kizuna init" in out


def test_user_add_names_every_role_it_takes(tmp_path: Path) -> None:
    """Walk 37: the help listed four roles; coordinator and translator were missing."""
    from kizuna.identity.principal import Role

    code, out = _run("user", "add", "--help", key=tmp_path / "k.pem")
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    for role in Role:
        assert role.value in flat, role


def test_a_second_serve_on_a_taken_address_writes_nothing(db_url: str, tmp_path: Path) -> None:
    """Walk 37: a second `kizuna serve` on the same database and port failed with
    "address already in use" after writing "Node started" and "Node stopped" to the
    audit log while the first one went on serving."""
    import socket

    from kizuna.db.schema import audit_log

    key = tmp_path / "node.pem"
    assert _run("init", "--db", db_url, key=key)[0] == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        node = open_node(node_settings(db_url, tmp_path))
        try:
            with node.db.read() as conn:
                before = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
            code, out = _run("serve", "--db", db_url, "--port", str(port), key=key)
            assert code == 2
            assert f"cannot listen on 127.0.0.1:{port}" in " ".join(out.split())
            with node.db.read() as conn:
                after = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
            assert after == before
        finally:
            node.db.dispose()


def test_a_command_without_the_nodes_key_names_the_key_not_init(tmp_path: Path) -> None:
    """Walk 44: a command on a node made long before, run without KIZUNA_KEY_FILE, was
    told to run `kizuna init`; the key file is what is missing, and it says so."""
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert _run("init", "--db", db, "--nation", "JPN", key=tmp_path / "k.pem")[0] == 0
    code, out = _run("meetings", "list", "--db", db, key=tmp_path / "elsewhere.pem")
    assert code == 2
    said = " ".join(out.split())
    assert "key file" in said
    assert "was not found: set KIZUNA_KEY_FILE" in said
    assert "run `kizuna init` first" not in said
    assert _run("meetings", "list", "--db", db, key=tmp_path / "k.pem")[0] == 0


def test_a_partners_pull_token_renewed_as_readme_says_lives_a_year(
    db_url: str, tmp_path: Path
) -> None:
    # Walk 50: README says a partner's pull token lives a year and is renewed with
    # `kizuna user token issue peer-usa`, which gave a person's 90 days.
    from datetime import timedelta

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kizuna import clock
    from kizuna.identity.schema import api_tokens
    from kizuna.node import public_key_pem

    key = tmp_path / "node.pem"
    assert _run("init", "--db", db_url, "--nation", "JPN", key=key)[0] == 0
    partner = tmp_path / "usa.pem"
    partner.write_text(public_key_pem(Ed25519PrivateKey.generate()))
    code, out = _run(
        "peer", "add", "USA", "--url", "http://127.0.0.1:9", "--public-key", str(partner),
        "--max-level", "SECRET", "--db", db_url, key=key,
    )  # fmt: skip
    assert code == 0, out
    code, out = _run("user", "token", "issue", "peer-usa", "--db", db_url, key=key)
    assert code == 0, out
    renewed = out.strip().splitlines()[-1]
    node = open_node(node_settings(db_url, tmp_path))
    try:
        with node.db.read() as conn:
            expires = conn.execute(
                select(api_tokens.c.expires_at).where(api_tokens.c.prefix == renewed[:10])
            ).scalar_one()
    finally:
        node.db.dispose()
    lives = clock.parse_ts(expires) - clock.now()
    assert timedelta(days=364) < lives <= timedelta(days=365)
