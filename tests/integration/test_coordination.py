"""The coordination mechanism on both databases: the scenario of the issue, bad input,
deadlines and escalation under a frozen clock (with a restart), precedence, each
nation's own situation determinations, and notifications."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna import clock
from kizuna.bootstrap import open_node
from kizuna.db.schema import audit_log, objects, versions
from kizuna.domains.coordination import notices, queries
from kizuna.domains.coordination.inputs import DeterminationCreate, DeterminationEnd, ResponseCreate
from kizuna.domains.coordination.model import ResponseKind
from kizuna.domains.coordination.schema import (
    coord_determinations,
    coord_items,
    coord_notifications,
    coord_responses,
    coord_steps,
)
from kizuna.domains.coordination.service import IllegalTransition, coordination, epoch
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.runtime import Node
from tests.conftest import node_settings
from tests.factories import bearer, cookies
from tests.factories.coordination import cast, item

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(T0)
    clock.set_clock(fake)
    try:
        yield fake
    finally:
        clock.set_clock(None)


@pytest.fixture
def people(node: Node) -> dict:
    return cast(node)


def counts(node: Node) -> dict[str, int]:
    """Rows of every table a coordination write touches."""
    tables = {
        "objects": objects,
        "versions": versions,
        "items": coord_items,
        "responses": coord_responses,
        "steps": coord_steps,
        "notifications": coord_notifications,
        "determinations": coord_determinations,
    }
    with node.db.read() as conn:
        found = {
            name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for name, t in tables.items()
        }
        found["non-refusal audit"] = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action != "refused")
        ).scalar_one()
    return found


def state_of(node: Node, who, stix_id: str) -> str:
    return str(node.store.get(who, stix_id).object["state"])


def test_a_japanese_item_concurred_by_the_us_is_decided_and_closed(
    node: Node, people: dict
) -> None:
    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    made = c.open_item(sato, item())
    assert made.origin == "JPN"
    assert [v.object["state"] for v in node.store.history(sato, made.id)] == ["draft", "proposed"]
    answer = c.respond(davis, made.id, ResponseCreate(kind=ResponseKind.CONCUR))
    # The answer is an object of the answering nation at exactly the item's label.
    assert answer.origin == "USA"
    assert answer.label == made.label
    assert answer.object["coordination_item"] == made.id
    assert state_of(node, sato, made.id) == "concurred"
    c.transition(sato, made.id, "decide")
    c.transition(sato, made.id, "close")
    states = [v.object["state"] for v in node.store.history(sato, made.id)]
    assert states == ["draft", "proposed", "in_review", "concurred", "decided", "closed"]
    # Each version was written by the owning node: the user, or its system principal.
    authors = [v.author for v in node.store.history(sato, made.id)]
    assert set(authors) == {"sato", "system@JPN"}
    # Nothing is left to escalate.
    with node.db.read() as conn:
        pending = conn.execute(
            select(func.count()).select_from(coord_steps).where(coord_steps.c.status == "pending")
        ).scalar_one()
    assert pending == 0


def test_an_illegal_transition_is_refused_with_the_legal_ones(node: Node, people: dict) -> None:
    c = coordination(node)
    sato = people["sato"][0]
    made = c.open_item(sato, item())
    before = counts(node)
    with pytest.raises(IllegalTransition) as caught:
        c.transition(sato, made.id, "close")
    # Walk 40: it listed "review, escalate, withdraw", though 'review' and 'escalate'
    # are refused as events one sends: only those one may send are listed.
    assert caught.value.legal == ["withdraw"]
    assert str(caught.value).endswith("legal now: withdraw")
    with pytest.raises(IllegalTransition):
        c.transition(sato, made.id, "decide")  # nobody has concurred
    assert counts(node) == before
    c.transition(sato, made.id, "withdraw")
    with pytest.raises(IllegalTransition) as caught:
        c.transition(sato, made.id, "withdraw")
    assert caught.value.legal == []


def test_a_bilateral_body_needs_both_nations(node: Node, people: dict) -> None:
    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    made = c.open_item(sato, item(counterpart_body="bocc", tier="operational"))
    c.respond(davis, made.id, ResponseCreate(kind=ResponseKind.CONCUR))
    assert state_of(node, sato, made.id) == "in_review"
    c.respond(sato, made.id, ResponseCreate(kind="concur_with_comments", comment="ok"))
    assert state_of(node, sato, made.id) == "concurred"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"requesting_body": "nsx"}, "requesting_body", "unknown body 'nsx'"),
        ({"counterpart_body": "nope"}, "counterpart_body", "unknown body 'nope'"),
        ({"counterpart_body": "mod-policy"}, "counterpart_body", "of JPN like the requesting"),
        ({"counterpart_body": "osd-policy"}, "counterpart_body", "not a counterpart of 'jjoc'"),
        ({"requesting_body": "usfj"}, "requesting_body", "a body of USA"),
        ({"region": "mars"}, "region", "unknown region 'mars'"),
        ({"domains": ["undersea"]}, "domains", "unknown domain 'undersea'"),
        ({"label": "SECRET"}, "label", "releasable to USA before it is proposed"),
        ({"label": "SEKRET//REL TO JPN, USA"}, "label", "SEKRET"),
    ],
)
def test_bad_items_are_refused_and_nothing_is_written(
    node: Node, people: dict, change: dict, field: str, words: str
) -> None:
    c = coordination(node)
    before = counts(node)
    with pytest.raises(Invalid) as caught:
        c.open_item(people["sato"][0], item(**change))
    assert caught.value.field == field
    assert words in str(caught.value)
    assert counts(node) == before


def test_a_draft_not_yet_released_is_released_then_proposed(node: Node, people: dict) -> None:
    # ito is an author but no releasing officer: he keeps a draft at JPN only; sato,
    # a releasing officer of JPN, releases it to USA; then it can be proposed.
    c = coordination(node)
    ito, sato = people["ito"][0], people["sato"][0]
    draft = c.open_item(ito, item(label="SECRET", propose=False))
    with pytest.raises(Invalid, match="releasable to USA"):
        c.transition(ito, draft.id, "propose")
    with pytest.raises(Refused):
        node.store.release(
            ito,
            draft.id,
            node.store.get(sato, draft.id).label.__class__(
                draft.label.rank, frozenset({"JPN", "USA"})
            ),
        )
    released = node.store.release(
        sato, draft.id, draft.label.__class__(draft.label.rank, frozenset({"JPN", "USA"}))
    )
    assert released.object["state"] == "draft"
    assert c.transition(ito, draft.id, "propose").object["state"] == "proposed"


def test_bad_answers_are_refused_and_nothing_is_written(node: Node, people: dict) -> None:
    c = coordination(node)
    sato, ito, davis, smith = (people[n][0] for n in ("sato", "ito", "davis", "smith"))
    made = c.open_item(sato, item())
    before = counts(node)
    with pytest.raises(Invalid, match="JPN requested this item") as caught:
        c.respond(ito, made.id, ResponseCreate(kind=ResponseKind.CONCUR))
    assert caught.value.field == "nation"
    with pytest.raises(Invalid, match="needs the reason") as caught:
        c.respond(davis, made.id, ResponseCreate(kind=ResponseKind.NON_CONCUR, comment="  "))
    assert caught.value.field == "comment"
    with pytest.raises(Refused, match="may not answer"):
        c.respond(smith, made.id, ResponseCreate(kind=ResponseKind.CONCUR))  # a reader
    with pytest.raises(NotFound):
        c.respond(
            davis,
            "x-kizuna-coordination-item--00000000-0000-4000-8000-000000000000",
            ResponseCreate(kind=ResponseKind.CONCUR),
        )
    with pytest.raises(Invalid, match="a body of JPN"):
        c.respond(davis, made.id, ResponseCreate(kind="concur", responding_body="jjoc"))
    # A partner user writes answers only: opening or moving items stays with JPN.
    with pytest.raises(Refused):
        c.open_item(davis, item(requesting_body="usfj", counterpart_body="jjoc"))
    with pytest.raises(Refused):
        c.transition(davis, made.id, "withdraw")
    after = counts(node)
    assert after == before


def test_an_item_hidden_from_a_partner_cannot_be_answered_or_seen(node: Node, people: dict) -> None:
    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    hidden = c.open_item(sato, item(label="SECRET", propose=False))
    with pytest.raises(NotFound):
        c.respond(davis, hidden.id, ResponseCreate(kind=ResponseKind.CONCUR))
    with pytest.raises(NotFound):
        queries.timeline(c, davis, hidden.id)
    assert [r.item.id for r in queries.board(c, davis)] == []
    assert [r.item.id for r in queries.board(c, sato)] == [hidden.id]


def test_escalation_climbs_the_acg_and_stops_at_the_national_staffs_across_a_restart(
    node: Node, people: dict, frozen: FrozenClock, db_url: str, tmp_path: Path
) -> None:
    c = coordination(node)
    sato = people["sato"][0]
    made = c.open_item(sato, item())
    due1 = epoch(T0) + 72 * 3600  # ROUTINE
    assert made.object["due"].startswith("2026-03-04T00:00:00")
    assert made.object["precedence"] == "ROUTINE"
    frozen.advance(hours=71, minutes=59)
    assert c.scan() == []
    frozen.advance(minutes=2)
    fired = c.scan()
    assert [(f.number, f.due_at, f.to_body) for f in fired] == [(1, due1, "acg-ao")]
    assert c.scan() == []  # claimed: never twice
    # The node stops; another process opens the same database later.
    node.db.dispose()
    node.extras.clear()
    frozen.advance(hours=1000)
    restarted = open_node(node_settings(db_url, tmp_path))
    try:
        c2 = coordination(restarted)
        fired = []
        for _ in range(6):
            fired += c2.scan()
        # Each delay counts from the previous step's due time, not from the scan; the
        # path climbs the ACG's levels once each and ends at the national staffs.
        assert [(f.number, f.due_at, f.to_body) for f in fired] == [
            (2, due1 + 72 * 3600, "acg-dir"),
            (3, due1 + 2 * 72 * 3600, "acg-dg"),
            (4, due1 + 3 * 72 * 3600, "nss+nsc"),
            (5, due1 + 4 * 72 * 3600, None),
        ]
        frozen.advance(hours=10_000)
        assert c2.scan() == []  # nothing above the national staffs: no step is left
        history = restarted.store.history(sato, made.id)
        climbed = [(v.object["tier"], v.object.get("escalated_to")) for v in history]
        assert climbed == [
            ("operational", None),
            ("operational", None),
            ("acg_action_officer", "acg-ao"),
            ("acg_director", "acg-dir"),
            ("acg_director_general", "acg-dg"),
            ("national_security", "nss+nsc"),
        ]
        with restarted.db.read() as conn:
            steps = conn.execute(
                select(coord_steps.c.number, coord_steps.c.status).order_by(coord_steps.c.number)
            ).all()
            audited = (
                conn.execute(
                    select(audit_log.c.action).where(audit_log.c.action.like("coordination.esc%"))
                )
                .scalars()
                .all()
            )
            told = {
                (r.body, r.kind)
                for r in conn.execute(
                    select(coord_notifications.c.body, coord_notifications.c.kind)
                )
            }
        assert [tuple(s) for s in steps] == [(n, "fired") for n in range(1, 6)]
        assert audited == ["coordination.escalate"] * 4 + ["coordination.escalation.top"]
        # The national staffs of both nations hear of it; the bodies beside the ACG
        # (the Joint Committee, the BOCC) hear of its climb through the ACG.
        assert {("nss", "escalated"), ("nsc", "escalated")} <= told
        assert {("bocc", "escalated"), ("joint-committee", "escalated")} <= told
        assert ("scc", "escalated") not in told
    finally:
        restarted.db.dispose()


def test_two_scanners_fire_each_step_once(
    node: Node, people: dict, frozen: FrozenClock, db_url: str, tmp_path: Path
) -> None:
    c = coordination(node)
    for n in range(5):
        c.open_item(people["sato"][0], item(title_en=f"Item {n}"))
    frozen.advance(hours=73)
    other = open_node(node_settings(db_url, tmp_path))
    try:
        # Both see the same five due steps; the claims decide who acts on each.
        first = c.due_steps
        with node.db.read() as conn:
            assert len(first(conn, epoch(), 100)) == 5
        fired = c.scan() + coordination(other).scan()
    finally:
        other.db.dispose()
    assert len(fired) == 5
    assert len({(f.item_id, f.number) for f in fired}) == 5


def test_a_non_concurrence_climbs_at_the_next_scan(
    node: Node, people: dict, frozen: FrozenClock
) -> None:
    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    made = c.open_item(sato, item())
    frozen.advance(hours=1)
    c.respond(davis, made.id, ResponseCreate(kind="non_concur", comment="Not in this form"))
    assert state_of(node, sato, made.id) == "non_concurred"
    fired = c.scan()
    assert [(f.number, f.due_at, f.to_body) for f in fired] == [(1, epoch(T0) + 3600, "acg-ao")]
    escalated = node.store.get(sato, made.id).object
    assert (escalated["state"], escalated["tier"], escalated["needs"]) == (
        "escalated",
        "acg_action_officer",
        ["JPN", "USA"],
    )
    # In the ACG both nations answer; their concurrence decides the item.
    c.respond(davis, made.id, ResponseCreate(kind=ResponseKind.CONCUR))
    assert state_of(node, sato, made.id) == "escalated"
    c.respond(sato, made.id, ResponseCreate(kind=ResponseKind.CONCUR))
    assert state_of(node, sato, made.id) == "decided"


def gray_zone(**overrides: object) -> DeterminationCreate:
    values: dict[str, object] = {
        "kind": "jpn-gray-zone",
        "regions": ["kyushu"],
        "determining_body": "jjoc",
        "label": "SECRET//REL TO JPN, USA",
    }
    values.update(overrides)
    return DeterminationCreate(**values)  # type: ignore[arg-type]


def pending_due(node: Node) -> dict[str, int]:
    with node.db.read() as conn:
        return {
            r.stix_id: r.due_at
            for r in conn.execute(
                select(objects.c.stix_id, coord_steps.c.due_at)
                .join(coord_steps, coord_steps.c.item_pk == objects.c.pk)
                .where(coord_steps.c.status == "pending")
            )
        }


def test_a_determination_is_unilateral_and_moves_only_its_regions_deadlines(
    node: Node, people: dict, frozen: FrozenClock
) -> None:
    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    per_region = 25
    opened: dict[str, list[str]] = {"kyushu": [], "kanto": []}
    for region in opened:
        for n in range(per_region):
            opened[region].append(
                c.open_item(sato, item(title_en=f"{region} {n}", region=region)).id
            )
    before = pending_due(node)
    frozen.advance(hours=2)
    made = c.determine(sato, gray_zone())
    # Japan's own: in force at once, with nobody's concurrence asked or waited for.
    assert made.origin == "JPN"
    assert made.object["nation"] == "JPN"
    assert made.object["legal_basis_ja"].startswith("自衛隊法第82条")
    assert [d.item.id for d in queries.determinations(c, davis)] == [made.id]
    with node.db.read() as conn:
        told = conn.execute(
            select(func.count())
            .select_from(coord_notifications)
            .where(coord_notifications.c.kind == "opened", coord_notifications.c.item_pk.is_(None))
        ).scalar_one()
    assert told == 0
    after = pending_due(node)
    t0 = epoch(T0)
    for stix_id in opened["kyushu"]:
        assert before[stix_id] == t0 + 72 * 3600
        assert after[stix_id] == t0 + 12 * 3600  # from the same base, the gray zone's 12 h
        # The item states its new deadline, so the partner's node shows the same.
        assert node.store.get(sato, stix_id).object["due"].startswith("2026-03-01T12:00:00")
    for stix_id in opened["kanto"]:
        assert after[stix_id] == before[stix_id] == t0 + 72 * 3600
    # A new item of the region starts with the determination's deadline.
    new = c.open_item(sato, item(title_en="After", region="kyushu"))
    assert pending_due(node)[new.id] == epoch() + 12 * 3600
    # A more urgent precedence keeps its own, shorter deadline.
    flash = c.open_item(sato, item(title_en="Flash", region="kyushu", precedence="FLASH"))
    assert pending_due(node)[flash.id] == epoch() + 3600
    # Ended, the items go back to their precedence's deadline.
    c.end_determination(sato, made.id, DeterminationEnd())
    assert pending_due(node)[opened["kyushu"][0]] == t0 + 72 * 3600
    assert queries.determinations(c, davis) == []
    assert [d.item.id for d in queries.determinations(c, davis, include_ended=True)] == [made.id]
    frozen.advance(hours=11)
    # Only the FLASH item is overdue: the others wait 72 h again.
    assert [f.item_id for f in c.scan(limit=2000)] == [flash.id]


def test_only_the_nations_authorised_officers_determine(node: Node, people: dict) -> None:
    c = coordination(node)
    sato, ito, davis = people["sato"][0], people["ito"][0], people["davis"][0]
    from tests.factories.coordination import member

    policy_only = member(node, "kato", nation="JPN", roles=["author"], bodies=["mod-policy"])[0]
    reader = member(node, "mori", nation="JPN", roles=["reader"], bodies=["jjoc"])[0]
    before = counts(node)
    # A US officer records the US's determinations on the US node, never Japan's here.
    with pytest.raises(Refused, match="only authorised officers of JPN"):
        c.determine(davis, gray_zone())
    # An author who sits in no determining body, and a reader who does, are refused.
    with pytest.raises(Invalid, match="does not record determinations"):
        c.determine(policy_only, gray_zone(determining_body="mod-policy"))
    with pytest.raises(Refused, match="not a member of jjoc"):
        c.determine(policy_only, gray_zone())
    with pytest.raises(Refused):
        c.determine(reader, gray_zone())
    # The partner's kinds, unknown regions, a time to come: named and refused.
    with pytest.raises(Invalid, match="not a determination of JPN") as caught:
        c.determine(sato, gray_zone(kind="usa-crisis-response"))
    assert caught.value.field == "determination"
    with pytest.raises(Invalid, match="unknown region 'mars'"):
        c.determine(sato, gray_zone(regions=["kyushu", "mars"]))
    with pytest.raises(Invalid, match="once it has taken effect"):
        c.determine(sato, gray_zone(effective=clock.now() + timedelta(hours=1)))
    with pytest.raises(Invalid, match="SEKRET"):
        c.determine(sato, gray_zone(label="SEKRET"))
    assert counts(node) == before
    # Any JJOC author records one (releasing it to the US is a releasing officer's
    # decision); only Japan's officers end it.
    made = c.determine(ito, gray_zone(label="SECRET"))
    with pytest.raises(NotFound):  # hidden from him: as if it did not exist
        c.end_determination(davis, made.id, DeterminationEnd())
    shared = c.determine(sato, gray_zone())
    with pytest.raises(Refused, match="only authorised officers of JPN"):
        c.end_determination(davis, shared.id, DeterminationEnd())
    c.end_determination(sato, made.id, DeterminationEnd())
    with pytest.raises(Invalid, match="already ended"):
        c.end_determination(sato, made.id, DeterminationEnd())


def test_a_determination_the_items_readers_may_not_read_does_not_move_its_deadline(
    node: Node, people: dict
) -> None:
    c = coordination(node)
    sato = people["sato"][0]
    shared = c.open_item(sato, item(title_en="Shared"))
    due = pending_due(node)[shared.id]
    # JPN-only: the US officers who read the item may not read it, so its deadline
    # must not tell them of it.
    c.determine(sato, gray_zone(label="SECRET"))
    assert pending_due(node)[shared.id] == due
    national = c.open_item(sato, item(title_en="Ours", label="SECRET", propose=False))
    with node.db.read() as conn:
        row = c.item_row(conn, sato, national.id)
        assert c.deadline_seconds(conn, row) == 12 * 3600


def test_notifications_are_acknowledged_once(node: Node, people: dict) -> None:
    c = coordination(node)
    sato, davis, smith = people["sato"][0], people["davis"][0], people["smith"][0]
    made = c.open_item(sato, item())
    mine = notices.notifications(c, davis)
    assert [(n.body, n.kind, n.item.id if n.item else None) for n in mine] == [
        ("usfj", "opened", made.id)
    ]
    assert notices.notifications(c, sato) == []  # jjoc is not told of its own item
    notices.acknowledge(c, davis, mine[0].pk)
    with pytest.raises(Refused, match="it needs the author or coordinator role"):
        notices.acknowledge(c, smith, mine[0].pk)  # a reader of usfj does not sign for it
    with pytest.raises(NotFound):
        notices.acknowledge(c, sato, mine[0].pk)  # not a notice to sato's bodies
    c.respond(davis, made.id, ResponseCreate(kind=ResponseKind.CONCUR))
    kinds = sorted(n.kind for n in notices.notifications(c, sato, unacknowledged=True))
    assert kinds == ["response", "state"]


def test_rest_endpoints(node: Node, people: dict, client: TestClient) -> None:
    sato_token, davis_token = people["sato"][1], people["davis"][1]
    body = item().model_dump()
    made = client.post("/api/v1/coordination/items", json=body, headers=bearer(sato_token))
    assert made.status_code == 201, made.text
    item_id = made.json()["id"]
    before = counts(node)
    bad = client.post(
        "/api/v1/coordination/items",
        json={**body, "counterpart_body": "mod-policy"},
        headers=bearer(sato_token),
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "counterpart_body"
    bad = client.post(
        f"/api/v1/coordination/items/{item_id}/responses",
        json={"kind": "non_concur"},
        headers=bearer(davis_token),
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "comment")
    bad = client.post(
        f"/api/v1/coordination/items/{item_id}/responses",
        json={"kind": "maybe"},
        headers=bearer(davis_token),
    )
    assert bad.status_code == 422
    illegal = client.post(
        f"/api/v1/coordination/items/{item_id}/transitions",
        json={"event": "close"},
        headers=bearer(sato_token),
    )
    assert illegal.status_code == 409
    assert illegal.json()["legal"] == ["withdraw"]  # only events the API takes
    assert counts(node) == before
    ok = client.post(
        f"/api/v1/coordination/items/{item_id}/responses",
        json={"kind": "concur_with_comments", "comment": "With the revised timeline"},
        headers=bearer(davis_token),
    )
    assert ok.status_code == 201
    assert ok.json()["origin"] == "USA"
    board = client.get("/api/v1/coordination/items?state=concurred", headers=bearer(davis_token))
    assert [i["id"] for i in board.json()["items"]] == [item_id]
    shown = client.get(f"/api/v1/coordination/items/{item_id}", headers=bearer(sato_token)).json()
    assert shown["state"] == "concurred"
    assert [e["kind"] for e in shown["timeline"]] == [
        "version",
        "version",
        "response",
        "version",
        "version",
    ]
    notes = client.get("/api/v1/coordination/notifications", headers=bearer(sato_token)).json()
    first = notes["items"][0]["id"]
    ack = client.post(
        f"/api/v1/coordination/notifications/{first}/acknowledge", headers=bearer(sato_token)
    )
    assert ack.status_code == 204
    made = client.post(
        "/api/v1/coordination/determinations",
        json={"kind": "jpn-gray-zone", "regions": ["kyushu"], "determining_body": "jjoc",
              "label": "SECRET//REL TO JPN, USA"},
        headers=bearer(sato_token),
    )  # fmt: skip
    assert made.status_code == 201, made.text
    bad = client.post(
        "/api/v1/coordination/determinations",
        json={"kind": "jpn-gray-zone", "regions": [], "determining_body": "jjoc",
              "label": "SECRET//REL TO JPN, USA"},
        headers=bearer(sato_token),
    )  # fmt: skip
    assert bad.status_code == 422
    found = client.get(
        "/api/v1/coordination/determinations?region=kyushu", headers=bearer(davis_token)
    ).json()["items"]
    assert [(d["id"], d["nation"], d["in_force"]) for d in found] == [
        (made.json()["id"], "JPN", True)
    ]
    ended = client.post(
        f"/api/v1/coordination/determinations/{made.json()['id']}/end",
        json={},
        headers=bearer(davis_token),
    )
    assert ended.status_code == 403
    regions = client.get("/api/v1/coordination/regions", headers=bearer(davis_token)).json()
    okinawa = next(f for f in regions["features"] if f["id"] == "okinawa")
    assert okinawa["geometry"]["type"] == "Polygon"


def test_both_nations_answering_at_once_concur_the_item(node: Node, people: dict) -> None:
    # Each answer locks the item's row first, so the second sees the first's answer
    # and the item ends concurred, whatever the order.
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    for n in range(5):
        made = c.open_item(sato, item(title_en=f"Race {n}", counterpart_body="bocc"))
        barrier = Barrier(2)

        def answer(who, made=made, barrier=barrier) -> None:
            barrier.wait()
            c.respond(who, made.id, ResponseCreate(kind=ResponseKind.CONCUR))

        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(answer, sato), pool.submit(answer, davis)]:
                future.result()
        states = [v.object["state"] for v in node.store.history(sato, made.id)]
        assert states == ["draft", "proposed", "in_review", "concurred"]


def test_the_serving_node_scans_on_a_timer(db_url: str, tmp_path: Path) -> None:
    import time

    from kizuna.bootstrap import initialize
    from kizuna.web.app import create_app

    settings = node_settings(db_url, tmp_path, coordination_scan_seconds=0.05)
    initialize(settings, nation="JPN")
    served = open_node(settings)
    try:
        sato = cast(served)["sato"][0]
        c = coordination(served)
        made = c.open_item(sato, item())
        with served.db.write() as conn:
            conn.execute(coord_steps.update().values(due_at=epoch() - 1))
        with TestClient(create_app(served, checkpoints=True)):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and state_of(served, sato, made.id) != "escalated":
                time.sleep(0.05)
        assert state_of(served, sato, made.id) == "escalated"
    finally:
        served.db.dispose()


def test_the_board_puts_overdue_items_first_then_by_deadline(
    node: Node, people: dict, frozen: FrozenClock
) -> None:
    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    concurred = c.open_item(sato, item(title_en="Concurred, no deadline"))
    c.respond(davis, concurred.id, ResponseCreate(kind=ResponseKind.CONCUR))
    frozen.advance(hours=1)
    later = c.open_item(sato, item(title_en="Due later", region="kanto"))
    draft = c.open_item(sato, item(title_en="Draft", propose=False))
    frozen.advance(hours=1)
    soon = c.open_item(sato, item(title_en="Due soonest"))
    with node.db.write() as conn:  # the first deadline has passed: overdue
        conn.execute(
            coord_steps.update()
            .where(
                coord_steps.c.item_pk
                == select(objects.c.pk).where(objects.c.stix_id == soon.id).scalar_subquery()
            )
            .values(due_at=epoch() - 10)
        )
    rows = queries.board(c, sato)
    assert [r.item.id for r in rows] == [soon.id, later.id, draft.id, concurred.id]
    # The walk of the steps, which readers who see many items get, orders the same.
    assert [r.item.id for r in queries.board(c, sato, few=0)] == [r.item.id for r in rows]
    assert [r.item.id for r in queries.board(c, sato, few=0, limit=2)] == [soon.id, later.id]
    assert [r.overdue for r in rows] == [True, False, False, False]
    assert [r.due_at is None for r in rows] == [False, False, True, True]
    assert [r.item.id for r in queries.board(c, sato, state="draft")] == [draft.id]
    assert [r.item.id for r in queries.board(c, sato, precedence="FLASH")] == []
    assert [r.precedence for r in rows] == ["ROUTINE"] * 4
    assert [r.item.id for r in queries.board(c, davis, region="kanto")] == [later.id]
    with pytest.raises(Invalid):
        queries.board(c, sato, state="pending")


def test_a_provisional_translation_is_flagged_until_a_translator_verifies_it(
    node: Node, people: dict, client: TestClient
) -> None:
    from kizuna.domains.coordination.inputs import TranslationVerify
    from kizuna.identity import service as identity
    from tests.factories.coordination import member

    c = coordination(node)
    sato = people["sato"][0]
    yamada = member(node, "yamada", nation="JPN", roles=["translator"], bodies=[])[0]
    made = c.open_item(sato, item(translation="provisional", source_lang="ja"))
    record = made.object["x_kizuna_translation"]
    assert (record["source"], record["status"], record["translator"]) == (
        "ja",
        "provisional",
        "sato",
    )
    with node.db.write() as conn:
        user = identity.find_user(conn, "sato")
        assert user is not None
        client.cookies.set(cookies(client).session, identity.start_session(conn, user))
    page = client.get(f"/coordination/items/{made.id}").text
    assert 'data-status="provisional"' in page
    assert "仮訳" in page
    # Both languages side by side, each marked with its language.
    assert 'lang="ja">改訂態勢への同意を求める。' in page
    assert 'lang="en">Request concurrence on the revised posture.' in page
    with pytest.raises(Refused, match="only translators"):
        c.verify_translation(sato, made.id, TranslationVerify())
    c.verify_translation(yamada, made.id, TranslationVerify())
    verified = node.store.get(sato, made.id).object["x_kizuna_translation"]
    assert (verified["status"], verified["translator"]) == ("verified", "yamada")
    with pytest.raises(Conflict, match="no translation waiting"):
        c.verify_translation(yamada, made.id, TranslationVerify())
    assert 'data-status="verified"' in client.get(f"/coordination/items/{made.id}").text


def test_an_item_names_only_decisions_and_items_its_label_covers(node: Node, people: dict) -> None:
    """Walk 42: an item at CONFIDENTIAL//REL TO JPN, USA named a decision held at
    SECRET//BIAC//REL TO JPN, and a US reader read its id; a made-up id and an RFI's
    were taken as decisions too. What an item names is one the node holds, of its
    type, at a label the item's dominates: at opening and at every later release."""
    from importlib import resources

    from kizuna.domains.meetings.service import import_summary
    from kizuna.errors import Disallowed
    from kizuna.labels import parse

    seed = resources.files("kizuna.data").joinpath("seed/scc-2024-07-28-summary.ja.txt")
    japan_only = parse(node.policy, "SECRET//REL TO JPN")
    imported = import_summary(node, node.system, seed.read_bytes(), lang="ja", label=japan_only)
    decision = next(o["id"] for o in imported.objects if o["type"] == "x-kizuna-decision")
    c = coordination(node)
    sato = people["sato"][0]
    before = counts(node)
    with pytest.raises(Disallowed, match="at least as restrictive as SECRET//REL TO JPN") as wide:
        c.open_item(sato, item(label="CONFIDENTIAL//REL TO JPN, USA", decision_refs=[decision]))
    assert wide.value.field == "label"
    made_up = "x-kizuna-decision--aed7b02f-0000-4000-8000-000000000000"
    for ref in (made_up, c.open_item(sato, item(label="SECRET", propose=False)).id):
        with pytest.raises(NotFound, match="no decision"):
            c.open_item(sato, item(decision_refs=[ref]))
    related = c.open_item(sato, item(label="SECRET", propose=False))
    before = counts(node)
    with pytest.raises(Disallowed, match="at least as restrictive"):
        c.open_item(sato, item(label="CONFIDENTIAL//REL TO JPN, USA", item_refs=[related.id]))
    assert counts(node) == before
    # Named at a label that covers it, the item is opened; released wider, refused.
    named = c.open_item(sato, item(label="SECRET", propose=False, decision_refs=[decision]))
    assert named.object["decisions"] == [decision]
    with pytest.raises(Disallowed, match="at least as restrictive"):
        node.store.release(sato, named.id, parse(node.policy, "SECRET//REL TO JPN, USA"))


