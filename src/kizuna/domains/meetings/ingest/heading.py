"""The facts of a text's opening: what kind of text it is, which meeting, when (date,
start with its zone, length), where and who attended.

The opening is the heading lines (short lines above the first sentence) and the
first paragraph. The meeting's date is the one the opening sentence gives (a
date with the time, 現地時間16日) before the date line of the page, whose year fills
a date written without one. `given` (the importer's `--date`) dates a text that gives
no date, or gives it without a year; where the text dates the meeting, a given date
must be that day (`given.DateDisagrees`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kizuna.domains.meetings.ingest.dates import (
    DateMention,
    Start,
    find_dates,
    find_duration,
    find_start,
)
from kizuna.domains.meetings.ingest.decode import IngestRefused
from kizuna.domains.meetings.ingest.given import DateDisagrees
from kizuna.domains.meetings.ingest.people import Attendee, attendees_en, attendees_ja
from kizuna.domains.meetings.ingest.vocab import place_zone

__all__ = ["KINDS", "Heading", "read_heading"]

KINDS = {
    "summary": ("会談・会合の概要", "meeting summary"),
    "joint-statement": ("共同発表", "joint statement"),
    "fact-sheet": ("ファクトシート", "fact sheet"),
    "press-conference": ("記者会見", "press conference"),
    "announcement": ("開催・出席の発表", "announcement of a meeting"),
    "courtesy-call": ("表敬", "courtesy call"),
    "joint-committee": ("日米合同委員会の発表", "Joint Committee notice"),
}
_KIND_TITLE = [
    ("fact-sheet", re.compile(r"fact sheet|ファクトシート", re.I)),
    ("joint-statement", re.compile(r"joint (?:press )?statement|共同(?:記者)?発表|共同声明", re.I)),
    ("press-conference", re.compile(r"press conference|記者会見", re.I)),
]
_KIND_OPENING = [
    (
        "announcement",
        re.compile(r"予定です|予定である|\bwill (?:hold|attend|visit|discuss|meet)\b"),
    ),
    ("press-conference", re.compile(r"press conference|記者会見", re.I)),
    ("courtesy-call", re.compile(r"表敬|courtesy call", re.I)),
    ("joint-committee", re.compile(r"合同委員会|Joint Committee")),
]
_MEETING_WORDS_JA = ("委員会", "会合", "会談", "協議", "対話", "表敬", "会見", "開催", "について")
_MEETING_WORDS_EN = ("committee", "meeting", "statement", "dialogue", "fact sheet", "holding")
_NAME_JA = re.compile(
    r"(日米[^\s、。,]{0,24}?(?:委員会|会合|会談|協議|対話))(\s?[(（][^()（）]{1,24}[)）])?"
    r"(?=が開催|を開催|に出席|が行われ|において|では)"
)
_NAME_EN = re.compile(
    r"((?:first meeting of )?the\s(?:U\.S\.|Japan)[-–](?:U\.S\.|Japan)\s[A-Z][A-Za-z ]{2,50}?"
    r"(?:Committee|Meeting|Dialogue))(\s\([^()]{1,20}\))?"
)
_NAME_EN_BODY = re.compile(
    r"(the\s(?:[A-Z][A-Za-z.–-]{1,20}\s){1,5}(?:Committee|Meeting|Dialogue))(\s\([A-Z]{2,6}\))?"
)
_PLACE_JA = re.compile(r"([^\s、。,()（）]{2,16}?)(?:において|にて)")
_VISITING_JA = re.compile(r"(?:ため|[、,]|^)([^\s、。,()（）]{2,16}?)(?:を訪問中|出張中|訪問中)")
_PLACE_EN = re.compile(
    r"\b(?:in|at)\s((?:the\s)?[A-Z][A-Za-z.]{1,20}(?:[ ,]{1,2}(?:of\s)?[A-Z][A-Za-z.]{0,20}){0,3})"
)
_LEAD = re.compile(r"概要|以下のとおり|次のとおり|as follows|is as follows", re.I)


@dataclass
class Heading:
    kind: str
    name: str
    title: str
    date: date
    date_source: str  # text, heading (year from the dateline), given (--date)
    start: Start | None
    duration_minutes: int | None
    place: str | None
    attendees: list[Attendee]
    findings: list[tuple[str, str, str]] = field(default_factory=list)  # kind, found, note


def _title(heading_lines: list[str], lang: str) -> str:
    words = _MEETING_WORDS_JA if lang == "ja" else _MEETING_WORDS_EN
    for line in heading_lines:
        if any(w in line.lower() for w in words) and not re.match(r"^https?:", line):
            return line.strip()
    return next((ln.strip() for ln in heading_lines if not find_dates(ln)), "")


def _kind(title: str, opening: str) -> str:
    for kind, pattern in _KIND_TITLE:
        if pattern.search(title):
            return kind
    for kind, pattern in _KIND_OPENING:
        if pattern.search(opening[:1500]):
            return kind
    return "summary"


def _derived_name(attendees: list[Attendee], lang: str, courtesy: bool) -> str | None:
    jp = [a for a in attendees if a.nation == "JPN"]
    us = [a for a in attendees if a.nation == "USA"]
    if not jp or not us:
        return None
    titles = {a.title for a in attendees}
    if lang == "ja":
        if len(attendees) == 2 and titles & {"防衛大臣"} and any("国防長官" in t for t in titles):
            return "日米防衛相会談"
        if len(attendees) == 2 and titles & {"外務大臣"} and any("国務長官" in t for t in titles):
            return "日米外相会談"
        left = "・".join(a.name + a.title for a in jp)
        right = "・".join(a.name + a.title for a in us)
        return f"{left}に対する{right}の表敬" if courtesy else f"{left}と{right}との会談"
    left = " and ".join(f"{a.title} {a.name}" for a in jp)
    right = " and ".join(f"{a.title} {a.name}" for a in us)
    return f"Meeting between {left} and {right}"


def _name(title: str, opening: str, attendees: list[Attendee], lang: str, kind: str) -> str:
    if lang == "ja":
        talk = re.search(r"と会談|の表敬|と共に", opening)
        m = _NAME_JA.search(opening)
        if m and not talk:
            return m.group(1) + (m.group(2) or "").strip()
    else:
        m = _NAME_EN.search(opening) or _NAME_EN_BODY.search(opening)
        if m:
            name = re.sub(r"^(?:first meeting of )?the\s", "", m.group(1))
            return name + (m.group(2) or "")
    clean = re.sub(
        r"^(?:Press Releases?:|\(attachment \d+\)|報道発表|Joint Statement of the)\s?", "", title
    )
    clean = re.sub(r"\s?(?:共同発表|共同声明)$", "", clean)
    clean = re.sub(r"\s?(?:\((?:Summary|概要)\)|SUMMARY|（概要）)\s?$", "", clean, flags=re.I)
    words = _MEETING_WORDS_JA[:5] if lang == "ja" else ("committee", "meeting", "dialogue")
    if clean and any(w in clean.lower() for w in words):
        return clean.strip()
    derived = _derived_name(attendees, lang, kind == "courtesy-call")
    return derived or clean.strip() or title


def _place(opening: str, heading_lines: list[str], lang: str) -> str | None:
    for i, line in enumerate(heading_lines[:-1]):
        if line.strip() in ("場所", "Place", "Venue"):
            return heading_lines[i + 1].strip()
    if lang == "ja":
        m = _PLACE_JA.search(opening) or _VISITING_JA.search(opening)
        return m.group(1) if m else None
    for m in _PLACE_EN.finditer(opening):
        candidate = re.split(r"\.\s", m.group(1))[0].rstrip(",")
        # A full stop ends the sentence, not an initialism (Washington, D.C.).
        if not re.search(r"\b(?:[A-Z]\.){2,}$", candidate):
            candidate = candidate.rstrip(".,")
        if place_zone(candidate) is not None or candidate.startswith(
            ("the Ministry", "the Department")
        ):
            return candidate
    return None


ANNOUNCED = "an announcement: dated the day it was made; the attendees are those expected"


def _agrees(
    given: date, said: date | None, mentions: list[DateMention], start: Start | None
) -> None:
    """Refuse (DateDisagrees) a given date that is not the day the text gives: `said`,
    its whole date, or the month and day (or the day alone, 本31日) it gives without
    a year. A date of the text that never was (`fault`) gives no day to agree with."""
    if said is not None:
        if said != given:
            raise DateDisagrees(said.isoformat(), given, partial=False)
        return
    day = start.day if start is not None and start.day is not None else None
    first = mentions[0] if mentions and mentions[0].year is None else None
    if first is not None and (first.month, day or first.day) != (given.month, given.day):
        raise DateDisagrees(first.text or f"{first.month}/{day or first.day}", given, partial=True)
    if first is None and not mentions and day is not None and day != given.day:
        # 本31日: the text's own words for the day (the one form that gives a day alone).
        raise DateDisagrees(f"{day}日", given, partial=True)


def read_heading(
    heading_lines: list[str], opening: str, lang: str, given: date | None, following: str = ""
) -> Heading:
    """The heading facts, or IngestRefused when the text gives no date and none is given."""
    title = _title(heading_lines, lang)
    head_text = "\n".join(heading_lines)
    dateline = next((d for d in find_dates(head_text) if d.year is not None), None)
    findings: list[tuple[str, str, str]] = []
    start = find_start(opening) or find_start(head_text)
    mentions = find_dates(opening)
    when: date | None = None
    source = "text"
    used: DateMention | None = None  # the date of the text `when` comes from
    if mentions:
        first = mentions[0]
        year = first.year or (dateline.year if dateline else None)
        day = start.day if start is not None and start.day is not None else first.day
        if year is not None:
            when, used = DateMention(year, first.month, day, 0, 0).on(None), first
            source = "text" if first.year else "heading"
    if when is None and dateline is not None:
        when, source, used = dateline.on(None), "heading", dateline
    if given is not None:
        _agrees(given, when if used is not None and not used.fault else None, mentions, start)
        if when is None or (used is not None and used.fault):
            when, source = given, "given"
    # A date the text gives that never was: refused as the meeting's date when nothing
    # else dates the meeting, reported wherever it stands.
    faulty = [d for d in (mentions[:1] + ([dateline] if dateline else [])) if d.fault]
    if when is None and faulty:
        raise IngestRefused(
            f"no meeting date: {faulty[0].fault}; give the date as YYYY-MM-DD", field="date"
        )
    for mention in {d.text: d for d in faulty}.values():
        findings.append(("no-such-date", mention.text, mention.fault))
    if when is None:
        partial = mentions[0] if mentions else None
        if partial is not None:
            hint = f"the text gives {partial.month}/{partial.day} without a year; "
        elif start is not None and start.day is not None:
            # 本31日: the day of the month it was published in, which the text omits.
            hint = f"the text gives the day ({start.day}) without a month or year; "
        else:
            hint = ""
        raise IngestRefused(f"no meeting date: {hint}give the date as YYYY-MM-DD", field="date")
    read_people = attendees_ja if lang == "ja" else attendees_en
    attendees = read_people(opening)
    if {a.nation for a in attendees} != {"JPN", "USA"}:
        # An announcement names its people in the paragraph after the opening.
        for person in read_people(following):
            same = [
                i for i, a in enumerate(attendees) if person.name in a.name or a.name in person.name
            ]
            if not same:
                attendees.append(person)
            elif len(person.name) > len(attendees[same[0]].name):
                attendees[same[0]] = person  # 河野太郎 names 河野 in full
    if not attendees:
        findings.append(("no-attendees", _snippet(opening), "no attendee could be read"))
    if start is None:
        findings.append(("no-start", _snippet(opening), "no start time in the opening"))
    duration = find_duration(opening) if start is not None else None
    if start is not None and start.until is not None:
        duration = start.minutes_to_until
    kind = _kind(title, opening + "\n" + following)
    if kind == "announcement":
        # The record is of the announcement: a reader must not take its date for the
        # meeting's, nor those it expects for those who attended.
        findings.append(("announced", _snippet(title), ANNOUNCED))
    place = _place(opening, heading_lines, lang)
    return Heading(
        kind=kind,
        name=_name(title, opening, attendees, lang, kind),
        title=title,
        date=when,
        date_source=source,
        start=start,
        duration_minutes=duration,
        place=place,
        attendees=attendees,
        findings=findings,
    )


def is_lead(paragraph: str) -> bool:
    """True for a summary's lead paragraph (…概要は以下のとおりです / as follows)."""
    return bool(_LEAD.search(paragraph))


def _snippet(text: str, size: int = 20) -> str:
    """The opening words of `text` a finding quotes: cut at a space where a Latin word
    would be cut in two ("Secretary of State M"); Japanese, written without spaces,
    where it ends."""
    if len(text) <= size:
        return text
    cut = text[:size]
    if text[size].isascii() and text[size].isalnum() and " " in cut.strip():
        return cut[: cut.rstrip().rindex(" ")].rstrip()
    return cut
