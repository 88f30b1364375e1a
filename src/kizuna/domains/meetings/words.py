"""The quality report, a meeting's start and the importer's refusals of a given date,
in the reader's language.

A record keeps its findings as the importer wrote them: a stable code for the kind and
an English note where the finding is a note (they are data, and in records stored
before). They are put into the reader's language where a page shows them."""

from __future__ import annotations

import re
from collections.abc import Callable

from kizuna.domains.meetings.ingest.given import DateDisagrees, NoSuchDay
from kizuna.domains.meetings.ingest.heading import ANNOUNCED
from kizuna.domains.meetings.ingest.normalize import LEFT_OUT_OF_READING
from kizuna.domains.meetings.ingest.parse import DOUBTFUL
from kizuna.web.i18n import N_

__all__ = ["KIND_NAMES", "ZONE_WORDS", "date_refused", "note", "section_said", "start_said"]

KIND_NAMES = {
    "traditional-form": N_("traditional character form"),
    "bidi-control": N_("bidirectional control (it shows the words around it reordered)"),
    "chinese-usage": N_("Chinese usage"),
    "doubled-kana": N_("kana doubled by the extraction"),
    "voicing": N_("voicing mark lost"),
    "page-break": N_("word broken across a page"),
    "line-joined": N_("lines joined into one sentence: check that nothing is missing"),
    "page-chrome": N_("page chrome"),
    "zone-assumed": N_("time zone assumed"),
    "no-attendees": N_("no attendees"),
    "no-start": N_("no start time"),
    "announced": N_("announcement of a meeting to come"),
    "doubtful-heading": N_("doubtful heading"),
    "no-such-date": N_("a date that never was"),
}

_NOTES = {
    LEFT_OUT_OF_READING: N_("left out of the text the importer reads"),
    "no zone in the text: Japan time assumed": N_("no zone in the text: Japan time assumed"),
    "no attendee could be read": N_("no attendee could be read"),
    "no start time in the opening": N_("no start time in the opening"),
    ANNOUNCED: N_("an announcement: dated the day it was made; the attendees are those expected"),
    DOUBTFUL: N_(
        "read as a heading, but it ends inside a sentence: check it is not a line of the "
        "paragraph below"
    ),
}

# The pieces of a web page the importer leaves out (chrome.py), by kind.
_CHROME = {
    "language switch": N_("language switch"),
    "navigation": N_("navigation"),
    "image": N_("image"),
    "image caption": N_("image caption"),
    "link": N_("link"),
    "counter": N_("counter"),
    "byline": N_("byline"),
    "site": N_("site name"),
    "database header": N_("database header"),
    "database field": N_("database field"),
}
_LEFT_OUT = re.compile(r"left out \((?P<kind>[a-z ]+)\)")


def note(gettext: Callable[[str], str], suggestion: str) -> str:
    """A finding's suggestion as the reader reads it: a reading of the text (the
    corrected characters) stays as it is; a note of the importer is translated."""
    if suggestion in _NOTES:
        return gettext(_NOTES[suggestion])
    left_out = _LEFT_OUT.fullmatch(suggestion)
    if left_out and left_out["kind"] in _CHROME:
        return gettext(N_("left out (%(kind)s)")) % {"kind": gettext(_CHROME[left_out["kind"]])}
    return suggestion


# The zones a text names only in words (ingest/dates.py ZONES); the others are codes
# (JST, EST, ChST) that read the same in both languages.
ZONE_WORDS = {
    "local": N_("local time"),
    "US": N_("US time"),
    "US Eastern": N_("US Eastern time"),
}


def start_said(
    gettext: Callable[[str], str], start: str | None, zone: str | None, offset: str | None
) -> str:
    """A meeting's start as the import preview and the meeting's page show it: the clock
    time, then its zone and offset from UTC where the record has them, "15:30 (local
    time −04:00)"; "—" when the text gave no start."""
    if not start:
        return "—"
    said = [gettext(ZONE_WORDS[zone]) if zone in ZONE_WORDS else zone] if zone else []
    if offset:
        # A typographic minus: a hyphen before the hours reads as a dash.
        said.append(offset.replace("-", "\N{MINUS SIGN}", 1))
    if not said:
        return start
    return gettext(N_("{time} ({zone})")).format(time=start, zone=" ".join(said))


def section_said(gettext: Callable[[str], str], number: int, title: str) -> str:
    """A section's heading: its number and title, "2 Regional affairs". A text's
    numbered paragraphs (「1. 日米両政府は、…」) are sections the text gives no title:
    a bare "1" read as a heading lost its words, so it is named "Paragraph 1" (第1項)."""
    if title:
        return f"{number} {title}"
    return gettext(N_("Paragraph %(n)s")) % {"n": number}


def date_refused(gettext: Callable[[str], str], exc: Exception) -> str | None:
    """A given date's refusal as the import page's reader needs it, where the page's
    general words ("enter a date such as 2026-12-03") would mislead: a day that is
    not one, and a date the text itself says otherwise (None for any other error)."""
    if isinstance(exc, NoSuchDay):
        return gettext(N_("%(day)s is not a day of the calendar.")) % {"day": exc.typed}
    if isinstance(exc, DateDisagrees) and exc.partial:
        return gettext(
            N_(
                "the text dates the meeting %(said)s without a year, and %(given)s is not "
                "that day: enter that day with its year."
            )
        ) % {"said": exc.said, "given": exc.given.isoformat()}
    if isinstance(exc, DateDisagrees):
        return gettext(
            N_(
                "the text dates the meeting %(said)s, not %(given)s: leave the date empty, "
                "it is for a text that gives none."
            )
        ) % {"said": exc.said, "given": exc.given.isoformat()}
    return None
