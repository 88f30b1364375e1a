"""The public version of an event: composed and released by a releasing officer of the
event's node (`release`), and marked cancelled in the same transaction as the event's
cancellation (`cancel_in`), so that the public record never keeps an alert its sender
has retracted.

The public version is its own object (UNCLASSIFIED, releasable to every nation, one
per event, a new version for each change), written by this mechanism only; the
partner's node receives each version by federation like any object. It says only what
was composed for the public, and, once cancelled, the fact and the reason given for the
public: never the event's own reason, which stays at the event's label.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, select

from kizuna import audit
from kizuna.db.schema import access, objects, versions
from kizuna.domains.incidents import OWNER
from kizuna.domains.incidents.model import (
    PUBLIC_TYPE,
    Action,
    CancelRequest,
    EventStatus,
    PublicCreate,
)
from kizuna.domains.incidents.rules import check_public
from kizuna.errors import Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label
from kizuna.store import StoredObject, rules
from kizuna.store.access import current, visible

if TYPE_CHECKING:
    from kizuna.domains.incidents.service import Incidents

__all__ = ["cancel_in", "check_cancel", "public_id_of", "public_of", "release"]

_PUBLIC_NS = uuid.UUID("6f1c0d2e-9b8a-4c7d-8e6f-5a4b3c2d1e0f")


def public_id_of(stix_id: str) -> str:
    """An event's public version has an id derived from the event's: one per event."""
    return f"{PUBLIC_TYPE}--{uuid.uuid5(_PUBLIC_NS, stix_id)}"


def _releaser(c: Incidents, principal: Principal, target: str, what: str) -> None:
    """Text for the public is a release decision, a revision of it as much as the first:
    a releasing officer of this node's nation takes it (raised in a store transaction,
    so that the refusal is audited)."""
    if not rules.may(principal, Permission.OBJECT_RELEASE, c.node.nation):
        with c.store.transaction(principal):
            raise Refused(
                f"{what} is a release decision: only a releasing officer of "
                f"{c.node.nation} may take it",
                action=str(Action.PUBLIC_RELEASE),
                target=target,
            )


def public_of(conn: Connection, stix_id: str) -> str | None:
    """The id of the event's public version, if released (the node's own lookup
    before writing: the id only, nothing shown)."""
    public_id = public_id_of(stix_id)
    found = conn.execute(select(objects.c.pk).where(objects.c.stix_id == public_id)).first()
    return public_id if found else None


def release(c: Incidents, principal: Principal, stix_id: str, data: PublicCreate) -> StoredObject:
    """Compose the public version of an event of this node and release it at
    UNCLASSIFIED to every nation: a releasing officer's decision. A second release
    replaces the text of the first; a cancelled event's public version takes no more."""
    c._author(principal, stix_id)
    _releaser(c, principal, stix_id, "the public version of an event")
    policy = c.node.policy
    label = Label(policy.lowest.rank, frozenset(policy.nations), frozenset())
    check_public(policy, label)
    with c.store.transaction(principal) as conn:
        row = c.event_row(conn, principal, stix_id)
        if row.origin != c.node.nation:
            raise Invalid(f"the public version is released by the node of {row.origin}", field="id")
        event = json.loads(row.body)
        if event.get("status") == EventStatus.CANCELLED:
            raise Invalid(
                f"the event {stix_id} was cancelled: its public version says so and takes "
                "no new text",
                field="status",
            )
        body = {
            "type": PUBLIC_TYPE,
            "id": public_id_of(stix_id),
            "incident": stix_id,
            "name": data.title_en,
            "name_ja": data.title_ja,
            "kind": event["kind"],
            "occurred": event["occurred"],
            "prefecture": event["prefecture"],
            "municipalities": event["municipalities"],
            "description": data.description_en,
            "description_ja": data.description_ja,
        }
        existing = public_of(conn, stix_id)
        if existing is None:
            made = c.store.create_in(conn, principal, body, label, owner=OWNER)
        else:
            body.pop("id")
            made = c.store.revise_in(conn, principal, existing, body, owner=OWNER)
        audit.append(
            conn,
            actor=principal.name,
            action="incidents.public",
            target=stix_id,
            detail={"public": made.id, "version": made.version},
        )
        return made


def _public_body(c: Incidents, conn: Connection, principal: Principal, public_id: str) -> Any:
    row = conn.execute(
        select(versions.c.body)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id == public_id, visible(principal, c.store.bits))
    ).first()
    return json.loads(row.body) if row is not None else None


def check_cancel(c: Incidents, principal: Principal, stix_id: str, data: CancelRequest) -> None:
    """What a cancel's public reason takes, checked before anything is written: both
    languages or neither, given by a releasing officer (it is published)."""
    en, ja = data.public_reason_en, data.public_reason_ja
    if bool(en) != bool(ja):
        raise Invalid(
            "the reason for the public is published in both languages: give it in English "
            "and in Japanese, or leave both empty",
            field="public_reason_ja" if en else "public_reason_en",
        )
    if en:
        _releaser(c, principal, stix_id, "a reason published to the public")


def cancel_in(
    c: Incidents, conn: Connection, principal: Principal, stix_id: str, data: CancelRequest
) -> StoredObject | None:
    """Mark the event's public version cancelled, in the cancel's own transaction: a
    new version with the text the public already has, the status and the public
    reason, if given. None when no public version was released (a public reason is
    then refused: there is nothing public to give it with)."""
    public_id = public_of(conn, stix_id)
    if public_id is None:
        if data.public_reason_en:
            raise Invalid(
                "the event has no public version: a reason for the public is given only "
                "when one was released",
                field="public_reason_en",
            )
        return None
    previous = _public_body(c, conn, principal, public_id)
    if previous is None:  # UNCLASSIFIED and releasable to all: every user reads it
        raise NotFound(f"no public version {public_id}", field="id")
    body = {k: v for k, v in previous.items() if k != "modified"}
    body["status"] = EventStatus.CANCELLED.value
    for key in ("cancel_reason", "cancel_reason_ja"):
        body.pop(key, None)
    if data.public_reason_en:
        body["cancel_reason"] = data.public_reason_en
        body["cancel_reason_ja"] = data.public_reason_ja
    return c.store.revise_in(conn, principal, public_id, body, owner=OWNER)
