"""Which earlier decision a restating decision restates, found through the index.

The rule (`similarity`): shared keywords as a Jaccard index, +0.1 for a shared topic,
+0.3 for a shared named entity; the most similar decision of an earlier meeting the
importer may see wins when it scores above `THRESHOLD`, the newest object on a tie.

A restatement link is derived data and carries the restating decision's label, so it
points only at a decision that label dominates: whoever may read the link may read
its target (DESIGN §2.10). A decision imported at UNCLASSIFIED//REL TO JPN, USA never
links to one held at SECRET//REL TO JPN, however similar (issue 11, reproduction 2).

`restated` gives the same answer as applying `similarity` to every earlier decision
the importer may see and the new label dominates, without reading them: candidates
come from the index by term, joined with the store's visibility condition and the
dominance condition in SQL, and are scored from counts. It
probes the rarest terms first and stops once no decision outside the candidates
could score as high as the best one found (a decision sharing none of the probed
terms shares at most the other keywords, so its score has a ceiling).
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    or_,
    select,
)

from kizuna.db.schema import access, objects, versions
from kizuna.domains.meetings.ingest.vocab import GAZETTEER_ENTRIES
from kizuna.domains.meetings.model import DECISION
from kizuna.domains.meetings.schema import meetings_decisions, meetings_terms
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.store import Store, StoredObject
from kizuna.store.access import current, visibility_params, visible, visible_bound
from kizuna.store.rows import COLUMNS, stored_from_row

__all__ = [
    "LOOKUP_TABLES",
    "THRESHOLD",
    "catch_up",
    "frequencies",
    "index",
    "index_new",
    "restated",
    "similarity",
    "unlinked_after",
]

THRESHOLD = 0.18
# The index row of a decision that restates one and found none (see `unlinked_after`).
UNLINKED = ("r", "")
# The tables a lookup plans over (see `Database.keep_statistics`).
LOOKUP_TABLES = (access.name, objects.name, meetings_decisions.name, meetings_terms.name)
# Float sums of the same terms can differ in the last bit; stopping early must not
# hinge on that, so the ceiling has to clear the best score by more than this.
_EPS = 1e-9
# Candidates scored per query.
_CHUNK = 32

Terms = tuple[set[str], set[str], set[str]]


# Words that say nothing of what was decided: the reporting (こと, 旨, "that", "the
# ministers") and the words of a stance, which every restatement shares with every
# earlier decision of its stance, and the two parties, named in nearly every decision.
# Read from the corpus's most frequent keywords.
_NOT_EVIDENCE = frozenset(
    {
        *("こと", "もの", "為", "とも", "旨", "等", "様", "上", "中", "方", "所"),
        *("確認", "再確認", "表明", "歓迎", "認識", "共有", "強調", "言及", "改め"),
        *("双方", "両者", "閣僚", "両国", "日米", "日本", "米国", "米側", "日本側"),
        *("japan", "japanese", "united", "states", "american"),
        *("that", "this", "these", "those", "with", "their", "they", "them", "which"),
        *("will", "would", "have", "from", "also", "such", "into", "once", "again"),
        *("both", "sides", "side", "ministers", "minister", "secretary", "including"),
        *("reaffirmed", "reiterated", "confirmed", "affirmed", "stated", "expressed"),
        *("welcomed", "shared", "emphasized", "underscored", "noted", "recognized"),
    }
)
# The alliance's two nations are named in nearly every decision: naming them is no
# sign of the same commitment (it linked any two decisions that said "Japan").
_PARTIES = frozenset({"Japan", "United States"})


def _terms(body: dict[str, Any]) -> Terms:
    return (
        set(body.get("keywords", [])) - _NOT_EVIDENCE,
        {
            e["text"]
            for e in body.get("entities", [])
            if (place := GAZETTEER_ENTRIES.get(e["text"])) is None or place.key not in _PARTIES
        },
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
        if body.get("restated") and not body.get("restates_id"):
            rows.append(
                {
                    "version_pk": version_pk,
                    "kind": UNLINKED[0],
                    "term": UNLINKED[1],
                    "meeting_date": date,
                }
            )
    if heads:
        conn.execute(insert(meetings_decisions), heads)
    if rows:
        conn.execute(insert(meetings_terms), rows)


def index_new(
    conn: Connection, store: Store, principal: Principal, decisions: list[dict[str, Any]]
) -> None:
    """Index decisions the caller has just written in this transaction."""
    if not decisions:
        return
    bodies = {b["id"]: b for b in decisions}
    # From the ids to their objects first: led by `access`, the plan walks every row
    # of the nation.
    mine = select(objects.c.pk).where(objects.c.stix_id.in_(sorted(bodies)))
    rows = conn.execute(
        select(access.c.version_pk, access.c.object_pk, objects.c.stix_id)
        .select_from(access.join(objects, objects.c.pk == access.c.object_pk))
        .where(access.c.object_pk.in_(mine), current(), visible(principal, store.bits))
    ).all()
    index(conn, ((r.version_pk, r.object_pk, bodies[r.stix_id]) for r in rows))


def catch_up(conn: Connection, store: Store, principal: Principal) -> int:
    """Index the current decision versions the principal may see that the index has
    not read yet: decisions from before the index existed, from a partner node, or
    new versions. Returns how many it indexed."""
    missing = (
        select(access.c.version_pk)
        .outerjoin(meetings_decisions, meetings_decisions.c.version_pk == access.c.version_pk)
        .where(
            current(),
            visible(principal, store.bits),
            access.c.type == DECISION,
            meetings_decisions.c.version_pk.is_(None),
        )
    )
    # Bodies only of what is missing: joined before the anti-join, every decision's
    # body would be read on every import.
    rows = conn.execute(
        select(versions.c.pk.label("version_pk"), versions.c.object_pk, versions.c.body).where(
            versions.c.pk.in_(missing)
        )
    ).all()
    index(conn, ((r.version_pk, r.object_pk, json.loads(r.body)) for r in rows))
    return len(rows)


def unlinked_after(
    conn: Connection, store: Store, principal: Principal, date: str
) -> list[StoredObject]:
    """The current decisions of meetings after `date` that the principal may see, that
    restate an earlier decision and found none: found by their index row, so an
    import in the order of the meetings reads nothing here (`catch_up` has indexed
    every decision the principal may see)."""
    rows = conn.execute(
        select(*COLUMNS)
        .select_from(
            meetings_terms.join(
                access, and_(access.c.version_pk == meetings_terms.c.version_pk, current())
            )
            .join(objects, objects.c.pk == access.c.object_pk)
            .join(versions, versions.c.pk == access.c.version_pk)
        )
        .where(
            meetings_terms.c.kind == UNLINKED[0],
            meetings_terms.c.term == UNLINKED[1],
            meetings_terms.c.meeting_date > date,
            visible(principal, store.bits),
            access.c.type == DECISION,
        )
        .order_by(objects.c.pk)
    ).all()
    return [stored_from_row(r) for r in rows]


def frequencies(bodies: Iterable[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """How many of `bodies` hold each keyword and entity: the `rarity` estimate."""
    counts: Counter[tuple[str, str]] = Counter()
    for body in bodies:
        keywords, entities, _ = _terms(body)
        counts.update([("k", k) for k in keywords] + [("e", e) for e in entities])
    return counts


def _matching(kinds: tuple[str, ...]) -> ColumnElement[bool]:
    """Index rows of one of the terms bound as `terms_<kind>`, for each of `kinds`."""
    if not kinds:
        return false()
    return or_(
        *(
            and_(
                meetings_terms.c.kind == kind,
                meetings_terms.c.term.in_(bindparam(f"terms_{kind}", expanding=True)),
            )
            for kind in kinds
        )
    )


def _terms_params(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The kinds present among (kind, term) pairs, and their terms as parameters."""
    by_kind: dict[str, list[str]] = {}
    for kind, term in pairs:
        by_kind.setdefault(kind, []).append(term)
    kinds = tuple(sorted(by_kind))
    return kinds, {f"terms_{k}": sorted(by_kind[k]) for k in kinds}


def _dominated(nations: int) -> ColumnElement[bool]:
    """Rows of `access` whose version the label bound as `d_rank`, `d_hidden` and
    `d_rel_0`.. dominates: a level no higher, no compartment outside it, and released
    to every nation the label is released to (`nations` of them)."""
    reader = access.alias("reader")
    return and_(
        access.c.rank <= bindparam("d_rank"),
        access.c.comp_mask.op("&")(bindparam("d_hidden")) <= 0,
        *(
            exists().where(
                reader.c.version_pk == access.c.version_pk,
                reader.c.nation == bindparam(f"d_rel_{i}"),
            )
            for i in range(nations)
        ),
    )


def _dominance_params(store: Store, label: Label) -> dict[str, Any]:
    return {
        "d_rank": label.rank,
        "d_hidden": store.bits.not_held(label.compartments),
        **{f"d_rel_{i}": n for i, n in enumerate(sorted(label.rel_to))},
    }


# The statements of a lookup, built once per form and run with the lookup's figures as
# parameters: building them anew took longer than running them (issue 12).
@functools.lru_cache(maxsize=128)
def _candidates_statement(nations: int, kinds: tuple[str, ...]) -> Select[Any]:
    # The current, visible decisions whose label the new label dominates.
    allowed = and_(current(), visible_bound(), _dominated(nations))
    return (
        select(access.c.object_pk, meetings_terms.c.version_pk)
        .select_from(
            meetings_terms.join(
                access, and_(access.c.version_pk == meetings_terms.c.version_pk, allowed)
            )
        )
        .where(meetings_terms.c.meeting_date < bindparam("date"), _matching(kinds))
        .distinct()
    )


