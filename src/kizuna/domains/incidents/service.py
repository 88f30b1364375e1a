"""The incidents mechanism's use cases: record an event, update it, close or cancel it,
compose and release its public version, acknowledge a notice; and route each revision
to the addressees the rules name.

Every function takes the acting principal and runs as one transaction with its audit
entries. An event belongs to the node that recorded it (single writer); each update is
a new version, the next revision. Each node notifies the addressees of its own nation,
for events recorded here and for those arriving from a peer (see `federation.py`); a
notice is one (event, addressee, revision), made once however often it is routed.

Refusals: `Invalid` (422) names the field at fault; `Refused` (403) is audited;
`NotFound` (404) for an event missing or hidden; `Conflict` (409) for a notice
already acknowledged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.incidents import OWNER, notices, public
from kizuna.domains.incidents.delivery import Delivered, IncidentSettings, deliver_pending
from kizuna.domains.incidents.model import (
    ACK_TYPE,
    EVENT_TYPE,
    AckCreate,
    Action,
    CancelRequest,
    EventCreate,
    EventStatus,
    EventUpdate,
    PublicCreate,
)
from kizuna.domains.incidents.public import public_id_of
from kizuna.domains.incidents.routing import Addressee, Routing, default_routing, load_routing
from kizuna.domains.incidents.rules import check_event, event_problems, refuse
from kizuna.domains.incidents.schema import inc_deliveries, inc_events, inc_notices
from kizuna.domains.incidents.withdrawal import UNSENT
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal, roles_needed
from kizuna.labels import LabelError, parse
from kizuna.runtime import Node
from kizuna.store import Store, StoredObject, rules
from kizuna.store.access import current, visible

__all__ = ["Incidents", "incidents", "public_id_of"]


def _zone(value: datetime, field: str) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise Invalid(f"the {field} time needs its zone, e.g. 2026-12-05T09:00+09:00", field=field)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class Incidents:
    """The mechanism on one node: its routing rules, its settings, its store."""

    def __init__(self, node: Node, routing: Routing, settings: IncidentSettings) -> None:
        self.node = node
        self.routing = routing
        self.settings = settings

    @property
    def store(self) -> Store:
        return self.node.store

    # -- reads for writing ---------------------------------------------------------------

    def event_row(
        self, conn: Connection, principal: Principal, stix_id: str, *, lock: bool = False
    ) -> Any:
        """The event's row and current body, when visible to the principal; NotFound
        otherwise (the same for missing and hidden)."""
        query = (
            select(inc_events, objects.c.stix_id, objects.c.origin, versions.c.body)
            .select_from(
                objects.join(inc_events, inc_events.c.object_pk == objects.c.pk)
                .join(access, and_(access.c.object_pk == objects.c.pk, current()))
                .join(versions, versions.c.pk == access.c.version_pk)
            )
            .where(objects.c.stix_id == stix_id, visible(principal, self.store.bits))
        )
        if lock:
            query = query.with_for_update(of=inc_events)
        row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"no event {stix_id}", field="id")
        return row

    def _author(self, principal: Principal, target: str | None) -> None:
        if not rules.may(principal, Permission.OBJECT_WRITE, self.node.nation):
            also = (
                f"; {principal.name} may acknowledge those addressed to their body"
                if self.acknowledging_for(principal)
                else ""
            )
            # Raised in a store transaction: the store audits it, as every refusal.
            with self.store.transaction(principal):
                raise Refused(
                    f"only authors of {self.node.nation} record and update events on this node"
                    + also,
                    action=str(Action.EVENT_WRITE),
                    target=target,
                )

    def acknowledging_for(self, principal: Principal) -> list[str]:
        """The addressees the principal acknowledges for: the bodies of the routing they
        belong to, when their role lets them answer (an acknowledgement is an answer:
        a reader is told, and does not sign for the body). Pages offer the form, and
        the start page lists notices, for these bodies only."""
        if principal.kind != "system" and not principal.can(Permission.OBJECT_ANSWER):
            return []
        return sorted(b for b in principal.bodies if b in self.routing.addressees)

    # -- recording -----------------------------------------------------------------------

    def record(self, principal: Principal, data: EventCreate) -> StoredObject:
        """Record an event (revision 1) and notify, in the same transaction, every
        addressee of this nation the rules name (an Alert each)."""
        self._author(principal, None)
        # Every field at fault is named at once: the label's with the event's own.
        problems: list[Invalid] = []
        try:
            label = parse(self.node.policy, data.label, originator=self.node.nation)
        except LabelError as exc:
            problems.append(Invalid(str(exc), field="label"))
        body: dict[str, Any] = {
            "type": EVENT_TYPE,
            "name": data.title_en,
            "name_ja": data.title_ja,
            "kind": data.kind,
            "occurred": clock.format_ts(data.occurred) if data.occurred.tzinfo else "",
            "occurred_zone": _zone(data.occurred, "occurred"),
            "learned": clock.format_ts(data.learned) if data.learned.tzinfo else "",
            "learned_zone": _zone(data.learned, "learned"),
            "place": data.place.geometry,
            "prefecture": data.place.municipalities[0][:2],
            "municipalities": data.place.municipalities,
            "people_hurt": data.people_hurt,
            "status": EventStatus.OPEN.value,
            "revision": 1,
        }
        optional = {
            "facility": data.place.facility,
            "unit": data.unit,
            "damage": data.damage,
            "release_substance": data.release_substance,
            "release_amount": data.release_amount,
            "description": data.description_en,
            "description_ja": data.description_ja,
            "exercise": data.exercise,
        }
        body.update({k: v for k, v in optional.items() if v})
        refuse(problems + event_problems(self.routing, body))
        with self.store.transaction(principal) as conn:
            made = self.store.create_in(conn, principal, body, label, owner=OWNER)
            pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
            self.mirror(conn, pk, made.object)
            told = self.route_in(conn, pk, made.object, "Alert")
            audit.append(
                conn,
                actor=principal.name,
                action="incidents.record",
                target=made.id,
                detail={"kind": data.kind, "notified": told},
            )
            return made

    def mirror(self, conn: Connection, pk: int, body: dict[str, Any]) -> None:
        """The event's row, rewritten with each version (recorded here or arrived)."""
        values = {
            "kind": body["kind"],
            "status": body["status"],
            "revision": int(body["revision"]),
            "prefecture": body["prefecture"],
            "municipalities": ",".join(body["municipalities"]),
            "occurred_at": body["occurred"],
            "learned_at": body["learned"],
            "updated_at": clock.now_ts(),
        }
        known = conn.execute(
            select(inc_events.c.object_pk).where(inc_events.c.object_pk == pk)
        ).first()
        if known is None:
            conn.execute(
                insert(inc_events).values(object_pk=pk, recorded_at=clock.now_ts(), **values)
            )
        else:
            conn.execute(update(inc_events).where(inc_events.c.object_pk == pk).values(**values))

    def _revise(
        self,
        principal: Principal,
        stix_id: str,
        change: dict[str, Any],
        msg_type: str,
        action: str,
        also: Callable[[Connection], StoredObject | None] | None = None,
    ) -> StoredObject:
        """The event's next revision and its notices; `also` writes what follows from it
        in the same transaction (a cancel's public version), named in the audit entry."""
        self._author(principal, stix_id)
        with self.store.transaction(principal) as conn:
            row = self.event_row(conn, principal, stix_id, lock=True)
            previous = json.loads(row.body)
            if msg_type == "Cancel" and previous.get("status") == EventStatus.CANCELLED:
                # A second cancel (a stale page, a retry) is told what happened, not
                # that an update was refused.
                raise Invalid(f"the event {stix_id} is already cancelled", field="status")
            body = {**previous, **change, "revision": int(previous["revision"]) + 1}
            body.pop("modified", None)
            check_event(self.routing, body, previous)
            made = self.store.revise_in(conn, principal, stix_id, body, owner=OWNER)
            self.mirror(conn, row.object_pk, made.object)
            told = self.route_in(conn, row.object_pk, made.object, msg_type)
            detail: dict[str, Any] = {"revision": body["revision"], "notified": told}
            followed = also(conn) if also is not None else None
            if followed is not None:
                detail["public"] = {"id": followed.id, "version": followed.version}
            audit.append(conn, actor=principal.name, action=action, target=stix_id, detail=detail)
            return made

    def update(self, principal: Principal, stix_id: str, data: EventUpdate) -> StoredObject:
        """A follow-up (the next revision, an Update to the same addressees and any the
        rules now add); `closing` makes it the closing report."""
        fields = {
            "name": data.title_en,
            "name_ja": data.title_ja,
            "people_hurt": data.people_hurt,
            "damage": data.damage,
            "release_substance": data.release_substance,
            "release_amount": data.release_amount,
            "description": data.description_en,
            "description_ja": data.description_ja,
        }
        change: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
        if data.closing:
            change.update(status=EventStatus.CLOSED.value, closing_report=True)
        if not change:
            raise Invalid("an update changes at least one field", field="body")
        return self._revise(principal, stix_id, change, "Update", "incidents.update")

    def cancel(self, principal: Principal, stix_id: str, data: CancelRequest) -> StoredObject:
        """Cancel an event recorded in error: a Cancel to everyone told of it, and, in
        the same transaction, its public version (if released) marked cancelled, with
        the reason given for the public (see `public.cancel_in`)."""
        change = {"status": EventStatus.CANCELLED.value, "cancel_reason": data.reason_en}
        if data.reason_ja:
            change["cancel_reason_ja"] = data.reason_ja
        self._author(principal, stix_id)
        public.check_cancel(self, principal, stix_id, data)
        return self._revise(
            principal,
            stix_id,
            change,
            "Cancel",
            "incidents.cancel",
            also=lambda conn: public.cancel_in(self, conn, principal, stix_id, data),
        )

    # -- routing and acknowledgement rows (notices.py) -----------------------------------

    def route_in(self, conn: Connection, event_pk: int, body: dict[str, Any], msg_type: str) -> int:
        return notices.route_in(self, conn, event_pk, body, msg_type)

    def notify(
        self,
        conn: Connection,
        event_pk: int,
        addressee: Addressee,
        revision: int,
        msg_type: str,
        precedence: str,
        kind: str,
    ) -> int:
        return notices.notify(self, conn, event_pk, addressee, revision, msg_type, precedence, kind)

    def queue(self, conn: Connection, notice_pk: int, addressee: Addressee, reason: str) -> None:
        notices.queue(self, conn, notice_pk, addressee, reason)

    def record_ack(self, conn: Connection, event_pk: int, made: StoredObject) -> None:
        notices.record_ack(self, conn, event_pk, made)

    def failing(self) -> tuple[int, str | None]:
        """Messages not sent after failed attempts, and the last error of one: what an
        operator must hear of (a relay down keeps every notice from its addressees)."""
        with self.node.db.read() as conn:
            # A message withdrawn (its event left this node) is no longer waited for.
            stuck = inc_deliveries.c.status.in_(UNSENT) & (inc_deliveries.c.attempts > 0)
            count = conn.execute(select(func.count()).where(stuck)).scalar_one()
            last = conn.execute(
                select(inc_deliveries.c.last_error)
                .where(stuck, inc_deliveries.c.last_error.is_not(None))
                .order_by(inc_deliveries.c.pk.desc())
                .limit(1)
            ).scalar()
        return int(count), last

    def deliver(self) -> Delivered:
        """Send what the outbox holds (after the change that queued it committed)."""
        return deliver_pending(
            self.node.db,
            self.settings,
            self.node.key,
            self.routing,
            system=self.node.system,
            bits=self.store.bits,
        )

    # -- public version (public.py) -----------------------------------------------------

    def release_public(
        self, principal: Principal, stix_id: str, data: PublicCreate
    ) -> StoredObject:
        """Compose and release the event's public version (see `public.release`)."""
        return public.release(self, principal, stix_id, data)

    def public_of(self, conn: Connection, stix_id: str) -> str | None:
        return public.public_of(conn, stix_id)

    # -- acknowledgement -----------------------------------------------------------------

    def acknowledge(self, principal: Principal, stix_id: str, data: AckCreate) -> StoredObject:
        """A person acknowledges, for a body they belong to, the latest notice of an
        event to that body (and any earlier one still open). The acknowledgement is
        an object of their nation at the event's label: it travels to the event's
        node like an answer."""
        addressee = self.routing.addressee(data.addressee)
        with self.store.transaction(principal) as conn:
            if principal.kind != "system" and addressee.id not in principal.bodies:
                raise Refused(
                    f"{principal.name} is not a member of {addressee.id} and may not "
                    "acknowledge for it",
                    action=str(Action.ACK_WRITE),
                    target=stix_id,
                )
            if principal.kind != "system" and not principal.can(Permission.OBJECT_ANSWER):
                raise Refused(
                    f"{principal.name} may not acknowledge for {addressee.id}: "
                    f"it needs {roles_needed(Permission.OBJECT_ANSWER)}",
                    action=str(Action.ACK_WRITE),
                    target=stix_id,
                )
            row = self.event_row(conn, principal, stix_id, lock=True)
            notice = conn.execute(
                select(inc_notices)
                .where(
                    inc_notices.c.event_pk == row.object_pk,
                    inc_notices.c.addressee == addressee.id,
                )
                .order_by(inc_notices.c.revision.desc())
                .limit(1)
            ).first()
            if notice is None:
                raise Invalid(f"this event was not notified to {addressee.id}", field="addressee")
            if notice.acked_by is not None:
                raise Conflict(
                    f"revision {notice.revision} was acknowledged for {addressee.id} by "
                    f"{notice.acked_by} at {notice.acked_at}",
                    field="addressee",
                )
            ack: dict[str, Any] = {
                "type": ACK_TYPE,
                "incident": stix_id,
                "addressee": addressee.id,
                "revision": notice.revision,
                "nation": principal.nation,
                "person": principal.name,
                "notified": notice.created_at,
            }
            if data.comment:
                ack["comment"] = data.comment
            made = self.store.answer_in(conn, principal, ack, answers=stix_id, owner=OWNER)
            self.record_ack(conn, row.object_pk, made)
            audit.append(
                conn,
                actor=principal.name,
                action="incidents.acknowledge",
                target=stix_id,
                detail={"addressee": addressee.id, "revision": notice.revision, "ack": made.id},
            )
            return made

    # -- reminders and escalation (escalation.py) ----------------------------------------

    def scan(self) -> list[Any]:
        from kizuna.domains.incidents import escalation

        fired = escalation.scan(self)
        self.deliver()
        return fired


def incidents(node: Node) -> Incidents:
    """The node's mechanism, built once: the routing file from KIZUNA_INCIDENT_ROUTING_FILE
    (or the shipped one), checked on load."""
    found = node.extras.get("incidents")
    if isinstance(found, Incidents):
        return found
    settings = IncidentSettings()
    nations = tuple(sorted(node.policy.nations))
    routing = (
        load_routing(settings.routing_file, nations)
        if settings.routing_file
        else default_routing(nations)
    )
    made = Incidents(node, routing, settings)
    node.extras["incidents"] = made
    return made
