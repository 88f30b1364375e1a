"""The STIX bodies of a parsed record: a meeting, its sections, items and decisions.

Pure: the ids derive from `scope` (the service keys it with the node secret and binds
it to the import's label) and each object's place in the text (`s3.i5.d1`), so the
same text at the same label always gives the same bodies."""

from __future__ import annotations

from typing import Any

from kizuna.domains.meetings import model
from kizuna.domains.meetings.ingest import Record

__all__ = ["bodies"]


def _ts(now: str) -> dict[str, str]:
    return {"created": now, "modified": now}


def bodies(record: Record, now: str, scope: str) -> list[dict[str, Any]]:
    m = record.meeting
    d = scope
    meeting_id = model.object_id(model.MEETING, d, "meeting")
    made: list[dict[str, Any]] = [
        {
            "type": model.MEETING,
            "id": meeting_id,
            **_ts(now),
            "name": m.body,
            "body": m.body,
            "lang": m.lang,
            "kind": m.kind,
            **({"title": m.title} if m.title else {}),
            "date": m.date.isoformat(),
            "date_source": m.date_source,
            **({"start": m.start} if m.start else {}),
            **({"start_zone": m.start_zone} if m.start_zone else {}),
            **({"start_utc_offset": m.start_utc_offset} if m.start_utc_offset else {}),
            **({"duration_minutes": m.duration_minutes} if m.duration_minutes else {}),
            **({"place": m.place} if m.place else {}),
            "attendees": [a.as_dict() for a in m.attendees],
            "source_digest": record.digest,
            "source_encoding": record.encoding,
            "original_text": record.original,
            "normalized_text": record.normalized,
            "quality": [
                {
                    "kind": f.kind,
                    "offset": f.position["offset"],
                    "line": f.position["line"],
                    "column": f.position["column"],
                    "found": f.found,
                    "suggestion": f.suggestion,
                }
                for f in record.quality
            ],
        }
    ]
    for s in m.sections:
        section_id = model.object_id(model.SECTION, d, f"s{s.number}")
        made.append(
            {
                "type": model.SECTION,
                "id": section_id,
                **_ts(now),
                "meeting_id": meeting_id,
                "number": s.number,
                "title": s.title,
                **({"text": s.text} if s.text else {}),
            }
        )
        places: list[tuple[str, int | None, str | None, list[Any]]] = [
            (f"s{s.number}", None, None, s.decisions)
        ]
        for i in s.items:
            item_id = model.object_id(model.ITEM, d, f"s{s.number}.i{i.number}")
            made.append(
                {
                    "type": model.ITEM,
                    "id": item_id,
                    **_ts(now),
                    "meeting_id": meeting_id,
                    "section_id": section_id,
                    "section_number": s.number,
                    "number": i.number,
                    **({"marker": i.marker} if i.marker else {}),
                    "text": i.text,
                }
            )
            places.append((f"s{s.number}.i{i.number}", i.number, item_id, i.decisions))
        for place, item_number, owner_item, decisions in places:
            for n, dec in enumerate(decisions):
                body: dict[str, Any] = {
                    "type": model.DECISION,
                    "id": model.object_id(model.DECISION, d, f"{place}.d{n}"),
                    **_ts(now),
                    "meeting_id": meeting_id,
                    "meeting_date": m.date.isoformat(),
                    "section_number": s.number,
                    "actor": dec.actor,
                    "stance": dec.stance,
                    "topics": dec.topics,
                    "entities": dec.entities,
                    "keywords": dec.keywords,
                    "sentence": dec.sentence,
                    "clause": dec.own_words,
                    "restated": int(dec.restated),
                    "reported": int(dec.reported),
                    "commitment": int(dec.commitment),
                    **{
                        k: getattr(dec, k)
                        for k in ("speaker", "reported_from", "owner", "due")
                        if getattr(dec, k)
                    },
                }
                if item_number is not None:
                    body["item_number"] = item_number
                    body["item_id"] = owner_item
                made.append(body)
    # As the stix2 library would store them (the store takes these bodies as built,
    # without that parse): no empty properties, and the type's extension definition.
    return [
        {
            **{k: v for k, v in body.items() if v is not None and v != []},
            "extensions": {model.extension_id(body["type"]): {"extension_type": "new-sdo"}},
        }
        for body in made
    ]
