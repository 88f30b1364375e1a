"""A whole's parts go where the whole goes (`Owners.have_parts`).

A whole whose words hold its parts' (a meeting's original text holds every section,
item and decision of the record) must be read by no one who may not read each part:
were a part narrowed alone, its words would stay readable in the whole, and were the
whole widened alone, it would carry its parts' words to nations they were never
released to (walk 49). So each release of a whole takes the parts held at its old
label to the new one, released by the node in the same transaction, and the owner
refuses a release of a part on its own (`Write.follows`).

A part held under another label (narrowed alone before this rule) is left to the
store's followers on a narrowing (bounded to the least upper bound, as any follower);
a release that widens the whole in any respect while such a part is not read by all it
adds is refused, naming the part. A partner's parts are its own node's to release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from kizuna.errors import Invalid
from kizuna.identity.principal import Principal
from kizuna.labels import Label, dominates
from kizuna.store.rows import label_of_row

if TYPE_CHECKING:
    from kizuna.store.objects import Store

__all__ = ["carry"]


def carry(store: Store, conn: Connection, whole: str, before: Label, label: Label) -> None:
    """After `whole` was released from `before` to `label`: its parts follow."""
    found = store.owners.parts(conn, whole)
    if not found:
        return
    system = Principal.system(nation=store.node.nation, policy=store.policy)
    behind: list[tuple[str, Label]] = []
    for part, key in found:
        cur = store._current_for_write(conn, system, part)
        if cur is None or cur.origin != store.node.nation:
            continue
        held = label_of_row(cur)
        if held == label:
            continue
        if held == before:
            store.release_in(conn, system, part, label, owner=key, follows=whole)
        elif not dominates(label, before) and not dominates(label, held):
            behind.append((part, held))
    if behind:
        named = ", ".join(f"{part} ({store.render(held)})" for part, held in behind[:5])
        more = f" and {len(behind) - 5} more" if len(behind) > 5 else ""
        raise Invalid(
            f"{named}{more} is held under a narrower label, which {whole} carries the words "
            f"of: release each to {store.render(before)} first, or {whole} no wider than it",
            field="label",
        )
