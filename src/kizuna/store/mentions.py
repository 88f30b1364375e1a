"""Which of some STIX ids name objects a principal may read: for records that mention
objects without being objects (the audit log), so that what they show of an object
goes through the same visibility condition as every other read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from kizuna.db.schema import access, objects, versions
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.store.access import current, visible
from kizuna.store.objects import Store

__all__ = ["Mentions", "mentions"]

_CHUNK = 500


@dataclass(frozen=True)
class Mentions:
    readable: dict[str, Label] = field(default_factory=dict)  # id -> current label
    hidden: frozenset[str] = frozenset()  # objects of the node the principal may not read


def _split(text: str, sep: str) -> frozenset[str]:
    return frozenset(t for t in text.split(sep) if t)


def mentions(store: Store, principal: Principal, ids: Iterable[str]) -> Mentions:
    """Sort `ids` into objects the principal may read (with their labels) and objects
    the principal may not read; ids of no object are in neither."""
    wanted = sorted(set(ids))
    readable: dict[str, Label] = {}
    held: set[str] = set()
    with store.db.read() as conn:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            held |= set(
                conn.execute(select(objects.c.stix_id).where(objects.c.stix_id.in_(chunk)))
                .scalars()
                .all()
            )
            rows = conn.execute(
                select(objects.c.stix_id, versions.c.rank, versions.c.rel_to,
                       versions.c.compartments)
                .select_from(
                    objects.join(access, and_(access.c.object_pk == objects.c.pk, current()))
                    .join(versions, versions.c.pk == access.c.version_pk)
                )
                .where(objects.c.stix_id.in_(chunk), visible(principal, store.bits))
            ).all()  # fmt: skip
            for row in rows:
                readable[row.stix_id] = Label(
                    row.rank, _split(row.rel_to, ","), _split(row.compartments, "/")
                )
    return Mentions(readable, frozenset(held - set(readable)))
