"""The rules of joint products, approvals and observations, run by the store on every
write of them whatever its path (the cell's service, a generic endpoint, an import, or
a version arriving from a peer): what the approving nations are, that the target label
never moves, that a release publishes exactly the version that was approved, and that
an observation was seen before it was recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from kizuna import clock
from kizuna.domains.intel import model
from kizuna.errors import Invalid
from kizuna.labels import Label, LabelError, Policy, parse
from kizuna.stix.types import JOINT_PRODUCT
from kizuna.stix.validate import bidi_changed, bidi_words
from kizuna.store.owners import Write

__all__ = ["approval_rules", "assessment_rules", "joint_rules", "observation_rules", "texts_rule"]

Rules = Callable[[Connection, Write], None]

# What a release may change in the approved draft: its state and the digest it records,
# and what every new version changes (its time, its label's marking).
_RELEASE_CHANGES = {"modified", "object_marking_refs"}


def _ext(body: dict[str, Any] | None) -> dict[str, Any] | None:
    ext = ((body or {}).get("extensions") or {}).get(JOINT_PRODUCT)
    return ext if isinstance(ext, dict) else None


def _target(policy: Policy, ext: dict[str, Any], origin: str) -> Label:
    try:
        return parse(policy, str(ext.get("target_label", "")), originator=origin)
    except LabelError as exc:
        raise Invalid(f"target_label: {exc}", field="target_label") from exc


def _unchanged(body: dict[str, Any]) -> dict[str, Any]:
    ext = {k: v for k, v in (_ext(body) or {}).items() if k not in ("state", "approved_digest")}
    extensions = {**body.get("extensions", {}), JOINT_PRODUCT: ext}
    rest = {k: v for k, v in body.items() if k not in _RELEASE_CHANGES}
    return {**rest, "extensions": extensions}


# The texts of the cell's objects that another analyst reads.
_TEXTS = ("name", "name_ja", "judgement", "description", "description_ja", "place")


def texts_rule(write: Write) -> None:
    """No bidirectional control in a text another analyst reads: it would show them a
    text other than the one written. A text carried unchanged from the version before
    is not judged again, so one stored before this rule never stops a release."""
    found = bidi_changed(write.body, _TEXTS, write.previous)
    if found is not None:
        field, control = found
        raise Invalid(f"{field}: {bidi_words(control)}", field=field)


def assessment_rules(_conn: Connection, write: Write) -> None:
    """An assessment has no life cycle beyond its schema, which the store checks on
    every path, and its texts."""
    texts_rule(write)


def joint_rules(policy: Policy) -> Rules:
    def check(conn: Connection, write: Write) -> None:
        texts_rule(write)
        ext, before = _ext(write.body), _ext(write.previous)
        if ext is None:
            raise Invalid("a joint product stays a joint product", field="extensions")
        nations = sorted(str(n) for n in ext.get("nations", []))
        target = _target(policy, ext, write.origin)
        if ext.get("state") == "draft":
            # The approving nations are exactly those the draft is releasable to: each
            # reads what it approves, and no nation can be added or dropped by an edit.
            if nations != sorted(write.label.rel_to):
                raise Invalid(
                    f"the approving nations of a joint product are its draft label's "
                    f"({', '.join(sorted(write.label.rel_to))}), not {', '.join(nations)}",
                    field="nations",
                )
            if "approved_digest" in ext:
                raise Invalid("a draft has no approved version yet", field="approved_digest")
            missing = [n for n in nations if n not in target.rel_to]
            if missing or target == write.label:
                raise Invalid(
                    f"the target label must differ from the draft and be releasable to "
                    f"{', '.join(nations)}",
                    field="target_label",
                )
        elif write.label != target:
            raise Invalid("a joint product is released only to its target label", field="label")
        if before is None:
            if write.kind != "accept" and ext.get("state") != "draft":
                raise Invalid("a joint product starts as a draft", field="state")
            return
        if before.get("state") != "draft":
            raise Invalid("a released joint product has no further versions", field="state")
        for key in ("nations", "target_label"):
            if ext.get(key) != before.get(key):
                raise Invalid(
                    f"the {key} of a joint product are fixed when it is drafted", field=key
                )
        if ext.get("state") == "draft":
            return
        if write.kind not in ("release", "accept"):
            raise Invalid("a joint product is released by its approvals", field="state")
        assert write.previous is not None
        assert write.previous_label is not None
        approved = model.digest(policy, write.previous, write.previous_label)
        if ext.get("approved_digest") != approved:
            raise Invalid(
                "a release publishes the version that was approved, and that is not the "
                "current draft",
                field="approved_digest",
            )
        if _unchanged(write.body) != _unchanged(write.previous):
            raise Invalid("a release changes nothing but the label and state", field="object")

    return check


def approval_rules(conn: Connection, write: Write) -> None:
    """An approval is an object of the approving nation, made once and never changed.
    Whether it approves anything (the right nation, the current version) is judged
    where the product is: by the cell's service, or on arrival at its node."""
    if write.kind not in ("answer", "accept") or write.previous is not None:
        raise Invalid("an approval is made once, by its nation's node", field="object")
    if write.body.get("nation") != write.origin:
        raise Invalid(
            f"an approval of {write.body.get('nation')} cannot come from {write.origin}",
            field="nation",
        )


# Clocks of two nodes, and of a person's watch, differ by a few minutes.
_SKEW = timedelta(minutes=5)


def observation_rules(conn: Connection, write: Write) -> None:
    """An observation records what was seen: not after the version that records it
    was made. Judged against the version's own `created`, so a later revision, a
    release or a peer's copy is judged as its origin judged it."""
    texts_rule(write)
    body = write.body
    try:
        observed = clock.parse_ts(str(body.get("observed_at")))
        made = clock.parse_ts(str(body["created"])) if body.get("created") else clock.now()
    except (ValueError, OverflowError):
        return  # not a time at all: the schema, checked on every path, says so
    if observed > made + _SKEW:
        raise Invalid(
            "an observation records what was seen: its time is in the future",
            field="observed_at",
        )
