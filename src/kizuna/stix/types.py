"""Kizuna's own STIX 2.1 types, defined through extension-definition objects.

Where a standard type fits, Kizuna uses it (a report is a `report`, a joint product a
`grouping`); where none does, a new SDO type is declared by an extension definition
whose schema is published by every node under /stix/schemas/. Incoming objects of
these types are checked against the same JSON schemas that are published.
"""

from __future__ import annotations

import json
import re
import uuid
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

from kizuna.errors import Invalid
from kizuna.stix.markings import EPOCH, KIZUNA_IDENTITY, NAMESPACE, label_extension_definition

__all__ = [
    "JOINT_PRODUCT",
    "NEW_SDO",
    "RECALL",
    "SCHEMAS",
    "check_new_sdo",
    "check_property_extension",
    "extension_definitions",
    "extension_id",
    "schema",
]


def extension_id(name: str) -> str:
    return f"extension-definition--{uuid.uuid5(NAMESPACE, f'extension/{name}/1')}"


# New SDO types: type -> schema file.
NEW_SDO = {
    "x-kizuna-assessment": "assessment",
    "x-kizuna-observation": "observation",
    "x-kizuna-approval": "approval",
    "x-kizuna-recall": "recall",
}
# Issued by a release that narrows an object (the store), owned by the federation.
RECALL = "x-kizuna-recall"
JOINT_PRODUCT = extension_id("joint-product")
# Property extensions of standard types: extension id -> schema file.
_PROPERTY = {JOINT_PRODUCT: "joint-product"}
SCHEMAS = ("label", "assessment", "observation", "joint-product", "approval", "recall")

_DESCRIPTIONS = {
    "assessment": "Kizuna assessment: an analytic judgement with confidence and sources.",
    "observation": "Kizuna observation: what was seen, when, where, and how reliable the source.",
    "joint-product": "Kizuna joint analytic product: a grouping approved by both nations.",
    "approval": "Kizuna approval: a releasing officer's approval of one joint product version.",
    "recall": "Kizuna recall: earlier versions of an object its origin has narrowed.",
}

_COMMON = {"type", "spec_version", "id", "created", "modified", "created_by_ref", "revoked",
           "labels", "lang", "external_references", "object_marking_refs",
           "granular_markings", "extensions"}  # fmt: skip
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@cache
def schema(name: str) -> dict[str, Any]:
    text = resources.files("kizuna.stix").joinpath(f"schemas/{name}.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator(name: str) -> Any:
    # Compiled with jsonschema-rs, as the standard schemas are (stix/standard.py): the
    # check costs microseconds, and no process pays for importing jsonschema, which
    # loads its format checkers on import (2.3 s where rfc3987-syntax is installed).
    return jsonschema_rs.validator_for(schema(name))


def _validate(instance: dict[str, Any], name: str, where: str) -> None:
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.instance_path))
    if errors:
        first = errors[0]
        parts = [str(p) for p in first.instance_path]
        if isinstance(first.kind, jsonschema_rs.ValidationErrorKind.Required):
            parts.append(str(first.kind.property))
        path = ".".join(parts)
        field = f"{where}.{path}" if path else where
        raise Invalid(f"{field}: {_message(first)}", field=field)


def _message(error: Any) -> str:
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Enum):
        # The library names two choices and counts the rest; a person needs them all.
        choices = ", ".join(json.dumps(o, ensure_ascii=False) for o in error.kind.options)
        return f"{json.dumps(error.instance, ensure_ascii=False)} is not one of {choices}"
    return str(error.message)


def check_new_sdo(obj: dict[str, Any]) -> dict[str, Any]:
    """Check an object of one of Kizuna's new types: the common properties the way
    STIX 2.1 defines them, then its own against the published schema."""
    stix_type = obj["type"]
    ext = extension_id(NEW_SDO[stix_type])
    if obj.get("extensions", {}).get(ext) != {"extension_type": "new-sdo"}:
        raise Invalid(
            f"{stix_type} objects name their extension definition {ext}",
            field="object.extensions",
        )
    prefix, _, rest = str(obj.get("id", "")).partition("--")
    try:
        uuid.UUID(rest)
    except ValueError:
        prefix = ""
    if prefix != stix_type:
        raise Invalid(f"the id must be {stix_type}--<uuid>", field="object.id")
    for key in ("created", "modified"):
        if not isinstance(obj.get(key), str) or not _TS.match(obj[key]):
            raise Invalid(f"{key} must be a STIX timestamp", field=f"object.{key}")
    if obj["modified"] < obj["created"]:
        raise Invalid("modified is earlier than created", field="object.modified")
    own = {k: v for k, v in obj.items() if k not in _COMMON}
    _validate(own, NEW_SDO[stix_type], "object")
    return obj


def check_property_extension(obj: dict[str, Any]) -> None:
    for ext_id, name in _PROPERTY.items():
        value = obj.get("extensions", {}).get(ext_id)
        if value is not None:
            _validate(value, name, f"object.extensions.{ext_id}")


def extension_definitions() -> list[dict[str, Any]]:
    """Kizuna's extension-definition objects: the label and its own types."""
    made = [label_extension_definition()]
    for name in ("assessment", "observation", "joint-product", "approval", "recall"):
        made.append(
            {
                "type": "extension-definition",
                "spec_version": "2.1",
                "id": extension_id(name),
                "created_by_ref": KIZUNA_IDENTITY,
                "created": EPOCH,
                "modified": EPOCH,
                "name": f"kizuna-{name}",
                "description": _DESCRIPTIONS[name],
                "schema": f"/stix/schemas/{name}.json",
                "version": "1.0.0",
                "extension_types": ["property-extension" if name in _PROPERTY.values()
                                    else "new-sdo"],
            }
        )  # fmt: skip
    return made
