"""Coordination items, responses and situation determinations: their STIX types, the
items' lifecycle, and the pure rules that decide what an answer or a deadline does to
an item.

All are STIX 2.1 objects of types of our own, declared through the STIX extension
definition mechanism (`extension_type: new-sdo`), so that any STIX tool parses them.
Importing this module registers them with `stix2`, which the store uses to check every
object it keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from statemachine import State, StateMachine
from stix2.properties import (
    BooleanProperty,
    DictionaryProperty,
    ListProperty,
    StringProperty,
    TimestampProperty,
)
from stix2.v21 import CustomObject

__all__ = [
    "ACCEPTING",
    "CONCURRING",
    "DETERMINATION_TYPE",
    "DOMAINS",
    "ITEM_TYPE",
    "OPEN_STATES",
    "RECEIPT_TYPE",
    "REPLY_TYPE",
    "RESPONSE_TYPE",
    "RFI_TYPE",
    "TASKER_TYPE",
    "TASK_STATUS_TYPE",
    "Action",
    "Answer",
    "Facts",
    "ItemState",
    "Lifecycle",
    "Precedence",
    "ResponseKind",
    "RfiState",
    "events_after_answer",
    "needs_met",
]

ITEM_TYPE = "x-kizuna-coordination-item"
RESPONSE_TYPE = "x-kizuna-coordination-response"
DETERMINATION_TYPE = "x-kizuna-situation-determination"
RFI_TYPE = "x-kizuna-rfi"
REPLY_TYPE = "x-kizuna-rfi-reply"
RECEIPT_TYPE = "x-kizuna-receipt"
TASKER_TYPE = "x-kizuna-tasker"
TASK_STATUS_TYPE = "x-kizuna-tasker-status"
# Fixed ids: the extension definitions are the same on every node.
ITEM_EXTENSION = "extension-definition--6b0f6c8e-2f4e-4a52-9a55-1c1b1f0e7a11"
RESPONSE_EXTENSION = "extension-definition--0f3e8f0b-4c8d-4f4e-b1c2-6a7f0e9d2b22"
DETERMINATION_EXTENSION = "extension-definition--3d2a4c1e-7b0f-4e9a-8c55-2f6b1d9e4a33"
RFI_EXTENSION = "extension-definition--8a1f5c2d-9e3b-4c7a-b6d4-5e2f1a0c9b44"
REPLY_EXTENSION = "extension-definition--c4e7b2a9-1d6f-4a8e-9b3c-7f0d2e5a1c55"
RECEIPT_EXTENSION = "extension-definition--5b9d3e7f-2a4c-4e1b-8d6a-9c0f3b2e7d66"
TASKER_EXTENSION = "extension-definition--9e2c4a6b-3f1d-4b8e-a7c5-1d0e8f6b3a77"
TASK_STATUS_EXTENSION = "extension-definition--2f7a9c1e-6b4d-4e3a-9f8c-0a5d7e2b4c88"

DOMAINS = ("land", "maritime", "air", "space", "cyber", "electromagnetic", "information")


class Action(StrEnum):
    """What a refusal names (`<domain>:<resource>:<action>`), in the audit log too."""

    ITEM_WRITE = "coordination:item:write"
    RESPONSE_WRITE = "coordination:response:write"
    DETERMINATION_WRITE = "coordination:determination:write"
    RFI_WRITE = "coordination:rfi:write"
    RECEIPT_WRITE = "coordination:receipt:write"
    NOTICE_ACK = "coordination:notice:acknowledge"
    TASKER_WRITE = "coordination:tasker:write"


class ItemState(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    IN_REVIEW = "in_review"
    CONCURRED = "concurred"
    NON_CONCURRED = "non_concurred"
    ESCALATED = "escalated"
    DECIDED = "decided"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


Precedence = Literal["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"]

# States in which an item still waits for something, and has a deadline.
OPEN_STATES = frozenset(
    {ItemState.PROPOSED, ItemState.IN_REVIEW, ItemState.NON_CONCURRED, ItemState.ESCALATED}
)
# States in which an answer is taken.
ACCEPTING = frozenset({ItemState.PROPOSED, ItemState.IN_REVIEW, ItemState.ESCALATED})


class ResponseKind(StrEnum):
    CONCUR = "concur"
    CONCUR_WITH_COMMENTS = "concur_with_comments"
    NON_CONCUR = "non_concur"
    REQUEST_FOR_INFORMATION = "request_for_information"


CONCURRING = frozenset({ResponseKind.CONCUR, ResponseKind.CONCUR_WITH_COMMENTS})


@CustomObject(
    ITEM_TYPE,
    [
        ("name", StringProperty(required=True)),
        ("name_ja", StringProperty(required=True)),
        ("description", StringProperty()),
        ("description_ja", StringProperty()),
        ("requesting_body", StringProperty(required=True)),
        ("counterpart_body", StringProperty(required=True)),
        ("tier", StringProperty(required=True)),
        ("domains", ListProperty(StringProperty)),
        ("region", StringProperty(required=True)),
        ("precedence", StringProperty()),
        # Items of before determinations name their region's phase, and may set it.
        ("phase", StringProperty()),
        ("due", TimestampProperty()),
        ("state", StringProperty(required=True)),
        ("needs", ListProperty(StringProperty, required=True)),
        ("escalated_to", StringProperty()),
        ("sets_phase", StringProperty()),
        # Ids of decisions and other items. Not `_refs` properties: stix2 refuses a
        # reference to a custom type unless it allows custom content everywhere.
        ("decisions", ListProperty(StringProperty)),
        ("related_items", ListProperty(StringProperty)),
        # The item's own record of the answers it received, written by its node (the
        # single writer): those that counted, in order, and those that did not (a
        # nation's second answer to a version, or one that arrived too late). Every
        # node shows an answer's fate from this record, so that both agree.
        ("counted_responses", ListProperty(StringProperty)),
        ("uncounted_responses", ListProperty(StringProperty)),
        # The RFIs it waits on: while any is open, the item's clock is stopped.
        ("clock_stopped_by", ListProperty(StringProperty)),
        # Which language it was written in, and the state of the other's translation
        # (web/bilingual.py): provisional (仮訳), verified or requested.
        ("x_kizuna_translation", DictionaryProperty()),
    ],
    extension_name=ITEM_EXTENSION,
)
class CoordinationItem:
    """A coordination item of the requesting nation (its node is the single writer)."""


@CustomObject(
    RESPONSE_TYPE,
    [
        ("coordination_item", StringProperty(required=True)),
        ("kind", StringProperty(required=True)),
        ("nation", StringProperty(required=True)),
        ("responding_body", StringProperty()),
        ("tier", StringProperty(required=True)),
        ("comment", StringProperty()),
        # The `modified` of the item version answered: one answer per nation per
        # item version. (Kept as the item's own string, compared byte for byte.)
        ("item_modified", StringProperty()),
    ],
    extension_name=RESPONSE_EXTENSION,
)
class CoordinationResponse:
    """An answer of one nation to an item, an object of the answering nation."""


@CustomObject(
    DETERMINATION_TYPE,
    [
        ("name", StringProperty(required=True)),
        ("name_ja", StringProperty(required=True)),
        ("description", StringProperty()),
        ("description_ja", StringProperty()),
        ("nation", StringProperty(required=True)),
        ("determining_body", StringProperty(required=True)),
        ("kind", StringProperty(required=True)),
        ("regions", ListProperty(StringProperty, required=True)),
        ("effective", TimestampProperty(required=True)),
        ("ended", TimestampProperty()),
        ("legal_basis", StringProperty(required=True)),
        ("legal_basis_ja", StringProperty(required=True)),
    ],
    extension_name=DETERMINATION_EXTENSION,
)
class SituationDetermination:
    """A nation's own determination of its situation in some regions, under its own
    law: made on its node by its authorised officers, never concurred by the partner."""


class RfiState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


# (from, to) of an RFI's life: answered by a reply, closed or withdrawn by its asker.
RFI_EDGES = frozenset(
    {
        (RfiState.OPEN, RfiState.ANSWERED),
        (RfiState.OPEN, RfiState.WITHDRAWN),
        (RfiState.ANSWERED, RfiState.CLOSED),
        (RfiState.ANSWERED, RfiState.OPEN),  # the asker finds the answer wanting
    }
)


@CustomObject(
    RFI_TYPE,
    [
        ("name", StringProperty(required=True)),
        ("name_ja", StringProperty(required=True)),
        ("question", StringProperty()),
        ("question_ja", StringProperty()),
        ("asking_body", StringProperty(required=True)),
        ("addressed_body", StringProperty(required=True)),
        ("precedence", StringProperty(required=True)),
        ("state", StringProperty(required=True)),
        # The item whose clock stops while the RFI waits for its answer, if any.
        ("coordination_item", StringProperty()),
        # The reply that answered it, recorded by the RFI's node.
        ("answered_by", StringProperty()),
    ],
    extension_name=RFI_EXTENSION,
)
class RequestForInformation:
    """A question to a body, answered in a thread; an object of the asking nation."""


@CustomObject(
    REPLY_TYPE,
    [
        ("rfi", StringProperty(required=True)),
        ("nation", StringProperty(required=True)),
        ("body", StringProperty(required=True)),
        ("text", StringProperty()),
        ("text_ja", StringProperty()),
        # Whether this reply answers the question (else it asks or clarifies).
        ("answers", BooleanProperty(default=False)),
    ],
    extension_name=REPLY_EXTENSION,
)
class RfiReply:
    """One message of an RFI's thread, an object of the replying nation."""


