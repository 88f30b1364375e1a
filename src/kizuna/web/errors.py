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

from kizuna.errors import Conflict, NotFound, Refused, StoreError
from kizuna.labels import LabelError
from kizuna.web.i18n import N_, translations

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
}

# Store and service messages, recognised by their wording (first match wins).
_STORE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"is already labelled "),
        N_("the object already has this label: give the label it should have now."),
    ),
    (
        re.compile(r"the place lies by .* but the municipality codes name|km from .* which the"),
        N_(
            "the municipality codes are of another prefecture than the place: give the "
            "codes of the place (notices are routed by them)."
        ),
    ),
    (
        re.compile(r"keeping its watch on this node"),
        N_("name a member of the body who keeps its watch on this node."),
    ),
    (
        re.compile(r"no other member of \S+ may read this handover"),
        N_(
            "no other member of the body may read this handover: name the incoming officer "
            "in Handed to, and it lists what you both may read."
        ),
    ),
    (re.compile(r"someone else than you"), N_("the incoming officer is someone else than you.")),
    (
        re.compile(r"is handed to \S+: only they sign"),
        N_("this handover is handed to another officer: only they sign it as incoming."),
    ),
    # Refusals (403) that say why.
    (
        re.compile(r"is above the clearance of"),
        N_("this label is above your clearance: write at or below your own."),
    ),
    (
        re.compile(r"only a releasing officer of \S+"),
        N_("only a releasing officer of the originating nation may take this release decision."),
    ),
    (
        re.compile(r"cursor"),
        N_("this page link is no longer valid; start again from the first page."),
    ),
    (
        re.compile(r"^unknown (state|tier|kind|phase|stance|status|actor|topic)\b"),
        N_("choose one of the offered values."),
    ),
    (re.compile(r"^unknown body"), N_("choose one of the offered bodies.")),
    (
        re.compile(r"^unknown municipality code"),
        N_("enter a municipality code of JIS X 0402, such as 473260."),
    ),
    (
        re.compile(r"is not a JIS X 0402 code"),
        N_("enter six digits, the JIS X 0402 code with its check digit, such as 473260."),
    ),
    (
        re.compile(r"is the code of .* itself, not of a municipality"),
        N_("this is a prefecture's code: enter the code of a municipality, such as 473260."),
    ),
    (
        re.compile(r"municipalities of one event are in one prefecture"),
        N_("the municipalities of one event are in one prefecture."),
    ),
    (
        re.compile(r"^an update changes at least one field"),
        N_("change at least one field, or mark it the closing report."),
    ),
    (
        re.compile(r"needs its zone"),
        N_("give the time with its zone, such as 2026-12-05T09:00+09:00."),
    ),
    (re.compile(r"^the latitude .* is outside"), N_("the latitude is a number from −90 to 90.")),
    (
        re.compile(r"^the longitude .* is outside"),
        N_("the longitude is a number from −180 to 180."),
    ),
    (
        re.compile(r"^unknown nation"),
        N_("a nation code is not known (write codes such as USA, AUS)."),
    ),
    (re.compile(r"^unknown "), N_("choose one of the offered values.")),
    (re.compile(r"needs .* in 'comment'"), N_("give the reason in the comment.")),
    # An official text refused by the importer.
    (re.compile(r"^the document is empty"), N_("the file is empty.")),
    (
        re.compile(r"^the document is binary"),
        N_("the file is not text: choose the text of a summary."),
    ),
    (
        re.compile(r"^the document is an HTML page"),
        N_("the file is a web page: save the summary as plain text and import that."),
    ),
    (
        re.compile(r"not UTF-8|not text in UTF-8"),
        N_("the file's characters are not in UTF-8, Shift_JIS or EUC-JP."),
    ),
    (
        re.compile(r"^the document is [\d,]+ bytes|^the file is over"),
        N_("the file is too large: an official text is at most 4 MB."),
    ),
    (
        re.compile(r"^the document is in "),
        N_("the text is in another language than the one chosen."),
    ),
    (
        re.compile(r"^due must be YYYY"),
        N_("write a year (2026), a month (2026-12) or a day (2026-12-05)."),
    ),
    (
        re.compile(r"^a meeting date is for one file"),
        N_("a meeting date is for one file: upload a text that gives no date on its own."),
    ),
    (
        re.compile(r"^no meeting date"),
        N_("the text gives no meeting date: enter it in the date field."),
    ),
    (
        re.compile(r"review's date .* is in the future"),
        N_("a review records what has happened: give a date that has come."),
    ),
    (
        re.compile(r"time is in the future|was learned is in the future"),
        N_("the time must not be in the future."),
    ),
    (
        re.compile(r"^a position is \[longitude, latitude\]"),
        N_("enter the longitude and latitude."),
    ),
    (re.compile(r"learned after it occurs"), N_("the learned time comes after the occurrence.")),
    (re.compile(r"at a place inside Japan"), N_("the place must be inside Japan.")),
    (re.compile(r"date must be YYYY-MM-DD"), N_("enter a date such as 2026-12-03.")),
    (re.compile(r"last date comes before the first"), N_("the last date comes before the first.")),
    (re.compile(r"not a time|not a timestamp"), N_("enter a date and time.")),
    (re.compile(r"score must be"), N_("choose +1, 0 or −1.")),
    (re.compile(r"whole number from 0 to 100"), N_("enter a whole number from 0 to 100.")),
    (re.compile(r"^confirmation"), N_("tick the box to confirm: this step cannot be undone.")),
    (re.compile(r"no file was chosen"), N_("choose a file.")),
    (re.compile(r"is required|^give the translated text"), N_("this field is required.")),
    (re.compile(r"at least one"), N_("give at least one.")),
    (re.compile(r"no object"), N_("an id names no object you may see.")),
    (re.compile(r"is not a STIX identifier"), N_("an id is not of the form type--uuid.")),
    (re.compile(r"already released"), N_("this was already released.")),
    (
        re.compile(r"approves another version"),
        N_("the product was revised after you opened it: read the current version, then approve."),
    ),
    (
        re.compile(r"is the requesting body itself"),
        N_("the counterpart cannot be the requesting body itself: choose another body."),
    ),
    (
        re.compile(r"addressed to another body"),
        N_("a request cannot be addressed to the body that asks it: choose another body."),
    ),
    (
        re.compile(r"like the requesting nation"),
        N_("choose a body of the partner nation, or a bilateral one."),
    ),
    (re.compile(r"is not a counterpart of"), N_("this body is not a counterpart of yours.")),
    (re.compile(r"on this node is opened by"), N_("choose a body of this node's nation.")),
    (re.compile(r"is not a member of"), N_("you are not a member of this body.")),
    (
        # A label that leaves out the node's own nation (SECRET//REL TO USA on JPN).
        re.compile(r"must be releasable to \S+, the originating nation"),
        N_("release it to your own nation too: name it after REL TO."),
    ),
    (
        re.compile(r"must be releasable to .* before it is proposed"),
        N_("the label must be releasable to the partner nation before the item is proposed."),
    ),
    (re.compile(r"it takes answers when"), N_("the item does not take answers in its state.")),
    (re.compile(r"is not a transition"), N_("this step is not possible now.")),
    (
        re.compile(r"is not a determination of"),
        N_("choose one of your nation's determinations."),
    ),
    (
        re.compile(r"does not record determinations"),
        N_("this body does not record determinations."),
    ),
    (
        re.compile(r"^only authorised officers of"),
        N_("only your nation's authorised officers record and end its determinations."),
    ),
    (
        re.compile(r"once it has (taken effect|ended)"),
        N_("a determination is recorded once it has taken effect, and ended once it has ended."),
    ),
    (re.compile(r"already ended"), N_("this determination has already ended.")),
    (re.compile(r"suspense has passed"), N_("the suspense must be in the future.")),
    (re.compile(r"time zone"), N_("give the time with its time zone.")),
    (re.compile(r"needs a label"), N_("give a label.")),
    (
        # A tasker or RFI on an item is stored at the item's label: any label typed
        # beside an item is refused, and "write a label the policy knows" sent readers
        # to rewrite a valid label instead of clearing it.
        re.compile(r"on an item carries the item's label"),
        N_("leave it empty when you name a coordination item; the item's label applies."),
    ),
    (re.compile(r"whom the RFI asks, answers it"), N_("only the body asked answers the RFI.")),
    (re.compile(r"a reply says something"), N_("write the reply in Japanese or English.")),
    (re.compile(r"is not tasked"), N_("choose an office the tasker tasks.")),
    (re.compile(r"say why the suspense"), N_("say in the note why the suspense cannot be met.")),
    (re.compile(r"neither an OCR nor"), N_("the OPR is neither an OCR nor the issuing body.")),
    (
        re.compile(r"no item sets a phase"),
        N_("each nation records its own situation determination."),
    ),
    (
        re.compile(r"target label is the draft's"),
        N_("the target label is the draft's own: there is nothing to release."),
    ),
    (re.compile(r"at least 12 characters"), N_("use at least 12 characters.")),
    (re.compile(r"a password is more than spaces"), N_("a password is more than spaces.")),
    (re.compile(r"a username is"), N_("use 1 to 64 letters, digits, '-', '_' or '.'.")),
    (re.compile(r"^user .* exists"), N_("this name is already taken.")),
    (re.compile(r"^limit must be"), N_("the page size is out of range.")),
]

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


