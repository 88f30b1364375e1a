"""The JSON schemas of Kizuna's STIX extensions, published by every node.

Extension-definition objects name these paths; they describe formats, hold no data,
and so need no sign-in.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Response

from kizuna.stix.types import SCHEMAS, schema

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/stix/schemas/{name}.json")
def published_schema(name: str) -> Response:
    if name not in SCHEMAS:
        raise HTTPException(404, f"no schema {name}")
    return Response(
        json.dumps(schema(name), indent=2, ensure_ascii=False).encode(),
        media_type="application/schema+json",
    )
