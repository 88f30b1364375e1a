"""Coordination rules on every write path, and answers across two nodes (issue 10).

A JPN node (the `node` fixture) and a USA node on the same backend, peered and served
over real HTTP in this process. Reproductions 2 (lifecycle bypass), 3 (a bogus kind)
and 5b (a second, contradictory answer), and the fates of answers that cross: both
nodes end with the same item versions, the same answers, the same verdict on each
answer, and the same state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from threading import Barrier
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from kizuna import clock
from kizuna.bootstrap import initialize, open_node
from kizuna.db.schema import audit_log, objects, versions
from kizuna.domains.coordination import OWNER, queries
from kizuna.domains.coordination import today as coordination_today
from kizuna.domains.coordination.inputs import ResponseCreate
from kizuna.domains.coordination.model import ResponseKind
from kizuna.domains.coordination.schema import coord_items, coord_responses, coord_steps
from kizuna.domains.coordination.service import coordination, epoch
from kizuna.errors import Conflict, Refused, StoreError
from kizuna.federation import peers as peer_service
from kizuna.federation.pull import pull_once
from kizuna.federation.receive import apply_page
from kizuna.federation.schema import quarantine
from kizuna.federation.signing import sign
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.stix.markings import marking_id
from kizuna.stix.validate import prepare
from kizuna.web.app import create_app
from tests.conftest import drop_pg_database, make_pg_database, node_settings
from tests.factories import PASSWORD, add_user, bearer, live_server, report, sign_in
from tests.factories.coordination import item, member

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

BOTH = Label(20, frozenset({"JPN", "USA"}))  # SECRET//REL TO JPN, USA, the items' label


@dataclass
class Pair:
    jpn: Node
    usa: Node
    sato: Principal  # JPN author and releasing officer, of JJOC
    davis: Principal  # USA officer of USFJ, on the USA node
    jones: Principal  # another USA officer of USFJ, on the USA node
    tokens: dict[str, str]

    def pull(self, here: Node, nation: str) -> Any:
        with here.db.read() as conn:
            peer = peer_service.find_peer(conn, nation)
        assert peer is not None
        return pull_once(here, peer)

    def sync(self) -> None:
        """Both ways, until neither side has anything new."""
        for _ in range(4):
            moved = self.pull(self.usa, "JPN").stored + self.pull(self.jpn, "USA").stored
            if not moved:
                return
        pytest.fail("the two nodes did not settle")


@pytest.fixture
def usa(db_url: str, tmp_path: Path) -> Iterator[Node]:
    """A USA node on the same backend as the JPN node."""
    root = tmp_path / "usa"
    root.mkdir()
    with ExitStack() as stack:
        if db_url.startswith("sqlite"):
            url = f"sqlite:///{root / 'usa.db'}"
        else:
            from tests.conftest import PG_ADMIN_URL

            url, name = make_pg_database(PG_ADMIN_URL)
            stack.callback(drop_pg_database, PG_ADMIN_URL, name)
        settings = node_settings(url, root)
        initialize(settings, nation="USA")
        opened = open_node(settings)
        stack.callback(opened.db.dispose)
        yield opened


def _peer(a: Node, b: Node, url: str, token: str = "") -> str:
    with a.db.write() as conn:
        return peer_service.add_peer(
            conn,
            policy=a.policy,
            own_nation=a.nation,
            actor="test",
            nation=b.nation,
            url=url,
            public_key_pem=public_key_pem(b.key),
            max_level="SECRET",
            compartments=[],
            pull_token=token,
        )


@pytest.fixture
def pair(node: Node, usa: Node) -> Iterator[Pair]:
    sato, sato_token = member(
        node, "sato", nation="JPN", roles=["author", "releasing_officer"], bodies=["jjoc"]
    )
    davis, davis_token = member(usa, "davis", nation="USA", roles=["coordinator"], bodies=["usfj"])
    jones, _ = member(usa, "jones", nation="USA", roles=["coordinator"], bodies=["usfj"])
    with live_server(node) as jpn_url, live_server(usa) as usa_url:
        token_for_usa = _peer(node, usa, usa_url)
        token_for_jpn = _peer(usa, node, jpn_url, token_for_usa)
        with node.db.write() as conn:
            peer_service.set_pull_token(conn, actor="test", nation="USA", token=token_for_jpn)
        yield Pair(node, usa, sato, davis, jones, {"sato": sato_token, "davis": davis_token})


def _opened(pair: Pair) -> str:
    made = coordination(pair.jpn).open_item(pair.sato, item(title_en="Port access"))
    assert pair.pull(pair.usa, "JPN").stored >= 2
    return made.id


def story(node: Node, item_id: str) -> tuple[str, list[Any], set[Any]]:
    """What a node shows of an item, apart from when it learnt each thing: its state,
    its versions in order, and its answers with the verdict on each."""
    facts, events = queries.timeline(coordination(node), node.system, item_id)
    shown = [
        (e.version.modified, e.version.object["state"], e.version.object["tier"], e.version.body)
        for e in events
        if e.version is not None
    ]
    answers = {
        (e.response.id, e.response.object["kind"], e.response.origin, e.counted)
        for e in events
        if e.response is not None
    }
    return str(facts["state"]), shown, answers


def _signed(
    key: Any, node: Node, body: dict[str, Any], label: Label, origin: str, version: int = 1
) -> Any:
    """`body` as its origin sends it: signed, under the origin's version number."""
    marked = {**body, "object_marking_refs": [marking_id(node.policy, label)]}
    added = clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return sign(key, marked, origin=origin, label=label, added=added, version=version)


