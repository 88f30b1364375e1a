"""The structure of an official text: its opening (heading facts, heading.py), then
sections and items in every form the texts use — headings (`1 総論`, `I. Overview`,
`1. Japan-U.S. Relations`, a short unnumbered line above a paragraph), numbered
items (`(1)`, `- (1)`, `1 両者は…`, `1.`), bullets (`•`, `-`, `・`) and plain
paragraphs — then the decisions of each sentence.

Numbered paragraphs that are followed by `(n)` items are sections (`2 The two sides
exchanged views …` then `(1) …`); paragraphs under a heading before its first item
are the section's text; a paragraph after a numbered item continues it; a text
without headings gets one section. Opening paragraphs that hold decisions become
section 0 ("冒頭" / "Opening").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kizuna.domains.meetings.ingest.commitments import classify
from kizuna.domains.meetings.ingest.dates import find_dates, find_start
from kizuna.domains.meetings.ingest.decisions import Decision, decisions_ja, split_sentences
from kizuna.domains.meetings.ingest.decisions_en import decisions_en
from kizuna.domains.meetings.ingest.heading import Heading, is_lead, read_heading
from kizuna.domains.meetings.ingest.normalize import ends_open
from kizuna.domains.meetings.ingest.people import Attendee
from kizuna.domains.meetings.ingest.vocab import place_zone

__all__ = ["DOUBTFUL", "Attendee", "Item", "Meeting", "Section", "parse"]

_ROMAN = {
    "I": 1,
    "II": 2,
    "III": 3,
    "IV": 4,
    "V": 5,
    "VI": 6,
    "VII": 7,
    "VIII": 8,
    "IX": 9,
    "X": 10,
}
_SECTION = re.compile(r"^(?:第\s?)?(\d{1,2}|[IVX]{1,4})[.．]?\s(\S.{0,70})$")
_PAREN = re.compile(r"^(?:[-・•]\s?)?[(（](\d{1,2}|[アイウエオカキクケコサシスセソ])[)）]\s?(.*)$")
# Items numbered in the iroha of official texts: （ア）, （イ), …
_KANA_NUMBERS = "アイウエオカキクケコサシスセソ"
_NUMBERED = re.compile(r"^(\d{1,2})[.．]?\s(.+)$")
_DOUBLE = re.compile(r"^\d{1,2}[.．]\s{0,3}(?=\d{1,2}\s|[(（]\d)")
_BULLET = re.compile(r"^[•・\-*●○◆■▪]\s?(.+)$")
_KANA_ITEM = re.compile(r"^[アイウエオカキクケコ]\s(.+)$")
_INNER_STOP = re.compile(r"[a-z]\.\s[A-Z]")
_OPENING_TITLE = {"ja": "冒頭", "en": "Opening"}
# Footnotes ([1] …, Footnote 2: …, ※1 …, (注) …): a part of their own at the end, not
# the tail of whichever item they were printed under.
_NOTE = re.compile(
    r"^(?:\[\d{1,2}\]|Footnote\s\d{1,2}:|※\s?\d{0,2}|\(注\d{0,2}\)|\*\d{1,2})\s?(\S.*)$"
)
_NOTES_TITLE = {"ja": "注", "en": "Notes"}
# A bullet kept in its item's text (`- expand …`, `・…すること`).
BULLET = "• "
# A sentence that announces a list: its verb decides each line of it.
_LEAD_EN = re.compile(r":\s*$")
_LEAD_EN_WORDS = re.compile(r"(?:\s(?:the following|as follows))?:\s*$")
_LIST_TAIL = re.compile(r"[;,]\s?(?:and|or)?\s*$")
_LEAD_JA_NOUN = re.compile(r"(?:以下|次|下記)の(?:事項|点|取組|措置|分野|項目|諸点|内容)")
_LEAD_JA_END = re.compile(r"[:：]\s*$")
_WHOLE_TITLE = {"ja": "本文", "en": "Text"}


@dataclass
class Item:
    number: int
    text: str
    decisions: list[Decision] = field(default_factory=list)
    marker: str = ""  # (n), n, •, or "" for a plain paragraph


@dataclass
class Section:
    number: int
    title: str
    text: str = ""
    decisions: list[Decision] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    speaker: str = ""  # a press conference's speaker heading (ブリンケン国務長官)


@dataclass
class Meeting:
    lang: str
    body: str  # the meeting's name
    date: date
    start: str | None
    duration_minutes: int | None
    place: str | None
    attendees: list[Attendee]
    sections: list[Section]
    kind: str = "summary"
    title: str = ""
    date_source: str = "text"
    start_zone: str | None = None
    start_utc_offset: str | None = None
    findings: list[tuple[str, str, str]] = field(default_factory=list)


def _is_sentence(line: str) -> bool:
    # Titles can be long; a sentence ends with a stop, has one inside, or was cut off.
    return (
        len(line) > 200
        or line.endswith(("。", ".", "．", ":", "：", "、", ","))
        or "。" in line
        or _INNER_STOP.search(line) is not None
    )


def _block(line: str) -> tuple[str, int | None, str]:
    """(kind, number, text): kind is section, paren, numbered, bullet, note, short or
    para."""
    line = _DOUBLE.sub("", line)
    if _NOTE.match(line):
        return "note", None, line
    dates = find_dates(line)
    if dates and dates[0].start == 0 and len(line) - dates[0].end < 12 and not _is_sentence(line):
        return "short", None, line  # a date line (28 July 2024), not a numbered heading
    if m := _PAREN.match(line):
        mark = m.group(1)
        number = int(mark) if mark.isdigit() else _KANA_NUMBERS.index(mark) + 1
        return "paren", number, m.group(2).strip()
    m = _SECTION.match(line)
    if m and not _is_sentence(line) and len(line) < 60:
        head = m.group(1)
        return "section", _ROMAN[head] if head in _ROMAN else int(head), m.group(2).strip()
    if m := _NUMBERED.match(line):
        return "numbered", int(m.group(1)), m.group(2).strip()
    if m := _BULLET.match(line) or _KANA_ITEM.match(line):
        return "bullet", None, m.group(1).strip()
    return ("short" if not _is_sentence(line) else "para"), None, line


def _split_opening(
    lines: list[str],
) -> tuple[list[str], list[str], list[tuple[str, int | None, str]]]:
    """Heading lines, opening paragraphs (the facts), and the blocks of the content."""
    blocks = [_block(line) for line in lines]
    k = 0
    while k < len(blocks) and blocks[k][0] == "short":
        k += 1
    heading = lines[:k]
    marked_later = any(b[0] in ("section", "paren", "numbered") for b in blocks[k + 1 :])
    opening: list[str] = []
    if k < len(blocks):
        kind, number, text = blocks[k]
        if kind == "para" or (kind in ("numbered", "paren") and _opens(number, text)):
            opening.append(text)
            k += 1
            # More unmarked paragraphs before the first numbered part are opening too.
            while marked_later and k < len(blocks) and blocks[k][0] in ("para", "short"):
                opening.append(blocks[k][2])
                k += 1
    return heading, opening, blocks[k:]


def _opens(number: int | None, text: str) -> bool:
    """A numbered first paragraph is the opening when it leads the summary in (…概要は
    以下のとおり) or, numbered 1, gives the meeting's start: 「１　本５日午前１０時３０分
    から、外務省において、…が開催された。」 says what an unnumbered opening says."""
    return is_lead(text) or (number == 1 and find_start(text) is not None)


def _promote(blocks: list[tuple[str, int | None, str]]) -> list[tuple[str, int | None, str]]:
    """Numbered paragraphs are sections when `(n)` items follow one of them."""
    promote = False
    for i, (kind, _, _) in enumerate(blocks):
        if kind == "numbered":
            nxt = next(
                (b for b in blocks[i + 1 :] if b[0] not in ("para", "bullet", "short")), None
            )
            if nxt is not None and nxt[0] == "paren":
                promote = True
    if not promote:
        return blocks
    return [("section-text", n, t) if k == "numbered" else (k, n, t) for k, n, t in blocks]


DOUBTFUL = (
    "read as a heading, but it ends inside a sentence: check it is not a line of the "
    "paragraph below"
)


def _structure(
    blocks: list[tuple[str, int | None, str]], lang: str, findings: list[tuple[str, str, str]]
) -> list[Section]:
    # Paragraphs stay apart: a title line ((1) The Outline) is not its paragraph's subject.
    glue = "\n"
    sections: list[Section] = []
    implicit = False
    blocks = _promote(blocks)
    notes = [text for kind, _, text in blocks if kind == "note"]
    blocks = [b for b in blocks if b[0] != "note"]
    for i, (kind, number, text) in enumerate(blocks):
        nxt = blocks[i + 1][0] if i + 1 < len(blocks) else None
        if kind == "short" and nxt in ("para", "bullet"):
            kind = "section"
        if kind == "section" and nxt is None and len(text.split()) > 4:
            kind = "para"  # a last line cut off by the extractor, not a heading
        if kind == "section":
            if ends_open(text, lang):
                # Normalization joins a line cut inside its paragraph; one it left (a
                # blank line between) may still be one.
                findings.append(("doubtful-heading", text, DOUBTFUL))
            sections.append(Section(number or 0, text))
            implicit = False
            continue
        if kind == "section-text":
            sections.append(Section(number or 0, "", text))
            implicit = False
            continue
        if not sections:
            sections.append(Section(1, _WHOLE_TITLE[lang]))
            implicit = True
        section = sections[-1]
        last = section.items[-1] if section.items else None
        if kind in ("paren", "numbered"):
            section.items.append(
                Item(number or 0, text, marker=f"({number})" if kind == "paren" else str(number))
            )
        elif kind == "bullet":
            if last is not None and (
                last.marker not in ("", "•") or leads_in(last.text, lang) or _listing(last)
            ):
                # Marked, so that a lead-in's verb reads each bullet (`_led`) and the
                # meeting's page shows the list as the text has it.
                last.text += glue + BULLET + text
            else:
                section.items.append(Item(0, text, marker="•"))
        elif last is not None and last.marker not in ("", "•"):
            last.text += glue + text  # a paragraph after a numbered item continues it
        elif not section.items and not implicit:
            section.text += (glue if section.text else "") + text
        else:
            section.items.append(Item(0, text))
    if notes:
        sections.append(Section(0, _NOTES_TITLE[lang], glue.join(notes)))
    _renumber(sections)
    return sections


def _listing(item: Item) -> bool:
    """Whether a plain paragraph already holds the list its lead-in announced: only a
    lead-in takes bullets into such a paragraph, so the next bullet is the list's too."""
    return item.marker == "" and item.text.rsplit("\n", 1)[-1].startswith(BULLET)


