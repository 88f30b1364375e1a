"""How the incident forms say what is wrong: every field at fault, each in the reader's
words (walk: the record form named only the first of two fields wrong). The pages'
`explain` says at most three of a request's errors and one refusal; here each error of
the request, and each of the rules' `Problems`, is said through it in turn, and a
character a notice cannot carry is said with the character named.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from kizuna.domains.incidents.model import TEXT_REFUSALS
from kizuna.domains.incidents.rules import Problems
from kizuna.web.errors import FIELD_NAMES, explain, field_name
from kizuna.web.i18n import N_, translations

__all__ = ["said"]

_CHARACTER = dict(
    zip(
        TEXT_REFUSALS,
        (
            N_("remove the control character {char}: a notice cannot carry it."),
            N_(
                "remove {char}, a character that makes the text read otherwise than it is "
                "written: a notice cannot carry it."
            ),
        ),
        strict=True,
    )
)


# A time typed in another form (2026/12/07 17:00) was told "enter a date and time", as
# if none had been typed: the form the field takes is said instead.
_TIME_FORM = N_(
    "write the date and time as 2026-12-07T17:00+09:00: year-month-day, T, hours:minutes "
    "and the zone."
)


class _OneError(Exception):
    """One error of a request, as `explain` reads a request's errors."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(str(error.get("msg", "")))
        self._error = error

    def errors(self) -> list[Mapping[str, Any]]:
        return [self._error]


def said(exc: BaseException, lang: str, fields: Mapping[str, str] | None = None) -> str:
    """What is wrong, every field at fault, for a reader of `lang`; `fields` as the
    form calls its fields (see `explain`)."""
    if isinstance(exc, ValidationError):
        return " ".join(_error(e, lang, fields) for e in exc.errors())
    if isinstance(exc, Problems):
        return " ".join(explain(p, lang, fields=fields) for p in exc.problems)
    return explain(exc, lang, fields=fields)


def _error(error: Mapping[str, Any], lang: str, fields: Mapping[str, str] | None) -> str:
    kind = str(error.get("type", ""))
    words = _CHARACTER.get(kind)
    if kind.startswith("datetime_"):
        words = _TIME_FORM
    if words is None:
        return explain(_OneError(error), lang, fields=fields)
    gettext = translations(lang).gettext
    loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
    named = field_name(loc, gettext, {**FIELD_NAMES, **(fields or {})}) or loc
    message = gettext(words).format(**dict(error.get("ctx") or {}))
    return gettext("{field}: {message}").format(field=named, message=message)