def _quarantined(node: Node) -> list[str]:
    with node.db.read() as conn:
        return list(conn.execute(select(quarantine.c.reason).order_by(quarantine.c.pk)).scalars())


# -- reproduction 2: lifecycle bypass --------------------------------------------------


def test_a_forged_item_version_is_refused_on_every_path_and_the_partner_can_answer(
    pair: Pair,
) -> None:
    jpn, usa = pair.jpn, pair.usa
    item_id = _opened(pair)
    current = jpn.store.get(jpn.system, item_id)
    # Stamped just after the item's version: hours ahead of the clock, a version is
    # refused for that alone, before any rule of the item is judged.
    soon, later = (clock.format_ts(clock.now() + timedelta(seconds=n))[:23] + "Z" for n in (1, 2))
    forged = {
        **current.object,
        "state": "decided",
        "tier": "ministerial",
        "needs": ["JPN"],
        "modified": soon,
    }
    forged.pop("object_marking_refs", None)

    # The generic PUT, as the issue tried it: refused, naming the mechanism's endpoint.
    with TestClient(create_app(jpn)) as client:
        put = client.put(
            f"/api/v1/objects/{item_id}", json=forged, headers=bearer(pair.tokens["sato"])
        )
    assert put.status_code == 422, put.text
    # Even the mechanism's own key does not carry a version past its rules.
    for bad, field in [
        ({"state": "decided"}, "state"),
        ({"tier": "ministerial"}, "tier"),
        ({"needs": ["JPN"]}, "needs"),
        ({"state": "bogus"}, "state"),
        ({"region": "atlantis"}, "region"),
        ({"counterpart_body": "mod-policy"}, "counterpart_body"),
    ]:
        with pytest.raises(StoreError) as refused, jpn.store.transaction(jpn.system) as conn:
            jpn.store.revise_in(
                conn, jpn.system, item_id, {**current.object, **bad, "modified": None}, owner=OWNER
            )
        assert refused.value.field == field, (bad, refused.value)
    assert jpn.store.get(jpn.system, item_id).version == current.version

    # A forged version signed by JPN's own key (a buggy or compromised sender) is
    # quarantined on USA; the mirror keeps the truth; the rest of the page is stored.
    body = prepare(forged, now=soon)
    # The state jump alone, every other field as the item has it.
    jump = {**body, "state": "decided", "modified": later}
    jump.update({k: current.object[k] for k in ("tier", "needs")})
    other = prepare(report("after the forgery"), now=soon)
    with usa.db.read() as conn:
        peer = peer_service.find_peer(conn, "JPN")
    assert peer is not None
    applied = apply_page(
        usa,
        peer,
        [
            _signed(jpn.key, usa, body, BOTH, "JPN", current.version + 1),
            _signed(jpn.key, usa, jump, BOTH, "JPN", current.version + 2),
            _signed(jpn.key, usa, other, BOTH, "JPN"),
        ],
    )
    assert (applied.stored, applied.quarantined) == (1, 2)
    forged_reason, jump_reason = _quarantined(usa)
    assert "needs" in forged_reason
    assert "proposed cannot become decided" in jump_reason
    assert usa.store.get(usa.system, item_id).object["state"] == "proposed"
    with usa.db.read() as conn:
        mirrored = conn.execute(
            select(coord_items.c.state, coord_items.c.tier, coord_items.c.needs)
            .join(objects, objects.c.pk == coord_items.c.object_pk)
            .where(objects.c.stix_id == item_id)
        ).one()
    assert tuple(mirrored) == ("proposed", "operational", "USA")
    # USA's officer can still answer, and the answer moves JPN's item.
    coordination(usa).respond(pair.davis, item_id, ResponseCreate(kind=ResponseKind.CONCUR))
    pair.sync()
    assert story(jpn, item_id)[0] == story(usa, item_id)[0] == "concurred"