def leads_in(text: str, lang: str) -> bool:
    """Whether the last sentence of `text` announces a list ('The Ministers decided
    to:', 「両大臣は、以下の事項に取り組むことを確認した。」)."""
    last = text.rsplit("\n", 1)[-1]
    if lang == "en":
        return _LEAD_EN.search(last) is not None
    return _LEAD_JA_END.search(last) is not None or _LEAD_JA_NOUN.search(last) is not None


def _led(sentences: list[str], lang: str) -> list[str]:
    """Sentences to read for decisions: a bullet after a lead-in reads as the lead-in
    deciding that bullet ('The Ministers decided to expand …'; 「両大臣は、…を拡大すること
    に取り組むことを確認した。」), each its own decision with its own due date; the
    lead-in alone decides nothing. Any other bullet reads as itself."""
    out: list[str] = []
    lead: str | None = None
    for sentence in sentences:
        if not sentence.startswith(BULLET):
            lead = sentence if leads_in(sentence, lang) else None
            out.append(sentence)
            continue
        line = sentence.removeprefix(BULLET).strip()
        if lead is None:
            out.append(line)
            continue
        if out and out[-1] == lead:
            out.pop()  # the list says what the lead-in announced
        out.append(_joined(lead, line, lang))
    return out


def _joined(lead: str, line: str, lang: str) -> str:
    if lang == "en":
        # 'would work on the following:' + 'establishing …' reads 'would work on
        # establishing …'; a list's '; and' is the list's, not the decision's.
        line = _LIST_TAIL.sub("", line)
        return _LEAD_EN_WORDS.sub("", lead) + " " + line
    line = line.rstrip("。．")
    if found := _LEAD_JA_NOUN.search(lead):
        return lead[: found.start()] + line + lead[found.end() :]
    return _LEAD_JA_END.sub("", lead) + "、" + line + "。"


