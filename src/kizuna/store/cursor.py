"""Opaque, stateless paging cursors: any worker behind a load balancer can resume a
listing, and a cursor cannot be forged, read or moved to another principal or filter.

A cursor is AES-256-GCM over its state (row numbers, principal, filter), under a key
derived from the node secret, with a fresh nonce each time. The state is padded to
a fixed size first, so neither the bytes nor the length of a cursor say anything
about the rows behind it: a reader who pages, writes, and pages again learns nothing
of how many objects others wrote meanwhile (issue 11, reproduction 5).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kizuna.errors import Invalid
from kizuna.store.keys import subkey

__all__ = ["decode", "encode"]

_NONCE = 12
# The state is padded to a multiple of this, so cursors of one listing are the same size.
_BLOCK = 192
_AAD = b"kizuna cursor v2"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cipher(secret: bytes) -> AESGCM:
    return AESGCM(subkey(secret, "cursor"))


def encode(secret: bytes, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    # JSON never holds a raw NUL: the padding is cut off at the first one.
    padded = body + b"\0" * (-len(body) % _BLOCK)
    nonce = os.urandom(_NONCE)
    return _b64(nonce + _cipher(secret).encrypt(nonce, padded, _AAD))


def decode(secret: bytes, token: str, *, field: str = "cursor") -> dict[str, Any]:
    try:
        raw = _unb64(token)
    except (ValueError, binascii.Error) as exc:
        raise Invalid("the cursor is malformed", field=field) from exc
    if len(raw) <= _NONCE:
        raise Invalid("the cursor is malformed", field=field)
    try:
        padded = _cipher(secret).decrypt(raw[:_NONCE], raw[_NONCE:], _AAD)
    except InvalidTag as exc:
        raise Invalid("the cursor is not one this node issued", field=field) from exc
    try:
        payload = json.loads(padded.split(b"\0", 1)[0])
    except ValueError as exc:
        raise Invalid("the cursor is malformed", field=field) from exc
    if not isinstance(payload, dict):
        raise Invalid("the cursor is malformed", field=field)
    return payload
