"""Check an incoming object against STIX 2.1.

A plain object of a common standard type is judged without the stix2 library's parse
(standard.py), with the library's own verdict and body. For the rest, the library
parses the object into its typed class, which checks required and extra properties,
value types and identifiers; we only fill in what a client may leave to the server
(id, spec_version, created, modified) and turn its errors into ones that name the
property.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import stix2
import stix2.exceptions
from stix2.v21 import OBJ_MAP

from kizuna.clock import parse_ts
from kizuna.errors import Invalid
from kizuna.stix.patterns import pattern_errors
from kizuna.stix.standard import OWN_PREFIX, STANDIN, mistyped, plain_body
from kizuna.stix.types import NEW_SDO, check_new_sdo, check_property_extension

__all__ = [
    "BIDI_CONTROLS",
    "MAX_DEPTH",
    "bidi_changed",
    "bidi_control",
    "bidi_said",
    "bidi_words",
    "by_library",
    "canonical_json",
    "is_versioned",
    "prepare",
    "short_way",
    "too_deep",
    "xml_safe",
    "xml_unsafe",
]

# Kizuna keeps labels as its own markings; a client does not post marking objects.
_REFUSED_TYPES = {"marking-definition", "bundle"}

# How far ahead of this node's clock a version may be stamped: a writer's clock runs a
# little fast at times (Kerberos tolerates five minutes too). A version stamped later
# would stand in the way of every honest version written before its time came.
CLOCK_SKEW = timedelta(minutes=5)

# STIX objects are shallow (an extension inside an object, a list of dicts inside it);
# a deeper one is refused before anything walks it recursively.
MAX_DEPTH = 32


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when lists and objects nest deeper than `limit` (walked without recursion)."""
    if not isinstance(value, (dict, list)):
        return False
    if limit < 1:
        return True
    # Only containers are walked: an object's strings and numbers cost nothing here.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def not_unicode(value: Any) -> str | None:
    """The path of the first string, key or value, that holds a lone surrogate (JSON's
    "\\ud800" escapes decode to one, and no database stores it) or U+0000 (PostgreSQL's
    text cannot hold it, so SQLite alone would keep it), or None."""
    try:
        # One encode in C answers for nearly every object; only a refused one is walked
        # to name the string at fault. JSON writes U+0000 as an escape, so its text is
        # looked for (an escaped backslash before "u0000" only costs the walk).
        dumped = json.dumps(value, ensure_ascii=False)
        dumped.encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError among them
        pass
    else:
        if "\\u0000" not in dumped:
            return None
    stack: list[tuple[Any, str]] = [(value, "object")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and _not_text(key):
                    # Named with the surrogate as its escape: the answer must encode.
                    return f"{path}.{key.encode('utf-8', 'backslashreplace').decode()}"
                stack.append((child, f"{path}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{n}]") for n, child in enumerate(item))
        elif isinstance(item, str) and _not_text(item):
            return path
    return None


def _not_text(text: str) -> bool:
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# What XML 1.0 cannot carry (its `Char` production): the C0 controls but tab, LF and
# CR, the noncharacters U+FFFE and U+FFFF, and lone surrogates. JSON carries them all,
# so the store keeps them (a PDF's form feed in a meeting summary); a field that goes
# out as XML (CAP, Atom) refuses them on input, and its writer drops them on output.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
# they reorder what a reader sees (a headline that reads otherwise than it is written).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _code_point(found: re.Match[str] | None) -> str | None:
    return None if found is None else f"U+{ord(found.group()):04X}"


def xml_unsafe(text: str) -> str | None:
    """The first character of `text` XML 1.0 cannot carry, as `U+000B`; None if none."""
    return _code_point(_NOT_XML.search(text))


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (for a writer of XML)."""
    return _NOT_XML.sub("", text)


def bidi_control(text: str) -> str | None:
    """The first bidirectional embedding, override or isolate in `text`, as `U+202E`."""
    return _code_point(BIDI_CONTROLS.search(text))


def bidi_said(text: str) -> str | None:
    """Why `text` is refused for a bidirectional control, or None: one wording for every
    domain whose short texts (titles) refuse them, which the pages recognise."""
    found = bidi_control(text)
    return None if found is None else bidi_words(found)


def bidi_words(found: str) -> str:
    """The refusal of `bidi_said` for the control `found` (`U+202E`)."""
    return (
        f"the text holds {found}, a bidirectional control that shows the text otherwise "
        "than it is written: remove it"
    )


def bidi_changed(
    body: dict[str, Any], fields: Sequence[str], previous: dict[str, Any] | None = None
) -> tuple[str, str] | None:
    """The first of `fields` whose text (or one of its list of texts) holds a
    bidirectional control, with the control (`U+202E`); None if none. A text carried
    unchanged from `previous`, the version before, is not judged again: one stored
    before a domain refused them must not stop its next version, a narrowing least of
    all."""
    before = previous or {}
    for field in fields:
        value = body.get(field)
        if value == before.get(field):
            continue
        for text in value if isinstance(value, list) else [value]:
            found = bidi_control(text) if isinstance(text, str) else None
            if found is not None:
                return field, found
    return None


def is_versioned(stix_type: str) -> bool:
    """SDOs and SROs carry created/modified; observables (SCOs) have no versions."""
    return stix_type in OBJ_MAP or stix_type in NEW_SDO


def canonical_json(obj: dict[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _field(exc: Exception) -> str:
    for attr in ("prop_name",):
        name = getattr(exc, attr, None)
        if isinstance(name, str):
            return f"object.{name}"
    props = getattr(exc, "properties", None)
    if props:
        return f"object.{sorted(props)[0]}"
    return "object"


def prepare(obj: Any, *, now: str, built: bool = False) -> dict[str, Any]:
    """Return the object to store, or raise Invalid naming the property at fault.

    `built`: the object was built by a domain's own service from its model, valid by
    construction; only what a client may leave out is filled in, and the STIX parse
    (most of a write's cost) is skipped. A test keeps the promise: a sample of built
    objects passes this function unchanged, and stix2-validator."""
    if not isinstance(obj, dict):
        raise Invalid("the object must be a JSON object", field="object")
    if too_deep(obj):
        raise Invalid(f"the object nests deeper than {MAX_DEPTH} levels", field="object")
    broken = not_unicode(obj)
    if broken is not None:
        raise Invalid(
            f"{broken} holds U+0000 or a lone surrogate (a \\ud800-\\udfff escape), which no "
            "text may hold",
            field=broken,
        )
    stix_type = obj.get("type")
    if not isinstance(stix_type, str) or not stix_type:
        raise Invalid("the object has no 'type'", field="object.type")
    if stix_type in _REFUSED_TYPES:
        raise Invalid(f"objects of type {stix_type!r} cannot be stored", field="object.type")
    filled = dict(obj)
    filled.setdefault("spec_version", "2.1")
    if filled["spec_version"] != "2.1":
        raise Invalid("only STIX 2.1 objects are accepted", field="object.spec_version")
    if is_versioned(stix_type):
        filled.setdefault("id", f"{stix_type}--{uuid.uuid4()}")
        filled.setdefault("created", now)
        filled.setdefault("modified", filled["created"])
        _not_ahead(filled, now)
    if built:
        return filled
    if stix_type in NEW_SDO:
        # Not known to the stix2 library: checked against Kizuna's published schema.
        return check_new_sdo(filled)
    return short_way(filled) or by_library(filled)


def _not_ahead(filled: dict[str, Any], now: str) -> None:
    for key in ("modified", "created"):
        stamp = filled.get(key)
        try:
            ahead = isinstance(stamp, str) and parse_ts(stamp) > parse_ts(now) + CLOCK_SKEW
        except ValueError:
            continue  # not a timestamp: said with the rest of what is wrong with it
        if ahead:
            minutes = int(CLOCK_SKEW.total_seconds() // 60)
            raise Invalid(
                f"{key} {stamp} is later than this node's clock ({now}) by more than "
                f"{minutes} minutes",
                field=f"object.{key}",
            )


def short_way(filled: dict[str, Any]) -> dict[str, Any] | None:
    """The body of a plain standard object, judged without the library's parse
    (standard.py), or None for the library to judge."""
    plain = plain_body(filled)
    if plain is None:
        return None
    pattern = _stix_pattern(plain)
    if pattern is None:
        return plain
    if pattern_errors(*pattern):
        return None
    return {**plain, "pattern_version": pattern[1]} if pattern[1] is not None else plain


def by_library(filled: dict[str, Any]) -> dict[str, Any]:
    """The stix2 library's verdict on a filled-in object of a standard type, and the
    body it stores."""
    stix_type = filled["type"]
    extensions = filled.get("extensions")
    if extensions is not None and not (
        isinstance(extensions, dict) and all(isinstance(e, dict) for e in extensions.values())
    ):
        # The stix2 library reads each extension as a mapping before it checks any.
        raise Invalid("extensions map extension ids to objects", field="object.extensions")
    wrong = mistyped(filled)
    if wrong is not None:
        raise Invalid(f"{wrong[0]} must be {wrong[1]}", field=f"object.{wrong[0]}")
    probe, standins = _stand_in(filled)
    pattern = _stix_pattern(probe)
    if pattern is not None:
        # Checked below, once per pattern text; the library checks everything else.
        probe = {**probe, "pattern_type": _CHECKED_APART}
    try:
        parsed = stix2.parse(probe, allow_custom=False, version="2.1")
    except stix2.exceptions.STIXError as exc:
        raise Invalid(f"invalid STIX {stix_type}: {exc}", field=_field(exc)) from exc
    except Exception as exc:
        # The library trips over some inputs it does not expect, with any exception
        # (`"custom_properties": null` raises AttributeError): still the input's fault.
        raise Invalid(f"invalid STIX {stix_type}: {exc}", field=_field(exc)) from exc
    if not hasattr(parsed, "serialize"):
        # The library hands back a plain dict for a type that an extension it does not
        # know defines (`new-sdo`): nothing about it has been checked.
        raise Invalid(
            f"{stix_type} is defined by an extension this node does not know; it stores the "
            "STIX 2.1 types and Kizuna's own",
            field="object.extensions",
        )
    if pattern is not None:
        errors = pattern_errors(*pattern)
        if errors:
            raise Invalid(
                f"invalid STIX {stix_type}: Invalid value for Indicator 'pattern': {errors[0]}",
                field="object.pattern",
            )
    # Store what the library accepted and normalized (ids of observables included).
    result: dict[str, Any] = _put_back(json.loads(parsed.serialize()), standins)
    if pattern is not None:
        result["pattern_type"] = "stix"
        if pattern[1] is not None:
            result["pattern_version"] = pattern[1]
    check_property_extension(result)
    return result


# An indicator's STIX pattern is checked apart (patterns.py), at less cost. While the
# library checks the rest of the object, the pattern type stands in as one it does not
# parse (an open vocabulary), and the pattern is checked here exactly as the library
# would (`Indicator._check_object_constraints`), after the other checks.
_CHECKED_APART = "x-kizuna-checked-apart"


def _stix_pattern(obj: dict[str, Any]) -> tuple[str, str | None] | None:
    """(pattern, pattern_version) of an indicator whose pattern is in STIX, or None."""
    if obj.get("type") != "indicator" or obj.get("pattern_type") != "stix":
        return None
    pattern, version = obj.get("pattern"), obj.get("pattern_version")
    if not isinstance(pattern, str) or not (version is None or isinstance(version, str)):
        return None  # malformed: the library names the fault
    if pattern and not version:
        version = "2.1"  # the library's Indicator fills it in so
    return pattern, version


# The stix2 library refuses references to types it does not know, Kizuna's own among
# them (those of its extension and the domains' `x-kizuna-` types: a report may gather
# a coordination item or a decision); a standard type of the same kind (an SDO) stands
# in for them while it checks, so that every other rule of the reference (say,
# "identity only") still applies.


def _stand_in(value: Any) -> tuple[Any, dict[str, str]]:
    swapped: dict[str, str] = {}

    def walk(item: Any) -> Any:
        if isinstance(item, str) and "--" in item:
            prefix, _, rest = item.partition("--")
            if prefix in NEW_SDO or prefix.startswith(OWN_PREFIX):
                standin = f"{STANDIN}--{rest}"
                swapped[standin] = item
                return standin
            return item
        if isinstance(item, list):
            return [walk(i) for i in item]
        if isinstance(item, dict):
            return {k: (v if k in ("id", "type") else walk(v)) for k, v in item.items()}
        return item

    return walk(value), swapped


def _put_back(value: Any, swapped: dict[str, str]) -> Any:
    if not swapped:
        return value
    if isinstance(value, str):
        return swapped.get(value, value)
    if isinstance(value, list):
        return [_put_back(i, swapped) for i in value]
    if isinstance(value, dict):
        return {k: _put_back(v, swapped) for k, v in value.items()}
    return value
