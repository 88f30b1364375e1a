"""Pages of the watch log and the shift handovers: a body's log with the form to log
an entry, the handovers with the form to generate one, and a handover with its sign
button. Handlers call the service; the templates only render what they are given."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kizuna.domains.coordination import handover as handovers_
from kizuna.domains.coordination import queries
from kizuna.domains.coordination.handover_sections import SECTION_TITLES
from kizuna.domains.coordination.service import Coordination, coordination
from kizuna.domains.coordination.watch import log_entry, watch_bodies, watch_log
from kizuna.domains.coordination.watch_model import (
    ENTRY_KIND_NAMES,
    ENTRY_KINDS,
    EntryCreate,
    HandoverCreate,
)
from kizuna.domains.coordination.words import (
    NOTICE_NAMES,
    PRECEDENCE_NAMES,
    RFI_STATE_NAMES,
    STATE_NAMES,
    TASKER_STATE_NAMES,
)
from kizuna.errors import Invalid, NotFound, StoreError
from kizuna.identity.principal import Principal
from kizuna.labels import Label, LabelError, parse, render
from kizuna.store.listing import readable_targets, title_of
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain
from kizuna.web.i18n import N_, choose_lang, translations
from kizuna.web.names import nation_name
from kizuna.web.pages import page
from kizuna.web.times import zone_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# The service's refusals of this module, in the reader's words (first match wins);
# anything else is explained as every page explains it.
WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"in the future"), N_("The time is in the future: log what has happened.")),
    (
        re.compile(r"does not dominate"),
        N_(
            "The handover's label must be at least as restrictive as everything it lists: "
            "at least {label}."
        ),
    ),
    (
        re.compile(r"entry's label .* must be at least as restrictive"),
        N_("The entry's label must be at least as restrictive as that of every item it names."),
    ),
    # Who does not keep a body's watch here, and why (`watch.not_keeping`).
    (
        re.compile(
            r"^(?P<who>\S+) is of (?P<nation>\S+): a member keeps the watch of (?P<body>\S+)"
        ),
        N_(
            "{who} belongs to {nation}: a member keeps the watch of {body} on their own "
            "nation's node, and this is the node of {node}."
        ),
    ),
    (
        re.compile(r"^(?P<who>\S+) is a member of (?P<body>[^\s:]+) as a reader"),
        N_("{who} is a member of {body} as a reader, and a reader does not keep its watch."),
    ),
    (
        re.compile(r"^(?P<body>\S+) is a body of (?P<nation>\S+): its watch is kept"),
        N_(
            "{body} is a body of {nation}: its watch is kept on that nation's node, and this "
            "is the node of {node}."
        ),
    ),
    (
        # The body's code ends before the colon of what follows ("of jjoc: name a...").
        re.compile(r"^(?P<who>\S+) is not a member of (?P<body>[^\s:]+)"),
        N_("{who} is not a member of {body}."),
    ),
    (re.compile(r"signs first"), N_("The outgoing officer signs first.")),
    (
        re.compile(r"as its outgoing officer"),
        N_("You signed as the outgoing officer: the incoming officer is another member."),
    ),
    (re.compile(r"signed by its incoming officer"), N_("The incoming officer has already signed.")),
    (re.compile(r"needs its text"), N_("Write the text in Japanese or in English.")),
    (re.compile(r"no coordination item"), N_("A linked item is not one you may see.")),
    (re.compile(r"no watch-log entry"), N_("The corrected entry is not one you may see.")),
    (re.compile(r"shift ends after it starts"), N_("the shift ends after it starts.")),
    (re.compile(r"shift lasts at most seven days"), N_("a shift lasts at most seven days.")),
    (re.compile(r"closes a shift that has ended"), N_("The shift ends no later than now.")),
    (re.compile(r"needs its time zone|not a time"), N_("Enter a date and time.")),
]


def _said(exc: BaseException, request: Request, c: Coordination) -> str:
    lang = choose_lang(request)
    if isinstance(exc, StoreError):
        gettext = translations(lang).gettext
        text = str(exc)
        for pattern, words in WORDS:
            found = pattern.search(text)
            if found:
                least = re.search(r"choose at least (.+)$", text)
                named = found.groupdict()
                body = named.get("body", "")
                # Bodies and nations by their names in the reader's language, not codes.
                said = gettext(words).format(
                    label=least.group(1) if least else "",
                    who=named.get("who", ""),
                    body=c.structure.bodies[body].name(lang)
                    if body in c.structure.bodies
                    else body,
                    nation=nation_name(c.node.policy, named.get("nation", ""), lang),
                    node=nation_name(c.node.policy, c.node.nation, lang),
                )
                if exc.field in _SHIFT_FIELDS:
                    # The time to change, by its name on the form.
                    field = gettext(_SHIFT_FIELDS[exc.field])
                    return gettext("{field}: {message}").format(field=field, message=said)
                return said
    return explain(exc, lang)


_SHIFT_FIELDS = {"period_start": N_("Shift start"), "period_end": N_("Shift end")}


# Where a handover row leads: the mechanism's own pages by the id's type, or the page
# another domain's section names, if it is a path of this node's to that very object
# (a handover may come from a partner: a link of its making never leaves the node).
_LOCAL_PATH = re.compile(r"/[a-z][a-z0-9-]*(?:/[a-z][a-z0-9-]*)*/")
_ROW_PAGES = (
    ("x-kizuna-rfi--", "/coordination/rfis/"),
    ("x-kizuna-tasker--", "/coordination/taskers/"),
)


def _row_href(row: dict[str, Any]) -> str:
    stix_id = str(row.get("id", ""))
    href = row.get("href")
    if isinstance(href, str) and href.endswith(stix_id):
        path = href[: len(href) - len(stix_id)]
        if _LOCAL_PATH.fullmatch(path):
            return href
    prefix = next((p for t, p in _ROW_PAGES if stix_id.startswith(t)), "/coordination/items/")
    return prefix + stix_id


def _own_lowest(c: Coordination, lang: str) -> str:
    policy = c.node.policy
    lowest = Label(policy.lowest.rank, frozenset({c.node.nation}), frozenset())
    return render(policy, lowest, "ja" if lang == "ja" else "en")


def _status(exc: BaseException) -> int:
    return int(getattr(exc, "status", 422)) if isinstance(exc, StoreError) else 422


def _common(c: Coordination, request: Request, principal: Principal) -> dict[str, Any]:
    lang = choose_lang(request)
    policy = c.node.policy

    def label_of(text: str, origin: str) -> Label | None:
        try:
            return parse(policy, text, originator=origin)
        except LabelError:
            return None

    return {
        "bodies": c.structure.bodies,
        "my_bodies": watch_bodies(c, principal),
        "kind_names": ENTRY_KIND_NAMES,
        "kinds": ENTRY_KINDS,
        "state_names": STATE_NAMES,
        "rfi_state_names": RFI_STATE_NAMES,
        "tasker_state_names": TASKER_STATE_NAMES,
        "precedence_names": PRECEDENCE_NAMES,
        "notice_names": NOTICE_NAMES,
        "row_href": _row_href,
        "section_titles": {
            **SECTION_TITLES,
            **{name: title for name, (title, _) in c.node.handover_parts.items()},
        },
        "label_of": label_of,
        "body_name": lambda b: c.structure.bodies[b].name(lang) if b in c.structure.bodies else b,
        "title_of": lambda o: title_of(o.object, o.id, lang),
        "text_of": lambda o, en="text", ja="text_ja": (
            (o.get(ja) or o.get(en)) if lang == "ja" else (o.get(en) or o.get(ja))
        ),
    }


def _when(principal: Principal, value: str, field: str) -> datetime | None:
    """A time from a form: ISO 8601, or a browser's local time in the reader's zone."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{field} is not a time: {value!r}", field=field) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_for(principal.nation, principal.zone))
    return moment


