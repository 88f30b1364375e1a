"""What the pages and the REST routes read: the board, an event with its timeline and
CAP documents, the figures by month, kind, prefecture and municipality, the public
versions. Every read joins the store's visibility condition in SQL: rows of the
mechanism's tables are shown only beside an event the reader may see, and the public
reads run as an anonymous reader who holds nothing above UNCLASSIFIED.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.incidents import cap
from kizuna.domains.incidents.model import (
    ACK_TYPE,
    EVENT_TYPE,
    PUBLIC_TYPE,
    EventStatus,
    public_cancel_reason,
)
from kizuna.domains.incidents.schema import inc_deliveries, inc_events, inc_notices
from kizuna.domains.incidents.service import Incidents, public_id_of
from kizuna.domains.incidents.withdrawal import UNSENT
from kizuna.errors import NotFound
from kizuna.identity.principal import Principal
from kizuna.labels import Clearance, Label
from kizuna.store import StoredObject
from kizuna.store.access import current, visible
from kizuna.store.objects import COLUMNS, stored_from_row
from kizuna.store.rows import LABEL_COLUMNS, label_of_row

__all__ = [
    "BoardRow",
    "NoticeRow",
    "acknowledgements",
    "board",
    "cap_documents",
    "event_history",
    "figures",
    "notices",
    "public_cap",
    "public_of_event",
    "public_reader",
    "public_version",
    "public_versions",
]

BOARD_LIMIT = 500


# Aliases made once: a new alias builds its column collection again on first use.
_EVENTS = objects.alias("events")


@dataclass(frozen=True)
class BoardRow:
    event: StoredObject
    status: str
    kind: str
    revision: int
    notices: int
    unacknowledged: int


@dataclass(frozen=True)
class NoticeRow:
    addressee: str
    revision: int
    msg_type: str
    precedence: str
    notified_at: str
    acked_by: str | None
    acked_at: str | None
    record_to_notice: float | None
    record_to_ack: float | None
    # Its messages (mail, webhooks): sent, and waiting after failed attempts (walk 37:
    # a relay that refused every message left no trace on any page).
    sent: int = 0
    failing: int = 0
    attempts: int = 0
    # Not sent yet, tried or not: a message waits from the notice on (walk 38: a fresh
    # notice's cell stayed empty until the first attempt failed).
    waiting: int = 0


def public_reader(c: Incidents) -> Principal:
    """Who reads the public page and feed: nobody signed in, UNCLASSIFIED only."""
    policy = c.node.policy
    return Principal(
        name="public",
        clearance=Clearance(nation=c.node.nation, rank=policy.lowest.rank),
    )


def _current(principal: Principal, c: Incidents) -> Any:
    return (
        objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
            versions, versions.c.pk == access.c.version_pk
        )
    ), visible(principal, c.store.bits)


def board(c: Incidents, principal: Principal, *, limit: int = 200) -> list[BoardRow]:
    """Events the principal may see: open ones with unacknowledged notices first."""
    joined, seen = _current(principal, c)
    unacked = (
        select(func.count())
        .where(inc_notices.c.event_pk == objects.c.pk, inc_notices.c.acked_by.is_(None))
        .scalar_subquery()
    )
    total = select(func.count()).where(inc_notices.c.event_pk == objects.c.pk).scalar_subquery()
    query = (
        select(
            *COLUMNS,
            inc_events.c.status,
            inc_events.c.kind.label("event_kind"),
            inc_events.c.revision,
            unacked.label("unacked"),
            total.label("total"),
        )
        .select_from(joined.join(inc_events, inc_events.c.object_pk == objects.c.pk))
        .where(seen)
        .order_by(
            case((inc_events.c.status == "open", 0), else_=1),
            case((unacked > 0, 0), else_=1),
            inc_events.c.occurred_at.desc(),
        )
        .limit(min(limit, BOARD_LIMIT))
    )
    with c.node.db.read() as conn:
        found = conn.execute(query).all()
    return [
        BoardRow(stored_from_row(r), r.status, r.event_kind, r.revision, r.total, r.unacked)
        for r in found
    ]


def event_history(c: Incidents, principal: Principal, stix_id: str) -> list[StoredObject]:
    """The versions of an event the principal may see, oldest first. NotFound, the same
    for each, when the id is missing, hidden or of another type: every route under
    /events/{id} reads through here, and an assessment is no event (walk: its CAP was
    a 500, its page rendered it as an incident)."""
    history = c.store.history(principal, stix_id)
    if history[-1].type != EVENT_TYPE:
        raise NotFound(f"no event {stix_id}", field="id")
    return history


def notices(c: Incidents, principal: Principal, stix_id: str) -> list[NoticeRow]:
    """Who was told of the event, when, and who acknowledged, when; with the latency
    from the event's record (its first version) to each notice and acknowledgement."""
    event = event_history(c, principal, stix_id)[0]
    recorded = _ts(event.object["created"])
    of_notice = inc_deliveries.c.notice_pk == inc_notices.c.pk
    sent = select(func.count()).where(of_notice, inc_deliveries.c.status == "sent")
    # A message withdrawn (withdrawal.py) neither waits nor fails.
    unsent = inc_deliveries.c.status.in_(UNSENT)
    failing = select(func.count()).where(of_notice, unsent, inc_deliveries.c.attempts > 0)
    attempts = select(func.coalesce(func.max(inc_deliveries.c.attempts), 0)).where(
        of_notice, unsent
    )
    waiting = select(func.count()).where(of_notice, unsent)
    with c.node.db.read() as conn:
        rows = conn.execute(
            select(
                inc_notices,
                sent.scalar_subquery().label("sent"),
                failing.scalar_subquery().label("failing"),
                attempts.scalar_subquery().label("attempts"),
                waiting.scalar_subquery().label("waiting"),
            )
            .join(objects, objects.c.pk == inc_notices.c.event_pk)
            .where(objects.c.stix_id == stix_id)
            .order_by(inc_notices.c.created_at, inc_notices.c.addressee, inc_notices.c.revision)
        ).all()
    return [
        NoticeRow(
            r.addressee,
            r.revision,
            r.msg_type,
            r.precedence,
            r.created_at,
            r.acked_by,
            r.acked_at,
            round(_ts(r.created_at) - recorded, 3),
            round(_ts(r.acked_at) - recorded, 3) if r.acked_at else None,
            r.sent,
            r.failing,
            r.attempts,
            r.waiting,
        )
        for r in rows
    ]


