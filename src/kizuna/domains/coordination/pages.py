"""Pages of the coordination mechanism: the board, an item with its timeline, the forms
to open and to answer, notifications, and the alliance view of the regions with each
nation's determinations. Handlers call the service and the queries; the
templates only render what they are given."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kizuna.domains.coordination import notices, queries, staff_queries
from kizuna.domains.coordination.inputs import ItemCreate, ResponseCreate, TranslationVerify
from kizuna.domains.coordination.model import ACCEPTING, DOMAINS, OPEN_STATES, ResponseKind
from kizuna.domains.coordination.receipts import receipts_of
from kizuna.domains.coordination.rules import counterparts_for
from kizuna.domains.coordination.service import (
    USER_EVENTS,
    Coordination,
    coordination,
    iso_time,
)
from kizuna.domains.coordination.structure import PRECEDENCES, TIERS, Body
from kizuna.domains.coordination.words import (
    DOMAIN_NAMES,
    NOTICE_NAMES,
    OFFICE_STATUS_NAMES,
    PHASE_NAMES,
    PRECEDENCE_NAMES,
    RESPONSE_NAMES,
    RFI_STATE_NAMES,
    STATE_NAMES,
    TASKER_STATE_NAMES,
    TIER_NAMES,
)
from kizuna.errors import Conflict, Invalid, NotFound, StoreError
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, render
from kizuna.store.listing import title_of
from kizuna.web.bilingual import side_by_side, translation_of
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain
from kizuna.web.i18n import N_, choose_lang, translations
from kizuna.web.names import nation_name
from kizuna.web.pages import page, render_error

__all__ = ["TEMPLATES", "default_label", "router"]

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"

EVENT_NAMES = {
    "propose": N_("Propose"),
    "decide": N_("Record the decision"),
    "close": N_("Close"),
    "withdraw": N_("Withdraw"),
}
# Events that cannot be undone: their button asks the reader to confirm.
IRREVERSIBLE = frozenset({"withdraw"})
RFI_EVENT_NAMES = {
    "close": N_("Close the RFI"),
    "withdraw": N_("Withdraw the RFI"),
    "reopen": N_("Reopen: the answer falls short"),
}


def _common(c: Coordination, request: Request) -> dict[str, Any]:
    lang = choose_lang(request)
    gettext = translations(lang).gettext

    def body_with_nation(body: Body) -> str:
        # A choice of bodies says whose each is: 在日米軍司令部（米国）, ACG（日米共同）.
        whose = (
            gettext(N_("bilateral"))
            if body.bilateral
            else nation_name(c.node.policy, body.nation, lang)
        )
        return gettext(N_("%(body)s (%(nation)s)")) % {"body": body.name(lang), "nation": whose}

    return {
        "bodies": c.structure.bodies,
        "regions": c.structure.regions,
        "state_names": STATE_NAMES,
        "tier_names": TIER_NAMES,
        "phase_names": PHASE_NAMES,
        "precedence_names": PRECEDENCE_NAMES,
        "rfi_state_names": RFI_STATE_NAMES,
        "rfi_event_names": RFI_EVENT_NAMES,
        "tasker_state_names": TASKER_STATE_NAMES,
        "office_status_names": OFFICE_STATUS_NAMES,
        "precedences": PRECEDENCES,
        "domain_names": DOMAIN_NAMES,
        "response_names": RESPONSE_NAMES,
        "event_names": EVENT_NAMES,
        "notice_names": NOTICE_NAMES,
        "iso_time": iso_time,
        "body_with_nation": body_with_nation,
        # A rung of several bodies (the national staffs) is named by each of them.
        "body_names": lambda ids: " / ".join(
            c.structure.bodies[b].name(lang) if b in c.structure.bodies else b
            for b in str(ids).split("+")
        ),
        "kinds_of": lambda kind: (
            c.structure.determinations[kind].name(lang)
            if kind in c.structure.determinations
            else kind
        ),
        # An item whose title waits for its translation goes by the title it has.
        "title_of": lambda obj: title_of(obj.object, obj.id, lang),
    }


def _can_open(principal: Principal, c: Coordination) -> bool:
    return principal.can(Permission.OBJECT_WRITE) and principal.nation == c.node.nation


@router.get("/coordination")
def board_page(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    state: Annotated[str | None, Query(max_length=32)] = None,
    tier: Annotated[str | None, Query(max_length=32)] = None,
    precedence: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    c = coordination(node)
    # An unknown filter value is a StoreError naming its field: the error page says which.
    rows = queries.board(
        c, principal, state=state or None, tier=tier or None, precedence=precedence or None
    )
    in_force = queries.determinations(c, principal)
    return page(
        request,
        "coordination/board.html",
        principal=principal,
        labels=[r.item.label for r in rows] + [d.item.label for d in in_force],
        rows=rows,
        in_force=in_force,
        filters={"state": state or "", "tier": tier or "", "precedence": precedence or ""},
        tiers=TIERS,
        can_open=_can_open(principal, c),
        **_common(c, request),
    )


def default_label(c: Coordination, principal: Principal, lang: str) -> str:
    """A new record's label as the form first offers it: the lowest level, releasable to
    this node's nation only, written as the reader writes a label (指定なし//提供可：日本).
    Naming the partner is a release decision, taken by typing it, never by default
    (walk 42: a releasing officer who filled in only the titles released to the US)."""
    label = Label(c.node.policy.lowest.rank, frozenset({c.node.nation}))
    return render(c.node.policy, label, "ja" if lang == "ja" else "en", first=principal.nation)


def _form(
    request: Request,
    principal: Principal,
    c: Coordination,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    my_bodies = sorted(b for b in principal.bodies if b in c.structure.bodies)
    requesting = values.get("requesting_body")
    if requesting not in my_bodies:
        requesting = my_bodies[0] if my_bodies else ""
    return page(
        request,
        "coordination/open.html",
        principal=principal,
        status=status,
        values=values,
        error=error,
        tiers=TIERS,
        domains=DOMAINS,
        my_bodies=my_bodies,
        # Only the counterparts the rule accepts for the chosen requesting body; the
        # list follows another choice of it (htmx asks this page again).
        counterparts=counterparts_for(c.structure, c.node.nation, requesting),
        **_common(c, request),
    )


@router.get("/coordination/new")
def open_form(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    requesting_body: Annotated[str, Query(max_length=64)] = "",
    counterpart_body: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """The form to open an item; the two bodies, when given, are chosen in it."""
    c = coordination(node)
    node.store.require(principal, Permission.OBJECT_WRITE, "open coordination items")
    return _form(
        request,
        principal,
        c,
        {
            "label": default_label(c, principal, choose_lang(request)),
            "requesting_body": requesting_body,
            "counterpart_body": counterpart_body,
            "domains": [],
            # Proposing takes a label that names the counterpart's nation: not offered
            # ticked beside a label that names none.
            "propose": False,
            "precedence": "ROUTINE",
        },
    )


# The open form's fields by their labels on the form, which a refusal names.
_OPEN_FIELDS = {"source_lang": N_("Written in"), "translation": N_("The other language")}


@router.post("/coordination/new", dependencies=[Depends(check_csrf)])
def open_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    # Generous guards: the model's own limits (300) answer with the form kept.
    title_en: Annotated[str, Form(max_length=4000)] = "",
    title_ja: Annotated[str, Form(max_length=4000)] = "",
    body_en: Annotated[str, Form(max_length=20_000)] = "",
    body_ja: Annotated[str, Form(max_length=20_000)] = "",
    requesting_body: Annotated[str, Form(max_length=64)] = "",
    counterpart_body: Annotated[str, Form(max_length=64)] = "",
    tier: Annotated[str, Form(max_length=32)] = "",
    region: Annotated[str, Form(max_length=64)] = "",
    label: Annotated[str, Form(max_length=300)] = "",
    domains: Annotated[list[str] | None, Form()] = None,
    precedence: Annotated[str, Form(max_length=32)] = "ROUTINE",
    source_lang: Annotated[str, Form(max_length=8)] = "ja",
    translation: Annotated[str, Form(max_length=16)] = "",
    propose: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    node.store.require(principal, Permission.OBJECT_WRITE, "open coordination items")
    c = coordination(node)
    values: dict[str, Any] = {
        "title_en": title_en,
        "title_ja": title_ja,
        "body_en": body_en,
        "body_ja": body_ja,
        "requesting_body": requesting_body,
        "counterpart_body": counterpart_body,
        "tier": tier or None,
        "region": region,
        "label": label,
        "domains": domains or [],
        "precedence": precedence,
        "source_lang": source_lang,
        "translation": translation or None,
        "propose": bool(propose),
    }
    try:
        made = c.open_item(principal, ItemCreate(**values))
    except ValidationError as exc:
        said = explain(exc, choose_lang(request), fields=_OPEN_FIELDS)
        return _form(request, principal, c, values, said, 422)
    except (StoreError, LabelError) as exc:
        status = getattr(exc, "status", 422)
        said = explain(exc, choose_lang(request), fields=_OPEN_FIELDS)
        return _form(request, principal, c, values, said, status)
    return RedirectResponse(f"/coordination/items/{made.id}", status_code=303)


def _item_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    stix_id: str,
    error: str | None = None,
    status: int = 200,
    answer: dict[str, str] | None = None,
    rfi_values: dict[str, str] | None = None,
) -> HTMLResponse:
    try:
        facts, events = queries.timeline(c, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    item = next(e.version for e in reversed(events) if e.version is not None)
    with c.node.db.read() as conn:
        row = c.item_row(conn, principal, stix_id)
        legal = set(c.legal_events(conn, row))
        # One answer per nation per item version: once given, the form gives way to it.
        answered = c.answered(conn, row, principal.nation, item.modified)
        elsewhere = c.answers_elsewhere(conn, principal)
    needs = set(facts["needs"].split(","))
    can_move = _can_open(principal, c) and (
        facts["requesting_body"] in principal.bodies or principal.kind == "system"
    )
    may_answer = (
        principal.can(Permission.OBJECT_ANSWER)
        and principal.nation in needs
        and facts["state"] in ACCEPTING
    )
    can_answer = may_answer and answered is None and not elsewhere
    asked = staff_queries.rfis(c, principal, item=stix_id)
    # Who asks: this node's officers, for a body of theirs (own nation or bilateral).
    ask_bodies = [
        b
        for b in sorted(principal.bodies)
        if b in c.structure.bodies
        and (c.structure.bodies[b].bilateral or c.structure.bodies[b].nation == c.node.nation)
    ]
    can_ask = (
        principal.nation == c.node.nation
        and principal.can(Permission.OBJECT_ANSWER)
        and bool(ask_bodies)
        and facts["state"] in OPEN_STATES
    )
    rfi_default_to = (
        facts["requesting_body"]
        if facts["requesting_body"] not in principal.bodies
        else facts["counterpart_body"]
    )
    labels = [item.label]
    labels += [e.version.label for e in events if e.version is not None]
    labels += [e.response.label for e in events if e.response is not None]
    labels += [r.label for r in asked]
    received = receipts_of(c, principal, stix_id)
    labels += [r.label for r in received]
    return page(
        request,
        "coordination/item.html",
        principal=principal,
        labels=labels,
        status=status,
        item=item,
        facts=facts,
        events=events,
        events_allowed=[e for e in USER_EVENTS if e in legal] if can_move else [],
        irreversible=IRREVERSIBLE,
        can_answer=can_answer,
        # The clock runs only while the item waits for something: once concurred,
        # withdrawn or expired, a request still open says nothing of its deadline.
        clock_stopped=bool(item.object.get("clock_stopped_by")) and facts["state"] in OPEN_STATES,
        answered=answered if may_answer else None,
        answers_elsewhere=may_answer and elsewhere,
        kinds=list(ResponseKind),
        error=error,
        # What the reader chose and wrote, kept after a refusal.
        answer=answer or {},
        title_view=side_by_side(item.object, "name", "name_ja"),
        text_view=side_by_side(item.object, "description", "description_ja"),
        can_verify=(
            principal.can(Permission.TRANSLATION_VERIFY)
            and principal.nation == c.node.nation
            and translation_waits(item.object)
        ),
        rfis=asked,
        receipts=received,
        ack_bodies=_ack_bodies(c, principal, received),
        can_ask=can_ask,
        ask_bodies=ask_bodies,
        rfi_default_to=rfi_default_to,
        rfi_values=rfi_values or {},
        **_common(c, request),
    )


@router.get("/coordination/items/{stix_id}")
def item_page(
    request: Request, stix_id: str, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    return _item_page(request, principal, coordination(node), stix_id)


@router.post("/coordination/items/{stix_id}/respond", dependencies=[Depends(check_csrf)])
def respond_submit(
    request: Request,
    stix_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    kind: Annotated[str, Form(max_length=32)] = "",
    comment: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    c = coordination(node)
    kept = {"kind": kind, "comment": comment}
    words = {"kind": N_("Answer")}  # the form's legend over its choices
    try:
        c.respond(principal, stix_id, ResponseCreate(kind=kind, comment=comment))  # type: ignore[arg-type]
    except ValidationError as exc:
        said = explain(exc, choose_lang(request), fields=words)
        return _item_page(request, principal, c, stix_id, said, 422, answer=kept)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        said = explain(exc, choose_lang(request), fields=words)
        return _item_page(request, principal, c, stix_id, said, exc.status, answer=kept)
    return RedirectResponse(f"/coordination/items/{stix_id}", status_code=303)


@router.post("/coordination/items/{stix_id}/transition", dependencies=[Depends(check_csrf)])
def transition_submit(
    request: Request,
    stix_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    event: Annotated[str, Form(max_length=32)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    c = coordination(node)
    if event in IRREVERSIBLE and not confirm:
        # A final step is taken only when the reader ticked that they mean it.
        said = explain(Invalid("confirmation is required", field="confirm"), choose_lang(request))
        return _item_page(request, principal, c, stix_id, said, 422)
    try:
        c.transition(principal, stix_id, event)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        said = explain(exc, choose_lang(request))
        return _item_page(request, principal, c, stix_id, said, exc.status)
    return RedirectResponse(f"/coordination/items/{stix_id}", status_code=303)


@router.get("/coordination/notifications")
def notifications_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    c = coordination(node)
    found = notices.notifications(c, principal)
    return page(
        request,
        "coordination/notifications.html",
        principal=principal,
        labels=[n.item.label for n in found if n.item is not None],
        notices=found,
        may_acknowledge=notices.may_acknowledge(principal),
        **_common(c, request),
    )


@router.post("/coordination/notifications/{pk}/acknowledge", dependencies=[Depends(check_csrf)])
def acknowledge_submit(
    request: Request, pk: int, principal: PagePrincipal, node: NodeDep
) -> Response:
    try:
        notices.acknowledge(coordination(node), principal, pk)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except Conflict:
        pass  # acknowledged meanwhile by another member: the list shows by whom
    except StoreError as exc:
        # A refusal (a reader's forged form) is said, not swallowed as if it was taken.
        return render_error(request, exc, exc.status)
    return RedirectResponse("/coordination/notifications", status_code=303)


def translation_waits(body: dict[str, Any]) -> bool:
    """Whether the item's translation waits for a translator's verification."""
    record = translation_of(body)
    return record is not None and record.status != "verified"


# Elsewhere a `body` is a request's and a `title` an object's; on this form they are
# the translated text and title.
_VERIFY_FIELDS = {"body": N_("Translated text"), "title": N_("Translated title")}


@router.post("/coordination/items/{stix_id}/translation", dependencies=[Depends(check_csrf)])
def verify_submit(
    request: Request,
    stix_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    title: Annotated[str, Form(max_length=4000)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    c = coordination(node)
    try:
        c.verify_translation(principal, stix_id, TranslationVerify(title=title, body=body))
    except ValidationError as exc:
        said = explain(exc, choose_lang(request), fields=_VERIFY_FIELDS)
        return _item_page(request, principal, c, stix_id, said, 422)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        said = explain(exc, choose_lang(request), fields=_VERIFY_FIELDS)
        return _item_page(request, principal, c, stix_id, said, exc.status)
    return RedirectResponse(f"/coordination/items/{stix_id}", status_code=303)


def _ack_bodies(c: Coordination, principal: Principal, received: list[Any]) -> list[str]:
    """The reader's bodies whose receipt here waits for their acknowledgement (a reader
    of a body reads what reached it; only one who may answer signs for it)."""
    if principal.nation != c.node.nation or not principal.can(Permission.OBJECT_ANSWER):
        return []
    return [
        r.object["body"]
        for r in received
        if r.object["nation"] == principal.nation
        and r.object["body"] in principal.bodies
        and not r.object.get("acknowledged")
    ]
