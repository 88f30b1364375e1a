"""The structure of an official summary: heading date, title, the meeting's time,
length and attendees, numbered sections (`1 総論`) and items (`(1)`), then the
decisions of each sentence. Regular expressions read only this fixed structure;
words and names go through SudachiPy (see decisions.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kizuna.domains.meetings.ingest.dates import find_date, find_duration, find_start
from kizuna.domains.meetings.ingest.decisions import (
    Decision,
    decisions_en,
    decisions_ja,
    split_sentences,
)
from kizuna.domains.meetings.ingest.decode import IngestRefused
from kizuna.domains.meetings.ingest.morph import tokenize

__all__ = ["Attendee", "Item", "Meeting", "Section", "parse"]

_SECTION = re.compile(r"^\s*(\d{1,2})\.?[ \u3000]+(\S.{0,40})$")
_ITEM = re.compile(r"^\s*(?:[-・]\s*)?\((\d{1,2})\)\s*(.*)$")
_TITLE_WORDS_JA = ("委員会", "会合", "会談", "協議", "2+2", "対話")
_TITLE_WORDS_EN = ("committee", "meeting", "statement", "dialogue", "2+2", "consultation")
_JA_SIDES = {"日本側": "JPN", "米側": "USA", "米国側": "USA"}
_JA_PARTY = re.compile(r"(日本側|米側|米国側)(?:から)?は、(.+?)が(?:、|それぞれ|出席)")
_EN_PARTY = re.compile(r"\b(?:for|representing)\s+(Japan|the United States)\b", re.IGNORECASE)
_TITLE_HEADS = ("大臣", "長官", "大統領", "大使", "補佐官", "幕僚長", "司令官", "次官", "局長")


@dataclass
class Attendee:
    nation: str
    name: str
    title: str
    name_en: str = ""
    title_en: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class Item:
    number: int
    text: str
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class Section:
    number: int
    title: str
    text: str = ""
    decisions: list[Decision] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@dataclass
class Meeting:
    lang: str
    body: str
    date: date
    start: str | None
    duration_minutes: int | None
    place: str | None
    attendees: list[Attendee]
    sections: list[Section]


def _title(lines: list[str], lang: str) -> str | None:
    words = _TITLE_WORDS_JA if lang == "ja" else _TITLE_WORDS_EN
    for line in lines[:6]:
        if any(w in line.lower() for w in words) and len(line) < 120:
            return line.strip()
    return None


def _split_people(text: str) -> list[str]:
    # 及び / 並びに join people; a parenthesis (the English name) stays with its person.
    people, depth, cur, i = [], 0, "", 0
    while i < len(text):
        ch = text[i]
        depth += ch in "(（"
        depth -= ch in ")）"
        if depth == 0 and (text.startswith("及び", i) or text.startswith("並びに", i)):
            people.append(cur)
            cur = ""
            i += 2 if text.startswith("及び", i) else 3
            continue
        if depth == 0 and ch == "、":
            people.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    people.append(cur)
    return [p.strip() for p in people if p.strip()]


def _person_ja(text: str, nation: str) -> Attendee:
    english = ""
    m = re.search(r"[(（](.+)[)）]\s*$", text)
    if m:
        english, text = m.group(1), text[: m.start()]
    tokens = tokenize(text)
    # The title is the trailing run of common nouns and the nation's name (米国国務長官);
    # the person's name (人名, or a ・-joined foreign name) ends before it.
    cut = len(tokens)
    while cut > 0:
        tok = tokens[cut - 1]
        if tok.has("人名") or tok.surface == "・" or not tok.has("名詞"):
            break
        cut -= 1
    name = "".join(t.surface for t in tokens[:cut])
    title = "".join(t.surface for t in tokens[cut:])
    if not name or not title.endswith(_TITLE_HEADS):
        raise IngestRefused(f"cannot read the attendee {text!r}: no name and title", field="file")
    name_en = title_en = ""
    if english:
        parts = [p.strip() for p in english.split(",", 1)]
        name_en = re.sub(r"^The Honorable\s+", "", parts[0])
        title_en = parts[1] if len(parts) > 1 else ""
    return Attendee(nation, name, title, name_en, title_en)


def _attendees_ja(intro: str) -> list[Attendee]:
    out: list[Attendee] = []
    for m in _JA_PARTY.finditer(intro):
        nation = _JA_SIDES[m.group(1)]
        out += [_person_ja(p, nation) for p in _split_people(m.group(2))]
    return out


def _attendees_en(intro: str) -> list[Attendee]:
    """'Minister for Foreign Affairs KAMIKAWA Yoko and Minister of Defense KIHARA Minoru
    for Japan': a person is a title followed by a two-word name."""
    out: list[Attendee] = []
    start = 0
    for m in _EN_PARTY.finditer(intro):
        nation = "JPN" if m.group(1).lower() == "japan" else "USA"
        chunk = intro[start : m.start()]
        start = m.end()
        chunk = re.split(r"(?:[Aa]ttend(?:ing|ed)(?: were| by)?|[Pp]articipants were)\s*", chunk)[
            -1
        ]
        for person in re.split(r",\s*(?:and\s+)?|\s+and\s+", chunk):
            words = person.strip().strip(",").split()
            if len(words) < 3:
                continue
            name = " ".join(words[-2:])
            title = " ".join(words[:-2])
            out.append(Attendee(nation, name, title, name, title))
    return out


