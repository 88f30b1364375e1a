"""Owner rules of a decision's reviews and links: what every write of one must meet,
whatever path it took (the service, or a version arriving from a peer; no generic path
writes them without the meetings key).

A review names its decision, and a link names its decision and, when its target is an
id, the object that carries the decision out. Whoever may read the review or the link
reads those ids and what it says about them, so its label dominates the label of every
object it names that the node holds (DESIGN §2.10: derived data carries its label). A
review of a decision held at UNCLASSIFIED//REL TO JPN is never itself released to the
United States.

On this node the decision must be held; a version from a peer may name a decision or a
target this node does not hold (not yet, or never released to it): its own node judged
it, and the rule is checked here against what is held.

A review is dated no earlier than the meeting that took its decision (walk 49: a
review of 1800-01-01 put "1800" in the register's compliance table): it records what
a nation did about a decision, which did not exist before its meeting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from sqlalchemy import Connection, and_, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.meetings.model import DECISION, LINK, REVIEW
from kizuna.errors import Invalid, NotFound
from kizuna.labels import Policy, dominates, render
from kizuna.store.access import current, held_label
from kizuna.store.owners import Write

__all__ = ["STIX_ID", "follow_up_rules"]

# A link's target is an object's id when it has an id's shape, a name otherwise.
STIX_ID = re.compile(r"[a-z][a-z0-9-]*--[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")


def follow_up_rules(policy: Policy) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        body = write.body
        if body.get("type") not in (REVIEW, LINK):
            return
        named: list[tuple[str, str | None, str]] = [
            (str(body.get("decision_id")), DECISION, "decision")
        ]
        target = str(body.get("target") or "").strip()
        if body["type"] == LINK and STIX_ID.fullmatch(target):
            named.append((target, None, "target"))
        for stix_id, stix_type, field in named:
            held = held_label(conn, stix_id, stix_type)
            if held is None:
                if write.kind == "accept" or field == "target":
                    continue
                raise NotFound(f"no decision {stix_id}", field=field)
            if not dominates(write.label, held):
                raise Invalid(
                    f"the label must be at least as restrictive as {render(policy, held)}, "
                    f"the label of {stix_id}, which it names",
                    field="label",
                )
        if body["type"] == REVIEW:
            _not_before_the_meeting(conn, body)

    return rules


def _not_before_the_meeting(conn: Connection, body: dict[str, object]) -> None:
    """Refuse a review dated before the meeting of its decision (when it is held)."""
    row = conn.execute(
        select(versions.c.body)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id == str(body.get("decision_id")), objects.c.type == DECISION)
        .limit(1)
    ).first()
    met = str(json.loads(row.body).get("meeting_date") or "") if row is not None else ""
    date = str(body.get("date") or "")
    # ISO dates compare as text; a date of another shape is the date rule's to refuse.
    if met and len(date) == 10 and date < met[:10]:
        raise Invalid(
            f"the review's date {date} is before {met[:10]}, the date of the meeting that "
            "took the decision: review what was done after it",
            field="date",
        )
