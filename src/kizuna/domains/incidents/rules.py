"""The rules every event, public version and acknowledgement meets, whatever path it
took: the service's own writes, a generic write, and a version arriving from a peer
(registered as the owner's `rules`). Pure but for the clock, and for the label of
the event an acknowledgement names, read from the store.

`Invalid` names the field at fault: an unknown kind or municipality code, a place that
is not a Point or Polygon, a place outside Japan for a kind the routing rules require
inside, a time in the future or a learned time before the occurrence, a new version
of a cancelled event, a public version that is not UNCLASSIFIED and releasable to all,
a new version of a cancelled public version, an acknowledgement wider than its event.
`Conflict` for an acknowledgement changed in anything but its label.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from kizuna import clock
from kizuna.db.schema import objects, versions
from kizuna.domains.incidents.model import (
    ACK_TYPE,
    EVENT_TYPE,
    KINDS,
    PUBLIC_TYPE,
    EventStatus,
)
from kizuna.domains.incidents.places import (
    check_geometry,
    check_near,
    in_japan,
    municipality,
    prefecture_of,
)
from kizuna.domains.incidents.routing import Routing
from kizuna.errors import Conflict, Invalid
from kizuna.labels import Label, Policy, dominates
from kizuna.store.access import refuse_if_hidden
from kizuna.store.owners import Write
from kizuna.store.rows import label_of_row
from kizuna.store.rules import changes_label_only, follows_a_narrowing

__all__ = [
    "SKEW",
    "Problems",
    "check_ack",
    "check_event",
    "check_public",
    "check_public_status",
    "event_problems",
    "owner_rules",
    "refuse",
]

# Clocks of the recording desk and the node may differ a little; more is an error.
SKEW = timedelta(minutes=5)


def _time(value: Any, field: str) -> datetime:
    try:
        return clock.parse_ts(str(value))
    except (TypeError, ValueError):
        raise Invalid(f"'{value}' is not a time", field=field) from None


class Problems(Invalid):
    """Several fields at fault at once, each its own `Invalid` (in `problems`, the first
    also the field of the whole): a form says every one, REST lists each (api.py)."""

    def __init__(self, problems: list[Invalid]) -> None:
        said = "; ".join(f"{p.field}: {p}" if p.field else str(p) for p in problems)
        super().__init__(said, field=problems[0].field)
        self.problems = problems


def refuse(problems: list[Invalid]) -> None:
    """Raise what was found: the one problem as it is, several as `Problems`."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Problems(problems)


def check_event(
    routing: Routing, body: dict[str, Any], previous: dict[str, Any] | None = None
) -> None:
    """An event's body, and its change from `previous` (the version it replaces): every
    field at fault at once (`Problems`), one alone as it is."""
    refuse(event_problems(routing, body, previous))


def event_problems(
    routing: Routing, body: dict[str, Any], previous: dict[str, Any] | None = None
) -> list[Invalid]:
    """What is wrong with an event's body: one problem at most of each independent part
    (its kind and status, its place, its times, its revision), so that a second field at
    fault is named with the first (walk: the record form named only the first)."""
    if previous is not None and previous.get("status") == EventStatus.CANCELLED:
        return [
            Invalid(
                f"the event {previous.get('id')} was cancelled: a cancelled event takes no update",
                field="status",
            )
        ]
    found: list[Invalid] = []
    parts: tuple[Callable[[], None], ...] = (
        lambda: _kind_and_status(body),
        lambda: _place(routing, body),
        lambda: _times(body),
        lambda: _revision(body, previous),
    )
    for part in parts:
        try:
            part()
        except Invalid as exc:
            found.append(exc)
    return found


def _kind_and_status(body: dict[str, Any]) -> None:
    kind = body.get("kind")
    if kind not in KINDS:
        raise Invalid(f"unknown kind '{kind}'; known: {', '.join(KINDS)}", field="kind")
    if body.get("status") not in tuple(EventStatus):
        raise Invalid(f"unknown status '{body.get('status')}'", field="status")


def _place(routing: Routing, body: dict[str, Any]) -> None:
    codes = list(body.get("municipalities") or [])
    if not codes:
        raise Invalid("an event names the municipality of its place", field="place.municipalities")
    for code in codes:
        municipality(code)
    if prefecture_of(codes) != body.get("prefecture"):
        raise Invalid(
            "the prefecture is the one of the municipalities", field="place.municipalities"
        )
    place = body.get("place")
    if not isinstance(place, dict):
        raise Invalid("the place is a GeoJSON geometry", field="place.geometry")
    points = check_geometry(place)
    kind = body.get("kind")
    if kind in routing.inside_japan and not in_japan(points):
        raise Invalid(
            f"a {kind} is recorded at a place inside Japan (the routing rules require it); "
            "the place given is outside",
            field="place.geometry",
        )
    if in_japan(points):
        # Outside Japan no code is the place's own; the routing takes the one given.
        check_near(points, codes)


def _times(body: dict[str, Any]) -> None:
    latest = clock.now() + SKEW
    occurred = _time(body.get("occurred"), "occurred")
    learned = _time(body.get("learned"), "learned")
    if occurred > latest:
        raise Invalid("the occurrence time is in the future", field="occurred")
    if learned > latest:
        raise Invalid("the time the event was learned is in the future", field="learned")
    if learned < occurred:
        raise Invalid("an event is learned after it occurs, not before", field="learned")


