"""What the label policy knows, in a reader's words on the object page.

An object's body names nations by their codes (a joint product's approving nations, a
marking's `releasable_to`), holds labels in their canonical English form (a joint
product's target label) and a marking's level by its English name. A page says them as
every other page does: a nation by its name (日本 / Japan), a label as the reader
writes one, their own nation first (秘//提供可：日本、米国), as the banner and the chips
do, and a level by its name in the reader's language. The raw body stays below, in the
STIX object. A value the policy does not know is shown as it is.
"""

from __future__ import annotations

from kizuna.labels import LabelError, Policy, parse, render
from kizuna.stix.markings import LABEL_EXTENSION
from kizuna.web.i18n import N_
from kizuna.web.names import level_name, nation_name

__all__ = ["MARKING_WORDS", "policy_value"]

_MARKING = f"extensions.{LABEL_EXTENSION}"
# A label marking's extension (stix/markings.py), its properties in words.
MARKING_WORDS: dict[str, str] = {
    f"{_MARKING}.level": N_("Classification level"),
    f"{_MARKING}.rank": N_("Rank of the level"),
    f"{_MARKING}.policy": N_("Label policy"),
    f"{_MARKING}.releasable_to": N_("Releasable to"),
    f"{_MARKING}.compartments": N_("Compartments"),
}
# The last part of a property's path that holds nation codes, or a whole label.
_NATIONS = frozenset({"nation", "nations", "releasable_to", "rel_to"})
_LABELS = frozenset({"target_label"})


def policy_value(policy: Policy, path: str, value: str, lang: str, first: str) -> str | None:
    """`value` at `path` in the reader's words when the policy knows it: a nation by
    its name, a label as the reader writes one (`first`, their nation, first), a
    marking's level by its name; None for any other value."""
    key = path.rsplit(".", 1)[-1]
    if key in _NATIONS and value in policy.nations:
        return nation_name(policy, value, lang)
    if key in _LABELS:
        try:
            label = parse(policy, value)
        except LabelError:
            return None
        return render(policy, label, "ja" if lang == "ja" else "en", first=first)
    if path == f"{_MARKING}.level":
        return level_name(policy, value, lang)
    return None
