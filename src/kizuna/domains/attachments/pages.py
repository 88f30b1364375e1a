"""Pages of the attachments: an object's attachments with the form to attach a file,
one attachment (an image shown in the page), and the file itself.

`GET /attachments?of=<stix id>` is also the public way for other domains' pages to
show an object's attachments without importing this package: loaded with htmx
(`HX-Request`), it answers a fragment, a `<section>` to swap in, and the page's two
banners swapped out of band to the least upper bound of the labels the page then
shows (pass the host page's banner text as `banner`, e.g.
`hx-get="/attachments?of={{ id }}&banner={{ banner.text | urlencode }}"`).

The `banner` comes from the client, so it only ever adds to what the server knows:
the new banner is the least upper bound of the object's label, the attachments shown
and that value, so it always covers what the fragment shows. The value must be a label
of the policy that the reader may read (a bare level is a label of this node's nation
only, as everywhere else), or the lowest level's bare name of a page with nothing
labelled on it; anything else (a label above the reader, as `TOP SECRET//CYBER` was
to a CONFIDENTIAL reader) is refused with a 422 naming the banner, and nothing is
swapped. A legitimate banner always passes: it is the bound of labels its reader read.
The same rule holds without htmx (the whole page): a bad value is the same 422, and a
good one is judged and adds nothing there, a page of its own with its own banners.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kizuna.domains.attachments import queries
from kizuna.domains.attachments.api import read_upload
from kizuna.domains.attachments.content import ACCEPTED, IMAGES, INLINE
from kizuna.domains.attachments.rules import takes_attachments
from kizuna.domains.attachments.serve import file_response
from kizuna.domains.attachments.service import Upload, attachments
from kizuna.domains.attachments.words import size_text, words
from kizuna.errors import Invalid, NotFound, StoreError
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, can_read, parse
from kizuna.runtime import Node
from kizuna.store.listing import readable_targets
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf_token
from kizuna.web.i18n import choose_lang
from kizuna.web.pages import page, render_error

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _can_attach(principal: Principal, node: Node) -> bool:
    return principal.can(Permission.OBJECT_WRITE) and principal.nation == node.nation


def _host_label(node: Node, principal: Principal, text: str | None) -> Label | None:
    """The host page's banner, as it showed it (see the module's docstring); `Invalid`
    (field `banner`) for a value that is no label the reader may read."""
    if not text or not text.strip():
        return None
    lowest = node.policy.lowest
    if text.strip() in (lowest.name, lowest.ja):
        return None  # a page with nothing labelled on it: it adds nothing
    refused = Invalid("the banner is not a label of the policy that you may read", field="banner")
    try:
        # A bare level is a label like any other (README): this node's nation only
        # (walk 46: `CONFIDENTIAL` and `秘` were refused though the label is valid).
        label = parse(node.policy, text, originator=node.nation)
    except LabelError as exc:
        raise refused from exc
    if not can_read(principal.clearance, label):
        raise refused
    return label


def _listing(
    request: Request,
    principal: Principal,
    node: Node,
    of: str,
    *,
    fragment: bool,
    host: Label | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        found = queries.listing(node, principal, of)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    labels = [found.object_label, *(row.label for row in found.items)]
    # The host page's banner counts only where the list is part of that page: the whole
    # page is a page of its own, its banners those of what it shows.
    host = host if fragment else None
    # The reader may read the object (else NotFound above): it goes by its title.
    lang = choose_lang(request)
    target = None if fragment else readable_targets(node.store, principal, [of], lang).get(of)
    return page(
        request,
        "attachments/fragment.html" if fragment else "attachments/list.html",
        principal=principal,
        labels=[*labels, *([host] if host else [])],
        listing=found,
        of=of,
        of_title=target.title if target else of,
        fragment=fragment,
        # An attachment, a label marking or a recall takes no file: no form for one.
        can_attach=_can_attach(principal, node) and takes_attachments(of),
        limit=size_text(attachments(node).limit),
        size_text=size_text,
        error=error,
        form=form or {},
        status=status,
    )


@router.get("/attachments")
def attachments_of(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    of: Annotated[str, Query(max_length=200)],
    banner: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    fragment = request.headers.get("hx-request") == "true" and not request.headers.get("hx-boosted")
    try:
        # Judged on every request, with htmx or without (walk 47: the whole page let a
        # forged value pass unremarked, while README promised a 422). It depends on the
        # reader and the policy alone, so judging it first tells nothing of what is stored.
        host = _host_label(node, principal, banner)
        if fragment and not takes_attachments(of):
            # A page that asks for an object that can take no file (an attachment, a
            # label marking, a recall) gets no panel and no "Attach a file". Judged by
            # the id alone, so the answer tells nothing of what is stored.
            return HTMLResponse("")
        return _listing(request, principal, node, of, fragment=fragment, host=host)
    except Invalid as exc:
        return render_error(request, exc, exc.status)


@router.post("/attachments")
async def attach(request: Request, principal: PagePrincipal, node: NodeDep) -> Response:
    mechanism = attachments(node)
    lang = choose_lang(request)
    of = request.query_params.get("of", "")
    fields: dict[str, str] = {}
    try:
        fields, name, claimed, data = await read_upload(request, principal, mechanism)
        of = fields.get("of", of)
        # The form's token, checked once the form is read (its size was judged first).
        check_csrf_token(request, fields.get("csrf_token", ""))
        upload = Upload(of=of, file_name=name, mime_type=claimed,
                        label=fields.get("label") or None, data=data)  # fmt: skip
        made = await run_in_threadpool(mechanism.attach, principal, upload)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except (StoreError, LabelError) as exc:
        # The list comes back with the reason in words, and the label as it was typed.
        said, status = words(exc, lang), getattr(exc, "status", 422)
        of = of or getattr(exc, "sent", {}).get("of", "")
        if not of:
            # Refused before the form named its object (a file over the limit, `of` in
            # the body only): no list to come back to, the reason on a page of its own.
            return render_error(request, exc, status, message=said)
        kept = {"label": (fields or getattr(exc, "sent", {})).get("label", "")}
        return await run_in_threadpool(
            lambda: _listing(
                request, principal, node, of, fragment=False, error=said, form=kept, status=status
            )
        )
    return RedirectResponse(f"/attachments/{quote(made.id)}", status_code=303)


@router.get("/attachments/{stix_id}")
def attachment_page(
    request: Request, stix_id: str, principal: PagePrincipal, node: NodeDep
) -> HTMLResponse:
    try:
        row = queries.attachment(node, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    lang = choose_lang(request)
    target = readable_targets(node.store, principal, [row.object_ref], lang).get(row.object_ref)
    return page(
        request,
        "attachments/attachment.html",
        principal=principal,
        labels=[row.label, *([target.label] if target else [])],
        row=row,
        of_title=target.title if target else row.object_ref,
        image=row.mime_type in IMAGES,
        inline=row.mime_type in INLINE,
        kind=ACCEPTED.get(row.mime_type, row.mime_type),
        size=size_text(row.size),
    )


@router.get("/attachments/{stix_id}/content")
def attachment_content(stix_id: str, principal: PagePrincipal, node: NodeDep) -> Response:
    try:
        row, data = queries.content(node, principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return file_response(row, data)
