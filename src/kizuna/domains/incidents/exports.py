"""Exports of the events a reader may see: CSV and GeoJSON (CAP is in `cap.py`), and
the public Atom feed of released public versions. Pure: from objects already read
through the store."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

from kizuna import clock
from kizuna.domains.incidents.model import EventStatus, public_cancel_reason
from kizuna.domains.incidents.places import municipality_name
from kizuna.stix.validate import xml_safe
from kizuna.store import StoredObject

__all__ = ["atom", "csv_text", "geojson"]

COLUMNS = (
    "id",
    "label",
    "kind",
    "status",
    "revision",
    "occurred",
    "occurred_zone",
    "learned",
    "prefecture",
    "municipalities",
    "facility",
    "unit",
    "people_hurt",
    "name",
    "name_ja",
)
ATOM = "http://www.w3.org/2005/Atom"


def csv_text(events: list[StoredObject]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in events:
        body = e.object
        row: list[Any] = [e.id, e.label_text]
        for key in COLUMNS[2:]:
            value = body.get(key, "")
            row.append(" ".join(value) if isinstance(value, list) else value)
        writer.writerow(row)
    return out.getvalue()


def geojson(events: list[StoredObject]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": e.id,
                "geometry": e.object["place"],
                "properties": {
                    "label": e.label_text,
                    "kind": e.object["kind"],
                    "status": e.object["status"],
                    "revision": e.object["revision"],
                    "occurred": e.object["occurred"],
                    "municipalities": e.object["municipalities"],
                    "name": e.object["name"],
                    "name_ja": e.object["name_ja"],
                },
            }
            for e in events
        ],
    }


def atom(public: list[StoredObject], *, base_url: str, nation: str) -> str:
    """The public feed: one entry per released public version, in both languages."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            # A version stored before input refused what XML cannot carry (or taken
            # from a peer's node) must not make the whole feed unreadable.
            element.text = xml_safe(text)
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", f"urn:kizuna:{nation.lower()}:incidents:public")
    sub(feed, "title", f"Kizuna {nation}: incidents and accidents / 事案・事故の公表")
    updated = max((p.modified for p in public), default=clock.now_ts())
    sub(feed, "updated", updated)
    sub(feed, "link", href=f"{base_url}/incidents/public", rel="alternate")
    for p in public:
        body = p.object
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:kizuna:{p.id}:v{p.version}")
        cancelled = body.get("status") == EventStatus.CANCELLED
        # A cancelled notice says so first, in both languages (the CAP is a Cancel).
        mark = ("【取消】", "Cancelled: ") if cancelled else ("", "")
        sub(entry, "title", f"{mark[0]}{body['name_ja']} / {mark[1]}{body['name']}")
        sub(entry, "updated", p.modified)
        sub(
            entry,
            "link",
            href=f"{base_url}/incidents/public/{p.id}.cap",
            rel="alternate",
            type="application/cap+xml",
        )
        # The places are named in Japanese and lead the Japanese text: Japanese
        # punctuation, as the pages write it (「沖縄県北谷町：…」).
        places = "、".join(municipality_name(c) for c in body.get("municipalities", []))
        summary = f"{places}：{body['description_ja']}\n{body['description']}"
        if cancelled:
            summary += "\n" + "\n".join(_cancelled(body))
        sub(entry, "summary", summary)
        author = sub(entry, "author")
        sub(author, "name", f"Kizuna {p.origin}")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, encoding="unicode")


def _cancelled(body: dict[str, Any]) -> tuple[str, str]:
    """What the public reads of a cancellation, in Japanese and English."""
    ja, en = public_cancel_reason(body, "ja"), public_cancel_reason(body, "en")
    return f"取消：{ja}", f"Cancelled: {en}"


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
