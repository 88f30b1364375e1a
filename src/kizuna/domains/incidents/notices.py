"""Notices and their rows: which bodies of this node's nation hear of a revision
(`route_in`), the notice itself, once per (event, addressee, revision) (`notify`), its
outbox rows (`queue`), and what an acknowledgement marks (`record_ack`). Each runs in
the caller's transaction: a rolled-back change notifies no one."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from kizuna import clock
from kizuna.db.schema import objects
from kizuna.domains.incidents.places import centre, check_geometry
from kizuna.domains.incidents.routing import Addressee
from kizuna.domains.incidents.schema import inc_deliveries, inc_notices, inc_steps
from kizuna.store import StoredObject

if TYPE_CHECKING:
    from kizuna.domains.incidents.service import Incidents

__all__ = ["notify", "queue", "record_ack", "route_in"]

TOKYO = ZoneInfo("Asia/Tokyo")


def epoch(value: Any = None) -> int:
    return int((value or clock.now()).timestamp())


def route_in(
    c: Incidents, conn: Connection, event_pk: int, body: dict[str, Any], msg_type: str
) -> int:
    """Notify this nation's addressees of one revision; returns how many notices
    were made (a notice already made for the revision is not made again)."""
    points = check_geometry(body["place"])
    told = c.routing.route(
        body["kind"], list(body["municipalities"]), centre(points), body.get("facility", "")
    )
    # Everyone told of an earlier revision hears of this one too.
    earlier = conn.execute(
        select(inc_notices.c.addressee, inc_notices.c.precedence)
        .where(inc_notices.c.event_pk == event_pk)
        .distinct()
    ).all()
    for addressee, precedence in earlier:
        told.setdefault(addressee, precedence)
    made = 0
    for addressee_id, precedence in sorted(told.items()):
        addressee = c.routing.addressees.get(addressee_id)
        if addressee is None or addressee.nation != c.node.nation:
            continue
        made += notify(
            c, conn, event_pk, addressee, int(body["revision"]), msg_type, precedence, body["kind"]
        )
    return made


def notify(
    c: Incidents,
    conn: Connection,
    event_pk: int,
    addressee: Addressee,
    revision: int,
    msg_type: str,
    precedence: str,
    kind: str,
) -> int:
    exists = conn.execute(
        select(inc_notices.c.pk).where(
            inc_notices.c.event_pk == event_pk,
            inc_notices.c.addressee == addressee.id,
            inc_notices.c.revision == revision,
        )
    ).first()
    if exists is not None:
        return 0
    now = clock.now()
    notice_pk = conn.execute(
        insert(inc_notices)
        .values(
            event_pk=event_pk,
            addressee=addressee.id,
            revision=revision,
            msg_type=msg_type,
            precedence=precedence,
            created_at=clock.format_ts(now),
            notified_at=epoch(now),
            acked_by=None,
            acked_at=None,
            ack_pk=None,
        )
        .returning(inc_notices.c.pk)
    ).scalar_one()
    queue(c, conn, notice_pk, addressee, "notice")
    # A newer revision supersedes the reminders of the older ones.
    older = select(inc_notices.c.pk).where(
        inc_notices.c.event_pk == event_pk,
        inc_notices.c.addressee == addressee.id,
        inc_notices.c.revision < revision,
    )
    conn.execute(
        update(inc_steps)
        .where(inc_steps.c.notice_pk.in_(older.scalar_subquery()), inc_steps.c.status == "pending")
        .values(status="cancelled", fired_at=clock.now_ts())
    )
    hours = c.routing.deadline(kind, precedence).acknowledge
    conn.execute(
        insert(inc_steps).values(
            notice_pk=notice_pk,
            kind="reminder",
            due_at=epoch(now + timedelta(hours=hours)),
            status="pending",
            fired_at=None,
        )
    )
    return 1


def queue(
    c: Incidents, conn: Connection, notice_pk: int, addressee: Addressee, reason: str
) -> None:
    """The notice's outbox rows: the body's address, the people on duty, the webhook."""
    on_duty = addressee.on_duty(clock.now().astimezone(TOKYO).time())
    mails = [addressee.email, *(p.email for p in on_duty)]
    targets = [("email", m) for m in dict.fromkeys(m for m in mails if m)]
    if addressee.webhook:
        targets.append(("webhook", addressee.webhook))
    if targets:
        conn.execute(
            insert(inc_deliveries),
            [
                {
                    "notice_pk": notice_pk,
                    "channel": channel,
                    "target": target,
                    "reason": reason,
                    "status": "pending",
                    "attempts": 0,
                    "claimed_at": None,
                    "sent_at": None,
                    "last_error": None,
                }
                for channel, target in targets
            ],
        )


def record_ack(c: Incidents, conn: Connection, event_pk: int, made: StoredObject) -> None:
    """Mark the notices an acknowledgement covers, and stop their reminders. An
    acknowledgement from a peer of a notice this node did not make gets a row of
    its own, so that the event's node shows who knew what, and when."""
    body = made.object
    ack_pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    covered = [
        inc_notices.c.event_pk == event_pk,
        inc_notices.c.addressee == body["addressee"],
        inc_notices.c.revision <= int(body["revision"]),
        inc_notices.c.acked_by.is_(None),
    ]
    conn.execute(
        update(inc_notices)
        .where(*covered)
        .values(acked_by=body["person"], acked_at=body["created"], ack_pk=ack_pk)
    )
    known = conn.execute(
        select(inc_notices.c.pk).where(
            inc_notices.c.event_pk == event_pk,
            inc_notices.c.addressee == body["addressee"],
            inc_notices.c.revision == int(body["revision"]),
        )
    ).first()
    if known is None:
        notified = clock.parse_ts(body["notified"])
        conn.execute(
            insert(inc_notices).values(
                event_pk=event_pk,
                addressee=body["addressee"],
                revision=int(body["revision"]),
                msg_type="Alert" if int(body["revision"]) == 1 else "Update",
                precedence="",
                created_at=body["notified"],
                notified_at=epoch(notified),
                acked_by=body["person"],
                acked_at=body["created"],
                ack_pk=ack_pk,
            )
        )
    mine = select(inc_notices.c.pk).where(
        inc_notices.c.event_pk == event_pk, inc_notices.c.addressee == body["addressee"]
    )
    conn.execute(
        update(inc_steps)
        .where(inc_steps.c.notice_pk.in_(mine.scalar_subquery()), inc_steps.c.status == "pending")
        .values(status="cancelled", fired_at=clock.now_ts())
    )
