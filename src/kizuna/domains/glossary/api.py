"""REST routes of the alliance glossary, under /api/v1/glossary: look up, read, add and
edit terms, and find the terms a text names. Reads answer only with terms the caller
may read (a hidden term is a 404, like a missing one); refusals are problem details
whose `detail` says what is wrong in English and Japanese."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from kizuna.domains.glossary import queries
from kizuna.domains.glossary.model import TermCreate, TermFields
from kizuna.domains.glossary.service import create_term, edit_term
from kizuna.store import StoredObject
from kizuna.web.deps import ApiPrincipal, NodeDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/glossary", tags=["glossary"])


class MarksRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=queries.MAX_TEXT, description="a text in either language")


def _term(obj: StoredObject) -> dict[str, Any]:
    body = obj.object
    return {
        "id": obj.id,
        "label": obj.label_text,
        "version": obj.version,
        "modified": obj.modified,
        "origin": obj.origin,
        "ja": body.get("name_ja", ""),
        "en": body.get("name", ""),
        "readings": body.get("readings", []),
        "abbreviations": body.get("abbreviations", []),
        "definition_en": body.get("definition", ""),
        "definition_ja": body.get("definition_ja", ""),
        "source": body.get("source", ""),
        "status": body.get("status", ""),
        "object": body,
    }


def _json(value: Any, status: int = 200) -> Response:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status_code=status, media_type="application/json")


@router.get("")
def look_up(
    principal: ApiPrincipal,
    node: NodeDep,
    q: Annotated[str | None, Query(max_length=queries.MAX_QUERY)] = None,
    lang: Annotated[str, Query(pattern="^(ja|en)$")] = "en",
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=queries.MAX_OFFSET)] = 0,
) -> Response:
    """Terms the caller may read, or those whose form, reading or abbreviation holds q."""
    found = queries.look_up(node.store, principal, q, lang=lang, limit=limit, offset=offset)
    return _json({"total": found.total, "terms": [_term(t) for t in found.terms]})


@router.post("", status_code=201)
def create(body: TermCreate, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Add a term (an author or translator of this node's nation)."""
    return _json(_term(create_term(node, principal, body)), 201)


@router.post("/marks")
def marks(body: MarksRequest, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Where a text names terms the caller may read: offsets, the term's page, its forms."""
    found = queries.marks(node.store, principal, body.text)
    return _json(
        {"marks": [{"start": m.start, "end": m.end, "href": m.href, "title": m.title}
                   for m in found]}
    )  # fmt: skip


@router.get("/{stix_id}")
def show(stix_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """One term (404 when missing or hidden)."""
    return _json(_term(queries.term(node.store, principal, stix_id)))


@router.put("/{stix_id}")
def edit(stix_id: str, body: TermFields, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Edit a term of this node: every field as given, a new version at the same label."""
    return _json(_term(edit_term(node, principal, stix_id, body)))
