"""Who attended, in the forms official texts use.

Japanese: 「日本側からは、A外務大臣及びB防衛大臣が、米側からは…が出席」, 「X大臣は、
Yと会談」, 「中谷防衛大臣とヘグセス米国防長官は」, with the English name and title in
brackets after a person. English: 'Minister for Foreign Affairs KAMIKAWA Yoko … for
Japan', 'Foreign Minister Okada held a meeting with Secretary of State Clinton', 'Mr.
Fumio Kishida, Minister for Foreign Affairs', '… from the Japanese side', 'Honorable A
and the Honorable B, Secretary of State and Secretary of Defense …, respectively'.

A person is a name next to a title from a closed list; the nation comes from the side
the text names (日本側, on the US side) or else from the title (米国務長官, Minister).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Attendee", "attendees_en", "attendees_ja", "nation_of_title_ja"]


@dataclass
class Attendee:
    nation: str
    name: str
    title: str
    name_en: str = ""
    title_en: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


_JA_TITLES = (
    "内閣総理大臣",
    "総理大臣",
    "外務大臣",
    "防衛大臣",
    "外務副大臣",
    "防衛副大臣",
    "外務大臣政務官",
    "防衛大臣政務官",
    "官房長官",
    "国家安全保障局長",
    "統合幕僚長",
    "米国国務長官",
    "米国務長官",
    "国務長官",
    "米国国防長官",
    "米国防長官",
    "国防長官",
    "国務副長官",
    "国防副長官",
    "国家安全保障担当大統領補佐官",
    "大統領補佐官",
    "米インド太平洋軍司令官",
    "インド太平洋軍司令官",
    "在日米軍司令官",
    "駐日米国大使",
    "駐日大使",
    "駐米大使",
    "大統領",
    "副大統領",
    "商務長官",
    "米国通商代表",
    "通商代表",
)
_JA_TITLE = "|".join(sorted(_JA_TITLES, key=len, reverse=True))
# A name is a katakana run (・ between parts) or one to six kanji; a bounded,
# non-nested class so the search stays linear.
_JA_PERSON = re.compile(
    rf"([\u30a1-\u30fa\u30fc・]{{2,24}}|[\u4e00-\u9fff々]{{1,6}}?)({_JA_TITLE})"
    r"(?:\s?[(（]([^()（）]{3,120})[)）])?"
)
_US_JA = ("米", "国務", "国防長官", "大統領", "商務", "通商", "インド太平洋軍", "駐日")
_JA_SIDE = re.compile(r"(日本側|米側|米国側)(?:から)?(?:は)?[、,]?")
_NOT_NAMES = {"両", "同", "各", "前", "元", "新", "現", "米", "日本", "本"}


def nation_of_title_ja(title: str) -> str:
    return "USA" if any(word in title for word in _US_JA) else "JPN"


def _split_english(english: str) -> tuple[str, str]:
    parts = [p.strip() for p in english.split(",", 1)]
    name = re.sub(
        r"^(?:The Honorable|Honorable|Ambassador|Gen\.|Admiral|Mr\.|Ms\.)\s", "", parts[0]
    )
    return name, parts[1] if len(parts) > 1 else ""


def attendees_ja(intro: str) -> list[Attendee]:
    """People with a title in the opening, their side from 日本側/米側 when named."""
    sides = [
        (m.start(), "JPN" if m.group(1) == "日本側" else "USA") for m in _JA_SIDE.finditer(intro)
    ]
    out: list[Attendee] = []
    seen: set[str] = set()
    for m in _JA_PERSON.finditer(intro):
        name, title, english = m.group(1).strip("・"), m.group(2), m.group(3) or ""
        if name in _NOT_NAMES or name.endswith(("両", "各")):
            continue
        side = [nation for at, nation in sides if at < m.start()]
        # A side named before the person counts until the sentence ends.
        boundary = intro.rfind("。", 0, m.start())
        nation = (
            side[-1]
            if side and max(at for at, _ in sides if at < m.start()) > boundary
            else (nation_of_title_ja(title))
        )
        if name in seen:
            continue
        seen.add(name)
        name_en, title_en = (
            _split_english(english) if english and re.search(r"[A-Za-z]", english) else ("", "")
        )
        out.append(Attendee(nation, name, title, name_en, title_en))
    return out


_EN_TITLES = (
    "Minister for Foreign Affairs",
    "Minister of Foreign Affairs",
    "Minister of Defense",
    "Minister of Defence",
    "Foreign Minister",
    "Defense Minister",
    "Defence Minister",
    "Prime Minister",
    "Chief Cabinet Secretary",
    "Acting Secretary of Defense",
    "Acting Defense Secretary",
    "Secretary of State",
    "Secretary of Defense",
    "Defense Secretary",
    "Deputy Secretary of State",
    "Deputy Secretary of Defense",
    "Assistant Secretary of State",
    "Assistant Secretary of Defense",
    "National Security Advisor",
    "National Security Adviser",
    "Ambassador to Japan",
    "Ambassador to the U.S.",
    "Ambassador to the United States",
    "National Security Council Senior Director",
    "Department of State Spokesperson",
    "Deputy Director General",
    "Director-General",
    "Director General",
    "Brigadier General",
    "Major General",
    "Lieutenant General",
    "General",
    "Admiral",
    "Commander",
    "Minister",
    "Secretary",
    "President",
)
_EN_TITLE = "|".join(re.escape(t) for t in sorted(_EN_TITLES, key=len, reverse=True))
_NAME_WORD = r"(?:[A-Z][a-z]{1,20}(?:-[A-Z][a-z]{1,20})?\b|[A-Z]\.|[A-Z]{2,20}\b)"
_EN_NAME = rf"{_NAME_WORD}(?: {_NAME_WORD}){{0,3}}"
_HONOR = r"(?:Mr\.|Ms\.|Mrs\.|Dr\.|(?:the )?Honorable|Gen\.)"
# Title then name: 'Secretary of State Clinton', 'Minister of Defense, Mr. Gen Nakatani'.
_TITLE_NAME = re.compile(rf"\b({_EN_TITLE}),?\s(?:{_HONOR}\s)?({_EN_NAME})")
# Name then title: 'Mr. Fumio Kishida, Minister for Foreign Affairs'.
_NAME_TITLE = re.compile(rf"{_HONOR}\s({_EN_NAME}),\s({_EN_TITLE})")
_RESPECTIVELY = re.compile(
    rf"{_HONOR}\s({_EN_NAME})\sand\s{_HONOR}\s({_EN_NAME}),\s({_EN_TITLE})\sand\s({_EN_TITLE})"
    r"[^.;]{0,80}?,?\srespectively"
)
_EN_SIDE = re.compile(
    r"\b(?:on|from|for|of)\s(?:the\s)?(Japanese side|Japan side|U\.?S\.? side|United States side|"
    r"American side)|\bfor\s(Japan|the United States)\b",
    re.I,
)
_EN_STOP = {"The", "On", "In", "And", "Japan", "Japanese", "This", "U", "S", "US", "USA"}


def _en_nation(title: str, before: str, sentence_side: str | None) -> str:
    if re.search(r"(Japan['’]s|Japanese)\s$", before):
        return "JPN"
    if re.search(r"U\.S\.\s$", before) or "U.S.-" in before[-6:]:
        return "USA"
    if title.startswith("Ambassador to the"):
        return "JPN"
    if sentence_side:
        return sentence_side
    if "Minister" in title or title.startswith(("Director", "Deputy Director", "Chief Cabinet")):
        return "JPN"
    return "USA"


def _clean_name(name: str) -> str:
    words = [w for w in name.split() if not re.fullmatch(r"Sec[A-Z][A-Za-z]*", w)]
    while words and words[-1] in _EN_STOP:
        words.pop()
    while words and words[0] in _EN_STOP:
        words.pop(0)
    return " ".join(words)


def _sentences(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    # Abbreviations (Mr., U.S., p.m.) do not end a sentence.
    for m in re.finditer(
        r"(?<![A-Z])(?<!Mr)(?<!Ms)(?<!Dr)(?<!Gen)(?<![ap]\.m)[.:;](?:\s|$)|\n", text
    ):
        out.append((start, text[start : m.end()]))
        start = m.end()
    out.append((start, text[start:]))
    return out


def attendees_en(intro: str) -> list[Attendee]:
    found: list[tuple[int, Attendee]] = []
    for base, sentence in _sentences(intro):
        sides = {
            ("JPN" if (m.group(1) or m.group(2) or "").lower().startswith("jap") else "USA")
            for m in _EN_SIDE.finditer(sentence)
        }
        side = next(iter(sides)) if len(sides) == 1 else None
        taken: list[tuple[int, int]] = []
        for m in _RESPECTIVELY.finditer(sentence):
            for name, title in ((m.group(1), m.group(3)), (m.group(2), m.group(4))):
                found.append(
                    (
                        base + m.start(),
                        Attendee(_en_nation(title, "", side), name, title, name, title),
                    )
                )
            taken.append((m.start(), m.end()))
        for m in _NAME_TITLE.finditer(sentence):
            if any(a <= m.start() < b for a, b in taken):
                continue
            name, title = _clean_name(m.group(1)), m.group(2)
            nation = _en_nation(title, sentence[max(0, m.start() - 12) : m.start()], side)
            found.append((base + m.start(), Attendee(nation, name, title, name, title)))
            taken.append((m.start(), m.end()))
        for m in _TITLE_NAME.finditer(sentence):
            if any(a <= m.start() < b for a, b in taken):
                continue
            name, title = _clean_name(m.group(2)), m.group(1)
            if not name or name in _EN_STOP:
                continue
            nation = _en_nation(title, sentence[max(0, m.start() - 12) : m.start()], side)
            found.append((base + m.start(), Attendee(nation, name, title, name, title)))
    found.sort(key=lambda fa: fa[0])
    out: list[Attendee] = []
    for _, person in found:
        surname = person.name.split()[-1].lower()
        if any(p.name.split()[-1].lower() == surname for p in out):
            continue
        out.append(person)
    return out
