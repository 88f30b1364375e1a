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
    # Entries 1-8 are vouched for only by that checkpoint: the first that may be bad is 1.
    assert (
        "audit entry 1: the log from here to entry 8 differs from a signed checkpoint at "
        "entry 8 (rewritten)"
    ) in output


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
        # The start of serving is entry 2, signed at once.
        assert signed == [2]
        code, output = _verify(node)
        assert code == 0, output
        assert "2 signed checkpoints" in output
    finally:
        node.db.dispose()


# --- Attacks by someone who can write the database but does not hold the node key ---

INTERVAL = 300.0  # the default checkpoint interval the CLI reads


@pytest.fixture
def frozen() -> Any:
    from datetime import UTC, datetime

    from kizuna import clock

    now = [datetime(2026, 11, 1, 9, 0, tzinfo=UTC)]
    clock.set_clock(lambda: now[0])
    yield now
    clock.set_clock(None)


def _later(frozen: Any, seconds: float) -> None:
    from datetime import timedelta

    frozen[0] += timedelta(seconds=seconds)


def _served(node: Node, frozen: Any) -> Node:
    """A node that served for a while, signing checkpoints when due, then stopped; an
    operator used the command line on the stopped node; a day passed."""
    with node.db.write() as conn:
        audit.serving(conn, node.key, actor="system@JPN", started=True)
    add_user(node, "sato", roles=["author", "releasing_officer"])
    for i in range(4):
        _later(frozen, 60)
        made = node.store.create(node.system, report(f"r{i}"), _label(node, "SECRET"))
        if i % 2:
            with node.db.write() as conn:
                audit.checkpoint(conn, node.key)
    node.store.release(node.system, made.id, _label(node, "SECRET//REL TO JPN, USA"))
    with node.db.write() as conn:
        audit.checkpoint(conn, node.key)
    _later(frozen, 60)
    with node.db.write() as conn:
        audit.serving(conn, node.key, actor="system@JPN", started=False)
    _later(frozen, 3600)
    add_user(node, "kato")  # the command line, while the node is not serving
    _later(frozen, 86400)
    return node


def _recompute(conn: Any, start: int) -> None:
    """Rechain every entry from `start` and fix the head, as a forger would."""
    rows = conn.execute(select(audit_log).where(audit_log.c.seq >= start).order_by(audit_log.c.seq))
    prev = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == start - 1)).scalar()
    prev = prev or "0" * 64
    last = start - 1
    for row in rows.all():
        fields = {k: getattr(row, k) for k in ("seq", "at", "actor", "action", "target", "detail")}
        digest = entry_hash(**fields, prev_hash=prev)
        conn.execute(
            update(audit_log).where(audit_log.c.seq == row.seq).values(prev_hash=prev, hash=digest)
        )
        prev, last = digest, row.seq
    conn.execute(update(audit_head).values(seq=last, hash=prev))


def _release_seq(node: Node) -> int:
    with node.db.read() as conn:
        return int(
            conn.execute(
                select(audit_log.c.seq).where(audit_log.c.action == "object.release")
            ).scalar_one()
        )


def _strip_and_rewrite(node: Node, *, serving_records: bool = False) -> int:
    """Delete every checkpoint, attribute the release to someone else, rechain."""
    seq = _release_seq(node)
    with node.db.write() as conn:
        conn.execute(delete(audit_checkpoints))
        conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(actor="kato"))
        first = seq
        if serving_records:
            marks = audit_log.c.action.in_(["node.serve.start", "node.serve.stop"])
            gone = conn.execute(select(audit_log.c.seq).where(marks)).scalars().all()
            conn.execute(delete(audit_log).where(marks))
            kept = conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars().all()
            for new, old in enumerate(kept, start=1):
                conn.execute(update(audit_log).where(audit_log.c.seq == old).values(seq=new))
            first = min(gone)
        _recompute(conn, first)
    return seq


def _truncate(node: Node, keep: int) -> None:
    """Cut the log after entry `keep` and point the head at it."""
    with node.db.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq > keep))
        digest = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == keep)).scalar_one()
        conn.execute(update(audit_head).values(seq=keep, hash=digest))


def _export(node: Node, path: Any) -> None:
    result = runner.invoke(app, ["audit", "export", "--out", str(path), *_node_options(node)])
    assert result.exit_code == 0, result.output