@CustomObject(
    RECEIPT_TYPE,
    [
        # The item, RFI or tasker received.
        ("of", StringProperty(required=True)),
        ("body", StringProperty(required=True)),
        ("nation", StringProperty(required=True)),
        ("received", TimestampProperty(required=True)),
        ("acknowledged", TimestampProperty()),
        ("acknowledged_by", StringProperty()),
    ],
    extension_name=RECEIPT_EXTENSION,
)
class Receipt:
    """An addressee's receipt of an item, RFI or tasker: written by its nation's node
    when the object first reaches it, acknowledged by a member of the body."""


class TaskerState(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    CANCELLED = "cancelled"


class OfficeStatus(StrEnum):
    """Where one office stands on a tasker."""

    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    CANNOT_MEET = "cannot_meet"  # the suspense cannot be met: says why


@CustomObject(
    TASKER_TYPE,
    [
        ("name", StringProperty(required=True)),
        ("name_ja", StringProperty(required=True)),
        ("instructions", StringProperty()),
        ("instructions_ja", StringProperty()),
        ("issuing_body", StringProperty(required=True)),
        # The office of primary responsibility, and the offices that coordinate.
        ("opr", StringProperty(required=True)),
        ("ocrs", ListProperty(StringProperty)),
        ("suspense", TimestampProperty(required=True)),
        ("precedence", StringProperty(required=True)),
        ("state", StringProperty(required=True)),
        ("coordination_item", StringProperty()),
        # The rung it climbed to once overdue, like an item.
        ("escalated_to", StringProperty()),
        ("completed_by", StringProperty()),
    ],
    extension_name=TASKER_EXTENSION,
)
class Tasker:
    """A task to an office with a suspense; an object of the issuing nation."""


@CustomObject(
    TASK_STATUS_TYPE,
    [
        ("tasker", StringProperty(required=True)),
        ("nation", StringProperty(required=True)),
        ("office", StringProperty(required=True)),
        ("status", StringProperty(required=True)),
        ("note", StringProperty()),
    ],
    extension_name=TASK_STATUS_EXTENSION,
)
class TaskStatus:
    """One office's status on a tasker, an object of the office's nation."""


class Lifecycle(StateMachine):
    """draft → proposed → in review → concurred or non-concurred → escalated (tier) →
    decided → closed; withdrawn from any open state.

    The model it drives has `state`, and answers two guards: `needs_met` (every nation
    the item needs has concurred at its current tier) and `can_climb` (the ladder has a
    rung above the item's tier).
    """

    draft = State(initial=True, value="draft")
    proposed = State(value="proposed")
    in_review = State(value="in_review")
    concurred = State(value="concurred")
    non_concurred = State(value="non_concurred")
    escalated = State(value="escalated")
    decided = State(value="decided")
    closed = State(final=True, value="closed")
    withdrawn = State(final=True, value="withdrawn")

    propose = draft.to(proposed)
    review = proposed.to(in_review)
    concur = in_review.to(concurred, cond="needs_met")
    non_concur = in_review.to(non_concurred) | escalated.to(non_concurred)
    escalate = (
        proposed.to(escalated, cond="can_climb")
        | in_review.to(escalated, cond="can_climb")
        | non_concurred.to(escalated, cond="can_climb")
        | escalated.to.itself(cond="can_climb")  # type: ignore[no-untyped-call]
    )
    decide = concurred.to(decided, cond="needs_met") | escalated.to(decided, cond="needs_met")
    close = decided.to(closed)
    withdraw = (
        draft.to(withdrawn)
        | proposed.to(withdrawn)
        | in_review.to(withdrawn)
        | concurred.to(withdrawn)
        | non_concurred.to(withdrawn)
        | escalated.to(withdrawn)
    )


EVENTS = ("propose", "review", "concur", "non_concur", "escalate", "decide", "close", "withdraw")


@dataclass(frozen=True)
class Answer:
    nation: str
    kind: ResponseKind
    tier: str


@dataclass
class Facts:
    """What the lifecycle decides on; the model the state machine drives."""

    state: str
    tier: str
    needs: frozenset[str]
    answers: tuple[Answer, ...]
    can_climb: bool = False

    def latest(self) -> dict[str, ResponseKind]:
        """Each nation's latest answer at the item's current tier."""
        found: dict[str, ResponseKind] = {}
        for answer in self.answers:
            if answer.tier == self.tier:
                found[answer.nation] = answer.kind
        return found

    @property
    def needs_met(self) -> bool:
        return needs_met(self.needs, self.latest())


def needs_met(needs: Iterable[str], latest: Mapping[str, ResponseKind]) -> bool:
    """Every needed nation's latest answer at the current tier concurs."""
    return all(latest.get(nation) in CONCURRING for nation in needs)


def events_after_answer(facts: Facts) -> list[str]:
    """The transitions an item makes once an answer is recorded, in order."""
    events: list[str] = []
    state = facts.state
    if state == ItemState.PROPOSED:
        events.append("review")
        state = ItemState.IN_REVIEW
    latest = facts.latest()
    if any(latest.get(n) == ResponseKind.NON_CONCUR for n in facts.needs):
        events.append("non_concur")
    elif needs_met(facts.needs, latest):
        events.append("concur" if state == ItemState.IN_REVIEW else "decide")
    return events
