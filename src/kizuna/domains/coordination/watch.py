"""The watch log: a chronological log per body (JJOC, USFJ, the BOCC...), kept by its
watch officers.

Each entry is a labelled object of the writing nation (`x-kizuna-watch-entry`): its
body, its kind (event, call, decision, note), the time it happened, its text in ja
and/or en, the coordination items it concerns and its author. Entries are written by
members of the body of this node's nation, or of a bilateral body, and never edited:
a correction is a new entry that names the one it corrects. An entry travels to the
partner where its label releases it.

The log of a body shows its own entries and those of its counterpart bodies (the
USFJ's log on either node shows the JJOC's entries that the reader may read, and the
other way round); a bilateral body's log is written by members of both nations, each
on their own node. Reading needs no membership: the labels decide, through the
visibility condition joined in SQL (`visible()`); nothing is filtered after loading.

Refusals: `Invalid` (422) names the field (an unknown body or kind, a time in the
future, no text, a label that does not cover what the entry names); `NotFound` (404)
for a linked item or a corrected entry that is missing or hidden, alike; `Refused`
(403, audited) for a writer who is not a member of the body of this nation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, insert, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import OWNER
from kizuna.domains.coordination.escalation import epoch
from kizuna.domains.coordination.structure import BILATERAL
from kizuna.domains.coordination.watch_model import (
    ENTRY_KINDS,
    ENTRY_TYPE,
    EntryCreate,
    WatchAction,
)
from kizuna.domains.coordination.watch_owner import SKEW, check_entry_body
from kizuna.domains.coordination.watch_schema import coord_watch
from kizuna.errors import Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, dominates, parse, render
from kizuna.store import StoredObject
from kizuna.store.access import current, visible
from kizuna.store.objects import COLUMNS, stored_from_row

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = [
    "LOG_LIMIT",
    "LogEntry",
    "log_entry",
    "mirror_entry",
    "not_keeping",
    "watch_bodies",
    "watch_log",
    "writer",
]

LOG_LIMIT = 500


@dataclass(frozen=True)
class LogEntry:
    entry: StoredObject
    body: str
    kind: str
    at: int


def watch_bodies(c: Coordination, principal: Principal) -> list[str]:
    """The bodies whose log (and handovers) the principal keeps on this node: those
    their account lists, of this node's nation or bilateral, if they write here."""
    if principal.nation != c.node.nation or not principal.can(Permission.OBJECT_WRITE):
        return []
    return sorted(
        b
        for b in principal.bodies
        if b in c.structure.bodies and c.structure.bodies[b].nation in (c.node.nation, BILATERAL)
    )


def not_keeping(c: Coordination, principal: Principal, body_id: str) -> str | None:
    """Why the principal does not keep the watch of `body_id` on this node, or None if
    they do. Each condition has its own words: "not a member" was said of a member who
    only reads, and of a partner's member on this node, who both are members."""
    if body_id in watch_bodies(c, principal):
        return None
    name = principal.name
    if body_id not in principal.bodies:
        return f"{name} is not a member of {body_id}"
    if principal.nation != c.node.nation:
        return (
            f"{name} is of {principal.nation}: a member keeps the watch of {body_id} on "
            f"their own nation's node, and this is the node of {c.node.nation}"
        )
    if not principal.can(Permission.OBJECT_WRITE):
        return f"{name} is a member of {body_id} as a reader, who does not keep its watch"
    nation = c.structure.bodies[body_id].nation if body_id in c.structure.bodies else "?"
    return (
        f"{body_id} is a body of {nation}: its watch is kept on that nation's node, and "
        f"this is the node of {c.node.nation}"
    )


def writer(
    c: Coordination, principal: Principal, body_id: str, action: str, target: str | None
) -> None:
    """Refuse (audited) anyone but a member of `body_id` who writes on this node."""
    if principal.kind == "system":
        return
    why = not_keeping(c, principal, body_id)
    if why is not None:
        raise Refused(why, action=action, target=target)


def known_body(c: Coordination, body_id: str) -> None:
    if body_id not in c.structure.bodies:
        raise Invalid(f"unknown body '{body_id}'", field="body")


def visible_now(c: Coordination, principal: Principal) -> Any:
    return and_(current(), visible(principal, c.store.bits))


def visible_object(
    c: Coordination, conn: Connection, principal: Principal, stix_id: str, stix_type: str
) -> StoredObject:
    """The current version of an object of `stix_type` the principal may read;
    NotFound, the same, for one that is missing or hidden."""
    row = conn.execute(
        select(*COLUMNS)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(
            objects.c.stix_id == stix_id,
            objects.c.type == stix_type,
            visible(principal, c.store.bits),
        )
    ).first()
    if row is None:
        raise NotFound(f"no object {stix_id}", field="id")
    return stored_from_row(row)


def _label(c: Coordination, text: str) -> Label:
    try:
        return parse(c.node.policy, text, originator=c.node.nation)
    except LabelError as exc:
        raise Invalid(str(exc), field="label") from exc


