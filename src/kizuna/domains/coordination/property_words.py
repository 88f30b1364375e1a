"""Coordination's types on the object page (/objects/{id}): each property named as the
mechanism's pages name it, and the coded values (states, tiers, phases, precedences,
domains, answers, statuses, kinds) in the words of `words` and `watch_model`,
registered on the node when the domain installs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kizuna.domains.coordination.model import (
    DETERMINATION_TYPE,
    ITEM_TYPE,
    RECEIPT_TYPE,
    REPLY_TYPE,
    RESPONSE_TYPE,
    RFI_TYPE,
    TASK_STATUS_TYPE,
    TASKER_TYPE,
)
from kizuna.domains.coordination.structure import RUNG_JOIN, Structure
from kizuna.domains.coordination.watch_model import ENTRY_KIND_NAMES, ENTRY_TYPE, HANDOVER_TYPE
from kizuna.domains.coordination.words import (
    DOMAIN_NAMES,
    N_,
    OFFICE_STATUS_NAMES,
    PHASE_NAMES,
    PRECEDENCE_NAMES,
    RESPONSE_NAMES,
    RFI_STATE_NAMES,
    STATE_NAMES,
    TASKER_STATE_NAMES,
    TIER_NAMES,
)
from kizuna.labels import Policy
from kizuna.runtime import ValueWords
from kizuna.web.fields import coded
from kizuna.web.i18n import translations
from kizuna.web.names import nation_name

__all__ = ["PROPERTY_WORDS", "VALUE_WORDS", "status_title", "value_words"]

# A body, a nation and a translation's record, as the pages say them.
_BODY = {"body": N_("Body"), "nation": N_("Nation")}
_TRANSLATION = {
    "x_kizuna_translation": N_("Translation"),
    "source": N_("Written in"),
    "status": N_("Status"),
    "translator": N_("Translator"),
    "at": N_("Translated"),
}
# msgids by type: the words of each property the type declares beyond the common ones.
PROPERTY_WORDS: dict[str, dict[str, str]] = {
    ITEM_TYPE: {
        "needs": N_("Answers needed from"),
        "escalated_to": N_("Escalated to"),
        "counted_responses": N_("Answers counted"),
        "uncounted_responses": N_("Answers not counted"),
        "clock_stopped_by": N_("Clock stopped by"),
        **_TRANSLATION,
    },
    RESPONSE_TYPE: {
        "nation": N_("Nation"),
        "responding_body": N_("Answering body"),
        "kind": N_("Answer"),
        "item_modified": N_("Item version answered"),
    },
    DETERMINATION_TYPE: {"nation": N_("Nation"), "legal_basis": N_("Legal basis")},
    RFI_TYPE: {
        "question": N_("Question (English)"),
        "question_ja": N_("Question (Japanese)"),
        "answered_by": N_("Answered by"),
    },
    REPLY_TYPE: {**_BODY, "rfi": N_("Request for information")},
    RECEIPT_TYPE: {
        **_BODY,
        "of": N_("Received object"),
        "received": N_("Received"),
        "acknowledged": N_("Acknowledged"),
        "acknowledged_by": N_("Acknowledged by"),
    },
    TASKER_TYPE: {
        "instructions": N_("Instructions (English)"),
        "instructions_ja": N_("Instructions (Japanese)"),
        "escalated_to": N_("Escalated to"),
        "completed_by": N_("Completed by"),
    },
    TASK_STATUS_TYPE: {"tasker": N_("Tasker"), "nation": N_("Nation"), "status": N_("Status")},
    ENTRY_TYPE: {
        "body": N_("Body"),
        "at": N_("Time it happened"),
        "items": N_("Coordination items"),
        "corrects": N_("Corrects the entry"),
        "author": N_("Author"),
    },
    HANDOVER_TYPE: {
        "body": N_("Body"),
        "period_start": N_("Shift start"),
        "period_end": N_("Shift end"),
        "sections": N_("Report"),
        "outgoing_officer": N_("Outgoing officer"),
        "outgoing_signed_at": N_("Signed by the outgoing officer"),
        "handed_to": N_("Handed to"),
        "incoming_officer": N_("Incoming officer"),
        "incoming_signed_at": N_("Signed by the incoming officer"),
    },
}


def _str(names: Mapping[Any, str]) -> dict[str, str]:
    return {str(k): v for k, v in names.items()}


_ITEM = {
    "tier": _str(TIER_NAMES),
    "escalated_to": _str(TIER_NAMES),
    "phase": _str(PHASE_NAMES),
    "sets_phase": _str(PHASE_NAMES),
    "precedence": _str(PRECEDENCE_NAMES),
    "domains": _str(DOMAIN_NAMES),
}
# The coded values of each type, in the words of the mechanism's pages.
VALUE_WORDS: dict[str, ValueWords] = {
    ITEM_TYPE: coded({**_ITEM, "state": _str(STATE_NAMES)}),
    RESPONSE_TYPE: coded({"kind": _str(RESPONSE_NAMES), "tier": _str(TIER_NAMES)}),
    RFI_TYPE: coded({"precedence": _ITEM["precedence"], "state": _str(RFI_STATE_NAMES)}),
    TASKER_TYPE: coded(
        {
            "precedence": _ITEM["precedence"],
            "escalated_to": _ITEM["tier"],
            "state": _str(TASKER_STATE_NAMES),
        }
    ),
    TASK_STATUS_TYPE: coded({"status": _str(OFFICE_STATUS_NAMES)}),
    ENTRY_TYPE: coded({"kind": ENTRY_KIND_NAMES}),
}

# The properties that hold a body of the alliance structure by its id (`usfj`), said by
# the body's name as the pages say it.
_BODY_PATHS = frozenset(
    {
        "requesting_body", "counterpart_body", "needs", "responding_body",
        "determining_body", "asking_body", "addressed_body", "body", "issuing_body",
        "handed_to", "opr", "ocrs", "escalated_to",
    }
)  # fmt: skip


def value_words(structure: Structure, policy: Policy) -> dict[str, ValueWords]:
    """VALUE_WORDS, and beside them what only the node's alliance structure names: its
    bodies, its regions and the kinds of situation a government determines; and the
    nations an item needs answers from, as the policy names them (walk 48: 「USA」)."""

    def named(codes: ValueWords | None) -> ValueWords:
        def said(path: str, value: str, lang: str) -> str | None:
            found = codes(path, value, lang) if codes else None
            if found:
                return found
            if path in _BODY_PATHS:
                bodies = [structure.bodies.get(b) for b in value.split(RUNG_JOIN)]
                if all(bodies):
                    return " / ".join(b.name(lang) for b in bodies if b)
            if path == "needs" and value in policy.nations:
                return nation_name(policy, value, lang)
            if path in ("region", "regions") and value in structure.regions:
                return structure.regions[value].name(lang)
            if path == "kind" and value in structure.determinations:
                return structure.determinations[value].name(lang)
            return None

        return said

    return {t: named(VALUE_WORDS.get(t)) for t in PROPERTY_WORDS}


def status_title(structure: Structure, body: Mapping[str, Any], lang: str) -> str:
    """A tasker's status as the tasker's page lists it: its office and its status, in
    words ("BOCC: Complete"); a code the structure or the vocabulary does not know, as
    it is."""
    gettext = translations(lang).gettext
    office, status = str(body.get("office", "")), str(body.get("status", ""))
    named = structure.bodies[office].name(lang) if office in structure.bodies else office
    words = _str(OFFICE_STATUS_NAMES).get(status)
    return gettext("{field}: {message}").format(
        field=named, message=gettext(words) if words else status
    )
