"""The watch log and the shift handover: their STIX types, what a watch officer sends to
write them, and the words the pages show for their vocabularies.

Both are STIX 2.1 objects of types of our own, declared through the STIX extension
definition mechanism (`extension_type: new-sdo`) as the coordination types are, each
with its own fixed extension-definition id. Importing this module registers them with
`stix2`, which the store uses to check every object it keeps.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from stix2.properties import DictionaryProperty, ListProperty, StringProperty, TimestampProperty
from stix2.v21 import CustomObject

from kizuna.domains.coordination.inputs import Shown
from kizuna.domains.coordination.words import N_

__all__ = [
    "ENTRY_KINDS",
    "ENTRY_KIND_NAMES",
    "ENTRY_TYPE",
    "HANDOVER_TYPE",
    "EntryCreate",
    "HandoverCreate",
    "WatchAction",
]

ENTRY_TYPE = "x-kizuna-watch-entry"
HANDOVER_TYPE = "x-kizuna-handover"
# Fixed ids: the extension definitions are the same on every node.
ENTRY_EXTENSION = "extension-definition--5e0c2b7a-3f41-4d8e-a2b6-9c7d1e4f0a66"
HANDOVER_EXTENSION = "extension-definition--b7d3e1f5-6a2c-4b9e-8d07-1f4a5c2e3b77"

ENTRY_KINDS = ("event", "call", "decision", "note")
ENTRY_KIND_NAMES = {
    "event": N_("Event"),
    "call": N_("Call"),
    "decision": N_("Decision"),
    "note": N_("Note"),
}


class WatchAction:
    """What a refusal names (`<domain>:<resource>:<action>`), in the audit log too."""

    ENTRY_WRITE = "coordination:watch-entry:write"
    HANDOVER_WRITE = "coordination:handover:write"
    HANDOVER_SIGN = "coordination:handover:sign"


@CustomObject(
    ENTRY_TYPE,
    [
        ("body", StringProperty(required=True)),
        ("kind", StringProperty(required=True)),
        # When it happened (not when it was written: that is `created`).
        ("at", TimestampProperty(required=True)),
        ("text", StringProperty()),
        ("text_ja", StringProperty()),
        # Ids of coordination items. Not `_refs` properties: stix2 refuses a reference
        # to a custom type unless it allows custom content everywhere.
        ("items", ListProperty(StringProperty)),
        # The entry this one corrects: an entry is never edited.
        ("corrects", StringProperty()),
        ("author", StringProperty(required=True)),
    ],
    extension_name=ENTRY_EXTENSION,
)
class WatchEntry:
    """One line of a body's watch log, an object of the writing nation."""


@CustomObject(
    HANDOVER_TYPE,
    [
        ("body", StringProperty(required=True)),
        ("period_start", TimestampProperty(required=True)),
        ("period_end", TimestampProperty(required=True)),
        # What the outgoing officer could read at generation, section by section:
        # section name -> list of rows (see handover.py).
        ("sections", DictionaryProperty(required=True)),
        ("outgoing_officer", StringProperty(required=True)),
        ("outgoing_signed_at", TimestampProperty()),
        # The incoming officer it is handed to, when named: only they sign as incoming.
        ("handed_to", StringProperty()),
        ("incoming_officer", StringProperty()),
        ("incoming_signed_at", TimestampProperty()),
    ],
    extension_name=HANDOVER_EXTENSION,
)
class Handover:
    """The report that closes a watch's shift, signed by the outgoing and the incoming
    officer of its body; an object of the node's nation."""


class EntryCreate(BaseModel):
    """What logging an entry takes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=64, description="the body whose log it is")
    kind: str = Field(min_length=1, max_length=16, description="event, call, decision or note")
    at: datetime | None = Field(default=None, description="when it happened; default: now")
    # What the officer of the next shift reads, in the log and the handover, as written.
    text_en: Shown = Field(default="", max_length=20_000)
    text_ja: Shown = Field(default="", max_length=20_000)
    items: list[str] = Field(default_factory=list, max_length=50)
    corrects: str | None = Field(default=None, max_length=120)
    label: str = Field(min_length=1, max_length=300, description="e.g. 'SECRET//REL TO JPN'")


class HandoverCreate(BaseModel):
    """What generating a handover takes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=64)
    period_start: datetime | None = Field(default=None, description="default: 12 hours before")
    period_end: datetime | None = Field(default=None, description="default: now")
    label: str | None = Field(
        default=None,
        max_length=300,
        description="default: the least upper bound of what it lists (this nation only, "
        "unless the officer is a releasing officer)",
    )
    sign: bool = Field(default=True, description="the outgoing officer signs it at once")
    handed_to: str | None = Field(
        default=None,
        max_length=64,
        description="the incoming officer, another member of the body on this node: the "
        "handover lists what both officers may read, and only they sign it as incoming",
    )
