"""The coordination mechanism's use cases: open an item, answer it, move it through its
lifecycle, escalate what is overdue or refused, record a nation's situation
determination and follow it with the deadlines of the items of its regions.

Every function takes the acting principal and runs as one transaction with its audit
entries. The item belongs to the node that opened it (single writer): each change of
state is a new version of it written by this node; an answer is an object of the
answering nation that points at the item. A partner user may write only answers, to
items whose answer their nation owes, at the item's own label.

Refusals: `Invalid` (422) names the field at fault; `Refused` (403) is audited;
`NotFound` (404) for an item missing or hidden; `IllegalTransition` (409) lists the
transitions the item may make now.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update
from statemachine.exceptions import TransitionNotAllowed

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import (
    OWNER,
    answers,
    determinations,
    escalation,
    opening,
    receipts,
    rfis,
    taskers,
    translation,
)
from kizuna.domains.coordination.escalation import Fired, epoch, iso_time
from kizuna.domains.coordination.inputs import (
    DeterminationCreate,
    DeterminationEnd,
    ItemCreate,
    ReplyCreate,
    ResponseCreate,
    RfiCreate,
    TaskerCreate,
    TaskStatusCreate,
    TranslationVerify,
)
from kizuna.domains.coordination.model import (
    OPEN_STATES,
    Action,
    Answer,
    Facts,
    ItemState,
    Lifecycle,
    ResponseKind,
)
from kizuna.domains.coordination.notify import Channel, InApp, Notice
from kizuna.domains.coordination.rules import body_of
from kizuna.domains.coordination.schema import coord_items, coord_responses, coord_steps
from kizuna.domains.coordination.structure import Structure, default_structure, load_structure
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, dominates
from kizuna.runtime import Node
from kizuna.store import Store, StoredObject, statements
from kizuna.store.access import current, visibility_params, visible, visible_bound
from kizuna.store.objects import COLUMNS, stored_from_row

__all__ = ["Coordination", "Fired", "IllegalTransition", "coordination", "epoch", "iso_time"]

# Transitions a user asks for; the others follow from answers and deadlines.
USER_EVENTS = ("propose", "decide", "close", "withdraw")

# An item's scheduling row when the caller may read its current version (built once,
# run with `visibility_params`: see `store.statements`); locked for a writer.
_ITEM = (
    select(coord_items, objects.c.stix_id)
    .select_from(
        objects.join(coord_items, coord_items.c.object_pk == objects.c.pk).join(
            access, and_(access.c.object_pk == objects.c.pk, current())
        )
    )
    .where(objects.c.stix_id == bindparam("stix_id"), visible_bound())
)
_ITEM_LOCKED = _ITEM.with_for_update(of=coord_items)


class IllegalTransition(Conflict):
    """The lifecycle does not allow this transition now; `legal` lists what it allows."""

    def __init__(self, event: str, state: str, legal: list[str]) -> None:
        allowed = ", ".join(legal) if legal else "none"
        super().__init__(
            f"an item that is {state} cannot {event}; legal now: {allowed}", field="event"
        )
        self.event, self.state, self.legal = event, state, legal


class Coordination:
    """The mechanism on one node: its structure, its channels, its store."""

    def __init__(self, node: Node, structure: Structure, channels: Iterable[Channel] = ()) -> None:
        self.node = node
        self.structure = structure
        self.channels: list[Channel] = [InApp(), *channels]

    @property
    def store(self) -> Store:
        return self.node.store

    # -- helpers -------------------------------------------------------------------------

    def deadline_seconds(
        self, conn: Connection, row: Any, in_force: list[tuple[str, Label]] | None = None
    ) -> int:
        """How long the item has to be answered: its precedence's deadline, or that of
        the most urgent determination in force in its region, whichever is shorter.

        A determination counts only where everyone who may read the item may read it
        (the item's label dominates the determination's): a deadline is part of the
        item, and must not tell its readers of a determination they may not read."""
        hours = self.structure.hours(row.precedence)
        item_label = self._label_of(conn, row)
        if in_force is None:
            in_force = determinations.in_force(conn, row.region, epoch())
        for kind, label in in_force:
            found = self.structure.determinations.get(kind)
            if found is not None and dominates(item_label, label):
                hours = min(hours, found.hours)
        return int(hours * 3600)

    def notify(self, conn: Connection, notices: list[Notice]) -> None:
        for channel in self.channels:
            channel.deliver(conn, notices)

    def _body(self, body_id: str, field: str) -> Any:
        return body_of(self.structure, body_id, field)

    def _member(
        self,
        principal: Principal,
        body_id: str,
        what: str,
        target: str | None,
        action: Action = Action.ITEM_WRITE,
    ) -> None:
        if principal.kind != "system" and body_id not in principal.bodies:
            raise Refused(
                f"{principal.name} is not a member of {body_id} and may not {what}",
                action=str(action),
                target=target,
            )

    def _author(self, principal: Principal, target: str | None) -> None:
        """Items are opened and moved by authors of this node's nation only; partner
        users answer them."""
        if principal.kind != "system" and (
            not principal.can(Permission.OBJECT_WRITE) or principal.nation != self.node.nation
        ):
            may = (
                f"may answer those addressed to {principal.nation}"
                if principal.can(Permission.OBJECT_ANSWER)
                else "reads them"
            )
            raise Refused(
                f"only authors of {self.node.nation} open and move coordination items; "
                f"{principal.name} {may}",
                action=str(Action.ITEM_WRITE),
                target=target,
            )

    def item_row(
        self, conn: Connection, principal: Principal, stix_id: str, *, lock: bool = False,
        named: str | None = None,
    ) -> Any:  # fmt: skip
        """The item's scheduling row, when its current version is visible to the
        principal; NotFound otherwise (the same for missing and hidden), or `Invalid`
        naming the field `named` when a field names the item (a tasker's, an RFI's).

        With `lock`, the row is locked for the transaction (PostgreSQL; SQLite's write
        transaction holds the whole database): every writer locks the item's row
        first, then its object and its steps, so two writers on one item queue in the
        same order and each sees the state the other left."""
        asked = {"stix_id": stix_id, **visibility_params(principal, self.store.bits)}
        row = conn.execute(_ITEM_LOCKED if lock else _ITEM, asked).first()
        if row is None and named:
            who = principal.name
            raise Invalid(f"{stix_id} names no coordination item {who} may read", field=named)
        if row is None:
            raise NotFound(f"no coordination item {stix_id}", field="id")
        return row

    def _current_body(self, conn: Connection, stix_id: str) -> dict[str, Any]:
        # Read as the node itself: it owns the item and is writing its next version.
        asked = statements.params(self.node.system, self.store.bits, stix_id)
        row = conn.execute(statements.CURRENT, asked).first()
        if row is None:
            raise NotFound(f"no coordination item {stix_id}", field="id")
        body: dict[str, Any] = json.loads(row.body)
        return body

    def _answers(self, conn: Connection, item_pk: int) -> tuple[Answer, ...]:
        rows = conn.execute(
            select(coord_responses.c.nation, coord_responses.c.kind, coord_responses.c.tier)
            .where(coord_responses.c.item_pk == item_pk, coord_responses.c.counted == 1)
            .order_by(coord_responses.c.object_pk)
        ).all()
        return tuple(Answer(r.nation, ResponseKind(r.kind), r.tier) for r in rows)

    def _facts(self, conn: Connection, row: Any) -> Facts:
        return Facts(
            state=row.state,
            tier=row.tier,
            needs=frozenset(n for n in row.needs.split(",") if n),
            answers=self._answers(conn, row.object_pk),
            can_climb=self.structure.next_rung(row.tier) is not None,
        )

    def legal_events(self, conn: Connection, row: Any) -> list[str]:
        machine = Lifecycle(self._facts(conn, row), state_field="state")
        return [event.id for event in machine.enabled_events()]

    def move(
        self,
        conn: Connection,
        actor: Principal,
        row: Any,
        event: str,
        changes: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Any:
        """One transition: checked by the lifecycle, written as a new version of the
        item and in its scheduling row, audited. Returns the updated row.

        `event` "record" is no transition: a version that only adds to the item's
        record of its answers (see `after_answer`)."""
        facts = self._facts(conn, row)
        before = facts.state
        if event != "record":
            machine = Lifecycle(facts, state_field="state")
            try:
                machine.send(event)
            except TransitionNotAllowed:
                raise IllegalTransition(event, before, self.legal_events(conn, row)) from None
        changes = dict(changes or {})
        body = self._current_body(conn, row.stix_id)
        for key, value in changes.items():
            if value == []:
                body.pop(key, None)  # STIX has no empty lists
                continue
            body[key] = sorted(value) if isinstance(value, frozenset) else value
        body["state"] = facts.state
        body["precedence"] = row.precedence
        pending = self.pending_step(conn, row.object_pk)
        if pending is not None and facts.state in OPEN_STATES:
            body["due"] = iso_time(pending.due_at)
        else:
            body.pop("due", None)
        body.pop("modified", None)
        made = self.store.revise_in(conn, actor, row.stix_id, body, owner=OWNER)
        values = {"state": facts.state, "updated_at": clock.now_ts()}
        for key in ("tier", "escalated_to", "needs"):
            if key in changes:
                value = changes[key]
                values[key] = ",".join(sorted(value)) if key == "needs" else value
        conn.execute(
            update(coord_items).where(coord_items.c.object_pk == row.object_pk).values(**values)
        )
        audit.append(
            conn,
            actor=actor.name,
            action=f"coordination.{event}",
            target=row.stix_id,
            detail={"from": before, "to": facts.state, "version": made.version, **(detail or {})},
        )
        return self.row_by_pk(conn, row.object_pk)

    def pending_step(self, conn: Connection, item_pk: int) -> Any:
        return conn.execute(
            select(coord_steps).where(
                coord_steps.c.item_pk == item_pk, coord_steps.c.status == "pending"
            )
        ).first()

    def schedule(self, conn: Connection, row: Any, *, tier: str, base: int, number: int) -> int:
        """The item's next deadline: `base` plus its deadline (`deadline_seconds`)."""
        due = base + self.deadline_seconds(conn, row)
        conn.execute(
            insert(coord_steps).values(
                item_pk=row.object_pk,
                number=number,
                reason="deadline",
                base_at=base,
                due_at=due,
                status="pending",
                from_tier=tier,
                to_body=None,
                fired_at=None,
            )
        )
        return due

    def _cancel_pending(self, conn: Connection, item_pk: int) -> None:
        conn.execute(
            update(coord_steps)
            .where(
                coord_steps.c.item_pk == item_pk,
                coord_steps.c.status.in_(("pending", "paused")),
            )
            .values(status="cancelled", fired_at=clock.now_ts())
        )

    def parties(self, row: Any) -> list[str]:
        bodies = [row.requesting_body, row.counterpart_body]
        bodies += self.structure.escalated_bodies(row.escalated_to)
        return list(dict.fromkeys(bodies))

    # -- opening (opening.py) ------------------------------------------------------------

    def open_item(self, principal: Principal, data: ItemCreate) -> StoredObject:
        """Open an item, and propose it unless asked not to (see opening.open_item)."""
        return opening.open_item(self, principal, data)

    def row_by_pk(self, conn: Connection, pk: int, *, lock: bool = False) -> Any:
        """The scheduling row of an item, for the node's own jobs (see `item_row`)."""
        query = (
            select(coord_items, objects.c.stix_id)
            .select_from(objects.join(coord_items, coord_items.c.object_pk == objects.c.pk))
            .where(coord_items.c.object_pk == pk)
        )
        if lock:
            query = query.with_for_update(of=coord_items)
        return conn.execute(query).one()

    def _label_of(self, conn: Connection, row: Any) -> Label:
        found = conn.execute(
            select(versions.c.rank, versions.c.rel_to, versions.c.compartments)
            .select_from(access.join(versions, versions.c.pk == access.c.version_pk))
            .where(access.c.object_pk == row.object_pk, current())
            .limit(1)
        ).one()
        return Label(
            found.rank,
            frozenset(n for n in found.rel_to.split(",") if n),
            frozenset(c for c in found.compartments.split("/") if c),
        )

    def store_get_in(self, conn: Connection, stix_id: str) -> StoredObject:
        row = conn.execute(
            select(*COLUMNS)
            .select_from(
                objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                    versions, versions.c.pk == access.c.version_pk
                )
            )
            .where(objects.c.stix_id == stix_id, visible(self.node.system, self.store.bits))
        ).first()
        if row is None:
            raise NotFound(f"no coordination item {stix_id}", field="id")
        return stored_from_row(row)

    # -- user transitions ----------------------------------------------------------------

    def transition(self, principal: Principal, stix_id: str, event: str) -> StoredObject:
        """Propose, decide, close or withdraw an item, as a member of its requesting
        body; IllegalTransition lists what the item may do now."""
        if event not in USER_EVENTS:
            raise Invalid(
                f"'{event}' is not a transition one asks for; ask for one of: "
                f"{', '.join(USER_EVENTS)}",
                field="event",
            )
        with self.store.transaction(principal) as conn:
            row = self.item_row(conn, principal, stix_id, lock=True)
            self._author(principal, stix_id)
            self._member(principal, row.requesting_body, f"{event} this item", stix_id)
            if event == "propose" and row.state == ItemState.DRAFT:
                return opening.propose(self, conn, principal, row)
            try:
                row = self.move(conn, principal, row, event)
            except IllegalTransition as exc:
                # Only what the caller may send: "review" and "escalate" follow from
                # answers and deadlines, and sent here they are refused.
                sendable = [e for e in exc.legal if e in USER_EVENTS]
                raise IllegalTransition(exc.event, exc.state, sendable) from None
            if row.state not in OPEN_STATES:
                self._cancel_pending(conn, row.object_pk)
            if event in ("decide", "withdraw"):
                self.notify(
                    conn,
                    [
                        Notice(b, "state", row.object_pk, {"state": row.state})
                        for b in self.parties(row)
                    ],
                )
            return self.store_get_in(conn, stix_id)

    # -- translation (translation.py) ----------------------------------------------------

    def verify_translation(
        self, principal: Principal, stix_id: str, data: TranslationVerify
    ) -> StoredObject:
        """Verify the item's translation (see translation.verify)."""
        return translation.verify(self, principal, stix_id, data)

    # -- answers -------------------------------------------------------------------------

    def respond(self, principal: Principal, stix_id: str, data: ResponseCreate) -> StoredObject:
        """Answer an item for one's nation (see answers.respond)."""
        return answers.respond(self, principal, stix_id, data)

    def after_answer(self, conn: Connection, row: Any, made: StoredObject) -> None:
        """Record an answer and, on the item's node, judge it (see answers.after_answer)."""
        answers.after_answer(self, conn, row, made)

    def answered(self, conn: Connection, row: Any, nation: str, modified: str) -> Any:
        return answers.answered(self, conn, row, nation, modified)

    def answers_elsewhere(self, conn: Connection, principal: Principal) -> bool:
        return answers.answers_elsewhere(self, conn, principal)

    def mark(self, conn: Connection, item_pk: int, record: dict[str, Any]) -> None:
        answers.mark(self, conn, item_pk, record)

    # -- determinations (determinations.py) ---------------------------------------------

    def determine(self, principal: Principal, data: DeterminationCreate) -> StoredObject:
        """Record a determination of this node's nation (see determinations.determine)."""
        return determinations.determine(self, principal, data)

    def end_determination(
        self, principal: Principal, stix_id: str, data: DeterminationEnd
    ) -> StoredObject:
        return determinations.end(self, principal, stix_id, data)

    def follow_determinations(self, conn: Connection, regions: Iterable[str]) -> int:
        """Set the pending deadline of every open item of `regions` anew."""
        return determinations.follow(self, conn, regions)

    # -- requests for information (rfis.py) ---------------------------------------------

    def ask(self, principal: Principal, data: RfiCreate) -> StoredObject:
        return rfis.ask(self, principal, data)

    def reply(self, principal: Principal, rfi_id: str, data: ReplyCreate) -> StoredObject:
        return rfis.reply(self, principal, rfi_id, data)

    def move_rfi(self, principal: Principal, rfi_id: str, event: str) -> StoredObject:
        return rfis.move(self, principal, rfi_id, event)

    # -- taskers (taskers.py) -------------------------------------------------------------

    def issue_tasker(self, principal: Principal, data: TaskerCreate) -> StoredObject:
        return taskers.issue(self, principal, data)

    def report_status(
        self, principal: Principal, tasker_id: str, data: TaskStatusCreate
    ) -> StoredObject:
        return taskers.report(self, principal, tasker_id, data)

    def scan_taskers(self, *, limit: int = 500) -> list[taskers.Escalated]:
        return taskers.scan(self, limit=limit)

    def acknowledge_receipt(self, principal: Principal, of: str, body: str) -> StoredObject:
        return receipts.acknowledge(self, principal, of, body)

    # -- escalation (escalation.py) -----------------------------------------------------

    def due_steps(self, conn: Connection, now: int, limit: int) -> list[Any]:
        """Pending steps due by `now`, earliest first: a range over one index."""
        return escalation.due_steps(conn, now, limit)

    def scan(self, *, limit: int = 500) -> list[Fired]:
        """Act on every due escalation step, each exactly once (see escalation.scan)."""
        return escalation.scan(self, limit=limit)


def coordination(node: Node) -> Coordination:
    """The node's mechanism, built once: the structure file from the settings (or the
    shipped one), checked on load."""
    found = node.extras.get("coordination")
    if isinstance(found, Coordination):
        return found
    path = getattr(node.settings, "alliance_file", None)
    structure = load_structure(path, node.policy) if path else default_structure(node.policy)
    made = Coordination(node, structure)
    node.extras["coordination"] = made
    return made
