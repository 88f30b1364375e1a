"""The JSON schemas of Kizuna's STIX extensions, published by every node.

Extension-definition objects name these paths (`/stix/schemas/<name>.json`); they
describe formats, hold no data, and so need no sign-in. `/stix/schemas/` lists them,
each name with its path on this node, so a reader can find them without an
extension definition in hand.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Response

from kizuna.stix.types import SCHEMAS, schema

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/stix/schemas/")
def schema_index() -> Response:
    """The published schemas: a JSON list of each one's name and path here."""
    listed = [{"name": name, "url": f"/stix/schemas/{name}.json"} for name in SCHEMAS]
    return Response(json.dumps(listed, indent=2).encode(), media_type="application/json")


@router.get("/stix/schemas/{name}.json")
def published_schema(name: str) -> Response:
    if name not in SCHEMAS:
        raise HTTPException(404, f"no schema {name}")
    return Response(
        json.dumps(schema(name), indent=2, ensure_ascii=False).encode(),
        media_type="application/schema+json",
    )
