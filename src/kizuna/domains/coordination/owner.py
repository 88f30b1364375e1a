"""The coordination mechanism's owner rules: what every write of an item or an answer
must meet, whatever path it took (the mechanism's own service, a generic REST or
TAXII write, an import, or a version arriving from a peer).

The store runs them inside its own write (see `kizuna.store.owners`), before anything
of the version is kept: a refusal is a 4xx to a local caller and a quarantined object
for a peer. They are the same rules the service follows, so that a forged or buggy
version cannot put on the board what the service could not have written:

- every field of an item is one the model knows (state, tier, precedence, region,
  bodies of the structure, domains), and the nations it needs are the ones the
  structure says must answer it;
- a new version moves the state along one edge of the lifecycle (or keeps it); tier,
  needs and the rung escalated to change only by one escalation, one rung up; the
  bodies and region change never; its record of answers only grows; no new item sets
  a phase (each nation determines its own situation);
- a release changes nothing but the label;
- an answer is of a kind of the vocabulary, by its origin's nation, to an item version
  the node holds, at exactly that version's label and tier, by a nation it needs; it is
  never changed, and a nation answers one item version once;
- a situation determination is its own nation's, of a kind the structure gives that
  nation, recorded by one of its determining bodies, over known regions; a later
  version only ends it, once;
- an RFI is asked by a body of its nation (or a bilateral one) of another body, at a
  known precedence; later versions change only its state, along the RFI's edges, and
  the reply that answered it; a reply is its nation's, for a body of that nation (or
  a bilateral one), at the RFI's label, answering only for the body asked, and never
  changed.
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
    DOMAINS,
    ITEM_TYPE,
    RECEIPT_TYPE,
    REPLY_TYPE,
    RESPONSE_TYPE,
    RFI_EDGES,
    RFI_TYPE,
    TASK_STATUS_TYPE,
    TASKER_TYPE,
    ItemState,
    Lifecycle,
    OfficeStatus,
    ResponseKind,
    RfiState,
    TaskerState,
)
from kizuna.domains.coordination.schema import coord_responses
from kizuna.domains.coordination.structure import PRECEDENCES, TIERS, Structure
from kizuna.errors import Conflict, Invalid
from kizuna.labels import Label
from kizuna.store.access import current
from kizuna.store.owners import Write
from kizuna.web.bilingual import TRANSLATION_PROPERTY, check_translation

__all__ = [
    "EDGES",
    "check_determination_body",
    "check_item_body",
    "check_rfi_body",
    "determination_rules",
    "item_rules",
    "reply_rules",
    "response_rules",
    "rfi_rules",
    "version_of",
]

# (from, to) of every transition the lifecycle knows; a version keeps its state or
# follows one of them.
EDGES = frozenset((t.source.value, t.target.value) for s in Lifecycle.states for t in s.transitions)
ESCALATING = frozenset(s for s, t in EDGES if t == ItemState.ESCALATED)
_RESPONSE_ID = re.compile(re.escape(RESPONSE_TYPE) + r"--[0-9a-f-]{36}")
_ITEM_ID = re.compile(re.escape(ITEM_TYPE) + r"--[0-9a-f-]{36}")
_RFI_ID = re.compile(re.escape(RFI_TYPE) + r"--[0-9a-f-]{36}")
_REPLY_ID = re.compile(re.escape(REPLY_TYPE) + r"--[0-9a-f-]{36}")
_TASKER_ID = re.compile(re.escape(TASKER_TYPE) + r"--[0-9a-f-]{36}")
_STATUS_ID = re.compile(re.escape(TASK_STATUS_TYPE) + r"--[0-9a-f-]{36}")
# What only escalation changes, and what never changes after the item is opened.
ESCALATION_FIELDS = ("tier", "needs", "escalated_to")
FIXED_FIELDS = ("requesting_body", "counterpart_body", "region", "sets_phase")
RECORDS = ("counted_responses", "uncounted_responses")
# The phases of items of before determinations (0014), still read from their versions.
LEGACY_PHASES = ("peacetime", "gray_zone", "contingency")


def _one_of(value: Any, known: Any, field: str) -> None:
    if not isinstance(value, str) or value not in known:
        raise Invalid(f"{field} '{value}' is not one of: {', '.join(known)}", field=field)


def _ids(body: dict[str, Any], field: str) -> list[str]:
    value = body.get(field, [])
    if not isinstance(value, list) or not all(
        isinstance(v, str) and _RESPONSE_ID.fullmatch(v) for v in value
    ):
        raise Invalid(f"{field} lists ids of {RESPONSE_TYPE} objects", field=field)
    return value


def expected_needs(s: Structure, body: dict[str, Any]) -> frozenset[str]:
    """The nations whose answers an item needs: the counterpart's nation; both nations
    when a bilateral body is party to it, once escalated, or (an item of before
    determinations) when it sets a phase."""
    requesting = s.bodies[body["requesting_body"]]
    counterpart = s.bodies[body["counterpart_body"]]
    if requesting.bilateral or counterpart.bilateral or body.get("sets_phase"):
        return frozenset(s.nations)
    if body.get("escalated_to"):
        return frozenset(s.nations)
    return frozenset({counterpart.nation})


def check_item_body(s: Structure, body: dict[str, Any], origin: str) -> None:
    """Every field of one version of an item, alone. `Invalid` names the field."""
    _one_of(body.get("state"), [x.value for x in ItemState], "state")
    _one_of(body.get("tier"), TIERS, "tier")
    if body.get("precedence") is not None:
        _one_of(body["precedence"], PRECEDENCES, "precedence")
    if body.get("phase") is not None:
        _one_of(body["phase"], LEGACY_PHASES, "phase")
    _one_of(body.get("region"), list(s.regions), "region")
    _one_of(body.get("requesting_body"), list(s.bodies), "requesting_body")
    _one_of(body.get("counterpart_body"), list(s.bodies), "counterpart_body")
    requesting = s.bodies[body["requesting_body"]]
    counterpart = s.bodies[body["counterpart_body"]]
    if not requesting.bilateral and requesting.nation != origin:
        raise Invalid(
            f"'{requesting.id}' is a body of {requesting.nation}; an item of {origin} is "
            "requested by a body of its own nation or a bilateral one",
            field="requesting_body",
        )
    if counterpart.id == requesting.id or (
        not counterpart.bilateral and counterpart.nation == origin
    ):
        raise Invalid(
            "an item is addressed to a body of the partner nation or a bilateral one",
            field="counterpart_body",
        )
    domains = body.get("domains", [])
    if not isinstance(domains, list):
        raise Invalid("domains is a list", field="domains")
    for domain in domains:
        _one_of(domain, DOMAINS, "domains")
    if body.get("sets_phase") is not None:
        _one_of(body["sets_phase"], LEGACY_PHASES, "sets_phase")
    escalated_to = body.get("escalated_to")
    if escalated_to is not None:
        # A rung of the path, or the bilateral body an item of an earlier path
        # climbed to.
        rung = s.rung(str(escalated_to))
        legacy = s.bodies.get(str(escalated_to))
        known = [r.id for r in s.ladder]
        if rung is None and (legacy is None or not legacy.bilateral):
            _one_of(escalated_to, known, "escalated_to")
        tier = rung.tier if rung is not None else legacy.tier  # type: ignore[union-attr]
        if tier != body["tier"]:
            raise Invalid(
                f"an item escalated to '{escalated_to}' is at its tier ({tier}), "
                f"not {body['tier']}",
                field="tier",
            )
    needs = body.get("needs")
    wanted = expected_needs(s, body)
    if not isinstance(needs, list) or frozenset(needs) != wanted or len(needs) != len(wanted):
        raise Invalid(
            f"this item needs the answers of {', '.join(sorted(wanted))}, not {needs!r}",
            field="needs",
        )
    for field in RECORDS:
        _ids(body, field)
    if body.get(TRANSLATION_PROPERTY) is not None:
        check_translation(body[TRANSLATION_PROPERTY])
    stopped = body.get("clock_stopped_by", [])
    if not isinstance(stopped, list) or not all(
        isinstance(v, str) and _RFI_ID.fullmatch(v) for v in stopped
    ):
        raise Invalid(f"clock_stopped_by lists ids of {RFI_TYPE} objects", field="clock_stopped_by")


def _check_step(s: Structure, write: Write, previous: dict[str, Any]) -> None:
    """A version after `previous`: one step of the lifecycle at most."""
    body = write.body
    for field in FIXED_FIELDS:
        if body.get(field) != previous.get(field):
            raise Invalid(f"{field} of an item never changes", field=field)
    before, after = str(previous.get("state")), str(body["state"])
    if after != before and (before, after) not in EDGES:
        raise Invalid(
            f"an item that is {before} cannot become {after}: the lifecycle allows "
            f"{', '.join(sorted(t for f, t in EDGES if f == before)) or 'nothing'}",
            field="state",
        )
    climbed = any(body.get(f) != previous.get(f) for f in ESCALATION_FIELDS)
    if climbed or (after == ItemState.ESCALATED and before != after):
        rung = s.next_rung(str(previous.get("tier")))
        if after != ItemState.ESCALATED or before not in ESCALATING or rung is None:
            raise Invalid(
                "tier, needs and escalated_to change only when the item is escalated",
                field="tier",
            )
        if body["tier"] != rung.tier or body.get("escalated_to") != rung.id:
            raise Invalid(
                f"an item at {previous.get('tier')} climbs one rung, to '{rung.id}' ({rung.tier})",
                field="tier",
            )
    for field in RECORDS:
        was = previous.get(field, [])
        now = body.get(field, [])
        if now[: len(was)] != was:
            raise Invalid(f"{field} only grows: an answer's fate is never rewritten", field=field)
    if write.kind == "release":
        for field in ("state", *ESCALATION_FIELDS, *RECORDS):
            if body.get(field) != previous.get(field):
                raise Invalid(f"a release changes the label only, not {field}", field=field)


def item_rules(s: Structure) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        if write.body.get("type") != ITEM_TYPE:
            return
        check_item_body(s, write.body, write.origin)
        if write.previous is not None:
            _check_step(s, write, write.previous)
        elif write.kind == "create":
            if write.body["state"] != ItemState.DRAFT or write.body.get("escalated_to"):
                raise Invalid("an item is opened as a draft, at its own tier", field="state")
            if write.body.get("sets_phase") is not None:
                raise Invalid(
                    "no item sets a phase: each nation records its own situation determination",
                    field="sets_phase",
                )
            if any(write.body.get(f) for f in RECORDS):
                raise Invalid("a new item has no answers yet", field="counted_responses")

    return rules


def _same_but_label(body: dict[str, Any], previous: dict[str, Any]) -> bool:
    """A release's version: the same object, but for its markings and `modified`."""
    ignored = {"modified", "object_marking_refs"}
    return {k: v for k, v in body.items() if k not in ignored} == {
        k: v for k, v in previous.items() if k not in ignored
    }


