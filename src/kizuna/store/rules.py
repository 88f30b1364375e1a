"""The rules of writing a labelled object, checked before anything is written.

Each raises `Refused` (a security decision, audited by the store) or `Invalid`,
naming the label when it is the label that is at fault.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from kizuna.errors import Invalid, Refused, Stale
from kizuna.identity.principal import Permission, Principal, roles_needed
from kizuna.labels import Label, Policy, dominates, render
from kizuna.stix.markings import KIZUNA_IDENTITY
from kizuna.store.access import held_label
from kizuna.store.owners import Write

__all__ = [
    "author_refusal",
    "changes_label_only",
    "check_clearance",
    "check_creator",
    "check_label",
    "check_not_revoked",
    "check_release",
    "check_version",
    "follows_a_narrowing",
    "may",
    "never_wider_than",
    "require",
]


def may(principal: Principal, permission: Permission, nation: str) -> bool:
    """What `require` checks, as a question: pages offer a form only to those who may
    send it."""
    return principal.can(permission) and (principal.kind == "system" or principal.nation == nation)


def require(
    principal: Principal,
    permission: Permission,
    what: str,
    nation: str,
    target: str | None = None,
) -> None:
    """The principal holds `permission` and belongs to the node's `nation`: partner
    users on a node read what is released to them, but write on their own node."""
    if not principal.can(permission):
        raise Refused(
            f"{principal.name} may not {what}: it needs {roles_needed(permission)}",
            action=str(permission),
            target=target,
        )
    if principal.kind != "system" and principal.nation != nation:
        raise Refused(
            f"only users of {nation} may {what} on this node",
            action=str(permission),
            target=target,
        )


def author_refusal(
    policy: Policy,
    principal: Principal,
    nation: str,
    label: Label | None,
    *,
    permission: Permission = Permission.OBJECT_WRITE,
    what: str = "create objects",
    target: str | None = None,
) -> Refused | None:
    """Why `principal` may not write on `nation`'s node (at `label`), in the order a
    creation checks: the role, then the clearance and, for a label wider than
    `nation`, the releasing officer; None when they may. A service asks it before its
    own rules of a label, so that every path refuses the caller (403) before the label
    (422); raised in a store transaction, the refusal is audited."""
    try:
        require(principal, permission, what, nation, target)
        if label is not None:
            check_clearance(policy, principal, label, target)
            if label.rel_to != {nation}:
                check_release(principal, nation, target)
    except Refused as exc:
        return exc
    return None


def check_label(
    policy: Policy, principal: Principal, label: Label, origin: str, target: str | None
) -> None:
    """The originating nation is always released to, and the label is within the
    author's own clearance."""
    if origin not in label.rel_to:
        raise Invalid(
            f"the label must be releasable to {origin}, the originating nation",
            field="label",
        )
    check_clearance(policy, principal, label, target)


def check_clearance(policy: Policy, principal: Principal, label: Label, target: str | None) -> None:
    """The label is within the author's own clearance: its level and compartments."""
    held = principal.clearance
    missing = sorted(label.compartments - held.compartments)
    if label.rank > held.rank:
        reason = f"the label {render(policy, label)} is above the clearance of {principal.name}"
    elif missing:
        reason = (
            f"the label {render(policy, label)} names {', '.join(missing)}, a compartment "
            f"{principal.name} does not hold"
        )
    else:
        return
    raise Refused(
        reason,
        field="label",
        action="store:object:label",
        target=target,
        label=render(policy, label),
    )


def check_release(principal: Principal, origin: str, target: str | None) -> None:
    """Only a releasing officer of the originating nation takes a release decision."""
    if principal.kind == "system":
        return
    if not principal.can(Permission.OBJECT_RELEASE):
        raise Refused(
            f"this is a release decision: only a releasing officer of {origin} may take it",
            field="label",
            action=str(Permission.OBJECT_RELEASE),
            target=target,
        )
    if principal.nation != origin:
        raise Refused(
            f"only a releasing officer of {origin}, the originating nation, "
            "may release this object",
            field="label",
            action=str(Permission.OBJECT_RELEASE),
            target=target,
        )


_A_LABEL_ONLY = {"modified", "object_marking_refs"}


def check_creator(principal: Principal, body: dict[str, Any], action: Permission) -> None:
    """No one's object is credited to Kizuna itself, the identity that makes the label
    markings and extension definitions every node holds: exported, it would read as
    the platform's own statement, and a partner would take it as such. Any other
    identity a user names stays theirs to name (a report credited to its agency)."""
    if principal.kind != "system" and body.get("created_by_ref") == KIZUNA_IDENTITY:
        raise Refused(
            f"created_by_ref names {KIZUNA_IDENTITY}, Kizuna's own identity, which only "
            "the objects Kizuna makes itself carry: name the object's creator, or none",
            field="object.created_by_ref",
            action=str(action),
            target=str(body.get("id")),
        )


def check_version(held: int, seen: int | None, stix_id: str, action: str) -> None:
    """A decision names the version its taker saw (`seen`); once another version is
    current, what they decided on is not what would be written or released. None: the
    caller named no version (older clients), and the decision is on the current one."""
    if seen is not None and seen != held:
        raise Stale(
            f"{stix_id} changed after version {seen} was read: version {held} is now "
            "current; read it, then decide again",
            action=action,
            target=stix_id,
            current=held,
        )


def changes_label_only(previous: dict[str, Any], body: dict[str, Any]) -> bool:
    """The new body is the previous one but for its label markings and `modified`."""
    changed = {k for k in previous.keys() | body.keys() if previous.get(k) != body.get(k)}
    return not changed - _A_LABEL_ONLY


def follows_a_narrowing(write: Write) -> bool:
    """A later version of a follower (`Owners.follow`) that is the one before at another
    label only: a release here (the store narrowing it with its object, or an officer's
    decision), or, arriving from a peer, the peer's store narrowing it with its object
    when its narrowing arrived there. An arriving one is only ever narrower: a follower
    carries its object's label, and no narrowing widens it."""
    if write.previous is None or not changes_label_only(write.previous, write.body):
        return False
    if write.kind == "release":
        return True
    before = write.previous_label
    return (
        write.kind == "accept"
        and before is not None
        and write.label != before
        and dominates(write.label, before)
    )


def never_wider_than(conn: Connection, write: Write, followed: object, noun: str) -> None:
    """A release of a follower keeps it within what it is about: an answer, a reply or
    a status released wider than its item, RFI or tasker would tell the nations it
    adds of an object they may not read (derived data carries its label). Widened
    with it (the object released more widely first), it may follow."""
    if write.kind != "release" or not isinstance(followed, str):
        return
    held = held_label(conn, followed)
    if held is not None and not dominates(write.label, held):
        raise Invalid(
            f"{noun} is never released wider than what it is about: {followed} is read "
            "under a narrower label; release that first",
            field="label",
        )


def check_not_revoked(
    previous: dict[str, Any] | None, body: dict[str, Any], *, relabelled: bool
) -> None:
    """A revoked object takes no new version (STIX 2.1), except a new label: an object
    revoked after it was released too widely must still be narrowed, and a release
    changes nothing else."""
    if previous is None or previous.get("revoked") is not True:
        return
    # The same object again (only `modified` moved) is a new version too: refused.
    if not changes_label_only(previous, body) or not relabelled:
        raise Invalid(
            f"{body.get('id')} is revoked: a revoked object takes no new version; "
            "write a new object instead",
            field="object.revoked",
        )
