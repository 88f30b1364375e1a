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
incoming officer: another member of the same body, once, after the outgoing. Handed
to a named incoming officer (`handed_to`), it lists only what both officers may read,
so that its label is one the incoming officer reads, and only they sign it as incoming;
otherwise an outgoing officer with a compartment no other member holds would write a
handover nobody can take over. Each
signature is a new version of the handover (`outgoing_signed_at`, `incoming_officer`,
`incoming_signed_at`) and an audited action; nothing else of it ever changes.

What a handover lists is in `handover_sections`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import OWNER
from kizuna.domains.coordination.escalation import epoch
from kizuna.domains.coordination.handover_sections import (
    LONGEST,
    SECTIONS,
    SHIFT,
    Listed,
    Shift,
)
from kizuna.domains.coordination.watch import (
    known_body,
    not_keeping,
    visible_now,
    visible_object,
    watch_bodies,
    writer,
)
from kizuna.domains.coordination.watch_model import (
    HANDOVER_TYPE,
    HandoverCreate,
    WatchAction,
)
from kizuna.domains.coordination.watch_owner import SKEW, check_handover_body
from kizuna.domains.coordination.watch_schema import coord_handovers
from kizuna.errors import Conflict, Invalid, NotFound
from kizuna.identity.principal import Permission, Principal
from kizuna.identity.service import find_user, members
from kizuna.labels import Clearance, Label, LabelError, can_read, dominates, lub, parse, render
from kizuna.store import StoredObject
from kizuna.store.objects import COLUMNS, stored_from_row

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = [
    "HandoverRow",
    "generate",
    "handover",
    "handovers",
    "mirror_handover",
    "sign",
]


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


def _incoming(
    c: Coordination, conn: Connection, principal: Principal, body_id: str, name: str
) -> Principal:
    """The named incoming officer: another member of the body keeping its watch here."""
    user = find_user(conn, name)
    if user is None:
        why: str | None = f"{name} is not a member of {body_id}"
    else:
        why = not_keeping(c, user.principal, body_id)
    if user is None or why:
        raise Invalid(
            f"{why}: name a member of {body_id} keeping its watch on this node",
            field="handed_to",
        )
    if user.principal.name == principal.name:
        raise Invalid("the incoming officer is someone else than you", field="handed_to")
    return user.principal


def _someone_reads(
    c: Coordination, conn: Connection, principal: Principal, body_id: str, label: Label
) -> None:
    """Refuse a handover no other member of the body keeping its watch here may read:
    nobody could take it over. A body of one member hands over to no one."""
    others = [
        u.principal
        for u in members(conn, body_id)
        if u.principal.name != principal.name and body_id in watch_bodies(c, u.principal)
    ]
    if others and not any(can_read(o.clearance, label) for o in others):
        raise Invalid(
            f"no other member of {body_id} may read this handover at "
            f"{render(c.node.policy, label)}: hand it to the incoming officer (handed_to), "
            "and it lists what you both may read",
            field="handed_to",
        )


def _both(outgoing: Principal, incoming: Principal) -> Principal:
    """The outgoing officer reading only what the incoming officer may read too: their
    nation is the same (both keep this node's watch), the level the lower, the
    compartments those both hold."""
    cleared = Clearance(
        outgoing.nation,
        min(outgoing.clearance.rank, incoming.clearance.rank),
        outgoing.clearance.compartments & incoming.clearance.compartments,
    )
    return replace(outgoing, clearance=cleared)


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
        # Each fault on its own, naming the field to change (walk 48: one message
        # for both named no field and said "within seven days" of an end before start).
        if not start < end:
            raise Invalid("a shift ends after it starts", field="period_end")
        if end - start > LONGEST:
            raise Invalid("a shift lasts at most seven days", field="period_start")
        lister = principal
        if data.handed_to:
            lister = _both(principal, _incoming(c, conn, principal, data.body, data.handed_to))
        shift = Shift(c, conn, lister, data.body, epoch(start), epoch(end))
        listed = [section(shift) for section in SECTIONS]
        # Other domains' sections (incident notices), listed for the same officer.
        for name, (_title, part) in c.node.handover_parts.items():
            added = part(c.node, conn, lister, data.body, shift.start, shift.end)
            listed.append(Listed(name, added.rows, added.labels))
        label = _choose_label(c, principal, data.label, listed)
        if not data.handed_to:
            _someone_reads(c, conn, principal, data.body, label)
        body: dict[str, Any] = {
            "type": HANDOVER_TYPE,
            "body": data.body,
            "period_start": clock.format_ts(start),
            "period_end": clock.format_ts(end),
            "sections": {part.name: part.rows for part in listed},
            "outgoing_officer": principal.name,
        }
        if data.handed_to:
            body["handed_to"] = data.handed_to
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
            handed_to = current_body.get("handed_to")
            if handed_to is not None and principal.name != handed_to:
                raise Conflict(
                    f"this handover is handed to {handed_to}: only they sign it as incoming",
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
