"""The commitments register: decisions followed across meetings (`restates_id`), the
work linked to them, their reviews, and the figures derived from those.

Every read goes through the store, so the visibility condition in SQL decides what a
caller sees. Every figure is derived data (DESIGN §2.10): a status, a count or a
compliance score comes only from links and reviews the reader may read, and carries
the least upper bound of the labels it comes from, so that a page's banner and a REST
item's `status_label` cover it (issue 11, reproduction 3).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kizuna.domains.meetings import model
from kizuna.domains.meetings.ingest.vocab import ACTORS, STANCES, TOPICS
from kizuna.errors import Invalid, NotFound
from kizuna.identity.principal import Principal
from kizuna.labels import Label, lub
from kizuna.runtime import Node
from kizuna.store import StoredObject
from kizuna.store.listing import readable, with_property

__all__ = [
    "KINDS",
    "STATUSES",
    "Figures",
    "RegisterRow",
    "all_visible",
    "compliance",
    "figures",
    "register",
    "timeline",
]

STATUSES = ("open", "in progress", "reviewed")
# A commitment is an action someone will take; a position, a statement (ingest/commitments.py).
KINDS = ("commitment", "position")


def all_visible(node: Node, principal: Principal, stix_type: str) -> list[StoredObject]:
    """Every current object of a type the principal may see (the store pages in SQL)."""
    out: list[StoredObject] = []
    token = None
    while True:
        page = node.store.list(principal, type=stix_type, limit=1000, cursor_token=token)
        out += page.items
        token = page.next
        if token is None:
            return out


def _roots(decisions: dict[str, StoredObject]) -> dict[str, str]:
    """decision id -> the id of the first decision of its commitment."""
    roots: dict[str, str] = {}
    for stix_id in decisions:
        cur, seen = stix_id, set()
        while True:
            parent = decisions[cur].object.get("restates_id")
            if not parent or parent not in decisions or parent in seen:
                break
            seen.add(cur)
            cur = parent
        roots[stix_id] = cur
    return roots


@dataclass
class RegisterRow:
    """A decision with its commitment's status. The status and the counts come from
    the links and reviews too, so they carry `label`: the least upper bound of the
    decision's label and of every link and review they are derived from."""

    decision: StoredObject
    root: str
    status: str
    links: list[StoredObject]
    reviews: list[StoredObject]
    label: Label = field(init=False)

    def __post_init__(self) -> None:
        sources = [self.decision, *self.links, *self.reviews]
        self.label = lub(o.label for o in sources) or self.decision.label


@dataclass
class Figures:
    """What the commitments register page shows, and the labels of everything its
    rows and figures come from (the page's banner is their least upper bound)."""

    rows: list[RegisterRow]
    compliance: list[dict[str, Any]]
    compliance_labels: list[Label]  # of every review the compliance table counts

    @property
    def labels(self) -> list[Label]:
        return [r.label for r in self.rows] + self.compliance_labels


def _register_state(
    node: Node, principal: Principal
) -> tuple[dict[str, StoredObject], dict[str, str], list[StoredObject], list[StoredObject]]:
    decisions = {o.id: o for o in all_visible(node, principal, model.DECISION)}
    return (
        decisions,
        _roots(decisions),
        all_visible(node, principal, model.LINK),
        all_visible(node, principal, model.REVIEW),
    )


def register(
    node: Node,
    principal: Principal,
    *,
    topic: str | None = None,
    actor: str | None = None,
    stance: str | None = None,
    status: str | None = None,
    entity: str | None = None,
    kind: str | None = None,
) -> list[RegisterRow]:
    """The commitments register: every visible decision with its commitment's status
    (open; in progress once work is linked; reviewed once a review exists), derived
    only from the links and reviews the principal may read. `kind` keeps commitments
    or positions only."""
    return figures(
        node,
        principal,
        topic=topic,
        actor=actor,
        stance=stance,
        status=status,
        entity=entity,
        kind=kind,
    ).rows


def _rows(
    decisions: dict[str, StoredObject],
    roots: dict[str, str],
    links: list[StoredObject],
    reviews: list[StoredObject],
    topic: str | None,
    actor: str | None,
    stance: str | None,
    status: str | None,
    entity: str | None,
    kind: str | None,
) -> list[RegisterRow]:
    by_root_links: dict[str, list[StoredObject]] = defaultdict(list)
    by_root_reviews: dict[str, list[StoredObject]] = defaultdict(list)
    for link in links:
        root = roots.get(link.object["decision_id"])
        if root:
            by_root_links[root].append(link)
    for review in reviews:
        root = roots.get(review.object["decision_id"])
        if root:
            by_root_reviews[root].append(review)
    rows = []
    for stix_id, dec in decisions.items():
        body = dec.object
        root = roots[stix_id]
        state = (
            "reviewed"
            if by_root_reviews[root]
            else "in progress"
            if by_root_links[root]
            else "open"
        )
        if topic and topic not in body.get("topics", []):
            continue
        if actor and body["actor"] != actor:
            continue
        if stance and body["stance"] != stance:
            continue
        if status and state != status:
            continue
        if entity and entity not in {e["text"] for e in body.get("entities", [])}:
            continue
        if kind and bool(body.get("commitment")) != (kind == "commitment"):
            continue
        rows.append(RegisterRow(dec, root, state, by_root_links[root], by_root_reviews[root]))
    rows.sort(
        key=lambda r: (
            r.decision.object["meeting_date"],
            r.decision.object["section_number"],
            r.decision.object.get("item_number", 0),
        ),
        reverse=True,
    )
    return rows