# -- reproduction 3: a bogus kind ------------------------------------------------------


def test_an_answer_of_a_bogus_kind_is_refused_on_every_path(pair: Pair) -> None:
    jpn, usa = pair.jpn, pair.usa
    item_id = _opened(pair)
    version = usa.store.get(usa.system, item_id)
    bogus = {
        "type": "x-kizuna-coordination-response",
        "coordination_item": item_id,
        "kind": "bogus",
        "nation": "USA",
        "tier": version.object["tier"],
        "item_modified": version.modified,
    }
    # The mechanism's endpoint validates the kind; the generic one sends it there.
    with TestClient(create_app(usa)) as client:
        own = client.post(
            f"/api/v1/coordination/items/{item_id}/responses",
            json={"kind": "bogus"},
            headers=bearer(pair.tokens["davis"]),
        )
        generic = client.post(
            "/api/v1/objects",
            json={"object": bogus, "label": "SECRET//REL TO JPN, USA"},
            headers=bearer(pair.tokens["davis"]),
        )
    assert own.status_code == 422
    assert 400 <= generic.status_code < 500, generic.text
    # Even with the mechanism's key, the store refuses the kind.
    with pytest.raises(StoreError) as refused, usa.store.transaction(pair.davis) as conn:
        usa.store.answer_in(conn, pair.davis, bogus, answers=item_id, owner=OWNER)
    assert refused.value.field == "kind"

    # From the partner (USA's key, the item's label): quarantined on JPN with its
    # reason; the rest of the page is stored and the item did not move.
    with jpn.db.read() as conn:
        peer = peer_service.find_peer(conn, "USA")
    assert peer is not None
    before = jpn.store.get(jpn.system, item_id).version
    later = prepare(report("after the poison"), now="2026-12-01T00:00:00.000Z")
    applied = apply_page(
        jpn,
        peer,
        [
            _signed(usa.key, jpn, prepare(bogus, now="2026-12-01T00:00:00.000Z"), BOTH, "USA"),
            _signed(usa.key, jpn, later, BOTH, "USA"),
        ],
    )
    assert (applied.stored, applied.quarantined) == (1, 1)
    assert "kind" in _quarantined(jpn)[0]
    assert jpn.store.get(jpn.system, item_id).version == before
    with jpn.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(coord_responses)).scalar_one() == 0
    # The item's page still renders for its author.
    with TestClient(create_app(jpn)) as client:
        shown = client.get(
            f"/api/v1/coordination/items/{item_id}", headers=bearer(pair.tokens["sato"])
        )
    assert shown.status_code == 200


def test_answers_that_break_the_rules_are_quarantined_on_arrival(pair: Pair) -> None:
    """Answers by a nation other than the origin, at another label, at another tier,
    to a version that does not exist: each refused, the item untouched."""
    jpn, usa = pair.jpn, pair.usa
    item_id = _opened(pair)
    version = usa.store.get(usa.system, item_id)
    good = {
        "type": "x-kizuna-coordination-response",
        "coordination_item": item_id,
        "kind": "concur",
        "nation": "USA",
        "tier": version.object["tier"],
        "item_modified": version.modified,
    }
    now = "2026-12-01T00:00:00.000Z"
    cases = [
        ("nation", {**good, "nation": "JPN"}, BOTH),
        ("label", good, Label(0, frozenset({"JPN", "USA"}))),
        ("tier", {**good, "tier": "policy"}, BOTH),
        ("no version", {**good, "item_modified": "2001-01-01T00:00:00.000Z"}, BOTH),
    ]
    with jpn.db.read() as conn:
        peer = peer_service.find_peer(conn, "USA")
    assert peer is not None
    page = [_signed(usa.key, jpn, prepare(body, now=now), label, "USA") for _, body, label in cases]
    applied = apply_page(jpn, peer, page)
    assert (applied.stored, applied.quarantined) == (0, len(cases))
    for (field, _, _), reason in zip(cases, _quarantined(jpn), strict=True):
        assert field in reason, (field, reason)
    assert jpn.store.get(jpn.system, item_id).object["state"] == "proposed"


