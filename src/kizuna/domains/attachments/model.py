"""An attachment as STIX: an `artifact` (the file in `payload_bin`, base64, with its
`mime_type` and its SHA-256 in `hashes`) carrying Kizuna's attachment extension, a
property extension that names the file and the object it is attached to.

Its id is random (UUIDv4, which STIX 2.1 allows for observables): an attachment is
the act of attaching a file to an object, not the file alone, so the same file may be
attached to two objects, and its id tells nothing of its content.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from typing import Any

from kizuna.stix.types import extension_id

__all__ = ["EXTENSION", "STIX_ID", "TYPE", "Attached", "artifact", "attached"]

TYPE = "artifact"
EXTENSION = extension_id("attachment")
STIX_ID = re.compile(
    r"^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


@dataclass(frozen=True)
class Attached:
    """What an artifact says of itself as an attachment (None when it is no attachment)."""

    # As the body has them, unchecked: the rules (rules.py) judge each.
    file_name: Any
    object_ref: Any
    mime_type: Any
    payload: Any
    sha256: Any


def artifact(
    *, data: bytes, mime_type: str, sha256: str, file_name: str, object_ref: str
) -> dict[str, Any]:
    """The artifact of one attachment."""
    payload = base64.b64encode(data).decode()
    return {
        "type": TYPE,
        "spec_version": "2.1",
        "id": f"{TYPE}--{uuid.uuid4()}",
        "mime_type": mime_type,
        "payload_bin": payload,
        "hashes": {"SHA-256": sha256},
        "extensions": {
            EXTENSION: {
                "extension_type": "property-extension",
                "file_name": file_name,
                "object_ref": object_ref,
            }
        },
    }


def attached(body: dict[str, Any]) -> Attached | None:
    ext = (body.get("extensions") or {}).get(EXTENSION) if isinstance(body, dict) else None
    if not isinstance(ext, dict):
        return None
    hashes = body.get("hashes")
    return Attached(
        file_name=ext.get("file_name"),
        object_ref=ext.get("object_ref"),
        mime_type=body.get("mime_type"),
        payload=body.get("payload_bin"),
        sha256=hashes.get("SHA-256") if isinstance(hashes, dict) else None,
    )
