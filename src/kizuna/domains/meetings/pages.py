"""Pages of the 2+2 record: meetings, a meeting with its decisions and a chart of
stances per section, the commitments register, a commitment's timeline and the
review form. Handlers call the service; templates only render."""

from __future__ import annotations

import functools
from collections import Counter
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kizuna.domains.meetings import service, words
from kizuna.domains.meetings.ingest.heading import KINDS
from kizuna.domains.meetings.ingest.vocab import ACTORS, STANCES, TOPICS
from kizuna.domains.meetings.owner import STIX_ID
from kizuna.errors import NotFound, StoreError
from kizuna.identity.principal import Principal
from kizuna.labels import LabelError, parse
from kizuna.runtime import Node
from kizuna.store import StoredObject
from kizuna.store.listing import title_of
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain
from kizuna.web.i18n import N_, choose_lang, translations
from kizuna.web.names import nation_name
from kizuna.web.pages import page

__all__ = ["router", "vocabulary"]

router = APIRouter(include_in_schema=False)
# Rows of the register on one page: a decade of 2+2 records stays a page a browser
# lays out at once.
REGISTER_PAGE = 100


def vocabulary(lang: str) -> dict[str, Any]:
    """The words a page of the record uses for codes (kinds, stances, actors, topics,
    findings), in the reader's language."""
    ja = lang == "ja"
    gettext = translations(lang).gettext
    return {
        "meeting_kind": {k: (v[0] if ja else v[1]) for k, v in KINDS.items()},
        "quality_kind": {k: gettext(v) for k, v in words.KIND_NAMES.items()},
        "quality_note": functools.partial(words.note, gettext),
        "start_said": functools.partial(words.start_said, gettext),
        "section_said": functools.partial(words.section_said, gettext),
        "stance_name": {k: (s.ja if ja else s.en) for k, s in STANCES.items()},
        "actor_name": {k: str(v["ja_label"] if ja else v["en_label"]) for k, v in ACTORS.items()},
        "topic_name": {k: (v[1] if ja else v[0]) for k, v in TOPICS.items()},
    }


