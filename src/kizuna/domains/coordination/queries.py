"""What users read of the mechanism: the board, an item's timeline, the determinations
in force in each region (notices: `notices`; RFIs and taskers: `staff_queries`).

Every query joins the store's `access` rows with `visible(principal)` for the item
(and, for answers, for the answer itself): the coordination tables only sort and
filter what the visibility condition lets through. Nothing is loaded and then
filtered in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination.model import (
    DETERMINATION_TYPE,
    ITEM_TYPE,
    RESPONSE_TYPE,
    RFI_TYPE,
    ItemState,
)
from kizuna.domains.coordination.schema import (
    coord_determination_regions,
    coord_determinations,
    coord_items,
    coord_responses,
    coord_rfis,
    coord_steps,
)
from kizuna.domains.coordination.service import Coordination, epoch
from kizuna.domains.coordination.structure import PRECEDENCES, TIERS
from kizuna.errors import Invalid
from kizuna.identity.principal import Principal
from kizuna.store import StoredObject
from kizuna.store.access import current, earliest_readable, visible
from kizuna.store.objects import COLUMNS, stored_from_row

__all__ = [
    "BoardRow",
    "Determination",
    "Event",
    "board",
    "determinations",
    "timeline",
    "visible_current",
]

BOARD_LIMIT = 500
# Up to this many visible items, the board sorts them rather than walk the steps.
FEW = 2000


# Aliases made once: a new alias builds its column collection again on first use.
_PENDING = coord_steps.alias("pending")


@dataclass(frozen=True)
class BoardRow:
    item: StoredObject
    state: str
    tier: str
    region: str
    precedence: str
    due_at: int | None
    overdue: bool


@dataclass(frozen=True)
class Event:
    """One line of an item's timeline."""

    at: str
    kind: str  # version | response | escalation
    version: StoredObject | None = None
    response: StoredObject | None = None
    step: dict[str, Any] | None = None
    rfi: StoredObject | None = None
    # For an answer, the verdict of the item's node: counted, not counted, or None
    # while the item's record has not said (an answer on its way to the item's node).
    counted: bool | None = None
    # For an answer, who gave it (the author of its earliest version the reader may
    # read): a later version only follows the item's narrowing, written by the node
    # (walk 44).
    answered_by: str | None = None


def visible_current(c: Coordination, principal: Principal) -> Any:
    return and_(current(), visible(principal, c.store.bits))


