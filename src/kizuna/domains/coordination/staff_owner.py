"""The owner rules of the staff's types beside items and answers (see owner.py for
how they run: inside the store's write, on every path, a peer's version included):

- a situation determination is its own nation's, of a kind the structure gives that
  nation, recorded by one of its determining bodies, over known regions; a later
  version only ends it, once;
- an RFI is asked by a body of its nation (or a bilateral one) of another body, at a
  known precedence; later versions change only its state, along the RFI's edges, and
  the reply that answered it; a reply is its nation's, for a body of that nation (or
  a bilateral one), at the RFI's label, answering only for the body asked, and never
  changed.
- a receipt is its nation's, for a body of that nation or a bilateral one, of an
  item, an RFI or a tasker; a later version only adds its acknowledgement, once;
- a tasker is issued by a body of its nation to known offices and later only
  completed, cancelled or climbs one rung; an office's status is its nation's, for an
  office the tasker tasks, at its label, and never changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, and_, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination.model import (
    DETERMINATION_TYPE,
    ITEM_TYPE,
    RECEIPT_TYPE,
    REPLY_TYPE,
    RFI_EDGES,
    RFI_TYPE,
    TASK_STATUS_TYPE,
    TASKER_TYPE,
    OfficeStatus,
    RfiState,
    TaskerState,
)
from kizuna.domains.coordination.owner import (
    _ITEM_ID,
    _RFI_ID,
    _label,
    _one_of,
)
from kizuna.domains.coordination.rules import TEXTS, short_text_refusal
from kizuna.domains.coordination.structure import PRECEDENCES, Structure
from kizuna.errors import Conflict, Invalid
from kizuna.store.access import current, refuse_if_hidden
from kizuna.store.owners import Write
from kizuna.store.rules import follows_a_narrowing, never_wider_than

__all__ = [
    "check_determination_body",
    "check_rfi_body",
    "determination_rules",
    "receipt_rules",
    "reply_rules",
    "rfi_rules",
    "task_status_rules",
    "tasker_rules",
]

_REPLY_ID = re.compile(re.escape(REPLY_TYPE) + r"--[0-9a-f-]{36}")
_TASKER_ID = re.compile(re.escape(TASKER_TYPE) + r"--[0-9a-f-]{36}")
_STATUS_ID = re.compile(re.escape(TASK_STATUS_TYPE) + r"--[0-9a-f-]{36}")


def _current_version(conn: Connection, stix_id: str) -> Any:
    """The body and label of the object's current version on this node, or None."""
    return conn.execute(
        select(versions.c.body, versions.c.rank, versions.c.rel_to, versions.c.compartments)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id == stix_id)
    ).first()


def _shown_as_written(body: dict[str, Any], previous: dict[str, Any] | None) -> None:
    refused = short_text_refusal(body, TEXTS, previous=previous)
    if refused is not None:
        raise refused


# What a later version of a determination never changes: it only ends.
DETERMINATION_FIXED = (
    "nation",
    "determining_body",
    "kind",
    "regions",
    "effective",
    "name",
    "name_ja",
    "description",
    "description_ja",
    "legal_basis",
    "legal_basis_ja",
)


def check_determination_body(
    s: Structure, body: dict[str, Any], origin: str, previous: dict[str, Any] | None = None
) -> None:
    """One version of a determination, alone. `Invalid` names the field."""
    _shown_as_written(body, previous)
    if body.get("nation") != origin:
        raise Invalid(
            f"a determination of {origin} names {origin} as its nation, not "
            f"{body.get('nation')!r}: a nation determines only its own situation",
            field="nation",
        )
    _one_of(
        body.get("kind"), [k for k, v in s.determinations.items() if v.nation == origin], "kind"
    )
    _one_of(body.get("determining_body"), s.determining_bodies(origin), "determining_body")
    regions = body.get("regions")
    if not isinstance(regions, list) or not regions or len(set(regions)) != len(regions):
        raise Invalid("regions lists one or more regions, each once", field="regions")
    for region in regions:
        _one_of(region, list(s.regions), "regions")
    effective, ended = body.get("effective"), body.get("ended")
    if ended is not None and str(ended) < str(effective):
        raise Invalid("a determination ends after it took effect", field="ended")


