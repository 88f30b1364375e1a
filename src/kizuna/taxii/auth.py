"""Who is calling a TAXII endpoint: HTTP Basic with a Kizuna user, or a bearer token.

TAXII clients send Basic credentials with every request, and a password check costs
tens of milliseconds by design (argon2). A successful check is therefore remembered
for a minute, under an HMAC of the credentials keyed with the node's secret, so that
paging through a collection verifies the password once; a failed one is never
remembered, and goes through the throttle of every sign-in.

A remembered check is only a shortcut past argon2, never past the account: each use
confirms in one indexed query that the user is still active and that nothing has
happened to the account since (its generation, bumped by deactivation, reactivation
and a new password). So a deactivation or a password change made anywhere (another
worker, the command line) stops the remembered sign-in at its next request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time

from fastapi import Request
from sqlalchemy import Connection

from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from kizuna.taxii.errors import TaxiiError

__all__ = ["BasicCache", "principal_of"]

_CHALLENGE = {"WWW-Authenticate": 'Basic realm="kizuna", Bearer'}


class BasicCache:
    def __init__(self, secret: bytes, ttl: float = 60.0) -> None:
        self._secret = secret
        self._ttl = ttl
        self._lock = threading.Lock()
        self._seen: dict[bytes, tuple[identity.User, float]] = {}

    def _key(self, username: str, password: str) -> bytes:
        return hmac.new(self._secret, f"{username}\0{password}".encode(), hashlib.sha256).digest()

    def get(self, username: str, password: str) -> identity.User | None:
        key = self._key(username, password)
        with self._lock:
            hit = self._seen.get(key)
            if hit is None or hit[1] < time.monotonic():
                self._seen.pop(key, None)
                return None
            return hit[0]

    def put(self, username: str, password: str, user: identity.User) -> None:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[self._key(username, password)] = (user, time.monotonic() + self._ttl)

    def forget(self, username: str, password: str) -> None:
        with self._lock:
            self._seen.pop(self._key(username, password), None)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


def _basic(
    node: Node, cache: BasicCache, request: Request, encoded: str, conn: Connection
) -> Principal:
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise TaxiiError(401, "Not authenticated", "malformed Basic credentials",
                         headers=_CHALLENGE) from exc  # fmt: skip
    cached = cache.get(username, password)
    if cached is not None:
        if identity.credential_current(conn, cached):
            return cached.principal
        cache.forget(username, password)
    source = request.client.host if request.client else "unknown"
    refused: identity.LoginRefused | None = None
    # Committed even when the check fails: the failure count and its entry stay.
    with node.db.write() as writing:
        try:
            user = identity.authenticate(
                writing, username, password, source=source, channel="taxii"
            )
        except identity.LoginRefused as exc:
            refused = exc
    if refused is not None:
        raise TaxiiError(401, "Not authenticated", str(refused), headers=_CHALLENGE)
    cache.put(username, password, user)
    return user.principal


def principal_of(node: Node, cache: BasicCache, request: Request, conn: Connection) -> Principal:
    """The caller, its checks read in `conn`: the caller's own read transaction, which
    the hottest route goes on to read its page in (one transaction a request)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "basic" and value:
        return _basic(node, cache, request, value, conn)
    if scheme.lower() == "bearer" and value:
        principal = identity.principal_for_token(conn, value)
        if principal is None:
            raise TaxiiError(401, "Not authenticated", "the bearer token is not valid",
                             headers=_CHALLENGE)  # fmt: skip
        return principal
    raise TaxiiError(
        401, "Not authenticated", "HTTP Basic or a bearer token is required", headers=_CHALLENGE
    )
