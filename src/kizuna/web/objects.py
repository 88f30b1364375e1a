"""The generic object pages: the list (counted, sorted, filtered by type, paged,
exported as CSV and as a STIX bundle) and an object laid out for a person, with its
references as links where the reader may read them, and its history.

The queries are in `listing.py` and `fields.py`, through the visibility condition.
A type, sort or page size the page does not offer answers an error page in the
reader's language (422), as a garbage cursor does; an object the reader may not read
is a 404, the same as one that does not exist.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from kizuna import audit
from kizuna.errors import Invalid, StoreError
from kizuna.federation.peers import find_peer
from kizuna.identity.principal import Permission, Principal
from kizuna.interchange.exports import bundle_chunks
from kizuna.labels import Label, LabelError, lub, parse, render, render_ceiling
from kizuna.runtime import Node
from kizuna.stix.types import RECALL
from kizuna.store import NotFound
from kizuna.store.listing import (
    PAGE_SIZES,
    SORTS,
    Listing,
    Target,
    counted,
    every_row,
    known_types,
    list_page,
    readable_targets,
    title_of,
)
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain
from kizuna.web.fields import changes, layout, references, words_of
from kizuna.web.i18n import N_, choose_lang, translations
from kizuna.web.label_words import MARKING_WORDS, policy_value
from kizuna.web.pages import page
from kizuna.web.search import TYPE_NAMES, worded
from kizuna.web.stix_values import stix_value

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DEFAULT_SIZE = 50
# What a refused choice says, by the parameter that carried it.
_REFUSALS = {
    "type": N_("There is no type of that name: choose one from the list."),
    "sort": N_("The list cannot be sorted that way: choose a column heading."),
    "dir": N_("The list cannot be sorted that way: choose a column heading."),
    "size": N_("Show 25, 50 or 100 objects a page."),
}
_CSV_COLUMNS = ("id", "type", "title", "label", "version", "modified", "origin")
# A cell a spreadsheet would run as a formula is written as text.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")

TypeParam = Annotated[str, Query(max_length=64)]
SortParam = Annotated[str, Query(max_length=64)]
DirParam = Annotated[str, Query(max_length=64)]


def _listing(node: Any, request: Request, type: str, sort: str, dir: str) -> Listing:
    chosen = sort or "added"
    lang = choose_lang(request)
    return Listing(type or None, chosen, dir or SORTS.get(chosen, ""), lang).checked(node.store)


def _refused(request: Request, principal: Principal, exc: Invalid) -> HTMLResponse:
    return page(
        request,
        "error.html",
        principal=principal,
        status=422,
        message=_REFUSALS[exc.field or "type"],
        back="/objects",
    )


def _query(listing: Listing, size: int | None = None, cursor: str | None = None) -> str:
    kept: dict[str, Any] = {"type": listing.type or ""}
    if listing.sort != "added" or listing.dir != SORTS["added"]:
        kept |= {"sort": listing.sort, "dir": listing.dir}
    if size is not None and size != DEFAULT_SIZE:
        kept["size"] = size
    kept["cursor"] = cursor or ""
    return urlencode({k: v for k, v in kept.items() if v})


def _url(path: str, listing: Listing, size: int | None = None, cursor: str | None = None) -> str:
    query = _query(listing, size, cursor)
    return f"{path}?{query}" if query else path


def _headings(listing: Listing, size: int) -> dict[str, dict[str, str]]:
    """Each sortable column: the link that sorts by it, and how it sorts now."""
    headings = {}
    for column in ("type", "title", "modified"):
        if listing.sort == column:
            turned = "desc" if listing.dir == "asc" else "asc"
            aria = "ascending" if listing.dir == "asc" else "descending"
        else:
            turned, aria = SORTS[column], "none"
        sorted_by = Listing(listing.type, column, turned, listing.lang)
        headings[column] = {"href": _url("/objects", sorted_by, size), "aria": aria}
    return headings


@router.get("/objects")
def objects_page(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    type: TypeParam = "",
    sort: SortParam = "",
    dir: DirParam = "",
    size: Annotated[str, Query(max_length=64)] = "",
    # A title sort carries up to 64 characters of a title: room for any script.
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> HTMLResponse:
    """The objects the reader may read, counted, sorted and paged."""
    try:
        listing = _listing(node, request, type, sort, dir)
        if size and (not size.isdigit() or int(size) not in PAGE_SIZES):
            raise Invalid(f"unknown page size {size!r}", field="size")
    except Invalid as exc:
        return _refused(request, principal, exc)
    per_page = int(size) if size else DEFAULT_SIZE
    shown = list_page(node.store, principal, listing, size=per_page, cursor_token=cursor)
    gettext = translations(choose_lang(request)).gettext
    # The type's name, then its STIX code in the reader's brackets (the code is what
    # TAXII filters and the REST API take).
    types = [(t, gettext(TYPE_NAMES[t]) + gettext(" ({text})").format(text=t)
              if t in TYPE_NAMES else t)
             for t in known_types(node.store)]  # fmt: skip
    total, counted_labels = counted(node.store, principal, listing)
    return page(
        request,
        "objects.html",
        principal=principal,
        # The count is of every object of the listing, not only of this page's rows.
        labels=[*counted_labels, *(obj.label for obj, _ in shown.rows)],
        rows=[
            {"obj": obj, "title": worded(node, obj.type, title, listing.lang)}
            for obj, title in shown.rows
        ],
        total=total,
        listing=listing,
        size=per_page,
        sizes=PAGE_SIZES,
        types=types,
        type_names=TYPE_NAMES,
        headings=_headings(listing, per_page),
        next_url=_url("/objects", listing, per_page, shown.next) if shown.next else None,
        first_url=_url("/objects", listing, per_page) if cursor else None,
        csv_url=_url("/objects.csv", listing),
        bundle_url=_url("/objects.stix.json", listing),
    )


_BOM = "\ufeff"


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def _csv_lines(node: Any, principal: Principal, listing: Listing, lang: str) -> Iterator[str]:
    """The listing as CSV, every page of it in its order. Audited before the first line
    is made, so what leaves is on record even when the reader stops half way."""
    # The count carries the label of what it counts (the audit page withholds by it).
    rows, labels = counted(node.store, principal, listing)
    bound = lub(labels)
    with node.db.write() as conn:
        audit.append(
            conn,
            actor=principal.name,
            action="objects.export",
            detail={"format": "csv", "rows": rows, "type": listing.type,
                    "sort": listing.sort, "dir": listing.dir,
                    **({"label": render(node.policy, bound)} if bound else {})},
        )  # fmt: skip
    out = io.StringIO()
    # UTF-8 with its byte order mark: Excel on a Japanese Windows reads a file without
    # one as Shift_JIS, and the labels (秘//提供可：日本、米国) come out garbled.
    out.write(_BOM)
    writer = csv.writer(out)
    writer.writerow(_CSV_COLUMNS)
    for obj, title in every_row(node.store, principal, listing):
        label = render(
            node.policy, obj.label, "ja" if lang == "ja" else "en", first=principal.nation
        )
        writer.writerow([_cell(str(v)) for v in (obj.id, obj.type, title, label, obj.version,
                                                 obj.modified, obj.origin)])  # fmt: skip
        if out.tell() > 65536:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _download(name: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{name}"'}


@router.get("/objects.csv")
def objects_csv(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    type: TypeParam = "",
    sort: SortParam = "",
    dir: DirParam = "",
) -> Response:
    """The list as CSV: every object of its filter that the reader may read, in its order."""
    try:
        listing = _listing(node, request, type, sort, dir)
    except Invalid as exc:
        return _refused(request, principal, exc)
    lines = _csv_lines(node, principal, listing, choose_lang(request))
    return StreamingResponse(
        lines, media_type="text/csv; charset=utf-8", headers=_download("kizuna-objects.csv")
    )


@router.get("/objects.stix.json")
def objects_bundle(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    type: TypeParam = "",
    sort: SortParam = "",
    dir: DirParam = "",
) -> Response:
    """The list as a STIX 2.1 bundle (interchange's own export, audited there): every
    object of its filter that the reader may read, with the label markings they carry.
    A bundle's objects have no order in STIX, so the sort only has to be valid."""
    try:
        listing = _listing(node, request, type, sort, dir)
    except Invalid as exc:
        return _refused(request, principal, exc)
    types = (listing.type,) if listing.type else ()
    chunks = bundle_chunks(node.store, principal, types=types, reason="objects page")
    return StreamingResponse(
        chunks,
        media_type="application/stix+json;version=2.1",
        headers=_download("kizuna-objects.json"),
    )


@router.get("/objects/{stix_id}")
def object_page(
    request: Request,
    stix_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    done: str | None = None,
) -> HTMLResponse:
    """One object laid out for a person, its references as links, and its history."""
    return _object_page(request, principal, node, stix_id, done=done == "released")


def _shown(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the object's page shows it: a file's base64 content (megabytes of
    it, twice over) is named by its size; the file itself is served on its own."""
    payload = body.get("payload_bin")
    if not isinstance(payload, str):
        return body
    size = len(payload) // 4 * 3 - len(payload[-2:]) + len(payload[-2:].rstrip("="))
    return {**body, "payload_bin": f"… ({size:,} bytes: /attachments/{body.get('id')}/content)"}


def _not_received(node: Node, label: Label) -> list[tuple[str, str]]:
    """The nations `label` names whose node never receives the object: a release above
    this node's agreement with their node is recorded, and the guard on both sides
    keeps it home (walk 50: the officer was told "recorded" and nothing more). Each
    with the agreed ceiling, for the officer to choose a label that reaches it."""
    with node.db.read() as conn:
        peers = {n: find_peer(conn, n) for n in sorted(label.rel_to - {node.nation})}
    return [
        (nation, render_ceiling(node.policy, peer.max_rank, peer.compartments))
        for nation, peer in peers.items()
        if peer is not None and not peer.within(label)
    ]


def _titled(
    node: Node, principal: Principal, targets: dict[str, Target], lang: str
) -> dict[str, Target]:
    """The targets, those of a type with no naming property (their title is their id)
    titled as their domain says them (`Node.body_titles`)."""
    titled = {}
    for stix_id, target in targets.items():
        titler = node.body_titles.get(stix_id.split("--", 1)[0])
        if titler is not None and target.title == stix_id:
            # Read as the reader (the target is one they may read: it is listed).
            body = node.store.get(principal, stix_id).object
            target = replace(target, title=titler(body, lang))
        titled[stix_id] = target
    return titled


def _object_page(
    request: Request,
    principal: Principal,
    node: Node,
    stix_id: str,
    *,
    error: str | None = None,
    typed: str | None = None,
    status: int = 200,
    done: bool = False,
) -> HTMLResponse:
    try:
        obj = node.store.get(principal, stix_id)
        versions = node.store.history(principal, stix_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    lang = choose_lang(request)
    found = readable_targets(node.store, principal, references(obj.object, skip=obj.id), lang)
    targets = _titled(node, principal, found, lang)
    # The type's own words, as its domain registered them.
    value_words = node.value_words.get(obj.type)

    def said(path: str, value: str) -> str | None:
        own = value_words(path, value, lang) if value_words else None
        # A nation, a label or a level in words, as every page says them (walk 46: an
        # attendee's nation read JPN; walk 47: a joint product's nations and target).
        own = own or policy_value(node.policy, path, value, lang, principal.nation)
        return own or stix_value(path, value, lang)

    named = MARKING_WORDS if obj.type == "marking-definition" else None
    words = words_of({**(named or {}), **node.property_words.get(obj.type, {})}, said)
    # A releasing officer of the object's own nation, on its own node, takes release
    # decisions here; anyone else is not offered the form (the store refuses them too),
    # nor is it offered for a type whose owner takes no release but through its own
    # service (walk: an incident's form always failed with "the value was not accepted").
    may_release = (
        principal.can(Permission.OBJECT_RELEASE)
        and obj.origin == node.nation == principal.nation
        and not obj.id.startswith(("marking-definition--", f"{RECALL}--"))
        and node.store.owners.closed_to("release", obj.object) is None
    )
    # A part of a whole (a meeting's section) is released with it: the page says so and
    # leads to the whole's form instead of offering one that refuses every new label.
    whole = node.store.owners.whole_of(obj.object)
    return page(
        request,
        "object.html",
        principal=principal,
        status=status,
        # The titles of linked objects are shown, so their labels count for the banner.
        labels=[obj.label, *(v.label for v in versions), *(t.label for t in targets.values())],
        obj=obj,
        type_names=TYPE_NAMES,
        title=worded(node, obj.type, title_of(obj.object, obj.id, lang), lang),
        fields=layout(_shown(obj.object), targets, words),
        pretty=json.dumps(_shown(obj.object), indent=2, ensure_ascii=False, sort_keys=True),
        # Newest first, each with what it changed from the version before it.
        versions=list(
            reversed(
                list(zip(versions, changes([v.object for v in versions], words.names), strict=True))
            )
        ),
        may_release=may_release and whole is None,
        released_with=whole if may_release else None,
        short_of=_not_received(node, obj.label) if may_release else [],
        # An attachment, a label marking or a recall takes no file: no panel, no link.
        attachments_panel=node.takes_attachments is not None and node.takes_attachments(obj.id),
        release_error=error,
        release_typed=typed
        if typed is not None
        else render(node.policy, obj.label, "ja" if lang == "ja" else "en"),
        released=done,
    )


@router.post("/objects/{stix_id}/release", dependencies=[Depends(check_csrf)])
def release_form(
    request: Request,
    stix_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    label: Annotated[str, Form()] = "",
    version: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    """A release decision from the object's page: the object at a new label (wider or
    narrower), by the store's release, with every rule of every other path. `version`
    is the one the page showed: a version written since is refused, and shown."""
    lang = choose_lang(request)
    try:
        chosen = parse(node.policy, label, originator=node.nation)
        node.store.release(principal, stix_id, chosen, version=version)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except (StoreError, LabelError) as exc:
        said = explain(exc, lang, fields={"label": N_("New label")})
        status = getattr(exc, "status", 422)
        return _object_page(request, principal, node, stix_id, error=said, typed=label,
                            status=status)  # fmt: skip
    return RedirectResponse(f"/objects/{stix_id}?done=released", status_code=303)