def timeline(node: Node, principal: Principal, decision_id: str) -> dict[str, Any]:
    """A commitment across meetings: its first decision, every decision that restates
    it, the work linked to it and its reviews, oldest first.

    Read along the chain, each step through the visibility condition, not the whole
    register: the root is the first decision up the `restates_id`s whose parent the
    reader may not read (or that has none), as `_roots` finds it; the chain, every
    decision the reader reaches down from it."""
    decision = _decision(node, principal, decision_id)
    if decision is None:
        raise NotFound(f"no decision {decision_id}", field="id")
    root, seen = decision, {decision.id}
    while (parent_id := root.object.get("restates_id")) and parent_id not in seen:
        parent = _decision(node, principal, parent_id)
        if parent is None:
            break
        root = parent
        seen.add(root.id)
    chain, frontier = {root.id: root}, [root.id]
    while frontier:
        found = with_property(node.store, principal, model.DECISION, "restates_id", frontier)
        frontier = [d.id for d in found if d.id not in chain]
        chain.update((d.id, d) for d in found)
    members = sorted(chain)
    return {
        "root": root,
        "decisions": sorted(
            chain.values(),
            key=lambda d: (d.object["meeting_date"], d.object["section_number"]),
        ),
        "links": with_property(
            node.store, principal, model.LINK, "decision_id", members, newest_first=True
        ),
        "reviews": sorted(
            with_property(
                node.store, principal, model.REVIEW, "decision_id", members, newest_first=True
            ),
            key=lambda r: r.object["date"],
        ),
    }


def _decision(node: Node, principal: Principal, stix_id: str) -> StoredObject | None:
    """The decision, if the reader may read it (and it is one)."""
    if not stix_id.startswith(model.DECISION + "--"):
        return None
    return readable(node.store, principal, [stix_id]).get(stix_id)


def compliance(node: Node, principal: Principal) -> list[dict[str, Any]]:
    """Per review round and nation: the G7 Research Group's score, (mean + 1) / 2, over
    the reviews the principal may see, with `label`: the least upper bound of the
    labels of the reviews that score comes from."""
    return _compliance(node, all_visible(node, principal, model.REVIEW))


def _compliance(node: Node, reviews: list[StoredObject]) -> list[dict[str, Any]]:
    scores: dict[tuple[str, str], list[StoredObject]] = defaultdict(list)
    for review in reviews:
        scores[(review.object["round"], review.object["nation"])].append(review)
    out = []
    for (rnd, nation), group in sorted(scores.items()):
        values = [int(r.object["score"]) for r in group]
        label = lub(r.label for r in group)
        out.append(
            {
                "round": rnd,
                "nation": nation,
                "reviews": len(values),
                "mean": round(sum(values) / len(values), 4),
                "compliance": round((sum(values) / len(values) + 1) / 2, 4),
                "label": node.store.render(label) if label else None,
            }
        )
    return out


def figures(
    node: Node,
    principal: Principal,
    *,
    topic: str | None = None,
    actor: str | None = None,
    stance: str | None = None,
    status: str | None = None,
    entity: str | None = None,
    kind: str | None = None,
) -> Figures:
    """The register (filtered as `register`) and the compliance table, read once, with
    the labels of every object a row or a figure is derived from: the rows' decisions,
    links and reviews, and every review the compliance table counts (issue 11,
    reproduction 3). Refuses (Invalid) an unknown topic, actor, stance or status."""
    for value, allowed, name in (
        (topic, TOPICS, "topic"),
        (actor, ACTORS, "actor"),
        (stance, STANCES, "stance"),
        (status, STATUSES, "status"),
        (kind, KINDS, "kind"),
    ):
        if value and value not in allowed:
            raise Invalid(f"unknown {name} {value!r}: one of {', '.join(allowed)}", field=name)
    decisions, roots, links, reviews = _register_state(node, principal)
    rows = _rows(decisions, roots, links, reviews, topic, actor, stance, status, entity, kind)
    return Figures(rows, _compliance(node, reviews), [r.label for r in reviews])