def _ts(value: str) -> float:
    from kizuna import clock

    return clock.parse_ts(value).timestamp()


def acknowledgements(c: Incidents, principal: Principal, stix_id: str) -> list[StoredObject]:
    """The acknowledgements of an event the principal may see (each by its own label)."""
    joined, seen = _current(principal, c)
    events = _EVENTS
    with c.node.db.read() as conn:
        rows = conn.execute(
            select(*COLUMNS)
            .select_from(joined)
            .where(
                seen,
                access.c.type == ACK_TYPE,
                objects.c.pk.in_(
                    select(inc_notices.c.ack_pk)
                    .join(events, events.c.pk == inc_notices.c.event_pk)
                    .where(events.c.stix_id == stix_id)
                ),
            )
            .order_by(objects.c.pk)
        ).all()
    return [stored_from_row(r) for r in rows]


def cap_documents(c: Incidents, principal: Principal, stix_id: str) -> list[str]:
    """One CAP 1.2 document per revision the principal may see, oldest first."""
    history = event_history(c, principal, stix_id)
    earlier: list[tuple[int, str]] = []
    made = []
    for version in history:
        body = version.object
        sent = str(body.get("modified", body["created"]))
        made.append(
            cap.alert(
                body,
                nation=version.origin,
                sent=sent,
                earlier=list(earlier),
                restriction=version.label_text,
                sender_name=f"Kizuna {version.origin}",
                english=c.routing.english_names(),
            )
        )
        earlier.append((int(body["revision"]), sent))
    return made


