"""The federation's HTTP side: push hints, checkpoints and spillage notices for peers,
and a page per node for its administrators (peers, last pull, lag, objects in and out,
quarantine, and the spillage its peers reported)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Table, and_, select

from kizuna import clock
from kizuna.db.schema import MAX_INTEGER, access, audit_checkpoints, objects, versions
from kizuna.errors import Refused
from kizuna.federation import spillage
from kizuna.federation.peers import Peer, list_peers, peer_for_account
from kizuna.federation.schema import quarantine, spillage_notices
from kizuna.federation.witness import envelope
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Clearance, Label, LabelError, can_read, parse, render, render_ceiling
from kizuna.store.access import current, visible
from kizuna.store.tally import tally
from kizuna.web.deps import NodeDep, PagePrincipal, PeerTokenPrincipal
from kizuna.web.i18n import N_, choose_lang, translations
from kizuna.web.pages import page
from kizuna.web.refusal_words import refusal_said

__all__ = ["PEER_CALL", "failure_said", "router"]

# The action a refused call of the peers' endpoints is audited under.
PEER_CALL = "federation:peer:call"

router = APIRouter(include_in_schema=False)


def _peer(node: NodeDep, principal: Principal) -> Peer:
    with node.db.read() as conn:
        peer = peer_for_account(conn, principal.name)
    if peer is None:
        # Audited as every refusal is: a person's token tried on the nodes' own door.
        with node.store.transaction(principal):
            raise Refused("only a peer node's account may call this", action=PEER_CALL, target=None)
    return peer


def _peer_caller(principal: PeerTokenPrincipal, node: NodeDep) -> Peer:
    return _peer(node, principal)


# A dependency, so that the caller is checked before the body is read: a person's
# token sent with a malformed body hears it is no peer, not what the body lacks.
PeerCaller = Annotated[Peer, Depends(_peer_caller)]


@router.post("/federation/hint", status_code=202)
def hint(request: Request, principal: PeerTokenPrincipal, node: NodeDep) -> dict[str, str]:
    """A peer has something new: pull from it now."""
    peer = _peer(node, principal)
    federator = getattr(request.app.state, "federator", None)
    if federator is not None:
        federator.hint(peer.nation)
    return {"status": "pulling" if federator is not None else "not federating"}


@router.get("/federation/checkpoints")
def checkpoints(
    principal: PeerTokenPrincipal,
    node: NodeDep,
    after: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
) -> dict[str, Any]:
    """This node's signed audit checkpoints after `after`, for a peer to witness."""
    _peer(node, principal)
    with node.db.read() as conn:
        rows = conn.execute(
            select(audit_checkpoints)
            .where(audit_checkpoints.c.seq > after)
            .order_by(audit_checkpoints.c.seq)
            .limit(1000)
        ).all()
    return {"checkpoints": [dict(r._mapping) for r in rows]}


@router.get("/federation/witnessed")
def witnessed(principal: PeerTokenPrincipal, node: NodeDep) -> dict[str, Any]:
    """The calling peer's checkpoints this node keeps as its witness, signed by this
    node, so the peer can prove its log against them (`kizuna audit verify --peers`)."""
    peer = _peer(node, principal)
    with node.db.read() as conn:
        return envelope(node, conn, peer.nation)


@router.post("/federation/spillage")
def spillage_notice(peer: PeerCaller, body: spillage.Notices, node: NodeDep) -> dict[str, int]:
    """A peer's guard refused objects of this node as spillage: record and audit each."""
    with node.db.write() as conn:
        new = spillage.record(conn, peer, body.notices)
    return {"recorded": new}


# The reader's own access row of a version, beside the peer's (made once).
_READER = cast(Table, access.alias("reader_access"))


def _flows(node: NodeDep, principal: Principal, peer: Peer) -> tuple[int, int, list[Label]]:
    """Objects in from the peer and out to it, counted in SQL, of those the reader may
    read (an administrator is not cleared for every object a peer exchanges; a count
    of what they may not read would tell them of it), with the labels counted, for the
    banner."""
    stand_in = Principal(
        name=peer.account,
        clearance=Clearance(peer.nation, peer.max_rank, peer.compartments),
    )
    source = (
        access.join(objects, objects.c.pk == access.c.object_pk)
        .join(versions, versions.c.pk == access.c.version_pk)
        .join(_READER, _READER.c.version_pk == access.c.version_pk)
    )
    seen = [
        current(),
        current(_READER),
        visible(principal, node.store.bits, _READER),
        access.c.type != "marking-definition",
    ]
    # Each version has one access row per nation it is released to: choosing the
    # peer's row (out) or the reader's own (in) counts each object once.
    ways = {
        "out": and_(visible(stand_in, node.store.bits), objects.c.origin == node.nation),
        "in": and_(access.c.nation == principal.nation, objects.c.origin == peer.nation),
    }
    with node.db.read() as conn:
        counted = {way: tally(conn, source, [*seen, condition]) for way, condition in ways.items()}
    labels = [*counted["in"].labels, *counted["out"].labels]
    return counted["in"].total, counted["out"].total, labels


