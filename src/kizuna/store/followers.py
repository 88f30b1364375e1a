"""Followers of an object recalled past this node: hidden with it.

When a peer narrows its object so that this node may no longer read it, the recall
that arrives hides the object's versions here (federation/recall.py). What this node
holds about the object (its followers, `Owners.follow`: an answer, a status, a
receipt, an acknowledgement, a file) says something of it too, whoever wrote it. The
node cannot read the narrowed version, so no reader here is one who may read it:
each follower's access rows go, on every version (the versions stay, for the audit).
That takes them off every read path, this node's TAXII collections for the peer
included, so this node's own followers are not served again wider than the
narrowing. They cannot be narrowed instead: their label always names this node's
nation, which the narrowing left out. A follower's later version, or a new one,
arriving about such an object is refused by its owner's rules (`hidden_here`), so
nothing undoes this.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Connection, delete, select

from kizuna import audit
from kizuna.db.schema import access, objects, versions
from kizuna.store.owners import Owners

__all__ = ["hide", "naming"]


def naming(conn: Connection, names: Mapping[str, str], stix_id: str) -> list[str]:
    """The ids of the objects this node holds, oldest first, of the types of `names`
    whose first version names `stix_id` under the property `names` gives for its type
    (an owner's `Followers`, for followers that never change what they follow). The
    text match only narrows the search (no index holds what a body names); the body
    read back settles it. Runs on a narrowing or a recall, never per row of a page."""
    query = (
        select(objects.c.stix_id, objects.c.type, versions.c.body)
        .join(versions, versions.c.object_pk == objects.c.pk)
        .where(
            objects.c.type.in_(list(names)),
            versions.c.number == 1,
            versions.c.body.contains(stix_id, autoescape=True),
        )
        .order_by(objects.c.pk)
    )
    return [
        row.stix_id
        for row in conn.execute(query)
        if json.loads(row.body).get(names[row.type]) == stix_id
    ]


def hide(conn: Connection, owners: Owners, stix_id: str, *, actor: str) -> list[str]:
    """Hide every follower of `stix_id` this node holds, and their followers in turn
    (a receipt of a tasker on an item, a file attached to an answer), each audited as
    `object.hidden` with what it follows. Returns the ids hidden now."""
    hidden: list[str] = []
    seen, todo = {stix_id}, [stix_id]
    while todo:
        for follower, _key in owners.followers(conn, todo.pop()):
            if follower in seen:
                continue
            seen.add(follower)
            todo.append(follower)
            row = conn.execute(
                select(objects.c.pk, objects.c.origin).where(objects.c.stix_id == follower)
            ).one()
            # By version key, which the access table's key leads with.
            held = select(versions.c.pk).where(versions.c.object_pk == row.pk)
            gone = conn.execute(delete(access).where(access.c.version_pk.in_(held))).rowcount
            if not gone:
                continue  # hidden already, by an earlier recall
            hidden.append(follower)
            audit.append(
                conn,
                actor=actor,
                action="object.hidden",
                target=follower,
                detail={"follows": stix_id, "origin": row.origin, "access_rows_removed": gone},
            )
    return hidden
