"""The rules an item must meet against the alliance structure: known bodies, a
counterpart of the partner nation (or a bilateral body), a known tier, region and
domains; and which nations must answer it; and who may write what follows an item (a
tasker, an RFI) before any rule of its label. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kizuna.domains.coordination.inputs import ItemCreate
from kizuna.domains.coordination.model import DOMAINS
from kizuna.domains.coordination.structure import TIERS, Body, Structure
from kizuna.errors import Invalid
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, Policy, parse, render
from kizuna.stix.validate import bidi_changed, bidi_words
from kizuna.store.rules import author_refusal, require

__all__ = [
    "TEXTS",
    "body_of",
    "check_item",
    "counterpart_refusal",
    "counterparts_for",
    "same_label",
    "short_text_refusal",
    "staff_label",
    "staff_writer",
    "title_refusal",
]

_LANGUAGE_NAMES = {"ja": "Japanese", "en": "English"}


def body_of(s: Structure, body_id: str, field: str) -> Body:
    body = s.bodies.get(body_id)
    if body is None:
        known = ", ".join(sorted(s.bodies))
        raise Invalid(f"unknown body '{body_id}'; known: {known}", field=field)
    return body


def counterpart_refusal(
    s: Structure, nation: str, requesting: Body, counterpart: Body
) -> Invalid | None:
    """Why `counterpart` cannot answer an item `requesting` opens on `nation`'s node,
    or None when it can: it is another body, of the partner nation or bilateral, and a
    national body of each side must be counterparts in the structure."""
    if counterpart.id == requesting.id:
        return Invalid(
            f"'{counterpart.id}' is the requesting body itself; "
            "an item is addressed to another body",
            field="counterpart_body",
        )
    if not counterpart.bilateral and counterpart.nation == nation:
        return Invalid(
            f"'{counterpart.id}' is a body of {nation} like the requesting nation: "
            "a counterpart is of the partner nation, or bilateral",
            field="counterpart_body",
        )
    if (
        not requesting.bilateral
        and not counterpart.bilateral
        and not s.are_counterparts(requesting.id, counterpart.id)
    ):
        theirs = ", ".join(s.counterparts_of(requesting.id)) or "none"
        return Invalid(
            f"'{counterpart.id}' is not a counterpart of '{requesting.id}' "
            f"(its counterparts: {theirs}; or address a bilateral body)",
            field="counterpart_body",
        )
    return None


def counterparts_for(s: Structure, nation: str, requesting_id: str) -> list[str]:
    """The bodies an item of `requesting_id` may be addressed to, in the structure's
    order: exactly those `check_item` accepts, so a form offers no refused choice."""
    requesting = s.bodies.get(requesting_id)
    if requesting is None:
        return []
    return [
        b.id for b in s.bodies.values() if counterpart_refusal(s, nation, requesting, b) is None
    ]


# A record's titles, and everything else a user types that other users read on a
# page, as written: an item's or a determination's text, an answer's comment, a
# question, a reply, a tasker's instructions, a status note, a watch-log entry.
TEXTS = (
    "name",
    "name_ja",
    "description",
    "description_ja",
    "legal_basis",
    "legal_basis_ja",
    "comment",
    "question",
    "question_ja",
    "text",
    "text_ja",
    "instructions",
    "instructions_ja",
    "note",
)


def short_text_refusal(
    body: dict[str, Any],
    fields: tuple[str, ...],
    names: Mapping[str, str] | None = None,
    previous: dict[str, Any] | None = None,
) -> Invalid | None:
    """A bidirectional control in one of a version's titles or texts (`fields`), which
    would show every other reader a text other than the one written. The refusal names
    the field as `names` calls it (the writer's input), else as the version does. A
    text carried unchanged from `previous`, the version before, is not judged again:
    one stored before the rule must not stop the next version, a narrowing least of
    all."""
    found = bidi_changed(body, fields, previous)
    if found is None:
        return None
    field, control = found
    named = (names or {}).get(field, field)
    return Invalid(f"{named}: {bidi_words(control)}", field=named)


def title_refusal(
    titles: dict[str, str], *, source: str, status: str | None, fields: dict[str, str]
) -> Invalid | None:
    """Why an item's titles (`titles` by language, ja and en) fall short, or None: both
    are given, but for the other language's when its translation is requested (then the
    title exists in the source language only, web/bilingual.py). `fields` names each
    language's field as the caller's input calls it."""
    other = "en" if source == "ja" else "ja"
    if not titles.get(source, "").strip():
        return Invalid(
            f"{fields[source]} is required: the item is written in "
            f"{_LANGUAGE_NAMES.get(source, source)}",
            field=fields[source],
        )
    if status != "requested" and not titles.get(other, "").strip():
        return Invalid(
            f"{fields[other]} is required unless its translation is requested "
            "(translation: requested)",
            field=fields[other],
        )
    return None


def check_item(
    s: Structure, policy: Policy, nation: str, data: ItemCreate
) -> tuple[str, frozenset[str], Label]:
    """Check an item against the structure before anything is written: its titles
    (see `title_refusal`), its tier, the nations whose answers it needs, and its label.
    `Invalid` names the field."""
    untitled = title_refusal(
        {"ja": data.title_ja, "en": data.title_en},
        source=data.source_lang,
        status=data.translation,
        fields={"ja": "title_ja", "en": "title_en"},
    )
    if untitled is not None:
        raise untitled
    requesting = body_of(s, data.requesting_body, "requesting_body")
    counterpart = body_of(s, data.counterpart_body, "counterpart_body")
    if not requesting.bilateral and requesting.nation != nation:
        raise Invalid(
            f"'{requesting.id}' is a body of {requesting.nation}; an item on this node "
            f"is opened by a body of {nation} or a bilateral one",
            field="requesting_body",
        )
    refused = counterpart_refusal(s, nation, requesting, counterpart)
    if refused is not None:
        raise refused
    tier = data.tier or requesting.tier
    if tier not in TIERS:
        raise Invalid(f"unknown tier '{tier}'; known: {', '.join(TIERS)}", field="tier")
    if data.region not in s.regions:
        raise Invalid(
            f"unknown region '{data.region}'; known: {', '.join(s.regions)}", field="region"
        )
    for domain in data.domains:
        if domain not in DOMAINS:
            raise Invalid(
                f"unknown domain '{domain}'; known: {', '.join(DOMAINS)}", field="domains"
            )
    needs = (
        frozenset(s.nations)
        if requesting.bilateral or counterpart.bilateral
        else frozenset({counterpart.nation})
    )
    try:
        label = parse(policy, data.label, originator=nation)
    except LabelError as exc:
        raise Invalid(str(exc), field="label") from exc
    return tier, needs, label


def same_label(policy: Policy, nation: str, typed: str | None, label: Label, what: str) -> None:
    """A label typed beside an item: none, or the item's own (in any order of its
    nations); another is refused, naming the item's."""
    if typed is None or not typed.strip():
        return
    try:
        same = parse(policy, typed, originator=nation) == label
    except LabelError:
        same = False
    if not same:
        raise Invalid(
            f"{what} on an item carries the item's label, "
            f"{render(policy, label, 'en')}: leave the label out",
            field="label",
        )


