"""Both languages side by side: what a page needs to show a text in Japanese and English
together, with the state of its translation. Pure: no I/O.

**The translation record.** An object whose text exists in both languages says how the
second came to be in one top-level STIX property, `x_kizuna_translation`:

    "x_kizuna_translation": {
        "source": "ja",                 # the language the text was written in: ja | en
        "status": "provisional",        # requested | provisional | verified
        "translator": "sato",           # who translated (required unless requested)
        "at": "2026-12-03T06:00:00.000Z"  # when the status was set (a STIX timestamp)
    }

`requested`: the text exists in the source language only and a translation was asked
for. `provisional`: translated, not yet checked (仮訳, the word official Japanese
documents print on an unofficial translation). `verified`: translated and checked by a
translator. An object without the property was written in both languages by its
author, or in one only (then it shows "No translation").

A domain that writes the record calls `check_translation` first (in its own rules, so
that every write path keeps it) and builds it with `translation_record`. A page turns
an object into what the `bilingual` macro of `templates/bilingual.html` shows with
`side_by_side`. Terms of the glossary found in a text may be links (`glossed`), from
marks its caller computed through the visibility condition for the reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from markupsafe import Markup, escape

from kizuna.errors import Invalid

__all__ = [
    "FLAGS",
    "LANGUAGES",
    "STATUSES",
    "TRANSLATION_PROPERTY",
    "Mark",
    "SideBySide",
    "Translation",
    "check_translation",
    "glossed",
    "side_by_side",
    "translation_of",
    "translation_record",
]

TRANSLATION_PROPERTY = "x_kizuna_translation"
LANGUAGES = ("ja", "en")
STATUSES = ("requested", "provisional", "verified")
Status = Literal["requested", "provisional", "verified", "none"]
# What the macro prints for each status (msgids of the catalog; "none": one text only).
FLAGS: dict[str, str] = {
    "provisional": "Provisional translation (仮訳)",
    "verified": "Verified translation",
    "requested": "Translation requested",
    "none": "No translation",
}
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_KEYS = {"source", "status", "translator", "at"}
_USERNAME = re.compile(r"^[A-Za-z0-9_.@:-]{1,128}$")


@dataclass(frozen=True)
class Translation:
    """A valid translation record."""

    source: str
    status: str
    translator: str | None
    at: str

    def as_property(self) -> dict[str, str]:
        made = {"source": self.source, "status": self.status, "at": self.at}
        if self.translator:
            made["translator"] = self.translator
        return made


def check_translation(record: Any, *, field: str = TRANSLATION_PROPERTY) -> Translation:
    """The record, checked; `Invalid` naming the part at fault (in English and Japanese)
    otherwise. Refuses: not a mapping, an unknown key, a source other than ja or en, an
    unknown status, a provisional or verified record without its translator, a
    translator that is not a user name, `at` that is not a STIX timestamp."""
    if not isinstance(record, Mapping):
        raise Invalid(
            "a translation record is an object with source, status, translator and at"
            " / 翻訳記録は source・status・translator・at からなるオブジェクトです",
            field=field,
        )
    unknown = sorted(str(k) for k in record if k not in _KEYS)
    if unknown:
        raise Invalid(
            f"a translation record has no {', '.join(unknown)}; it has "
            f"{', '.join(sorted(_KEYS))} / 翻訳記録に {', '.join(unknown)} という項目はありません",
            field=f"{field}.{unknown[0]}",
        )
    source = record.get("source")
    if source not in LANGUAGES:
        raise Invalid(
            f"unknown source language {source!r}: ja or en / 原文の言語は ja か en です",
            field=f"{field}.source",
        )
    status = record.get("status")
    if status not in STATUSES:
        raise Invalid(
            f"unknown translation status {status!r}: {', '.join(STATUSES)}"
            f" / 翻訳の状態は {'・'.join(STATUSES)} のいずれかです",
            field=f"{field}.status",
        )
    translator = record.get("translator")
    if translator is None:
        if status != "requested":
            raise Invalid(
                f"a {status} translation names its translator / 訳には翻訳者の記載が必要です",
                field=f"{field}.translator",
            )
    elif not isinstance(translator, str) or not _USERNAME.match(translator):
        raise Invalid(
            "the translator is a user name / 翻訳者はユーザー名で記載します",
            field=f"{field}.translator",
        )
    at = record.get("at")
    if not isinstance(at, str) or not _TS.match(at):
        raise Invalid(
            "at is a STIX timestamp such as 2026-12-03T06:00:00.000Z"
            " / at は 2026-12-03T06:00:00.000Z のような日時です",
            field=f"{field}.at",
        )
    return Translation(str(source), str(status), translator, at)


def translation_record(
    *, source: str, status: str, translator: str | None, at: str
) -> dict[str, str]:
    """A record to store as `x_kizuna_translation`, checked."""
    raw: dict[str, Any] = {"source": source, "status": status, "at": at}
    if translator is not None:
        raw["translator"] = translator
    return check_translation(raw).as_property()


def translation_of(body: Mapping[str, Any]) -> Translation | None:
    """The object's record, or None when it has none or a malformed one (a page shows
    what it can; the writing domain's rules refuse a malformed record)."""
    raw = body.get(TRANSLATION_PROPERTY)
    if raw is None:
        return None
    try:
        return check_translation(raw)
    except Invalid:
        return None


@dataclass(frozen=True)
class SideBySide:
    """What the `bilingual` macro shows: both texts, the flag, where the text came from."""

    en: str
    ja: str
    status: Status | None  # None: written in both languages, no flag
    source: str | None = None
    translator: str | None = None


def side_by_side(body: Mapping[str, Any], en_key: str, ja_key: str) -> SideBySide:
    """An object's text in both languages (`en_key`, `ja_key` name its properties, e.g.
    "name" and "name_ja") and the flag its translation record, or its lack, gives."""
    en = str(body.get(en_key) or "")
    ja = str(body.get(ja_key) or "")
    record = translation_of(body)
    status: Status | None
    if record is not None and (record.status == "requested" or (en and ja)):
        status = record.status  # type: ignore[assignment]
    elif en and ja:
        status = None
    else:
        status = "none"
    return SideBySide(
        en=en,
        ja=ja,
        status=status,
        source=record.source if record else None,
        translator=record.translator if record else None,
    )


@dataclass(frozen=True)
class Mark:
    """A run of a text that names a glossary term the reader may read."""

    start: int
    end: int
    href: str
    title: str


def glossed(text: str, marks: Iterable[Mark]) -> Markup:
    """The text, escaped, with each mark a link (overlapping marks: the first longest
    wins)."""
    chosen: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.start, -(m.end - m.start))):
        if 0 <= mark.start < mark.end <= len(text) and all(
            mark.start >= c.end or mark.end <= c.start for c in chosen
        ):
            chosen.append(mark)
    out: list[str] = []
    at = 0
    for mark in sorted(chosen, key=lambda m: m.start):
        out.append(str(escape(text[at : mark.start])))
        out.append(
            f'<a class="term" href="{escape(mark.href)}" title="{escape(mark.title)}">'
            f"{escape(text[mark.start : mark.end])}</a>"
        )
        at = mark.end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))  # noqa: S704 (every part above is escaped)
