"""What Kizuna refuses, and why. Interfaces turn these into HTTP answers.

A module of its own, importing nothing, so that every layer can raise them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "Conflict",
    "Disallowed",
    "Invalid",
    "NotFound",
    "Recalled",
    "Refused",
    "Stale",
    "StoreError",
    "Unseen",
    "validator_said",
]


class StoreError(Exception):
    """Base: `field` names the part of the request that is wrong, when there is one."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Invalid(StoreError):
    """The request is malformed or breaks a rule of the data (422)."""

    status = 422


class NotFound(StoreError):
    """Missing or not visible to the caller: the same answer for both (404)."""

    status = 404


class Unseen(NotFound):
    """A write on an object the writer cannot see, hidden or missing alike: answered as
    NotFound, and audited after the rollback (`action` is the permission the write
    used), since probing writes against hidden ids are what the security officers look
    for; one entry for both cases, so the log of a missing id says nothing of a hidden
    one either."""

    def __init__(self, message: str, *, field: str | None = None, action: str, target: str):
        super().__init__(message, field=field)
        self.action = action
        self.target = target


class Conflict(StoreError):
    """The request collides with what is stored (409); `target` is the id it collides
    with, when there is one."""

    status = 409

    def __init__(self, message: str, *, field: str | None = None, target: str | None = None):
        super().__init__(message, field=field)
        self.target = target


class Stale(Conflict):
    """A decision taken on a version that is no longer current (409): the object
    changed after its reader saw it. `current` is the version now held. Audited, as a
    refusal is: a decision that did not take effect is part of the record."""

    def __init__(self, message: str, *, action: str, target: str, current: int) -> None:
        super().__init__(message, field="version", target=target)
        self.action = action
        self.current = current
        self.label: str | None = None


class Refused(StoreError):
    """A security decision said no (403). Always audited."""

    status = 403

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        action: str,
        target: str | None = None,
        label: str | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.action = action
        self.target = target
        # The label the refusal names, if any: its audit entry records it apart, so that
        # the audit page withholds the entry from an admin who may not read that label.
        self.label = label


class Recalled(Refused):
    """A version about an object a recall hid from this node (store.access): refused,
    and a peer's is quarantined without its body, which the quarantine page would
    otherwise show this node's admins."""


class Disallowed(Refused):
    """A write that breaks a rule of its type's owner, or takes a path the owner does not
    allow (422 by default, 409 for a write that collides with one already made). Audited
    like every refusal, so a forged write leaves its trace."""

    status = 422

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        action: str,
        target: str | None = None,
        status: int = 422,
    ) -> None:
        super().__init__(message, field=field, action=action, target=target)
        self.status = status


def validator_said(error: Mapping[str, Any]) -> str:
    """A pydantic error's message as its validator said it: pydantic puts "Value
    error, " before what a validator raises, which tells a reader nothing (walk 46:
    "Value error, unknown municipality code '473250'")."""
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")
