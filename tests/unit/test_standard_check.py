"""A plain standard object is checked without the stix2 library's parse (issue 12), and
the verdict and the stored body stay the library's: over generated objects of every
type the short way takes, valid and broken, whatever it accepts the library accepts
and stores alike; what it declines the library judges, as before."""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from datetime import UTC
from typing import Any
from unittest import mock

import pytest
import stix2.base
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2 import properties as p
from stix2.utils import STIXdatetime
from stix2.v21 import OBJ_MAP

from kizuna.errors import Invalid
from kizuna.stix import validate
from kizuna.stix.standard import FAST_TYPES, plain_body
from kizuna.stix.validate import by_library, prepare, short_way

NOW = "2024-07-28T06:15:00.000Z"
# The node's clock when it judges them: after every stamp of the objects below.
JUDGED = "2024-08-01T00:00:00.000Z"
UUID = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"


def _id(kind: str) -> str:
    # One UUID per type: the library way's stand-ins for Kizuna's own types are told
    # apart by their UUIDs.
    return f"{kind}--{uuid.uuid5(uuid.UUID(UUID), kind)}"


COMMON = {
    "spec_version": "2.1",
    "created": NOW,
    "modified": "2024-07-29T00:00:00.500Z",
    "created_by_ref": _id("identity"),
    "labels": ["alliance"],
    "confidence": 80,
    "lang": "ja",
    "object_marking_refs": [_id("marking-definition")],
}
# A valid object of each type, with more than its required properties.
VALID: dict[str, dict[str, Any]] = {
    "indicator": {
        "name": "C2",
        "indicator_types": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2024-07-28T06:15:00Z",
        "valid_until": "2025-01-01T00:00:00.25Z",
    },
    "report": {
        "name": "SCC",
        "report_types": ["threat-report"],
        "published": "2024-07-28T06:15:00Z",
        "object_refs": [_id("indicator"), _id("x-kizuna-coordination-item")],
    },
    "relationship": {
        "relationship_type": "indicates",
        "source_ref": _id("indicator"),
        "target_ref": _id("malware"),
        "start_time": "2024-07-28T06:15:00Z",
    },
    "note": {"content": "seen", "authors": ["JJOC"], "object_refs": [_id("report")]},
    "identity": {"name": "JJOC", "identity_class": "organization", "sectors": ["defense"]},
    "grouping": {"context": "suspicious-activity", "object_refs": [_id("indicator")]},
    "campaign": {
        "name": "x",
        "aliases": ["y"],
        "first_seen": "2024-01-01T00:00:00Z",
        "last_seen": "2024-02-01T00:00:00Z",
    },
    "threat-actor": {"name": "x", "threat_actor_types": ["nation-state"], "roles": ["agent"]},
    "tool": {"name": "x", "tool_types": ["remote-access"]},
    "vulnerability": {"name": "CVE-2024-0001"},
    "attack-pattern": {"name": "spearphishing", "aliases": ["phish"]},
    "course-of-action": {"name": "patch"},
    "intrusion-set": {"name": "x", "goals": ["y"], "first_seen": "2024-01-01T00:00:00Z"},
    "infrastructure": {"name": "x", "infrastructure_types": ["botnet"]},
    "malware": {"name": "x", "is_family": True, "malware_types": ["rat"]},
    "opinion": {"opinion": "agree", "object_refs": [_id("report")]},
    "incident": {"name": "x", "description": "y"},
}
TIMES = [
    "2024-07-28T06:15:00Z", "2024-07-28T06:15:00.000Z", "2024-07-28T06:15:00.1Z",
    "2024-07-28T06:15:00.100Z", "2024-07-28T06:15:00.123456Z", "2024-07-28T06:15:00.10Z",
    "2024-07-28T06:15:00.000000Z", "2024-07-28T06:15:00.1234567Z", "2024-07-28T06:15:00.Z",
    "2024-02-30T00:00:00Z", "2024-07-28 06:15:00Z", "2024-07-28T06:15:00+09:00",
    "2023-01-01T00:00:00Z", "2030-01-01T00:00:00.5Z", "2024-01-01T00:00:00Z",
]  # fmt: skip
REFS = [
    _id("identity"), _id("indicator"), _id("malware"), _id("marking-definition"),
    _id("x-kizuna-item"), _id("relationship"), _id("ipv4-addr"), _id("bundle"),
    "identity--not-a-uuid", f"Indicator--{UUID}", "x--y",
]  # fmt: skip
OTHERS = [
    None, [], {}, "", "x", 0, 5, 101, -1, True, False, 1.5, ["x"], [5], [""],
    "[ipv4-addr:value = '1.2.3.4']", "[bad", "stix", "agree", "organization",
    [{"source_name": "x", "url": "https://example.org"}], {"x": 1},
]  # fmt: skip
# Keys beside each type's own properties: some the library does not know.
EXTRA_KEYS = ["x_custom", "custom_properties", "extensions", "granular_markings", "defanged"]


