"""The shift handover: at shift change the outgoing watch officer of a body generates
a report of the shift, and the incoming officer signs it.

A handover (`x-kizuna-handover`) is a labelled object of this node's nation holding
the shift's period and, section by section, what the outgoing officer may read at the
time: the body's open coordination items (requesting, counterpart or escalated to,
with state, precedence and deadline), its unacknowledged notifications and the
entries of its watch log in the period. Its label dominates the label of everything
it lists (their least upper bound, `labels.lub`): a chosen label that does not is
refused, naming why; without one, the least upper bound is taken (releasable to this
nation only, unless the officer is a releasing officer).

It is signed by the outgoing officer when generated (or later, by them), then by the
incoming officer: another member of the same body, once, after the outgoing. Each
signature is a new version of the handover (`outgoing_signed_at`, `incoming_officer`,
`incoming_signed_at`) and an audited action; nothing else of it ever changes.

Sections: `SECTIONS` lists the functions that fill a handover. Each is called as
`section(shift)` with a `Shift` (the mechanism, the open transaction, the outgoing
officer, the body and the period) and returns a `Listed`: its name (the key in the
handover's `sections`), its rows (JSON objects; by convention `id`, `name`,
`name_ja`, `label` and whatever else the section shows) and the label of each thing
listed. A section lists only what `shift.visible()` lets through. RFIs and taskers add
theirs with `SECTIONS.append(...)` and a title in `SECTION_TITLES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import OWNER
from kizuna.domains.coordination.escalation import epoch, iso_time
from kizuna.domains.coordination.model import ITEM_TYPE, N_, OPEN_STATES, RFI_TYPE, TASKER_TYPE
from kizuna.domains.coordination.schema import (
    coord_items,
    coord_notifications,
    coord_rfis,
    coord_steps,
    coord_taskers,
)
from kizuna.domains.coordination.watch import (
    known_body,
    visible_now,
    visible_object,
    writer,
)
from kizuna.domains.coordination.watch_model import (
    ENTRY_TYPE,
    HANDOVER_TYPE,
    HandoverCreate,
    WatchAction,
)
from kizuna.domains.coordination.watch_owner import SKEW, check_handover_body
from kizuna.domains.coordination.watch_schema import coord_handovers, coord_watch
from kizuna.errors import Conflict, Invalid, NotFound
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, dominates, lub, parse, render
from kizuna.store import StoredObject
from kizuna.store.objects import COLUMNS, stored_from_row
from kizuna.store.rows import label_of_row

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = [
    "SECTIONS",
    "SECTION_TITLES",
    "HandoverRow",
    "Listed",
    "Shift",
    "generate",
    "handover",
    "handovers",
    "mirror_handover",
    "sign",
]

# A shift, unless the officer says otherwise, and the longest one a handover covers.
SHIFT = timedelta(hours=12)
LONGEST = timedelta(days=7)


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
    pending = coord_steps.alias("pending")
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
            "name": item.object.get("name", item.id),
            "name_ja": item.object.get("name_ja", item.id),
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
                name=item.get("name", r.stix_id),
                name_ja=item.get("name_ja", r.stix_id),
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
            "name": found.object.get("name", found.id),
            "name_ja": found.object.get("name_ja", found.id),
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


def _why_not(c: Coordination, chosen: Label, label: Label) -> str:
    policy = c.node.policy
    reasons = []
    if chosen.rank < label.rank:
        reasons.append(f"its level is below {policy.level(label.rank).name}")
    if not chosen.compartments >= label.compartments:
        reasons.append(f"it lacks {', '.join(sorted(label.compartments - chosen.compartments))}")
    if not chosen.rel_to <= label.rel_to:
        reasons.append(f"it releases to {', '.join(sorted(chosen.rel_to - label.rel_to))}")
    return "; ".join(reasons)


def _choose_label(
    c: Coordination, principal: Principal, wanted: str | None, listed: list[Listed]
) -> Label:
    bound = lub(label for part in listed for label in part.labels)
    nation = c.node.nation
    if not wanted:
        if bound is None:
            return Label(c.node.policy.lowest.rank, frozenset({nation}), frozenset())
        if principal.can(Permission.OBJECT_RELEASE):
            return bound
        return Label(bound.rank, frozenset({nation}), bound.compartments)
    try:
        chosen = parse(c.node.policy, wanted, originator=nation)
    except LabelError as exc:
        raise Invalid(str(exc), field="label") from exc
    for part in listed:
        for row, label in zip((r for r in part.rows if "label" in r), part.labels, strict=False):
            if not dominates(chosen, label):
                raise Invalid(
                    f"the handover's label {render(c.node.policy, chosen)} does not dominate "
                    f"{render(c.node.policy, label)}, the label of {row.get('id')} that it "
                    f"lists ({_why_not(c, chosen, label)}); choose at least "
                    f"{render(c.node.policy, bound)}",  # type: ignore[arg-type]
                    field="label",
                )
    return chosen


def generate(c: Coordination, principal: Principal, data: HandoverCreate) -> StoredObject:
    """Generate (and, unless asked not to, sign) the handover of a body's shift, as a
    member of the body."""
    with c.store.transaction(principal) as conn:
        known_body(c, data.body)
        writer(c, principal, data.body, WatchAction.HANDOVER_WRITE, None)
        now = clock.now()
        end = data.period_end or now
        start = data.period_start or end - SHIFT
        for name, value in (("period_start", start), ("period_end", end)):
            if value.tzinfo is None:
                raise Invalid(f"{name} needs its time zone (e.g. Z or +09:00)", field=name)
        if end > now + SKEW:
            raise Invalid(
                "a handover closes a shift that has ended: not later than now", field="period_end"
            )
        if not start < end or end - start > LONGEST:
            raise Invalid(
                "a shift ends after it starts, and within seven days", field="period_start"
            )
        shift = Shift(c, conn, principal, data.body, epoch(start), epoch(end))
        listed = [section(shift) for section in SECTIONS]
        label = _choose_label(c, principal, data.label, listed)
        body: dict[str, Any] = {
            "type": HANDOVER_TYPE,
            "body": data.body,
            "period_start": clock.format_ts(start),
            "period_end": clock.format_ts(end),
            "sections": {part.name: part.rows for part in listed},
            "outgoing_officer": principal.name,
        }
        if data.sign:
            body["outgoing_signed_at"] = clock.format_ts(now)
        made = c.store.create_in(conn, principal, body, label, owner=OWNER)
        mirror_handover(c, conn, made)
        counts = {part.name: len(part.rows) for part in listed}
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.handover.generate",
            target=made.id,
            detail={"body": data.body, "listed": counts},
        )
        if data.sign:
            audit.append(
                conn,
                actor=principal.name,
                action="coordination.handover.sign",
                target=made.id,
                detail={"as": "outgoing", "version": made.version},
            )
        return made


def sign(c: Coordination, principal: Principal, stix_id: str) -> StoredObject:
    """Sign a handover: its outgoing officer first (if they did not at generation),
    then once the incoming officer, another member of its body."""
    with c.store.transaction(principal) as conn:
        locked = conn.execute(
            select(coord_handovers.c.object_pk)
            .join(objects, objects.c.pk == coord_handovers.c.object_pk)
            .where(objects.c.stix_id == stix_id)
            .with_for_update(of=coord_handovers)
        ).first()
        try:
            found = visible_object(c, conn, principal, stix_id, HANDOVER_TYPE)
        except NotFound:
            raise NotFound(f"no handover {stix_id}", field="id") from None
        assert locked is not None
        current_body = dict(found.object)
        if found.origin != c.node.nation:
            raise Conflict(f"a handover of {found.origin} is signed on its own node", field="id")
        writer(c, principal, str(current_body["body"]), WatchAction.HANDOVER_SIGN, stix_id)
        outgoing = str(current_body["outgoing_officer"])
        now = clock.format_ts(clock.now())
        if current_body.get("outgoing_signed_at") is None:
            if principal.name != outgoing:
                raise Conflict(
                    f"the outgoing officer, {outgoing}, signs first; the incoming officer "
                    "signs after",
                    field="id",
                )
            current_body["outgoing_signed_at"] = now
            role = "outgoing"
        else:
            if principal.name == outgoing:
                raise Conflict(
                    f"{outgoing} signed this handover as its outgoing officer; the incoming "
                    f"officer is another member of {current_body['body']}",
                    field="id",
                )
            if current_body.get("incoming_officer") is not None:
                raise Conflict(
                    f"this handover was signed by its incoming officer, "
                    f"{current_body['incoming_officer']}",
                    field="id",
                )
            current_body["incoming_officer"] = principal.name
            current_body["incoming_signed_at"] = now
            role = "incoming"
        current_body.pop("modified", None)
        made = c.store.revise_in(conn, principal, stix_id, current_body, owner=OWNER)
        mirror_handover(c, conn, made)
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.handover.sign",
            target=stix_id,
            detail={"as": role, "version": made.version},
        )
        return made


def mirror_handover(c: Coordination, conn: Connection, made: StoredObject) -> None:
    """Keep the row of a handover's current version (written here or arrived)."""
    body = made.object
    check_handover_body(c.structure, body, made.origin)
    pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    values = {
        "body": body["body"],
        "start_at": epoch(clock.parse_ts(str(body["period_start"]))),
        "end_at": epoch(clock.parse_ts(str(body["period_end"]))),
        "outgoing_signed": int(body.get("outgoing_signed_at") is not None),
        "incoming_signed": int(body.get("incoming_signed_at") is not None),
    }
    known = conn.execute(
        select(coord_handovers.c.object_pk).where(coord_handovers.c.object_pk == pk)
    ).first()
    if known is None:
        conn.execute(insert(coord_handovers).values(object_pk=pk, **values))
    else:
        conn.execute(
            update(coord_handovers).where(coord_handovers.c.object_pk == pk).values(**values)
        )


