"""The 2+2 record as STIX 2.1 objects: our own types, each declared through a STIX
extension definition (`new-sdo`) so that stix2's parser validates them like any
standard type.

References between our objects are plain identifier strings named `*_id`: stix2
refuses `*_ref` properties that point at custom types unless custom content is
allowed everywhere, which we do not do.

Identifiers of imported objects are UUIDv5 over a scope and the object's place in
the document. The scope (`service._scope`) is the document digest keyed with the node
secret and bound to the import's label: importing the same document again at the same
label yields the same ids, and nobody without the node secret can derive them from the
text.
"""

from __future__ import annotations

import uuid
from typing import Any

from stix2.properties import (
    DictionaryProperty,
    IntegerProperty,
    ListProperty,
    StringProperty,
)
from stix2.v21 import CustomObject

__all__ = [
    "DECISION",
    "ITEM",
    "LINK",
    "MEETING",
    "NAMESPACE",
    "REVIEW",
    "SECTION",
    "TYPES",
    "object_id",
]

# Fixed forever: ids of imported objects derive from it.
NAMESPACE = uuid.UUID("6c1f6f3e-2b7a-5d55-9a0e-4b697a756e61")

MEETING = "x-kizuna-meeting"
SECTION = "x-kizuna-section"
ITEM = "x-kizuna-item"
DECISION = "x-kizuna-decision"
LINK = "x-kizuna-link"
REVIEW = "x-kizuna-review"
TYPES = (MEETING, SECTION, ITEM, DECISION, LINK, REVIEW)


def extension_id(stix_type: str) -> str:
    return f"extension-definition--{uuid.uuid5(NAMESPACE, 'extension:' + stix_type)}"


def object_id(stix_type: str, scope: str, place: str) -> str:
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, f'{scope}:{place}')}"


def _register(stix_type: str, properties: list[tuple[str, Any]]) -> None:
    CustomObject(stix_type, properties, extension_name=extension_id(stix_type))(
        type(stix_type.replace("-", "_"), (), {})
    )


_register(
    MEETING,
    [
        ("name", StringProperty(required=True)),
        ("body", StringProperty(required=True)),
        ("lang", StringProperty(required=True)),
        ("date", StringProperty(required=True)),
        ("kind", StringProperty()),  # summary, joint-statement, fact-sheet, … (heading.KINDS)
        ("title", StringProperty()),
        ("date_source", StringProperty()),  # text, heading, given (--date)
        ("start", StringProperty()),  # HH:MM on the clock of start_zone
        ("start_zone", StringProperty()),  # JST, EST, ChST, local, … as the text names it
        ("start_utc_offset", StringProperty()),  # +09:00 where the zone or place fixes it
        ("duration_minutes", IntegerProperty()),
        ("place", StringProperty()),
        ("attendees", ListProperty(DictionaryProperty())),
        ("source_digest", StringProperty()),
        ("source_encoding", StringProperty()),
        ("original_text", StringProperty()),
        ("normalized_text", StringProperty()),
        ("quality", ListProperty(DictionaryProperty())),
    ],
)
_register(
    SECTION,
    [
        ("meeting_id", StringProperty(required=True)),
        ("number", IntegerProperty(required=True)),
        ("title", StringProperty(required=True)),
        ("text", StringProperty()),
    ],
)
_register(
    ITEM,
    [
        ("meeting_id", StringProperty(required=True)),
        ("section_id", StringProperty(required=True)),
        ("section_number", IntegerProperty(required=True)),
        ("number", IntegerProperty(required=True)),
        ("marker", StringProperty()),  # (n), n, •, or none for a plain paragraph
        ("text", StringProperty(required=True)),
    ],
)
_register(
    DECISION,
    [
        ("meeting_id", StringProperty(required=True)),
        ("meeting_date", StringProperty(required=True)),
        ("section_number", IntegerProperty(required=True)),
        ("item_number", IntegerProperty()),  # none for a section's opening words
        ("item_id", StringProperty()),
        ("actor", StringProperty(required=True)),
        ("stance", StringProperty(required=True)),
        ("topics", ListProperty(StringProperty())),
        ("entities", ListProperty(DictionaryProperty())),
        ("keywords", ListProperty(StringProperty())),
        ("sentence", StringProperty(required=True)),
        # The words of the sentence that carry this decision, where the sentence
        # carries several (…に反対し、…を確認した): what a list shows of it.
        ("clause", StringProperty()),
        ("restated", IntegerProperty()),
        ("restates_id", StringProperty()),  # the earlier decision this one restates
        ("speaker", StringProperty()),  # the person named as the actor
        ("reported", IntegerProperty()),  # 1: another meeting's decision, reported here
        ("reported_from", StringProperty()),  # that meeting, where the text names it
        ("commitment", IntegerProperty()),  # 1: an action someone will take; 0: a position
        ("owner", StringProperty()),  # who acts (an actor key)
        # YYYY or YYYY-MM the text states; a day (YYYY-MM-DD) where the text names
        # one by its period: a Japanese fiscal year ends on 31 March (2027-03-31).
        ("due", StringProperty()),
    ],
)
_register(
    LINK,
    [
        ("decision_id", StringProperty(required=True)),
        ("target", StringProperty(required=True)),  # a STIX id, or a named programme
        ("relation", StringProperty(required=True)),
        ("description", StringProperty()),
    ],
)
_register(
    REVIEW,
    [
        ("decision_id", StringProperty(required=True)),
        ("nation", StringProperty(required=True)),
        ("score", IntegerProperty(required=True, min=-1, max=1)),
        ("evidence", StringProperty(required=True)),
        ("date", StringProperty(required=True)),
        ("round", StringProperty(required=True)),
    ],
)