@router.get("/federation")
def federation_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    # Quarantined payloads were refused by the guard: only this nation's admins see them.
    node.store.require(principal, Permission.AUDIT_READ, "see the federation page")
    with node.db.read() as conn:
        known = list_peers(conn)
        held = conn.execute(select(quarantine).order_by(quarantine.c.pk.desc()).limit(100)).all()
        spilled = conn.execute(
            select(spillage_notices).order_by(spillage_notices.c.pk.desc()).limit(100)
        ).all()
    now = clock.now()
    lang = choose_lang(request)
    rows = []
    counted: list[Label] = []
    for peer in known:
        lag = None
        if peer.last_pull_at:
            lag = round((now - clock.parse_ts(peer.last_pull_at)).total_seconds(), 1)
        into, out, labels = _flows(node, principal, peer)
        counted += labels
        # The agreement as a label begins, in the reader's language (極秘//BIAC/CYBER).
        agreement = render_ceiling(
            node.policy, peer.max_rank, peer.compartments, "ja" if lang == "ja" else "en"
        )
        rows.append({"peer": peer, "agreement": agreement, "lag": lag, "in": into, "out": out,
                     "failure": failure_said(peer, lang)})  # fmt: skip
    held_rows, held_labels = _refusals(node, principal, held, lang)
    spilled_rows, spilled_labels = _refusals(node, principal, spilled, lang)
    return page(
        request,
        "federation.html",
        principal=principal,
        labels=[
            Label(node.policy.lowest.rank, frozenset({node.nation})),
            *counted,
            *held_labels,
            *spilled_labels,
        ],
        rows=rows,
        held=held_rows,
        spilled=spilled_rows,
    )


# Why the last pull failed (federation/failures.py), as an operator acts on it.
_FAILURES: dict[str, str] = {
    "refused": N_("Could not connect to the partner node at {url} (connection refused): "
                  "is it running, at this address and port?"),
    "unreachable": N_("Could not reach the partner node at {url}: its name does not "
                      "resolve, or there is no route to it."),
    "timeout": N_("The partner node at {url} did not answer in time."),
    "tls": N_("The secure connection to the partner node at {url} failed: check its "
              "certificate and this node's trust in it."),
    "http-401": N_("The partner node at {url} did not accept this node's token (HTTP 401): "
                   "set the token it issued, with kizuna peer token."),
    "http-403": N_("The partner node at {url} refused this node's account (HTTP 403)."),
    "http-404": N_("The partner node at {url} has no collection for this nation (HTTP 404): "
                   "is this node added as its peer?"),
    "http-5xx": N_("The partner node at {url} failed to answer (HTTP {status}): see its "
                   "log."),
    "http": N_("The partner node at {url} answered HTTP {status}."),
    "redirect": N_("The partner node at {url} answered with a redirect to another address, "
                   "which a pull never follows: check its address here and its proxy."),
    "too-large": N_("The partner node at {url} sent more than a page of objects may hold; "
                    "nothing of it was stored. See its log."),
    "answer": N_("The partner node at {url} answered, but not as a TAXII server does."),
    "node": N_("This node failed while pulling from {url}: see this node's log."),
}  # fmt: skip


def failure_said(peer: Peer, lang: str) -> str | None:
    """The last pull's failure in the reader's words, or None when the last pull
    went through. A failure recorded without a code (before migration 0020) is said
    to be one, its detail beside it."""
    if not peer.last_error and not peer.last_error_kind:
        return None
    kind = peer.last_error_kind or ""
    status = kind.removeprefix("http-") if kind.startswith("http-") else ""
    key = kind if kind in _FAILURES else ""
    if status and not key:
        key = "http-5xx" if status.startswith("5") else "http"
    gettext = translations(lang).gettext
    if not key:
        return gettext(N_("The last pull from {url} failed.")).format(url=peer.url)
    return gettext(_FAILURES[key]).format(url=peer.url, status=status)


def _refusals(
    node: Any, principal: Principal, found: Sequence[Any], lang: str
) -> tuple[list[dict[str, Any]], list[Label]]:
    """Quarantined or spilled objects as rows: one whose label the admin may not read
    keeps its time and peer and shows no id, label or reason (as the audit page withholds
    an entry); the others' labels and reasons in the reader's words, their labels
    counted for the banner."""
    rows: list[dict[str, Any]] = []
    shown: list[Label] = []
    for r in found:
        label = None
        with contextlib.suppress(LabelError):
            label = parse(node.policy, r.label) if r.label else None
        withheld = label is not None and not can_read(principal.clearance, label)
        if label is not None and not withheld:
            shown.append(label)
        words = refusal_said(r.reason, lang, node.policy) if lang != "en" else None
        rows.append({
            "received_at": r.received_at,
            "peer": r.peer,
            "withheld": withheld,
            "object_id": r.object_id,
            "label": _said(node, principal, label, lang) if label else (r.label or ""),
            "reason": words or r.reason,
            "stored_reason": r.reason,
            "spillage": bool(getattr(r, "spillage", 0)),
        })  # fmt: skip
    return rows, shown


def _said(node: Any, principal: Principal, label: Label, lang: str) -> str:
    return render(node.policy, label, "ja" if lang == "ja" else "en", first=principal.nation)
