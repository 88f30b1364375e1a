"""Recalls, as a receiving node applies them.

When the originating node narrows an object (a release after which someone who could
read the version before may not read the new one), its store writes a recall object
(`x-kizuna-recall`: the object and the number of the narrowed version) labelled with
the label before the narrowing, so that it travels, signed, through the normal feed to
exactly the peers that could have received the earlier versions. The narrowed version
is written before the recall, so a peer that may read it has received it first.

On arrival: a node that holds the narrowed version may read it; it keeps what it
holds, but here too the earlier versions are read only by whoever may read the
narrowed one, and its own followers of the object go where the object goes, as on the
originating node (`Store.narrowed_by_peer`). Any other node hides every earlier
version of the object from its readers, even when a later version that widened the
object again is here (their `access` rows go; the versions stay for the audit), and
every follower of it that it holds, its own and any other node's, in the same way
(`Store.hide_followers`): it cannot read the narrowed version, so none of its readers
may read what was written about it, and its own are no longer served to the peer
either. A follower of it arriving later is refused by its owner (`hidden_here`). Both
are audited.
A later version that widens the object again arrives as any version does.

The recall type is owned by the federation: no generic path writes it.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, exists, select

from kizuna import audit
from kizuna.db.schema import access, objects, versions
from kizuna.federation.peers import Peer
from kizuna.runtime import Node
from kizuna.stix.types import RECALL
from kizuna.store import StoredObject

__all__ = ["apply", "register"]


def register(node: Node) -> None:
    """Make the federation the owner of recalls: a generic write of one is refused."""
    node.store.owners.register(
        RECALL,
        domain="federation",
        endpoint="no endpoint: a release that narrows an object issues its recall",
    )


def apply(node: Node, conn: Connection, peer: Peer, made: StoredObject) -> None:
    """Apply a recall that `peer` sent (in the arriving object's savepoint)."""
    body = made.object
    target = str(body["object_ref"])
    number = int(body["version"])
    row = conn.execute(
        select(objects.c.pk, objects.c.origin).where(objects.c.stix_id == target)
    ).first()
    if row is None:
        return  # never received here: nothing to hide
    if row.origin != peer.nation:
        raise ValueError(f"{peer.nation} recalls {target}, which belongs to {row.origin}")
    holds = conn.execute(
        select(exists().where(versions.c.object_pk == row.pk, versions.c.number == number))
    ).scalar_one()
    if holds:
        node.store.narrowed_by_peer(conn, target, number)
        audit.append(
            conn,
            actor=f"node:{peer.nation}",
            action="federation.recall",
            target=target,
            detail={"peer": peer.nation, "narrowed_at": number, "held": True},
        )
        return
    earlier = select(versions.c.pk).where(
        versions.c.object_pk == row.pk, versions.c.number < number
    )
    hidden = conn.execute(delete(access).where(access.c.version_pk.in_(earlier))).rowcount
    # What this node holds about the object says something of it too (an answer, a
    # status, a receipt, an acknowledgement): hidden with it, its own and a third's,
    # each with an `object.hidden` entry of its own (the audit page withholds each by
    # its target; a list of them here would name them to every admin).
    node.store.hide_followers(conn, target)
    audit.append(
        conn,
        actor=f"node:{peer.nation}",
        action="federation.recall",
        target=target,
        detail={"peer": peer.nation, "narrowed_at": number, "access_rows_removed": hidden},
    )
