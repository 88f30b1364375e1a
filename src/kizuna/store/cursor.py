"""Signed, stateless paging cursors: any worker behind a load balancer can resume
a listing, and a cursor cannot be forged or moved to another principal or filter."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from kizuna.errors import Invalid

__all__ = ["decode", "encode"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(secret: bytes, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    sig = hmac.new(secret, body, hashlib.sha256).digest()[:16]
    return f"{_b64(body)}.{_b64(sig)}"


def decode(secret: bytes, token: str, *, field: str = "cursor") -> dict[str, Any]:
    try:
        body_text, sig_text = token.split(".", 1)
        body, sig = _unb64(body_text), _unb64(sig_text)
    except (ValueError, TypeError) as exc:
        raise Invalid("the cursor is malformed", field=field) from exc
    expected = hmac.new(secret, body, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(sig, expected):
        raise Invalid("the cursor is not one this node issued", field=field)
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise Invalid("the cursor is malformed", field=field)
    return payload