@dataclass(frozen=True)
class HandoverRow:
    handover: StoredObject
    body: str
    start_at: int
    end_at: int
    outgoing_signed: bool
    incoming_signed: bool


def handovers(
    c: Coordination, principal: Principal, *, body: str | None = None, limit: int = 100
) -> list[HandoverRow]:
    """The handovers the principal may read (of one body or all), the latest shift
    first."""
    if body is not None:
        known_body(c, body)
    if not 1 <= limit <= 500:
        raise Invalid("limit must be between 1 and 500", field="limit")
    query = (
        select(
            *COLUMNS,
            coord_handovers.c.body.label("h_body"),
            coord_handovers.c.start_at,
            coord_handovers.c.end_at,
            coord_handovers.c.outgoing_signed,
            coord_handovers.c.incoming_signed,
        )
        .select_from(
            coord_handovers.join(access, access.c.object_pk == coord_handovers.c.object_pk)
            .join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
        )
        .where(visible_now(c, principal), access.c.type == HANDOVER_TYPE)
        .order_by(coord_handovers.c.end_at.desc(), coord_handovers.c.object_pk.desc())
        .limit(limit)
    )
    if body is not None:
        query = query.where(coord_handovers.c.body == body)
    with c.node.db.read() as conn:
        rows = conn.execute(query).all()
    return [
        HandoverRow(
            stored_from_row(r),
            r.h_body,
            r.start_at,
            r.end_at,
            bool(r.outgoing_signed),
            bool(r.incoming_signed),
        )
        for r in rows
    ]


def handover(c: Coordination, principal: Principal, stix_id: str) -> StoredObject:
    """One handover the principal may read; NotFound for a missing or hidden one."""
    with c.node.db.read() as conn:
        try:
            return visible_object(c, conn, principal, stix_id, HANDOVER_TYPE)
        except NotFound:
            raise NotFound(f"no handover {stix_id}", field="id") from None