def _renumber(sections: list[Section]) -> None:
    """Numbers unique within their level (object ids derive from them)."""
    used: set[int] = set()
    for s in sections:
        if s.number in used or s.number <= 0:
            s.number = max(used, default=0) + 1
        used.add(s.number)
        taken: set[int] = set()
        for it in s.items:
            if it.number in taken or it.number <= 0:
                it.number = max(taken, default=0) + 1
            taken.add(it.number)


def _offset(when: date, start: str, zone_name: str) -> str | None:
    hour, minute = map(int, start.split(":"))
    moment = datetime(
        when.year, when.month, when.day, hour % 24, minute, tzinfo=ZoneInfo(zone_name)
    )
    delta = moment.utcoffset()
    if delta is None:
        return None
    total = int(delta.total_seconds() // 60)
    sign = "+" if total >= 0 else "-"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def _zone(head: Heading, lang: str) -> tuple[str | None, str | None, list[tuple[str, str, str]]]:
    start = head.start
    if start is None:
        return None, None, []
    if start.utc_offset is not None:
        return start.zone, start.utc_offset, []
    tz = place_zone(head.place) if head.place else None
    if start.zone in (None, "local", "US Eastern") and tz is not None:
        return start.zone or "local", _offset(head.date, start.time, tz), []
    if start.zone is None and lang == "ja":
        # A Japanese ministry gives Japan time unless it says 現地時間.
        note = "no zone in the text: Japan time assumed"
        return "JST", "+09:00", [("zone-assumed", start.text, note)]
    return start.zone, None, []


def parse(text: str, lang: str, given: date | None = None) -> Meeting:
    """The meeting in a normalized text; IngestRefused only when it has no date."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    heading, opening, blocks = _split_opening(lines)
    opening_text = "\n".join(opening) or "\n".join(heading)
    # Facts may sit in the paragraph after the opening (attendees, a plan's verbs).
    following = [b[2] for b in blocks[:2] if b[0] != "section"]
    head = read_heading(heading, opening_text, lang, given, "\n".join(following))
    findings = list(head.findings)
    sections = _structure(blocks, lang, findings)
    if opening:
        sections.insert(0, Section(0, _OPENING_TITLE[lang], "\n".join(opening)))
    if not sections:
        sections.append(Section(1, _WHOLE_TITLE[lang]))
    zone, offset, zone_findings = _zone(head, lang)
    meeting = Meeting(
        lang=lang,
        body=head.name,
        date=head.date,
        start=head.start.time if head.start else None,
        duration_minutes=head.duration_minutes,
        place=head.place,
        attendees=head.attendees,
        sections=sections,
        kind=head.kind,
        title=head.title,
        date_source=head.date_source,
        start_zone=zone,
        start_utc_offset=offset,
        findings=findings + zone_findings,
    )
    _read_decisions(meeting)
    if opening and len(meeting.sections) > 1 and not meeting.sections[0].decisions:
        # An opening that only gives the facts is not a part, unless it is the only one:
        # a meeting always has a section.
        meeting.sections.pop(0)
    return meeting


def _speaker_actor(section: Section, meeting: Meeting) -> str | None:
    if not section.title or meeting.lang != "ja":
        return None
    made, _ = decisions_ja(section.title + "は述べた。", None, meeting.attendees)
    return made[0].actor if made and made[0].speaker else None


def _read_decisions(meeting: Meeting) -> None:
    lang = meeting.lang

    def read(text: str, actor: str | None) -> tuple[list[Decision], str | None]:
        out: list[Decision] = []
        for sentence in _led(split_sentences(text, lang), lang):
            reader = decisions_ja if lang == "ja" else decisions_en
            made, actor = reader(sentence, actor, meeting.attendees)
            out += made
        for d in out:
            classify(d, lang, meeting.date)
        return out, actor

    for section in meeting.sections:
        default = _speaker_actor(section, meeting)
        section.decisions, _ = read(section.text, default)
        for item in section.items:
            # Each item starts afresh: its first sentence names who speaks.
            item.decisions, _ = read(item.text, default)
