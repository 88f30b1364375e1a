"""The mechanism on a reader's start page: the items whose answer is due from them,
the notifications their bodies have not acknowledged, and the items by state.

Every figure is counted in SQL over the rows the reader may see (`visible`), with the
labels of what it counts (`kizuna.today.tally`); the scheduling tables only sort and
filter what the visibility condition lets through, as in queries.py.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, and_, case, false, or_, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination.model import (
    ACCEPTING,
    CONCURRING,
    ITEM_TYPE,
    ItemState,
)
from kizuna.domains.coordination.notices import may_acknowledge, notification_scope
from kizuna.domains.coordination.queries import deadline_of
from kizuna.domains.coordination.schema import (
    coord_items,
    coord_notifications,
    coord_responses,
    coord_steps,
)
from kizuna.domains.coordination.service import Coordination, coordination, epoch
from kizuna.domains.coordination.structure import BILATERAL
from kizuna.domains.coordination.words import NOTICE_NAMES, STATE_NAMES
from kizuna.identity.principal import Permission, Principal
from kizuna.runtime import Node
from kizuna.store.access import current, visible
from kizuna.store.listing import title_of
from kizuna.store.rows import COLUMNS, stored_from_row
from kizuna.today import Bar, Chart, Line, Panel, tally
from kizuna.web.i18n import N_

__all__ = ["LINES", "today"]

# The first lines of a list the start page shows; the count says how many there are.
LINES = 10


# Aliases made once: a new alias builds its column collection again on first use.
_PENDING = coord_steps.alias("pending")
_ANSWER = cast(Table, access.alias("answer"))


def today(node: Node, principal: Principal) -> list[Panel]:
    c = coordination(node)
    with node.db.read() as conn:
        waiting = _waiting(c, conn, principal)
        return [waiting, _unacknowledged(c, conn, principal), _by_state(c, conn, principal)]


def _items(c: Coordination, principal: Principal) -> tuple[Any, Any, list[Any]]:
    """The reader's visible current items, each with its pending step (its deadline)."""
    pending = _PENDING
    source = (
        access.join(versions, versions.c.pk == access.c.version_pk)
        .join(objects, objects.c.pk == access.c.object_pk)
        .join(coord_items, coord_items.c.object_pk == access.c.object_pk)
        .outerjoin(
            pending,
            and_(pending.c.item_pk == access.c.object_pk, pending.c.status == "pending"),
        )
    )
    seen = [current(), visible(principal, c.store.bits), access.c.type == ITEM_TYPE]
    return source, pending, seen


def _owes(nation: str) -> Any:
    """`needs` (comma-separated nations) names this nation."""
    needs = coord_items.c.needs
    return or_(
        needs == nation,
        needs.like(f"{nation},%"),
        needs.like(f"%,{nation}"),
        needs.like(f"%,{nation},%"),
    )


def _waiting(c: Coordination, conn: Connection, principal: Principal) -> Panel:
    """Items that take answers, need one from the reader's nation (when the reader may
    answer, as the item's page offers the form) and have no concurrence of it at their
    current tier yet: overdue first, then by deadline."""
    source, pending, seen = _items(c, principal)
    # The nation's latest answer at the item's current tier, as the lifecycle reads it
    # (`Facts.latest`): a concurrence there is the answer given; a question (a request
    # for information) still leaves the final answer due. An answer the item's node did
    # not count is none; one it has not judged yet (on its way) is taken as given. An
    # answer the reader may not read is, for them, no answer.
    answer = _ANSWER
    latest = (
        select(coord_responses.c.kind)
        .select_from(
            coord_responses.join(answer, answer.c.object_pk == coord_responses.c.object_pk)
        )
        .where(
            coord_responses.c.item_pk == access.c.object_pk,
            coord_responses.c.nation == principal.nation,
            coord_responses.c.tier == coord_items.c.tier,
            or_(coord_responses.c.counted.is_(None), coord_responses.c.counted == 1),
            current(answer),
            visible(principal, c.store.bits, answer),
        )
        .order_by(coord_responses.c.object_pk.desc())
        .limit(1)
        .scalar_subquery()
    )
    where = [
        *seen,
        coord_items.c.state.in_(sorted(ACCEPTING)),
        _owes(principal.nation),
        or_(latest.is_(None), latest.not_in(sorted(CONCURRING))),
    ]
    if not principal.can(Permission.OBJECT_ANSWER) or c.answers_elsewhere(conn, principal):
        # Nothing waits for the answer of one whom the item's page offers no form: a
        # reader, or a partner's user whose nation answers on its own node.
        where.append(false())
    # No condition on the reader's bodies: the page offers the answer to whoever may
    # answer for a nation it needs (walk 48: escalated to the ACG, an item the author's
    # page offered 「自国として回答」 was counted 0 here, for he is not of the ACG).
    now = epoch()
    deadline = deadline_of(pending)
    overdue = case((and_(deadline.is_not(None), deadline <= now), 1), else_=0)
    counted = tally(conn, source, where, overdue)
    rows = conn.execute(
        select(*COLUMNS, deadline.label("due_at"))
        .select_from(source)
        .where(*where)
        .order_by(
            case((deadline.is_(None), 1), else_=0),
            deadline,
            access.c.object_pk,
        )
        .limit(LINES)
    ).all()
    lines = []
    for r in rows:
        item = stored_from_row(r)
        late = r.due_at is not None and r.due_at <= now
        lines.append(
            Line(
                href=f"/coordination/items/{item.id}",
                text=title_of(item.object, item.id, "en"),
                text_ja=title_of(item.object, item.id, "ja"),
                label=item.label,
                at=r.due_at,
                note=N_("Overdue since %(time)s") if late else N_("Due %(time)s"),
                urgent=late,
            )
        )
    return Panel(
        key="coordination-waiting",
        title=N_("Coordination items waiting for your answer"),
        href="/coordination",
        count=counted.total,
        urgent=counted.counts[(1,)],
        lines=tuple(lines),
        empty=N_("No item waits for your answer."),
        labels=counted.labels,
    )


