"""A meeting record's parts, for the store's followers (`Owners.follow`) and for its
releases.

An imported record is a meeting, its sections and items, and their decisions, all
written at one label; reviews and links follow a decision. Each part names what it
belongs to (`meeting_id`, `section_id`, `item_id`, `decision_id`) and says something of
it, so it is never read more widely than that (DESIGN §2.10). A record imported at too
wide a label is narrowed by a release of the meeting, which takes every part along in
the same transaction (the store narrows each follower, and their followers in turn),
and a partner's node hides them with it when the recall arrives (walk 45: a record
imported at SECRET//BIAC//REL TO JPN, USA could not be narrowed at all). A widening
takes nothing along: each part is released on its own, never wider than its meeting
(or, for a review or a link, its decision: `owner.py`).
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from kizuna.db.schema import objects
from kizuna.domains.meetings.model import DECISION, ITEM, LINK, MEETING, REVIEW, SECTION
from kizuna.store.followers import naming
from kizuna.store.owners import Write
from kizuna.store.rules import never_wider_than

__all__ = ["followers", "release_rules"]

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


def release_rules(conn: Connection, write: Write) -> None:
    """A section, an item or a decision is never released wider than its meeting."""
    noun = _NOUNS.get(str(write.body.get("type")))
    if noun is not None:
        never_wider_than(conn, write, write.body.get("meeting_id"), noun)