# What a staff's object (an RFI, a tasker) is, in refusals: on an item, standalone.
_STAFF = {
    "RFI": ("ask RFIs", "ask a standalone RFI", "a standalone RFI needs a label"),
    "tasker": ("issue taskers", "issue a tasker without an item",
               "a tasker without an item needs a label"),
}  # fmt: skip


def staff_writer(principal: Principal, nation: str, *, kind: str, item: str | None) -> None:
    """Refuse, before anything of what was typed, one whose role may not write this
    RFI or tasker (`kind`) on `nation`'s node, as the store would refuse its write: on
    an item (stored as an answer to it, at its label), the role that answers;
    standalone, the role that writes."""
    on_item, alone, _ = _STAFF[kind]
    permission = Permission.OBJECT_ANSWER if item else Permission.OBJECT_WRITE
    require(principal, permission, on_item if item else alone, nation, item)


def staff_label(policy: Policy, principal: Principal, nation: str, *, kind: str,
                typed: str | None) -> Label:  # fmt: skip
    """A standalone RFI's or tasker's label, read, and within what its author may
    write (clearance, and a release's officer: 403), as a creation checks them, before
    any rule of the staff's about the label (422). `Invalid` naming the label when none
    is given or it does not read."""
    if not typed:
        raise Invalid(_STAFF[kind][2], field="label")
    try:
        label = parse(policy, typed, originator=nation)
    except LabelError as exc:
        raise Invalid(str(exc), field="label") from exc
    refused = author_refusal(policy, principal, nation, label)
    if refused is not None:
        raise refused
    return label
