"""What a shift handover lists, section by section (see `handover`).

`SECTIONS` lists the functions that fill a handover. Each is called as
`section(shift)` with a `Shift` (the mechanism, the open transaction, the outgoing
officer, the body and the period) and returns a `Listed`: its name (the key in the
handover's `sections`), its rows (JSON objects; by convention `id`, `name`,
`name_ja`, `label` and whatever else the section shows) and the label of each thing
listed. A section lists only what `shift.visible()` lets through. A new section is a
function added to `SECTIONS`, with its title in `SECTION_TITLES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, or_, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination.escalation import iso_time
from kizuna.domains.coordination.model import ITEM_TYPE, OPEN_STATES, RFI_TYPE, TASKER_TYPE
from kizuna.domains.coordination.schema import (
    coord_items,
    coord_notifications,
    coord_rfis,
    coord_steps,
    coord_taskers,
)
from kizuna.domains.coordination.watch import visible_now
from kizuna.domains.coordination.watch_model import ENTRY_TYPE
from kizuna.domains.coordination.watch_schema import coord_watch
from kizuna.domains.coordination.words import N_
from kizuna.identity.principal import Principal
from kizuna.labels import Label, render
from kizuna.store.listing import title_of
from kizuna.store.objects import COLUMNS, stored_from_row
from kizuna.store.rows import label_of_row

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["LONGEST", "SECTIONS", "SECTION_TITLES", "SHIFT", "Listed", "Shift"]

# A shift, unless the officer says otherwise, and the longest one a handover covers.
SHIFT = timedelta(hours=12)
LONGEST = timedelta(days=7)


# Aliases made once: a new alias builds its column collection again on first use.
_PENDING = coord_steps.alias("pending")


@dataclass(frozen=True)
class Shift:
    """What a section is given: the shift of one body, in the generating transaction."""

    c: Coordination
    conn: Connection
    principal: Principal
    body: str
    start: int  # epoch seconds
    end: int

    def visible(self) -> Any:
        """The visibility condition of the outgoing officer on current versions (for
        queries that join the store's `access` and `versions`)."""
        return visible_now(self.c, self.principal)


@dataclass(frozen=True)
class Listed:
    name: str  # the key in the handover's `sections`: letters, digits, '-' or '_'
    rows: list[dict[str, Any]] = field(default_factory=list)
    # The label of each row that lists a labelled thing (those rows carry a "label"
    # key, its text), in the same order.
    labels: list[Label] = field(default_factory=list)


def _label_text(shift: Shift, label: Label) -> str:
    return render(shift.c.node.policy, label)


def open_items(shift: Shift) -> Listed:
    """The body's open items (requesting, counterpart or escalated to), by deadline."""
    b = shift.body
    pending = _PENDING
    due = pending.c.due_at
    rows = shift.conn.execute(
        select(
            *COLUMNS,
            coord_items.c.state.label("i_state"),
            coord_items.c.precedence.label("i_precedence"),
            coord_items.c.stated_due.label("i_stated"),
            due.label("i_due"),
        )
        .select_from(
            access.join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
            .join(coord_items, coord_items.c.object_pk == access.c.object_pk)
            .outerjoin(
                pending,
                and_(pending.c.item_pk == access.c.object_pk, pending.c.status == "pending"),
            )
        )
        .where(
            shift.visible(),
            access.c.type == ITEM_TYPE,
            coord_items.c.state.in_([s.value for s in OPEN_STATES]),
            or_(
                coord_items.c.requesting_body == b,
                coord_items.c.counterpart_body == b,
                coord_items.c.escalated_to == b,
                coord_items.c.escalated_to.like(f"{b}+%"),
                coord_items.c.escalated_to.like(f"%+{b}"),
            ),
        )
        .order_by(access.c.object_pk)
    ).all()
    listed = Listed("items")
    for r in rows:
        item = stored_from_row(r)
        deadline = r.i_due if r.i_due is not None else r.i_stated
        row = {
            "id": item.id,
            "name": title_of(item.object, item.id, "en"),
            "name_ja": title_of(item.object, item.id, "ja"),
            "label": _label_text(shift, item.label),
            "state": r.i_state,
            "precedence": r.i_precedence,
        }
        if deadline is not None:
            row["due"] = iso_time(int(deadline))
        listed.rows.append(row)
        listed.labels.append(item.label)
    listed.rows.sort(key=lambda x: (x.get("due") is None, x.get("due", ""), x["id"]))
    return listed


def unacknowledged(shift: Shift) -> Listed:
    """Notices to the body nobody has acknowledged, about items the officer may read
    (or about no item)."""
    seen = and_(access.c.object_pk == coord_notifications.c.item_pk, shift.visible())
    rows = shift.conn.execute(
        select(
            coord_notifications.c.pk,
            coord_notifications.c.kind,
            coord_notifications.c.created_at,
            objects.c.stix_id,
            versions.c.rank,
            versions.c.rel_to,
            versions.c.compartments,
            versions.c.body.label("item_body"),
        )
        .select_from(
            coord_notifications.outerjoin(access, seen)
            .outerjoin(versions, versions.c.pk == access.c.version_pk)
            .outerjoin(objects, objects.c.pk == access.c.object_pk)
        )
        .where(
            coord_notifications.c.body == shift.body,
            coord_notifications.c.acked_at.is_(None),
            or_(coord_notifications.c.item_pk.is_(None), access.c.version_pk.is_not(None)),
        )
        .order_by(coord_notifications.c.pk)
    ).all()
    listed = Listed("notifications")
    for r in rows:
        row: dict[str, Any] = {"notification": r.pk, "kind": r.kind, "at": r.created_at}
        if r.stix_id is not None:
            label = label_of_row(r)
            item = json.loads(r.item_body)
            row.update(
                id=r.stix_id,
                name=title_of(item, r.stix_id, "en"),
                name_ja=title_of(item, r.stix_id, "ja"),
                label=_label_text(shift, label),
            )
            listed.labels.append(label)
        listed.rows.append(row)
    return listed


def log_of_shift(shift: Shift) -> Listed:
    """The entries of the body's own watch log in the period, in time order."""
    rows = shift.conn.execute(
        select(*COLUMNS)
        .select_from(
            coord_watch.join(access, access.c.object_pk == coord_watch.c.object_pk)
            .join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
        )
        .where(
            coord_watch.c.body == shift.body,
            coord_watch.c.at >= shift.start,
            coord_watch.c.at <= shift.end,
            access.c.type == ENTRY_TYPE,
            shift.visible(),
        )
        .order_by(coord_watch.c.at, coord_watch.c.object_pk)
    ).all()
    listed = Listed("entries")
    for r in rows:
        entry = stored_from_row(r)
        row = {"id": entry.id, "label": _label_text(shift, entry.label)}
        for key in ("kind", "at", "text", "text_ja", "author", "corrects", "items"):
            if entry.object.get(key):
                row[key] = entry.object[key]
        listed.rows.append(row)
        listed.labels.append(entry.label)
    return listed


Section = Callable[[Shift], Listed]


def _open_threads(shift: Shift, name: str, table: Any, stix_type: str, states: tuple[str, ...],
                  of_body: Any, due: Any | None) -> Listed:  # fmt: skip
    """Open RFIs or taskers of the body that the outgoing officer may read."""
    columns = [*COLUMNS, table.c.state.label("t_state"), table.c.precedence.label("t_prec")]
    if due is not None:
        columns.append(due.label("t_due"))
    rows = shift.conn.execute(
        select(*columns)
        .select_from(
            access.join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
            .join(table, table.c.object_pk == access.c.object_pk)
        )
        .where(
            shift.visible(),
            access.c.type == stix_type,
            table.c.state.in_(states),
            of_body,
        )
        .order_by(access.c.object_pk)
    ).all()
    listed = Listed(name)
    for r in rows:
        found = stored_from_row(r)
        row = {
            "id": found.id,
            "name": title_of(found.object, found.id, "en"),
            "name_ja": title_of(found.object, found.id, "ja"),
            "label": _label_text(shift, found.label),
            "state": r.t_state,
            "precedence": r.t_prec,
        }
        if due is not None:
            row["due"] = iso_time(int(r.t_due))
        listed.rows.append(row)
        listed.labels.append(found.label)
    return listed


def open_rfis(shift: Shift) -> Listed:
    """The body's RFIs still open or answered but not closed, asked by it or of it."""
    b = shift.body
    return _open_threads(
        shift, "rfis", coord_rfis, RFI_TYPE, ("open", "answered"),
        or_(coord_rfis.c.asking_body == b, coord_rfis.c.addressed_body == b), None,
    )  # fmt: skip


def open_taskers(shift: Shift) -> Listed:
    """The body's open taskers, issued by it or to it as the OPR, by suspense."""
    b = shift.body
    listed = _open_threads(
        shift, "taskers", coord_taskers, TASKER_TYPE, ("open",),
        or_(coord_taskers.c.issuing_body == b, coord_taskers.c.opr == b),
        coord_taskers.c.suspense_at,
    )  # fmt: skip
    listed.rows.sort(key=lambda x: (x.get("due", ""), x["id"]))
    return listed


SECTIONS: list[Section] = [open_items, open_rfis, open_taskers, unacknowledged, log_of_shift]
SECTION_TITLES: dict[str, str] = {
    "items": N_("Open coordination items"),
    "rfis": N_("Open requests for information"),
    "taskers": N_("Open taskers"),
    "notifications": N_("Unacknowledged notifications"),
    "entries": N_("Watch log of the shift"),
}
