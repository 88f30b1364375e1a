"""A joint product approved by one officer on each node, between two `kizuna serve`
processes peered the way operators peer them (issue 10, reproduction 5, first half).

JPN drafts the product; it replicates to USA. JPN's officer approves on the JPN node,
USA's on the USA node (the CLI, while both serve); USA's approval travels to JPN,
whose node releases the approved version; the released version travels back to USA.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from kizuna.bootstrap import open_node
from kizuna.domains.intel import model, service
from kizuna.runtime import Node
from tests.conftest import node_settings
from tests.e2e.test_federation_processes import Proc, _peered, _received

DRAFT = "SECRET//BIAC//REL TO JPN, USA"
TARGET = "SECRET//REL TO JPN, USA"


def _draft(jpn: Proc) -> str:
    """The draft, written on JPN by its author before the nodes serve."""
    node: Node = open_node(node_settings(jpn.db_url, jpn.root))
    kinds = {k.key: k for k in model.KINDS}
    try:
        from kizuna.identity import service as identity

        with node.db.read() as conn:
            user = identity.find_user(conn, "sato")
        assert user is not None
        aid = service.create(
            node.store,
            user.principal,
            kinds["assessments"],
            {"name": "Maritime activity", "judgement": "Patrols continue.", "confidence": 60},
            DRAFT,
        ).id
        return service.create(
            node.store,
            user.principal,
            kinds["joint-products"],
            {"name": "Joint assessment", "contributions": [aid], "target_label": TARGET},
            DRAFT,
        ).id
    finally:
        node.db.dispose()


def _show(proc: Proc, pid: str, user: str) -> dict[str, str]:
    out = proc.cli("intel", "show", pid, "--as", user)
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def _state(proc: Proc, pid: str) -> str:
    """The product's state in the current version the node holds (read from its
    database: cheaper than a command while waiting)."""
    engine = create_engine(proc.db_url)
    try:
        with engine.connect() as conn:
            body = conn.execute(
                text(
                    "SELECT v.body FROM objects o JOIN versions v ON v.object_pk = o.pk "
                    "WHERE o.stix_id = :i ORDER BY v.number DESC LIMIT 1"
                ),
                {"i": pid},
            ).scalar()
    finally:
        engine.dispose()
    return str(json.loads(body)["extensions"][model.JOINT_PRODUCT]["state"]) if body else ""


def _until(what: str, check: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def test_an_officer_on_each_node_approves_and_it_is_released_on_both(tmp_path: Path) -> None:
    jpn, usa = _peered(tmp_path, "--max-level", "SECRET", "--compartment", "BIAC")
    for proc in (jpn, usa):
        proc.env["COLUMNS"] = "200"
    officer = ["--clearance", "SECRET", "--compartment", "BIAC", "--role", "releasing_officer"]
    jpn.cli("user", "add", "sato", "--nation", "JPN", *officer, "--role", "author")
    usa.cli("user", "add", "jones", "--nation", "USA", *officer)
    pid = _draft(jpn)
    try:
        jpn.start()
        usa.start()
        _until("the draft did not reach USA", lambda: pid in _received(usa))

        on_jpn = _show(jpn, pid, "sato")
        on_usa = _show(usa, pid, "jones")
        assert on_usa["state"] == "draft"
        assert on_usa["digest"] == on_jpn["digest"]  # the same version, the same digest

        jpn.cli("intel", "approve", pid, "--as", "sato", "--digest", on_jpn["digest"])
        assert _show(jpn, pid, "sato")["state"] == "draft"  # waiting for USA
        usa.cli("intel", "approve", pid, "--as", "jones", "--digest", on_usa["digest"])

        _until("JPN did not release", lambda: _state(jpn, pid) == "released")
        _until("USA did not get the release", lambda: _state(usa, pid) == "released")
        for proc, user in ((jpn, "sato"), (usa, "jones")):
            shown = _show(proc, pid, user)
            assert shown["label"] == TARGET
            assert shown["digest"] == on_jpn["digest"]  # the version approved
            assert "waiting for" not in shown
        # Both approvals are shown on both nodes (JPN's went to USA before the release).
        assert "approved: JPN sato" in usa.cli("intel", "show", pid, "--as", "jones")
        assert "approved: USA jones" in jpn.cli("intel", "show", pid, "--as", "sato")
    finally:
        usa.stop()
        jpn.stop()