def _values_for(prop: Any) -> list[Any]:
    """Values likely to matter for a property of the library's class `prop`."""
    inner = prop.contained if isinstance(prop, p.ListProperty) else prop
    if isinstance(inner, p.TimestampProperty):
        pool = TIMES
    elif isinstance(inner, (p.ReferenceProperty, p.IDProperty)):
        pool = REFS
    else:
        return OTHERS
    return pool + [[v] for v in pool[:4]] if isinstance(prop, p.ListProperty) else pool


# What `prepare` fills in before either way judges: changed, never taken away.
_KEPT = {"type", "id", "spec_version", "created", "modified"}


def _object(kind: str) -> dict[str, Any]:
    return {"type": kind, "id": _id(kind), **COMMON, **VALID[kind]}


def _library(obj: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return by_library(obj)
    except Invalid:
        return None


@pytest.mark.parametrize("kind", FAST_TYPES)
def test_each_valid_object_takes_the_short_way_and_is_stored_as_the_library_would(
    kind: str,
) -> None:
    obj = _object(kind)
    assert plain_body(obj) is not None
    assert short_way(obj) is not None
    expected = _library(obj)
    assert expected is not None
    assert prepare(obj, now=JUDGED) == expected


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(FAST_TYPES))
    obj = _object(kind)
    properties = OBJ_MAP[kind]._properties
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(properties) + EXTRA_KEYS))
        if draw(st.booleans()) and key in obj and key not in _KEPT:
            del obj[key]
            continue
        prop = properties.get(key)
        pool = _values_for(prop) if prop is not None and draw(st.booleans()) else OTHERS
        obj[key] = draw(st.sampled_from(pool + TIMES[:2] + REFS[:2]))
    return obj


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(_mutated())
def test_what_the_short_way_accepts_the_library_accepts_and_stores_alike(
    obj: dict[str, Any],
) -> None:
    short = short_way(dict(obj))
    if short is not None:
        assert _library(obj) == short, obj
    # Whichever way it went, the stored body (or the refusal) is what it was with the
    # library alone, which makes up an id for a missing one (None or [] too).
    if obj["id"] not in (None, []):
        assert _prepared(obj) == _prepared(obj, library_only=True), obj


def _prepared(obj: dict[str, Any], *, library_only: bool = False) -> dict[str, Any] | None:
    alone = mock.patch.object(validate, "short_way", return_value=None)
    # The library fills a missing time in with its own clock.
    now = STIXdatetime(2024, 7, 28, 6, 15, tzinfo=UTC)
    with (
        alone if library_only else nullcontext(),
        mock.patch.object(stix2.base, "get_timestamp", return_value=now),
    ):
        try:
            return prepare(obj, now=JUDGED)
        except Invalid:
            return None


def test_the_short_way_takes_most_plain_objects_and_declines_the_rest() -> None:
    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(_mutated())
    def count(obj: dict[str, Any]) -> None:
        seen["short" if short_way(obj) is not None else "library"] += 1
        seen["valid"] += _library(obj) is not None

    seen = {"short": 0, "library": 0, "valid": 0}
    count()
    # Both ways are taken, and the short way is not a rare one among the valid.
    assert seen["short"] > 0.3 * seen["valid"] > 0
    assert seen["library"] > 0


@pytest.mark.parametrize("kind", FAST_TYPES)
def test_every_order_of_every_two_timestamps_is_judged_as_the_library_does(kind: str) -> None:
    # The library's constraints between times (last_seen not before first_seen, a
    # relationship's stop_time after its start_time...), over every pair of a type's
    # timestamps: earlier, equal and later.
    stamps = ["2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", "2024-12-01T00:00:00Z"]
    properties = OBJ_MAP[kind]._properties
    times = [
        name
        for name, prop in properties.items()
        if isinstance(prop, p.TimestampProperty) and name not in _KEPT
    ]
    compared = 0
    for first in times:
        for second in times:
            if first == second:
                continue
            for a in stamps:
                for b in stamps:
                    obj = {**_object(kind), first: a, second: b}
                    short = short_way(dict(obj))
                    if short is not None:
                        assert short == _library(obj), (first, a, second, b)
                        compared += 1
    assert compared > 0 or len(times) < 2


@pytest.mark.parametrize("value", [None, "x", 5])
def test_an_input_that_trips_the_library_is_refused_as_bad_input(value: Any) -> None:
    # The library raises AttributeError on some of these; the client gets a 422.
    with pytest.raises(Invalid):
        prepare({**_object("report"), "custom_properties": value}, now=JUDGED)