# -- reproduction 5b: a second, contradictory answer ----------------------------------


def test_a_second_answer_is_refused_and_both_nodes_show_the_same_story(pair: Pair) -> None:
    jpn, usa = pair.jpn, pair.usa
    item_id = _opened(pair)
    c = coordination(usa)
    c.respond(pair.davis, item_id, ResponseCreate(kind=ResponseKind.CONCUR))
    # Right after the first, before JPN has moved the item: refused, nothing written.
    with usa.db.read() as conn:
        rows = conn.execute(select(func.count()).select_from(versions)).scalar_one()
    with pytest.raises(Conflict, match="already answered"):
        c.respond(pair.jones, item_id, ResponseCreate(kind=ResponseKind.NON_CONCUR, comment="No."))
    with usa.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(versions)).scalar_one() == rows
    # The page no longer offers the form; it says the answer is with JPN.
    with TestClient(create_app(usa)) as client:
        page = client.get(f"/coordination/items/{item_id}", headers=bearer(pair.tokens["davis"]))
        api = client.post(
            f"/api/v1/coordination/items/{item_id}/responses",
            json={"kind": "non_concur", "comment": "No."},
            headers=bearer(pair.tokens["davis"]),
        )
    assert page.status_code == 200
    assert 'id="submit-answer"' not in page.text
    assert api.status_code == 409
    assert "already answered" in api.json()["detail"]

    pair.sync()
    jpn_story, usa_story = story(jpn, item_id), story(usa, item_id)
    assert jpn_story == usa_story
    state, _, answers = jpn_story
    assert state == "concurred"
    assert [(kind, nation, counted) for _, kind, nation, counted in answers] == [
        ("concur", "USA", True)
    ]


def test_two_officers_answering_at_once_on_one_node_give_one_answer(pair: Pair) -> None:
    usa = pair.usa
    item_id = _opened(pair)
    c = coordination(usa)
    barrier = Barrier(2)
    outcomes: list[str] = []

    def answer(who: Principal, kind: ResponseKind) -> None:
        barrier.wait()
        try:
            c.respond(who, item_id, ResponseCreate(kind=kind, comment="x"))
            outcomes.append("answered")
        except Conflict:
            outcomes.append("conflict")

    with ThreadPoolExecutor(2) as pool:
        done = [
            pool.submit(answer, pair.davis, ResponseKind.CONCUR),
            pool.submit(answer, pair.jones, ResponseKind.NON_CONCUR),
        ]
        for future in done:
            future.result()
    assert sorted(outcomes) == ["answered", "conflict"]
    pair.sync()
    assert story(pair.jpn, item_id) == story(usa, item_id)
    assert len(story(usa, item_id)[2]) == 1


def test_an_answer_that_crosses_an_escalation_is_kept_uncounted_on_both_nodes(
    pair: Pair,
) -> None:
    """USA answers the version it holds while JPN has escalated the item: the answer
    arrives late, JPN keeps it but does not count it (the escalation asks again, at
    the next tier), and records that verdict in the item; USA learns it from there."""
    jpn, usa = pair.jpn, pair.usa
    item_id = _opened(pair)
    # Its deadline falls due (moved, not the clock: both nodes keep real time, as
    # the federation's cursor needs).
    with jpn.db.write() as conn:
        conn.execute(update(coord_steps).values(due_at=epoch() - 1))
    fired = coordination(jpn).scan()
    assert [f.item_id for f in fired] == [item_id]
    late = coordination(usa).respond(pair.davis, item_id, ResponseCreate(kind=ResponseKind.CONCUR))
    pair.sync()
    jpn_story, usa_story = story(jpn, item_id), story(usa, item_id)
    assert jpn_story == usa_story
    state, shown, answers = jpn_story
    assert state == "escalated"
    assert answers == {(late.id, "concur", "USA", False)}
    # The verdict is the item's own, signed record, in its latest version.
    assert json.loads(shown[-1][3])["uncounted_responses"] == [late.id]
    with jpn.db.read() as conn:
        reasons = [
            json.loads(d)
            for d in conn.execute(
                select(audit_log.c.detail).where(audit_log.c.action == "coordination.record")
            ).scalars()
        ]
    assert any("escalated" in str(r.get("uncounted")) for r in reasons)
    # Asked again at the new tier, USA answers the escalated version, and it counts.
    again = coordination(usa).respond(pair.davis, item_id, ResponseCreate(kind=ResponseKind.CONCUR))
    pair.sync()
    assert story(jpn, item_id) == story(usa, item_id)
    assert (again.id, "concur", "USA", True) in story(usa, item_id)[2]


