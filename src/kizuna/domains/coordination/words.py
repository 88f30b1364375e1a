"""Coordination's words: what the pages and notices call each state, tier, phase,
precedence, domain, answer and status (English here, translated where shown).

Kept apart from `model`, which holds the types and the rules, so that a page's
vocabulary can grow without the lifecycle's module growing with it.
"""

from __future__ import annotations

from kizuna.domains.coordination.model import (
    ItemState,
    OfficeStatus,
    ResponseKind,
    RfiState,
    TaskerState,
)

__all__ = [
    "DOMAIN_NAMES",
    "NOTICE_NAMES",
    "N_",
    "OFFICE_STATUS_NAMES",
    "PHASE_NAMES",
    "PRECEDENCE_NAMES",
    "RESPONSE_NAMES",
    "RFI_STATE_NAMES",
    "STATE_NAMES",
    "TASKER_STATE_NAMES",
    "TIER_NAMES",
]


def N_(message: str) -> str:
    """Mark a message for the catalog; pages translate it where they show it."""
    return message


# An item's state and the rung of the ladder it stands on.
STATE_NAMES = {
    ItemState.DRAFT: N_("Draft"),
    ItemState.PROPOSED: N_("Proposed"),
    ItemState.IN_REVIEW: N_("In review"),
    ItemState.CONCURRED: N_("Concurred"),
    ItemState.NON_CONCURRED: N_("Non-concurred"),
    ItemState.ESCALATED: N_("Escalated"),
    ItemState.DECIDED: N_("Decided"),
    ItemState.CLOSED: N_("Closed"),
    ItemState.WITHDRAWN: N_("Withdrawn"),
}
TIER_NAMES = {
    "working_group": N_("Working group"),
    "component": N_("Component"),
    "operational": N_("Operational"),
    "policy": N_("Policy"),
    "acg_action_officer": N_("ACG action officers"),
    "acg_director": N_("ACG directors"),
    "acg_director_general": N_("ACG directors-general"),
    "national_security": N_("National security staff"),
    "ministerial": N_("Ministerial"),
}

# The phase an item of before determinations names for its region.
PHASE_NAMES = {
    "peacetime": N_("Peacetime"),
    "gray_zone": N_("Gray zone"),
    "contingency": N_("Contingency"),
}
PRECEDENCE_NAMES = {
    "FLASH": N_("FLASH"),
    "IMMEDIATE": N_("IMMEDIATE"),
    "PRIORITY": N_("PRIORITY"),
    "ROUTINE": N_("ROUTINE"),
}
DOMAIN_NAMES = {
    "land": N_("Land"),
    "maritime": N_("Maritime"),
    "air": N_("Air"),
    "space": N_("Space"),
    "cyber": N_("Cyber"),
    "electromagnetic": N_("Electromagnetic"),
    "information": N_("Information"),
}

# What a notice to a body says happened, by its kind (notify.Notice.kind).
NOTICE_NAMES = {
    "opened": N_("A new item for your body"),
    "response": N_("An answer to your item"),
    "state": N_("An item changed state"),
    "escalated": N_("An item was escalated"),
    "phase": N_("The alliance phase changed"),
    "rfi": N_("A request for information, or its answer"),
    "tasker": N_("A tasker your body issued was completed"),
}

# An answer to an item, an RFI's state, a tasker's and an office's.
RESPONSE_NAMES = {
    ResponseKind.CONCUR: N_("Concur"),
    ResponseKind.CONCUR_WITH_COMMENTS: N_("Concur with comments"),
    ResponseKind.NON_CONCUR: N_("Non-concur"),
    ResponseKind.REQUEST_FOR_INFORMATION: N_("Request for information"),
}
RFI_STATE_NAMES = {
    RfiState.OPEN: N_("Open"),
    RfiState.ANSWERED: N_("Answered"),
    RfiState.CLOSED: N_("Closed"),
    RfiState.WITHDRAWN: N_("Withdrawn"),
}
TASKER_STATE_NAMES = {
    # Not "Open": its Japanese (回答待ち, awaiting an answer) is an item's and an RFI's.
    TaskerState.OPEN: N_("Not yet complete"),
    TaskerState.COMPLETE: N_("Complete"),
    TaskerState.CANCELLED: N_("Cancelled"),
}
OFFICE_STATUS_NAMES = {
    OfficeStatus.ACKNOWLEDGED: N_("Acknowledged"),
    OfficeStatus.IN_PROGRESS: N_("In progress"),
    OfficeStatus.COMPLETE: N_("Complete"),
    OfficeStatus.CANNOT_MEET: N_("Cannot meet the suspense"),
}
