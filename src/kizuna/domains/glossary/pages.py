"""Pages of the alliance glossary: the list with its look-up in either language, a term
in both languages side by side (the shared `bilingual` macro) with the terms its
definitions name as links, and the forms to add and edit a term. Handlers call the
service and the queries; the templates only render what they are given. A refused
form comes back with what was typed and what is wrong, in both languages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kizuna.domains.glossary import queries
from kizuna.domains.glossary.model import Status, TermCreate, TermFields
from kizuna.domains.glossary.rules import TermInvalid
from kizuna.domains.glossary.service import create_term, edit_term, may_write
from kizuna.errors import NotFound, StoreError
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, render
from kizuna.runtime import Node
from kizuna.store import StoredObject
from kizuna.web.bilingual import glossed, side_by_side
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain
from kizuna.web.i18n import choose_lang
from kizuna.web.pages import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PAGE = 50


def _split(text: str) -> list[str]:
    """A list typed in one field: separated by commas (ASCII or Japanese) or lines."""
    for sep in ("、", "，", "\n"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def _error(exc: Exception, lang: str) -> dict[str, str]:
    """What went wrong, in both languages (a term's own refusals), or in the reader's."""
    if isinstance(exc, TermInvalid) and isinstance(exc.__cause__, LabelError):
        # A label's refusal names the part the policy does not know, as on every form.
        return {code: explain(exc.__cause__, code) for code in ("en", "ja")}
    if isinstance(exc, TermInvalid):
        return {"en": exc.en, "ja": exc.ja}
    said = explain(exc, lang)
    return {"en": said, "ja": said} if lang == "en" else {"ja": said, "en": explain(exc, "en")}


@router.get("/glossary")
def glossary_page(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    q: Annotated[str | None, Query(max_length=queries.MAX_QUERY)] = None,
    offset: Annotated[int, Query(ge=0, le=queries.MAX_OFFSET)] = 0,
) -> HTMLResponse:
    lang = choose_lang(request)
    error = None
    try:
        found = queries.look_up(node.store, principal, q, lang=lang, limit=PAGE, offset=offset)
    except StoreError as exc:
        found = queries.Found([], 0)
        error = _error(exc, lang)
    every = queries.count(node.store, principal) if q else found
    return page(
        request,
        "glossary/list.html",
        principal=principal,
        # The counts are of every term found and of every term, not only of this page's.
        labels=[*(t.label for t in found.terms), *found.labels, *every.labels],
        status=422 if error else 200,
        terms=found.terms,
        total=found.total,
        q=q or "",
        offset=offset,
        more=offset + PAGE < found.total,
        page_size=PAGE,
        every=every.total,
        can_write=may_write(node, principal),
        error=error,
    )


def _term_page(request: Request, principal: Principal, node: Node, stix_id: str) -> HTMLResponse:
    try:
        obj = queries.term(node.store, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    body = obj.object

    def linked(text: str) -> Any:
        # Other terms the definition names, as links (the reader's own visible terms).
        own = f"{queries.TERM_PATH}{obj.id}"
        found = [m for m in queries.marks(node.store, principal, text) if m.href != own]
        return glossed(text, found)

    definitions = side_by_side(body, "definition", "definition_ja")
    return page(
        request,
        "glossary/term.html",
        principal=principal,
        labels=[obj.label],
        term=obj,
        body=body,
        definition_en=linked(definitions.en),
        definition_ja=linked(definitions.ja),
        has_definition=bool(definitions.en or definitions.ja),
        can_edit=may_write(node, principal) and obj.origin == node.nation,
    )


@router.get("/glossary/terms/{stix_id}")
def term_page(
    stix_id: str, request: Request, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    return _term_page(request, principal, node, stix_id)


def _form(
    request: Request,
    principal: Principal,
    node: Node,
    *,
    values: dict[str, Any],
    term: StoredObject | None,
    error: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "glossary/edit.html",
        principal=principal,
        labels=[term.label] if term else [],
        status=422 if error else 200,
        values=values,
        term=term,
        statuses=[s.value for s in Status],
        can_verify=principal.can(Permission.TRANSLATION_VERIFY),
        error=error,
    )


def _values_of(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "ja": body.get("name_ja", ""),
        "en": body.get("name", ""),
        "readings": "、".join(body.get("readings", [])),
        "abbreviations": ", ".join(body.get("abbreviations", [])),
        "definition_en": body.get("definition", ""),
        "definition_ja": body.get("definition_ja", ""),
        "source": body.get("source", ""),
        "status": body.get("status", Status.PROVISIONAL.value),
    }


def _writer_only(node: Node, principal: Principal) -> None:
    node.store.require(principal, Permission.OBJECT_WRITE, "write the glossary")


@router.get("/glossary/new")
def new_form(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    _writer_only(node, principal)
    # The lowest level, this nation only, written as the reader writes labels.
    lowest = Label(node.policy.lowest.rank, frozenset({node.nation}), frozenset())
    label = render(node.policy, lowest, "ja" if choose_lang(request) == "ja" else "en")
    return _form(request, principal, node, values={"label": label, "status": "provisional"},
                 term=None)  # fmt: skip


# The fields of the term form, as it sends them. No length of their own: a guard here
# answered before the glossary's rules, naming the field as it is sent ("en: at most
# 5000 characters"); the rules say every limit in both languages, by the field's name
# on the form, with the form kept. The node's body limit still bounds what is read.
TextField = Annotated[str, Form()]


@router.post("/glossary/new", dependencies=[Depends(check_csrf)])
def new_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    ja: TextField = "",
    en: TextField = "",
    readings: TextField = "",
    abbreviations: TextField = "",
    definition_en: TextField = "",
    definition_ja: TextField = "",
    source: TextField = "",
    status: Annotated[str, Form(max_length=32)] = "provisional",
    label: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    values = dict(ja=ja, en=en, readings=readings, abbreviations=abbreviations,
                  definition_en=definition_en, definition_ja=definition_ja, source=source,
                  status=status, label=label)  # fmt: skip
    _writer_only(node, principal)
    try:
        data = TermCreate.model_validate(
            {**values, "readings": _split(readings), "abbreviations": _split(abbreviations)}
        )
        made = create_term(node, principal, data)
    except (ValidationError, StoreError) as exc:
        error = _error(exc, choose_lang(request))
        return _form(request, principal, node, values=values, term=None, error=error)
    return RedirectResponse(f"/glossary/terms/{made.id}", status_code=303)


@router.get("/glossary/terms/{stix_id}/edit")
def edit_form(
    stix_id: str, request: Request, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    _writer_only(node, principal)
    try:
        obj = queries.term(node.store, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    values = _values_of(obj.object)
    if not principal.can(Permission.TRANSLATION_VERIFY):
        # Only a translator keeps a term verified; anyone else saves a provisional one.
        values["status"] = Status.PROVISIONAL.value
    return _form(request, principal, node, values=values, term=obj)


@router.post("/glossary/terms/{stix_id}/edit", dependencies=[Depends(check_csrf)])
def edit_submit(
    stix_id: str,
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    ja: TextField = "",
    en: TextField = "",
    readings: TextField = "",
    abbreviations: TextField = "",
    definition_en: TextField = "",
    definition_ja: TextField = "",
    source: TextField = "",
    status: Annotated[str, Form(max_length=32)] = "provisional",
) -> Response:
    _writer_only(node, principal)
    try:
        obj = queries.term(node.store, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    values = dict(ja=ja, en=en, readings=readings, abbreviations=abbreviations,
                  definition_en=definition_en, definition_ja=definition_ja, source=source,
                  status=status)  # fmt: skip
    try:
        data = TermFields.model_validate(
            {**values, "readings": _split(readings), "abbreviations": _split(abbreviations)}
        )
        edit_term(node, principal, stix_id, data)
    except (ValidationError, StoreError) as exc:
        error = _error(exc, choose_lang(request))
        return _form(request, principal, node, values=values, term=obj, error=error)
    return RedirectResponse(f"/glossary/terms/{stix_id}", status_code=303)