def board(
    c: Coordination,
    principal: Principal,
    *,
    state: str | None = None,
    tier: str | None = None,
    precedence: str | None = None,
    region: str | None = None,
    limit: int = 200,
    few: int = FEW,
) -> list[BoardRow]:
    """Items the principal may see, overdue first, then by deadline (then the older
    item first), then the items without a deadline, newest first.

    Two plans give the same rows. A reader who sees at most `few` items gets them
    sorted (cheap, and a walk of every step would find little); a reader who sees
    more gets a walk of the pending steps in due order that stops when the page is
    full, so that nobody's board sorts 100,000 rows."""
    if not 1 <= limit <= BOARD_LIMIT:
        raise Invalid(f"limit must be between 1 and {BOARD_LIMIT}", field="limit")
    if state is not None and state not in {s.value for s in ItemState}:
        raise Invalid(f"unknown state '{state}'", field="state")
    # A misspelt filter refused, not answered with an empty board that reads as "none".
    if tier is not None and tier not in TIERS:
        raise Invalid(f"unknown tier '{tier}'; known: {', '.join(TIERS)}", field="tier")
    if region is not None and region not in c.structure.regions:
        raise Invalid(f"unknown region '{region}'", field="region")
    if precedence is not None and precedence not in PRECEDENCES:
        raise Invalid(
            f"unknown precedence '{precedence}'; known: {', '.join(PRECEDENCES)}",
            field="precedence",
        )
    now = epoch()
    shown = (
        *COLUMNS,
        coord_items.c.state.label("item_state"),
        coord_items.c.tier.label("item_tier"),
        coord_items.c.region.label("item_region"),
        coord_items.c.precedence.label("item_precedence"),
    )
    item_filters = []
    if state:
        item_filters.append(coord_items.c.state == state)
    if tier:
        item_filters.append(coord_items.c.tier == tier)
    if region:
        item_filters.append(coord_items.c.region == region)
    if precedence:
        item_filters.append(coord_items.c.precedence == precedence)
    filters = [visible_current(c, principal), access.c.type == ITEM_TYPE, *item_filters]

    def visible_items(first: Any) -> Any:
        return (
            first.join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
            .join(coord_items, coord_items.c.object_pk == access.c.object_pk)
        )

    # Items with a deadline first, earliest (so overdue) first: a walk of the pending
    # steps in due order that stops once the page is full, rather than a sort of every
    # visible item. Each step looks up the reader's visible current version of its
    # item (the visibility condition, per step), so that both databases start from
    # the steps' index whatever statistics they keep.
    visible_version = (
        select(access.c.version_pk)
        .where(
            access.c.object_pk == coord_steps.c.item_pk,
            access.c.type == ITEM_TYPE,
            visible_current(c, principal),
        )
        .scalar_subquery()
    )
    page = (
        select(
            coord_steps.c.item_pk,
            coord_steps.c.due_at,
            visible_version.label("version_pk"),
        )
        .select_from(
            coord_steps.join(coord_items, coord_items.c.object_pk == coord_steps.c.item_pk)
        )
        .where(coord_steps.c.status == "pending", visible_version.is_not(None), *item_filters)
        .order_by(coord_steps.c.due_at, coord_steps.c.item_pk)
        .limit(limit)
        .subquery("page")
    )
    with_deadline = (
        select(*shown, page.c.due_at)
        .select_from(
            page.join(versions, versions.c.pk == page.c.version_pk)
            .join(objects, objects.c.pk == page.c.item_pk)
            .join(coord_items, coord_items.c.object_pk == page.c.item_pk)
        )
        .order_by(page.c.due_at, page.c.item_pk)
    )

    def without_deadline(room: int) -> Any:
        """The items that wait for nothing (drafts, concurred, decided...), newest first."""
        has_step = (
            select(coord_steps.c.pk)
            .where(
                coord_steps.c.item_pk == access.c.object_pk,
                coord_steps.c.status == "pending",
            )
            .exists()
        )
        return (
            select(*shown, coord_items.c.stated_due.label("due_at"))
            .select_from(visible_items(access))
            .where(*filters, ~has_step)
            .order_by(access.c.object_pk.desc())
            .limit(room)
        )

    pending = _PENDING
    deadline = deadline_of(pending)
    sorted_few = (
        select(*shown, deadline.label("due_at"))
        .select_from(
            visible_items(access).outerjoin(
                pending,
                and_(pending.c.item_pk == access.c.object_pk, pending.c.status == "pending"),
            )
        )
        .where(*filters)
        .order_by(
            case((deadline.is_(None), 1), else_=0),
            deadline,
            case((deadline.is_(None), -access.c.object_pk), else_=access.c.object_pk),
        )
        .limit(limit)
    )
    with c.node.db.read() as conn:
        # Does the reader see more than `few` items? An index range over their own
        # nation's rows, stopped at few + 1.
        probe = (
            select(access.c.object_pk)
            .where(visible_current(c, principal), access.c.type == ITEM_TYPE)
            .limit(few + 1)
            .subquery()
        )
        seen = conn.execute(select(func.count()).select_from(probe)).scalar_one()
        if seen <= few:
            rows = list(conn.execute(sorted_few).all())
        else:
            rows = list(conn.execute(with_deadline).all())
            if len(rows) < limit:
                rows += conn.execute(without_deadline(limit - len(rows))).all()
    return [
        BoardRow(
            item=stored_from_row(r),
            state=r.item_state,
            tier=r.item_tier,
            region=r.item_region,
            precedence=r.item_precedence,
            due_at=r.due_at,
            overdue=r.due_at is not None and r.due_at <= now,
        )
        for r in rows
    ]


def deadline_of(pending: Any) -> Any:
    """An item's deadline in SQL (rows joined to `coord_items` and, outer, to its
    pending step): its node's pending step, or on a partner's node, which keeps no
    steps (the item's node escalates), the deadline the item stated."""
    return func.coalesce(pending.c.due_at, coord_items.c.stated_due)


@dataclass(frozen=True)
class Determination:
    """A determination as a reader sees it: its current version, and whether it is in
    force now."""

    item: StoredObject
    nation: str
    kind: str
    regions: list[str]
    effective_at: int
    ended_at: int | None

    @property
    def in_force(self) -> bool:
        now = epoch()
        return self.effective_at <= now and (self.ended_at is None or self.ended_at > now)