def determination_rules(s: Structure) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        body = write.body
        if body.get("type") != DETERMINATION_TYPE:
            return
        check_determination_body(s, body, write.origin, write.previous)
        previous = write.previous
        if previous is None:
            if body.get("ended") is not None and write.kind == "create":
                raise Invalid("a determination is recorded in force, then ended", field="ended")
            return
        for field in DETERMINATION_FIXED:
            if body.get(field) != previous.get(field):
                raise Invalid(
                    f"{field} of a determination never changes: record a new one",
                    field=field,
                )
        if previous.get("ended") is not None and body.get("ended") != previous.get("ended"):
            raise Invalid("a determination ends once", field="ended")
        if write.kind == "release" and body.get("ended") != previous.get("ended"):
            raise Invalid("a release changes the label only, not ended", field="ended")

    return rules


RFI_FIXED = (
    "name",
    "name_ja",
    "question",
    "question_ja",
    "asking_body",
    "addressed_body",
    "precedence",
    "coordination_item",
)


def check_rfi_body(
    s: Structure, body: dict[str, Any], origin: str, previous: dict[str, Any] | None = None
) -> None:
    """One version of an RFI, alone. `Invalid` names the field."""
    _shown_as_written(body, previous)
    _one_of(body.get("asking_body"), list(s.bodies), "asking_body")
    _one_of(body.get("addressed_body"), list(s.bodies), "addressed_body")
    asking = s.bodies[body["asking_body"]]
    if not asking.bilateral and asking.nation != origin:
        raise Invalid(
            f"'{asking.id}' is a body of {asking.nation}; an RFI of {origin} is asked by "
            "a body of its own nation or a bilateral one",
            field="asking_body",
        )
    if body["addressed_body"] == asking.id:
        raise Invalid("an RFI is addressed to another body", field="addressed_body")
    _one_of(body.get("precedence"), PRECEDENCES, "precedence")
    _one_of(body.get("state"), [x.value for x in RfiState], "state")
    item = body.get("coordination_item")
    if item is not None and not (isinstance(item, str) and _ITEM_ID.fullmatch(item)):
        raise Invalid(f"coordination_item names a {ITEM_TYPE}", field="coordination_item")
    answered_by = body.get("answered_by")
    if body["state"] in (RfiState.ANSWERED, RfiState.CLOSED):
        if not (isinstance(answered_by, str) and _REPLY_ID.fullmatch(answered_by)):
            raise Invalid("an answered RFI names the reply that answered it", field="answered_by")
    elif answered_by is not None:
        raise Invalid("an RFI that is not answered names no answer", field="answered_by")


def rfi_rules(s: Structure) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        body = write.body
        if body.get("type") != RFI_TYPE:
            return
        refuse_if_hidden(conn, write, body.get("coordination_item"), "coordination_item")
        never_wider_than(conn, write, body.get("coordination_item"), "an RFI")
        check_rfi_body(s, body, write.origin, write.previous)
        previous = write.previous
        if previous is None:
            if body["state"] != RfiState.OPEN:
                raise Invalid("an RFI is asked open", field="state")
            if write.kind == "answer" and not body.get("coordination_item"):
                raise Invalid("an RFI asked at an item's label names the item", field="state")
            return
        for field in RFI_FIXED:
            if body.get(field) != previous.get(field):
                raise Invalid(f"{field} of an RFI never changes: ask a new one", field=field)
        before, after = str(previous.get("state")), str(body["state"])
        if after != before and (before, after) not in RFI_EDGES:
            raise Invalid(f"an RFI that is {before} cannot become {after}", field="state")
        if write.kind == "release" and after != before:
            raise Invalid("a release changes the label only, not state", field="state")

    return rules


def reply_rules(s: Structure) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        if write.body.get("type") == REPLY_TYPE:
            _check_reply(s, conn, write)

    return rules


