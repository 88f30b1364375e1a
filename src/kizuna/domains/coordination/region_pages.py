"""The alliance view of the regions: both nations' determinations in force, the map,
and the forms with which a nation's authorised officers record and end theirs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kizuna.domains.coordination import queries
from kizuna.domains.coordination.inputs import DeterminationCreate, DeterminationEnd
from kizuna.domains.coordination.map import region_map
from kizuna.domains.coordination.pages import _can_open, _common, default_label
from kizuna.domains.coordination.service import Coordination, coordination
from kizuna.errors import Invalid, NotFound, StoreError
from kizuna.identity.principal import Principal
from kizuna.labels import LabelError
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain
from kizuna.web.i18n import N_, choose_lang
from kizuna.web.pages import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
REGION_KIND_NAMES = {"land": N_("Land"), "sea": N_("Sea"), "air": N_("Air")}


def _determining_bodies(c: Coordination, principal: Principal) -> list[str]:
    """The determining bodies of this node's nation the reader sits in, if they may
    record determinations at all."""
    if not _can_open(principal, c):
        return []
    return [b for b in c.structure.determining_bodies(c.node.nation) if b in principal.bodies]


def _regions_page(
    request: Request,
    principal: Principal,
    c: Coordination,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    shown = queries.determinations(c, principal, include_ended=True)
    in_force = [d for d in shown if d.in_force]
    lang = choose_lang(request)
    nation = c.node.nation
    return page(
        request,
        "coordination/regions.html",
        principal=principal,
        status=status,
        labels=[d.item.label for d in shown],
        in_force=in_force,
        ended=[d for d in shown if not d.in_force],
        nations=c.structure.nations,
        kinds=c.structure.determinations,
        my_kinds=[k for k in c.structure.determinations.values() if k.nation == nation],
        my_bodies=_determining_bodies(c, principal),
        region_kind_names=REGION_KIND_NAMES,
        # The map colours a region by the determinations the reader may read, and no
        # other: derived from `in_force`, which the visibility condition chose.
        map_svg=region_map(c.structure, in_force, lang),
        values=values or {"label": default_label(c, principal, lang), "regions": []},
        error=error,
        **_common(c, request),
    )


@router.get("/coordination/regions")
def regions_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    return _regions_page(request, principal, coordination(node))


@router.post("/coordination/determinations", dependencies=[Depends(check_csrf)])
def determine_submit(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    kind: Annotated[str, Form(max_length=64)] = "",
    regions: Annotated[list[str] | None, Form()] = None,
    determining_body: Annotated[str, Form(max_length=64)] = "",
    label: Annotated[str, Form(max_length=300)] = "",
    legal_basis_en: Annotated[str, Form(max_length=4000)] = "",
    legal_basis_ja: Annotated[str, Form(max_length=4000)] = "",
    body_en: Annotated[str, Form(max_length=20_000)] = "",
    body_ja: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    c = coordination(node)
    values: dict[str, Any] = {
        "kind": kind,
        "regions": regions or [],
        "determining_body": determining_body,
        "label": label,
        "legal_basis_en": legal_basis_en,
        "legal_basis_ja": legal_basis_ja,
        "body_en": body_en,
        "body_ja": body_ja,
    }
    try:
        c.determine(principal, DeterminationCreate(**values))
    except ValidationError as exc:
        said = explain(exc, choose_lang(request))
        return _regions_page(request, principal, c, values, said, 422)
    except (StoreError, LabelError) as exc:
        status = getattr(exc, "status", 422)
        said = explain(exc, choose_lang(request))
        return _regions_page(request, principal, c, values, said, status)
    return RedirectResponse("/coordination/regions", status_code=303)


@router.post("/coordination/determinations/{stix_id}/end", dependencies=[Depends(check_csrf)])
def end_submit(
    request: Request,
    stix_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    c = coordination(node)
    if not confirm:
        said = explain(Invalid("confirmation is required", field="confirm"), choose_lang(request))
        return _regions_page(request, principal, c, None, said, 422)
    try:
        c.end_determination(principal, stix_id, DeterminationEnd())
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        said = explain(exc, choose_lang(request))
        return _regions_page(request, principal, c, None, said, exc.status)
    return RedirectResponse("/coordination/regions", status_code=303)
