"""The record's types on the object page (/objects/{id}): each property named as the
meeting, register and import pages name it, and the codes (a document's kind, a
stance, an actor, a topic, a finding) in the words of `pages.vocabulary`, registered on
the node when the domain installs."""

from __future__ import annotations

from functools import cache
from typing import Any

from kizuna.domains.meetings.model import DECISION, ITEM, LINK, MEETING, REVIEW, SECTION
from kizuna.domains.meetings.words import ZONE_WORDS, note
from kizuna.web.i18n import N_

__all__ = ["PROPERTY_WORDS", "value_words"]

_NUMBERS = {
    "number": N_("Number"),
    "section_number": N_("Section number"),
    "item_number": N_("Item number"),
}
# msgids by type: the words of each property the type declares beyond the common ones,
# and of the keys of its attendees, findings and names in the text.
PROPERTY_WORDS: dict[str, dict[str, str]] = {
    MEETING: {
        "body": N_("Body"),
        "kind": N_("Kind of document"),
        "date": N_("Date"),
        "date_source": N_("Date taken from"),
        "start": N_("Start"),
        "start_zone": N_("Time zone"),
        "start_utc_offset": N_("Start: offset from UTC"),
        "duration_minutes": N_("Length (minutes)"),
        "attendees": N_("Attendees"),
        # An attendee is a person: their name and their office, not a title of the record.
        "attendees.name": N_("Name"),
        "attendees.title": N_("Official title"),
        "attendees.name_en": N_("Name (English)"),
        "attendees.title_en": N_("Official title (English)"),
        "nation": N_("Nation"),
        "name_en": N_("English form"),
        "title_en": N_("Title (English)"),
        "source_digest": N_("Checksum of the text"),
        "source_encoding": N_("Encoding"),
        "original_text": N_("Original text"),
        "normalized_text": N_("Normalized text"),
        "quality": N_("Quality report"),
        # A finding's kind is what it found, not the kind of the document.
        "quality.kind": N_("Kind of finding"),
        "offset": N_("Position in the text"),
        "line": N_("Line"),
        "column": N_("Column"),
        "found": N_("Found"),
        "suggestion": N_("Suggestion"),
    },
    SECTION: {"number": N_("Number")},
    ITEM: {**_NUMBERS, "marker": N_("List marker")},
    DECISION: {
        **_NUMBERS,
        "meeting_date": N_("Meeting date"),
        "actor": N_("Decided by"),
        "stance": N_("Stance"),
        "topics": N_("Topics"),
        "entities": N_("Names in the text"),
        "entities.kind": N_("Kind of name"),
        "entities.text": N_("As written"),
        "keywords": N_("Keywords"),
        "clause": N_("Clause"),
        "restated": N_("Restates an earlier decision"),
        "speaker": N_("Speaker"),
        "reported": N_("reported from another meeting"),
        "reported_from": N_("Reported from"),
        "commitment": N_("Commitment"),
        "owner": N_("Owner"),
    },
    LINK: {"target": N_("Work that carries it out"), "relation": N_("Relation")},
    REVIEW: {
        "nation": N_("Nation"),
        "score": N_("Score"),
        "evidence": N_("Evidence"),
        "date": N_("Date"),
        "round": N_("Review round"),
    },
}
_RELATIONS = {"carried-out-by": N_("Carried out by")}
# Where the meeting's date was read (ingest/heading.py).
_DATE_SOURCES = {
    "text": N_("the text"),
    "heading": N_("the heading"),
    "given": N_("the date entered"),
}
# The gazetteer's kinds of name (ingest/vocab.py).
_NAME_KINDS = {
    "nation": N_("nation"),
    "region": N_("region"),
    "place": N_("place"),
    "organisation": N_("organisation"),
    "body": N_("committee or forum"),
    "system": N_("equipment or system"),
    "capability": N_("capability"),
}
# A decision's yes-or-no properties, stored as 0 or 1.
_FLAGS = ("restated", "reported", "commitment")


@cache
def _said(lang: str) -> dict[str, dict[str, str]]:
    from kizuna.domains.meetings.pages import vocabulary
    from kizuna.web.i18n import translations

    words: dict[str, Any] = vocabulary(lang)
    actors: dict[str, str] = words["actor_name"]
    gettext = translations(lang).gettext
    yes_no = {"1": gettext(N_("yes")), "0": gettext(N_("no"))}
    return {
        **dict.fromkeys(_FLAGS, yes_no),
        "date_source": {k: gettext(v) for k, v in _DATE_SOURCES.items()},
        "start_zone": {k: gettext(v) for k, v in ZONE_WORDS.items()},
        "entities.kind": {k: gettext(v) for k, v in _NAME_KINDS.items()},
        "kind": words["meeting_kind"],
        "quality.kind": words["quality_kind"],
        "stance": words["stance_name"],
        "actor": actors,
        "owner": actors,
        "topics": words["topic_name"],
        "relation": {k: gettext(v) for k, v in _RELATIONS.items()},
    }


def value_words(path: str, value: str, lang: str) -> str | None:
    """A code of the record's in the reader's words, as its pages say it; None for any
    other value."""
    if path == "quality.suggestion":
        # A note of the importer's ("left out (link)") is translated; a reading of the
        # text stays as it is.
        from kizuna.web.i18n import translations

        noted = note(translations(lang).gettext, value)
        return noted if noted != value else None
    return _said(lang).get(path, {}).get(value)
