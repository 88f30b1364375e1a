"""REST routes of the attachments under /api/v1/attachments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from kizuna.domains.attachments import queries
from kizuna.domains.attachments.content import ACCEPTED, too_large
from kizuna.domains.attachments.serve import file_response
from kizuna.domains.attachments.service import Attachments, Upload, attachments
from kizuna.errors import Invalid
from kizuna.identity.principal import Principal
from kizuna.web.deps import ApiPrincipal, NodeDep
from kizuna.web.problems import PROBLEM_RESPONSES
from kizuna.web.uploads import NoFileChosen, no_file_chosen

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"])

# A file of a type not accepted, or not the one declared.
_REFUSED_TYPE: dict[int | str, dict[str, Any]] = {
    415: {
        **PROBLEM_RESPONSES[422],
        "description": "Unsupported media type (RFC 9457 problem details)",
    }
}

# What a multipart form needs beside its file (boundaries, headers, the other fields).
FORM_ROOM = 16 * 1024


class AttachmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    of: str = Field(max_length=200, description="The id of the object the file is attached to")
    file_name: str = Field(min_length=1, max_length=255)
    mime_type: str = Field(
        min_length=1,
        max_length=100,
        description="What the file is: application/pdf, image/png, image/jpeg, image/gif, "
        "text/plain or text/csv (UTF-8); it must be what the content is",
    )
    payload_bin: str = Field(min_length=1, description="The file, base64")
    sha256: str | None = Field(
        default=None,
        pattern="^[0-9a-fA-F]{64}$",
        description="The file's SHA-256, checked against its content when given",
    )
    label: str | None = Field(
        default=None,
        max_length=300,
        description="Label; the attachment's is at least as restrictive as this and as the "
        "object's (their least upper bound). Default: lowest level, this nation only",
    )


class AttachmentRead(BaseModel):
    id: str
    type: str = "artifact"
    of: str
    label: str
    file_name: str
    mime_type: str
    size: int
    sha256: str
    added_at: str
    origin: str
    author: str
    content: str


class AttachmentList(BaseModel):
    of: str
    total: int
    items: list[AttachmentRead]


def _read(row: queries.AttachmentRow) -> dict[str, Any]:
    return AttachmentRead(
        id=row.id,
        of=row.object_ref,
        label=row.label_text,
        file_name=row.file_name,
        mime_type=row.mime_type,
        size=row.size,
        sha256=row.sha256,
        added_at=row.added_at,
        origin=row.origin,
        author=row.author,
        content=f"/api/v1/attachments/{row.id}/content",
    ).model_dump()


def _made(node: Any, principal: Principal, mechanism: Attachments, upload: Upload) -> Any:
    made = mechanism.attach(principal, upload)
    # Read back through the visibility condition, as the author now sees it.
    return _read(queries.attachment(node, principal, made.id))


@router.get("", response_model=AttachmentList)
def list_attachments(
    principal: ApiPrincipal, node: NodeDep, of: Annotated[str, Query(max_length=200)]
) -> Response:
    """The attachments of an object that the caller may read, newest first."""
    found = queries.listing(node, principal, of)
    items = [_read(row) for row in found.items]
    return JSONResponse({"of": of, "total": found.total, "items": items})


@router.post("", status_code=201, response_model=AttachmentRead, responses=_REFUSED_TYPE)
def create_attachment(body: AttachmentCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Attach a file (base64 in JSON) to an object the caller may read."""
    mechanism = attachments(node)
    upload = Upload(
        of=body.of,
        file_name=body.file_name,
        mime_type=body.mime_type,
        label=body.label,
        payload_b64=body.payload_bin,
        sha256=body.sha256,
    )
    return JSONResponse(_made(node, principal, mechanism, upload), status_code=201)


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["of", "file"],
                    "properties": {
                        "of": {"type": "string", "maxLength": 200},
                        "label": {"type": "string", "maxLength": 300},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


async def read_upload(
    request: Request, principal: Principal, mechanism: Attachments
) -> tuple[dict[str, str], str, str, bytes]:
    """A multipart form with one file: (its text fields, the file's name, its declared
    type, its bytes). The declared length is judged before the form is parsed, and the
    file is read no further than one byte past the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > mechanism.limit + FORM_ROOM:
        refusal = too_large(int(declared), mechanism.limit)
        await run_in_threadpool(mechanism.refuse, principal, refusal)
    try:
        form = await request.form(max_files=1, max_fields=8)
    except Exception as exc:  # a body that is no multipart form (starlette says why)
        raise Invalid(f"the request is not a multipart form: {exc}", field="file") from None
    try:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("file")
        # A browser sends a nameless, empty part when no file was chosen: that is no
        # file at all, not a file without a name.
        if not isinstance(upload, UploadFile) or no_file_chosen(upload):
            raise NoFileChosen(sent=fields)
        data = await upload.read(mechanism.limit + 1)
        name = upload.filename or ""
        claimed = upload.content_type or ""
    finally:
        await form.close()
    if len(data) > mechanism.limit:
        refusal = too_large(len(data), mechanism.limit)
        refusal.sent = fields
        await run_in_threadpool(mechanism.refuse, principal, refusal)
    return fields, name, claimed, data


@router.post(
    "/upload",
    status_code=201,
    response_model=AttachmentRead,
    responses=_REFUSED_TYPE,
    openapi_extra=_MULTIPART,
)
async def upload_attachment(request: Request, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Attach a file (a multipart form: of, label, file) to an object the caller may read."""
    mechanism = attachments(node)
    fields, name, claimed, data = await read_upload(request, principal, mechanism)
    upload = Upload(
        of=fields.get("of", ""),
        file_name=name,
        mime_type=claimed,
        label=fields.get("label") or None,
        data=data,
    )
    made = await run_in_threadpool(_made, node, principal, mechanism, upload)
    return JSONResponse(made, status_code=201)


@router.get("/{stix_id}", response_model=AttachmentRead)
def get_attachment(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """One attachment's description (404 when missing or not visible)."""
    return JSONResponse(_read(queries.attachment(node, principal, stix_id)))


@router.get(
    "/{stix_id}/content",
    response_class=Response,
    responses={200: {"description": "The file", "content": {m: {} for m in ACCEPTED}}},
)
def get_content(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """The file itself, served with its own type, sandboxed, never sniffed."""
    row, data = queries.content(node, principal, stix_id)
    return file_response(row, data)
