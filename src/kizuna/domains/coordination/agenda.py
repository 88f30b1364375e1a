"""The staff's work in a reader's calendar: each tasker's suspense.

Taskers are read as their list reads them (`staff_queries.taskers`), through the
visibility condition in SQL; each entry carries its tasker's label. RFIs have no due
date of their own (an RFI on an item stops the item's clock instead), so they have no
entry here.
"""

from __future__ import annotations

from kizuna import clock
from kizuna.agenda import Entry
from kizuna.domains.coordination import staff_queries
from kizuna.domains.coordination.service import coordination
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from kizuna.store.listing import title_of
from kizuna.web.i18n import N_

__all__ = ["LIMIT", "agenda"]

SUSPENSE = N_("Tasker suspense")
# The most taskers one calendar holds: open ones first, by suspense.
LIMIT = 5000


def agenda(node: Node, principal: Principal) -> list[Entry]:
    """The suspense of every tasker the reader may read."""
    entries = []
    for tasker in staff_queries.taskers(coordination(node), principal, limit=LIMIT):
        body = tasker.object
        entries.append(
            Entry(
                uid=f"{tasker.id}/suspense",
                what=SUSPENSE,
                title=title_of(body, tasker.id, "en"),
                title_ja=title_of(body, tasker.id, "ja"),
                start=clock.parse_ts(str(body["suspense"])),
                label=tasker.label,
                href=f"/coordination/taskers/{tasker.id}",
            )
        )
    return entries
