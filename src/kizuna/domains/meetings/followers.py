"""A meeting record's parts, for the store's followers (`Owners.follow`), its parts of
a whole (`Owners.have_parts`) and its releases.

An imported record is a meeting, its sections and items, and their decisions, all
written at one label; reviews and links follow a decision. Each part names what it
belongs to (`meeting_id`, `section_id`, `item_id`, `decision_id`) and says something of
it, so it is never read more widely than that (DESIGN §2.10). And the meeting's
original and normalized texts hold the words of every part, so no part is read less
widely either: a record is released whole. A release of the meeting takes every part
along, narrowing or widening, in the same transaction (`store/parts.py`; a partner's
node hides them with it when a narrowing's recall arrives), and a release of a section,
an item or a decision on its own is refused (walk 49: an item narrowed alone stayed
readable in its meeting's text, and a meeting widened alone carried the text of parts
never released). Reviews and links are no part of the text: a narrowing takes them
along, a widening does not (each is released on its own, never wider than its
decision: `owner.py`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from kizuna.db.schema import objects
from kizuna.domains.meetings.model import DECISION, ITEM, LINK, MEETING, REVIEW, SECTION
from kizuna.errors import Invalid
from kizuna.store.access import held_label
from kizuna.store.followers import naming
from kizuna.store.owners import Write

__all__ = ["followers", "parts", "release_rules", "whole_of"]

# What follows an object of each type: (the follower's type, the property naming it).
_PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    MEETING: ((SECTION, "meeting_id"), (ITEM, "meeting_id"), (DECISION, "meeting_id")),
    SECTION: ((ITEM, "section_id"),),
    ITEM: ((DECISION, "item_id"),),
    DECISION: ((REVIEW, "decision_id"), (LINK, "decision_id")),
}
_NOUNS = {SECTION: "a section", ITEM: "an item", DECISION: "a decision"}


def followers(conn: Connection, stix_id: str) -> list[str]:
    """The ids of the parts of `stix_id` this node holds, oldest first; none for an
    object that is not a meeting, a section, an item or a decision. A part never
    changes what it belongs to (a correction changes its words): its first version
    says it."""
    kind = conn.execute(select(objects.c.type).where(objects.c.stix_id == stix_id)).scalar()
    parts = _PARTS.get(str(kind))
    return naming(conn, dict(parts), stix_id) if parts else []


def parts(conn: Connection, stix_id: str) -> list[str]:
    """The sections, items and decisions of the meeting `stix_id` this node holds."""
    kind = conn.execute(select(objects.c.type).where(objects.c.stix_id == stix_id)).scalar()
    return naming(conn, dict(_PARTS[MEETING]), stix_id) if kind == MEETING else []


def whole_of(body: dict[str, Any]) -> str | None:
    """The meeting a section, an item or a decision is a part of."""
    meeting = body.get("meeting_id")
    return meeting if body.get("type") in _NOUNS and isinstance(meeting, str) else None


def release_rules(conn: Connection, write: Write) -> None:
    """A section, an item or a decision is released with its meeting, to its label: on
    its own only to the label its meeting holds (a part narrowed alone before the
    record was released whole is put back in step with it so)."""
    meeting = whole_of(write.body)
    if meeting is None or write.follows is not None:
        return
    noun = _NOUNS[str(write.body["type"])]
    held = held_label(conn, meeting)
    if held is not None and write.label != held:
        raise Invalid(
            f"{noun} of a meeting record is released with its meeting, whose text holds "
            f"its words: release the meeting {meeting}, and its parts go with it",
            field="label",
        )
