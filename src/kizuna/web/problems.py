"""Errors as RFC 9457 problem details, in one place for the whole REST API.

Pages get the same errors rendered as HTML by their own handler (see pages.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kizuna.errors import Stale, validator_said
from kizuna.labels import LabelError
from kizuna.store import StoreError

__all__ = ["PROBLEM_JSON", "PROBLEM_RESPONSES", "install", "problem"]

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Refused",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
}


# How every REST operation documents its errors: the schema schemathesis and clients
# check the answers against.
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": f"{title} (RFC 9457 problem details)",
        "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}},
    }
    for status, title in (
        (400, "Bad request"),
        (401, "Not authenticated"),
        (403, "Refused"),
        (404, "Not found (or not visible)"),
        (409, "Conflict"),
        (412, "Precondition failed (If-Match names a version no longer current)"),
        (413, "Request body too large"),
        (415, "Unsupported media type"),
        (422, "Invalid request"),
        (429, "Too many requests"),
    )
}

# What the REST API reads a body as (the attachments' multipart forms are read apart).
_JSON = "application/json"


def problem(
    status: int,
    detail: str,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    title = _TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": f"urn:kizuna:problem:{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if field:
        body["field"] = field
    if errors is None and field:
        errors = [{"field": field, "detail": detail}]
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI, *, is_api: Any, page_error: Any) -> None:
    """Register the handlers; `is_api(request)` tells REST requests from page ones,
    and `page_error(request, exc, status)` renders any of these errors as a page."""

    async def store_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StoreError)
        if not is_api(request):
            response: Response = page_error(request, exc, exc.status)
            return response
        # A stale decision's answer names the version now current, as its ETag too.
        tag = {"ETag": f'"{exc.current}"'} if isinstance(exc, Stale) else None
        return problem(
            exc.status, str(exc), field=exc.field, instance=request.url.path, headers=tag
        )

    async def label_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LabelError)
        if not is_api(request):
            response: Response = page_error(request, exc, 422)
            return response
        field = "label" if exc.field in ("label", "level", "rel_to", "compartments") else exc.field
        return problem(422, str(exc), field=field, instance=request.url.path)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not is_api(request):
            response: Response = page_error(request, exc, 422)
            return response
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        of_body = any(tuple(e.get("loc", ()))[:1] == ("body",) for e in exc.errors())
        sent = request.headers.get("content-length", "0") not in ("", "0")
        if of_body and (media or sent) and media != _JSON and not media.endswith("+json"):
            # The body was sent as something else than JSON, or as nothing named (walk
            # 43, 44: read as "Input should be a valid dictionary"): say so.
            said = media or "no Content-Type"
            return problem(
                415,
                f"the body is read as {_JSON}, not {said}: send it with Content-Type: {_JSON}",
                field="content-type",
                instance=request.url.path,
            )
        errors = [
            {
                # A JSON syntax error's location is a character offset: the body is at fault.
                "field": "body" if e.get("type") == "json_invalid" else _field_of(e.get("loc", ())),
                "detail": validator_said(e),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "detail": "invalid request"}
        return problem(
            422,
            f"{first['field']}: {first['detail']}",
            field=first["field"],
            errors=errors,
            instance=request.url.path,
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not is_api(request):
            response: Response = page_error(request, exc, exc.status_code)
            return response
        return problem(
            exc.status_code,
            str(exc.detail),
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(LabelError, label_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