def public_versions(c: Incidents, *, limit: int = 100) -> list[StoredObject]:
    """Released public versions, newest first, as the anonymous public reader sees them."""
    joined, seen = _current(public_reader(c), c)
    with c.node.db.read() as conn:
        rows = conn.execute(
            select(*COLUMNS)
            .select_from(joined)
            .where(seen, access.c.type == PUBLIC_TYPE)
            .order_by(objects.c.pk.desc())
            .limit(limit)
        ).all()
    return [stored_from_row(r) for r in rows]


@dataclass(frozen=True)
class Figures:
    by_month_kind: dict[tuple[str, str], int]
    by_month_prefecture: dict[tuple[str, str], int]
    by_municipality: dict[str, int]
    # Every label the counts come from: the page's banner covers them all.
    labels: list[Label]


def figures(c: Incidents, principal: Principal) -> Figures:
    """Counts of the events the principal may see (the map and the monthly chart)."""
    joined, seen = _current(principal, c)
    with c.node.db.read() as conn:
        rows = conn.execute(
            select(
                inc_events.c.kind,
                inc_events.c.prefecture,
                inc_events.c.municipalities,
                inc_events.c.occurred_at,
            )
            .select_from(joined.join(inc_events, inc_events.c.object_pk == objects.c.pk))
            .where(seen, inc_events.c.status != "cancelled")
        ).all()
        labels = conn.execute(
            select(*LABEL_COLUMNS)
            .distinct()
            .select_from(joined.join(inc_events, inc_events.c.object_pk == objects.c.pk))
            .where(seen, inc_events.c.status != "cancelled")
        ).all()
    kinds: Counter[tuple[str, str]] = Counter()
    prefectures: Counter[tuple[str, str]] = Counter()
    places: Counter[str] = Counter()
    for r in rows:
        month = r.occurred_at[:7]
        kinds[(month, r.kind)] += 1
        prefectures[(month, r.prefecture)] += 1
        for code in r.municipalities.split(","):
            places[code] += 1
    return Figures(dict(kinds), dict(prefectures), dict(places), [label_of_row(r) for r in labels])


def public_version(c: Incidents, stix_id: str) -> StoredObject:
    """One released public version, as the anonymous public reader sees it."""
    joined, seen = _current(public_reader(c), c)
    with c.node.db.read() as conn:
        row = conn.execute(
            select(*COLUMNS)
            .select_from(joined)
            .where(seen, access.c.type == PUBLIC_TYPE, objects.c.stix_id == stix_id)
        ).first()
    if row is None:
        raise NotFound(f"no public version {stix_id}", field="id")
    return stored_from_row(row)


def public_of_event(c: Incidents, principal: Principal, stix_id: str) -> StoredObject | None:
    """The event's public version, if released and visible to the principal (the
    event page's sign of it and link to it)."""
    joined, seen = _current(principal, c)
    with c.node.db.read() as conn:
        row = conn.execute(
            select(*COLUMNS)
            .select_from(joined)
            .where(seen, access.c.type == PUBLIC_TYPE, objects.c.stix_id == public_id_of(stix_id))
        ).first()
    return stored_from_row(row) if row is not None else None


def public_cap(c: Incidents, public: StoredObject) -> str:
    """A public version as a Public CAP 1.2 alert (its version is its revision): an
    Alert, then an Update for each new text and a Cancel once the event is cancelled,
    each naming in `references` every earlier public version this node holds (read as
    the public reads them: they are all UNCLASSIFIED, releasable to all)."""
    body = {**public.object, "revision": public.version}
    if body.get("status") == EventStatus.CANCELLED:
        # A Cancel says why in each block: the public reason, or the fact alone.
        body["cancel_reason"] = public_cancel_reason(body, "en")
        body["cancel_reason_ja"] = public_cancel_reason(body, "ja")
    seen = {v.version: v.modified for v in c.store.history(public_reader(c), public.id)}
    earlier = sorted((n, at) for n, at in seen.items() if n < public.version)
    return cap.alert(
        body,
        nation=public.origin,
        sent=public.modified,
        earlier=earlier,
        restriction=None,
        sender_name=f"Kizuna {public.origin}",
        english=c.routing.english_names(),
    )
