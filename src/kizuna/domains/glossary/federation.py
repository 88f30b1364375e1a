"""Terms across national nodes: a term travels to a partner's node like any object it
is releasable to, and there gets its row in the look-up table, in the transaction
that stores it (called by the federation's receiver for every version it stores)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from kizuna.db.schema import objects
from kizuna.domains.glossary.model import TERM_TYPE
from kizuna.domains.glossary.service import mirror
from kizuna.runtime import Node
from kizuna.store import StoredObject

__all__ = ["arrived"]


def arrived(node: Node, conn: Connection, made: StoredObject) -> None:
    if made.type != TERM_TYPE:
        return
    pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    mirror(conn, pk, made.object)