def _node_options(node: Node) -> list[str]:
    return ["--db", node.settings.database_url, "--key-file", str(node.settings.key_file)]


def _verify_with(node: Node, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "audit",
            "verify",
            "--db",
            node.settings.database_url,
            "--key-file",
            str(node.settings.key_file),
            *extra,
        ],
    )
    return result.exit_code, result.output


def test_a_served_log_verifies_a_day_later(node: Node, frozen: Any) -> None:
    _served(node, frozen)
    code, output = _verify(node)
    assert code == 0, output
    assert "audit log intact" in output


def test_a_node_that_never_served_needs_no_checkpoint(logged: Node, frozen: Any) -> None:
    _later(frozen, 30 * 86400)
    code, output = _verify(logged)
    assert code == 0, output


def test_entries_left_unsigned_while_serving_are_named(node: Node, frozen: Any) -> None:
    with node.db.write() as conn:
        audit.serving(conn, node.key, actor="system@JPN", started=True)
    add_user(node, "sato")  # entries 3-4, never signed though the node kept serving
    _later(frozen, 2 * INTERVAL - 1)
    assert _verify(node)[0] == 0  # not yet two intervals old
    _later(frozen, 2)
    code, output = _verify(node)
    assert code == 1
    assert "audit entry 3: no signed checkpoint covers it within two checkpoint intervals" in output


def test_stripped_checkpoints_and_a_rewritten_chain_are_caught(node: Node, frozen: Any) -> None:
    _served(node, frozen)
    _strip_and_rewrite(node)
    code, output = _verify(node)
    assert code == 1
    # Entry 1 was written before the node first served: its checkpoint was due then.
    assert "audit entry 1: no signed checkpoint covers it within two checkpoint intervals" in output
    assert "0 signed checkpoints" in output


def test_a_truncated_tail_with_a_fixed_head_is_caught(node: Node, frozen: Any) -> None:
    _served(node, frozen)
    seq = _release_seq(node)
    _truncate(node, seq - 2)
    code, output = _verify(node)
    assert code == 1
    assert f"audit entry {seq - 1}: is missing: the log ends at entry {seq - 2}" in output
    assert "(truncated)" in output


def test_an_exported_file_catches_a_fully_stripped_and_rewritten_log(
    node: Node, frozen: Any, tmp_path: Any
) -> None:
    _served(node, frozen)
    exported = tmp_path / "checkpoints.json"
    _export(node, exported)
    assert _verify_with(node, "--checkpoints", str(exported))[0] == 0
    _strip_and_rewrite(node, serving_records=True)
    # The log alone now looks like a node that never served; the file knows better.
    code, output = _verify_with(node, "--checkpoints", str(exported))
    assert code == 1
    assert "(rewritten)" in output
    assert "was deleted here (file checkpoints.json holds it)" in output


def test_an_exported_file_catches_a_truncated_log_without_checkpoints(
    node: Node, frozen: Any, tmp_path: Any
) -> None:
    _served(node, frozen)
    exported = tmp_path / "checkpoints.json"
    _export(node, exported)
    with node.db.read() as conn:
        head = conn.execute(select(audit_head.c.seq)).scalar_one()
    with node.db.write() as conn:
        conn.execute(delete(audit_checkpoints))
    _truncate(node, head - 3)
    code, output = _verify_with(node, "--checkpoints", str(exported))
    assert code == 1
    assert f"audit entry {head - 2}: is missing: the log ends at entry {head - 3}" in output


def test_an_export_is_written_once(node: Node, tmp_path: Any) -> None:
    exported = tmp_path / "checkpoints.json"
    _export(node, exported)
    again = runner.invoke(app, ["audit", "export", "--out", str(exported), *_node_options(node)])
    assert again.exit_code == 2
    assert "never overwritten" in again.output


def test_a_forged_export_is_refused(node: Node, tmp_path: Any) -> None:
    import json

    with node.db.write() as conn:
        made = audit.checkpoint(conn, node.key)
    assert made is not None
    exported = tmp_path / "checkpoints.json"
    _export(node, exported)
    document = json.loads(exported.read_text())
    document["checkpoints"][0]["hash"] = "f" * 64
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    code, output = _verify_with(node, "--checkpoints", str(forged))
    assert code == 1
    assert f"audit entry {made.seq}: the checkpoint file forged.json holds is not signed" in output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert _verify_with(node, "--checkpoints", str(broken))[0] == 2
