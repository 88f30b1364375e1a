"""Notices as CAP 1.2 (OASIS Common Alerting Protocol) documents.

One alert per (event, revision): `msgType` Alert for the first, Update for the next,
Cancel for a cancellation, each Update and Cancel naming in `references` every earlier
revision it changes (`sender,identifier,sent`); `status` Actual or Exercise; an
`<info>` block in Japanese and one in English; the area as a polygon (or a circle
round a point) plus the JIS X 0402 codes as geocodes. An event's alert is `Restricted`
with its label as the restriction; a public version's is `Public`.

Pure: builds XML text from bodies already read through the store.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kizuna import clock
from kizuna.domains.incidents.model import kind_name
from kizuna.domains.incidents.places import municipality_name
from kizuna.stix.validate import xml_safe

__all__ = ["CAP_NS", "alert", "cap_time", "identifier", "sender"]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CATEGORY = {
    "aircraft_mishap": "Transport",
    "part_fall": "Transport",
    "emergency_landing": "Transport",
    "fuel_spill": "Env",
    "pfas_release": "Env",
    "sofa_crime": "Security",
    "deserter": "Security",
    "training_accident": "Safety",
    "facility_affected": "Security",
    "other": "Other",
}
MSG_TYPE = {1: "Alert"}


def cap_time(value: str | datetime) -> str:
    """CAP's form of a time, in UTC to the second. CAP 1.2 §3.3.2 (DateTime Data Type):
    no 'Z', and UTC itself is written `-00:00` (a `+00:00` is refused by readers that
    follow the standard to the letter)."""
    moment = clock.parse_ts(value) if isinstance(value, str) else value.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S-00:00")


def sender(nation: str) -> str:
    return f"kizuna@{nation.lower()}.alliance"


def identifier(stix_id: str, revision: int) -> str:
    return f"urn:kizuna:{stix_id}:r{revision}"


def msg_type(body: dict[str, Any]) -> str:
    if body.get("status") == "cancelled":
        return "Cancel"
    return "Alert" if int(body.get("revision", 1)) == 1 else "Update"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        # Input refuses what XML cannot carry, but a version stored before that, or
        # one a peer's node took, may hold it: dropped, the document still parses
        # (ElementTree writes a vertical tab as it is, and no reader reads past it).
        element.text = xml_safe(text)
    return element


def _area(info: ET.Element, body: dict[str, Any], lang: str, english: Mapping[str, str]) -> None:
    area = _sub(info, "area")
    names = [municipality_name(c, lang, english) for c in body.get("municipalities", [])]
    facility = body.get("facility")
    desc = "、".join(names) if lang == "ja" else ", ".join(names)
    _sub(area, "areaDesc", f"{desc} ({facility})" if facility else desc)
    place = body.get("place") or {}
    if place.get("type") == "Polygon":
        ring = place["coordinates"][0]
        _sub(area, "polygon", " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat, *_ in ring))
    elif place.get("type") == "Point":
        lon, lat = place["coordinates"][:2]
        _sub(area, "circle", f"{lat:.6f},{lon:.6f} 0")
    for code in body.get("municipalities", []):
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", "JIS X 0402")
        _sub(geocode, "value", code)


def _info(
    alert_el: ET.Element,
    body: dict[str, Any],
    lang: str,
    sender_name: str,
    english: Mapping[str, str],
) -> None:
    ja = lang == "ja"
    info = _sub(alert_el, "info")
    _sub(info, "language", "ja-JP" if ja else "en-US")
    _sub(info, "category", CATEGORY.get(str(body.get("kind")), "Other"))
    _sub(info, "event", kind_name(str(body.get("kind")), lang))
    _sub(info, "urgency", "Immediate" if body.get("status", "open") == "open" else "Past")
    _sub(info, "severity", "Severe" if int(body.get("people_hurt", 0) or 0) else "Moderate")
    _sub(info, "certainty", "Observed")
    _sub(info, "onset", cap_time(str(body["occurred"])))
    _sub(info, "senderName", sender_name)
    _sub(info, "headline", str(body.get("name_ja" if ja else "name", ""))[:160])
    text = body.get("description_ja" if ja else "description")
    # The reason in the block's own language; the English one when no Japanese was given.
    reason = (ja and body.get("cancel_reason_ja")) or body.get("cancel_reason")
    if reason:
        text = f"{text or ''}\n{reason}".strip()
    if text:
        _sub(info, "description", str(text))
    _area(info, body, lang, english)


def alert(
    body: dict[str, Any],
    *,
    nation: str,
    sent: str,
    earlier: list[tuple[int, str]],
    restriction: str | None,
    sender_name: str,
    english: Mapping[str, str] | None = None,
) -> str:
    """The CAP 1.2 document of one revision of an event (or of a public version).

    `sent` is when the revision was written; `earlier` the (revision, sent) of every
    revision before it, which an Update or Cancel references; `restriction` the label
    of a Restricted alert, None for a Public one; `english` the English names of
    municipalities, for the en-US block (see `places.municipality_name`)."""
    ET.register_namespace("", CAP_NS)
    revision = int(body.get("revision", 1))
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", identifier(str(body["id"]), revision))
    _sub(root, "sender", sender(nation))
    _sub(root, "sent", cap_time(sent))
    _sub(root, "status", "Exercise" if body.get("exercise") else "Actual")
    kind = msg_type(body)
    _sub(root, "msgType", kind)
    if restriction is None:
        _sub(root, "scope", "Public")
    else:
        _sub(root, "scope", "Restricted")
        _sub(root, "restriction", restriction)
    if kind != "Alert" and earlier:
        refs = " ".join(
            f"{sender(nation)},{identifier(str(body['id']), n)},{cap_time(at)}" for n, at in earlier
        )
        _sub(root, "references", refs)
    _info(root, body, "ja", sender_name, english or {})
    _info(root, body, "en", sender_name, english or {})
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
