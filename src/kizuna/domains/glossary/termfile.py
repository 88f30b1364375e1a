"""A file of glossary terms (YAML) that explains itself: every error names the file and
the line at fault (`terms.yaml line 12: readings: 'ACM' is not written in kana`).

    label: UNCLASSIFIED//REL TO JPN, USA      # the terms' label, unless one says its own
    source: 日米安全保障協議委員会（2+2）共同発表 2024-07-28   # unless one names its own
    terms:
      - ja: 同盟調整メカニズム
        en: Alliance Coordination Mechanism
        readings: [どうめいちょうせいめかにずむ]
        abbreviations: [ACM]
        definition_en: ...
        definition_ja: ...
        status: verified                        # provisional (the default) | verified

Each term is checked by the glossary's own rules (`rules.check_term`), its label by the
node's policy, and a term is in the file once per label. `kizuna glossary load` reads it;
the demo loads the shipped one (`data/glossary/alliance-terms.yaml`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from yaml.nodes import Node, ScalarNode

from kizuna.datafile import DataFileError, Reader, compose
from kizuna.domains.glossary.model import TermFields, fold, term_body
from kizuna.domains.glossary.rules import TermInvalid, check_term
from kizuna.labels import Label, LabelError, Policy, parse

__all__ = ["GlossaryFileError", "TermLine", "read_terms", "shipped_terms"]

_TOP = {"label", "source", "terms"}
_TERM = {"ja", "en", "readings", "abbreviations", "definition_en", "definition_ja", "source",
         "status", "label"}  # fmt: skip
# A rule's field -> the key of the file that holds it.
_KEY_OF = {"name_ja": "ja", "name": "en", "definition": "definition_en"}


class GlossaryFileError(DataFileError):
    """A glossary file that cannot be loaded; the message names the file and line."""


@dataclass(frozen=True)
class TermLine:
    """One checked term of the file, its label, and the line it starts on."""

    fields: TermFields
    label: Label
    line: int


def _texts(reader: Reader, node: Node, what: str) -> list[str]:
    if isinstance(node, ScalarNode):
        return [reader.text(node, what)]
    return [reader.text(item, what) for item in reader.sequence(node, what)]


def _label(reader: Reader, node: Node, policy: Policy, nation: str) -> Label:
    text = reader.text(node, "label")
    try:
        return parse(policy, text, originator=nation)
    except LabelError as exc:
        raise reader.fail(node, f"label '{text}': {exc}") from None


def read_terms(text: str, source: str, *, policy: Policy, nation: str) -> list[TermLine]:
    """Every term of the file, checked; `GlossaryFileError` at the first fault."""
    reader = Reader(source, GlossaryFileError)
    root = compose(text, source, GlossaryFileError)
    top = reader.mapping(root, "the file", _TOP, {"terms"})
    default_label = (
        _label(reader, top["label"], policy, nation)
        if "label" in top
        else parse(policy, policy.lowest.name, originator=nation)
    )
    default_source = reader.text(top["source"], "source") if "source" in top else ""
    seen: dict[tuple[str, str, Label], int] = {}
    made: list[TermLine] = []
    for node in reader.sequence(top["terms"], "terms"):
        keys = reader.mapping(node, "a term", _TERM, {"ja", "en"})
        values: dict[str, object] = {}
        for key in ("ja", "en", "definition_en", "definition_ja", "source", "status"):
            if key in keys:
                values[key] = reader.text(keys[key], key)
        for key in ("readings", "abbreviations"):
            if key in keys:
                values[key] = _texts(reader, keys[key], key)
        values.setdefault("source", default_source)
        label = _label(reader, keys["label"], policy, nation) if "label" in keys else default_label
        fields = TermFields.model_validate(values)
        try:
            check_term(term_body(fields))
        except TermInvalid as exc:
            at = keys.get(_KEY_OF.get(exc.field or "", exc.field or ""), node)
            raise reader.fail(at, exc.en) from None
        line = node.start_mark.line + 1
        pair = (fold(fields.ja), fold(fields.en), label)
        if pair in seen:
            raise reader.fail(
                keys["ja"], f"the term {fields.ja} / {fields.en} is already at line {seen[pair]}"
            )
        seen[pair] = line
        made.append(TermLine(fields, label, line))
    return made


def read_file(path: Path, *, policy: Policy, nation: str) -> list[TermLine]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryFileError(path.name, None, f"cannot be read: {exc}") from None
    return read_terms(text, path.name, policy=policy, nation=nation)


def shipped_terms(*, policy: Policy, nation: str) -> list[TermLine]:
    """The starter set shipped with Kizuna."""
    shipped = resources.files("kizuna").joinpath("data/glossary/alliance-terms.yaml")
    return read_terms(
        shipped.read_text(encoding="utf-8"), "alliance-terms.yaml", policy=policy, nation=nation
    )