def _check_reply(s: Structure, conn: Connection, write: Write) -> None:
    body = write.body
    refuse_if_hidden(conn, write, body.get("rfi"), "rfi")
    if write.previous is not None:
        # Narrowed with its RFI, here or on its own node (store/rules.py).
        never_wider_than(conn, write, body.get("rfi"), "a reply")
        if follows_a_narrowing(write):
            return
        raise Conflict("a reply is never changed: write another", field="object.id")
    _shown_as_written(body, write.previous)
    if body.get("nation") != write.origin:
        raise Invalid(
            f"a reply of {write.origin} names {write.origin} as its nation, "
            f"not {body.get('nation')!r}",
            field="nation",
        )
    _one_of(body.get("body"), list(s.bodies), "body")
    replier = s.bodies[body["body"]]
    if not replier.bilateral and replier.nation != write.origin:
        raise Invalid(
            f"'{replier.id}' is a body of {replier.nation}, not of {write.origin}", field="body"
        )
    if not isinstance(body.get("answers", False), bool):
        raise Invalid("answers is true or false", field="answers")
    rfi_id = body.get("rfi")
    if not isinstance(rfi_id, str) or not _RFI_ID.fullmatch(rfi_id):
        raise Invalid(f"rfi names a {RFI_TYPE}", field="rfi")
    held = _current_version(conn, rfi_id)
    if held is None:
        if write.kind == "accept":
            return  # its RFI has not reached this node (yet): kept, nothing moves
        raise Invalid(f"no RFI {rfi_id}", field="rfi")
    if write.label != _label(held):
        raise Invalid("a reply carries exactly the label of its RFI", field="label")
    rfi = json.loads(held.body)
    if body.get("answers") is True and body.get("body") != rfi.get("addressed_body"):
        raise Invalid(
            f"only {rfi.get('addressed_body')}, whom the RFI asks, answers it", field="answers"
        )


def receipt_rules(s: Structure) -> Callable[[Connection, Write], None]:
    """A receipt is its nation's, for a body of that nation or a bilateral one, of an
    item or an RFI; a later version only adds its acknowledgement, once."""

    def rules(conn: Connection, write: Write) -> None:
        body = write.body
        if body.get("type") != RECEIPT_TYPE:
            return
        refuse_if_hidden(conn, write, body.get("of"), "of")
        never_wider_than(conn, write, body.get("of"), "a receipt")
        if body.get("nation") != write.origin:
            raise Invalid(f"a receipt of {write.origin} names {write.origin}", field="nation")
        _one_of(body.get("body"), list(s.bodies), "body")
        addressee = s.bodies[body["body"]]
        if not addressee.bilateral and addressee.nation != write.origin:
            raise Invalid(
                f"'{addressee.id}' is a body of {addressee.nation}: its own nation receives",
                field="body",
            )
        of = body.get("of")
        if not isinstance(of, str) or not any(
            p.fullmatch(of) for p in (_ITEM_ID, _RFI_ID, _TASKER_ID)
        ):
            raise Invalid(f"of names a {ITEM_TYPE}, {RFI_TYPE} or {TASKER_TYPE}", field="of")
        if bool(body.get("acknowledged")) != bool(body.get("acknowledged_by")):
            raise Invalid("an acknowledgement names who and when", field="acknowledged")
        previous = write.previous
        if previous is None:
            if body.get("acknowledged"):
                raise Invalid("a receipt is written received, then acknowledged", field="state")
            return
        for field in ("of", "body", "nation", "received"):
            if body.get(field) != previous.get(field):
                raise Invalid(f"{field} of a receipt never changes", field=field)
        if previous.get("acknowledged") and (
            body.get("acknowledged"),
            body.get("acknowledged_by"),
        ) != (previous.get("acknowledged"), previous.get("acknowledged_by")):
            raise Invalid("a receipt is acknowledged once", field="acknowledged")

    return rules


TASKER_FIXED = (
    "name",
    "name_ja",
    "instructions",
    "instructions_ja",
    "issuing_body",
    "opr",
    "ocrs",
    "suspense",
    "precedence",
    "coordination_item",
)