def _chart(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stances per section, as bars the template draws in SVG (no inline styles)."""
    rows = []
    for s in sections:
        counts: Counter[str] = Counter(d.object["stance"] for d in s["decisions"])
        for i in s["items"]:
            counts.update(d.object["stance"] for d in i["decisions"])
        rows.append(
            {
                "number": s["section"].object["number"],
                "title": s["section"].object["title"],
                "counts": counts.most_common(),
            }
        )
    top = max((c for r in rows for _, c in r["counts"]), default=1)
    for r in rows:
        r["bars"] = [
            {"stance": k, "count": c, "width": max(4, int(240 * c / top))} for k, c in r["counts"]
        ]
    return rows


_CORRECTION_FIELDS = {"actor": N_("Decided by")}


@router.post("/meetings/{meeting_id}/decisions/{decision_id}", dependencies=[Depends(check_csrf)])
def correct_decision(
    request: Request,
    meeting_id: str,
    decision_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    actor: Annotated[str, Form(max_length=32)],
    stance: Annotated[str, Form(max_length=32)],
    commitment: Annotated[str, Form(max_length=8)] = "",
    owner: Annotated[str, Form(max_length=32)] = "",
    due: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Correct what the importer read of one decision: a new version, audited. A
    refusal brings the meeting's page back with the decision's form open, what was
    typed in it, and the reason beside the field at fault, in the reader's words."""
    try:
        service.correct_decision(
            node,
            principal,
            decision_id,
            actor=actor,
            stance=stance,
            commitment=commitment == "1",
            owner=owner,
            due=due.strip(),
            meeting_id=meeting_id,
        )
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        if not service.may_write(node, principal):
            raise  # no form is offered to bring back: the error page says why
        typed = {"actor": actor, "stance": stance, "commitment": commitment, "owner": owner,
                 "due": due}  # fmt: skip
        correction = {
            "decision": decision_id,
            # Named as the form names its fields (walk 49: "Actor:" beside "Decided by").
            "error": explain(exc, choose_lang(request), fields=_CORRECTION_FIELDS),
            # The field the reason stands beside; one the form has not, above the form.
            "field": exc.field if exc.field in typed else "",
            "typed": typed,
        }
        return _meeting(request, meeting_id, principal, node, correction, exc.status)
    return RedirectResponse(f"/meetings/{meeting_id}#{decision_id}", status_code=303)


@router.get("/meetings")
def meetings_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    meetings = service.list_meetings(node, principal)
    return page(
        request,
        "meetings.html",
        principal=principal,
        labels=[m.label for m in meetings],
        meetings=meetings,
        can_import=service.may_write(node, principal),
    )


@router.get("/meetings/{meeting_id}")
def meeting_page(
    request: Request,
    meeting_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    already: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    return _meeting(request, meeting_id, principal, node, already=already)


def _meeting(
    request: Request,
    meeting_id: str,
    principal: Principal,
    node: Node,
    correction: dict[str, Any] | None = None,
    status: int = 200,
    *,
    already: bool = False,
) -> HTMLResponse:
    """The meeting's page; `correction` is a refused correction of one of its decisions
    (the decision, the reason, the field at fault and what was typed), shown in its
    form."""
    try:
        view = service.get_meeting(node, principal, meeting_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return page(
        request,
        "meeting.html",
        principal=principal,
        status=status,
        correction=correction or {},
        labels=view["labels"],
        view=view,
        m=view["meeting"].object,
        chart=_chart(view["sections"]),
        # A meeting that came from a partner is read-only here (its owner corrects it).
        can_correct=service.may_write(node, principal) and view["meeting"].origin == node.nation,
        already=already,
        **vocabulary(choose_lang(request)),
    )


@router.get("/commitments")
def register_page(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    topic: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    stance: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str, Query(max_length=16)] = "commitment",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    # Commitments by default; positions (condemn, concern, principles) stay browsable.
    # A filter outside its vocabulary is refused by the register, naming its field.
    shown = service.figures(
        node,
        principal,
        topic=topic or None,
        actor=actor or None,
        stance=stance or None,
        status=status or None,
        entity=entity or None,
        kind=None if kind == "all" else kind,
    )
    kept = {
        "topic": topic or "",
        "actor": actor or "",
        "stance": stance or "",
        "status": status or "",
        "entity": entity or "",
        "kind": kind,
    }
    pages = max(1, -(-len(shown.rows) // REGISTER_PAGE))
    rows = shown.rows[(page_number - 1) * REGISTER_PAGE : page_number * REGISTER_PAGE]

    def link(number: int) -> str:
        return "/commitments?" + urlencode({k: v for k, v in {**kept, "page": number}.items() if v})

    return page(
        request,
        "register.html",
        principal=principal,
        # The statuses and the compliance figures come from links and reviews too; the
        # page count tells of every row, so every row's label counts, as on a list.
        labels=shown.labels,
        rows=rows,
        compliance=shown.compliance,
        f=kept,
        page_number=page_number,
        pages=pages,
        prev_url=link(page_number - 1) if 1 < page_number <= pages else None,
        next_url=link(page_number + 1) if page_number < pages else None,
        statuses=service.STATUSES,
        **vocabulary(choose_lang(request)),
    )


def _link_targets(
    node: Node, principal: Principal, links: list[StoredObject], lang: str
) -> dict[str, tuple[StoredObject, str]]:
    """The objects the links name by id that the reader may read, with what they are
    called: the page names the work, not its id. An id the reader may not read (or
    this node does not hold) stays an id."""
    found: dict[str, tuple[StoredObject, str]] = {}
    for link in links:
        target = str(link.object.get("target", ""))
        if target in found or not STIX_ID.fullmatch(target):
            continue
        try:
            held = node.store.get(principal, target)
        except NotFound:
            continue
        found[target] = (held, title_of(held.object, target, lang))
    return found


@router.get("/commitments/{decision_id}")
def timeline_page(
    request: Request,
    decision_id: str,
    principal: PagePrincipal,
    node: NodeDep,
) -> HTMLResponse:
    return _timeline(request, decision_id, principal, node, None)


def _timeline(
    request: Request,
    decision_id: str,
    principal: Principal,
    node: Node,
    error: str | None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        t = service.timeline(node, principal, decision_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    labels = [d.label for d in t["decisions"]] + [x.label for x in t["links"] + t["reviews"]]
    lang = choose_lang(request)
    targets = _link_targets(node, principal, t["links"], lang)
    labels += [o.label for o, _ in targets.values()]
    return page(
        request,
        "timeline.html",
        principal=principal,
        labels=labels,
        t=t,
        targets={i: title for i, (_, title) in targets.items()},
        decision_id=decision_id,
        error=error,
        # Reviews are written by those who write here; others read them.
        can_review=service.may_write(node, principal),
        # The alliance's two nations first, then the partners by the names the reader
        # reads (by code, "Republic of Korea" came before "Philippines").
        nations=sorted(
            node.policy.nations,
            key=lambda n: (n not in ("JPN", "USA"), nation_name(node.policy, n, lang)),
        ),
        form=form or {},
        status=status,
        **vocabulary(choose_lang(request)),
    )


@router.post("/commitments/{decision_id}/reviews", dependencies=[Depends(check_csrf)])
def review_form(
    request: Request,
    decision_id: str,
    principal: PagePrincipal,
    node: NodeDep,
    nation: Annotated[str, Form(max_length=3)] = "",
    score: Annotated[int, Form()] = 0,
    evidence: Annotated[str, Form(max_length=4000)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    round: Annotated[str, Form(max_length=32)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        parsed = parse(node.policy, label, originator=node.nation) if label.strip() else None
        service.add_review(
            node,
            principal,
            decision_id=decision_id,
            nation=nation,
            score=score,
            evidence=evidence,
            date=date,
            round=round or None,
            label=parsed,
        )
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except (StoreError, LabelError) as exc:
        # A refusal (403: a label above the author's clearance) comes back on the form
        # too, with its reason in the reader's words, not as a bare "you may not".
        status = getattr(exc, "status", 422)
        kept = {"nation": nation, "score": str(score), "evidence": evidence, "date": date,
                "round": round, "label": label}  # fmt: skip
        said = explain(exc, choose_lang(request))
        return _timeline(request, decision_id, principal, node, said, kept, status)
    return RedirectResponse(f"/commitments/{decision_id}", status_code=303)
