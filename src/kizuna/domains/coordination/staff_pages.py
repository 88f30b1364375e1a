"""The staff's pages beside the items: requests for information and their threads,
taskers and each office's status, and acknowledging receipt of any of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kizuna.domains.coordination import staff_queries
from kizuna.domains.coordination.inputs import (
    ReplyCreate,
    RfiCreate,
    TaskerCreate,
    TaskStatusCreate,
)
from kizuna.domains.coordination.pages import _ack_bodies, _can_open, _common, _item_page
from kizuna.domains.coordination.receipts import receipts_of
from kizuna.domains.coordination.rfis import ASKER_EVENTS
from kizuna.domains.coordination.service import Coordination, coordination
from kizuna.errors import NotFound, StoreError
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import LabelError
from kizuna.store.listing import readable_targets
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain
from kizuna.web.i18n import choose_lang
from kizuna.web.pages import page
from kizuna.web.times import zone_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.post("/coordination/receipts/acknowledge", dependencies=[Depends(check_csrf)])
def acknowledge_receipt_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    of: Annotated[str, Form(max_length=120)] = "",
    body: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    c = coordination(node)
    back = (
        f"/coordination/rfis/{of}"
        if of.startswith("x-kizuna-rfi--")
        else f"/coordination/taskers/{of}"
        if of.startswith("x-kizuna-tasker--")
        else None
    )
    try:
        c.acknowledge_receipt(principal, of, body)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        lang = choose_lang(request)
        # The form is one button that names the body: a refusal names it the same way.
        known = c.structure.bodies.get(body)
        fields = {"body": known.name(lang)} if known else None
        said = explain(exc, lang, fields=fields, policy=c.node.policy)
        if of.startswith("x-kizuna-tasker--"):
            return _tasker_page(request, principal, c, of, said, exc.status)
        if back:
            return _rfi_page(request, principal, c, of, said, exc.status)
        return _item_page(request, principal, c, of, said, exc.status)
    return RedirectResponse(back or f"/coordination/items/{of}", status_code=303)


# -- requests for information ---------------------------------------------------------


@router.post("/coordination/items/{stix_id}/rfis", dependencies=[Depends(check_csrf)])
def ask_submit(
    request: Request,
    stix_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    title_en: Annotated[str, Form(max_length=4000)] = "",
    title_ja: Annotated[str, Form(max_length=4000)] = "",
    question_en: Annotated[str, Form(max_length=20_000)] = "",
    question_ja: Annotated[str, Form(max_length=20_000)] = "",
    asking_body: Annotated[str, Form(max_length=64)] = "",
    addressed_body: Annotated[str, Form(max_length=64)] = "",
    precedence: Annotated[str, Form(max_length=32)] = "ROUTINE",
) -> Response:
    c = coordination(node)
    values: dict[str, Any] = {
        "title_en": title_en,
        "title_ja": title_ja,
        "question_en": question_en,
        "question_ja": question_ja,
        "asking_body": asking_body,
        "addressed_body": addressed_body,
        "precedence": precedence,
        "coordination_item": stix_id,
    }
    try:
        made = c.ask(principal, RfiCreate(**values))
    except ValidationError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _item_page(request, principal, c, stix_id, said, 422, rfi_values=values)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _item_page(request, principal, c, stix_id, said, exc.status, rfi_values=values)
    return RedirectResponse(f"/coordination/rfis/{made.id}", status_code=303)


def _ask_bodies(c: Coordination, principal: Principal) -> list[str]:
    """The bodies a user asks or tasks for on this node: theirs, of its nation or
    bilateral."""
    return [
        b
        for b in sorted(principal.bodies)
        if b in c.structure.bodies
        and (c.structure.bodies[b].bilateral or c.structure.bodies[b].nation == c.node.nation)
    ]


def _rfis_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows = staff_queries.rfis(c, principal)
    # A standalone RFI is a new object: offered to who writes on this node (one who
    # only answers asks on an item's page, where the RFI is an answer to the item).
    ask_bodies = _ask_bodies(c, principal) if _can_open(principal, c) else []
    return page(
        request,
        "coordination/rfis.html",
        principal=principal,
        status=status,
        labels=[r.label for r in rows],
        rows=rows,
        ask_bodies=ask_bodies,
        values=values or {"precedence": "ROUTINE"},
        error=error,
        **_common(c, request),
    )


@router.get("/coordination/rfis")
def rfis_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    return _rfis_page(request, principal, coordination(node))


@router.post("/coordination/rfis", dependencies=[Depends(check_csrf)])
def ask_standalone_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    title_en: Annotated[str, Form(max_length=4000)] = "",
    title_ja: Annotated[str, Form(max_length=4000)] = "",
    question_en: Annotated[str, Form(max_length=20_000)] = "",
    question_ja: Annotated[str, Form(max_length=20_000)] = "",
    asking_body: Annotated[str, Form(max_length=64)] = "",
    addressed_body: Annotated[str, Form(max_length=64)] = "",
    precedence: Annotated[str, Form(max_length=32)] = "ROUTINE",
    label: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """A standalone RFI: the same service call as `POST /api/v1/coordination/rfis`."""
    c = coordination(node)
    values = {
        "title_en": title_en,
        "title_ja": title_ja,
        "question_en": question_en,
        "question_ja": question_ja,
        "asking_body": asking_body,
        "addressed_body": addressed_body,
        "precedence": precedence,
        "label": label,
    }
    try:
        made = c.ask(principal, RfiCreate.model_validate({**values, "label": label or None}))
    except ValidationError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _rfis_page(request, principal, c, values, said, 422)
    except StoreError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _rfis_page(request, principal, c, values, said, exc.status)
    return RedirectResponse(f"/coordination/rfis/{made.id}", status_code=303)


def _rfi_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    rfi_id: str,
    error: str | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    try:
        rfi, replies = staff_queries.rfi_thread(c, principal, rfi_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    o = rfi.object
    mine = [b for b in sorted(principal.bodies) if b in c.structure.bodies]
    reply_bodies = [
        b
        for b in mine
        if c.structure.bodies[b].bilateral or c.structure.bodies[b].nation == principal.nation
    ]
    open_thread = o["state"] in ("open", "answered")
    may_write = principal.nation == c.node.nation and principal.can(Permission.OBJECT_ANSWER)
    asker = (
        rfi.origin == c.node.nation
        and _can_open(principal, c)
        and o["asking_body"] in principal.bodies
    )
    events = [e for e, (before, _after) in ASKER_EVENTS.items() if before == o["state"]]
    received = receipts_of(c, principal, rfi_id)
    # The item asked about goes by its title when the reader may read it (its label
    # then joins the banner), else by its bare id.
    on = o.get("coordination_item")
    item = readable_targets(c.store, principal, [on], choose_lang(request)).get(on) if on else None
    return page(
        request,
        "coordination/rfi.html",
        principal=principal,
        status=status,
        labels=[rfi.label]
        + [r.label for r in replies]
        + [r.label for r in received]
        + ([item.label] if item else []),
        item=item,
        receipts=received,
        ack_bodies=_ack_bodies(c, principal, received),
        rfi=rfi,
        replies=replies,
        reply_bodies=reply_bodies if (open_thread and may_write) else [],
        can_answer=o["addressed_body"] in reply_bodies,
        asker_events=events if asker else [],
        values=values or {},
        error=error,
        **_common(c, request),
    )


@router.get("/coordination/rfis/{rfi_id}")
def rfi_page(
    request: Request, rfi_id: str, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    return _rfi_page(request, principal, coordination(node), rfi_id)


@router.post("/coordination/rfis/{rfi_id}/reply", dependencies=[Depends(check_csrf)])
def reply_submit(
    request: Request,
    rfi_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    body: Annotated[str, Form(max_length=64)] = "",
    text_en: Annotated[str, Form(max_length=20_000)] = "",
    text_ja: Annotated[str, Form(max_length=20_000)] = "",
    answers: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    c = coordination(node)
    values = {"text_en": text_en, "text_ja": text_ja, "body": body, "answers": answers}
    try:
        c.reply(
            principal,
            rfi_id,
            ReplyCreate(body=body, text_en=text_en, text_ja=text_ja, answers=bool(answers)),
        )
    except ValidationError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _rfi_page(request, principal, c, rfi_id, said, 422, values)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _rfi_page(request, principal, c, rfi_id, said, exc.status, values)
    return RedirectResponse(f"/coordination/rfis/{rfi_id}", status_code=303)


@router.post("/coordination/rfis/{rfi_id}/step", dependencies=[Depends(check_csrf)])
def rfi_step_submit(
    request: Request,
    rfi_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    event: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    c = coordination(node)
    try:
        c.move_rfi(principal, rfi_id, event)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _rfi_page(request, principal, c, rfi_id, said, exc.status)
    return RedirectResponse(f"/coordination/rfis/{rfi_id}", status_code=303)


# -- taskers ---------------------------------------------------------------------------


def _taskers_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows = staff_queries.taskers(c, principal)
    issue_bodies = (
        _ask_bodies(c, principal)
        if principal.nation == c.node.nation and principal.can(Permission.OBJECT_ANSWER)
        else []
    )
    zone = zone_for(
        c.node.nation if principal.kind == "system" else principal.nation, principal.zone
    )
    return page(
        request,
        "coordination/taskers.html",
        principal=principal,
        status=status,
        labels=[t.label for t in rows],
        rows=rows,
        issue_bodies=issue_bodies,
        # Who may answer but not write tasks on an item only (the tasker answers it).
        item_required=not principal.can(Permission.OBJECT_WRITE),
        zone_name=str(zone),
        values=values or {"ocrs": [], "precedence": "ROUTINE"},
        error=error,
        **_common(c, request),
    )


@router.get("/coordination/taskers")
def taskers_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    return _taskers_page(request, principal, coordination(node))


@router.post("/coordination/taskers", dependencies=[Depends(check_csrf)])
def issue_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    title_en: Annotated[str, Form(max_length=4000)] = "",
    title_ja: Annotated[str, Form(max_length=4000)] = "",
    instructions_en: Annotated[str, Form(max_length=20_000)] = "",
    instructions_ja: Annotated[str, Form(max_length=20_000)] = "",
    issuing_body: Annotated[str, Form(max_length=64)] = "",
    opr: Annotated[str, Form(max_length=64)] = "",
    ocrs: Annotated[list[str] | None, Form()] = None,
    suspense: Annotated[str, Form(max_length=40)] = "",
    precedence: Annotated[str, Form(max_length=32)] = "ROUTINE",
    coordination_item: Annotated[str, Form(max_length=120)] = "",
    label: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    c = coordination(node)
    values: dict[str, Any] = {
        "title_en": title_en,
        "title_ja": title_ja,
        "instructions_en": instructions_en,
        "instructions_ja": instructions_ja,
        "issuing_body": issuing_body,
        "opr": opr,
        "ocrs": ocrs or [],
        "suspense": suspense,
        "precedence": precedence,
        "coordination_item": coordination_item,
        "label": label,
    }
    # A datetime-local field names no zone: it is the reader's.
    zone = zone_for(principal.nation, principal.zone)
    try:
        moment = datetime.fromisoformat(suspense) if suspense else None
    except ValueError:
        moment = None
    data = {
        **values,
        "suspense": moment.replace(tzinfo=zone) if moment and not moment.tzinfo else moment,
        "coordination_item": coordination_item or None,
        "label": label or None,
    }
    try:
        made = c.issue_tasker(principal, TaskerCreate(**data))
    except ValidationError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _taskers_page(request, principal, c, values, said, 422)
    except (StoreError, LabelError) as exc:
        status = getattr(exc, "status", 422)
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _taskers_page(request, principal, c, values, said, status)
    return RedirectResponse(f"/coordination/taskers/{made.id}", status_code=303)


def _tasker_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    tasker_id: str,
    error: str | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    try:
        tasker, statuses = staff_queries.tasker_detail(c, principal, tasker_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    o = tasker.object
    offices = [o["opr"], *o.get("ocrs", [])]
    report_offices = (
        [
            b
            for b in offices
            if b in principal.bodies
            and b in c.structure.bodies
            and (
                c.structure.bodies[b].bilateral or c.structure.bodies[b].nation == principal.nation
            )
        ]
        if principal.nation == c.node.nation
        and principal.can(Permission.OBJECT_ANSWER)
        and o["state"] == "open"
        else []
    )
    received = receipts_of(c, principal, tasker_id)
    # The item tasked on goes by its title when the reader may read it, as on an RFI.
    on = o.get("coordination_item")
    item = readable_targets(c.store, principal, [on], choose_lang(request)).get(on) if on else None
    return page(
        request,
        "coordination/tasker.html",
        principal=principal,
        status=status,
        labels=[tasker.label]
        + [x.label for x in statuses]
        + [r.label for r in received]
        + ([item.label] if item else []),
        item=item,
        tasker=tasker,
        statuses=statuses,
        report_offices=report_offices,
        receipts=received,
        ack_bodies=_ack_bodies(c, principal, received),
        values=values or {},
        error=error,
        **_common(c, request),
    )


@router.get("/coordination/taskers/{tasker_id}")
def tasker_page(
    request: Request, tasker_id: str, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    return _tasker_page(request, principal, coordination(node), tasker_id)


@router.post("/coordination/taskers/{tasker_id}/status", dependencies=[Depends(check_csrf)])
def status_submit(
    request: Request,
    tasker_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    office: Annotated[str, Form(max_length=64)] = "",
    status: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    c = coordination(node)
    # A refused report comes back with every choice kept (walk 48 #4).
    values = {"office": office, "status": status, "note": note}
    try:
        c.report_status(
            principal,
            tasker_id,
            TaskStatusCreate(office=office, status=status, note=note),  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _tasker_page(request, principal, c, tasker_id, said, 422, values)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        said = explain(exc, choose_lang(request), policy=c.node.policy)
        return _tasker_page(request, principal, c, tasker_id, said, exc.status, values)
    return RedirectResponse(f"/coordination/taskers/{tasker_id}", status_code=303)
