"""Situation determinations: each government determines its own situation, under its
own law and procedure, and the alliance coordinates around both.

A determination is an object of the determining nation, written on its node by an
author who is a member of one of the bodies the structure lets record them
(`determines: true`), and federated where its label releases it. Nobody concurs: the
partner's node keeps it as it arrives. While it is in force, the open items of its
regions are answered within its deadline where that is shorter than their precedence's
(see `Coordination.deadline_seconds`); recording or ending one sets their pending
deadlines anew, here and on arrival of the partner's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import OWNER
from kizuna.domains.coordination.escalation import epoch, iso_time
from kizuna.domains.coordination.inputs import DeterminationCreate, DeterminationEnd
from kizuna.domains.coordination.model import DETERMINATION_TYPE, OPEN_STATES, Action
from kizuna.domains.coordination.schema import (
    coord_determination_regions,
    coord_determinations,
    coord_items,
    coord_steps,
)
from kizuna.domains.coordination.staff_owner import check_determination_body
from kizuna.errors import Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, parse
from kizuna.store import StoredObject
from kizuna.store.access import current, visible

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["determine", "end", "follow", "in_force", "mirror"]

# A determination is recorded once it has taken effect; this much clock difference
# between the officer's machine and the node is forgiven.
SKEW = timedelta(minutes=5)


def in_force(conn: Connection, region: str, now: int) -> list[tuple[str, Label]]:
    """The kind and label of every determination in force in `region` at `now`, of
    either nation, as the node holds them (the caller decides whom they may affect)."""
    rows = conn.execute(
        select(
            coord_determinations.c.kind, versions.c.rank, versions.c.rel_to, versions.c.compartments
        )
        .select_from(
            coord_determinations.join(
                coord_determination_regions,
                coord_determination_regions.c.object_pk == coord_determinations.c.object_pk,
            )
            .join(access, and_(access.c.object_pk == coord_determinations.c.object_pk, current()))
            .join(versions, versions.c.pk == access.c.version_pk)
        )
        .where(
            coord_determination_regions.c.region == region,
            coord_determinations.c.effective_at <= now,
            or_(coord_determinations.c.ended_at.is_(None), coord_determinations.c.ended_at > now),
        )
    ).all()
    return [
        (
            r.kind,
            Label(
                r.rank,
                frozenset(n for n in r.rel_to.split(",") if n),
                frozenset(c for c in r.compartments.split("/") if c),
            ),
        )
        for r in rows
    ]


def _officer(c: Coordination, principal: Principal, body_id: str, target: str | None) -> None:
    """Only this node's nation's authors who sit in a determining body record or end
    its determinations; the partner's officers record theirs on their own node."""
    if principal.kind == "system":
        return
    if not principal.can(Permission.OBJECT_WRITE) or principal.nation != c.node.nation:
        raise Refused(
            f"only authorised officers of {c.node.nation} record its situation "
            f"determinations; {principal.name} is not one",
            action=str(Action.DETERMINATION_WRITE),
            target=target,
        )
    if body_id not in principal.bodies:
        raise Refused(
            f"{principal.name} is not a member of {body_id} and may not record its determinations",
            action=str(Action.DETERMINATION_WRITE),
            target=target,
        )


def determine(c: Coordination, principal: Principal, data: DeterminationCreate) -> StoredObject:
    """Record a determination of this node's nation; the items of its regions follow."""
    s = c.structure
    nation = c.node.nation
    with c.store.transaction(principal) as conn:
        kind = s.determinations.get(data.kind)
        if kind is None or kind.nation != nation:
            mine = [k for k, v in s.determinations.items() if v.nation == nation]
            raise Invalid(
                f"'{data.kind}' is not a determination of {nation}; known: {', '.join(mine)}",
                field="determination",
            )
        if data.determining_body not in s.determining_bodies(nation):
            raise Invalid(
                f"'{data.determining_body}' does not record determinations of {nation}; "
                f"those that do: {', '.join(s.determining_bodies(nation))}",
                field="determining_body",
            )
        _officer(c, principal, data.determining_body, None)
        regions = list(dict.fromkeys(data.regions))
        for region in regions:
            if region not in s.regions:
                raise Invalid(
                    f"unknown region '{region}'; known: {', '.join(s.regions)}", field="regions"
                )
        now = clock.now()
        effective = data.effective or now
        if effective.tzinfo is None:
            raise Invalid("effective needs its time zone (e.g. Z or +09:00)", field="effective")
        if effective > now + SKEW:
            raise Invalid(
                "a determination is recorded once it has taken effect, not before",
                field="effective",
            )
        try:
            label = parse(c.node.policy, data.label, originator=nation)
        except LabelError as exc:
            raise Invalid(str(exc), field="label") from exc
        body: dict[str, Any] = {
            "type": DETERMINATION_TYPE,
            "name": data.title_en or kind.en,
            "name_ja": data.title_ja or kind.ja,
            "nation": nation,
            "determining_body": data.determining_body,
            "kind": kind.id,
            "regions": regions,
            "effective": clock.format_ts(effective),
            "legal_basis": data.legal_basis_en or kind.basis_en,
            "legal_basis_ja": data.legal_basis_ja or kind.basis_ja,
        }
        if data.body_en:
            body["description"] = data.body_en
        if data.body_ja:
            body["description_ja"] = data.body_ja
        made = c.store.create_in(conn, principal, body, label, owner=OWNER)
        mirror(c, conn, made)
        moved = follow(c, conn, regions)
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.determination",
            target=made.id,
            detail={"kind": kind.id, "regions": regions, "deadlines": moved},
        )
        return made