def determinations(
    c: Coordination,
    principal: Principal,
    *,
    region: str | None = None,
    include_ended: bool = False,
    limit: int = 200,
) -> list[Determination]:
    """The determinations the principal may read (the visibility condition on their
    current version), in force unless `include_ended`, of one region or all, the
    latest to take effect first."""
    if region is not None and region not in c.structure.regions:
        raise Invalid(f"unknown region '{region}'", field="region")
    now = epoch()
    query = (
        select(
            *COLUMNS,
            coord_determinations.c.nation.label("d_nation"),
            coord_determinations.c.kind.label("d_kind"),
            coord_determinations.c.effective_at,
            coord_determinations.c.ended_at,
        )
        .select_from(
            access.join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
            .join(coord_determinations, coord_determinations.c.object_pk == access.c.object_pk)
        )
        .where(visible_current(c, principal), access.c.type == DETERMINATION_TYPE)
        .order_by(coord_determinations.c.effective_at.desc(), access.c.object_pk.desc())
        .limit(limit)
    )
    if region is not None:
        covers = (
            select(coord_determination_regions.c.object_pk)
            .where(
                coord_determination_regions.c.object_pk == access.c.object_pk,
                coord_determination_regions.c.region == region,
            )
            .exists()
        )
        query = query.where(covers)
    if not include_ended:
        query = query.where(
            coord_determinations.c.effective_at <= now,
            or_(coord_determinations.c.ended_at.is_(None), coord_determinations.c.ended_at > now),
        )
    with c.node.db.read() as conn:
        rows = conn.execute(query).all()
    found = []
    for r in rows:
        item = stored_from_row(r)
        found.append(
            Determination(
                item=item,
                nation=r.d_nation,
                kind=r.d_kind,
                regions=list(item.object.get("regions", [])),
                effective_at=r.effective_at,
                ended_at=r.ended_at,
            )
        )
    return found


def timeline(c: Coordination, principal: Principal, stix_id: str) -> tuple[Any, list[Event]]:
    """The item's scheduling row and its timeline: the versions the principal may see,
    the answers they may see, the escalation steps that fired. NotFound when the
    item's current version is hidden, as for a missing one."""

    # Who gave an answer, and when: its earliest version the reader may read (version
    # 1 may be above them), judged in SQL like every other read.
    def given(column: str) -> Any:
        return earliest_readable(
            column, access.c.object_pk, lambda table: visible(principal, c.store.bits, table)
        )

    with c.node.db.read() as conn:
        row = c.item_row(conn, principal, stix_id)
        answers = conn.execute(
            select(
                *COLUMNS,
                coord_responses.c.counted,
                given("author").label("given_by"),
                given("recorded_at").label("given_at"),
            )
            .select_from(
                coord_responses.join(access, access.c.object_pk == coord_responses.c.object_pk)
                .join(versions, versions.c.pk == access.c.version_pk)
                .join(objects, objects.c.pk == access.c.object_pk)
            )
            .where(
                coord_responses.c.item_pk == row.object_pk,
                visible_current(c, principal),
                access.c.type == RESPONSE_TYPE,
            )
            .order_by(coord_responses.c.object_pk)
        ).all()
        steps = conn.execute(
            select(coord_steps)
            .where(coord_steps.c.item_pk == row.object_pk, coord_steps.c.status == "fired")
            .order_by(coord_steps.c.number)
        ).all()
        pending = c.pending_step(conn, row.object_pk)
        asked = conn.execute(
            select(*COLUMNS)
            .select_from(
                coord_rfis.join(access, access.c.object_pk == coord_rfis.c.object_pk)
                .join(versions, versions.c.pk == access.c.version_pk)
                .join(objects, objects.c.pk == access.c.object_pk)
            )
            .where(
                coord_rfis.c.item_pk == row.object_pk,
                visible_current(c, principal),
                access.c.type == RFI_TYPE,
            )
        ).all()
    events = [
        Event(v.recorded_at, "version", version=v) for v in c.store.history(principal, stix_id)
    ]
    events += [
        Event(
            a.given_at or a.recorded_at,
            "response",
            response=stored_from_row(a),
            counted=None if a.counted is None else bool(a.counted),
            answered_by=a.given_by,
        )
        for a in answers
    ]
    events += [Event(str(s.fired_at), "escalation", step=s._asdict()) for s in steps]
    for a in asked:
        rfi = stored_from_row(a)
        events.append(Event(str(rfi.object.get("created", rfi.recorded_at)), "rfi", rfi=rfi))
    events.sort(key=lambda e: e.at)
    scheduled = pending.due_at if pending is not None else row.stated_due
    facts = {**row._asdict(), "due_at": scheduled}
    return facts, events
