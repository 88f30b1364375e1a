"""Incidents and accidents involving the forces: their STIX types, the controlled
vocabulary of kinds, and what recording, updating and acknowledging an event take.

An event is a STIX 2.1 object of a type of our own (`x-kizuna-incident`), labelled like
any other; its public version (`x-kizuna-incident-public`) is a separate object at
UNCLASSIFIED, releasable to every nation, composed by an authorised user; an
acknowledgement (`x-kizuna-incident-ack`) is an object of the acknowledging nation at the
label of the event it acknowledges. Importing this module registers the three types
with `stix2`, which the store uses to check every object it keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from stix2.properties import (
    BooleanProperty,
    DictionaryProperty,
    IntegerProperty,
    ListProperty,
    StringProperty,
    TimestampProperty,
)
from stix2.v21 import CustomObject

from kizuna.domains.incidents.places import (
    check_geometry,
    check_near,
    in_japan,
    municipality,
    prefecture_of,
)
from kizuna.errors import Invalid
from kizuna.stix.validate import bidi_control, xml_unsafe

__all__ = [
    "ACK_TYPE",
    "EVENT_TYPE",
    "KINDS",
    "PRECEDENCES",
    "PUBLIC_TYPE",
    "TEXT_REFUSALS",
    "AckCreate",
    "Action",
    "CancelRequest",
    "EventCreate",
    "EventStatus",
    "EventUpdate",
    "Kind",
    "PublicCreate",
    "kind_name",
    "notice_name",
    "public_cancel_reason",
    "status_name",
]

EVENT_TYPE = "x-kizuna-incident"
PUBLIC_TYPE = "x-kizuna-incident-public"
ACK_TYPE = "x-kizuna-incident-ack"
# Fixed ids: the extension definitions are the same on every node.
EVENT_EXTENSION = "extension-definition--4a1c2e7d-51b3-4f0e-9d6a-3c8b7e2f1a01"
PUBLIC_EXTENSION = "extension-definition--4a1c2e7d-51b3-4f0e-9d6a-3c8b7e2f1a02"
ACK_EXTENSION = "extension-definition--4a1c2e7d-51b3-4f0e-9d6a-3c8b7e2f1a03"


class Action(StrEnum):
    """What a refusal names (`<domain>:<resource>:<action>`), in the audit log too."""

    EVENT_WRITE = "incidents:event:write"
    PUBLIC_RELEASE = "incidents:public:release"
    ACK_WRITE = "incidents:ack:write"


class Kind(StrEnum):
    """The cases of the Joint Committee's notification procedure, and their kin."""

    AIRCRAFT_MISHAP = "aircraft_mishap"
    PART_FALL = "part_fall"
    EMERGENCY_LANDING = "emergency_landing"
    FUEL_SPILL = "fuel_spill"
    PFAS_RELEASE = "pfas_release"
    SOFA_CRIME = "sofa_crime"
    DESERTER = "deserter"
    TRAINING_ACCIDENT = "training_accident"
    FACILITY_AFFECTED = "facility_affected"
    OTHER = "other"


KINDS = tuple(k.value for k in Kind)
KIND_NAMES: dict[str, tuple[str, str]] = {
    # (English, Japanese): the vocabulary is bilingual by definition, not by catalog.
    "aircraft_mishap": ("Aircraft mishap", "航空機事故"),
    "part_fall": ("Part fallen from an aircraft", "航空機からの部品落下"),
    "emergency_landing": ("Emergency landing", "緊急着陸"),
    "fuel_spill": ("Fuel spill", "燃料流出"),
    "pfas_release": ("Release of PFAS-containing foam", "PFAS含有泡消火剤の流出"),
    "sofa_crime": ("Crime or arrest under the SOFA", "地位協定に関わる事件・逮捕"),
    "deserter": ("Deserter", "脱走兵"),
    "training_accident": ("Training accident", "訓練中の事故"),
    "facility_affected": (
        "Event affecting US forces or their facilities",
        "米軍・施設に影響する事案",
    ),
    "other": ("Other", "その他"),
}
# Highest first: a route's precedence sets the deadlines of the notices it makes.
PRECEDENCES = ("flash", "immediate", "priority", "routine")
PRECEDENCE_NAMES = {
    "flash": ("Flash", "至急報"),
    "immediate": ("Immediate", "緊急"),
    "priority": ("Priority", "優先"),
    "routine": ("Routine", "通常"),
}


class EventStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# An event's state and a notice's CAP message type, as the board and the event page
# name them (the catalog's "Open" is a coordination item's, a different word).
STATUS_NAMES = {
    "open": ("Open", "対応中"),
    "closed": ("Closed", "終結"),
    "cancelled": ("Cancelled", "取消"),
}
NOTICE_NAMES = {
    "Alert": ("Alert", "第一報"),
    "Update": ("Update", "続報"),
    "Cancel": ("Cancel", "取消報"),
    # Not a CAP message type: the last Update of a closed event, as the page names it.
    "Closing": ("Closing report", "最終報告"),
}


