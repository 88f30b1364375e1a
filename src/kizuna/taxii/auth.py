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

__all__ = ["BasicCache", "StaleSignIn", "principal_of", "sign_in_basic"]

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


class StaleSignIn(Exception):
    """A remembered Basic sign-in no longer stands: check the password again, outside
    the read that found it."""


def _credentials(encoded: str) -> tuple[str, str]:
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise TaxiiError(401, "Not authenticated", "malformed Basic credentials",
                         headers=_CHALLENGE) from exc  # fmt: skip
    return username, password


def _remembered(cache: BasicCache, request: Request, conn: Connection) -> Principal | None:
    """The caller of a Basic request whose check is remembered and still stands."""
    username, password = _credentials(_basic_value(request))
    cached = cache.get(username, password)
    if cached is not None:
        if identity.credential_current(conn, cached):
            return cached.principal
        cache.forget(username, password)
    return None


def sign_in_basic(node: Node, cache: BasicCache, request: Request) -> None:
    """Check the request's Basic password, holding no connection (`authenticate` reads
    and writes in short transactions of its own): a check made inside the caller's
    read held a pooled connection for each stranger's guess, and thirty of them
    emptied the pool. A success is remembered, so the caller's read finds it."""
    value = _basic_value(request)
    if not value:
        return
    username, password = _credentials(value)
    if cache.get(username, password) is not None:
        return
    source = request.client.host if request.client else "unknown"
    try:
        user = identity.authenticate(node.db, username, password, source=source, channel="taxii")
    except identity.Busy as busy:
        raise TaxiiError(
            503, "Service unavailable", "the node is busy checking other sign-ins; try again"
            f" in {busy.retry_after} s", headers={"Retry-After": str(busy.retry_after)},
        ) from busy  # fmt: skip
    except identity.LoginRefused as refused:
        raise TaxiiError(401, "Not authenticated", str(refused), headers=_CHALLENGE) from refused
    cache.put(username, password, user)


def _basic_value(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "basic" else ""


def principal_of(node: Node, cache: BasicCache, request: Request, conn: Connection) -> Principal:
    """The caller, its checks read in `conn`: the caller's own read transaction, which
    the hottest route goes on to read its page in (one transaction a request)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "basic" and value:
        principal = _remembered(cache, request, conn)
        if principal is None:
            # Checked before this read began (`sign_in_basic`), but what was remembered
            # no longer stands (the account changed): it is forgotten, and the caller
            # checks the password again once this read has ended.
            raise StaleSignIn
        return principal
    if scheme.lower() == "bearer" and value:
        principal = identity.principal_for_token(conn, value)
        if principal is None:
            raise TaxiiError(401, "Not authenticated", "the bearer token is not valid",
                             headers=_CHALLENGE)  # fmt: skip
        return principal
    raise TaxiiError(
        401, "Not authenticated", "HTTP Basic or a bearer token is required", headers=_CHALLENGE
    )
