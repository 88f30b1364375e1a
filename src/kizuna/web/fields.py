"""An object's properties laid out for a person, for every STIX type alike.

Any string that is a whole STIX identifier is a reference, wherever it sits: the
standard `*_ref` and `*_refs` properties, and Kizuna's own properties that hold ids
without that suffix (`meeting_id`, `decisions`, `coordination_item`, a link's
`target`…), which stix2 would refuse as `_ref`s to custom types. A reference the
reader may read becomes a link with the target's title and label, found in one query
through the store's visibility condition; any other is the bare id as text, so a
target that is hidden reads exactly like one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from kizuna.store.listing import Target
from kizuna.web.errors import FIELD_NAMES
from kizuna.web.i18n import N_, translations

__all__ = [
    "PROPERTY_NAMES",
    "Value",
    "Words",
    "changes",
    "coded",
    "layout",
    "references",
    "words_of",
]

STIX_ID = re.compile(r"[a-z0-9][a-z0-9-]*--[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")

# The words for common properties; the forms' own words (FIELD_NAMES) come first.
PROPERTY_NAMES: dict[str, str] = {
    **FIELD_NAMES,
    "title": N_("Title"),
    # On a form these are the request and the answer; in an object, text and a kind.
    "body": N_("Text"),
    "kind": N_("Kind"),
    "created": N_("Created"),
    "modified": N_("Modified"),
    "published": N_("Published"),
    "valid_from": N_("Valid from"),
    "valid_until": N_("Valid until"),
    "first_seen": N_("First seen"),
    "last_seen": N_("Last seen"),
    "first_observed": N_("First observed"),
    "last_observed": N_("Last observed"),
    "number_observed": N_("Times observed"),
    "labels": N_("Tags"),
    "lang": N_("Language"),
    "created_by_ref": N_("Created by"),
    "object_refs": N_("Objects it refers to"),
    "object_marking_refs": N_("Markings"),
    "external_references": N_("External references"),
    "source_name": N_("Source"),
    "external_id": N_("External id"),
    "url": N_("Address"),
    "report_types": N_("Report types"),
    "indicator_types": N_("Indicator types"),
    "pattern": N_("Pattern"),
    "pattern_type": N_("Pattern language"),
    "aliases": N_("Also known as"),
    "relationship_type": N_("Relationship"),
    "source_ref": N_("From"),
    "target_ref": N_("To"),
    "sighting_of_ref": N_("Sighting of"),
    "abstract": N_("Summary"),
    "content": N_("Content"),
    "authors": N_("Authors"),
    "extensions": N_("Extensions"),
    "revoked": N_("Revoked"),
    "meeting_id": N_("Meeting"),
    "section_id": N_("Section"),
    "decision_id": N_("Decision"),
    "item_id": N_("Item"),
    "restates_id": N_("Restates"),
    "decisions": N_("Decisions"),
    "related_items": N_("Related items"),
    "coordination_item": N_("Coordination item"),
    "product_ref": N_("Joint product"),
    "sentence": N_("Sentence"),
    "text": N_("Text"),
    "due": N_("Due"),
    "value": N_("Value"),
    # STIX's own properties a partner's objects carry.
    "identity_class": N_("Kind of identity"),
    "pattern_version": N_("Pattern language version"),
    "sectors": N_("Sectors"),
    "contact_information": N_("Contact"),
    "malware_types": N_("Malware types"),
    "is_family": N_("A malware family"),
    "threat_actor_types": N_("Threat actor types"),
    "tool_types": N_("Tool types"),
    "infrastructure_types": N_("Infrastructure types"),
    "kill_chain_phases": N_("Kill chain phases"),
    "confidence": N_("Confidence"),
    "primary_motivation": N_("Primary motivation"),
    "sophistication": N_("Sophistication"),
    "resource_level": N_("Resource level"),
    "where_sighted_refs": N_("Sighted at"),
    "observed_data_refs": N_("Observed data"),
    "count": N_("Count"),
    # A recall's (and an attachment's): the object it is about, and its version.
    "object_ref": N_("Object"),
    "version": N_("Version"),
    # An attachment's file, and the words of STIX extensions.
    "mime_type": N_("File type"),
    "payload_bin": N_("File content (Base64)"),
    "hashes": N_("Checksums"),
    "file_name": N_("File name"),
    "extension_type": N_("Kind of extension"),
    # A GeoJSON geometry's (a place's): its points, longitude first.
    "coordinates": N_("Coordinates"),
}
# Shown first, in this order; the rest follow by name, the bookkeeping last.
_FIRST = ("name", "name_ja", "title", "description", "description_ja", "sentence", "text",
          "published", "created", "modified")  # fmt: skip
_LAST = ("object_refs", "external_references", "object_marking_refs", "extensions")
# In the page's facts already.
_FACTS = {"id", "type", "spec_version"}


@dataclass
class Value:
    """One value as a person reads it. `kind` is text, time, ref, flag, list or map;
    a ref carries its `target` when the reader may read it, and only the id when not."""

    kind: str
    text: str = ""
    target: Target | None = None
    items: list[Value] = field(default_factory=list)
    entries: list[tuple[str, str | None, Value]] = field(default_factory=list)


def references(body: Any, *, skip: str | None = None) -> Iterator[str]:
    """Every STIX id held anywhere in `body` (but `skip`, the object's own id)."""
    if isinstance(body, str):
        if body != skip and STIX_ID.fullmatch(body):
            yield body
    elif isinstance(body, dict):
        for key, value in body.items():
            if key != "id":
                yield from references(value, skip=skip)
    elif isinstance(body, list):
        for value in body:
            yield from references(value, skip=skip)


# A coded value's words: (the property's path, the value) -> words, or None.
_Worded = Callable[[str, str], str | None]


def _none(path: str, value: str) -> str | None:
    return None


@dataclass(frozen=True)
class Words:
    """The words of a type's properties (msgids) and of its coded values."""

    names: Mapping[str, str] = field(default_factory=lambda: PROPERTY_NAMES)
    value: _Worded = _none


def _value(raw: Any, targets: dict[str, Target], path: str, words: Words) -> Value:
    if isinstance(raw, bool):
        return Value("flag", "yes" if raw else "no")
    if isinstance(raw, str):
        if STIX_ID.fullmatch(raw):
            return Value("ref", raw, target=targets.get(raw))
        if TIMESTAMP.fullmatch(raw):
            return Value("time", raw)
        return Value("text", words.value(path, raw) or raw)
    if isinstance(raw, list):
        return Value("list", items=[_value(item, targets, path, words) for item in raw])
    if isinstance(raw, dict):
        return Value("map", entries=_entries(raw, targets, words, path=path))
    if isinstance(raw, int):
        # A code kept as a number (a yes-or-no stored as 0 or 1) has words too.
        return Value("text", words.value(path, str(raw)) or str(raw))
    return Value("text", "" if raw is None else str(raw))


def _order(key: str) -> tuple[int, int, str]:
    if key in _FIRST:
        return (0, _FIRST.index(key), key)
    if key in _LAST:
        return (2, _LAST.index(key), key)
    return (1, 0, key)


def _entries(
    body: dict[str, Any], targets: dict[str, Target], words: Words, *, path: str = ""
) -> list[tuple[str, str | None, Value]]:
    top = not path
    keys = sorted((k for k in body if not (top and k in _FACTS)), key=_order if top else str)
    return [
        (k, _name(k, path, words), _value(body[k], targets, f"{path}.{k}" if path else k, words))
        for k in keys
    ]


def _name(key: str, path: str, words: Words) -> str | None:
    # An extension sits under its definition's id: named as one, the id on hover.
    if path == "extensions" and key.startswith("extension-definition--"):
        return N_("Extension definition")
    # A nested key by its path first: an attendee's `name` is a person's name, not the
    # object's title (walk 46: both read "Title").
    return words.names.get(f"{path}.{key}" if path else key) or words.names.get(key)


def coded(tables: Mapping[str, Mapping[str, str]]) -> Callable[[str, str, str], str | None]:
    """A type's value words (`Node.value_words`) from its vocabularies: property path ->
    code -> words (msgid), said in the reader's language; None for any other value."""

    def said(path: str, value: str, lang: str) -> str | None:
        msgid = tables.get(path, {}).get(value)
        return translations(lang).gettext(msgid) if msgid else None

    return said


def words_of(names: Mapping[str, str] | None = None, value: _Worded | None = None) -> Words:
    """The words of one type: its own property names (msgids) over the common ones,
    and its coded values' words by (path, value)."""
    return Words({**PROPERTY_NAMES, **(names or {})}, value or _none)


def layout(
    body: dict[str, Any], targets: dict[str, Target], words: Words | None = None
) -> list[tuple[str, str | None, Value]]:
    """The object's properties in reading order: (property, its name to translate or
    None for a property without one, its value, a coded one in words)."""
    return _entries(body, targets, words or Words())


# A version's own time changes with every version; its label marking is its label, which
# the history shows in a column of its own and names as "Label" when it changes.
_STAMPS = {"modified"}
_LABEL_KEYS = {"object_marking_refs": "label"}


def changes(
    bodies: list[dict[str, Any]], names: Mapping[str, str] = PROPERTY_NAMES
) -> list[list[tuple[str, str | None]] | None]:
    """For each version of a history (oldest first, only those the reader may read),
    what it changed from the one before it: (property, its name to translate or None),
    in reading order. None for the first, which has nothing before it to compare with."""
    said: list[list[tuple[str, str | None]] | None] = [None] if bodies else []
    for before, after in pairwise(bodies):
        keys = {
            _LABEL_KEYS.get(k, k)
            for k in before.keys() | after.keys()
            if k not in _STAMPS and before.get(k) != after.get(k)
        }
        said.append([(k, names.get(k)) for k in sorted(keys, key=_order)])
    return said