def _pydantic(errors: list[Mapping[str, Any]], gettext: Callable[[str], str], names: _Names) -> str:
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
            said_by = str(error.get("msg", "")).removeprefix("Value error, ")
            key = _recognised(said_by) or N_("the value was not accepted.")
        else:
            key = _PYDANTIC.get(kind, N_("the value was not accepted."))
        field = None if kind == "json_invalid" else ".".join(loc)
        said.append(_with_field(field, gettext(key).format(**ctx), gettext, names))
    return " ".join(said)


def _recognised(text: str) -> str | None:
    """The message for a store or service refusal, known by its wording."""
    return next((key for pattern, key in _STORE_PATTERNS if pattern.search(text)), None)


def _label_said(text: str, gettext: Callable[[str], str]) -> str:
    """What is wrong with a typed label, naming the part the policy does not know."""
    for pattern, key in _LABEL_PARTS:
        found = pattern.search(text)
        if found:
            return gettext(key).format(part=found.group(1))
    return gettext(_LABEL)


def _store(exc: StoreError, gettext: Callable[[str], str], names: _Names) -> str:
    if isinstance(exc, NotFound):
        return gettext(_HTTP[404])
    text = str(exc)
    if isinstance(exc, Refused) and exc.status == 403:
        # A refusal that says why (not a member of the body) is more use than "no".
        key = _recognised(text)
        if key is not None:
            return _with_field(exc.field, gettext(key), gettext, names)
        return gettext(N_("You may not do this: your role or clearance does not allow it."))
    is_label = (exc.field or "").split(".")[-1] in ("label", "target_label")
    if is_label and _UNKNOWN.search(text):
        # A label is typed, not chosen: "choose one of the offered values" misleads.
        return _with_field(exc.field, _label_said(text, gettext), gettext, names)
    key = _recognised(text)
    if key is not None:
        return _with_field(exc.field, gettext(key), gettext, names)
    if isinstance(exc, Conflict):
        return gettext(_HTTP[409])
    if is_label:
        return _with_field(exc.field, gettext(_LABEL), gettext, names)
    return _with_field(exc.field, gettext(N_("the value was not accepted.")), gettext, names)


def explain(
    exc: BaseException,
    lang: str,
    *,
    limit: int | None = None,
    fields: Mapping[str, str] | None = None,
) -> str:
    """What went wrong, for a person reading `lang`, naming the field when there is one.

    `fields`: what this form calls a field where FIELD_NAMES says something more
    general (the coordination item's `kind` is its "Answer")."""
    gettext = translations(lang).gettext
    names = {**FIELD_NAMES, **fields} if fields else FIELD_NAMES
    if isinstance(exc, ValidationError):
        return _pydantic(list(exc.errors()), gettext, names)
    errors = getattr(exc, "errors", None)
    if callable(errors) and not isinstance(exc, StoreError):
        return _pydantic(list(errors()), gettext, names)
    if isinstance(exc, StoreError):
        return _store(exc, gettext, names)
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
