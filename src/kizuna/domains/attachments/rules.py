"""The attachment rules, on every write of an `artifact` whatever its path: this
node's service, a release through the generic endpoint, and a version arriving from a
peer (the other generic paths may not create artifacts at all: the owner registry
refuses them, naming POST /api/v1/attachments).

An artifact on this node is an attachment: it carries the attachment extension with
a file name and the object it is attached to; its file is in `payload_bin` (never a
`url` to fetch, never encrypted), within the size limit, of an accepted type that its
`mime_type` declares truly, and its SHA-256 in `hashes` is its content's. Its label is
at least as restrictive as the current label of the object it is attached to, when
that object is held here: whoever may read the file may read what it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from kizuna.domains.attachments.content import (
    MAX_NAME,
    AttachmentRefused,
    Checked,
    check_payload,
    clean_name,
    decode,
    normal_type,
)
from kizuna.domains.attachments.model import EXTENSION, STIX_ID, Attached, attached
from kizuna.labels import dominates
from kizuna.store.access import held_label, refuse_if_hidden
from kizuna.store.owners import Write

__all__ = ["check_artifact", "owner_rules", "takes_attachments"]

_EXTENSION_KEYS = {"extension_type", "file_name", "object_ref"}
_NOT_TARGETS = ("artifact--", "marking-definition--", "x-kizuna-recall--")


def takes_attachments(stix_id: str) -> bool:
    """Whether a file may be attached to an object of this id's type (an attachment,
    a label marking or a recall may not take one)."""
    return not stix_id.startswith(_NOT_TARGETS)


def _refused(reason: str, message: str, field: str, **params: Any) -> AttachmentRefused:
    return AttachmentRefused(reason, message, field=field, **params)


def check_artifact(body: dict[str, Any], *, limit: int) -> tuple[Attached, Checked]:
    """Judge an artifact's body as an attachment; what it says of itself and of its file."""
    said = attached(body)
    ext = (body.get("extensions") or {}).get(EXTENSION)
    if said is None or not isinstance(ext, dict):
        raise _refused(
            "not_attachment",
            f"an artifact on this node is an attachment: it carries the extension {EXTENSION} "
            "naming its file_name and the object_ref it is attached to",
            "extensions",
        )
    if set(ext) != _EXTENSION_KEYS or ext.get("extension_type") != "property-extension":
        raise _refused(
            "not_attachment",
            f"the attachment extension holds exactly extension_type (property-extension), "
            f"file_name and object_ref; found {', '.join(sorted(map(str, ext)))}",
            "extensions",
        )
    name = said.file_name
    if not isinstance(name, str) or not name or len(name) > MAX_NAME or clean_name(name) != name:
        raise _refused(
            "bad_name",
            f"the file name must be 1 to {MAX_NAME} characters, without a path or control "
            "characters",
            "file_name",
        )
    ref = said.object_ref
    if isinstance(ref, str) and STIX_ID.match(ref) and not takes_attachments(ref):
        raise _refused(
            "takes_no_file",
            f"{ref.split('--')[0]} takes no file: an attachment, a label marking or a recall "
            "has no attachments",
            "of",
        )
    if not isinstance(ref, str) or not STIX_ID.match(ref):
        raise _refused(
            "bad_target",
            "object_ref must be the id of the object the file is attached to (type--uuid), "
            "and not another attachment",
            "of",
        )
    for key in ("url", "encryption_algorithm", "decryption_key"):
        if key in body:
            raise _refused(
                "no_payload",
                f"an attachment holds its file in payload_bin, unencrypted; {key} is not accepted",
                key,
            )
    hashes = body.get("hashes")
    if not isinstance(hashes, dict) or set(hashes) != {"SHA-256"}:
        raise _refused(
            "checksum",
            "hashes must hold exactly the file's SHA-256 (the one hash this node checks)",
            "hashes.SHA-256",
        )
    mime = said.mime_type
    if not isinstance(mime, str) or normal_type(mime) != mime:
        raise _refused(
            "bad_type_name",
            "mime_type must name the type as STIX does (e.g. image/png), without parameters",
            "mime_type",
        )
    data = decode(said.payload, limit=limit)
    checked = check_payload(data, mime, str(said.sha256), limit=limit)
    return said, checked


def owner_rules(limit: Callable[[], int]) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        said, _checked = check_artifact(write.body, limit=limit())
        if write.previous is not None:
            before = attached(write.previous)
            if before is None or (before.file_name, before.object_ref, before.payload) != (
                said.file_name, said.object_ref, said.payload,
            ):  # fmt: skip
                raise _refused(
                    "changed",
                    "an attachment's file, name and object are fixed: attach a new file instead",
                    "object",
                )
        refuse_if_hidden(conn, write, said.object_ref, "object_ref")
        held = held_label(conn, str(said.object_ref))
        if held is not None and not dominates(write.label, held):
            raise _refused(
                "label_below",
                "an attachment's label must be at least as restrictive as the current label "
                "of the object it is attached to",
                "label",
            )

    return rules
