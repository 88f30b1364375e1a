"""Which earlier decision a restating decision restates, found through the index.

The rule (`similarity`): shared keywords as a Jaccard index, +0.1 for a shared topic,
+0.3 for a shared named entity; the most similar decision of an earlier meeting the
importer may see wins when it scores above `THRESHOLD`, the newest object on a tie.

`restated` gives the same answer as applying `similarity` to every earlier decision
the importer may see, without reading them: candidates come from the index by term,
joined with the store's visibility condition in SQL, and are scored from counts. It
probes the rarest terms first and stops once no decision outside the candidates
could score as high as the best one found (a decision sharing none of the probed
terms shares at most the other keywords, so its score has a ceiling).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, false, func, insert, or_, select

from kizuna.domains.meetings.model import DECISION
from kizuna.domains.meetings.schema import meetings_decisions, meetings_terms
from kizuna.identity.principal import Principal
from kizuna.store import Store
from kizuna.store.access import current, visible
from kizuna.store.schema import access, objects, versions

__all__ = ["THRESHOLD", "catch_up", "index", "restated", "similarity"]

THRESHOLD = 0.18
# Float sums of the same terms can differ in the last bit; stopping early must not
# hinge on that, so the ceiling has to clear the best score by more than this.
_EPS = 1e-9

Terms = tuple[set[str], set[str], set[str]]


def _terms(body: dict[str, Any]) -> Terms:
    return (
        set(body.get("keywords", [])),
        {e["text"] for e in body.get("entities", [])},
        set(body.get("topics", [])),
    )


def _score(shared: int, own: int, theirs: int, topic: bool, entity: bool) -> float:
    union = own + theirs - shared
    words = shared / union if union else 0.0
    # Naming the same body or system (ACM, DICAS) is the strongest sign of the same
    # commitment; shared words and topics weigh less.
    return words + (0.1 if topic else 0.0) + (0.3 if entity else 0.0)


def similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    """The rule, over two decision bodies (what `restated` computes from counts)."""
    ka, ea, ta = _terms(a)
    kb, eb, tb = _terms(b)
    return _score(len(ka & kb), len(ka), len(kb), bool(ta & tb), bool(ea & eb))


def index(conn: Connection, entries: Iterable[tuple[int, int, dict[str, Any]]]) -> None:
    """Index decision versions: (version pk, object pk, body), in the caller's
    transaction, so a decision and its index rows commit together."""
    heads, rows = [], []
    for version_pk, object_pk, body in entries:
        keywords, entities, topics = _terms(body)
        date = str(body["meeting_date"])
        heads.append(
            {
                "version_pk": version_pk,
                "object_pk": object_pk,
                "meeting_date": date,
                "keywords": len(keywords),
            }
        )
        for kind, values in (("k", keywords), ("e", entities), ("t", topics)):
            rows += [
                {"version_pk": version_pk, "kind": kind, "term": t, "meeting_date": date}
                for t in sorted(values)
            ]
    if heads:
        conn.execute(insert(meetings_decisions), heads)
    if rows:
        conn.execute(insert(meetings_terms), rows)


def catch_up(conn: Connection, store: Store, principal: Principal) -> int:
    """Index the current decision versions the principal may see that the index has
    not read yet: decisions from before the index existed, from a partner node, or
    new versions. Returns how many it indexed."""
    rows = conn.execute(
        select(access.c.version_pk, access.c.object_pk, versions.c.body)
        .select_from(
            access.join(versions, versions.c.pk == access.c.version_pk).outerjoin(
                meetings_decisions, meetings_decisions.c.version_pk == access.c.version_pk
            )
        )
        .where(
            current(),
            visible(principal, store.bits),
            access.c.type == DECISION,
            meetings_decisions.c.version_pk.is_(None),
        )
    ).all()
    index(conn, ((r.version_pk, r.object_pk, json.loads(r.body)) for r in rows))
    return len(rows)


def _matching(pairs: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    by_kind: dict[str, list[str]] = {}
    for kind, term in pairs:
        by_kind.setdefault(kind, []).append(term)
    if not by_kind:
        return false()
    return or_(
        *(
            and_(meetings_terms.c.kind == kind, meetings_terms.c.term.in_(sorted(terms)))
            for kind, terms in sorted(by_kind.items())
        )
    )


def restated(
    conn: Connection, store: Store, principal: Principal, body: dict[str, Any]
) -> str | None:
    """The id of the earlier decision `body` restates, among those the principal may
    see, or None when none is similar enough."""
    keywords, entities, topics = _terms(body)
    date = str(body["meeting_date"])
    probes = [("k", k) for k in keywords] + [("e", e) for e in entities]
    # Document frequencies only order the probes (rarest first); they steer the work,
    # never the answer, so they are counted over the whole index.
    df = {
        (r.kind, r.term): r.n
        for r in conn.execute(
            select(meetings_terms.c.kind, meetings_terms.c.term, func.count().label("n"))
            .where(meetings_terms.c.meeting_date < date, _matching(probes))
            .group_by(meetings_terms.c.kind, meetings_terms.c.term)
        )
    }
    # A term no earlier decision has cannot be shared: it counts as probed for free.
    pending = sorted((p for p in probes if p in df), key=lambda p: (df[p], p))
    probed: set[tuple[str, str]] = {p for p in probes if p not in df}
    everything = _matching(
        [("k", k) for k in keywords] + [("e", e) for e in entities] + [("t", t) for t in topics]
    )
    best: tuple[float, int, str] | None = None
    step = 1
    while True:
        unshared = sum(1 for k in keywords if ("k", k) not in probed)
        ceiling = (unshared / len(keywords) if keywords else 0.0) + 0.1
        if any(("e", e) not in probed for e in entities):
            ceiling += 0.3
        # Stop when a decision sharing no probed term cannot pass the threshold, or
        # cannot reach the best score (an equal score might win the tie: go on).
        if ceiling <= THRESHOLD - _EPS or (best is not None and ceiling < best[0] - _EPS):
            break
        if not pending:
            break
        batch, pending = pending[:step], pending[step:]
        probed |= set(batch)
        step *= 2
        candidates = (
            select(meetings_terms.c.version_pk)
            .join(
                access,
                and_(
                    access.c.version_pk == meetings_terms.c.version_pk,
                    current(),
                    visible(principal, store.bits),
                ),
            )
            .where(meetings_terms.c.meeting_date < date, _matching(probed))
        )
        kind = meetings_terms.c.kind
        scored = conn.execute(
            select(
                meetings_decisions.c.object_pk,
                meetings_decisions.c.keywords,
                objects.c.stix_id,
                func.sum(case((kind == "k", 1), else_=0)).label("shared"),
                func.max(case((kind == "e", 1), else_=0)).label("entity"),
                func.max(case((kind == "t", 1), else_=0)).label("topic"),
            )
            .select_from(
                meetings_terms.join(
                    meetings_decisions,
                    meetings_decisions.c.version_pk == meetings_terms.c.version_pk,
                ).join(objects, objects.c.pk == meetings_decisions.c.object_pk)
            )
            .where(meetings_terms.c.version_pk.in_(candidates), everything)
            .group_by(
                meetings_decisions.c.version_pk,
                meetings_decisions.c.object_pk,
                meetings_decisions.c.keywords,
                objects.c.stix_id,
            )
        ).all()
        for r in scored:
            s = _score(int(r.shared), len(keywords), r.keywords, bool(r.topic), bool(r.entity))
            if s > THRESHOLD and (best is None or (s, r.object_pk) > best[:2]):
                best = (s, r.object_pk, r.stix_id)
    return best[2] if best is not None else None
