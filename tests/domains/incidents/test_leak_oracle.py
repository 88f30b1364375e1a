"""The leak oracle of the incidents mechanism: every read path returns exactly what
`labels.can_read` allows, on SQLite and PostgreSQL.

60 events at random labels (some updated, some cancelled, some acknowledged, some
with a public version), 60 random principals. Compared with the plain rule: the board,
each event's notices, acknowledgements and CAP documents, the map and chart figures,
the REST routes and the pages; and, with no sign-in, the public page, feed and CAP,
which show only released public versions.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kizuna.bootstrap import initialize, open_node
from kizuna.domains.incidents import queries
from kizuna.domains.incidents.model import AckCreate, CancelRequest, EventUpdate, PublicCreate
from kizuna.domains.incidents.service import incidents
from kizuna.errors import NotFound
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.labels import Label, can_read, lub, render
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.conftest import drop_pg_database, make_pg_database, node_settings
from tests.domains.incidents.conftest import event
from tests.factories import bearer, cookies, random_label, random_principal

EVENTS = 60
PRINCIPALS = 60
SEED = 20261203
PLACES = ["473260", "473251", "472018", "472051", "472131", "473243"]
KINDS = ["part_fall", "aircraft_mishap", "fuel_spill", "sofa_crime", "training_accident"]


@dataclass
class World:
    node: Node
    labels: dict[str, Label]  # event id -> its label (the same for every version)
    places: dict[str, str]
    cancelled: set[str]
    acked: set[str]
    public: dict[str, str]  # public version id -> event id
    principals: list[Principal]
    rng: random.Random

    def visible(self, who: Principal) -> set[str]:
        return {i for i, label in self.labels.items() if can_read(who.clearance, label)}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("incidents-oracle")
    cleanup = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'oracle.db'}"
    else:
        admin = request.getfixturevalue("pg_server")
        url, name = make_pg_database(admin)
        cleanup = (admin, name)
    try:
        settings = node_settings(url, Path(tmp))
        initialize(settings, nation="JPN")
        node = open_node(settings)
        rng = random.Random(SEED)
        c = incidents(node)
        system = node.system
        w = World(node, {}, {}, set(), set(), {}, [], rng)
        for i in range(EVENTS):
            label = random_label(rng, node)
            place = rng.choice(PLACES)
            made = c.record(
                system,
                event(
                    kind=rng.choice(KINDS),
                    title_en=f"Event {i} secret-title-{i}",
                    label=render(node.policy, label),
                    place={
                        "geometry": {"type": "Point", "coordinates": [127.75, 26.35]},
                        "municipalities": [place],
                    },
                ),
            )
            w.labels[made.id], w.places[made.id] = label, place
            # Released before any cancel, which then marks it cancelled.
            if i % 5 == 0:
                public = c.release_public(
                    system,
                    made.id,
                    PublicCreate(
                        title_en=f"Public {i}",
                        title_ja=f"公表 {i}",
                        description_en="Released.",
                        description_ja="公表。",
                    ),
                )
                w.public[public.id] = made.id
            if i % 4 == 1:
                c.update(system, made.id, EventUpdate(damage=f"damage {i}"))
            if i % 7 == 2:
                reason = f"restricted-reason-{i}"
                c.cancel(system, made.id, CancelRequest(reason_en=reason, reason_ja=reason))
                w.cancelled.add(made.id)
            elif i % 3 == 0:
                c.acknowledge(system, made.id, AckCreate(addressee="jjoc"))
                w.acked.add(made.id)
        w.principals = [random_principal(rng, node, i) for i in range(PRINCIPALS)]
        yield w
        node.db.dispose()
    finally:
        if cleanup:
            drop_pg_database(*cleanup)


def test_the_data_exercises_the_rule(world: World) -> None:
    counts = [len(world.visible(p)) for p in world.principals]
    assert min(counts) < EVENTS // 4
    assert max(counts) > EVENTS // 2
    assert world.acked
    assert world.cancelled
    assert world.public


def test_board_notices_acknowledgements_and_cap_show_exactly_what_is_allowed(world: World) -> None:
    c = incidents(world.node)
    for who in world.principals:
        allowed = world.visible(who)
        assert {r.event.id for r in queries.board(c, who)} == allowed
        for stix_id in world.rng.sample(sorted(world.labels), 8):
            if stix_id in allowed:
                assert queries.notices(c, who, stix_id)
                assert len(queries.cap_documents(c, who, stix_id)) >= 1
                acks = queries.acknowledgements(c, who, stix_id)
                assert len(acks) == (1 if stix_id in world.acked else 0)
            else:
                with pytest.raises(NotFound):
                    queries.notices(c, who, stix_id)
                with pytest.raises(NotFound):
                    queries.cap_documents(c, who, stix_id)
                assert queries.acknowledgements(c, who, stix_id) == []


def test_a_handovers_incident_section_lists_exactly_what_the_officer_may_read(
    world: World,
) -> None:
    """The part a shift handover takes from this domain (`Node.handover_parts`): the
    events with a notice to the body nobody acknowledged, read as the outgoing officer."""
    _, open_notices = world.node.handover_parts["incident-notices"]
    for who in world.principals:
        with world.node.db.read() as conn:
            part = open_notices(world.node, conn, who, "jjoc", 0, 0)
        assert {r["id"] for r in part.rows} == world.visible(who) - world.acked
        assert all(can_read(who.clearance, label) for label in part.labels)


def test_map_and_chart_figures_count_only_visible_events(world: World) -> None:
    c = incidents(world.node)
    for who in world.principals:
        counted = world.visible(who) - world.cancelled
        expected = Counter(world.places[i] for i in counted)
        figures = queries.figures(c, who)
        assert figures.by_municipality == dict(expected)
        assert sum(figures.by_month_kind.values()) == len(counted)
        assert sum(figures.by_month_prefecture.values()) == len(counted)
        # The figures carry the labels they are counted from, and no other.
        assert set(figures.labels) == {world.labels[i] for i in counted}


def _level_name(world: World, rank: int) -> str:
    return next(level.name for level in world.node.policy.levels if level.rank == rank)


@pytest.fixture(scope="module")
def users(world: World) -> dict[str, tuple[Principal, str, str]]:
    made = {}
    with world.node.db.write() as conn:
        for who in world.principals[:12]:
            user = identity.add_user(
                conn,
                policy=world.node.policy,
                actor="test",
                username=who.name,
                nation=who.nation,
                clearance=_level_name(world, who.clearance.rank),
                compartments=sorted(who.clearance.compartments),
            )
            token = identity.issue_token(conn, user=user, actor="test")
            made[who.name] = (who, token, identity.start_session(conn, user))
    return made


@pytest.fixture(scope="module")
def web(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.node)) as client:
        yield client


_EVENT_LINK = re.compile(r'href="/incidents/events/(x-kizuna-incident--[0-9a-f-]{36})"')
_COUNT = re.compile(r'data-code="(\d{6})" data-count="(\d+)"')
_BANNER = re.compile(r'id="banner-top"[^>]*>([^<]*)<')


def test_rest_and_pages_show_exactly_what_is_allowed(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    for who, token, session in users.values():
        allowed = world.visible(who)
        listed = web.get("/api/v1/incidents/events", headers=bearer(token)).json()["events"]
        assert {e["id"] for e in listed} == allowed
        geo = web.get("/api/v1/incidents/events.geojson", headers=bearer(token)).json()
        assert {f["id"] for f in geo["features"]} == allowed
        csv_ids = web.get("/api/v1/incidents/events.csv", headers=bearer(token)).content
        csv_ids = csv_ids.decode("utf-8-sig")
        assert {line.split(",")[0] for line in csv_ids.splitlines()[1:]} == allowed
        figures = web.get("/api/v1/incidents/figures", headers=bearer(token)).json()
        expected = Counter(world.places[i] for i in allowed - world.cancelled)
        assert figures["by_municipality"] == dict(expected)
        for stix_id in world.rng.sample(sorted(world.labels), 6):
            status = 200 if stix_id in allowed else 404
            got = web.get(f"/api/v1/incidents/events/{stix_id}", headers=bearer(token))
            assert got.status_code == status
            cap = web.get(f"/api/v1/incidents/events/{stix_id}/cap", headers=bearer(token))
            assert cap.status_code == status
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        web.cookies.set(cookies(web).lang, "en")
        assert set(_EVENT_LINK.findall(web.get("/incidents").text)) == allowed
        figures_page = web.get("/incidents/figures").text
        shown = {code: int(n) for code, n in _COUNT.findall(figures_page)}
        assert shown == dict(expected)
        # The banner of the figures covers every event they count (it read UNCLASSIFIED).
        highest = lub(world.labels[i] for i in allowed - world.cancelled)
        if highest is None:
            assert _BANNER.findall(figures_page) == [world.node.policy.lowest.name]
            assert figures["label"] is None
        else:
            marked = render(world.node.policy, highest, "en", first=who.nation)
            assert _BANNER.findall(figures_page) == [marked], who.name
            assert figures["label"] == render(world.node.policy, highest, "en")
        for stix_id in world.rng.sample(sorted(world.labels), 6):
            page = web.get(f"/incidents/events/{stix_id}")
            assert page.status_code == (200 if stix_id in allowed else 404)
    web.cookies.clear()


def test_the_public_page_feed_and_cap_show_only_released_public_versions(
    world: World, web: TestClient
) -> None:
    web.cookies.clear()
    page = web.get("/incidents/public")
    feed = web.get("/incidents/public/feed.atom")
    assert page.status_code == 200
    assert feed.status_code == 200
    shown = set(re.findall(r'data-id="(x-kizuna-incident-public--[0-9a-f-]{36})"', page.text))
    assert shown == set(world.public)
    in_feed = set(re.findall(r"urn:kizuna:(x-kizuna-incident-public--[0-9a-f-]{36}):v", feed.text))
    assert in_feed == set(world.public)
    caps = {p: web.get(f"/incidents/public/{p}.cap") for p in world.public}
    for text in (page.text, feed.text, *(cap.text for cap in caps.values())):
        assert "secret-title" not in text
        assert "x-kizuna-incident--" not in text
        # A cancel says so publicly, never with the event's own (restricted) reason.
        assert "restricted-reason" not in text
    cancelled = {p for p, event in world.public.items() if event in world.cancelled}
    assert cancelled, "no public version of a cancelled event: the data misses a case"
    for public_id, cap in caps.items():
        assert cap.status_code == 200
        kind = "Cancel" if public_id in cancelled else "Alert"
        assert f"<msgType>{kind}</msgType>" in cap.text
    marked = set(
        re.findall(
            r'data-id="(x-kizuna-incident-public--[0-9a-f-]{36})" data-status="cancelled"',
            page.text,
        )
    )
    assert marked == cancelled
    for stix_id in list(world.labels)[:5]:
        # An event id is not a public version, whatever its label.
        assert web.get(f"/incidents/public/{stix_id}.cap").status_code == 404
    # Signed-in pages stay signed-in.
    assert web.get("/incidents", follow_redirects=False).status_code in (302, 303, 401)
