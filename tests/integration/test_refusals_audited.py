"""Every refusal is audited, those raised before a domain's write begins too (SQLite and
PostgreSQL): each refused action here leaves an audit entry "refused" naming its actor
and its reason, and writes nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from kizuna import audit
from kizuna.db.schema import objects, versions
from kizuna.domains.meetings import service as meetings
from kizuna.errors import Refused
from kizuna.labels import parse
from kizuna.runtime import Node
from tests.domains.meetings.test_ingest import SEED


def _written(node: Node) -> tuple[int, int]:
    with node.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(objects)).scalar_one(),
            conn.execute(select(func.count()).select_from(versions)).scalar_one(),
        )


def _refusals(node: Node) -> list[Any]:
    with node.db.read() as conn:
        return [e for e in audit.entries(conn, limit=50) if e.action == "refused"]


def test_a_summary_the_node_itself_would_release_is_refused_audited(node: Node) -> None:
    # `kizuna meetings ingest summary --label "... REL TO JPN, USA"` without `--as`: the
    # node may not take a release decision for an officer. The refusal came before the
    # import's transaction, so it went unaudited.
    wide = parse(node.policy, "UNCLASSIFIED//REL TO JPN, USA")
    before = _written(node)
    with pytest.raises(Refused, match="release decision") as refused:
        meetings.import_summary(node, node.system, SEED, lang="ja", label=wide)
    assert _written(node) == before
    [entry] = _refusals(node)
    assert entry.actor == node.system.name
    assert entry.target == refused.value.target
    assert entry.detail["action"] == "meetings:summary:import"
    assert entry.detail["reason"] == str(refused.value)
    assert "a label naming other nations is a release decision" in entry.detail["reason"]
