"""TAXII 2.1 error messages (section 3.6.1), with the TAXII media type."""

from __future__ import annotations

import json

from fastapi.responses import Response

__all__ = ["TAXII_MEDIA", "TaxiiError", "error_response"]

TAXII_MEDIA = "application/taxii+json;version=2.1"


class TaxiiError(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        description: str,
        *,
        details: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.title = title
        self.description = description
        self.details = details
        self.headers = headers


def error_response(exc: TaxiiError) -> Response:
    body: dict[str, object] = {
        "title": exc.title,
        "description": exc.description,
        "http_status": str(exc.status),
    }
    if exc.details:
        body["details"] = exc.details
    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        status_code=exc.status,
        media_type=TAXII_MEDIA,
        headers=exc.headers,
    )
