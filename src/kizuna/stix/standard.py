"""The check of a plain standard STIX object without the stix2 library's parse.

The library's parse and serialization cost about 450 µs an object, most of a write's
Python time. For the objects that make up a feed (indicators, reports, relationships
and the other common SDOs, with plain properties), the same verdict comes cheaper: the
official STIX 2.1 JSON schemas that stix2-validator ships (`schemas-2.1`), compiled
once with jsonschema-rs, then the rules the schemas do not state, each taken from the
library's own definition of the type (its property classes, their required flags,
fixed values, enumerations, reference types and timestamp precisions) and its types'
constraints (`last_seen` not before `first_seen` and the like).

`plain_body` answers only where it is sure: the object it returns is exactly what the
library would accept and store (its timestamps printed as the library prints them, no
property the library would drop or coerce). Everything else (a property it does not
model, such as an extension or external references, a value the library would
normalize, any fault) gets None, and the caller parses with the library, whose error
then names the fault. tests/unit/test_standard_check.py holds this to the library's
verdict and body over generated objects, valid and broken.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from stix2 import properties as p
from stix2.v21 import OBJ_MAP

__all__ = ["FAST_TYPES", "OWN_PREFIX", "STANDIN", "mistyped", "plain_body"]

# The SDOs and SROs a feed is made of whose every constraint is modelled here.
FAST_TYPES = (
    "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
    "indicator", "infrastructure", "intrusion-set", "malware", "note", "opinion",
    "relationship", "report", "threat-actor", "tool", "vulnerability",
)  # fmt: skip

# (earlier, later, strictly later) pairs the library's types insist on; checked for
# every type that has both, which is at most stricter than the library.
_ORDER = (
    ("first_seen", "last_seen", False),
    ("valid_from", "valid_until", True),
    ("start_time", "stop_time", True),
)

# Timestamps in UTC with at most microseconds; the library prints them again (see
# `_printed`), and so does this module.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z")

# Kizuna's own types are unknown to the library; a standard SDO stands in for them
# while a reference's allowed types are checked (here, and in validate.py's parse).
OWN_PREFIX = "x-kizuna-"
STANDIN = "note"

Check = Callable[[Any], bool]


def plain_body(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The body the library would store for `obj` when it is a plain standard object
    the library accepts, else None (ask the library). `obj` has its id, created and
    modified filled in."""
    kind = obj.get("type")
    checks = _checks(kind) if isinstance(kind, str) else None
    if checks is None:
        return None
    props, required, times = checks
    if not required <= obj.keys():
        return None
    for name, value in obj.items():
        check = props.get(name)
        if check is None or not check(value):
            return None
    printed = {name: _printed(obj[name], millis) for name, millis in times if name in obj}
    if any(obj[name] != value for name, value in printed.items()):
        obj = {**obj, **printed}
    if not _validator(obj["type"]).is_valid(obj):
        return None
    for earlier, later, strict in _ORDER:
        if earlier in obj and later in obj:
            first, last = _instant(obj[earlier]), _instant(obj[later])
            if last < first or (strict and last == first):
                return None
    if obj["type"] == "malware" and obj["is_family"] and "name" not in obj:
        return None
    return obj


def mistyped(obj: dict[str, Any]) -> tuple[str, str] | None:
    """The first property of a standard object whose JSON type is not the one STIX 2.1
    gives it, which the library would quietly turn into it (`"name": 123` stored as
    "123", `"revoked": "yes"` as true), with what it must be; None when all are right."""
    cls = OBJ_MAP.get(str(obj.get("type")))
    if cls is None:
        return None
    for name, prop in cls._properties.items():
        if name not in obj:
            continue
        value = obj[name]
        if isinstance(prop, p.ListProperty) and isinstance(value, list):
            contained = prop.contained
            if type(contained) in _TEXT and not all(isinstance(v, str) for v in value):
                return name, "a list of strings"
            continue
        if type(prop) in _TEXT and not isinstance(value, str):
            return name, "a string"
        if isinstance(prop, p.BooleanProperty) and not isinstance(value, bool):
            return name, "true or false"
        if isinstance(prop, p.IntegerProperty) and (type(value) is not int):
            return name, "an integer"
    return None


_TEXT = (p.StringProperty, p.OpenVocabProperty)


