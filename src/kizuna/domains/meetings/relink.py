"""A restatement link kept true when the decision it points at is narrowed.

A decision's `restates_id` carries the restating decision's label, so it points only
at a decision that label dominates (restate.py). A release that narrows the decision
pointed at (its meeting narrowed, which takes it along) would leave the link naming a
decision some of its readers may no longer read: a bare id, and a 404 behind it, that
tells a partner a hidden decision exists (walk 49). So, in the narrowing's
transaction, each decision of this node that restates it and whose label no longer
dominates the new one takes a new version whose link is looked up again at its own
label (`restate.restated`), or drops the link when nothing else qualifies. A
partner's decision is its own node's to revise: here it keeps its version (who reads
the narrowed decision is bounded by the store all the same).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, func, select

from kizuna.db.schema import objects, versions
from kizuna.domains.meetings import OWNER, restate
from kizuna.domains.meetings.model import DECISION
from kizuna.labels import Label, dominates
from kizuna.runtime import Node
from kizuna.store.rows import label_of_row

__all__ = ["narrowed"]


def narrowed(node: Node, conn: Connection, stix_id: str, label: Label) -> None:
    """`stix_id` is now held at `label`: relink this node's decisions that restate it
    and whose label does not dominate `label` (the store's `Owners.on_narrowed`)."""
    if not stix_id.startswith(DECISION + "--"):
        return
    system = node.system
    revised: list[dict[str, Any]] = []
    for body, held in _restating(conn, node.nation, stix_id):
        if dominates(held, label):
            continue
        again = {k: v for k, v in body.items() if k not in ("modified", "spec_version")}
        again.pop("restates_id", None)
        found = restate.restated(conn, node.store, system, again, held)
        if found is not None and found != stix_id:
            again["restates_id"] = found
        made = node.store.revise_in(conn, system, body["id"], again, owner=OWNER)
        revised.append(made.object)
    restate.index_new(conn, node.store, system, revised)


def _restating(conn: Connection, nation: str, stix_id: str) -> list[tuple[dict[str, Any], Label]]:
    """The current bodies and labels of this node's decisions whose link names
    `stix_id` (the text match narrows the search; the body read back settles it)."""
    later = versions.alias("later")
    newest = (
        select(func.max(later.c.number)).where(later.c.object_pk == objects.c.pk).scalar_subquery()
    )
    rows = conn.execute(
        select(versions.c.body, versions.c.rank, versions.c.rel_to, versions.c.compartments)
        .join(objects, objects.c.pk == versions.c.object_pk)
        .where(
            objects.c.type == DECISION,
            objects.c.origin == nation,
            versions.c.number == newest,
            versions.c.body.contains(stix_id, autoescape=True),
        )
        .order_by(objects.c.pk)
    ).all()
    out = []
    for row in rows:
        body = json.loads(row.body)
        if body.get("restates_id") == stix_id:
            out.append((body, label_of_row(row)))
    return out
