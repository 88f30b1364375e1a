"""Labels as STIX 2.1 marking-definition objects, and TLP 2.0 markings read as labels.

A Kizuna label travels as a marking-definition carrying the label extension
(policy, level, releasable-to nations, compartments), in the spirit of the
confidentiality metadata of STANAG 4774. Its id is a UUIDv5 of the label's
canonical form, and every other property is fixed, so two nodes that never talked
mint byte-identical marking objects for the same label.
"""

from __future__ import annotations

import uuid
from typing import Any

from kizuna.errors import Invalid
from kizuna.labels import Label, LabelError, Policy, render

__all__ = [
    "KIZUNA_IDENTITY",
    "LABEL_EXTENSION",
    "TLP",
    "identity",
    "label_extension_definition",
    "label_from_marking",
    "label_of",
    "marking_for",
    "marking_id",
    "tlp_label",
]

# Fixed UUIDv5 namespace of Kizuna's deterministic STIX ids.
NAMESPACE = uuid.UUID("5b0e3c1a-6f9d-4c0e-8e43-2d7f8c1b9a64")
# Deterministic objects carry one fixed timestamp, so both nodes mint the same bytes.
EPOCH = "2024-07-28T00:00:00.000Z"

KIZUNA_IDENTITY = f"identity--{uuid.uuid5(NAMESPACE, 'kizuna')}"
LABEL_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'extension/label/1')}"

# TLP 2.0 marking-definition ids (FIRST TLP 2.0 as published for STIX 2.1), and the
# TLP 1.0 ids that the STIX 2.1 specification defines. TLP has no levels of
# classification; it says how far the recipient may share.
TLP: dict[str, str] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}


def _canonical(policy: Policy, label: Label) -> str:
    return "|".join(
        [
            policy.name,
            str(label.rank),
            ",".join(sorted(label.rel_to)),
            ",".join(sorted(label.compartments)),
        ]
    )


def marking_id(policy: Policy, label: Label) -> str:
    return f"marking-definition--{uuid.uuid5(NAMESPACE, 'label/' + _canonical(policy, label))}"


def identity() -> dict[str, Any]:
    """The identity that authors Kizuna's extension definitions."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": KIZUNA_IDENTITY,
        "created": EPOCH,
        "modified": EPOCH,
        "name": "Kizuna",
        "identity_class": "system",
        "description": "Software of the Japan-US alliance coordination mechanisms.",
    }


def marking_for(policy: Policy, label: Label) -> dict[str, Any]:
    """The marking-definition object of `label`."""
    ext: dict[str, Any] = {
        "extension_type": "property-extension",
        "policy": policy.name,
        "level": policy.level(label.rank).name,
        "rank": label.rank,
        "releasable_to": sorted(label.rel_to),
    }
    if label.compartments:
        ext["compartments"] = sorted(label.compartments)
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_id(policy, label),
        "created": EPOCH,
        "created_by_ref": KIZUNA_IDENTITY,
        "name": render(policy, label, "en"),
        "extensions": {LABEL_EXTENSION: ext},
    }


def label_from_marking(policy: Policy, marking: dict[str, Any]) -> Label:
    """Read the label a Kizuna marking-definition carries, checked against `policy`."""
    extensions = marking.get("extensions")
    ext = extensions.get(LABEL_EXTENSION) if isinstance(extensions, dict) else None
    if not isinstance(ext, dict):
        raise Invalid(f"{marking.get('id')} carries no Kizuna label", field="marking")
    if ext.get("policy") != policy.name:
        raise Invalid(
            f"{marking.get('id')} is a label of policy {ext.get('policy')!r}, "
            f"not of {policy.name!r}",
            field="marking.policy",
        )
    try:
        rank = int(ext["rank"])
        policy.level(rank)
        rel_to = frozenset(policy.check_nation(str(n)) for n in ext["releasable_to"])
        comps = frozenset(policy.check_compartment(str(c)) for c in ext.get("compartments", []))
    except (KeyError, TypeError, ValueError, OverflowError, LabelError) as exc:
        raise Invalid(f"{marking.get('id')}: malformed label: {exc}", field="marking") from exc
    label = Label(rank, rel_to, comps)
    if marking.get("id") != marking_id(policy, label):
        raise Invalid(
            f"{marking.get('id')} is not the id of the label it carries", field="marking.id"
        )
    return label


def label_of(
    policy: Policy,
    obj: dict[str, Any],
    markings: dict[str, dict[str, Any]],
    *,
    nation: str,
) -> Label | None:
    """The label an incoming object asks for through its object_marking_refs, or None
    when it names none. Kizuna labels come from `markings` (marking objects of the same
    bundle or envelope, or already known); TLP reads as the lowest level, shared with
    every nation of the policy (CLEAR, GREEN) or with `nation` only (AMBER); TLP:RED is
    for named recipients and is refused."""
    labels: list[Label] = []
    tlp: list[str] = []
    refs = obj.get("object_marking_refs", []) or []
    if not isinstance(refs, list) or not all(isinstance(ref, str) for ref in refs):
        raise Invalid(
            "object_marking_refs is a list of marking ids", field="object.object_marking_refs"
        )
    for ref in refs:
        if ref in TLP:
            tlp.append(TLP[ref])
        elif ref in markings:
            labels.append(label_from_marking(policy, markings[ref]))
        else:
            raise Invalid(f"unknown marking {ref}", field="object.object_marking_refs")
    if len(labels) > 1:
        raise Invalid("an object carries one Kizuna label", field="object.object_marking_refs")
    if labels:
        return labels[0]
    if "red" in tlp:
        raise Invalid(
            "TLP:RED is for named recipients only; Kizuna does not store it",
            field="object.object_marking_refs",
        )
    if tlp:
        return tlp_label(policy, "amber" if any(t.startswith("amber") for t in tlp) else "clear",
                         nation=nation)  # fmt: skip
    return None


def tlp_label(policy: Policy, level: str, *, nation: str) -> Label:
    """What a TLP level allows, as a label: the lowest level, shared with every nation
    of the policy (CLEAR, GREEN) or with `nation` only (AMBER, AMBER+STRICT). RED names
    its recipients one by one, which no label says: it is refused."""
    if level == "red":
        raise Invalid(
            "TLP:RED is for named recipients only; Kizuna does not store it",
            field="object.object_marking_refs",
        )
    lowest = policy.lowest.rank
    if level.startswith("amber"):
        return Label(lowest, frozenset({nation}))
    return Label(lowest, frozenset(policy.nations))


def label_extension_definition() -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": LABEL_EXTENSION,
        "created_by_ref": KIZUNA_IDENTITY,
        "created": EPOCH,
        "modified": EPOCH,
        "name": "Kizuna confidentiality label",
        "description": "Classification level, releasable-to nations and compartments "
        "of the objects that reference this marking.",
        "schema": "/stix/schemas/label.json",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    }