def _revision(body: dict[str, Any], previous: dict[str, Any] | None) -> None:
    if previous is None:
        return
    if int(body.get("revision", 0)) != int(previous.get("revision", 0)) + 1:
        raise Invalid("each new version of an event is its next revision", field="revision")
    for key in ("kind", "occurred", "prefecture"):
        if body.get(key) != previous.get(key):
            raise Invalid(
                f"an update keeps the event's {key}; cancel it and record anew",
                field=key,
            )


def check_public(policy: Policy, label: Label) -> None:
    lowest = min(level.rank for level in policy.levels)
    if label.rank != lowest or label.compartments or label.rel_to != frozenset(policy.nations):
        raise Invalid(
            "a public version is UNCLASSIFIED, without compartments, releasable to every nation",
            field="label",
        )


def check_public_status(body: dict[str, Any], previous: dict[str, Any] | None) -> None:
    """A public version is live (no status) or cancelled, and a cancelled one stays as
    it is: the public record keeps what its sender retracted, and says so."""
    if body.get("status") not in (None, EventStatus.CANCELLED.value):
        raise Invalid(
            f"a public version's status is 'cancelled' or none, not '{body.get('status')}'",
            field="status",
        )
    if previous is not None and previous.get("status") == EventStatus.CANCELLED:
        raise Invalid(
            f"the public version {previous.get('id')} was cancelled: it takes no new version",
            field="status",
        )
    if body.get("status") is None and (body.get("cancel_reason") or body.get("cancel_reason_ja")):
        raise Invalid(
            "only a cancelled public version gives a reason for cancelling", field="cancel_reason"
        )


def check_narrowing(label: Label, before: Label | None) -> None:
    """An event's label only narrows: everyone told of it was told under the label it
    had, and a wider one would tell more people than the routing chose."""
    if before is None or not dominates(label, before):
        raise Invalid(
            "an event's label only narrows: a release of an event gives a label that "
            "keeps its level or raises it, keeps its compartments or adds some, and "
            "keeps its nations or fewer",
            field="label",
        )


def _relabels_only(write: Write) -> bool:
    """The version is the event as it was at another label (a release decision)."""
    if write.previous is None or write.label == write.previous_label:
        return False
    return changes_label_only(write.previous, write.body)


def owner_rules(routing: Routing, policy: Policy) -> Callable[[Connection, Write], None]:
    """The rules the store runs on every write of the mechanism's types."""

    def rules(conn: Connection, write: Write) -> None:
        kind = write.body.get("type")
        if kind == EVENT_TYPE and write.kind in ("release", "accept") and _relabels_only(write):
            # A release is no revision: the event as it was (cancelled or not), at a
            # narrower label; arriving from its node, as that node decided it.
            check_narrowing(write.label, write.previous_label)
        elif kind == EVENT_TYPE and write.kind == "release":
            raise Invalid("a release of an event changes its label only", field="object")
        elif kind == EVENT_TYPE:
            check_event(routing, write.body, write.previous)
            relabelled = write.previous is not None and write.label != write.previous_label
            if relabelled and write.kind != "accept":
                raise Invalid("an event keeps its label", field="label")
        elif kind == PUBLIC_TYPE:
            check_public(policy, write.label)
            check_public_status(write.body, write.previous)
        elif kind == ACK_TYPE:
            check_ack(conn, write)

    return rules


def check_ack(conn: Connection, write: Write) -> None:
    """An acknowledgement is its nation's, never changed but for its label (the store
    narrows it with its event: followers.py), and never wider than the event it
    acknowledges as held here: a partner's arriving after the event was narrowed here
    would otherwise show its comment to readers the event is now hidden from."""
    body = write.body
    if body.get("nation") != write.origin:
        raise Invalid("an acknowledgement is an object of the acknowledging nation", field="nation")
    refuse_if_hidden(conn, write, body.get("incident"), "incident")
    # Narrowed with its event, here or on its own node when the narrowing arrived there;
    # one arriving wider is no narrowing (store/rules.py).
    if write.previous is not None and not follows_a_narrowing(write):
        raise Conflict(
            "an acknowledgement is never changed: acknowledge the next notice instead",
            field="object.id",
        )
    held = _event_label(conn, str(body.get("incident", "")))
    if held is not None and not dominates(write.label, held):
        raise Invalid(
            "an acknowledgement's label is at least as restrictive as the current label "
            "of the event it acknowledges",
            field="label",
        )


def _event_label(conn: Connection, stix_id: str) -> Label | None:
    """The current label of the event `stix_id` on this node (None when not held)."""
    row = conn.execute(
        select(versions.c.rank, versions.c.rel_to, versions.c.compartments)
        .join(objects, objects.c.pk == versions.c.object_pk)
        .where(objects.c.stix_id == stix_id, objects.c.type == EVENT_TYPE)
        .order_by(versions.c.number.desc())
        .limit(1)
    ).first()
    return label_of_row(row) if row is not None else None
