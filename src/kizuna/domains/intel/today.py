"""The cell on a reader's start page: the intelligence (reports and assessments) new
since their last visit, and the intelligence of the last twelve weeks, week by week.

"New" means first held by this node (`objects.created_at`: written here or arrived
from a peer) after the reader's previous visit. A visit is a run of start-page views
with less than `VISIT_GAP` between them: within a visit the window stays put, so a
reader can open a report and come back to the same list; the next visit starts where
this one ended. A first visit counts the last `FIRST_WINDOW` as new, and says so: it
has no last visit to be new since.

Every figure is counted in SQL over the rows the reader may see (`visible`), with the
labels of what it counts (`kizuna.today.tally`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, FromClause, and_, case, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kizuna import clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.intel.schema import intel_visits
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from kizuna.store.access import current, visible
from kizuna.store.rows import COLUMNS, stored_from_row
from kizuna.today import Bar, Chart, Line, Panel, tally
from kizuna.web.i18n import N_

__all__ = ["FIRST_WINDOW", "INTEL_TYPES", "LINES", "VISIT_GAP", "WEEKS", "today", "visit"]

INTEL_TYPES = ("report", "x-kizuna-assessment")
VISIT_GAP = timedelta(minutes=30)
FIRST_WINDOW = timedelta(days=7)
WEEKS = 12
LINES = 10


def today(node: Node, principal: Principal) -> list[Panel]:
    with node.db.write() as conn:
        since, first = visit(conn, principal.name)
    with node.db.read() as conn:
        return [_new(node, conn, principal, since, first), _by_week(node, conn, principal)]


def visit(conn: Connection, username: str) -> tuple[str, bool]:
    """Record a view of the start page by `username` (in the caller's write
    transaction); returns the instant from which intelligence counts as new, and
    whether this is the reader's first visit."""
    now = clock.now()
    stamp = clock.format_ts(now)
    row = conn.execute(select(intel_visits).where(intel_visits.c.username == username)).first()
    if row is None:
        since = clock.format_ts(now - FIRST_WINDOW)
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        # Two tabs opened at once both see no row: the second insert is a no-op.
        conn.execute(
            dialect.insert(intel_visits)
            .values(username=username, seen_at=stamp, since=since, first_seen_at=stamp)
            .on_conflict_do_nothing(index_elements=[intel_visits.c.username])
        )
        return since, True
    since = row.since
    if now - clock.parse_ts(row.seen_at) >= VISIT_GAP:
        since = row.seen_at  # a new visit: new is what came after the last one
    conn.execute(
        update(intel_visits)
        .where(intel_visits.c.username == username)
        .values(seen_at=stamp, since=since)
    )
    # Only the first visit's window starts before the reader's first view.
    return str(since), since < row.first_seen_at


def _source() -> FromClause:
    return access.join(versions, versions.c.pk == access.c.version_pk).join(
        objects, objects.c.pk == access.c.object_pk
    )


def _seen(node: Node, principal: Principal) -> list[ColumnElement[bool]]:
    return [current(), visible(principal, node.store.bits), access.c.type.in_(INTEL_TYPES)]


def _new(node: Node, conn: Connection, principal: Principal, since: str, first: bool) -> Panel:
    source = _source()
    where = [*_seen(node, principal), objects.c.created_at > since]
    counted = tally(conn, source, where)
    rows = conn.execute(
        select(*COLUMNS, objects.c.created_at)
        .select_from(source)
        .where(*where)
        .order_by(objects.c.created_at.desc(), access.c.object_pk.desc())
        .limit(LINES)
    ).all()
    lines = []
    for r in rows:
        obj = stored_from_row(r)
        lines.append(
            Line(
                href=f"/objects/{obj.id}",
                text=str(obj.object.get("name") or obj.id),
                text_ja=str(obj.object.get("name_ja") or ""),
                label=obj.label,
                at=r.created_at,
                # Written here, or received from the partner's node.
                note=N_("Added %(time)s") if obj.origin == node.nation else N_("Received %(time)s"),
            )
        )
    return Panel(
        key="intel-new",
        title=N_("Intelligence of the last seven days")
        if first
        else N_("Intelligence new since your last visit"),
        href="/intel/reports",
        count=counted.total,
        lines=tuple(lines),
        note=N_("New since %(time)s."),
        since=since,
        empty=(
            N_("Nothing in the last seven days.")
            if first
            else N_("Nothing new since your last visit.")
        ),
        labels=counted.labels,
    )


def week_starts(now: datetime, weeks: int = WEEKS) -> list[datetime]:
    """Mondays 00:00 UTC: the first of `weeks` weeks ending with this one, and the
    start of the next week after them (`weeks + 1` bounds)."""
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return [monday - timedelta(weeks=weeks - 1 - n) for n in range(weeks + 1)]


def _by_week(node: Node, conn: Connection, principal: Principal) -> Panel:
    bounds = week_starts(clock.now())
    stamps = [clock.format_ts(b) for b in bounds]
    created = objects.c.created_at
    week = case(*((created < stamps[n + 1], n) for n in range(WEEKS)), else_=WEEKS)
    where = [*_seen(node, principal), and_(created >= stamps[0], created < stamps[-1])]
    counted = tally(conn, _source(), where, week)
    bars = tuple(
        Bar(f"{bounds[n].month}/{bounds[n].day}", counted.counts[(n,)]) for n in range(WEEKS)
    )
    return Panel(
        key="intel-weeks",
        title=N_("Intelligence by week"),
        href="/intel/reports",
        count=counted.total,
        chart=Chart(bars, kind="columns"),
        note=N_("Reports and assessments received, by week (from Monday, UTC)."),
        empty=N_("No intelligence in the last twelve weeks."),
        labels=counted.labels,
    )