def _covers(c: Coordination, label: Label, named: StoredObject, field: str) -> None:
    if not dominates(label, named.label):
        raise Invalid(
            f"the entry's label {render(c.node.policy, label)} must be at least as "
            f"restrictive as {render(c.node.policy, named.label)}, the label of {named.id} "
            "that it names",
            field=field,
        )


def log_entry(c: Coordination, principal: Principal, data: EntryCreate) -> StoredObject:
    """Log an entry in a body's watch log, as a member of the body."""
    with c.store.transaction(principal) as conn:
        known_body(c, data.body)
        writer(c, principal, data.body, WatchAction.ENTRY_WRITE, None)
        if data.kind not in ENTRY_KINDS:
            raise Invalid(
                f"kind '{data.kind}' is not one of: {', '.join(ENTRY_KINDS)}", field="kind"
            )
        now = clock.now()
        at = data.at or now
        if at.tzinfo is None:
            raise Invalid("at needs its time zone (e.g. Z or +09:00)", field="at")
        if at > now + SKEW:
            raise Invalid(
                "an entry records what has happened: its time is in the future", field="at"
            )
        if not data.text_en and not data.text_ja:
            raise Invalid("an entry needs its text in Japanese or English", field="text_en")
        label = _label(c, data.label)
        items = list(dict.fromkeys(data.items))
        for item_id in items:
            try:
                linked = visible_object(c, conn, principal, item_id, "x-kizuna-coordination-item")
            except NotFound:
                raise NotFound(f"no coordination item {item_id}", field="items") from None
            _covers(c, label, linked, "label")
        body: dict[str, Any] = {
            "type": ENTRY_TYPE,
            "body": data.body,
            "kind": data.kind,
            "at": clock.format_ts(at),
            "author": principal.name,
        }
        if data.corrects:
            try:
                corrected = visible_object(c, conn, principal, data.corrects, ENTRY_TYPE)
            except NotFound:
                raise NotFound(f"no watch-log entry {data.corrects}", field="corrects") from None
            if corrected.object.get("body") != data.body:
                raise Invalid(
                    "a correction is logged in the log of the entry it corrects", field="body"
                )
            _covers(c, label, corrected, "label")
            body["corrects"] = data.corrects
        if data.text_en:
            body["text"] = data.text_en
        if data.text_ja:
            body["text_ja"] = data.text_ja
        if items:
            body["items"] = items
        made = c.store.create_in(conn, principal, body, label, owner=OWNER)
        mirror_entry(c, conn, made)
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.watch.entry",
            target=made.id,
            detail={"body": data.body, "kind": data.kind, "items": items},
        )
        return made


def mirror_entry(c: Coordination, conn: Connection, made: StoredObject) -> None:
    """Keep the row of an entry's current version (written here or arrived); the owner
    rules judged the body, and it is checked again here."""
    body = made.object
    check_entry_body(c.structure, body, made.origin)
    pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    values = {
        "body": body["body"],
        "at": epoch(clock.parse_ts(str(body["at"]))),
        "kind": body["kind"],
    }
    known = conn.execute(
        select(coord_watch.c.object_pk).where(coord_watch.c.object_pk == pk)
    ).first()
    if known is None:
        conn.execute(insert(coord_watch).values(object_pk=pk, **values))
    else:
        conn.execute(update(coord_watch).where(coord_watch.c.object_pk == pk).values(**values))


def watch_log(
    c: Coordination,
    principal: Principal,
    body: str,
    *,
    newest_first: bool = True,
    counterparts: bool = True,
    since: int | None = None,
    until: int | None = None,
    limit: int = 200,
) -> list[LogEntry]:
    """The entries of a body's log (and, with `counterparts`, of its counterpart
    bodies) that the principal may read, by the time they happened."""
    known_body(c, body)
    if not 1 <= limit <= LOG_LIMIT:
        raise Invalid(f"limit must be between 1 and {LOG_LIMIT}", field="limit")
    bodies = [body, *(c.structure.counterparts_of(body) if counterparts else [])]
    order: tuple[Any, ...] = (coord_watch.c.at.desc(), coord_watch.c.object_pk.desc())
    if not newest_first:
        order = (coord_watch.c.at, coord_watch.c.object_pk)
    query = (
        select(
            *COLUMNS,
            coord_watch.c.body.label("w_body"),
            coord_watch.c.kind.label("w_kind"),
            coord_watch.c.at.label("w_at"),
        )
        .select_from(
            coord_watch.join(access, access.c.object_pk == coord_watch.c.object_pk)
            .join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
        )
        .where(coord_watch.c.body.in_(bodies), visible_now(c, principal))
        .order_by(*order)
        .limit(limit)
    )
    if since is not None:
        query = query.where(coord_watch.c.at >= since)
    if until is not None:
        query = query.where(coord_watch.c.at <= until)
    with c.node.db.read() as conn:
        rows = conn.execute(query).all()
    return [LogEntry(stored_from_row(r), r.w_body, r.w_kind, r.w_at) for r in rows]
