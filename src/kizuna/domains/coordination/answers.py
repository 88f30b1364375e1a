"""Answers to coordination items: writing one, and judging it on the item's node.

A nation answers each version of an item once (a second answer is refused with 409;
a new one waits for the item's next version). The item's node alone judges whether
an answer counts (`_judge`), for an answer written there and for one that arrives
from the partner alike, and writes its verdict into the item's next version
(`counted_responses`, `uncounted_responses`): every node that holds the item takes
each answer's fate from that record (`mark`), so that all show the same answers, the
same verdicts and the same state, whatever order things happened in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, insert, select, update

from kizuna import clock
from kizuna.db.schema import objects, versions
from kizuna.domains.coordination import OWNER
from kizuna.domains.coordination.escalation import epoch
from kizuna.domains.coordination.inputs import ResponseCreate
from kizuna.domains.coordination.model import (
    ACCEPTING,
    RESPONSE_TYPE,
    Action,
    ResponseKind,
    events_after_answer,
)
from kizuna.domains.coordination.notify import Notice
from kizuna.domains.coordination.schema import coord_responses, coord_steps
from kizuna.errors import Conflict, Invalid, Refused
from kizuna.federation.schema import peers
from kizuna.identity.principal import Principal
from kizuna.store import StoredObject

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["after_answer", "answered", "answers_elsewhere", "mark", "respond"]


def respond(
    c: Coordination, principal: Principal, stix_id: str, data: ResponseCreate
) -> StoredObject:
    """Answer an item for one's nation: concur, concur with comments, non-concur
    (with its reason) or ask for information. The item then moves on in the same
    transaction: in review, concurred, non-concurred, or decided when escalated.

    A nation answers each version of an item once (409 for a second answer: a new
    one waits for the item's next version). A nation with its own node peered
    with this one answers there, so that both nodes hold every answer."""
    comment = data.comment.strip()
    if data.kind in (ResponseKind.NON_CONCUR, ResponseKind.REQUEST_FOR_INFORMATION) and not comment:
        what = "the reason" if data.kind == ResponseKind.NON_CONCUR else "the question"
        raise Invalid(f"a {data.kind.value} needs {what} in 'comment'", field="comment")
    with c.store.transaction(principal) as conn:
        row = c.item_row(conn, principal, stix_id, lock=True)
        needs = set(row.needs.split(","))
        if principal.nation not in needs:
            requester = c.node.nation
            if principal.nation == requester:
                message = (
                    f"{requester} requested this item: it needs the answer of "
                    f"{', '.join(sorted(needs))}, not its own"
                )
            else:
                message = f"this item needs no answer from {principal.nation}"
            raise Invalid(message, field="nation")
        _on_own_node(c, conn, principal, stix_id)
        if row.state not in ACCEPTING:
            raise Conflict(
                f"the item is {row.state}; it takes answers when proposed, in review or escalated",
                field="id",
            )
        version = c.store_get_in(conn, stix_id)
        earlier = answered(c, conn, row, principal.nation, version.modified)
        if earlier is not None:
            raise Conflict(
                f"{principal.nation} has already answered version {version.version} of "
                f"this item ({earlier.kind}, {earlier.stix_id}); one answer per nation "
                "per item version: a new answer waits for the item's next version",
                field="kind",
            )
        if data.responding_body is not None:
            body = c._body(data.responding_body, "responding_body")
            if not body.bilateral and body.nation != principal.nation:
                raise Invalid(
                    f"'{body.id}' is a body of {body.nation}, not of {principal.nation}",
                    field="responding_body",
                )
            c._member(principal, body.id, "answer for it", stix_id, Action.RESPONSE_WRITE)
        answer: dict[str, Any] = {
            "type": RESPONSE_TYPE,
            "coordination_item": stix_id,
            "kind": data.kind.value,
            "nation": principal.nation,
            "tier": row.tier,
            "item_modified": version.modified,
        }
        if comment:
            answer["comment"] = comment
        if data.responding_body:
            answer["responding_body"] = data.responding_body
        made = c.store.answer_in(conn, principal, answer, answers=stix_id, owner=OWNER)
        after_answer(c, conn, row, made)
        return made


def answers_elsewhere(c: Coordination, conn: Connection, principal: Principal) -> bool:
    """Whether the principal's nation has its own node, peered with this one."""
    if principal.nation == c.node.nation:
        return False
    found = conn.execute(select(peers.c.nation).where(peers.c.nation == principal.nation))
    return found.first() is not None


def _on_own_node(c: Coordination, conn: Connection, principal: Principal, stix_id: str) -> None:
    """A partner whose nation has a node peered with this one answers there: an
    answer written here would be an object of that nation that its own node never
    receives (a node sends only what it originated), and the two would disagree."""
    if answers_elsewhere(c, conn, principal):
        raise Refused(
            f"{principal.nation} has its own node, peered with this one: answer there, "
            "so that both nodes hold the answer",
            action=str(Action.RESPONSE_WRITE),
            target=stix_id,
        )


def answered(c: Coordination, conn: Connection, row: Any, nation: str, modified: str) -> Any:
    """The answer of `nation` to the item version modified at `modified`, if any."""
    return conn.execute(
        select(coord_responses.c.kind, objects.c.stix_id)
        .join(objects, objects.c.pk == coord_responses.c.object_pk)
        .where(
            coord_responses.c.item_pk == row.object_pk,
            coord_responses.c.nation == nation,
            coord_responses.c.item_modified == modified,
        )
    ).first()


def after_answer(c: Coordination, conn: Connection, row: Any, made: StoredObject) -> None:
    """Record an answer to an item and, when this node owns the item, judge it and
    move the item on.

    The item's node is the only judge of whether an answer counts (see `_judge`):
    it writes its verdict into the item's next version (`counted_responses` or
    `uncounted_responses`), which every node that holds the item receives, so all
    show the same fate for every answer. An answer written here to a partner's
    item is only recorded: it travels to the item's node, whose own arrival of it
    (see `federation.py`) judges it."""
    answer = made.object
    nation, kind = str(answer["nation"]), str(answer["kind"])
    response_pk = conn.execute(
        select(objects.c.pk).where(objects.c.stix_id == made.id)
    ).scalar_one()
    conn.execute(
        insert(coord_responses).values(
            object_pk=response_pk,
            item_pk=row.object_pk,
            nation=nation,
            kind=kind,
            tier=str(answer.get("tier", row.tier)),
            recorded_at=clock.now_ts(),
            item_modified=answer.get("item_modified"),
            counted=None,
        )
    )
    owner = conn.execute(select(objects.c.origin).where(objects.c.pk == row.object_pk)).scalar_one()
    if owner != c.node.nation:
        # The item's record may already have judged it (the answer came late).
        record = c._current_body(conn, row.stix_id)
        mark(c, conn, row.object_pk, record)
        c.notify(conn, [Notice(row.requesting_body, "response", row.object_pk, {"kind": kind})])
        return
    system = c.node.system
    record = c._current_body(conn, row.stix_id)
    refusal = _judge(c, conn, row, made)
    if refusal is not None:
        conn.execute(
            update(coord_responses)
            .where(coord_responses.c.object_pk == response_pk)
            .values(counted=0)
        )
        c.move(
            conn,
            system,
            row,
            "record",
            changes={"uncounted_responses": [*record.get("uncounted_responses", []), made.id]},
            detail={"response": made.id, "uncounted": refusal},
        )
        return
    conn.execute(
        update(coord_responses).where(coord_responses.c.object_pk == response_pk).values(counted=1)
    )
    notices = [Notice(row.requesting_body, "response", row.object_pk, {"kind": kind})]
    counted = {"counted_responses": [*record.get("counted_responses", []), made.id]}
    # The first version written after the answer records it; with no transition
    # to make, a version of its own does.
    events = events_after_answer(c._facts(conn, row)) or ["record"]
    for event in events:
        if event == "non_concur":
            # Refused: the climb is due now, and the next delay counts from now
            # (before the new version, so that it shows that deadline).
            now = epoch()
            conn.execute(
                update(coord_steps)
                .where(
                    coord_steps.c.item_pk == row.object_pk,
                    coord_steps.c.status == "pending",
                )
                .values(reason="non_concurrence", base_at=now, due_at=now)
            )
        row = c.move(conn, system, row, event, changes=counted, detail={"response": made.id})
        counted = {}
        if event in ("concur", "decide"):
            c._cancel_pending(conn, row.object_pk)
            notices += [
                Notice(b, "state", row.object_pk, {"state": row.state}) for b in c.parties(row)
            ]
    c.notify(conn, notices)


def _judge(c: Coordination, conn: Connection, row: Any, made: StoredObject) -> str | None:
    """Whether an answer counts, on the item's node; the reason when it does not.

    It counts while the item takes answers, at the tier of the version answered
    (an escalation asks again), unless its nation's answer to that version or a
    later one already counted: a second answer, or one that crossed another on
    the way, is kept and shown, but moves nothing."""
    answer = made.object
    nation = str(answer["nation"])
    if row.state not in ACCEPTING:
        return f"the item was {row.state} when the answer reached it"
    if answer.get("tier") != row.tier:
        return f"the item had been escalated to the {row.tier} tier since"
    if nation not in row.needs.split(","):
        return f"the item needs no answer from {nation}"
    answered = select(versions.c.number).where(versions.c.object_pk == row.object_pk)
    this = conn.execute(answered.where(versions.c.modified == answer.get("item_modified"))).scalar()
    before = conn.execute(
        select(func.max(versions.c.number))
        .select_from(
            coord_responses.join(
                versions,
                and_(
                    versions.c.object_pk == coord_responses.c.item_pk,
                    versions.c.modified == coord_responses.c.item_modified,
                ),
            )
        )
        .where(
            coord_responses.c.item_pk == row.object_pk,
            coord_responses.c.nation == nation,
            coord_responses.c.counted == 1,
        )
    ).scalar()
    if this is None:
        return "the answer names no version of the item"
    if before is not None and before >= this:
        return f"{nation} had already answered version {before}"
    return None


def mark(c: Coordination, conn: Connection, item_pk: int, record: dict[str, Any]) -> None:
    """Copy the item's record of its answers onto the answers this node holds."""
    for value, field in ((1, "counted_responses"), (0, "uncounted_responses")):
        ids = [str(i) for i in record.get(field, [])]
        if not ids:
            continue
        conn.execute(
            update(coord_responses)
            .where(
                coord_responses.c.item_pk == item_pk,
                coord_responses.c.object_pk.in_(
                    select(objects.c.pk).where(objects.c.stix_id.in_(ids)).scalar_subquery()
                ),
            )
            .values(counted=value)
        )