# -- the watch log ---------------------------------------------------------------------


def _watch_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    body: str | None,
    order: str = "newest",
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    mine = watch_bodies(c, principal)
    chosen = body or (mine[0] if mine else None)
    if chosen is not None and chosen not in c.structure.bodies:
        raise HTTPException(404, f"unknown body '{chosen}'")
    entries = watch_log(c, principal, chosen, newest_first=order != "oldest") if chosen else []
    can_write = chosen in mine
    # Items an entry may name: those on the reader's board (the visibility condition).
    linkable = queries.board(c, principal, limit=100) if can_write else []
    # The items an entry names go by their titles where the reader may read them.
    named = [i for e in entries for i in e.entry.object.get("items", [])]
    items = readable_targets(c.store, principal, named, choose_lang(request))
    return page(
        request,
        "coordination/watch.html",
        principal=principal,
        status=status,
        labels=[e.entry.label for e in entries]
        + [r.item.label for r in linkable]
        + [t.label for t in items.values()],
        entry_items=items,
        body=chosen,
        order=order,
        entries=entries,
        can_write=can_write,
        linkable=linkable,
        # The lowest level, this nation only, written as the reader writes labels.
        values=values
        or {"kind": "event", "label": _own_lowest(c, choose_lang(request)), "items": []},
        error=error,
        **_common(c, request, principal),
    )


