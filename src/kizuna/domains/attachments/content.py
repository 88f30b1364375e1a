"""What a file may be: the pure rules of an attachment's content (no I/O).

A file is judged by its bytes, never by its name or by what the sender says it is:
its first bytes are matched against a short allowlist (PDF, PNG, JPEG, GIF, and text
in UTF-8: plain or CSV), and the type the sender declares must be the one found.
Markup (HTML, SVG, XML) is refused even as text: a browser may run what it holds.
Every refusal is an `AttachmentRefused` with a reason a person can read in both
languages (`words.py`) and a status: 413 for a file too large, 415 for a type that is
not accepted or not the one declared, 422 for a payload or checksum that is wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from kizuna.errors import Disallowed

__all__ = [
    "ACCEPTED",
    "INLINE",
    "AttachmentRefused",
    "Checked",
    "check_payload",
    "clean_name",
    "decode",
    "normal_type",
    "sniff",
    "too_large",
]

# The accepted types, each as STIX `mime_type` names it, with the words for a person.
ACCEPTED = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "text/plain": "text",
    "text/csv": "CSV",
}
# Shown in the page itself (an <img>, or text the browser displays); the rest download.
INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "text/plain"})
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif"})
# Other names senders use for the same types (browsers, older mail clients).
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/csv": "text/csv",
    "text/x-csv": "text/csv",
    "text/comma-separated-values": "text/csv",
}
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# What makes a text markup a browser would render (and run): looked for where browsers
# sniff (the first 1,024 bytes), case-insensitively.
_MARKUP = re.compile(
    rb"^\s*<|<\s*(?:!doctype|html|svg|script|iframe|object|embed|xml|\?xml|body|head)\b",
    re.IGNORECASE,
)
# Control characters other than tab, line feed, form feed and carriage return.
# Control characters, and the bidirectional controls that make "…txt.exe" read as
# "…exe.txt" (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
MAX_NAME = 255


class AttachmentRefused(Disallowed):
    """A file refused by the attachment rules: `reason` keys the words shown to a
    person, `params` fill them in."""

    def __init__(
        self, reason: str, message: str, *, field: str, status: int = 422,
        target: str | None = None, **params: Any,
    ) -> None:  # fmt: skip
        super().__init__(
            message, field=field, action="store:attachments:create", target=target, status=status
        )
        self.reason = reason
        self.params = params
        self.sent: dict[str, str] = {}  # the form's other fields, when it was read


@dataclass(frozen=True)
class Checked:
    """A payload that passed: its bytes' count, SHA-256 and (sniffed) type."""

    size: int
    sha256: str
    mime_type: str


def normal_type(claimed: str) -> str:
    """The declared type as STIX names it: lower case, parameters dropped (a text's
    charset must be UTF-8, or its ASCII subset), known aliases resolved."""
    main, _, params = claimed.strip().lower().partition(";")
    main = _ALIASES.get(main.strip(), main.strip())
    charset = re.search(r"charset\s*=\s*\"?([a-z0-9_-]+)", params)
    if charset and charset.group(1) not in ("utf-8", "utf8", "us-ascii"):
        return f"{main}; charset={charset.group(1)}"
    return main


def sniff(data: bytes) -> str | None:
    """The accepted type the bytes are (for text: `text/plain`), or None when they
    are none of them; markup is None."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text) or _MARKUP.search(data[:1024].removeprefix(b"\xef\xbb\xbf")):
        return None
    return "text/plain"


def _found(data: bytes) -> str:
    """What the bytes look like, for the words of a refusal."""
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if b"<svg" in head:
        return "SVG"
    if head.startswith((b"<!doctype html", b"<html")) or b"<script" in head:
        return "HTML"
    if head.startswith(b"<"):
        return "markup"
    return "unknown"


def clean_name(name: str) -> str:
    """The file name as stored and shown: the last part of a path, no control or
    bidirectional control characters, normalized (NFC), trimmed; empty when nothing
    is left."""
    last = re.split(r"[\\/]", name)[-1]
    last = unicodedata.normalize("NFC", _CONTROL.sub("", last).replace("\n", "").replace("\r", ""))
    return last.replace("\t", " ").strip().strip(".")


def decode(payload: Any, *, limit: int) -> bytes:
    """The bytes of a base64 `payload_bin`, refused before decoding when it is too
    large, and refused when it is not strict base64."""
    if not isinstance(payload, str) or not payload:
        raise AttachmentRefused(
            "no_payload",
            "the attachment carries no file: payload_bin (base64) is required, and a "
            "url to fetch it from is not accepted",
            field="payload_bin",
        )
    # The decoded size, from the text's length less its padding (exact for strict base64).
    size = len(payload) // 4 * 3 - len(payload[-2:]) + len(payload[-2:].rstrip("="))
    if size > limit:
        raise too_large(size, limit)
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise AttachmentRefused(
            "bad_base64", "payload_bin is not valid base64", field="payload_bin"
        ) from None


def too_large(size: int, limit: int) -> AttachmentRefused:
    return AttachmentRefused(
        "too_large",
        f"the file is {size} bytes; an attachment may be at most {limit} bytes",
        field="file",
        status=413,
        size=size,
        limit=limit,
    )


def check_payload(data: bytes, claimed: str, sha256: str | None, *, limit: int) -> Checked:
    """Judge a file: its size, its sniffed type against the allowlist and against
    `claimed`, and `sha256` (when given) against its bytes."""
    if len(data) > limit:
        raise too_large(len(data), limit)
    if not data:
        raise AttachmentRefused("empty", "the file is empty", field="file")
    found = sniff(data)
    if found is None:
        kind = _found(data)
        raise AttachmentRefused(
            "markup" if kind != "unknown" else "not_accepted",
            f"the file's content is {kind}, which is not accepted: attachments are "
            f"{', '.join(ACCEPTED.values())}; markup (HTML, SVG, XML) can run in a "
            "browser and is refused",
            field="file",
            status=415,
            found=kind,
        )
    declared = normal_type(claimed)
    matches = declared == found or (found == "text/plain" and declared == "text/csv")
    if not matches:
        raise AttachmentRefused(
            "mismatch",
            f"the file is declared as {declared or 'nothing'} but its content is {found}",
            field="mime_type",
            status=415,
            claimed=declared or "—",
            found=found,
        )
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and sha256.lower() != digest:
        raise AttachmentRefused(
            "checksum",
            "the SHA-256 given does not match the file's content",
            field="hashes.SHA-256",
        )
    return Checked(len(data), digest, declared)