def _place(intro: str, lang: str) -> str | None:
    if lang == "ja":
        m = re.search(r"([^\s、。]{2,12}?)(?:において|にて)", intro)
        return m.group(1) if m else None
    m = re.search(r"\b(?:met|held) in ([A-Z][A-Za-z]+(?: [A-Z][a-z]+)?(?:, D\.C\.)?)", intro)
    return m.group(1) if m else None


def parse(text: str, lang: str) -> Meeting:
    """The meeting in a normalized summary, or IngestRefused saying what is missing."""
    lines = [line.rstrip() for line in text.split("\n")]
    head = [line for line in lines if line.strip()][:6]
    when = None
    for line in head[:3]:
        when = find_date(line)
        if when:
            break
    if when is None:
        raise IngestRefused(
            "not a meeting summary: no meeting date in its heading (e.g. 令和6年7月28日)",
            field="file",
        )
    body = _title(head, lang)
    if body is None:
        raise IngestRefused(
            "not a meeting summary: no title naming a committee or meeting", field="file"
        )
    sections: list[Section] = []
    intro: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        m_item = _ITEM.match(line)
        m_section = None if m_item else _SECTION.match(line)
        if m_section and "。" not in line and not line.rstrip().endswith("."):
            sections.append(Section(int(m_section.group(1)), m_section.group(2).strip()))
        elif m_item and sections:
            sections[-1].items.append(Item(int(m_item.group(1)), m_item.group(2).strip()))
        elif sections and sections[-1].items:
            sections[-1].items[-1].text += ("" if lang == "ja" else " ") + line.strip()
        elif sections:
            sections[-1].text += ("" if lang == "ja" else " ") + line.strip()
        elif (line.strip() != body and not find_date(line)) or len(line) > 60:
            intro.append(line.strip())
    if not sections or not any(s.items for s in sections):
        raise IngestRefused(
            "not a meeting summary: no numbered sections with items ((1), (2) …)", field="file"
        )
    intro_text = " ".join(intro)
    start = find_start(intro_text)
    duration = find_duration(intro_text[start[1] :]) if start else None
    attendees = _attendees_ja(intro_text) if lang == "ja" else _attendees_en(intro_text)
    meeting = Meeting(
        lang=lang,
        body=body,
        date=when,
        start=start[0] if start else None,
        duration_minutes=duration,
        place=_place(intro_text, lang),
        attendees=attendees,
        sections=sections,
    )
    _read_decisions(meeting)
    return meeting


def _read_decisions(meeting: Meeting) -> None:
    read = decisions_ja if meeting.lang == "ja" else decisions_en
    for section in meeting.sections:
        actor: str | None = None
        for sentence in split_sentences(section.text, meeting.lang):
            made, actor = read(sentence, actor)
            section.decisions += made
        for item in section.items:
            # Each item starts afresh: its first sentence names who speaks.
            actor = None
            for sentence in split_sentences(item.text, meeting.lang):
                made, actor = read(sentence, actor)
                item.decisions += made