def test_a_narrowed_item_takes_the_answers_about_it_along(node: Node, people: dict) -> None:
    """Walk 42: what is written about an item follows its narrowing. This node's own
    answer is released with it (an answer is never changed but for that); a partner's
    answer held here is read only by whoever may read the narrowed item."""
    from kizuna.labels import parse

    c = coordination(node)
    sato, davis, smith = people["sato"][0], people["davis"][0], people["smith"][0]
    made = c.open_item(sato, item(counterpart_body="bocc", tier="operational"))
    theirs = c.respond(davis, made.id, ResponseCreate(kind=ResponseKind.CONCUR))
    ours = c.respond(sato, made.id, ResponseCreate(kind="concur_with_comments", comment="ok"))
    assert node.store.get(smith, theirs.id).id == theirs.id
    node.store.release(sato, made.id, parse(node.policy, "SECRET//REL TO JPN"))
    assert node.store.get(sato, ours.id).label.rel_to == {"JPN"}
    # Walk 44: the timeline named the node, which only narrowed it, as who answered,
    # and moved the answer to the narrowing's time.
    from kizuna.domains.coordination import queries

    _facts, events = queries.timeline(c, sato, made.id)
    said = {e.response.id: e for e in events if e.response is not None}
    assert said[ours.id].answered_by == "sato"
    assert said[ours.id].at == ours.recorded_at
    for hidden in (made.id, ours.id, theirs.id):
        with pytest.raises(NotFound):
            node.store.get(smith, hidden)


