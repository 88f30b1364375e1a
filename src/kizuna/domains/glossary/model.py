"""The alliance glossary's one type: a term, in Japanese and English.

A term is a STIX 2.1 object of a type of our own (`x-kizuna-glossary-term`), declared
through the STIX extension-definition mechanism (`extension_type: new-sdo`) and labelled
like any other object. `name` is its English form and `name_ja` its Japanese form (the
names every other Kizuna type uses, so lists and search titles show it); `readings` are
its readings in kana (yomi), `abbreviations` its short forms in either language (ACG,
BOCC, 仮訳), `definition` and `definition_ja` say what it means, `source` names the
public document it comes from, and `status` is `provisional` or `verified`.

Importing this module registers the type with `stix2`, which the store uses to check
every object it keeps.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from stix2.properties import ListProperty, StringProperty
from stix2.v21 import CustomObject

__all__ = [
    "MAX_ABBREVIATION",
    "MAX_ABBREVIATIONS",
    "MAX_DEFINITION",
    "MAX_FORM",
    "MAX_READINGS",
    "MAX_SOURCE",
    "TERM_EXTENSION",
    "TERM_TYPE",
    "Action",
    "Status",
    "TermCreate",
    "TermFields",
    "fold",
    "is_kana",
    "term_body",
]

TERM_TYPE = "x-kizuna-glossary-term"
# A fixed id: the extension definition is the same on every node.
TERM_EXTENSION = "extension-definition--9c1e4b2a-6d3f-4e8a-b7c5-1a2b3c4d5e61"

MAX_FORM = 200
MAX_READINGS = 5
MAX_ABBREVIATIONS = 10
MAX_ABBREVIATION = 50
MAX_DEFINITION = 4_000
MAX_SOURCE = 500


class Action(StrEnum):
    """What a refusal names (`<domain>:<resource>:<action>`), in the audit log too."""

    TERM_WRITE = "glossary:term:write"
    TERM_VERIFY = "glossary:term:verify"


class Status(StrEnum):
    PROVISIONAL = "provisional"
    VERIFIED = "verified"


@CustomObject(
    TERM_TYPE,
    [
        ("name", StringProperty(required=True)),
        ("name_ja", StringProperty(required=True)),
        ("readings", ListProperty(StringProperty)),
        ("abbreviations", ListProperty(StringProperty)),
        ("definition", StringProperty()),
        ("definition_ja", StringProperty()),
        ("source", StringProperty()),
        ("status", StringProperty(required=True)),
    ],
    extension_name=TERM_EXTENSION,
)
class GlossaryTerm:
    """A term of the alliance in both languages, an object of the node that wrote it."""


class TermFields(BaseModel):
    """What writing a term takes (a new term, or every field of an edit). Lengths, the
    forms being given and the status are checked by the glossary's rules (`rules.py`),
    which say what is wrong in both languages, on every path."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ja: str = Field(default="", description=f"Japanese form (required, at most {MAX_FORM})")
    en: str = Field(default="", description=f"English form (required, at most {MAX_FORM})")
    readings: list[str] = Field(
        default_factory=list, description=f"readings in kana (yomi), at most {MAX_READINGS}"
    )
    abbreviations: list[str] = Field(
        default_factory=list,
        description=f"short forms in either language (ACG, 仮訳), at most {MAX_ABBREVIATIONS}",
    )
    definition_en: str = Field(default="", description=f"at most {MAX_DEFINITION} characters")
    definition_ja: str = Field(default="", description=f"at most {MAX_DEFINITION} characters")
    source: str = Field(default="", description="the public document the term comes from")
    status: str = Field(default="provisional", description="provisional | verified")


class TermCreate(TermFields):
    label: str = Field(
        default="UNCLASSIFIED", max_length=300, description="e.g. 'UNCLASSIFIED//REL TO JPN, USA'"
    )


def term_body(fields: TermFields) -> dict[str, Any]:
    """The STIX body of a term (without id and times, which the store fills in)."""
    body: dict[str, Any] = {
        "type": TERM_TYPE,
        "name": fields.en,
        "name_ja": fields.ja,
        "status": fields.status,
        "extensions": {TERM_EXTENSION: {"extension_type": "new-sdo"}},
    }
    optional: dict[str, Any] = {
        "readings": [str(r).strip() for r in fields.readings if str(r).strip()],
        "abbreviations": [str(a).strip() for a in fields.abbreviations if str(a).strip()],
        "definition": fields.definition_en,
        "definition_ja": fields.definition_ja,
        "source": fields.source,
    }
    body.update({k: v for k, v in optional.items() if v})
    return body


_SPACE = re.compile(r"\s+")
# Hyphens, dashes, the minus sign and the underscore join words as a space does (walk 48:
# "gray zone" did not find "gray-zone situation"). The long-vowel mark (ー) is not one.
JOINERS = frozenset("-_\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u309d\u309e\u30fd\u30fe\s]+$")


def fold(text: str) -> str:
    """The form a look-up compares: NFKC (full-width letters become ASCII), case folded,
    katakana as hiragana, hyphens and dashes as spaces, runs of spaces as one. The same
    on both sides of a match (the stored keys were folded again by migration
    0002_glossary_joiners when hyphens joined the spaces)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = "".join(
        " " if c in JOINERS else chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c
        for c in folded
    )
    return _SPACE.sub(" ", folded).strip()


def is_kana(text: str) -> bool:
    """A reading is written in kana (hiragana or katakana, the long-vowel mark, the
    middle dot and spaces)."""
    return bool(_KANA.match(unicodedata.normalize("NFKC", text)))