def _unacknowledged(c: Coordination, conn: Connection, principal: Principal) -> Panel:
    """Notices to a body the reader is a member of (listed in the account and of the
    body's nation, as `notices.acknowledge` asks), about an item they may see, that
    nobody has acknowledged yet.

    Only for one whose role signs for the body (`notices.may_acknowledge`), as the
    answers that wait: a to-do list that never empties by the reader's own act teaches
    them to stop reading it. A reader is told who acknowledges instead, and reads the
    notices themselves on the notifications page, where they stay information."""
    own = [
        b
        for b in sorted(principal.bodies)
        if b in c.structure.bodies and c.structure.bodies[b].nation in (principal.nation, BILATERAL)
    ]
    source = coord_notifications.outerjoin(
        access,
        and_(
            access.c.object_pk == coord_notifications.c.item_pk,
            current(),
            visible(principal, c.store.bits),
        ),
    ).outerjoin(versions, versions.c.pk == access.c.version_pk)
    where = [
        notification_scope(c, principal),
        coord_notifications.c.body.in_(own),
        coord_notifications.c.acked_at.is_(None),
    ]
    signs = may_acknowledge(principal)
    if not signs:
        where.append(false())
    counted = tally(conn, source, where)
    # The newest notices, each with the item it is about: a notice of no item (a phase
    # notice of an earlier version) is counted, and read on the notifications page.
    about = (
        coord_notifications.join(
            access,
            and_(
                access.c.object_pk == coord_notifications.c.item_pk,
                current(),
                visible(principal, c.store.bits),
            ),
        )
        .join(versions, versions.c.pk == access.c.version_pk)
        .join(objects, objects.c.pk == access.c.object_pk)
    )
    rows = conn.execute(
        select(coord_notifications.c.kind, coord_notifications.c.created_at, *COLUMNS)
        .select_from(about)
        .where(*where)
        .order_by(coord_notifications.c.pk.desc())
        .limit(LINES)
    ).all()
    lines = []
    for r in rows:
        item = stored_from_row(r)
        lines.append(
            Line(
                href=f"/coordination/items/{item.id}",
                text=title_of(item.object, item.id, "en"),
                text_ja=title_of(item.object, item.id, "ja"),
                label=item.label,
                at=r.created_at,
                note=N_("Sent %(time)s"),
                what=NOTICE_NAMES.get(r.kind, r.kind),
            )
        )
    return Panel(
        key="coordination-notices",
        title=N_("Coordination notifications to acknowledge"),
        href="/coordination/notifications",
        count=counted.total,
        lines=tuple(lines),
        empty=N_("No notification waits for your body.")
        if signs
        else N_(
            "A member who may answer (an author or a coordinator) acknowledges the "
            "notices to your body; you read them under Notifications."
        ),
        labels=counted.labels,
    )


def _by_state(c: Coordination, conn: Connection, principal: Principal) -> Panel:
    source, pending, seen = _items(c, principal)
    deadline = deadline_of(pending)
    overdue = case((and_(deadline.is_not(None), deadline <= epoch()), 1), else_=0)
    counted = tally(conn, source, seen, coord_items.c.state, overdue)
    by_state: dict[str, list[int]] = {}
    for (state, late), n in counted.counts.items():
        figures = by_state.setdefault(state, [0, 0])
        figures[0] += n
        figures[1] += n if late else 0
    bars = tuple(
        Bar(
            STATE_NAMES[state],
            by_state[state][0],
            href=f"/coordination?state={state.value}",
            marked=by_state[state][1],
        )
        for state in ItemState
        if state.value in by_state
    )
    return Panel(
        key="coordination-states",
        title=N_("Coordination items by state"),
        href="/coordination",
        count=counted.total,
        chart=Chart(bars, marked_name=N_("Overdue")),
        empty=N_("No coordination item you may read."),
        labels=counted.labels,
    )