def test_who_gave_an_answer_is_read_from_a_version_its_reader_may_read(
    node: Node, people: dict
) -> None:
    """The timeline names who gave an answer, and when, from the earliest version of it
    the reader may read: a version 1 they may not read (one that never came to this
    node, or sits above them) tells them neither its author nor its time. Simulated by
    taking version 1's access rows, which is what a reader who may not read it meets."""
    from kizuna.db.schema import access
    from kizuna.labels import parse

    c = coordination(node)
    sato = people["sato"][0]
    made = c.open_item(sato, item(counterpart_body="bocc", tier="operational"))
    ours = c.respond(sato, made.id, ResponseCreate(kind="concur_with_comments", comment="ok"))
    node.store.release(sato, made.id, parse(node.policy, "SECRET//REL TO JPN"))
    later = node.store.history(sato, ours.id)[-1]
    assert later.version == 2
    with node.db.write() as conn:
        first = conn.execute(
            select(versions.c.pk)
            .join(objects, objects.c.pk == versions.c.object_pk)
            .where(objects.c.stix_id == ours.id, versions.c.number == 1)
        ).scalar_one()
        conn.execute(access.delete().where(access.c.version_pk == first))
    _facts, events = queries.timeline(c, sato, made.id)
    said = {e.response.id: e for e in events if e.response is not None}
    assert said[ours.id].answered_by == later.author != "sato"
    assert said[ours.id].at == later.recorded_at
