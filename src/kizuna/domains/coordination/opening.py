"""Opening an item: its first version as a draft and, unless asked not to, its
proposal, which starts its deadline, notifies the counterpart body and gives a
bilateral counterpart its receipt here.

Refusals: `Refused` (403) for one who is not an author of this node's nation or not a
member of the requesting body; `Invalid` (422) for an unknown body, a counterpart of
the requesting nation, a reference that is no STIX identifier, and a proposal not
releasable to every nation the item needs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from kizuna import clock
from kizuna.db.schema import objects
from kizuna.domains.coordination import OWNER, receipts
from kizuna.domains.coordination.escalation import epoch
from kizuna.domains.coordination.inputs import ItemCreate
from kizuna.domains.coordination.model import ITEM_TYPE, ItemState
from kizuna.domains.coordination.notify import Notice
from kizuna.domains.coordination.rules import check_item
from kizuna.domains.coordination.schema import coord_items
from kizuna.errors import Invalid, NotFound
from kizuna.identity.principal import Principal
from kizuna.labels import render
from kizuna.store import StoredObject
from kizuna.store.rows import stix_ts
from kizuna.web.bilingual import TRANSLATION_PROPERTY, translation_record

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["open_item", "propose"]

STIX_ID = re.compile(
    r"[a-z0-9][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def open_item(c: Coordination, principal: Principal, data: ItemCreate) -> StoredObject:
    """Open an item as a draft (version 1) and, unless asked not to, propose it
    (version 2), which starts its deadline and notifies the counterpart body.

    Refuses an unknown body, a counterpart of the requesting nation, a member of
    another body, and a proposal not releasable to every nation it needs."""
    with c.store.transaction(principal) as conn:
        c._author(principal, None)
        tier, needs, label = check_item(c.structure, c.node.policy, c.node.nation, data)
        c._member(principal, data.requesting_body, "open items for it", None)
        for ref in data.item_refs:
            c.item_row(conn, principal, ref)
        for ref in data.decision_refs:
            if not STIX_ID.fullmatch(ref):
                raise Invalid(f"'{ref}' is not a STIX identifier", field="decision_refs")
            # One the author may not read reads as one that does not exist; the owner
            # rules hold the item's label to the decision's on every path.
            try:
                named = c.store.get(principal, ref)
            except NotFound:
                named = None
            if named is None or named.type != "x-kizuna-decision":
                raise NotFound(f"no decision {ref}", field="decision_refs")
        body: dict[str, Any] = {
            "type": ITEM_TYPE,
            "name": data.title_en,
            "name_ja": data.title_ja,
            "requesting_body": data.requesting_body,
            "counterpart_body": data.counterpart_body,
            "tier": tier,
            "region": data.region,
            "precedence": data.precedence,
            "state": ItemState.DRAFT.value,
            "needs": sorted(needs),
        }
        optional = {
            "description": data.body_en,
            "description_ja": data.body_ja,
            "domains": sorted(set(data.domains)),
            "decisions": data.decision_refs,
            "related_items": data.item_refs,
        }
        body.update({k: v for k, v in optional.items() if v})
        if data.translation is not None:
            body[TRANSLATION_PROPERTY] = translation_record(
                source=data.source_lang,
                status=data.translation,
                translator=principal.name if data.translation == "provisional" else None,
                at=stix_ts(clock.now()),
            )
        made = c.store.create_in(conn, principal, body, label, owner=OWNER)
        pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
        conn.execute(
            insert(coord_items).values(
                object_pk=pk,
                state=ItemState.DRAFT.value,
                tier=tier,
                region=data.region,
                requesting_body=data.requesting_body,
                counterpart_body=data.counterpart_body,
                escalated_to=None,
                needs=",".join(sorted(needs)),
                precedence=data.precedence,
                updated_at=clock.now_ts(),
            )
        )
        if data.propose:
            made = propose(c, conn, principal, c.row_by_pk(conn, pk))
        return made


def propose(c: Coordination, conn: Connection, principal: Principal, row: Any) -> StoredObject:
    """Propose a draft (its next version): refused unless its label already releases
    it to every nation whose answer it needs; starts its first deadline."""
    label = c._label_of(conn, row)
    missing = sorted(set(row.needs.split(",")) - label.rel_to)
    if missing:
        raise Invalid(
            f"the item must be releasable to {', '.join(missing)} before it is proposed: "
            f"it is {render(c.node.policy, label)}; a releasing officer of "
            f"{c.node.nation} releases it first",
            field="label",
        )
    c.schedule(conn, row, tier=row.tier, base=epoch(), number=1)
    c.move(conn, principal, row, "propose")
    c.notify(conn, [Notice(row.counterpart_body, "opened", row.object_pk)])
    # A bilateral counterpart receives it here too, for this nation's members.
    receipts.receive(c, conn, row.stix_id, row.counterpart_body)
    return c.store_get_in(conn, row.stix_id)
