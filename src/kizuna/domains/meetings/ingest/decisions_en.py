"""Per English sentence: who took which stance.

A stance is a verb of the vocabulary (welcomed, concurred, shared the view, …); its
actor is the nearest subject phrase before it — a phrase at the start of the
sentence or of a coordinated clause (', and', ';'), followed by its verb — never a
phrase inside an object clause ('… affirmed that the United States will …').
Named people (Secretary Clinton, Foreign Minister Okada, Minister Gemba) resolve to
their nation through the attendees. A verb in a relative clause ('…, which were
confirmed at the Summit Meeting in April') reports another meeting's decision.
"""

from __future__ import annotations

import re

from kizuna.domains.meetings.ingest.decisions import Decision, actor_of, topics_of
from kizuna.domains.meetings.ingest.entities import entities_en
from kizuna.domains.meetings.ingest.people import Attendee
from kizuna.domains.meetings.ingest.vocab import ACTORS, ENGLISH_STANCE_VERBS

__all__ = ["decisions_en"]

_FIXED = {p: key for key, spec in ACTORS.items() for p in spec["en"]}
_FIXED_WORDS = "|".join(re.escape(p) for p in sorted(_FIXED, key=len, reverse=True))
_PERSON = (
    r"(?:the\s)?(?:U\.S\.\s)?(?:Foreign Minister|Defense Minister|Minister for Foreign Affairs|"
    r"Minister of Defense|Prime Minister|Minister|Secretary of State|Secretary of Defense|"
    r"Defense Secretary|Secretary|Ambassador|Admiral|General|President)"
    r"(?:\s[A-Z][a-z]{1,20}){0,2}"
)
_ADVERBS = (
    r"(?:\s(?:also|again|once again|further|firmly|strongly|highly|jointly|additionally|"
    r"both|all|then|each|together|further|fully|clearly|warmly|once|subsequently))*"
)
# A subject: at the start of the sentence or a clause, then (adverbs and) a verb.
_SUBJECT = re.compile(
    rf"(?:^|(?<=[;:])\s|(?<=, and)\s|(?<=,)\s|(?<=\band)\s|(?<=\bIn response,)\s|(?<=\bAlso,)\s)"
    rf"((?i:{_FIXED_WORDS})|{_PERSON})(?=(?:,[^,]{{1,160}},)?{_ADVERBS}\s[a-z]+(?:ed|s)\b)"
)
_VERBS = "|".join(re.escape(v) for v in sorted(ENGLISH_STANCE_VERBS, key=len, reverse=True))
_STANCE = re.compile(rf"\b({_VERBS})\b", re.IGNORECASE)
_RELATIVE = re.compile(
    r"\b(?:(?:which|that)\s(?:was|were|had been|have been|has been)|in which\s[^,]{1,40})\s$"
)
_MEETING = re.compile(
    r"\b(?:at|in|during)\s(?:the\s)?"
    r"((?:Japan|U\.S\.)[-–][A-Za-z. ]{2,40}?(?:Summit Meeting|Meeting|Summit|Dialogue))"
)


def _person_nation(phrase: str, people: list[Attendee]) -> set[str]:
    words = [w for w in re.findall(r"[A-Z][a-z]{1,20}", phrase)]
    names = [w for w in words if any(w in p.name or w in p.name_en for p in people)]
    if names:
        return {p.nation for p in people if any(n in p.name or n in p.name_en for n in names)}
    if "Minister" in phrase and "U.S." not in phrase:
        return {"JPN"}
    return {"USA"}


def _actor(phrase: str, people: list[Attendee]) -> tuple[str, str]:
    key = _FIXED.get(phrase.lower())
    if key is not None:
        if key == "japan" or key == "united states" or key == "four ministers":
            return key, ""
        return "both", ""
    return actor_of(_person_nation(phrase, people)), phrase.removeprefix("the ").strip()


def decisions_en(
    sentence: str, inherited: str | None, people: list[Attendee] | None = None
) -> tuple[list[Decision], str | None]:
    people = people or []
    subjects = [(m.start(1), *_actor(m.group(1), people)) for m in _SUBJECT.finditer(sentence)]
    entities = entities_en(sentence)
    topics = topics_of(sentence)
    low = sentence.lower()
    keywords = sorted(set(re.findall(r"[a-z]{4,}", low)))
    actor, speaker, named_here = inherited, "", False
    made: list[Decision] = []
    found = list(_STANCE.finditer(sentence))
    for n, m in enumerate(found):
        for at, key, who in subjects:
            if at < m.start():
                actor, speaker, named_here = key, who, True
        stance = ENGLISH_STANCE_VERBS[m.group(1).lower()]
        if stance == "share concern" and re.search(
            r"\b(?:their|a|the|our)\s$", sentence[: m.start()]
        ):
            continue  # 'acknowledged their shared concern': an adjective, read with its verb
        # English puts what was decided after the verb, up to the next stance verb.
        clause = sentence[m.start() : found[n + 1].start() if n + 1 < len(found) else len(sentence)]
        # A verb right after 'that' / 'and that' belongs to an object clause's subject
        # only when that subject is named there; 'agreed that … welcomed' stays one.
        reported = bool(_RELATIVE.search(sentence[max(0, m.start() - 24) : m.start()]))
        rest = sentence[m.end() :]
        concern = r"\s(?:deep |serious |grave |strong |their |its )*(?:shared )?concerns?\b"
        if stance in ("express", "recognize") and re.match(concern, rest):
            stance = "share concern"
        elif stance == "express" and re.search(r"\boppose[sd]?\b|\bopposition\b", clause):
            stance = "oppose"
        before = sentence[max(0, m.start() - 30) : m.start()]
        restated = stance == "reaffirm" or bool(re.search(r"\bagain\b", before + clause[:40]))
        who = actor or "both"
        if stance in ("agree", "share view") and not named_here:
            who = "both"
        source = ""
        if reported:
            meeting = _MEETING.search(rest)
            source = meeting.group(1).strip() if meeting else ""
        made.append(
            Decision(
                who,
                stance,
                entities,
                sentence,
                topics,
                restated,
                keywords,
                speaker=speaker,
                reported=reported,
                reported_from=source,
                clause=clause,
            )
        )
    return made, actor
