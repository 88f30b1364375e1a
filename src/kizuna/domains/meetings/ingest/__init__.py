"""Official texts about a meeting (ja, en) -> a parsed meeting record, nothing written.

`read_summary` decodes, checks the document is text in the language asked for,
blanks the page chrome, normalizes, reports quality findings and parses. It refuses
only what is not text (binary, HTML, empty, too long) or gives no date at all (then
the message says to pass `--date`); everything it cannot read becomes a finding.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from kizuna.domains.meetings.ingest.chrome import strip_chrome
from kizuna.domains.meetings.ingest.decode import IngestRefused, decode
from kizuna.domains.meetings.ingest.normalize import Finding, normalize, position, quality
from kizuna.domains.meetings.ingest.parse import Meeting, parse

__all__ = ["IngestRefused", "Record", "detect_lang", "read_summary"]

LANGS = ("ja", "en")
# A meeting's text is a few pages; a bound keeps every step's time bounded too.
MAX_BYTES = 4_000_000


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
                "kind": m.kind,
                "title": m.title,
                "date": m.date.isoformat(),
                "date_source": m.date_source,
                "start": m.start,
                "start_zone": m.start_zone,
                "start_utc_offset": m.start_utc_offset,
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
                        {
                            "number": i.number,
                            "marker": i.marker,
                            "text": i.text,
                            "decisions": decisions(i.decisions),
                        }
                        for i in s.items
                    ],
                }
                for s in m.sections
            ],
            "quality": [f.as_dict() for f in self.quality],
        }


def detect_lang(text: str) -> str:
    # The opening decides: a sample keeps this cheap on a long text.
    letters = [ch for ch in text[:20_000] if ch.isalpha()]
    if not letters:
        return "en"
    kana = sum(1 for ch in letters if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")
    return "ja" if kana / len(letters) > 0.3 else "en"


_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,12}(?:\s[^<>]{0,300})?>")


def _refuse_markup(text: str) -> None:
    head = text.lstrip().lower()[:500]
    tags = sum(1 for _ in _TAG.finditer(text[:200_000]))
    markup = head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head
    if markup or "<head" in head or (tags >= 8 and tags * 200 > min(len(text), 200_000)):
        raise IngestRefused(
            "the document is an HTML page, not the text of a summary: save the summary as "
            "plain text (or copy its text) and import that",
            field="file",
        )


def _folded(original: str) -> tuple[str, list[int]]:
    """The original with each character NFKC-normalized, and for each character of the
    result the offset of the original's character it came from."""
    parts: list[str] = []
    where: list[int] = []
    for offset, ch in enumerate(original):
        folded = unicodedata.normalize("NFKC", ch)
        parts.append(folded)
        where += [offset] * len(folded)
    return "".join(parts), where


def _anchor(original: str, text: str) -> tuple[int, str]:
    """Where a heading finding's words are in the original (their first line's start,
    when normalization changed them), and the original's words there."""
    for probe in (text, text[:8], text.split("\n")[0][:8]):
        at = original.find(probe) if probe.strip() else -1
        if at >= 0:
            return at, original[at : at + max(len(probe), 1)]
    # Normalized words (午後3時30分 for 午後３時３０分): found in the original's
    # characters each normalized on its own, then mapped back to where they were.
    folded, where = _folded(original)
    at = folded.find(text) if text.strip() else -1
    if at >= 0:
        start, end = where[at], where[at + len(text) - 1] + 1
        return start, original[start:end]
    at = len(original) - len(original.lstrip())
    return at, original[at : at + 20].split("\n")[0]


def read_summary(data: bytes, lang: str | None = None, given: date | None = None) -> Record:
    """Parse an official text; refuse with a reason only what is not one.

    `given` is the meeting's date when the text gives none (or no year)."""
    if lang is not None and lang not in LANGS:
        raise IngestRefused(f"the language must be ja or en, not {lang!r}", field="lang")
    if len(data) > MAX_BYTES:
        raise IngestRefused(
            f"the document is {len(data):,} bytes: a meeting's text is at most {MAX_BYTES:,}",
            field="file",
        )
    decoded = decode(data)
    _refuse_markup(decoded.text)
    found = detect_lang(decoded.text)
    if lang is not None and lang != found:
        names = {"ja": "Japanese", "en": "English"}
        raise IngestRefused(
            f"the document is in {names[found]}, not {names[lang]} as asked", field="lang"
        )
    stripped = strip_chrome(decoded.text)
    normalized = normalize(stripped.text, found)
    meeting = parse(normalized.text, found, given)
    findings = normalized.findings + quality(stripped.text, found)
    findings += [
        Finding("page-chrome", position(decoded.text, c.offset), c.found, f"left out ({c.kind})")
        for c in stripped.found
    ]
    for kind, text, note in meeting.findings:
        at, found_text = _anchor(decoded.text, text)
        findings.append(Finding(kind, position(decoded.text, at), found_text, note))
    findings.sort(key=lambda f: f.position["offset"])
    return Record(
        original=decoded.text,
        normalized=normalized.text,
        encoding=decoded.encoding,
        digest=hashlib.sha256(decoded.text.encode("utf-8")).hexdigest(),
        meeting=meeting,
        quality=findings,
    )
