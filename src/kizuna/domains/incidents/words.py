"""An incident's properties and coded values as its object page (/objects/{id}) names
them: the words of the incident pages (the kinds, states and prefectures of
`model` and `places`), registered on the node when the domain installs."""

from __future__ import annotations

from kizuna.domains.incidents.model import (
    ACK_TYPE,
    EVENT_TYPE,
    PUBLIC_TYPE,
    kind_name,
    status_name,
)
from kizuna.domains.incidents.places import prefecture_name
from kizuna.web.i18n import N_

__all__ = ["PROPERTY_WORDS", "value_words"]

_EVENT = {
    "occurred_zone": N_("Occurred: offset from UTC"),
    "learned_zone": N_("Learned: offset from UTC"),
    "facility": N_("Facility"),
    "prefecture": N_("Prefecture"),
    "unit": N_("Unit"),
    "people_hurt": N_("People hurt"),
    "damage": N_("Damage"),
    "release_substance": N_("Substance released"),
    "release_amount": N_("Amount released"),
    "revision": N_("Event revision"),
    "exercise": N_("Exercise"),
    "closing_report": N_("Closing report"),
    "cancel_reason": N_("Reason for cancelling"),
    "cancel_reason_ja": N_("Reason for cancelling (Japanese)"),
}
# msgids by type: the words of each property the type declares beyond the common ones.
PROPERTY_WORDS: dict[str, dict[str, str]] = {
    EVENT_TYPE: _EVENT,
    PUBLIC_TYPE: {
        "incident": N_("Incident"),
        "prefecture": N_("Prefecture"),
        "cancel_reason": N_("Reason for cancelling"),
        "cancel_reason_ja": N_("Reason for cancelling (Japanese)"),
    },
    ACK_TYPE: {
        "incident": N_("Incident"),
        "addressee": N_("Addressee"),
        "revision": N_("Event revision"),
        "person": N_("Acknowledged by"),
        "notified": N_("Notified"),
    },
}
# A place's GeoJSON geometry, by its type.
_GEOMETRIES = {"Point": ("Point", "地点"), "Polygon": ("Area", "区域")}


def value_words(path: str, value: str, lang: str) -> str | None:
    """A coded value of an incident's (or its public version's) in the reader's words,
    as the incident pages say it; None for any other value."""
    if path == "kind":
        return kind_name(value, lang)
    if path == "status":
        return status_name(value, lang)
    if path == "prefecture":
        return prefecture_name(value, lang)
    if path == "place.type" and value in _GEOMETRIES:
        en, ja = _GEOMETRIES[value]
        return ja if lang == "ja" else en
    return None