@cache
def _checks(
    stix_type: str,
) -> tuple[dict[str, Check], set[str], list[tuple[str, bool]]] | None:
    """The type's checks by property, its required properties, and its timestamps
    (true where the library prints milliseconds at least)."""
    if stix_type not in FAST_TYPES:
        return None
    cls = OBJ_MAP[stix_type]
    props: dict[str, Check] = {}
    for name, prop in cls._properties.items():
        check = _check_for(prop)
        if check is not None:
            props[name] = _unless_default(prop, check)
    required = {name for name, prop in cls._properties.items() if prop.required}
    times = [
        (name, prop.precision == "millisecond")
        for name, prop in cls._properties.items()
        if isinstance(prop, p.TimestampProperty)
    ]
    return props, required, times


def _unless_default(prop: p.Property, check: Check) -> Check:
    """The library leaves out an optional property given at its default (`revoked`
    false): such an object is not stored as given, so it goes to the library."""
    default = prop.default() if hasattr(prop, "default") else None
    if getattr(prop, "_fixed_value", None) is not None or not isinstance(default, (bool, int, str)):
        return check
    return lambda value: check(value) and value != default


def _check_for(prop: p.Property) -> Check | None:
    """A check of one value as the library's property would accept it unchanged, or
    None where the property is not modelled here (its objects go to the library)."""
    fixed = getattr(prop, "_fixed_value", None)
    if fixed is not None:
        return lambda value: value == fixed
    if isinstance(prop, p.ListProperty):
        item = _check_for(prop.contained) if isinstance(prop.contained, p.Property) else None
        if item is None:
            return None
        each = item
        return lambda value: (
            isinstance(value, list) and len(value) > 0 and all(each(v) for v in value)
        )
    if isinstance(prop, p.EnumProperty):
        allowed = frozenset(prop.allowed)
        return lambda value: isinstance(value, str) and value in allowed
    if isinstance(prop, (p.IDProperty, p.ReferenceProperty)):
        return lambda value: isinstance(value, str) and _reference_ok(prop, value)
    if type(prop) in (p.StringProperty, p.OpenVocabProperty, p.PatternProperty):
        return lambda value: isinstance(value, str)
    if isinstance(prop, p.BooleanProperty):
        return lambda value: isinstance(value, bool)
    if isinstance(prop, p.IntegerProperty):
        low, high = prop.min, prop.max
        return lambda value: (
            type(value) is int and (low is None or value >= low) and (high is None or value <= high)
        )
    if isinstance(prop, p.TimestampProperty):
        millis = prop.precision == "millisecond" and prop.precision_constraint == "min"
        if not millis and prop.precision != "any":
            return None
        return lambda value: (
            isinstance(value, str) and _TIMESTAMP.fullmatch(value) is not None and _date_ok(value)
        )
    return None


def _reference_ok(prop: p.Property, value: str) -> bool:
    kind, sep, rest = value.partition("--")
    if sep and kind.startswith(OWN_PREFIX) and not isinstance(prop, p.IDProperty):
        value = f"{STANDIN}--{rest}"
    try:
        prop.clean(value, False)
    except Exception:  # whatever the library refuses, it names itself
        return False
    return True


def _date_ok(value: str) -> bool:
    try:
        _instant(value)
    except ValueError:
        return False
    return True


def _printed(value: str, millis: bool) -> str:
    """`value` as the library prints it: the fraction of a second without trailing
    zeros, or none; at least milliseconds for created and modified."""
    seconds, _, fraction = value[:-1].partition(".")
    digits = fraction.ljust(6, "0").rstrip("0")
    if millis:
        digits = digits.ljust(3, "0")
    return f"{seconds}.{digits}Z" if digits else f"{seconds}Z"


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@cache
def _validator(stix_type: str) -> Any:
    """The official schema of `stix_type`, compiled with every schema it refers to
    held locally (nothing is fetched)."""
    root = _schemas()
    documents = []
    for folder in ("common", "sdos", "sros", "observables"):
        for entry in (root / folder).iterdir():
            if entry.name.endswith(".json"):
                document = json.loads(entry.read_text(encoding="utf-8"))
                documents.append((document["$id"], document))
    registry = jsonschema_rs.Registry(documents)
    folder = "sros" if stix_type in ("relationship", "sighting") else "sdos"
    schema = json.loads((root / folder / f"{stix_type}.json").read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema, registry=registry, retriever=_no_fetch)


def _schemas() -> Path:
    # Found without importing stix2validator, which would load its whole validator
    # (about a second) for a folder of JSON files.
    spec = importlib.util.find_spec("stix2validator")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("stix2-validator, which holds the STIX 2.1 schemas, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "schemas-2.1" / "schemas"


def _no_fetch(uri: str) -> Any:
    raise ValueError(f"a STIX schema refers to {uri}, which is not held locally")