@router.get("/coordination/watch")
def watch_page(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    body: Annotated[str | None, Query(max_length=64)] = None,
    order: Annotated[str, Query(max_length=8)] = "newest",
) -> HTMLResponse:
    return _watch_page(request, principal, coordination(node), body or None, order)


@router.post("/coordination/watch", dependencies=[Depends(check_csrf)])
def watch_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    body: Annotated[str, Form(max_length=64)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    at: Annotated[str, Form(max_length=64)] = "",
    text_en: Annotated[str, Form(max_length=20_000)] = "",
    text_ja: Annotated[str, Form(max_length=20_000)] = "",
    items: Annotated[list[str] | None, Form()] = None,
    corrects: Annotated[str, Form(max_length=120)] = "",
    label: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    c = coordination(node)
    values: dict[str, Any] = {
        "body": body,
        "kind": kind,
        "at": at,
        "text_en": text_en,
        "text_ja": text_ja,
        "items": items or [],
        "corrects": corrects,
        "label": label,
    }
    try:
        data = EntryCreate(
            body=body,
            kind=kind,
            at=_when(principal, at, "at"),
            text_en=text_en,
            text_ja=text_ja,
            items=items or [],
            corrects=corrects or None,
            label=label,
        )
        log_entry(c, principal, data)
    except (ValidationError, StoreError) as exc:
        said = _said(exc, request, c)
        return _watch_page(
            request, principal, c, body or None, "newest", values, said, _status(exc)
        )
    return RedirectResponse(f"/coordination/watch?body={body}", status_code=303)


# -- handovers -------------------------------------------------------------------------


def _handovers_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    body: str | None,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = handovers_.handovers(c, principal, body=body)
    return page(
        request,
        "coordination/handovers.html",
        principal=principal,
        status=status,
        labels=[h.handover.label for h in found],
        rows=found,
        body=body,
        values=values or {"label": ""},
        error=error,
        **_common(c, request, principal),
    )


@router.get("/coordination/handovers")
def handovers_page(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    body: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    c = coordination(node)
    if body and body not in c.structure.bodies:
        raise HTTPException(404, f"unknown body '{body}'")
    return _handovers_page(request, principal, c, body or None)


@router.post("/coordination/handovers", dependencies=[Depends(check_csrf)])
def generate_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    body: Annotated[str, Form(max_length=64)] = "",
    period_start: Annotated[str, Form(max_length=64)] = "",
    period_end: Annotated[str, Form(max_length=64)] = "",
    label: Annotated[str, Form(max_length=300)] = "",
    handed_to: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    c = coordination(node)
    values = {
        "body": body,
        "period_start": period_start,
        "period_end": period_end,
        "label": label,
        "handed_to": handed_to,
    }
    try:
        made = handovers_.generate(
            c,
            principal,
            HandoverCreate(
                body=body,
                period_start=_when(principal, period_start, "period_start"),
                period_end=_when(principal, period_end, "period_end"),
                label=label or None,
                handed_to=handed_to.strip() or None,
            ),
        )
    except (ValidationError, StoreError) as exc:
        said = _said(exc, request, c)
        return _handovers_page(request, principal, c, None, values, said, _status(exc))
    return RedirectResponse(f"/coordination/handovers/{made.id}", status_code=303)


def _handover_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    stix_id: str,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        found = handovers_.handover(c, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    body = found.object
    mine = body.get("body") in watch_bodies(c, principal) and found.origin == c.node.nation
    outgoing = body.get("outgoing_officer")
    if body.get("outgoing_signed_at") is None:
        can_sign = mine and principal.name == outgoing
    else:
        can_sign = (
            mine
            and principal.name != outgoing
            and body.get("incoming_officer") is None
            and body.get("handed_to") in (None, principal.name)
        )
    return page(
        request,
        "coordination/handover.html",
        principal=principal,
        status=status,
        labels=[found.label],
        handover=found,
        h=body,
        sections=body.get("sections", {}),
        can_sign=can_sign,
        error=error,
        **_common(c, request, principal),
    )


@router.get("/coordination/handovers/{stix_id}")
def handover_page(
    request: Request, stix_id: str, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    return _handover_page(request, principal, coordination(node), stix_id)


@router.post("/coordination/handovers/{stix_id}/sign", dependencies=[Depends(check_csrf)])
def sign_submit(
    request: Request, stix_id: str, principal: PagePrincipal, node: NodeDep
) -> Response:
    c = coordination(node)
    try:
        handovers_.sign(c, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        return _handover_page(request, principal, c, stix_id, _said(exc, request, c), exc.status)
    return RedirectResponse(f"/coordination/handovers/{stix_id}", status_code=303)
