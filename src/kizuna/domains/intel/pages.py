"""Pages of the cell: a list and a form per kind, and a joint product's approvals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from kizuna.domains.intel import joint, model, service
from kizuna.errors import NotFound, StoreError
from kizuna.identity.principal import Permission
from kizuna.labels import LabelError, dominates, parse
from kizuna.store import rules
from kizuna.store.listing import readable_targets
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain, field_name
from kizuna.web.i18n import N_, choose_lang, translations
from kizuna.web.pages import page
from kizuna.web.picker import FIND, chosen_ids, pickers
from kizuna.web.times import zone_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
# The fields whose objects are chosen from a search (web/picker.py).
_PICKED = ("object_refs", "contributions")


def _kind(key: str) -> model.Kind:
    kind = model.kind_of(key)
    if kind is None:
        raise HTTPException(404, f"no kind {key}")
    return kind


def _list(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    kind: model.Kind,
    cursor: str | None,
    *,
    error: str | None = None,
    form: dict[str, object] | None = None,
    sent: FormData | None = None,
    status: int = 200,
) -> HTMLResponse:
    result = service.listing(node.store, principal, kind, limit=50, cursor_token=cursor)
    total, counted_labels = service.count(node.store, principal, kind)
    chosen = pickers(node.store, principal, sent, _PICKED, choose_lang(request))
    next_url = f"/intel/{kind.key}?cursor={quote(result.next)}" if result.next else None
    return page(
        request,
        "intel_list.html",
        principal=principal,
        # The count is of every object of the kind, not only of this page's.
        labels=[o.label for o in result.items]
        + counted_labels
        + [x for p in chosen.values() for x in p.labels],
        kinds=model.KINDS,
        kind=kind,
        items=result.items,
        total=total,
        next_url=next_url,
        domains=model.DOMAINS,
        can_write=rules.may(principal, Permission.OBJECT_WRITE, node.nation),
        error=error,
        form=form or {},
        pickers=chosen,
        zone_name=str(zone_for(principal.nation, principal.zone)),
        status=status,
    )


@router.get("/intel")
def intel_home() -> RedirectResponse:
    return RedirectResponse("/intel/reports", status_code=303)


@router.get("/intel/{key}")
def intel_list(
    request: Request,
    key: str,
    principal: PagePrincipal,
    node: NodeDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HTMLResponse:
    return _list(request, principal, node, _kind(key), cursor)


@router.post("/intel/{key}", dependencies=[Depends(check_csrf)])
async def intel_create(
    request: Request, key: str, principal: PagePrincipal, node: NodeDep
) -> Response:
    kind = _kind(key)
    form = await request.form()
    text = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    fields: dict[str, object] = dict(text)
    fields["domains"] = [str(d) for d in form.getlist("domains")]
    kept = {**text, "domains": fields["domains"]}
    if form.get(FIND):
        # A search for objects to choose, not the creation: the form comes back whole.
        return _list(request, principal, node, kind, None, form=kept, sent=form)
    fields["sources"] = [s.strip() for s in text.get("sources", "").splitlines() if s.strip()]
    for many in _PICKED:
        fields[many] = chosen_ids(form, many)
    # The form holds every kind's inputs and the pickers' own (a search, pasted ids);
    # the service takes only the kind's fields, and refuses any other key.
    fields = {k: v for k, v in fields.items() if k in service.FIELDS[kind.key]}
    if "observed_at" in fields:
        fields["observed_at"] = _in_zone(text.get("observed_at", ""), principal)
    lang = choose_lang(request)
    absent = service.missing(kind.key, fields)
    if len(absent) > 1 and rules.may(principal, Permission.OBJECT_WRITE, node.nation):
        # Every field left empty is named at once (walk 50: only the confidence was).
        gettext = translations(lang).gettext
        said = " ".join(
            gettext("{field}: {message}").format(
                field=field_name(f, gettext), message=gettext(N_("this field is required."))
            )
            for f in absent
        )
        return _list(request, principal, node, kind, None, error=said, form=kept, sent=form,
                     status=422)  # fmt: skip
    try:
        made = service.create(node.store, principal, kind, fields, text.get("label") or None)
    except (StoreError, LabelError) as exc:
        # The form comes back as it was sent, boxes ticked, with the reason in words.
        said = explain(exc, lang, policy=node.policy)
        return _list(request, principal, node, kind, None, error=said, form=kept, sent=form,
                     status=getattr(exc, "status", 422))  # fmt: skip
    target = f"/intel/joint/{made.id}" if kind.key == "joint-products" else f"/objects/{made.id}"
    return RedirectResponse(target, status_code=303)


def _in_zone(typed: str, principal: PagePrincipal) -> str:
    # A datetime-local field names no zone: the time is the reader's own (walk 50: a
    # JST reader's time was read as UTC, nine hours off, and a recent one as future).
    try:
        moment = datetime.fromisoformat(typed.strip())
    except ValueError:
        return typed  # the service names it as not a time
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_for(principal.nation, principal.zone))
    return moment.isoformat()


@router.get("/intel/joint/{stix_id}")
def joint_page(
    request: Request, stix_id: str, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    try:
        state = joint.joint_state(node.store, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return _joint(request, principal, node, state)


def _joint(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    state: joint.JointState,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    refs = state.product.object.get("object_refs", [])
    try:
        target = parse(node.policy, state.target_label, originator=state.product.origin)
    except LabelError:
        target = None  # a label this node's policy does not know: shown as it was written
    contributions = readable_targets(node.store, principal, refs, choose_lang(request))
    # Each officer reads what they approve: a contribution the reader may not read, or
    # one no longer within the draft's label, is no version to approve (the approval
    # would be refused); the draft is edited first.
    unfit = state.state == "draft" and any(
        ref not in contributions or not dominates(state.product.label, contributions[ref].label)
        for ref in refs
    )
    # An officer approves on their own nation's node (the approval is an object of
    # their nation); the version they see is the one the form names.
    can_approve = (
        principal.can(Permission.OBJECT_RELEASE)
        and principal.nation == node.nation
        and principal.nation in state.waiting_for
        and state.state == "draft"
        and not unfit
    )
    # The versions the reader may read, through the visibility condition: one who reads
    # only the released product reads none of the drafts before it (version 1 on).
    readable = node.store.history(principal, state.product.id)
    return page(
        request,
        "intel_joint.html",
        principal=principal,
        labels=[state.product.label, *(t.label for t in contributions.values())],
        contributions=contributions,
        kinds=model.KINDS,
        state=state,
        target=target,
        can_approve=can_approve,
        unfit=unfit,
        drafts_withheld=readable[0].version > 1,
        elsewhere=(
            principal.can(Permission.OBJECT_RELEASE)
            and principal.nation != node.nation
            and principal.nation in state.waiting_for
            and state.state == "draft"
        ),
        error=error,
        status=status,
    )


@router.post("/intel/joint/{stix_id}/approve", dependencies=[Depends(check_csrf)])
async def joint_approve(
    request: Request, stix_id: str, principal: PagePrincipal, node: NodeDep
) -> Response:
    form = await request.form()
    try:
        joint.approve(node.store, principal, stix_id, str(form.get("digest", "")))
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        state = joint.joint_state(node.store, principal, stix_id)
        said = explain(exc, choose_lang(request), policy=node.policy)
        return _joint(request, principal, node, state, error=said, status=exc.status)
    return RedirectResponse(f"/intel/joint/{stix_id}", status_code=303)