def tasker_rules(s: Structure) -> Callable[[Connection, Write], None]:
    """A tasker is issued by a body of its nation (or a bilateral one) to known
    offices; later versions only complete it (naming the OPR's status), cancel it, or
    climb the escalation path one rung at a time."""

    def rules(conn: Connection, write: Write) -> None:
        body = write.body
        if body.get("type") != TASKER_TYPE:
            return
        refuse_if_hidden(conn, write, body.get("coordination_item"), "coordination_item")
        _shown_as_written(body, write.previous)
        _one_of(body.get("issuing_body"), list(s.bodies), "issuing_body")
        issuing = s.bodies[body["issuing_body"]]
        if not issuing.bilateral and issuing.nation != write.origin:
            raise Invalid(
                f"'{issuing.id}' is a body of {issuing.nation}; a tasker of {write.origin} is "
                "issued by a body of its own nation or a bilateral one",
                field="issuing_body",
            )
        _one_of(body.get("opr"), list(s.bodies), "opr")
        ocrs = body.get("ocrs", [])
        if not isinstance(ocrs, list):
            raise Invalid("ocrs is a list of bodies", field="ocrs")
        for office in ocrs:
            _one_of(office, list(s.bodies), "ocrs")
        _one_of(body.get("precedence"), PRECEDENCES, "precedence")
        _one_of(body.get("state"), [x.value for x in TaskerState], "state")
        done = body.get("completed_by")
        if (body["state"] == TaskerState.COMPLETE) != (
            isinstance(done, str) and bool(_STATUS_ID.fullmatch(done))
        ):
            raise Invalid("a complete tasker names the OPR's status, and only then", field="state")
        escalated = body.get("escalated_to")
        if escalated is not None and s.rung(str(escalated)) is None:
            _one_of(escalated, [r.id for r in s.ladder], "escalated_to")
        previous = write.previous
        if previous is None:
            if body["state"] != TaskerState.OPEN or escalated is not None:
                raise Invalid("a tasker is issued open, at its own tier", field="state")
            return
        never_wider_than(conn, write, body.get("coordination_item"), "a tasker")
        for field in TASKER_FIXED:
            if body.get(field) != previous.get(field):
                raise Invalid(f"{field} of a tasker never changes: issue a new one", field=field)
        before, after = str(previous.get("state")), str(body["state"])
        if before != after and before != TaskerState.OPEN:
            raise Invalid(f"a tasker that is {before} stays so", field="state")
        if escalated != previous.get("escalated_to"):
            was = previous.get("escalated_to")
            tier = (
                s.rung(str(was)).tier  # type: ignore[union-attr]
                if was and s.rung(str(was))
                else s.bodies[issuing.id].tier
            )
            rung = s.next_rung(tier)
            if rung is None or escalated != rung.id or after != TaskerState.OPEN:
                raise Invalid("an open tasker climbs one rung at a time", field="escalated_to")
        if write.kind == "release" and (
            before != after or escalated != previous.get("escalated_to")
        ):
            raise Invalid("a release changes the label only", field="state")

    return rules


def task_status_rules(s: Structure) -> Callable[[Connection, Write], None]:
    """An office's status is its nation's, for a body of that nation (or a bilateral
    one) that the tasker tasks, at the tasker's label, and never changed."""

    def rules(conn: Connection, write: Write) -> None:
        body = write.body
        if body.get("type") != TASK_STATUS_TYPE:
            return
        refuse_if_hidden(conn, write, body.get("tasker"), "tasker")
        if write.previous is not None:
            # Narrowed with its tasker, here or on its own node (store/rules.py).
            never_wider_than(conn, write, body.get("tasker"), "a status")
            if follows_a_narrowing(write):
                return
            raise Conflict("a status is never changed: report another", field="object.id")
        if body.get("nation") != write.origin:
            raise Invalid(f"a status of {write.origin} names {write.origin}", field="nation")
        _one_of(body.get("status"), [x.value for x in OfficeStatus], "status")
        _shown_as_written(body, write.previous)
        _one_of(body.get("office"), list(s.bodies), "office")
        office = s.bodies[body["office"]]
        if not office.bilateral and office.nation != write.origin:
            raise Invalid(
                f"'{office.id}' is a body of {office.nation}, not of {write.origin}",
                field="office",
            )
        tasker_id = body.get("tasker")
        if not isinstance(tasker_id, str) or not _TASKER_ID.fullmatch(tasker_id):
            raise Invalid(f"tasker names a {TASKER_TYPE}", field="tasker")
        held = _current_version(conn, tasker_id)
        if held is None:
            if write.kind == "accept":
                return
            raise Invalid(f"no tasker {tasker_id}", field="tasker")
        if write.label != _label(held):
            raise Invalid("a status carries exactly the label of its tasker", field="label")
        tasker = json.loads(held.body)
        if body["office"] not in [tasker.get("opr"), *tasker.get("ocrs", [])]:
            raise Invalid(f"'{body['office']}' is not tasked by {tasker_id}", field="office")

    return rules