def end(
    c: Coordination, principal: Principal, stix_id: str, data: DeterminationEnd
) -> StoredObject:
    """End a determination of this node's nation (a new version with `ended`)."""
    with c.store.transaction(principal) as conn:
        current_body = _visible_body(c, conn, principal, stix_id)
        if current_body.get("nation") != c.node.nation:
            raise Refused(
                f"a determination of {current_body.get('nation')} is ended by its own "
                "nation, on its own node",
                action=str(Action.DETERMINATION_WRITE),
                target=stix_id,
            )
        _officer(c, principal, str(current_body["determining_body"]), stix_id)
        if current_body.get("ended") is not None:
            raise Invalid("this determination has already ended", field="ended")
        now = clock.now()
        ended = data.ended or now
        if ended.tzinfo is None:
            raise Invalid("ended needs its time zone (e.g. Z or +09:00)", field="ended")
        if ended > now + SKEW:
            raise Invalid("a determination is ended once it has ended, not before", field="ended")
        if ended < clock.parse_ts(str(current_body["effective"])):
            raise Invalid("a determination ends after it took effect", field="ended")
        body = dict(current_body)
        body["ended"] = clock.format_ts(ended)
        body.pop("modified", None)
        made = c.store.revise_in(conn, principal, stix_id, body, owner=OWNER)
        mirror(c, conn, made)
        moved = follow(c, conn, list(body["regions"]))
        audit.append(
            conn,
            actor=principal.name,
            action="coordination.determination.end",
            target=stix_id,
            detail={"ended": body["ended"], "deadlines": moved},
        )
        return made


def _visible_body(
    c: Coordination, conn: Connection, principal: Principal, stix_id: str
) -> dict[str, Any]:
    row = conn.execute(
        select(versions.c.body)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(
            objects.c.stix_id == stix_id,
            objects.c.type == DETERMINATION_TYPE,
            visible(principal, c.store.bits),
        )
    ).first()
    if row is None:
        raise NotFound(f"no determination {stix_id}", field="id")
    body: dict[str, Any] = json.loads(row.body)
    return body


def mirror(c: Coordination, conn: Connection, made: StoredObject) -> None:
    """Keep the rows of a determination's current version (written here or arrived);
    the owner rules judged the body, and it is checked again here."""
    body = made.object
    check_determination_body(c.structure, body, made.origin)
    pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    try:
        effective = epoch(clock.parse_ts(str(body["effective"])))
        ended = epoch(clock.parse_ts(str(body["ended"]))) if body.get("ended") else None
    except ValueError as exc:
        raise Invalid(f"a determination's times are timestamps: {exc}", field="effective") from exc
    values = {
        "nation": body["nation"],
        "kind": body["kind"],
        "effective_at": effective,
        "ended_at": ended,
        "updated_at": clock.now_ts(),
    }
    known = conn.execute(
        select(coord_determinations.c.object_pk).where(coord_determinations.c.object_pk == pk)
    ).first()
    if known is None:
        conn.execute(insert(coord_determinations).values(object_pk=pk, **values))
        conn.execute(
            insert(coord_determination_regions),
            [{"object_pk": pk, "region": r} for r in body["regions"]],
        )
    else:
        conn.execute(
            update(coord_determinations)
            .where(coord_determinations.c.object_pk == pk)
            .values(**values)
        )
        conn.execute(
            delete(coord_determination_regions).where(coord_determination_regions.c.object_pk == pk)
        )
        conn.execute(
            insert(coord_determination_regions),
            [{"object_pk": pk, "region": r} for r in body["regions"]],
        )


def follow(c: Coordination, conn: Connection, regions: Iterable[str]) -> int:
    """Set anew the pending deadline of every open item of `regions` that this node
    escalates (a partner's items keep the deadline their node states). An item whose
    deadline moves gets a new version stating it, so both nodes show the same. Returns
    how many deadlines moved."""
    pending = conn.execute(
        select(
            coord_items.c.object_pk, coord_steps.c.pk, coord_steps.c.base_at, coord_steps.c.due_at
        )
        .select_from(
            coord_items.join(coord_steps, coord_steps.c.item_pk == coord_items.c.object_pk)
        )
        .where(
            coord_items.c.region.in_(list(regions)),
            coord_items.c.state.in_([s.value for s in OPEN_STATES]),
            coord_steps.c.status == "pending",
            coord_steps.c.reason == "deadline",
        )
        .order_by(coord_items.c.object_pk)
    ).all()
    moved = 0
    now = epoch()
    # Each region's determinations are read once, not once per item.
    by_region: dict[str, list[tuple[str, Label]]] = {}
    for found in pending:
        row = c.row_by_pk(conn, found.object_pk, lock=True)
        if row.region not in by_region:
            by_region[row.region] = in_force(conn, row.region, now)
        due = found.base_at + c.deadline_seconds(conn, row, by_region[row.region])
        if due == found.due_at:
            continue
        conn.execute(
            update(coord_steps)
            .where(coord_steps.c.pk == found.pk, coord_steps.c.status == "pending")
            .values(due_at=due)
        )
        c.move(
            conn,
            c.node.system,
            row,
            "record",
            detail={"deadline": iso_time(due), "reason": "determination"},
        )
        moved += 1
    return moved
