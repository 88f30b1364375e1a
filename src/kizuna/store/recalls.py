"""The recall a narrowing release writes (see `Store.release_in`)."""

from __future__ import annotations

import uuid
from typing import Any

from kizuna.stix.markings import NAMESPACE
from kizuna.stix.types import RECALL, extension_id

__all__ = ["recall_body"]


def recall_body(stix_id: str, version: int, now: str) -> dict[str, Any]:
    """The recall of the versions of `stix_id` before `version`. Its id is derived from
    both, so a recall written again (a retried transaction) is the same object."""
    return {
        "type": RECALL,
        "spec_version": "2.1",
        "id": f"{RECALL}--{uuid.uuid5(NAMESPACE, f'recall/{stix_id}/{version}')}",
        "created": now,
        "modified": now,
        "object_ref": stix_id,
        "version": version,
        "extensions": {extension_id("recall"): {"extension_type": "new-sdo"}},
    }
