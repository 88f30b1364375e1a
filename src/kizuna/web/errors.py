"""Every error a person can see, in words they understand, in their language.

Services and the store refuse with messages written for developers and logs ("the
role that grants store:object:answer is missing", "title_en: String should have at
least 1 character"). A page shows instead the field by its name on the form and what
to do about it, translated through the catalog. This is the one place that maps
pydantic errors, store refusals, label errors and HTTP errors to those words; REST
keeps its own precise problem details (see problems.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException

from kizuna.errors import (
    Conflict,
    Disallowed,
    Invalid,
    NotFound,
    Refused,
    StoreError,
    validator_said,
)
from kizuna.labels import LabelError, Policy
from kizuna.web.i18n import N_, translations
from kizuna.web.refusal_words import refusal_said
from kizuna.web.type_names import TYPE_NAMES

__all__ = ["FIELD_NAMES", "explain", "field_name"]

# The words a form uses for each field it sends (and for query parameters).
FIELD_NAMES: dict[str, str] = {
    "title_en": N_("Title (English)"),
    "title_ja": N_("Title (Japanese)"),
    "body_en": N_("Text (English)"),
    "body_ja": N_("Text (Japanese)"),
    "requesting_body": N_("Requesting body"),
    "counterpart_body": N_("Counterpart body"),
    "tier": N_("Tier"),
    "region": N_("Region"),
    "label": N_("Label"),
    "level": N_("Label"),
    "rel_to": N_("Label"),
    "compartments": N_("Label"),
    "domains": N_("Domains"),
    "sets_phase": N_("Sets the phase"),
    "precedence": N_("Precedence"),
    "asking_body": N_("Asked by"),
    "addressed_body": N_("Addressed to"),
    "answers": N_("This reply answers the question"),
    "text_en": N_("Text (English)"),
    "text_ja": N_("Text (Japanese)"),
    "issuing_body": N_("Issued by"),
    "opr": N_("OPR"),
    "ocrs": N_("OCRs"),
    "suspense": N_("Suspense"),
    "office": N_("Office"),
    "note": N_("Note"),
    "determination": N_("Determination"),
    "determining_body": N_("Recorded for"),
    "regions": N_("Regions"),
    "effective": N_("In force from"),
    "ended": N_("Ended"),
    "legal_basis_en": N_("Legal basis (English)"),
    "legal_basis_ja": N_("Legal basis (Japanese)"),
    "kind": N_("Kind"),
    "comment": N_("Comment"),
    "event": N_("Action"),
    "confirm": N_("Confirmation"),
    "username": N_("Username"),
    "password": N_("Password"),
    "cursor": N_("Page"),
    "next": N_("Page"),
    "before": N_("Page"),
    "page": N_("Page"),
    "offset": N_("Page"),
    "size": N_("Per page"),
    "sort": N_("Order"),
    "dir": N_("Order"),
    "order": N_("Order"),
    "of": N_("Attached to"),
    "banner": N_("Classification of this page"),
    "entity": N_("Name in the text"),
    "already": N_("Imported before"),
    "type": N_("Type"),
    "state": N_("State"),
    "phase": N_("Phase"),
    "name": N_("Title"),
    "name_ja": N_("Title (Japanese)"),
    "description": N_("Description"),
    "description_ja": N_("Description (Japanese)"),
    "object_refs": N_("Objects it gathers"),
    "judgement": N_("Judgement"),
    "confidence": N_("Confidence"),
    "sources": N_("Sources"),
    "observed_at": N_("Observed at"),
    "place": N_("Place"),
    "geometry": N_("Position"),
    "since": N_("Modified from"),
    "until": N_("Modified until"),
    "file": N_("File"),
    "data": N_("File"),
    "due": N_("Due"),
    "owner": N_("Owner"),
    "lang": N_("Language"),
    "municipalities": N_("Municipality codes"),
    "occurred": N_("Occurred"),
    "learned": N_("Learned"),
    "source_reliability": N_("Source reliability"),
    "contributions": N_("Contributions"),
    "nations": N_("Partner nations"),
    "target_label": N_("Target label"),
    "nation": N_("Nation"),
    "score": N_("Score"),
    "evidence": N_("Evidence"),
    "date": N_("Date"),
    "round": N_("Review round"),
    "target": N_("Work"),
    "decision_refs": N_("Decisions"),
    "topic": N_("Topic"),
    "actor": N_("Actor"),
    "stance": N_("Stance"),
    "status": N_("Status"),
    "q": N_("Search words"),
    "body": N_("Request"),
    "zone": N_("Time zone"),
    "handed_to": N_("Handed to"),
    "coordination_item": N_("Coordination item"),
}

_PYDANTIC: dict[str, str] = {
    "missing": N_("this field is required."),
    "string_too_long": N_("at most {max_length} characters."),
    "too_long": N_("too many entries (at most {max_length})."),
    "literal_error": N_("choose one of the offered values."),
    "enum": N_("choose one of the offered values."),
    "int_parsing": N_("enter a whole number."),
    "int_type": N_("enter a whole number."),
    "float_parsing": N_("enter a number."),
    "bool_parsing": N_("choose yes or no."),
    "date_parsing": N_("enter a date such as 2026-12-03."),
    "date_from_datetime_parsing": N_("enter a date such as 2026-12-03."),
    "datetime_parsing": N_("enter a date and time."),
    "datetime_from_date_parsing": N_("enter a date and time."),
    "greater_than_equal": N_("at least {ge}."),
    "greater_than": N_("more than {gt}."),
    "less_than_equal": N_("at most {le}."),
    "less_than": N_("less than {lt}."),
    "json_invalid": N_("the request is not valid."),
}

_LABEL = N_("write a label the policy knows, such as SECRET//REL TO JPN, USA.")
# What part of a typed label the policy does not know, named (walk 37: "write a label
# the policy knows" left the writer to find which word of it was wrong).
_LABEL_PARTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"unknown level '([^']*)'"),
     N_("the policy has no level {part}: write a label such as SECRET//REL TO JPN, USA.")),
    (re.compile(r"unknown nation(?: or group)? '([^']*)'"),
     N_("the policy knows no nation {part}: write a label such as SECRET//REL TO JPN, USA.")),
    (re.compile(r"unknown compartment '([^']*)'"),
     N_("the policy has no compartment {part}: write a label such as SECRET//BIAC//REL TO "
        "JPN, USA.")),
)  # fmt: skip
_UNKNOWN = re.compile(r"^(\w+: )?(label .*: )?unknown ")
_HTTP: dict[int, str] = {
    401: N_("Sign in first."),
    403: N_("You may not do this."),
    404: N_("There is nothing here, or you may not see it."),
    405: N_("This page does not take that kind of request."),
    409: N_("This was changed meanwhile: reload the page and try again."),
    413: N_("What you sent is too large (at most {limit})."),
    422: N_("Something you entered was not accepted."),
    429: N_("Too many attempts. Try again later."),
}


# FIELD_NAMES, or a form's own words over them (see `explain`).
_Names = Mapping[str, str]


def field_name(
    field: str | None, gettext: Callable[[str], str], names: _Names = FIELD_NAMES
) -> str | None:
    """The field as its form calls it (the last known part of a dotted path)."""
    if not field:
        return None
    for part in reversed(field.split(".")):
        if part in names:
            return gettext(names[part])
    return field


def _with_field(
    field: str | None, message: str, gettext: Callable[[str], str], names: _Names
) -> str:
    named = field_name(field, gettext, names)
    if named is None:
        return message[:1].upper() + message[1:]
    return gettext("{field}: {message}").format(field=named, message=message)


def _pydantic(errors: list[Mapping[str, Any]], lang: str, names: _Names) -> str:
    gettext = translations(lang).gettext
    said = []
    for error in errors[:3]:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        kind = str(error.get("type", ""))
        ctx = dict(error.get("ctx") or {})
        if kind == "string_too_short":
            key = (
                N_("this field is required.")
                if ctx.get("min_length") == 1
                else N_("at least {min_length} characters.")
            )
        elif kind == "too_short":
            # A list left empty: on a form, boxes none of which was ticked.
            key = (
                N_("choose at least one.")
                if ctx.get("min_length") == 1
                else N_("choose at least {min_length}.")
            )
        elif kind == "value_error":
            # A validator's own words: the store's messages, recognised as they are.
            worded = refusal_said(validator_said(error), lang)
            message = worded or gettext(N_("the value was not accepted."))
            said.append(_with_field(".".join(loc), message, gettext, names))
            continue
        else:
            key = _PYDANTIC.get(kind, N_("the value was not accepted."))
        field = None if kind == "json_invalid" else ".".join(loc)
        said.append(_with_field(field, gettext(key).format(**ctx), gettext, names))
    return " ".join(said)


def _label_said(text: str, gettext: Callable[[str], str]) -> str:
    """What is wrong with a typed label, naming the part the policy does not know."""
    for pattern, key in _LABEL_PARTS:
        found = pattern.search(text)
        if found:
            return gettext(key).format(part=found.group(1))
    return gettext(_LABEL)


# A type's owner refusing a write that does not come through its service (`Owners.admit`):
# the owner's message, in the reader's words ("Type: the value was not accepted" said
# nothing of why, walk: an incident's release form).
_OWNED = re.compile(
    r"^(?P<type>\S+) objects belong to the (?P<domain>\S+) mechanism and keep its rules: "
    r"write them through (?P<endpoint>.+), not this path$"
)


def _owner_said(text: str, gettext: Callable[[str], str]) -> str | None:
    found = _OWNED.match(text)
    if found is None:
        return None
    stix_type = found.group("type")
    kind = gettext(TYPE_NAMES[stix_type]) if stix_type in TYPE_NAMES else stix_type
    return gettext(
        N_(
            "{kind} objects belong to the {domain} mechanism and keep its rules: this page "
            "does not write them. Use that mechanism's own pages, or {endpoint}."
        )
    ).format(kind=kind, domain=found.group("domain"), endpoint=found.group("endpoint"))


def _store(exc: StoreError, lang: str, names: _Names, policy: Policy | None) -> str:
    gettext = translations(lang).gettext
    if isinstance(exc, NotFound):
        return gettext(_HTTP[404])
    text = str(exc)
    owned = _owner_said(text, gettext) if isinstance(exc, Disallowed) else None
    if owned is not None:
        return owned
    if isinstance(exc, Refused) and exc.status == 403:
        # A refusal that says why (not a member of the body) is more use than "no".
        worded = refusal_said(text, lang, policy)
        if worded is not None:
            return _with_field(exc.field, worded, gettext, names)
        return gettext(N_("You may not do this: your role or clearance does not allow it."))
    is_label = (exc.field or "").split(".")[-1] in ("label", "target_label")
    if is_label and _UNKNOWN.search(text):
        # A label is typed, not chosen: "choose one of the offered values" misleads.
        return _with_field(exc.field, _label_said(text, gettext), gettext, names)
    worded = refusal_said(text, lang, policy)
    if worded is not None:
        return _with_field(exc.field, worded, gettext, names)
    if isinstance(exc, Conflict):
        return gettext(_HTTP[409])
    if is_label and _UNKNOWN.search(text) is None and isinstance(exc, Refused | Invalid):
        # A valid label some rule refuses (an owner's, a part's): the store's own reason,
        # as REST gives it, not "write a label the policy knows" (walk 46).
        return _with_field(exc.field, text, gettext, names)
    if is_label:
        return _with_field(exc.field, gettext(_LABEL), gettext, names)
    return _with_field(exc.field, gettext(N_("the value was not accepted.")), gettext, names)


def explain(
    exc: BaseException,
    lang: str,
    *,
    limit: int | None = None,
    fields: Mapping[str, str] | None = None,
    policy: Policy | None = None,
) -> str:
    """What went wrong, for a person reading `lang`, naming the field when there is one.

    `fields`: what this form calls a field where FIELD_NAMES says something more
    general (the coordination item's `kind` is its "Answer"). `policy`: the node's,
    for a refusal that names nations or a level (in words, as the pages write them);
    without it they stay as codes."""
    gettext = translations(lang).gettext
    names = {**FIELD_NAMES, **fields} if fields else FIELD_NAMES
    if isinstance(exc, ValidationError):
        return _pydantic(list(exc.errors()), lang, names)
    errors = getattr(exc, "errors", None)
    if callable(errors) and not isinstance(exc, StoreError):
        return _pydantic(list(errors()), lang, names)
    if isinstance(exc, StoreError):
        return _store(exc, lang, names, policy)
    if isinstance(exc, LabelError):
        return _with_field("label", _label_said(str(exc), gettext), gettext, names)
    if isinstance(exc, HTTPException):
        key = _HTTP.get(exc.status_code, N_("Something went wrong."))
        size = (
            (f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit // 1024} KiB")
            if limit
            else ""
        )
        return gettext(key).format(limit=size)
    return gettext(N_("Something went wrong."))
