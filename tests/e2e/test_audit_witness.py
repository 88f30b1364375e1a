"""The audit log is witnessed: two `kizuna serve` processes, peered through the CLI;
the partner keeps this node's signed checkpoints, and `kizuna audit verify --peers`
fetches them (signed by the partner) to catch what the log alone no longer can.

The attacker writes the database directly but does not hold the node key: they strip
every checkpoint and the serving records and recompute the whole chain (the log then
looks like that of a node that never served), or cut off the tail and fix the head.
The peer's witnessed copies and an exported checkpoint file catch both.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, func, select, update

from kizuna.audit.log import entry_hash
from kizuna.db.schema import audit_checkpoints, audit_head, audit_log
from kizuna.federation.schema import peer_checkpoints
from tests.e2e.conftest import _kizuna_command
from tests.e2e.test_federation_processes import Proc, _peered


def _run(proc: Proc, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [*_kizuna_command(), *args, "--db", proc.db_url],
        env=proc.env,
        capture_output=True,
        check=False,
        timeout=60,
    )
    return done.returncode, done.stdout.decode() + done.stderr.decode()


def _scalar(db_url: str, query: object) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]
    finally:
        engine.dispose()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Proc, Proc]]:
    jpn, usa = _peered(tmp_path, "--max-level", "SECRET")
    for proc in (jpn, usa):
        proc.env["KIZUNA_CHECKPOINT_SECONDS"] = "0.3"
    try:
        yield jpn, usa
    finally:
        usa.stop()
        jpn.stop()


def _witnessed_up_to_head(jpn: Proc, usa: Proc, seconds: float = 60) -> int:
    """Wait until USA holds a checkpoint of JPN's current head; return its seq."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        head = _scalar(jpn.db_url, select(audit_head.c.seq))
        held = _scalar(
            usa.db_url,
            select(func.coalesce(func.max(peer_checkpoints.c.seq), 0)).where(
                peer_checkpoints.c.nation == "JPN"
            ),
        )
        if held >= head:
            return held
        time.sleep(0.3)
    pytest.fail(f"USA never witnessed JPN's head:\n{usa.logs[-1].read_text()[-2000:]}")


def _strip_and_recompute(db_url: str, victim: int) -> None:
    """Delete every checkpoint and serving record, reattribute entry `victim`,
    renumber and rechain everything, fix the head."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(delete(audit_checkpoints))
            conn.execute(update(audit_log).where(audit_log.c.seq == victim).values(actor="kato"))
            conn.execute(
                delete(audit_log).where(
                    audit_log.c.action.in_(["node.serve.start", "node.serve.stop"])
                )
            )
            rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
            conn.execute(delete(audit_log))
            prev = "0" * 64
            for seq, row in enumerate(rows, start=1):
                fields = {
                    "seq": seq,
                    "at": row.at,
                    "actor": row.actor,
                    "action": row.action,
                    "target": row.target,
                    "detail": row.detail,
                    "prev_hash": prev,
                }
                prev = entry_hash(**fields)
                conn.execute(audit_log.insert().values(**fields, hash=prev))
            conn.execute(update(audit_head).values(seq=len(rows), hash=prev))
    finally:
        engine.dispose()


def _truncate(db_url: str, keep: int) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(delete(audit_checkpoints))
            conn.execute(delete(audit_log).where(audit_log.c.seq > keep))
            digest = conn.execute(
                select(audit_log.c.hash).where(audit_log.c.seq == keep)
            ).scalar_one()
            conn.execute(update(audit_head).values(seq=keep, hash=digest))
    finally:
        engine.dispose()


def test_a_peer_and_an_exported_file_catch_a_rewritten_and_a_truncated_log(
    pair: tuple[Proc, Proc],
) -> None:
    jpn, usa = pair
    jpn.start()
    usa.start()
    for name in ("sato", "suzuki", "kato"):
        jpn.cli("user", "add", name, "--nation", "JPN", "--clearance", "SECRET")
    witnessed = _witnessed_up_to_head(jpn, usa)
    code, output = _run(jpn, "audit", "verify", "--peers")
    assert code == 0, output
    assert "witnessed (peer USA)" in output
    exported = jpn.root / "checkpoints.json"
    jpn.cli("audit", "export", "--out", str(exported))
    jpn.stop()
    pristine = jpn.root / "pristine.db"
    shutil.copyfile(jpn.root / "kizuna.db", pristine)

    # 1. Strip and recompute: the log alone looks like a node that never served.
    victim = _scalar(
        jpn.db_url,
        select(audit_log.c.seq).where(
            audit_log.c.action == "user.create", audit_log.c.target == "suzuki"
        ),
    )
    _strip_and_recompute(jpn.db_url, victim)
    code, output = _run(jpn, "audit", "verify", "--peers")
    assert code == 1, output
    assert "differs from the checkpoint peer USA holds" in output
    assert "(rewritten)" in output
    code, output = _run(jpn, "audit", "verify", "--checkpoints", str(exported))
    assert code == 1, output
    assert "differs from the checkpoint file checkpoints.json holds" in output

    # 2. Truncate below what the peer witnessed, fix the head, drop the checkpoints.
    shutil.copyfile(pristine, jpn.root / "kizuna.db")
    for leftover in ("kizuna.db-wal", "kizuna.db-shm"):
        (jpn.root / leftover).unlink(missing_ok=True)
    keep = witnessed - 4
    _truncate(jpn.db_url, keep)
    code, output = _run(jpn, "audit", "verify", "--peers")
    assert code == 1, output
    assert (
        f"audit entry {keep + 1}: is missing: the log ends at entry {keep} but the checkpoint "
        "peer USA holds covers entry"
    ) in output
    code, output = _run(jpn, "audit", "verify", "--checkpoints", str(exported))
    assert code == 1, output
    assert f"audit entry {keep + 1}: is missing" in output