def _label(row: Any) -> Label:
    return Label(
        row.rank,
        frozenset(n for n in row.rel_to.split(",") if n),
        frozenset(c for c in row.compartments.split("/") if c),
    )


def version_of(conn: Connection, item_id: str, modified: str | None) -> Any:
    """The item's version with this `modified` (its current one when None), with its
    object's key and origin; None when the node does not hold it."""
    query = (
        select(
            objects.c.pk.label("item_pk"),
            objects.c.origin,
            versions.c.body,
            versions.c.modified,
            versions.c.rank,
            versions.c.rel_to,
            versions.c.compartments,
        )
        .select_from(objects.join(versions, versions.c.object_pk == objects.c.pk))
        .where(objects.c.stix_id == item_id, objects.c.type == ITEM_TYPE)
    )
    if modified is None:
        query = query.join(access, and_(access.c.version_pk == versions.c.pk, current())).limit(1)
    else:
        query = query.where(versions.c.modified == modified)
    return conn.execute(query).first()


def response_rules(conn: Connection, write: Write) -> None:
    body = write.body
    if body.get("type") != RESPONSE_TYPE:
        return
    if write.previous is not None:
        raise Conflict(
            "an answer is never changed: a nation answers each item version once",
            field="object.id",
        )
    _one_of(body.get("kind"), [k.value for k in ResponseKind], "kind")
    if body.get("nation") != write.origin:
        raise Invalid(
            f"an answer of {write.origin} names {write.origin} as its nation, "
            f"not {body.get('nation')!r}",
            field="nation",
        )
    _one_of(body.get("tier"), TIERS, "tier")
    item_id = body.get("coordination_item")
    if not isinstance(item_id, str) or not _ITEM_ID.fullmatch(item_id):
        raise Invalid(f"coordination_item names a {ITEM_TYPE}", field="coordination_item")
    answered = body.get("item_modified")
    if not isinstance(answered, str) or not answered:
        raise Invalid("an answer names the item version it answers", field="item_modified")
    held = conn.execute(select(objects.c.origin).where(objects.c.stix_id == item_id)).first()
    if held is None:
        if write.kind == "accept":
            return  # its item has not reached this node (yet): kept, nothing moves
        raise Invalid(f"no coordination item {item_id}", field="coordination_item")
    version = version_of(conn, item_id, answered)
    if version is None and write.kind == "accept" and held.origin != write.origin:
        # An answer of the partner to an item of a third node, whose version has not
        # arrived here: kept, nothing moves. The item's own node judges it.
        pass
    if version is None:
        raise Invalid(
            f"{item_id} has no version modified {answered} on this node",
            field="item_modified",
        )
    item = json.loads(version.body)
    if write.label != _label(version):
        raise Invalid(
            "an answer carries exactly the label of the item version it answers",
            field="label",
        )
    if body["tier"] != item.get("tier"):
        raise Invalid(
            f"the version answered is at tier {item.get('tier')}, not {body['tier']}",
            field="tier",
        )
    if write.origin not in item.get("needs", []):
        raise Invalid(f"this item needs no answer from {write.origin}", field="nation")
    if write.kind != "accept":
        twice = conn.execute(
            select(coord_responses.c.object_pk).where(
                coord_responses.c.item_pk == version.item_pk,
                coord_responses.c.nation == write.origin,
                coord_responses.c.item_modified == answered,
            )
        ).first()
        if twice is not None:
            raise Conflict(
                f"{write.origin} has already answered this version of the item",
                field="nation",
            )


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


