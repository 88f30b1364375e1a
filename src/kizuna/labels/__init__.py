"""Confidentiality labels: policy, values, dominance, text forms. Pure: no I/O but
reading the policy file, and no imports from any other Kizuna layer."""

from kizuna.labels.label import Clearance, Label, can_read, dominates, lub
from kizuna.labels.marking import Lang, parse, render, render_ceiling
from kizuna.labels.policy import (
    Compartment,
    Group,
    LabelError,
    Level,
    Nation,
    Policy,
    PolicyError,
    default_policy,
    load_policy,
)

__all__ = [
    "Clearance",
    "Compartment",
    "Group",
    "Label",
    "LabelError",
    "Lang",
    "Level",
    "Nation",
    "Policy",
    "PolicyError",
    "can_read",
    "default_policy",
    "dominates",
    "load_policy",
    "lub",
    "parse",
    "render",
    "render_ceiling",
]
