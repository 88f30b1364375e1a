"""The audit log is tamper-evident: `kizuna audit verify` names the first bad entry."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from kizuna import audit
from kizuna.audit.log import entry_hash
from kizuna.cli.main import app
from kizuna.db.schema import audit_checkpoints, audit_head, audit_log
from kizuna.runtime import Node
from tests.factories import add_user, report

runner = CliRunner()


def _verify(node: Node) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "audit",
            "verify",
            "--db",
            node.settings.database_url,
            "--key-file",
            str(node.settings.key_file),
        ],
    )
    return result.exit_code, result.output


@pytest.fixture
def logged(node: Node) -> Node:
    """A node with a dozen entries: users, objects, a release."""
    add_user(node, "sato", roles=["author", "releasing_officer"])
    for i in range(4):
        made = node.store.create(node.system, report(f"r{i}"), _label(node, "SECRET"))
    node.store.release(node.system, made.id, _label(node, "SECRET//REL TO JPN, USA"))
    return node


def _label(node: Node, text: str):  # type: ignore[no-untyped-def]
    from kizuna.labels import parse

    return parse(node.policy, text, originator="JPN")


def _forge(conn: Any, seq: int, action: str) -> None:
    """Write an entry that chains correctly to entry `seq - 1`, as a forger would."""
    prev = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq - 1)).scalar_one()
    forged = {
        "seq": seq,
        "at": "2026-01-01T00:00:00.000000Z",
        "actor": "intruder",
        "action": action,
        "target": None,
        "detail": "{}",
        "prev_hash": prev,
    }
    conn.execute(insert(audit_log).values(**forged, hash=entry_hash(**forged)))


def _row(node: Node, seq: int) -> dict[str, Any]:
    with node.db.read() as conn:
        return dict(conn.execute(select(audit_log).where(audit_log.c.seq == seq)).one()._mapping)


def test_an_untouched_log_verifies(logged: Node) -> None:
    code, output = _verify(logged)
    assert code == 0, output
    assert "audit log intact" in output


def test_every_write_left_an_entry(logged: Node) -> None:
    with logged.db.read() as conn:
        actions = [e.action for e in reversed(audit.entries(conn, limit=100))]
    assert actions == [
        "node.init",
        "user.create",
        "token.issue",
        "object.create",
        "object.create",
        "object.create",
        "object.create",
        "object.release",
    ]


def test_an_edited_entry_is_named(logged: Node) -> None:
    with logged.db.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 5).values(actor="someone-else"))
    code, output = _verify(logged)
    assert code == 1
    assert "audit entry 5: content does not match its hash (edited)" in output


def test_a_deleted_entry_is_named(logged: Node) -> None:
    with logged.db.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 4))
    code, output = _verify(logged)
    assert code == 1
    assert "audit entry 4: is missing (deleted)" in output


def test_a_deleted_last_entry_is_named(logged: Node) -> None:
    with logged.db.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 8))
    code, output = _verify(logged)
    assert code == 1
    assert "audit entry 8: is missing (deleted from the end)" in output


def test_swapped_entries_are_named(logged: Node) -> None:
    three, six = _row(logged, 3), _row(logged, 6)
    with logged.db.write() as conn:
        fields = {k: v for k, v in six.items() if k != "seq"}
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(**fields))
        fields = {k: v for k, v in three.items() if k != "seq"}
        conn.execute(update(audit_log).where(audit_log.c.seq == 6).values(**fields))
    code, output = _verify(logged)
    assert code == 1
    assert "audit entry 3:" in output


def test_an_entry_inserted_in_the_middle_is_named(logged: Node) -> None:
    # Make room at 4 by moving every later entry up by one, then write a forgery
    # that chains correctly to entry 3.
    with logged.db.write() as conn:
        for seq in range(8, 3, -1):
            conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(seq=seq + 1))
        _forge(conn, 4, "object.create")
    code, output = _verify(logged)
    assert code == 1
    assert "audit entry 5:" in output


def test_an_entry_forged_onto_the_end_is_named(logged: Node) -> None:
    with logged.db.write() as conn:
        _forge(conn, 9, "login.success")
    code, output = _verify(logged)
    assert code == 1
    assert "audit entry 9: is not recorded in the head (inserted)" in output


def test_a_rewritten_tail_is_caught_by_the_signed_checkpoint(logged: Node) -> None:
    with logged.db.write() as conn:
        assert audit.checkpoint(conn, logged.key) is not None
    # Rewrite entry 8 consistently (hash and head too): only the signature knows.
    row = _row(logged, 8)
    rewritten = {k: row[k] for k in ("seq", "at", "actor", "action", "target", "prev_hash")}
    rewritten["detail"] = '{"to":"UNCLASSIFIED//REL TO JPN, USA"}'
    digest = entry_hash(**rewritten)
    with logged.db.write() as conn:
        conn.execute(
            update(audit_log)
            .where(audit_log.c.seq == 8)
            .values(detail=rewritten["detail"], hash=digest)
        )
        conn.execute(update(audit_head).values(hash=digest))
    code, output = _verify(logged)
    assert code == 1
    assert "audit entry 8: differs from the signed checkpoint" in output


def test_a_forged_checkpoint_signature_is_caught(logged: Node) -> None:
    with logged.db.write() as conn:
        made = audit.checkpoint(conn, logged.key)
        assert made is not None
        conn.execute(update(audit_checkpoints).values(signature="00" * 64))
    code, output = _verify(logged)
    assert code == 1
    assert f"audit entry {made.seq}: its checkpoint signature does not verify" in output


def test_checkpoint_signs_only_when_there_is_something_new(logged: Node) -> None:
    with logged.db.write() as conn:
        assert audit.checkpoint(conn, logged.key) is not None
        assert audit.checkpoint(conn, logged.key) is None
    code, output = _verify(logged)
    assert code == 0
    assert "1 signed checkpoints" in output


def test_a_serving_node_signs_checkpoints_on_its_own(db_url: str, tmp_path: Any) -> None:
    import time

    from fastapi.testclient import TestClient

    from kizuna.bootstrap import initialize, open_node
    from kizuna.web.app import create_app
    from tests.conftest import node_settings

    settings = node_settings(db_url, tmp_path, checkpoint_seconds=0.05)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        with TestClient(create_app(node, checkpoints=True)):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with node.db.read() as conn:
                    signed = conn.execute(select(audit_checkpoints.c.seq)).scalars().all()
                if signed:
                    break
                time.sleep(0.05)
        assert signed == [1]
        code, output = _verify(node)
        assert code == 0, output
        assert "1 signed checkpoints" in output
    finally:
        node.db.dispose()