def check_determination_body(s: Structure, body: dict[str, Any], origin: str) -> None:
    """One version of a determination, alone. `Invalid` names the field."""
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
        check_determination_body(s, body, write.origin)
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


def check_rfi_body(s: Structure, body: dict[str, Any], origin: str) -> None:
    """One version of an RFI, alone. `Invalid` names the field."""
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
        check_rfi_body(s, body, write.origin)
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
    if write.previous is not None:
        if write.kind == "release" and _same_but_label(body, write.previous):
            return
        raise Conflict("a reply is never changed: write another", field="object.id")
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
    held = conn.execute(
        select(versions.c.body, versions.c.rank, versions.c.rel_to, versions.c.compartments)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id == rfi_id)
    ).first()
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
        if write.previous is not None:
            if write.kind == "release" and _same_but_label(body, write.previous):
                return
            raise Conflict("a status is never changed: report another", field="object.id")
        if body.get("nation") != write.origin:
            raise Invalid(f"a status of {write.origin} names {write.origin}", field="nation")
        _one_of(body.get("status"), [x.value for x in OfficeStatus], "status")
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
        held = conn.execute(
            select(versions.c.body, versions.c.rank, versions.c.rel_to, versions.c.compartments)
            .select_from(
                objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                    versions, versions.c.pk == access.c.version_pk
                )
            )
            .where(objects.c.stix_id == tasker_id)
        ).first()
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
