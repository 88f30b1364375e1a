"""How a file leaves the node: its own type (never one the browser guesses), shown in
the page only when it is an image or plain text, and otherwise downloaded; with a
content security policy that sandboxes it, so that even a file a browser opened as a
document could run nothing and reach nothing."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

from kizuna.domains.attachments.content import INLINE
from kizuna.domains.attachments.queries import AttachmentRow

__all__ = ["FILE_CSP", "disposition", "file_response"]

FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'none'"


def disposition(row: AttachmentRow) -> str:
    """`inline` for images and plain text, `attachment` for the rest; the name both as
    plain ASCII (for old clients) and in UTF-8 (RFC 6266, RFC 8187)."""
    kind = "inline" if row.mime_type in INLINE else "attachment"
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_"
                         for c in row.file_name)  # fmt: skip
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.file_name, safe='')}"


def file_response(row: AttachmentRow, data: bytes) -> Response:
    text = row.mime_type.startswith("text/")
    media = f"{row.mime_type}; charset=utf-8" if text else row.mime_type
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": disposition(row),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": FILE_CSP,
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )
