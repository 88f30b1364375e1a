"""What hangs on an item, an RFI or a tasker, for the store's followers
(`Owners.follow`): the answers to an item, the RFIs asked about it, the replies in
their threads, the taskers on it, the offices' statuses on those, and the receipts of
each. Written at the label of what they are about, they say something of
it; when a release narrows the item (or a standalone RFI or tasker), the store narrows this
node's own followers with it, and a partner's follow there when its narrowing arrives
(walk 42: after an item was narrowed to Japan, the US still read Japan's reply about
it)."""

from __future__ import annotations

from sqlalchemy import Connection, or_, select, union

from kizuna.db.schema import objects
from kizuna.domains.coordination.schema import (
    coord_receipts,
    coord_responses,
    coord_rfi_replies,
    coord_rfis,
    coord_task_statuses,
    coord_taskers,
)

__all__ = ["followers"]


def followers(conn: Connection, stix_id: str) -> list[str]:
    """The ids of what hangs on `stix_id` (an item, an RFI or a tasker), oldest first."""
    target = select(objects.c.pk).where(objects.c.stix_id == stix_id).scalar_subquery()
    # The RFIs about an item, or the RFI itself: their threads hang on it too.
    rfis = select(coord_rfis.c.object_pk).where(
        or_(coord_rfis.c.item_pk == target, coord_rfis.c.object_pk == target)
    )
    # The taskers on an item (named by id: an item may arrive after its tasker), or the
    # tasker itself: the offices' statuses and receipts hang on it.
    on_item = select(coord_taskers.c.object_pk).where(coord_taskers.c.item == stix_id)
    taskers = select(coord_taskers.c.object_pk).where(
        or_(coord_taskers.c.item == stix_id, coord_taskers.c.object_pk == target)
    )
    hanging = union(
        select(coord_responses.c.object_pk).where(coord_responses.c.item_pk == target),
        select(coord_rfis.c.object_pk).where(coord_rfis.c.item_pk == target),
        select(coord_rfi_replies.c.object_pk).where(coord_rfi_replies.c.rfi_pk.in_(rfis)),
        on_item,
        select(coord_task_statuses.c.object_pk).where(coord_task_statuses.c.tasker_pk.in_(taskers)),
        select(coord_receipts.c.object_pk).where(
            or_(
                coord_receipts.c.of_pk == target,
                coord_receipts.c.of_pk.in_(rfis),
                coord_receipts.c.of_pk.in_(taskers),
            )
        ),
    ).subquery()
    query = (
        select(objects.c.stix_id)
        .where(objects.c.pk.in_(select(hanging.c.object_pk)))
        .order_by(objects.c.pk)
    )
    return list(conn.execute(query).scalars())
