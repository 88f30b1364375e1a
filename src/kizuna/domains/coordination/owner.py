"""The coordination mechanism's owner rules: what every write of an item or an answer
must meet, whatever path it took (the mechanism's own service, a generic REST or
TAXII write, an import, or a version arriving from a peer).

The store runs them inside its own write (see `kizuna.store.owners`), before anything
of the version is kept: a refusal is a 4xx to a local caller and a quarantined object
for a peer. They are the same rules the service follows, so that a forged or buggy
version cannot put on the board what the service could not have written:

- every field of an item is one the model knows (state, tier, precedence, region,
  bodies of the structure, domains), and the nations it needs are the ones the
  structure says must answer it; it has both titles, but for the other language's
  while its translation is requested;
- a new version moves the state along one edge of the lifecycle (or keeps it); tier,
  needs and the rung escalated to change only by one escalation, one rung up; the
  bodies and region change never; its record of answers only grows; no new item sets
  a phase (each nation determines its own situation);
- a release changes nothing but the label;
- an answer is of a kind of the vocabulary, by its origin's nation, to an item version
  the node holds, at exactly that version's label and tier, by a nation it needs; it is
  never changed, and a nation answers one item version once.

The rules of the staff's other types are in staff_owner.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, and_, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination.model import (
    DOMAINS,
    ITEM_TYPE,
    RESPONSE_TYPE,
    RFI_TYPE,
    ItemState,
    Lifecycle,
    ResponseKind,
)
from kizuna.domains.coordination.rules import TEXTS, short_text_refusal, title_refusal
from kizuna.domains.coordination.schema import coord_responses
from kizuna.domains.coordination.structure import PRECEDENCES, TIERS, Structure
from kizuna.errors import Conflict, Invalid, NotFound
from kizuna.labels import Label, Policy, dominates, render
from kizuna.store.access import current, held_label, refuse_if_hidden
from kizuna.store.owners import Write
from kizuna.store.rules import follows_a_narrowing, never_wider_than
from kizuna.web.bilingual import TRANSLATION_PROPERTY, check_translation

__all__ = [
    "EDGES",
    "check_item_body",
    "item_rules",
    "response_rules",
    "version_of",
]

# (from, to) of every transition the lifecycle knows; a version keeps its state or
# follows one of them.
EDGES = frozenset((t.source.value, t.target.value) for s in Lifecycle.states for t in s.transitions)
ESCALATING = frozenset(s for s, t in EDGES if t == ItemState.ESCALATED)
_RESPONSE_ID = re.compile(re.escape(RESPONSE_TYPE) + r"--[0-9a-f-]{36}")
_ITEM_ID = re.compile(re.escape(ITEM_TYPE) + r"--[0-9a-f-]{36}")
_RFI_ID = re.compile(re.escape(RFI_TYPE) + r"--[0-9a-f-]{36}")
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


def check_item_body(
    s: Structure, body: dict[str, Any], origin: str, previous: dict[str, Any] | None = None
) -> None:
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
    record = None
    if body.get(TRANSLATION_PROPERTY) is not None:
        record = check_translation(body[TRANSLATION_PROPERTY])
    untitled = short_text_refusal(body, TEXTS, previous=previous) or title_refusal(
        {"ja": str(body.get("name_ja") or ""), "en": str(body.get("name") or "")},
        source=record.source if record else "ja",
        status=record.status if record else None,
        fields={"ja": "name_ja", "en": "name"},
    )
    if untitled is not None:
        raise untitled
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


# What an item names, it tells whoever reads it: the decisions it carries out (the
# 2+2 record's, named by type only: no domain imports another) and the items it relates
# to. Each is named only under a label that dominates its own (DESIGN: derived data
# carries its label), and on this node must be one it holds, of its type.
_NAMED = (
    ("decisions", "x-kizuna-decision", "decision_refs", "decision"),
    ("related_items", ITEM_TYPE, "item_refs", "coordination item"),
)


def _check_named(conn: Connection, policy: Policy, write: Write) -> None:
    for prop, stix_type, field, noun in _NAMED:
        named = write.body.get(prop) or []
        if not isinstance(named, list):
            raise Invalid(f"{prop} is a list of ids", field=field)
        for ref in named:
            held = held_label(conn, str(ref), stix_type)
            if held is None:
                # A partner's item may name what was never released to this node.
                if write.kind == "accept":
                    continue
                raise NotFound(f"no {noun} {ref}", field=field)
            if not dominates(write.label, held):
                raise Invalid(
                    f"the label must be at least as restrictive as {render(policy, held)}, "
                    f"the label of {ref}, which the item names",
                    field="label",
                )


def item_rules(s: Structure, policy: Policy) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        if write.body.get("type") != ITEM_TYPE:
            return
        check_item_body(s, write.body, write.origin, write.previous)
        _check_named(conn, policy, write)
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
    refuse_if_hidden(conn, write, body.get("coordination_item"), "coordination_item")
    if write.previous is not None:
        # Narrowed with its item (a release that changes the label only, by the store
        # when it narrows the item's followers, here or on the answer's own node when
        # the narrowing arrived there), never otherwise changed.
        never_wider_than(conn, write, body.get("coordination_item"), "an answer")
        if follows_a_narrowing(write):
            return
        raise Conflict(
            "an answer is never changed: a nation answers each item version once",
            field="object.id",
        )
    _one_of(body.get("kind"), [k.value for k in ResponseKind], "kind")
    refused = short_text_refusal(body, TEXTS, previous=write.previous)
    if refused is not None:
        raise refused
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
