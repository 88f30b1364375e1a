"""Official summaries (ja, en) -> a parsed meeting record, nothing written.

`read_summary` decodes, checks the document is a text summary in the language
asked for, normalizes, reports quality findings and parses. Every refusal is an
`IngestRefused` whose message says what the document is instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from kizuna.domains.meetings.ingest.decode import IngestRefused, decode
from kizuna.domains.meetings.ingest.normalize import Finding, normalize, quality
from kizuna.domains.meetings.ingest.parse import Meeting, parse

__all__ = ["IngestRefused", "Record", "detect_lang", "read_summary"]

LANGS = ("ja", "en")


@dataclass(frozen=True)
class Record:
    original: str
    normalized: str
    encoding: str
    digest: str  # sha256 of the decoded original: the same document in any encoding
    meeting: Meeting
    quality: list[Finding]

    def as_json(self) -> dict[str, Any]:
        """The schema documented in the README (`--format json`)."""
        m = self.meeting

        def decisions(ds: list[Any]) -> list[dict[str, object]]:
            return [d.as_dict() for d in ds]

        return {
            "encoding": self.encoding,
            "digest": self.digest,
            "lang": m.lang,
            "meeting": {
                "body": m.body,
                "date": m.date.isoformat(),
                "start": m.start,
                "duration_minutes": m.duration_minutes,
                "place": m.place,
                "attendees": [a.as_dict() for a in m.attendees],
            },
            "sections": [
                {
                    "number": s.number,
                    "title": s.title,
                    "text": s.text,
                    "decisions": decisions(s.decisions),
                    "items": [
                        {"number": i.number, "text": i.text, "decisions": decisions(i.decisions)}
                        for i in s.items
                    ],
                }
                for s in m.sections
            ],
            "quality": [f.as_dict() for f in self.quality],
        }


def detect_lang(text: str) -> str:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "en"
    kana = sum(1 for ch in letters if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")
    return "ja" if kana / len(letters) > 0.3 else "en"


def _refuse_markup(text: str) -> None:
    head = text.lstrip().lower()[:500]
    if head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head or "<head" in head:
        raise IngestRefused(
            "the document is an HTML page, not the text of a summary: save the summary as "
            "plain text (or copy its text) and import that",
            field="file",
        )


def read_summary(data: bytes, lang: str | None = None) -> Record:
    """Parse a summary; refuse with a reason when it is not one."""
    if lang is not None and lang not in LANGS:
        raise IngestRefused(f"--lang must be ja or en, not {lang!r}", field="lang")
    decoded = decode(data)
    _refuse_markup(decoded.text)
    found = detect_lang(decoded.text)
    if lang is not None and lang != found:
        names = {"ja": "Japanese", "en": "English"}
        raise IngestRefused(
            f"the document is in {names[found]}, not {names[lang]} (--lang {lang})", field="lang"
        )
    normalized = normalize(decoded.text, found)
    meeting = parse(normalized.text, found)
    findings = normalized.findings + quality(decoded.text, found)
    findings.sort(key=lambda f: f.position["offset"])
    return Record(
        original=decoded.text,
        normalized=normalized.text,
        encoding=decoded.encoding,
        digest=hashlib.sha256(decoded.text.encode("utf-8")).hexdigest(),
        meeting=meeting,
        quality=findings,
    )
