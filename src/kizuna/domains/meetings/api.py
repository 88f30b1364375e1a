"""REST routes of the 2+2 record under /api/v1/meetings and /api/v1/commitments.

Routes parse, call the service, encode; what a caller may see is decided by the
store's visibility condition inside the service."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from kizuna.domains.meetings import service
from kizuna.domains.meetings.ingest import IngestRefused
from kizuna.labels import Label, lub, parse
from kizuna.runtime import Node
from kizuna.store import StoredObject
from kizuna.web.deps import ApiPrincipal, NodeDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["meetings"])
REGISTER_LIMIT = 1000


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nation: str = Field(description="ISO 3166-1 alpha-3 of the nation reviewed")
    score: int = Field(description="-1, 0 or +1 (G7 Research Group scale)")
    evidence: str = Field(max_length=4000)
    date: str = Field(description="YYYY-MM-DD")
    round: str | None = Field(
        default=None, description="Review round: a year (default: the date's year)"
    )
    label: str | None = Field(default=None, description="Default: lowest level, this nation")


class SummaryImport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(default=None, max_length=4_000_000, description="The text")
    data: str | None = Field(
        default=None,
        max_length=6_000_000,
        description="Or the file's bytes in base64 (UTF-8, Shift_JIS, CP932 or EUC-JP)",
    )
    lang: str | None = Field(default=None, description="ja or en (default: detected)")
    date: str | None = Field(default=None, description="YYYY-MM-DD when the text gives none")
    label: str | None = Field(default=None, description="Default: lowest level, this nation")
    dry_run: bool = Field(default=True, description="Preview (the default) or store")


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: str = Field(max_length=300, description="STIX id or name of the work")
    relation: str = Field(default="carried-out-by", max_length=64)
    description: str = Field(default="", max_length=2000)
    label: str | None = None


def _obj(o: StoredObject) -> dict[str, Any]:
    return {"id": o.id, "label": o.label_text, "version": o.version, "object": o.object}


def _render(node: Node, label: Label | None) -> str | None:
    return node.store.render(label) if label is not None else None


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False).encode(),
        status_code=status,
        media_type="application/json",
    )


@router.get("/meetings")
def list_meetings(principal: ApiPrincipal, node: NodeDep) -> Response:
    """Meetings the caller may see, most recent first (without their full texts)."""
    items = []
    for m in service.list_meetings(node, principal):
        body = {k: v for k, v in m.object.items() if k not in ("original_text", "normalized_text")}
        items.append({"id": m.id, "label": m.label_text, "object": body})
    return _json({"items": items})


@router.get("/meetings/{meeting_id}")
def get_meeting(meeting_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """A meeting with its sections, items and decisions (404 when missing or hidden)."""
    view = service.get_meeting(node, principal, meeting_id)
    return _json(
        {
            "meeting": _obj(view["meeting"]),
            "sections": [
                {
                    **_obj(s["section"]),
                    "decisions": [_obj(d) for d in s["decisions"]],
                    "items": [
                        {**_obj(i["item"]), "decisions": [_obj(d) for d in i["decisions"]]}
                        for i in s["items"]
                    ],
                }
                for s in view["sections"]
            ],
            # The other texts of the same day the caller may read, as on the page.
            "same_day": [_obj(o) for o in view["same_day"]],
        }
    )


@router.get("/commitments")
def commitments(
    principal: ApiPrincipal,
    node: NodeDep,
    topic: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    stance: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=REGISTER_LIMIT)] = REGISTER_LIMIT,
    next: Annotated[int, Query(ge=0, description="From the previous page's `next`")] = 0,
) -> Response:
    """The commitments register, filtered by topic, actor, stance, status, entity or
    kind (commitment or position; both when absent), `limit` rows from `next` on;
    `next` of the answer is where the following page starts (null after the last)."""
    shown = service.figures(
        node,
        principal,
        topic=topic,
        actor=actor,
        stance=stance,
        status=status,
        entity=entity,
        kind=kind,
    )
    # The register is derived over every row (a status follows a commitment across
    # meetings), so a page is a slice of it; `next` counts rows of the same filter.
    rows = shown.rows[next : next + limit]
    after = next + limit if next + limit < len(shown.rows) else None
    # `label` is the decision's; `status_label` that of its status and counts, which
    # come from the commitment's links and reviews too. The page's own `label`
    # dominates every label it holds.
    return _json(
        {
            "label": _render(node, lub(r.label for r in rows)),
            "next": after,
            "items": [
                {
                    **_obj(r.decision),
                    "commitment": r.root,
                    "status": r.status,
                    "status_label": _render(node, r.label),
                    "links": len(r.links),
                    "reviews": len(r.reviews),
                }
                for r in rows
            ],
        }
    )


@router.get("/commitments/compliance")
def compliance(principal: ApiPrincipal, node: NodeDep) -> Response:
    """Compliance per review round and nation: (mean score + 1) / 2."""
    shown = service.figures(node, principal)
    return _json({"label": _render(node, lub(shown.compliance_labels)), "items": shown.compliance})


@router.get("/commitments/{decision_id}/timeline")
def timeline(decision_id: str, principal: ApiPrincipal, node: NodeDep) -> Response:
    """A commitment across meetings: decisions, linked work, reviews."""
    t = service.timeline(node, principal, decision_id)
    return _json(
        {
            "commitment": t["root"].id,
            "decisions": [_obj(d) for d in t["decisions"]],
            "links": [_obj(lk) for lk in t["links"]],
            "reviews": [_obj(r) for r in t["reviews"]],
        }
    )


@router.post("/meetings/import")
def import_meeting(body: SummaryImport, principal: ApiPrincipal, node: NodeDep) -> Response:
    """Parse an official text and show the meeting with its quality report
    (`dry_run`, the default), or store it: 201 with the meeting's id."""
    data = service.upload_bytes(body.text, body.data)
    given = service.parse_given_date(body.date)
    label = parse(node.policy, body.label, originator=node.nation) if body.label else None
    try:
        result = service.import_summary(
            node, principal, data, lang=body.lang, label=label, dry_run=body.dry_run, date=given
        )
    except IngestRefused as exc:
        # What the importer says of a file's bytes is said of the field that sent them.
        if exc.field != "file":
            raise
        raise IngestRefused(str(exc), field="text" if body.text is not None else "data") from exc
    out = {
        "record": result.record.as_json(),
        "meeting_id": result.meeting_id,
        "created": result.created,
        "already": result.already,
        "dry_run": result.dry_run,
        # The same text at other labels the caller may read: records of their own.
        "held_elsewhere": [{"meeting_id": o.id, "label": o.label_text} for o in result.elsewhere],
        # Held, but narrowed since it was imported at the label asked for.
        "held_at": result.held_at,
    }
    return _json(out, 200 if result.dry_run or result.already else 201)


@router.post("/commitments/{decision_id}/reviews", status_code=201)
def add_review(
    decision_id: str, body: ReviewCreate, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """Review one nation's compliance with a decision."""
    label = parse(node.policy, body.label, originator=node.nation) if body.label else None
    made = service.add_review(
        node,
        principal,
        decision_id=decision_id,
        nation=body.nation,
        score=body.score,
        evidence=body.evidence,
        date=body.date,
        round=body.round,
        label=label,
    )
    return _json(_obj(made), 201)


@router.post("/commitments/{decision_id}/links", status_code=201)
def add_link(
    decision_id: str, body: LinkCreate, principal: ApiPrincipal, node: NodeDep
) -> Response:
    """Link a decision to the work that carries it out."""
    label = parse(node.policy, body.label, originator=node.nation) if body.label else None
    made = service.add_link(
        node,
        principal,
        decision_id=decision_id,
        target=body.target,
        relation=body.relation,
        description=body.description,
        label=label,
    )
    return _json(_obj(made), 201)
