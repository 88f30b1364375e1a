"""What creating or changing a coordination record accepts: the request bodies of the
API, the pages and the command line, as pydantic models. They check form only (lengths,
kinds, no unknown field); the service then checks each against the structure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kizuna.domains.coordination.model import OfficeStatus, Precedence, ResponseKind
from kizuna.stix.validate import bidi_said

__all__ = [
    "DeterminationCreate",
    "DeterminationEnd",
    "ItemCreate",
    "ReplyCreate",
    "ResponseCreate",
    "RfiCreate",
    "Shown",
    "TaskStatusCreate",
    "TaskerCreate",
    "TransitionRequest",
    "TranslationVerify",
]


def _shown_as_written(value: str) -> str:
    # A right-to-left override reverses a title on every other reader's board (walk 48),
    # and a text on every other reader's page.
    said = bidi_said(value)
    if said is not None:
        raise ValueError(said)
    return value


# A title or a text one user types and others read: shown as written (the owner's
# rules check it again on every path, arrival too: owner.py, staff_owner.py,
# watch_owner.py).
Shown = Annotated[str, AfterValidator(_shown_as_written)]


class ItemCreate(BaseModel):
    """What opening an item takes; the service checks it against the structure."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Both titles are required, but for the other language's when its translation is
    # requested (the service says which is missing: it depends on `translation`).
    title_en: Shown = Field(default="", max_length=300)
    title_ja: Shown = Field(default="", max_length=300)
    body_en: Shown = Field(default="", max_length=20_000)
    body_ja: Shown = Field(default="", max_length=20_000)
    requesting_body: str = Field(min_length=1, max_length=64)
    counterpart_body: str = Field(min_length=1, max_length=64)
    tier: str | None = Field(default=None, description="default: the requesting body's tier")
    domains: list[str] = Field(default_factory=list)
    region: str = Field(min_length=1, max_length=64)
    label: str = Field(
        description="e.g. 'SECRET//REL TO JPN, USA': it must be releasable to every nation "
        "whose answer the item needs before it is proposed"
    )
    decision_refs: list[str] = Field(default_factory=list)
    item_refs: list[str] = Field(default_factory=list)
    precedence: Precedence = Field(
        default="ROUTINE",
        description="FLASH, IMMEDIATE, PRIORITY or ROUTINE: with the determinations in "
        "force in its region, it sets the item's deadlines",
    )
    translation: Literal["provisional", "requested"] | None = Field(
        default=None,
        description="the other language is a provisional translation (仮訳) by the author, "
        "or is requested from a translator; none: written in both",
    )
    source_lang: Literal["ja", "en"] = Field(
        default="ja", description="the language the item was written in"
    )
    propose: bool = Field(default=True, description="propose at once (else a draft)")


class ResponseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: ResponseKind
    comment: Shown = Field(default="", max_length=20_000)
    responding_body: str | None = Field(default=None, max_length=64)


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: str = Field(description="propose, decide, close or withdraw", max_length=32)


class DeterminationCreate(BaseModel):
    """What recording a determination takes; the service checks it against the
    structure and the officer's authority."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(min_length=1, max_length=64, description="a determination of the structure")
    regions: list[str] = Field(min_length=1, max_length=64)
    determining_body: str = Field(min_length=1, max_length=64)
    label: str = Field(description="e.g. 'SECRET//REL TO JPN, USA'")
    effective: datetime | None = Field(
        default=None, description="when it took effect (default: now); never in the future"
    )
    title_en: Shown = Field(default="", max_length=300, description="default: the kind's name")
    title_ja: Shown = Field(default="", max_length=300)
    legal_basis_en: Shown = Field(default="", max_length=2_000, description="default: the kind's")
    legal_basis_ja: Shown = Field(default="", max_length=2_000)
    body_en: Shown = Field(default="", max_length=20_000)
    body_ja: Shown = Field(default="", max_length=20_000)


class DeterminationEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ended: datetime | None = Field(default=None, description="default: now")


class RfiCreate(BaseModel):
    """What asking takes: a question to a body, on an item or standalone."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title_en: Shown = Field(min_length=1, max_length=300)
    title_ja: Shown = Field(min_length=1, max_length=300)
    question_en: Shown = Field(default="", max_length=20_000)
    question_ja: Shown = Field(default="", max_length=20_000)
    asking_body: str = Field(min_length=1, max_length=64)
    addressed_body: str = Field(min_length=1, max_length=64)
    precedence: Precedence = "ROUTINE"
    coordination_item: str | None = Field(
        default=None,
        max_length=120,
        description="the item whose clock stops until the RFI is answered",
    )
    label: str | None = Field(
        default=None, description="default: the item's label; required for a standalone RFI"
    )


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=64, description="the body one replies for")
    text_en: Shown = Field(default="", max_length=20_000)
    text_ja: Shown = Field(default="", max_length=20_000)
    answers: bool = Field(default=False, description="this reply answers the question")


class TaskerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title_en: Shown = Field(min_length=1, max_length=300)
    title_ja: Shown = Field(min_length=1, max_length=300)
    instructions_en: Shown = Field(default="", max_length=20_000)
    instructions_ja: Shown = Field(default="", max_length=20_000)
    issuing_body: str = Field(min_length=1, max_length=64)
    opr: str = Field(min_length=1, max_length=64, description="office of primary responsibility")
    ocrs: list[str] = Field(default_factory=list, max_length=20)
    suspense: datetime = Field(description="when the task is due (with its time zone)")
    precedence: Precedence = "ROUTINE"
    coordination_item: str | None = Field(default=None, max_length=120)
    label: str | None = Field(
        default=None, description="default: the item's label; required without an item"
    )


class TaskStatusCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    office: str = Field(min_length=1, max_length=64)
    status: OfficeStatus
    note: Shown = Field(default="", max_length=20_000)


class TranslationVerify(BaseModel):
    """A translator verifies an item's translation, writing the missing title and text
    of a requested one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Shown = Field(default="", max_length=300, description="the translated title, if any")
    body: Shown = Field(default="", max_length=20_000, description="the translated text, if any")