def test_a_partner_with_its_own_node_answers_there(pair: Pair) -> None:
    jpn = pair.jpn
    item_id = _opened(pair)
    smith, _ = member(jpn, "smith", nation="USA", roles=["coordinator"], bodies=["usfj"])
    with pytest.raises(Refused, match="own node"):
        coordination(jpn).respond(smith, item_id, ResponseCreate(kind=ResponseKind.CONCUR))
    assert jpn.store.get(jpn.system, item_id).object["state"] == "proposed"


# -- reproduction 6: a huge notification id --------------------------------------------


def test_a_huge_notification_id_is_a_404_that_names_the_problem(pair: Pair) -> None:
    huge = "99999999999999999999"
    with TestClient(create_app(pair.jpn)) as client:
        api = client.post(
            f"/api/v1/coordination/notifications/{huge}/acknowledge",
            headers=bearer(pair.tokens["sato"]),
        )
        negative = client.post(
            "/api/v1/coordination/notifications/-1/acknowledge",
            headers=bearer(pair.tokens["sato"]),
        )
    assert api.status_code == 404, api.text
    assert huge in api.json()["detail"]
    assert negative.status_code == 404


def test_the_answering_node_shows_the_deadline_the_items_node_keeps(pair: Pair) -> None:
    """The partner's node keeps no escalation steps (the item's node escalates), yet
    its board and its item page show the item's deadline, and say when it is overdue."""
    item_id = _opened(pair)
    here = queries.board(coordination(pair.jpn), pair.sato)
    kept = next(r.due_at for r in here if r.item.id == item_id)
    assert kept is not None
    there = queries.board(coordination(pair.usa), pair.davis)
    assert [(r.item.id, r.due_at) for r in there] == [(item_id, kept)]
    facts, _ = queries.timeline(coordination(pair.usa), pair.davis, item_id)
    assert facts["due_at"] == kept
    # The answering officer's start page says when the answer is due, too.
    panels = {p.key: p for p in coordination_today.today(pair.usa, pair.davis)}
    assert [(line.href, line.at) for line in panels["coordination-waiting"].lines] == [
        (f"/coordination/items/{item_id}", kept)
    ]
    with pair.usa.db.read() as conn:
        steps = conn.execute(select(func.count()).select_from(coord_steps)).scalar_one()
    assert steps == 0  # only shown: the USA node never escalates the JPN item


@pytest.mark.parametrize(("lang", "words"), [("ja", "同意"), ("en", "Concur")])
def test_an_answer_without_a_comment_is_titled_by_its_kind_in_words(
    pair: Pair, lang: str, words: str
) -> None:
    """Walk 36: a plain concurrence read "concur" (its code) on the objects list and on
    its page. The domain gives its codes' words (`Node.title_words`)."""
    item_id = _opened(pair)
    made = coordination(pair.usa).respond(
        pair.davis, item_id, ResponseCreate(kind=ResponseKind.CONCUR)
    )
    add_user(pair.usa, "viewer", nation="USA", password=PASSWORD)
    with TestClient(create_app(pair.usa)) as web:
        sign_in(web, "viewer", lang=lang)
        listed = web.get("/objects", params={"type": "x-kizuna-coordination-response"}).text
        assert f'<a href="/objects/{made.id}">{words}</a>' in listed
        assert ">concur<" not in listed
        page = web.get(f"/objects/{made.id}").text
        assert f"<h1>{words}</h1>" in page
