"""Objects travel signed by the node that made them.

The signature is Ed25519 over the RFC 8785 canonical form (the `rfc8785` library) of
the object as stored at its origin, and rides in a property extension together with
what the receiver's guard needs to know before it trusts anything: the origin nation,
the label, the origin's own number of the version and when the origin added it. The
receiver verifies it, takes the extension off and stores exactly the bytes the origin
stored, under the origin's version number, with the signature kept beside them.
(Observables carry no `modified`: the number is the only name a version has.)
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kizuna.labels import Label
from kizuna.stix.markings import NAMESPACE

__all__ = ["SIGNATURE", "Signed", "sign", "unwrap", "verify"]

SIGNATURE = f"extension-definition--{uuid.uuid5(NAMESPACE, 'extension/signature/1')}"


class Signed:
    """What an arriving object claims, before the guard has checked any of it."""

    def __init__(self, body: dict[str, Any], claims: dict[str, Any]) -> None:
        self.body = body
        self.claims = claims
        self._message: bytes | None = None

    @property
    def message(self) -> bytes:
        """The bytes the signature is over: the canonical form of the body and of the
        claims but the signature (made once: the guard also measures them)."""
        if self._message is None:
            claims = {k: v for k, v in self.claims.items() if k != "signature"}
            self._message = _canonical({"body": self.body, "claims": claims})
        return self._message

    @property
    def origin(self) -> str:
        return str(self.claims.get("origin", ""))

    @property
    def added(self) -> str:
        return str(self.claims.get("added", ""))

    @property
    def version(self) -> int | None:
        number = self.claims.get("version")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            return None
        return number

    @property
    def signature(self) -> str:
        return str(self.claims.get("signature", ""))


def _canonical(body: dict[str, Any]) -> bytes:
    if _plain(body):
        # RFC 8785 differs from sorted, compact JSON only in how it writes numbers
        # other than small integers and in how it orders keys outside ASCII; for a
        # value with neither (every STIX object Kizuna stores) the standard library
        # writes the same bytes, about eight times faster. tests/unit/
        # test_signing_canonical.py holds the two to the same output.
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")
    return bytes(rfc8785.dumps(body))


_SAFE_INT = 2**53 - 1  # RFC 8785 writes integers as IEEE 754 doubles


def _plain(value: Any) -> bool:
    """True when `value` holds only ASCII keys, strings, booleans, null and integers
    an IEEE 754 double holds exactly (walked without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is dict:
            if not all(type(key) is str and key.isascii() for key in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if not -_SAFE_INT <= item <= _SAFE_INT:
                return False
        else:
            return False
    return True


def sign(
    key: Ed25519PrivateKey,
    body: dict[str, Any],
    *,
    origin: str,
    label: Label,
    added: str,
    version: int | None = None,
) -> dict[str, Any]:
    """The object as it travels: the stored body plus the signed extension (`added`
    is when the version was added at its origin: the receiver's paging cursor;
    `version` is the origin's number of it, which the receiver stores it under)."""
    claims: dict[str, Any] = {
        "extension_type": "property-extension",
        "origin": origin,
        "rank": label.rank,
        "releasable_to": sorted(label.rel_to),
        "added": added,
    }
    if version is not None:
        claims["version"] = version
    if label.compartments:
        # STIX forbids empty lists: no compartments is no property.
        claims["compartments"] = sorted(label.compartments)
    signed = _canonical({"body": body, "claims": claims})
    claims["signature"] = base64.b64encode(key.sign(signed)).decode()
    return {**body, "extensions": {**body.get("extensions", {}), SIGNATURE: claims}}


def unwrap(obj: dict[str, Any]) -> Signed:
    """Split an arriving object into the stored body and its claims (unchecked)."""
    extensions = dict(obj.get("extensions") or {})
    claims = extensions.pop(SIGNATURE, None)
    body = {k: v for k, v in obj.items() if k != "extensions"}
    if extensions:
        body["extensions"] = extensions
    return Signed(body, claims if isinstance(claims, dict) else {})


def verify(key: Ed25519PublicKey, signed: Signed) -> bool:
    try:
        signature = base64.b64decode(signed.signature, validate=True)
        key.verify(signature, signed.message)
    except (InvalidSignature, ValueError):
        return False
    return True
