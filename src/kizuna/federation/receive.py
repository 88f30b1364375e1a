"""Apply one page that a peer sent: judge each object, store or quarantine it, and
move the peer's cursor, in one transaction.

One bad object delays only itself. Every object is judged by the guard on its own.
Objects of a type some domain owns, and recalls, are stored one at a time in a savepoint
of their own, with the owner's rules and the arrival hooks; objects of the other types
(indicators, observables, reports: the bulk of a page) are stored together
(`Store.accept_many_in`, which judges each on its own and falls back to one savepoint
each should the database refuse a row), then the hooks run on each; should one raise,
the batch is written again without its object. Any exception, of any type, refuses that
object alone, which is quarantined with its reason and an audit entry, and the rest of
the page is stored. A crash anywhere rolls the whole page back and the next pull fetches it
again; a version already here is stored once.

The cursor (the origin's `added` time the next pull starts from) moves only on what the
sender itself signed: the newest `added` claim of the objects whose signature verified,
stored or refused alike, and never past the page's own end (`X-TAXII-Date-Added-Last`,
`page_end`). So an unsigned or forged object, whatever `added` it claims, never moves
it, and a signed claim far in the future moves it only to the end of the page it came
on. A page of only bad objects therefore behaves as follows:
- authentic but refused (spillage, bad data, a hook that raises): the cursor moves past
  them, as they would be refused again on every pull;
- not authentic (unsigned, forged): the cursor stays, and the next pull asks for them
  again. The pull does not stall: within one pull the pages are followed by their
  `next` tokens to the end, so every good object after them still arrives, and the
  first authentic object moves the cursor past them. Seen again, a refused object is
  not quarantined twice (same peer, id and digest).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kizuna import audit, clock
from kizuna.errors import Recalled, StoreError
from kizuna.federation import recall
from kizuna.federation.guard import Accepted, Refusal, judge
from kizuna.federation.peers import Peer
from kizuna.federation.schema import peers, quarantine, signatures
from kizuna.labels import Label, lub, render
from kizuna.runtime import Node
from kizuna.stix.types import RECALL
from kizuna.store import Arrival, StoredObject

__all__ = ["PAYLOAD_LIMIT", "Applied", "apply_page", "judge_page"]

# What is kept of a quarantined payload for diagnosis (never of spillage).
PAYLOAD_LIMIT = 65_536


@dataclass(frozen=True)
class Applied:
    stored: int
    duplicates: int
    quarantined: int
    added_after: str | None


def judge_page(node: Node, peer: Peer, objects: list[Any]) -> list[Accepted | Refusal]:
    """The guard's verdict on each object of a page. It reads nothing of this node's
    store, so the pull judges a page (the signature checks, most of it, which leave the
    interpreter free) in the thread that fetched it, while the page before is applied."""
    return [_judged(node, peer, obj) for obj in objects]


def apply_page(
    node: Node,
    peer: Peer,
    objects: list[Any],
    *,
    page_end: str | None = None,
    verdicts: list[Accepted | Refusal] | None = None,
) -> Applied:
    """Judge (unless `verdicts` holds `judge_page`'s) and store one page; `page_end`
    is the page's X-TAXII-Date-Added-Last (without it the cursor does not move)."""
    stored = duplicates = refused = 0
    newest: str | None = None
    labels: list[Label] = []
    if verdicts is None:
        verdicts = judge_page(node, peer, objects)
    if len(verdicts) != len(objects):
        raise ValueError("a verdict for each object of the page, in order")
    with node.store.transaction(node.system) as conn:
        together = _store_together(node, conn, peer, verdicts)
        for index, (obj, judged) in enumerate(zip(objects, verdicts, strict=True)):
            if isinstance(judged, Accepted):
                newest = _later(newest, judged.signed.added)
                outcome = together.get(index) or _store(node, conn, peer, judged)
                if not isinstance(outcome, Refusal):
                    stored += outcome == "stored"
                    duplicates += outcome == "duplicate"
                    if outcome == "stored":
                        labels.append(judged.label)
                    continue
                judged = outcome
            newest = _later(newest, judged.added)
            if _quarantine(conn, peer, obj, judged):
                refused += 1
        cursor = _advance(peer.added_after, newest, page_end)
        conn.execute(
            update(peers)
            .where(peers.c.nation == peer.nation)
            .values(
                added_after=cursor,
                last_pull_at=clock.now_ts(),
                last_error=None,
                last_error_kind=None,
                received=peers.c.received + stored,
                quarantined=peers.c.quarantined + refused,
            )
        )
        if stored:
            # The count is derived from what arrived: it carries their label, by which
            # the audit page withholds it from an admin who may not read them (walk 43).
            bound = lub(labels)
            audit.append(
                conn,
                actor=f"node:{peer.nation}",
                action="federation.receive",
                detail={
                    "peer": peer.nation,
                    "stored": stored,
                    **({"label": render(node.policy, bound)} if bound else {}),
                },
            )
    return Applied(stored, duplicates, refused, cursor)


def _judged(node: Node, peer: Peer, obj: Any) -> Accepted | Refusal:
    try:
        return judge(node.policy, node.nation, peer, obj, max_bytes=node.settings.max_body_bytes)
    except Exception as exc:  # a guard that fails refuses: it fails closed
        return Refusal(_object_id(obj), f"the guard failed: {type(exc).__name__}: {exc}")


def _store_together(
    node: Node, conn: Connection, peer: Peer, verdicts: list[Accepted | Refusal]
) -> dict[int, str | Refusal]:
    """Store the accepted objects of types no domain owns in one batch; the outcome of
    each by its place in the page ("stored", "duplicate", or its refusal).

    The batch runs in a savepoint. Should an arrival hook raise on one of its objects,
    the savepoint is rolled back and the batch written again without it (hooks refuse
    rarely: a second pass is cheaper than a savepoint per object)."""
    owners = node.store.owners
    chosen = [
        (index, verdict)
        for index, verdict in enumerate(verdicts)
        if isinstance(verdict, Accepted)
        and verdict.signed.body.get("type") != RECALL
        and owners.owner_of(verdict.signed.body) is None
    ]
    outcomes: dict[int, str | Refusal] = {}
    while chosen:
        try:
            with conn.begin_nested():
                outcomes.update(_write_batch(node, conn, peer, chosen))
            return outcomes
        except _HookRefused as refused:
            outcomes[refused.index] = refused.refusal
            chosen = [(i, v) for i, v in chosen if i != refused.index]
    return outcomes


class _HookRefused(Exception):
    def __init__(self, index: int, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.index, self.refusal = index, refusal


def _write_batch(
    node: Node, conn: Connection, peer: Peer, chosen: list[tuple[int, Accepted]]
) -> dict[int, str | Refusal]:
    results = node.store.accept_many_in(
        conn,
        [Arrival(v.signed.body, v.label, v.signed.version or 0) for _, v in chosen],
        origin=peer.nation,
        author=f"node:{peer.nation}",
    )
    outcomes: dict[int, str | Refusal] = {}
    signed_rows: list[dict[str, Any]] = []
    for (index, verdict), result in zip(chosen, results, strict=True):
        if result is None:
            outcomes[index] = "duplicate"
            continue
        if isinstance(result, Exception):
            outcomes[index] = _refused(verdict, result)
            continue
        # No savepoint of its own: the batch's (see `_store_together`) is rolled back
        # whole when a hook raises, and the batch written again without the object.
        try:
            for hook in node.arrival_hooks:
                hook(node, conn, result)
        except Exception as exc:
            raise _HookRefused(index, _refused(verdict, exc)) from exc
        outcomes[index] = "stored"
        signed_rows.append(_signature_row(peer, result, verdict))
    if signed_rows:
        conn.execute(insert(signatures), signed_rows)
    return outcomes


def _store(node: Node, conn: Connection, peer: Peer, verdict: Accepted) -> str | Refusal:
    """Store one judged object in a savepoint of its own: "stored", "duplicate", or the
    refusal of whatever failed (its savepoint rolled back)."""
    signed = verdict.signed
    try:
        with conn.begin_nested():
            made = node.store.accept_in(
                conn,
                body=signed.body,
                label=verdict.label,
                origin=peer.nation,
                author=f"node:{peer.nation}",
                version=signed.version or 0,
            )
            if made is None:
                return "duplicate"
            conn.execute(insert(signatures).values(_signature_row(peer, made, verdict)))
            if made.type == RECALL:
                recall.apply(node, conn, peer, made)
            for hook in node.arrival_hooks:
                hook(node, conn, made)
    except Exception as exc:  # any failure refuses this object only
        return _refused(verdict, exc)
    return "stored"


def _signature_row(peer: Peer, made: StoredObject, verdict: Accepted) -> dict[str, Any]:
    """The sender's signature, kept beside the version it signed."""
    claims = json.dumps(verdict.signed.claims, sort_keys=True)
    return {"version_pk": made.row_pk, "nation": peer.nation, "claims": claims}


def _refused(verdict: Accepted, exc: Exception) -> Refusal:
    """The refusal of an authentic object whose storing failed."""
    signed = verdict.signed
    return Refusal(
        _object_id(signed.body),
        _reason(exc),
        verdict.label_text,
        withheld=isinstance(exc, Recalled),
        added=signed.added,
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, StoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:2000]


def _object_id(obj: Any) -> str:
    value = obj.get("id") if isinstance(obj, dict) else None
    return value[:128] if isinstance(value, str) else ""


def digest_of(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _quarantine(conn: Connection, peer: Peer, obj: Any, verdict: Refusal) -> bool:
    """Hold a refused object with its reason and audit it; False when the same object
    (peer, id, digest) is held already. A spilled object's body is never kept, nor one
    about an object a recall hid here."""
    digest = digest_of(obj)
    object_id = _text(verdict.object_id)[:128]
    held = conn.execute(
        select(quarantine.c.pk).where(
            quarantine.c.peer == peer.nation,
            quarantine.c.object_id == object_id,
            quarantine.c.digest == digest,
        )
    ).first()
    if held is not None:
        return False
    payload = ""
    if not verdict.spillage and not verdict.withheld:
        payload = json.dumps(obj, ensure_ascii=False, default=str)[:PAYLOAD_LIMIT]
    conn.execute(
        insert(quarantine).values(
            peer=peer.nation,
            object_id=object_id,
            reason=_text(verdict.reason),
            payload=payload,
            received_at=clock.now_ts(),
            label=_text(verdict.label_text) or None,
            digest=digest,
            spillage=int(verdict.spillage),
        )
    )
    audit.append(
        conn,
        actor=f"node:{peer.nation}",
        action="federation.spillage" if verdict.spillage else "federation.quarantine",
        target=object_id or None,
        detail={
            "peer": peer.nation,
            "reason": _text(verdict.reason),
            "label": _text(verdict.label_text),
            "digest": digest,
        },
    )
    return True


def _text(value: str) -> str:
    # PostgreSQL text cannot hold NUL; what a hostile peer sends must still be recorded.
    return value.replace("\x00", "\\0")


def _stamp(value: str | None) -> str | None:
    """A timestamp as the store's fixed-width text, or None when it is not one."""
    if not value:
        return None
    try:
        return clock.format_ts(clock.parse_ts(value))
    except (ValueError, OverflowError, TypeError):
        return None


def _later(a: str | None, b: str | None) -> str | None:
    b = _stamp(b)
    if b is None:
        return a
    return b if a is None or b > a else a


def _advance(cursor: str | None, newest: str | None, page_end: str | None) -> str | None:
    end = _stamp(page_end)
    if newest is None or end is None:
        return cursor
    target = min(newest, end)
    return target if cursor is None or target > cursor else cursor
