"""The cell's types on the object page (/objects/{id}): an assessment's, an
observation's, a joint product's (its extension's too) and an approval's properties
named as the intel pages name them, a joint product's state and context in their words;
registered on the node when the domain installs."""

from __future__ import annotations

from kizuna.domains.intel.model import APPROVAL_TYPE, JOINT_CONTEXT
from kizuna.stix.types import JOINT_PRODUCT
from kizuna.web.fields import coded
from kizuna.web.i18n import N_

__all__ = ["PROPERTY_WORDS", "VALUE_WORDS"]

_JOINT = "grouping"
PROPERTY_WORDS: dict[str, dict[str, str]] = {
    "x-kizuna-assessment": {"judgement_ja": N_("Judgement (Japanese)")},
    # Shown in the reader's zone, which the time names (web/times.py).
    "x-kizuna-observation": {"observed_at": N_("Observed at")},
    _JOINT: {
        "context": N_("Context"),
        "state": N_("Status"),
        "nations": N_("Approving nations"),
        "approved_digest": N_("Checksum of the approved version"),
    },
    APPROVAL_TYPE: {
        "nation": N_("Nation"),
        "product_digest": N_("Checksum of the approved version"),
        "product_modified": N_("Version approved"),
        "officer": N_("Approving officer"),
    },
}
_STATES = {"draft": N_("Draft"), "released": N_("Released")}
VALUE_WORDS = {
    _JOINT: coded({
        f"extensions.{JOINT_PRODUCT}.state": _STATES,
        # A grouping's context, ours beside STIX's own vocabulary (web/stix_values.py).
        "context": {JOINT_CONTEXT: N_("Joint product")},
    })
}  # fmt: skip