def _candidates(
    conn: Connection, params: dict[str, Any], nations: int, terms: list[tuple[str, str]]
) -> list[tuple[int, int]]:
    """(object pk, version pk) of the decisions of earlier meetings that hold one of
    `terms`, among those `params` allow (see `restated`)."""
    kinds, bound = _terms_params(terms)
    rows = conn.execute(_candidates_statement(nations, kinds), params | bound).all()
    return [(r.object_pk, r.version_pk) for r in rows]


def restated(
    conn: Connection,
    store: Store,
    principal: Principal,
    body: dict[str, Any],
    label: Label,
    rarity: Mapping[tuple[str, str], int] | None = None,
) -> str | None:
    """The id of the earlier decision `body` (to be stored at `label`) restates, among
    those the principal may see and `label` dominates, or None when none is similar
    enough."""
    keywords, entities, topics = _terms(body)
    date = str(body["meeting_date"])
    probes = sorted([("k", k) for k in keywords] + [("e", e) for e in entities])
    # Rarest terms first: their lists of candidates are short. How rare a term is
    # only steers the work, never the answer; the caller's estimate (how often the
    # term occurs in the document being imported) costs no query.
    pending = sorted(probes, key=lambda p: ((rarity or {}).get(p, 0), p))
    probed: set[tuple[str, str]] = set()
    everything = _terms_params(probes + [("t", t) for t in topics])
    allowed = visibility_params(principal, store.bits) | _dominance_params(store, label)
    allowed["date"] = date
    nations = len(label.rel_to)
    perfect = _score(len(keywords), len(keywords), len(keywords), bool(topics), bool(entities))
    best: tuple[float, int, str] | None = None
    queue: list[tuple[int, int]] = []  # candidates not scored yet, newest object first
    seen: set[int] = set()
    step = 1
    while True:
        if queue:
            chunk, queue = queue[:_CHUNK], queue[_CHUNK:]
            best = _best(conn, chunk, everything, len(keywords), best)
        # Candidates still in the queue have older objects than any scored in this
        # round: they cannot win unless they score higher, and none can beat perfect.
        queue_done = not queue or (
            best is not None and best[0] >= perfect and best[1] > queue[0][0]
        )
        unshared = sum(1 for k in keywords if ("k", k) not in probed)
        ceiling = (unshared / len(keywords) if keywords else 0.0) + 0.1
        if any(("e", e) not in probed for e in entities):
            ceiling += 0.3
        # A decision sharing no probed term scores at most `ceiling`: it cannot pass
        # the threshold, or cannot reach the best score (an equal one might win the
        # tie, so equal is not enough to stop).
        outside_done = ceiling <= THRESHOLD - _EPS or (
            best is not None and ceiling < best[0] - _EPS
        )
        if queue_done and outside_done:
            break
        if not queue_done:
            continue
        if not pending:
            break  # every term probed: no decision is outside the candidates
        batch, pending = pending[:step], pending[step:]
        probed |= set(batch)
        step *= 2
        fresh = [c for c in _candidates(conn, allowed, nations, batch) if c[1] not in seen]
        seen |= {c[1] for c in fresh}
        queue = sorted(queue + fresh, reverse=True)
    return best[2] if best is not None and best[0] > THRESHOLD else None


def _best(
    conn: Connection,
    chunk: list[tuple[int, int]],
    everything: tuple[tuple[str, ...], dict[str, Any]],
    own: int,
    best: tuple[float, int, str] | None,
) -> tuple[float, int, str] | None:
    """Score a chunk of candidates from their term counts; keep the best (highest
    score, then newest object, as a scan newest first keeping the first best would)."""
    kinds, bound = everything
    rows = conn.execute(_best_statement(kinds), bound | {"chunk": [v for _, v in chunk]}).all()
    for r in rows:
        s = _score(int(r.shared or 0), own, r.keywords, bool(r.topic), bool(r.entity))
        if s > THRESHOLD and (best is None or (s, r.object_pk) > best[:2]):
            best = (s, r.object_pk, r.stix_id)
    return best


@functools.lru_cache(maxsize=16)
def _best_statement(kinds: tuple[str, ...]) -> Select[Any]:
    kind = meetings_terms.c.kind
    return (
        select(
            meetings_decisions.c.object_pk,
            meetings_decisions.c.keywords,
            objects.c.stix_id,
            func.sum(case((kind == "k", 1), else_=0)).label("shared"),
            func.max(case((kind == "e", 1), else_=0)).label("entity"),
            func.max(case((kind == "t", 1), else_=0)).label("topic"),
        )
        .select_from(
            meetings_decisions.outerjoin(
                meetings_terms,
                and_(
                    meetings_terms.c.version_pk == meetings_decisions.c.version_pk,
                    _matching(kinds),
                ),
            ).join(objects, objects.c.pk == meetings_decisions.c.object_pk)
        )
        .where(meetings_decisions.c.version_pk.in_(bindparam("chunk", expanding=True)))
        .group_by(
            meetings_decisions.c.version_pk,
            meetings_decisions.c.object_pk,
            meetings_decisions.c.keywords,
            objects.c.stix_id,
        )
    )