# What the public reads of a cancelled notice whose sender gave no reason for the public.
PUBLIC_CANCELLED = ("The sender has cancelled this notice.", "発信者がこの通報を取り消しました。")


def public_cancel_reason(body: dict[str, Any], lang: str) -> str:
    """The reason a cancelled public version gives, in `lang` (the fact, if none)."""
    en, ja = PUBLIC_CANCELLED
    if lang == "ja":
        return str(body.get("cancel_reason_ja") or ja)
    return str(body.get("cancel_reason") or en)


def _named(names: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    en, ja = names.get(key, (key, key))
    return ja if lang == "ja" else en


def kind_name(kind: str, lang: str) -> str:
    return _named(KIND_NAMES, kind, lang)


def status_name(status: str, lang: str) -> str:
    return _named(STATUS_NAMES, status, lang)


def notice_name(msg_type: str, lang: str) -> str:
    return _named(NOTICE_NAMES, msg_type, lang)


@CustomObject(
    EVENT_TYPE,
    [
        ("name", StringProperty(required=True)),
        ("name_ja", StringProperty(required=True)),
        ("kind", StringProperty(required=True)),
        ("occurred", TimestampProperty(required=True)),
        ("occurred_zone", StringProperty(required=True)),
        ("learned", TimestampProperty(required=True)),
        ("learned_zone", StringProperty(required=True)),
        # GeoJSON geometry: a Point or a Polygon, longitude first.
        ("place", DictionaryProperty(required=True)),
        ("facility", StringProperty()),
        ("prefecture", StringProperty(required=True)),
        ("municipalities", ListProperty(StringProperty, required=True)),
        ("unit", StringProperty()),
        ("people_hurt", IntegerProperty(min=0)),
        ("damage", StringProperty()),
        ("release_substance", StringProperty()),
        ("release_amount", StringProperty()),
        ("description", StringProperty()),
        ("description_ja", StringProperty()),
        ("status", StringProperty(required=True)),
        ("revision", IntegerProperty(required=True, min=1)),
        ("exercise", BooleanProperty()),
        ("closing_report", BooleanProperty()),
        # The reason in English, and in Japanese when given (each CAP block and page
        # says it in its own language).
        ("cancel_reason", StringProperty()),
        ("cancel_reason_ja", StringProperty()),
    ],
    extension_name=EVENT_EXTENSION,
)
class IncidentEvent:
    """An incident or accident, an object of the recording nation (single writer)."""


@CustomObject(
    PUBLIC_TYPE,
    [
        ("incident", StringProperty(required=True)),
        ("name", StringProperty(required=True)),
        ("name_ja", StringProperty(required=True)),
        ("kind", StringProperty(required=True)),
        ("occurred", TimestampProperty(required=True)),
        ("prefecture", StringProperty(required=True)),
        ("municipalities", ListProperty(StringProperty, required=True)),
        ("description", StringProperty(required=True)),
        ("description_ja", StringProperty(required=True)),
        # "cancelled" once the event is cancelled (absent before): the public record
        # says so, with the reason given for the public in both languages, if any.
        ("status", StringProperty()),
        ("cancel_reason", StringProperty()),
        ("cancel_reason_ja", StringProperty()),
    ],
    extension_name=PUBLIC_EXTENSION,
)
class IncidentPublic:
    """What the public may know of an event: UNCLASSIFIED, releasable to all. Its
    text is only what was composed for the public; a cancellation of the event adds
    the fact and the public reason, never the event's own (restricted) reason."""


@CustomObject(
    ACK_TYPE,
    [
        ("incident", StringProperty(required=True)),
        ("addressee", StringProperty(required=True)),
        ("revision", IntegerProperty(required=True, min=1)),
        ("nation", StringProperty(required=True)),
        ("person", StringProperty(required=True)),
        # When the acknowledging node notified the body: the latency is measured from
        # the event's record to here and to the acknowledgement's own `created`.
        ("notified", TimestampProperty(required=True)),
        ("comment", StringProperty()),
    ],
    extension_name=ACK_EXTENSION,
)
class IncidentAck:
    """A person's acknowledgement, for their body, of one revision of an event."""


# The refusals of a character a notice cannot carry, by their pydantic error type: the
# pages say them in the reader's words (pages.py), REST with these.
TEXT_REFUSALS = ("xml_character", "bidi_character")


def _carried(value: str) -> str:
    """Text a CAP or Atom document carries: every event and public field goes out in one,
    and one character XML 1.0 cannot carry (a vertical tab, a NUL) made the public
    feed and every CAP document of the node unreadable (walk)."""
    found = xml_unsafe(value)
    if found is not None:
        raise PydanticCustomError(
            "xml_character",
            "the text holds {char}, a control character that CAP and Atom documents "
            "cannot carry: remove it",
            {"char": found},
        )
    return value


def _shown(what: str) -> Callable[[str], str]:
    """A text every reader is shown (a title, which is a CAP headline, or a
    description): also no bidirectional control, which would show the readers of an
    alert a text other than the one written (U+202E). The store refuses one in a
    description on every other path too (`store.owners.check_texts`)."""

    def check(value: str) -> str:
        _carried(value)
        found = bidi_control(value)
        if found is not None:
            raise PydanticCustomError(
                "bidi_character",
                f"the {what} holds {{char}}, a bidirectional control that shows the text "
                "otherwise than it is written: remove it",
                {"char": found},
            )
        return value

    return check


Text = Annotated[str, AfterValidator(_carried)]
Headline = Annotated[str, AfterValidator(_shown("title"))]
Prose = Annotated[str, AfterValidator(_shown("text"))]


class Place(BaseModel):
    """Where: a GeoJSON geometry, the facility if inside one, JIS X 0402 codes."""

    model_config = ConfigDict(extra="forbid")

    geometry: dict[str, Any] = Field(
        description='GeoJSON Point or Polygon, e.g. {"type": "Point", "coordinates": [127.7, 26.2]}'
    )
    facility: Text = Field(default="", max_length=200)
    municipalities: list[Text] = Field(
        min_length=1, max_length=20, description="JIS X 0402 codes (6 digits, with check digit)"
    )

    # Each field's own check here, so that every field at fault is named at once (the
    # rules check them again on every write path, with what needs the routing rules).
    @field_validator("geometry")
    @classmethod
    def _geometry(cls, value: dict[str, Any]) -> dict[str, Any]:
        _as_value_error(check_geometry, value)
        return value

    @field_validator("municipalities")
    @classmethod
    def _codes(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for code in value:
            _as_value_error(municipality, code)
        _as_value_error(prefecture_of, value)
        # Against the place when it is itself right (walk 48: a Tokyo code for a point
        # at Naha was named only once the time, wrong too, had been put right).
        geometry = info.data.get("geometry")
        if geometry is not None:
            points = check_geometry(geometry)
            if in_japan(points):
                _as_value_error(lambda codes: check_near(points, codes), value)
        return value


def _as_value_error(check: Any, value: Any) -> None:
    """Run one of the rules' checks as a field's validator: its words, as they are (the
    pages recognise them), in pydantic's list of every field at fault."""
    try:
        check(value)
    except Invalid as exc:
        raise ValueError(str(exc)) from None


class EventCreate(BaseModel):
    """What recording an event takes; the service checks it against the rules file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Text = Field(max_length=32)
    title_en: Headline = Field(min_length=1, max_length=300)
    title_ja: Headline = Field(min_length=1, max_length=300)
    occurred: datetime = Field(description="with its zone, e.g. 2026-12-01T14:05:00+09:00")
    learned: datetime
    place: Place
    unit: Text = Field(default="", max_length=200)
    people_hurt: int = Field(default=0, ge=0, le=100_000)
    damage: Text = Field(default="", max_length=5_000)
    release_substance: Text = Field(default="", max_length=200)
    release_amount: Text = Field(default="", max_length=200)
    description_en: Prose = Field(default="", max_length=20_000)
    description_ja: Prose = Field(default="", max_length=20_000)
    label: Text = Field(max_length=300, description="e.g. 'CONFIDENTIAL//REL TO JPN, USA'")
    exercise: bool = Field(default=False, description="CAP status Exercise instead of Actual")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"unknown kind '{value}'; known: {', '.join(KINDS)}")
        return value

    @field_validator("occurred", "learned")
    @classmethod
    def _zoned(cls, value: datetime, info: ValidationInfo) -> datetime:
        if value.utcoffset() is None:
            raise ValueError(
                f"the {info.field_name} time needs its zone, e.g. 2026-12-05T09:00+09:00"
            )
        return value


class EventUpdate(BaseModel):
    """A follow-up: any field given replaces the event's; `closing` ends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title_en: Headline | None = Field(default=None, min_length=1, max_length=300)
    title_ja: Headline | None = Field(default=None, min_length=1, max_length=300)
    people_hurt: int | None = Field(default=None, ge=0, le=100_000)
    damage: Text | None = Field(default=None, max_length=5_000)
    release_substance: Text | None = Field(default=None, max_length=200)
    release_amount: Text | None = Field(default=None, max_length=200)
    description_en: Prose | None = Field(default=None, max_length=20_000)
    description_ja: Prose | None = Field(default=None, max_length=20_000)
    closing: bool = Field(default=False, description="the closing report")


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Both languages, as an event's titles: the Cancel reaches the bodies of both
    # nations, each of which reads the reason in its own (walk 48: only English was
    # required, on the Japanese node too).
    reason_en: Text = Field(min_length=1, max_length=2_000)
    reason_ja: Text = Field(min_length=1, max_length=2_000)
    # Published with the public version, if one was released (the reasons above stay
    # at the event's label): both languages or neither, and a releasing officer's.
    public_reason_en: Text = Field(default="", max_length=2_000)
    public_reason_ja: Text = Field(default="", max_length=2_000)


class PublicCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title_en: Headline = Field(min_length=1, max_length=300)
    title_ja: Headline = Field(min_length=1, max_length=300)
    description_en: Prose = Field(min_length=1, max_length=5_000)
    description_ja: Prose = Field(min_length=1, max_length=5_000)


class AckCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    addressee: Text = Field(min_length=1, max_length=64)
    comment: Text = Field(default="", max_length=2_000)
