"""The leak oracle: every read path returns exactly what `labels.can_read` allows.

200 random principals and 2,000 random labelled objects (a tenth of them with
several versions at different labels), on SQLite and on PostgreSQL. Each read path
is compared with the plain Python rule over what was written: the store's list,
get, history and feed; the REST API; the pages; the TAXII collections. Every new
read path joins this file.
"""

from __future__ import annotations

import base64
import importlib
import json
import random
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.bootstrap import initialize, open_node
from kizuna.db.schema import audit_log
from kizuna.domains.meetings import OWNER as MEETINGS
from kizuna.identity import service as identity
from kizuna.identity.principal import Permission, Principal, Role
from kizuna.labels import Clearance, Label, can_read, dominates, lub, parse
from kizuna.runtime import Node
from kizuna.stix.markings import NAMESPACE, marking_id
from kizuna.store import NotFound
from kizuna.store.feed import FeedQuery, feed
from kizuna.taxii.collections import COLLECTIONS
from kizuna.web.app import create_app
from tests.conftest import drop_pg_database, make_pg_database, node_settings
from tests.factories import bearer, cookies, indicator, random_label, random_principal, report

OBJECTS = 2000
PRINCIPALS = 200
SEED = 20240728


@dataclass
class World:
    node: Node
    truth: dict[str, list[Label]]  # id -> label of each version, oldest first
    principals: list[Principal]
    rng: random.Random

    def visible_now(self, who: Principal) -> set[str]:
        return {i for i, labels in self.truth.items() if can_read(who.clearance, labels[-1])}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("oracle")
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
        truth: dict[str, list[Label]] = {}
        # Written in a batch and the releases in one transaction: the same rows as one
        # write at a time, in a third of the time (the world is built once per module).
        # Two transactions, not one: on PostgreSQL the batch's commit lets the node
        # analyse the tables it filled, and each release's lookups are planned on them
        # (without, the world took half as long again).
        items = [
            (report(f"r{i}") if i % 2 else indicator(f"10.{i // 256}.{i % 256}.1"),
             random_label(rng, node))
            for i in range(OBJECTS)
        ]  # fmt: skip
        with node.store.transaction(node.system) as conn:
            batch = node.store.create_many_in(conn, node.system, items)
            assert not batch.refused
            for made, (_obj, label) in zip(batch.made, items, strict=True):
                truth[made.id] = [label]
        with node.store.transaction(node.system) as conn:
            for stix_id in rng.sample(sorted(truth), OBJECTS // 10):
                for _ in range(rng.randint(1, 3)):
                    label = random_label(rng, node)
                    before = truth[stix_id][-1]
                    if label != before:
                        made = node.store.release_in(conn, node.system, stix_id, label)
                        truth[stix_id].append(label)
                        if _narrows(before, label):
                            # A narrowing release recalls the earlier versions, at their
                            # label.
                            truth[_recall_id(stix_id, made.version)] = [before]
        principals = [random_principal(rng, node, i) for i in range(PRINCIPALS)]
        _attach(node, truth)
        yield World(node, truth, principals, rng)
        node.db.dispose()
    finally:
        if cleanup:
            drop_pg_database(*cleanup)


ATTACHED = 60


def _attach(node: Node, truth: dict[str, list[Label]]) -> None:
    """Files attached to random reports, at labels of their own: the search finds an
    attachment by its file name, which holds words the search tests look for."""
    from kizuna.domains.attachments.service import Upload, attachments
    from kizuna.labels import render

    rng = random.Random(SEED + 35)  # its own: the objects and principals stay as they were
    reports = sorted(i for i in truth if i.startswith("report--"))
    for n in range(ATTACHED):
        name = f"r{rng.randrange(OBJECTS)}-log.csv" if n % 2 else f"10.{n}.1.csv"
        upload = Upload(
            of=rng.choice(reports),
            file_name=name,
            mime_type="text/csv",
            label=render(node.policy, random_label(rng, node)),
            data=b"a,b\n1,2\n",
        )
        made = attachments(node).attach(node.system, upload)
        truth[made.id] = [made.label]


def _narrows(before: Label, after: Label) -> bool:
    """Someone who may read `before` may not read `after`."""
    return not (
        after.rank <= before.rank
        and after.compartments <= before.compartments
        and after.rel_to >= before.rel_to
    )


def version_readable(clearance: Clearance, history: list[Label], n: int) -> bool:
    """Version n (from 0) of an object labelled `history`, version by version: read by
    its own label and by the label of every later release that narrowed the object
    (the earlier versions take its bounds, walk 36)."""
    return can_read(clearance, history[n]) and all(
        can_read(clearance, history[m])
        for m in range(n + 1, len(history))
        if _narrows(history[m - 1], history[m])
    )


def _recall_id(stix_id: str, version: int) -> str:
    return f"x-kizuna-recall--{uuid.uuid5(NAMESPACE, f'recall/{stix_id}/{version}')}"


def test_the_data_exercises_the_rule(world: World) -> None:
    # Guard against an oracle that passes because everyone sees all or nothing.
    sizes = [len(world.visible_now(p)) for p in world.principals]
    assert min(sizes) < OBJECTS // 20
    assert max(sizes) > OBJECTS // 4
    assert sum(1 for s in sizes if 0 < s < OBJECTS) > PRINCIPALS // 3


def test_store_listing_pages_return_exactly_what_the_oracle_allows(world: World) -> None:
    for who in world.principals:
        seen: list[str] = []
        token = None
        while True:
            page = world.node.store.list(who, limit=500, cursor_token=token)
            for item in page.items:
                assert item.label == world.truth[item.id][-1]
            seen += [item.id for item in page.items]
            token = page.next
            if token is None:
                break
        assert len(seen) == len(set(seen))
        assert set(seen) == world.visible_now(who), who


def test_store_listing_by_type(world: World) -> None:
    for who in world.principals[:50]:
        got = {o.id for o in world.node.store.list(who, type="report", limit=1000).items}
        assert got == {i for i in world.visible_now(who) if i.startswith("report--")}


def test_store_objects_by_property_are_exactly_what_the_oracle_allows(world: World) -> None:
    """`with_property` (a meeting's parts by `meeting_id`) over a value every report
    holds, one only a few hold, and one none holds."""
    from kizuna.store.listing import with_property

    store = world.node.store
    names = {
        i: store.get(world.node.system, i).object["name"]
        for i in world.truth
        if i.startswith("report--")
    }
    sample = world.rng.sample(sorted(names), 5)
    for who in world.principals[:60]:
        reports = {i for i in world.visible_now(who) if i.startswith("report--")}
        every = [
            o.id for o in with_property(store, who, "report", "published", "2024-07-28T06:15:00Z")
        ]
        assert len(every) == len(set(every))
        assert set(every) == reports, who
        for stix_id in sample:
            got = {o.id for o in with_property(store, who, "report", "name", names[stix_id])}
            assert got == {stix_id} & reports
        assert with_property(store, who, "report", "name", "no such report") == []
        assert with_property(store, who, "indicator", "published", "2024-07-28T06:15:00Z") == []


def test_store_get_and_history_return_exactly_what_the_oracle_allows(world: World) -> None:
    ids = sorted(world.truth)
    versioned = [i for i in ids if len(world.truth[i]) > 1]
    for who in world.principals:
        for stix_id in world.rng.sample(ids, 15):
            allowed = can_read(who.clearance, world.truth[stix_id][-1])
            if allowed:
                assert world.node.store.get(who, stix_id).label == world.truth[stix_id][-1]
            else:
                with pytest.raises(NotFound):
                    world.node.store.get(who, stix_id)
        for stix_id in world.rng.sample(versioned, 10):
            expected = [
                n + 1
                for n in range(len(world.truth[stix_id]))
                if version_readable(who.clearance, world.truth[stix_id], n)
            ]
            if expected:
                got = world.node.store.history(who, stix_id)
                assert [v.version for v in got] == expected
                assert [v.label for v in got] == [world.truth[stix_id][n - 1] for n in expected]
            else:
                with pytest.raises(NotFound):
                    world.node.store.history(who, stix_id)


def _level_name(world: World, rank: int) -> str:
    return world.node.policy.level(rank).name


@pytest.fixture(scope="module")
def users(world: World) -> dict[str, tuple[Principal, str, str]]:
    """The first 25 principals as users: name -> (principal, API token, session id)."""
    made = {}
    with world.node.db.write() as conn:
        for who in world.principals[:25]:
            user = identity.add_user(
                conn,
                policy=world.node.policy,
                actor="test",
                username=who.name,
                nation=who.nation,
                clearance=_level_name(world, who.clearance.rank),
                compartments=sorted(who.clearance.compartments),
            )
            assert user.principal.clearance == who.clearance
            token = identity.issue_token(conn, user=user, actor="test")
            made[who.name] = (who, token, identity.start_session(conn, user))
    return made


@pytest.fixture(scope="module")
def web(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.node)) as client:
        yield client


def test_rest_returns_exactly_what_the_oracle_allows(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    ids = sorted(world.truth)
    for who, token, _ in users.values():
        seen: list[str] = []
        url = "/api/v1/objects?limit=1000"
        while url:
            page = web.get(url, headers=bearer(token)).json()
            seen += [item["id"] for item in page["items"]]
            url = f"/api/v1/objects?limit=1000&cursor={page['next']}" if page["next"] else ""
        assert set(seen) == world.visible_now(who)
        for stix_id in world.rng.sample(ids, 10):
            allowed = can_read(who.clearance, world.truth[stix_id][-1])
            assert web.get(f"/api/v1/objects/{stix_id}", headers=bearer(token)).status_code == (
                200 if allowed else 404
            )
            versions = [
                n + 1
                for n in range(len(world.truth[stix_id]))
                if version_readable(who.clearance, world.truth[stix_id], n)
            ]
            answer = web.get(f"/api/v1/objects/{stix_id}/history", headers=bearer(token))
            if versions:
                assert [v["version"] for v in answer.json()["items"]] == versions
            else:
                assert answer.status_code == 404


_LINK = re.compile(r'href="/objects/([a-z0-9-]+--[0-9a-f-]{36})"')


def test_pages_show_exactly_what_the_oracle_allows(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    ids = sorted(world.truth)
    for who, _, session in list(users.values())[:10]:
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        seen: set[str] = set()
        url = "/objects"
        while url:
            html = web.get(url).text
            seen |= set(_LINK.findall(html))
            more = re.search(r'class="more" href="([^"]+)"', html)
            url = more.group(1).replace("&amp;", "&") if more else ""
        assert seen == world.visible_now(who)
        for stix_id in world.rng.sample(ids, 10):
            allowed = can_read(who.clearance, world.truth[stix_id][-1])
            answer = web.get(f"/objects/{stix_id}")
            assert answer.status_code == (200 if allowed else 404)
            if not allowed:
                # The language links echo the requested path; the content must not.
                main = answer.text.split("<main", 1)[1].split("</main>", 1)[0]
                assert stix_id not in main


# -- feeds and TAXII ------------------------------------------------------------------


def _readable_markings(world: World, who: Principal) -> set[str]:
    labels = {label for history in world.truth.values() for label in history}
    return {marking_id(world.node.policy, lab) for lab in labels if can_read(who.clearance, lab)}


def test_store_feed_returns_every_version_exactly_as_the_oracle_allows(world: World) -> None:
    for who in world.principals:
        got: list[tuple[str, int]] = []
        token = None
        while True:
            page = feed(
                world.node.store, who, FeedQuery(versions=("all",)), limit=1000, cursor_token=token
            )
            got += [(o.id, o.version) for o in page.items]
            token = page.next
            if token is None:
                break
        assert len(got) == len(set(got))
        expected = {
            (stix_id, n + 1)
            for stix_id, history in world.truth.items()
            for n in range(len(history))
            if version_readable(who.clearance, history, n)
        }
        markings = {(i, 1) for i in _readable_markings(world, who)}
        assert set(got) == expected | markings, who


def _taxii_objects(web: TestClient, token: str, collection: str, **params: str) -> list[dict]:
    headers = {**bearer(token), "Accept": "application/taxii+json;version=2.1"}
    url = f"/taxii2/kizuna/collections/{collection}/objects/"
    seen: list[dict] = []
    query = {"limit": "1000", **params}
    while True:
        envelope = web.get(url, params=query, headers=headers).json()
        seen += envelope.get("objects", [])
        if not envelope["more"]:
            return seen
        query = {**query, "next": envelope["next"]}


def _taxii_ids(web: TestClient, token: str, collection: str, **params: str) -> list[str]:
    return [o["id"] for o in _taxii_objects(web, token, collection, **params)]


def test_taxii_collections_return_exactly_what_the_oracle_allows(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    by_key = {c.key: c.id for c in COLLECTIONS}
    ids = sorted(world.truth)
    for who, token, _ in users.values():
        now = world.visible_now(who)
        markings = _readable_markings(world, who)
        every = _taxii_ids(web, token, by_key["all"])
        assert len(every) == len(set(every))
        assert set(every) == now | markings, who
        intel = set(_taxii_ids(web, token, by_key["intel"]))
        assert intel == {i for i in now if i.startswith("report--")} | markings
        cti = set(_taxii_ids(web, token, by_key["cti"]))
        # Its types: the indicators, and the attachments (artifacts are observables).
        assert cti == {i for i in now if i.startswith(("indicator--", "artifact--"))} | markings
        versions = _taxii_ids(web, token, by_key["all"], **{"match[version]": "all"})
        expected_versions = sum(
            version_readable(who.clearance, h, n)
            for h in world.truth.values()
            for n in range(len(h))
        )
        assert len(versions) == expected_versions + len(markings)
        headers = {**bearer(token), "Accept": "application/taxii+json;version=2.1"}
        for stix_id in world.rng.sample(ids, 10):
            base = f"/taxii2/kizuna/collections/{by_key['all']}/objects/{stix_id}/"
            allowed = can_read(who.clearance, world.truth[stix_id][-1])
            assert web.get(base, headers=headers).status_code == (200 if allowed else 404)
            readable = [
                n
                for n in range(len(world.truth[stix_id]))
                if version_readable(who.clearance, world.truth[stix_id], n)
            ]
            answer = web.get(f"{base}versions/", headers=headers)
            if readable:
                assert len(answer.json()["versions"]) == len(readable)
            else:
                assert answer.status_code == 404


def _stamp(obj: dict) -> str:
    """What tells one version from another: `modified`, else `created`; observables
    have neither and only ever one version here."""
    return str(obj.get("modified", obj.get("created", "")))


def test_taxii_first_is_the_earliest_version_the_oracle_allows(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    """`match[version]=first`, listed and per object, answers the earliest version of
    each object that the caller may read: version 1 may be above the caller (a
    product drafted higher than it is released), and must not hide the rest."""
    every = feed(world.node.store, world.node.system, FeedQuery(versions=("all",)), limit=1000)
    stamps: dict[str, dict[int, str]] = {}
    while True:
        for o in every.items:
            stamps.setdefault(o.id, {})[o.version] = o.modified
        if every.next is None:
            break
        every = feed(world.node.store, world.node.system, FeedQuery(versions=("all",)),
                     limit=1000, cursor_token=every.next)  # fmt: skip
    assert all(len(stamps[i]) == len(h) for i, h in world.truth.items())
    collection = next(c.id for c in COLLECTIONS if c.key == "all")
    versioned = sorted(i for i, h in world.truth.items() if len(h) > 1)
    later = 0  # callers whose first is not version 1: what the old rule hid
    for who, token, _ in users.values():
        expected: dict[str, str] = {}
        for stix_id, history in world.truth.items():
            readable = [
                n for n in range(len(history)) if version_readable(who.clearance, history, n)
            ]
            if readable:
                expected[stix_id] = stamps[stix_id][readable[0] + 1]
                later += readable[0] > 0
        listed = _taxii_objects(web, token, collection, **{"match[version]": "first"})
        got = {o["id"]: _stamp(o) for o in listed if o["type"] != "marking-definition"}
        assert len(got) == len(listed) - len(_readable_markings(world, who))
        assert got == expected, who
        headers = {**bearer(token), "Accept": "application/taxii+json;version=2.1"}
        for stix_id in world.rng.sample(versioned, 10):
            answer = web.get(
                f"/taxii2/kizuna/collections/{collection}/objects/{stix_id}/",
                params={"match[version]": "first"},
                headers=headers,
            )
            if stix_id in expected:
                assert [_stamp(o) for o in answer.json()["objects"]] == [expected[stix_id]]
            else:
                assert answer.status_code == 404
    assert later > 0


def test_intel_listings_return_exactly_what_the_oracle_allows(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    for who, token, session in list(users.values())[:10]:
        reports = {i for i in world.visible_now(who) if i.startswith("report--")}
        seen: list[str] = []
        url = "/api/v1/intel/reports?limit=1000"
        while url:
            page = web.get(url, headers=bearer(token)).json()
            seen += [item["id"] for item in page["items"]]
            url = f"/api/v1/intel/reports?limit=1000&cursor={page['next']}" if page["next"] else ""
        assert set(seen) == reports
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        shown: set[str] = set()
        url = "/intel/reports"
        while url:
            html = web.get(url).text
            shown |= set(_LINK.findall(html))
            more = re.search(r'class="more" href="([^"]+)"', html)
            url = more.group(1).replace("&amp;", "&") if more else ""
        assert shown == reports


def test_peer_collections_carry_exactly_what_each_agreement_allows(
    world: World, web: TestClient
) -> None:
    """A peer node's account pages its own collection: every version releasable to
    its nation within the agreement, signed by this node, and nothing else."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from stix2validator import ValidationOptions, validate_instance

    from kizuna.federation import peers as peer_service
    from kizuna.federation.signing import unwrap, verify
    from kizuna.labels import Clearance
    from kizuna.node import public_key_pem
    from kizuna.taxii.collections import peer_collection

    agreements = [
        ("USA", "SECRET", ["BIAC"]),
        ("AUS", "CONFIDENTIAL", []),
        ("KOR", "TOP SECRET", ["BIAC", "CYBER", "INDUSTRY"]),
        ("GBR", "UNCLASSIFIED", ["CYBER"]),
    ]
    key = world.node.key.public_key()
    try:
        for nation, level, comps in agreements:
            with world.node.db.write() as conn:
                token = peer_service.add_peer(
                    conn,
                    policy=world.node.policy,
                    own_nation="JPN",
                    actor="test",
                    nation=nation,
                    url="http://127.0.0.1:9",
                    public_key_pem=public_key_pem(Ed25519PrivateKey.generate()),
                    max_level=level,
                    compartments=comps,
                )
            agreed = Clearance(nation, world.node.policy.level_named(level).rank, frozenset(comps))
            headers = {**bearer(token), "Accept": "application/taxii+json;version=2.1"}
            url = f"/taxii2/kizuna/collections/{peer_collection(nation).id}/objects/"
            got: list[tuple[str, str]] = []
            query = {"limit": "1000", "match[version]": "all"}
            while True:
                envelope = web.get(url, params=query, headers=headers).json()
                for obj in envelope.get("objects", []):
                    signed = unwrap(obj)
                    assert verify(key, signed)
                    got.append((obj["id"], obj.get("modified", "")))
                # What a peer receives is valid STIX too, signature extension included.
                for obj in envelope.get("objects", [])[:20]:
                    result = validate_instance(obj, ValidationOptions(version="2.1"))
                    assert result.is_valid, [str(e) for e in result.errors]
                if not envelope["more"]:
                    break
                query = {**query, "next": envelope["next"]}
            expected = sum(
                version_readable(agreed, history, n)
                for history in world.truth.values()
                for n in range(len(history))
            )
            assert len(got) == len(set(got)) == expected, nation
            assert {i for i, _ in got} == {
                i
                for i, h in world.truth.items()
                if any(version_readable(agreed, h, n) for n in range(len(h)))
            }
    finally:
        # The world is shared by the module: later fixtures answer items as a US officer
        # on this node, which a node peered with the officer's own refuses.
        with world.node.db.write() as conn:
            for nation, _level, _comps in agreements:
                if peer_service.find_peer(conn, nation) is not None:
                    peer_service.remove_peer(conn, actor="test", nation=nation)


# -- The 2+2 record: meetings, register, timeline and compliance ---------------------


@dataclass
class RecordWorld:
    truth: dict[str, Label]  # id -> label of each meeting, decision and review
    decisions: list[str]


@pytest.fixture(scope="module")
def record_world(world: World) -> RecordWorld:
    """Meetings, decisions and reviews at random labels, beside the oracle's objects."""
    from kizuna.domains.meetings import model

    truth: dict[str, Label] = {}
    decisions: list[str] = []
    rng = random.Random(SEED + 4)
    with world.node.db.write() as conn:
        for m in range(6):
            # Two texts a day (a meeting's Japanese and English texts): each page names
            # the other when its reader may read it.
            date = f"2024-0{m // 2 + 1}-01"
            label = random_label(rng, world.node)
            made = world.node.store.create_in(
                conn,
                world.node.system,
                {
                    "type": model.MEETING,
                    "name": f"m{m}",
                    "body": f"m{m}",
                    "lang": "ja",
                    "date": date,
                    # One text held at several labels, as several records.
                    "source_digest": "one-text",
                },
                label,
                owner=MEETINGS,
            )
            truth[made.id] = label
            for d in range(30):
                label = random_label(rng, world.node)
                dec = world.node.store.create_in(
                    conn,
                    world.node.system,
                    {
                        "type": model.DECISION,
                        "meeting_id": made.id,
                        "meeting_date": date,
                        "section_number": 1,
                        "item_number": d,
                        "actor": "both",
                        "stance": "welcome",
                        "topics": ["cyber and space"],
                        "sentence": f"s{m}.{d}",
                    },
                    label,
                    owner=MEETINGS,
                )
                truth[dec.id] = label
                decisions.append(dec.id)
        for r in range(150):
            decision = rng.choice(decisions)
            # A review is read with the id of the decision it judges: its label
            # dominates the decision's (the meetings owner's rule).
            label = lub([random_label(rng, world.node), truth[decision]])
            assert label is not None
            rev = world.node.store.create_in(
                conn,
                world.node.system,
                {
                    "type": model.REVIEW,
                    "decision_id": decision,
                    "nation": rng.choice(["JPN", "USA"]),
                    "score": rng.choice([-1, 0, 1]),
                    "evidence": f"e{r}",
                    "date": "2025-01-01",
                    "round": "2025",
                },
                label,
                owner=MEETINGS,
            )
            truth[rev.id] = label
    return RecordWorld(truth, decisions)


def _allowed(rw: RecordWorld, who: Principal, prefix: str) -> set[str]:
    return {
        i for i, lab in rw.truth.items() if i.startswith(prefix) and can_read(who.clearance, lab)
    }


def test_meetings_register_timeline_and_compliance_show_exactly_what_the_oracle_allows(
    world: World, record_world: RecordWorld
) -> None:
    from kizuna.domains.meetings import service

    for who in world.principals:
        meetings = {m.id for m in service.list_meetings(world.node, who)}
        assert meetings == _allowed(record_world, who, "x-kizuna-meeting--")
        # An import's preview names the records of the same text the importer may read.
        held = service.held_elsewhere(world.node, who, "one-text", "x-kizuna-meeting--none")
        assert {m.id for m in held} == meetings
        rows = service.register(world.node, who)
        seen = {r.decision.id for r in rows}
        assert seen == _allowed(record_world, who, "x-kizuna-decision--")
        reviews = _allowed(record_world, who, "x-kizuna-review--")
        assert {x.id for r in rows for x in r.reviews} <= reviews
        assert sum(c["reviews"] for c in service.compliance(world.node, who)) == len(reviews)
        for decision_id in world.rng.sample(record_world.decisions, 5):
            if decision_id in seen:
                t = service.timeline(world.node, who, decision_id)
                assert {r.id for r in t["reviews"]} <= reviews
            else:
                with pytest.raises(NotFound):
                    service.timeline(world.node, who, decision_id)


def test_meetings_rest_and_pages_show_exactly_what_the_oracle_allows(
    world: World,
    record_world: RecordWorld,
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    walked = 0  # register pages read: more than one reader each, so paging is met
    for who, token, session in users.values():
        got = web.get("/api/v1/commitments", headers=bearer(token)).json()["items"]
        assert {i["id"] for i in got} == _allowed(record_world, who, "x-kizuna-decision--")
        paged, after = [], 0
        while after is not None:
            one = web.get(f"/api/v1/commitments?limit=7&next={after}", headers=bearer(token))
            paged += one.json()["items"]
            after = one.json()["next"]
        assert [i["id"] for i in paged] == [i["id"] for i in got]
        listed = web.get("/api/v1/meetings", headers=bearer(token)).json()["items"]
        assert {i["id"] for i in listed} == _allowed(record_world, who, "x-kizuna-meeting--")
        reviews = _allowed(record_world, who, "x-kizuna-review--")
        total = web.get("/api/v1/commitments/compliance", headers=bearer(token)).json()["items"]
        assert sum(c["reviews"] for c in total) == len(reviews)
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        # The register page shows commitments by default; every decision with kind=all.
        linked = set()
        url: str | None = "/commitments?kind=all"
        while url:
            walked += 1
            html = web.get(url).text
            on_page = re.findall(r'href="/commitments/(x-kizuna-decision--[0-9a-f-]{36})"', html)
            assert linked.isdisjoint(on_page)
            linked.update(on_page)
            after = re.search(r'<a href="([^"]+)" rel="next">', html)
            url = after.group(1).replace("&amp;", "&") if after else None
        assert linked == _allowed(record_world, who, "x-kizuna-decision--")
        default = web.get("/commitments").text
        shown = set(re.findall(r'href="/commitments/(x-kizuna-decision--[0-9a-f-]{36})"', default))
        assert shown <= linked
        meetings = [i for i in record_world.truth if i.startswith("x-kizuna-meeting--")]
        readable = {m for m in meetings if can_read(who.clearance, record_world.truth[m])}
        for n, meeting_id in enumerate(meetings):
            page = web.get(f"/meetings/{meeting_id}")
            assert page.status_code == (200 if meeting_id in readable else 404)
            if meeting_id in readable:
                # The other text of its day, when the reader may read it; never another.
                named = set(re.findall(r"x-kizuna-meeting--[0-9a-f-]{36}", page.text))
                assert named - {meeting_id} == {meetings[n ^ 1]} & readable, who.name
                rest = web.get(f"/api/v1/meetings/{meeting_id}", headers=bearer(token)).json()
                assert {o["id"] for o in rest["same_day"]} == {meetings[n ^ 1]} & readable
    assert walked > len(users)


# -- coordination: items, answers, the board, the timeline, notifications ---------------

COORD_ITEMS = 150


@dataclass
class CoordWorld:
    items: list[str]
    answers: dict[str, list[str]]  # item id -> ids of its answers


@pytest.fixture(scope="module")
def coord_world(world: World) -> CoordWorld:
    """Items opened at random labels (proposed when releasable to USA, else drafts),
    answered by a US officer, some then relabelled, so that an answer may be visible
    while its item is not, and the other way round. Everything made joins the truth."""
    from kizuna.domains.coordination.inputs import ResponseCreate
    from kizuna.domains.coordination.model import ResponseKind
    from kizuna.domains.coordination.service import coordination
    from kizuna.identity.principal import Role
    from kizuna.labels import Clearance, render
    from tests.factories.coordination import item

    node = world.node
    c = coordination(node)
    rng = random.Random(SEED + 3)
    officer = Principal(
        name="usa-officer",
        clearance=Clearance("USA", node.policy.highest.rank, frozenset(node.policy.compartments)),
        roles=frozenset({Role.COORDINATOR}),
    )
    items: list[str] = []
    answers: dict[str, list[str]] = {}
    for n in range(COORD_ITEMS):
        label = random_label(rng, node)
        text = render(node.policy, label)
        made = c.open_item(
            node.system,
            item(title_en=f"coord {n}", label=text, propose="USA" in label.rel_to),
        )
        items.append(made.id)
        answers[made.id] = []
        if "USA" in label.rel_to and rng.random() < 0.6:
            kind = rng.choice([ResponseKind.CONCUR, ResponseKind.REQUEST_FOR_INFORMATION])
            answer = c.respond(officer, made.id, ResponseCreate(kind=kind, comment="q"))
            answers[made.id].append(answer.id)
        if rng.random() < 0.3:
            relabel = random_label(rng, node)
            if relabel != node.store.get(node.system, made.id).label:
                node.store.release(node.system, made.id, relabel)
    for stix_id in items + [a for ids in answers.values() for a in ids]:
        world.truth[stix_id] = [v.label for v in node.store.history(node.system, stix_id)]
    # The officer's answers are USA's: on an item narrowed after them they are bounded
    # here, not versioned, and read only by whoever may read both.
    for target, to in _bounded(node):
        if target in world.truth:
            world.truth[target] = [_joined(label, to) for label in world.truth[target]]
    return CoordWorld(items, answers)


def _bounded(node: Node) -> list[tuple[str, Label]]:
    """(id, label) of each partner's object this node bounded to `label` when what it
    follows was narrowed (the audit's `object.bounded`), in order."""
    with node.db.read() as conn:
        rows = conn.execute(
            select(audit_log.c.target, audit_log.c.detail)
            .where(audit_log.c.action == "object.bounded")
            .order_by(audit_log.c.seq)
        ).all()
    found = []
    for target, detail in rows:
        said = detail if isinstance(detail, dict) else json.loads(detail)
        found.append((str(target), parse(node.policy, said["to"])))
    return found


def _joined(label: Label, to: Label) -> Label:
    joined = lub([label, to])
    assert joined is not None
    return joined


def _release_unless_wider(node: Node, stix_id: str, label: Label) -> None:
    """Relabel a follower at random, as an officer may: a label wider than what it is
    about is refused by its owner (`never_wider_than`), and the world keeps it as it
    was."""
    from kizuna.errors import Disallowed

    try:
        node.store.release(node.system, stix_id, label)
    except Disallowed as exc:
        if "never released wider than what it is about" not in str(exc):
            raise


def _coord_visible(world: World, cw: CoordWorld, who: Principal) -> set[str]:
    return {i for i in cw.items if can_read(who.clearance, world.truth[i][-1])}


def test_coordination_board_returns_exactly_what_the_oracle_allows(
    world: World, coord_world: CoordWorld
) -> None:
    from kizuna.domains.coordination import queries
    from kizuna.domains.coordination.service import coordination

    c = coordination(world.node)
    sizes = []
    for who in world.principals:
        # Both plans: the walk of the steps (few=0) and the sort of what is seen.
        walked = queries.board(c, who, limit=500, few=0)
        sorted_ = queries.board(c, who, limit=500, few=10**6)
        assert [r.item.id for r in walked] == [r.item.id for r in sorted_]
        got = {r.item.id for r in walked}
        assert got == _coord_visible(world, coord_world, who), who
        for r in walked:
            assert r.item.label == world.truth[r.item.id][-1]
        sizes.append(len(got))
    assert min(sizes) < COORD_ITEMS // 10 < max(sizes)


def test_coordination_timeline_returns_exactly_what_the_oracle_allows(
    world: World, coord_world: CoordWorld
) -> None:
    from kizuna.domains.coordination import queries
    from kizuna.domains.coordination.service import coordination

    c = coordination(world.node)
    for who in world.principals:
        for stix_id in world.rng.sample(coord_world.items, 12):
            if not can_read(who.clearance, world.truth[stix_id][-1]):
                with pytest.raises(NotFound):
                    queries.timeline(c, who, stix_id)
                continue
            _, events = queries.timeline(c, who, stix_id)
            versions = [e.version.version for e in events if e.version is not None]
            assert versions == [
                n + 1
                for n in range(len(world.truth[stix_id]))
                if version_readable(who.clearance, world.truth[stix_id], n)
            ]
            answers = {e.response.id for e in events if e.response is not None}
            assert answers == {
                a
                for a in coord_world.answers[stix_id]
                if can_read(who.clearance, world.truth[a][-1])
            }
            # Who gave each answer, and when: a version of it the reader may read.
            for e in events:
                if e.response is not None:
                    readable = world.node.store.history(who, e.response.id)
                    assert (e.answered_by, e.at) == (readable[0].author, readable[0].recorded_at)


def test_coordination_notifications_return_only_visible_items(
    world: World, coord_world: CoordWorld
) -> None:
    from dataclasses import replace

    from kizuna.domains.coordination import notices
    from kizuna.domains.coordination.service import coordination

    c = coordination(world.node)
    # Every body, so that only the labels decide what is shown.
    bodies = frozenset(c.structure.bodies)
    noticed = {
        i for i in coord_world.items if world.truth[i][0].rel_to >= {"USA"}
    }  # proposed items notified their counterpart
    for who in world.principals[:60]:
        member = replace(who, bodies=bodies)
        notes = notices.notifications(c, member, limit=10_000)
        shown = {n.item.id for n in notes if n.item is not None}
        assert all(n.item is not None for n in notes if n.kind != "phase")
        visible = _coord_visible(world, coord_world, who)
        assert shown <= visible
        assert shown == {i for i in visible if i in noticed}


def test_coordination_rest_and_pages_return_exactly_what_the_oracle_allows(
    world: World,
    coord_world: CoordWorld,
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    link = re.compile(r'href="/coordination/items/([a-z0-9-]+--[0-9a-f-]{36})"')
    for n, (who, token, session) in enumerate(users.values()):
        expected = _coord_visible(world, coord_world, who)
        board = web.get("/api/v1/coordination/items?limit=500", headers=bearer(token)).json()
        assert {i["id"] for i in board["items"]} == expected
        for stix_id in world.rng.sample(coord_world.items, 8):
            answer = web.get(f"/api/v1/coordination/items/{stix_id}", headers=bearer(token))
            assert answer.status_code == (200 if stix_id in expected else 404)
            if stix_id in expected:
                shown = {e["response"]["id"] for e in answer.json()["timeline"] if "response" in e}
                assert shown == {
                    a
                    for a in coord_world.answers[stix_id]
                    if can_read(who.clearance, world.truth[a][-1])
                }
        if n >= 10:
            continue
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        assert set(link.findall(web.get("/coordination").text)) == expected
        for stix_id in world.rng.sample(coord_world.items, 8):
            page = web.get(f"/coordination/items/{stix_id}")
            assert page.status_code == (200 if stix_id in expected else 404)
            if stix_id not in expected:
                main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
                assert stix_id not in main


# -- Situation determinations: each nation's own, read through the visibility condition -


@pytest.fixture(scope="module")
def determinations_world(world: World) -> list[str]:
    """Determinations at random labels (a third of them ended, some relabelled), over
    regions where no item of the coordination world lies, so that no deadline moves."""
    from kizuna.domains.coordination.inputs import DeterminationCreate, DeterminationEnd
    from kizuna.domains.coordination.service import coordination
    from kizuna.labels import render

    node = world.node
    c = coordination(node)
    rng = random.Random(SEED + 9)
    regions = ["okinawa", "kanto", "east-china-sea", "sea-of-japan", "southwest-airspace"]
    kinds = [k for k, v in c.structure.determinations.items() if v.nation == node.nation]
    made_ids = []
    for _ in range(60):
        made = c.determine(
            node.system,
            DeterminationCreate(
                kind=rng.choice(kinds),
                regions=rng.sample(regions, rng.randint(1, 3)),
                determining_body="jjoc",
                label=render(node.policy, random_label(rng, node)),
            ),
        )
        if rng.random() < 0.3:
            c.end_determination(node.system, made.id, DeterminationEnd())
        if rng.random() < 0.2:
            relabel = random_label(rng, node)
            if relabel != node.store.get(node.system, made.id).label:
                node.store.release(node.system, made.id, relabel)
        made_ids.append(made.id)
    for stix_id in made_ids:
        world.truth[stix_id] = [v.label for v in node.store.history(node.system, stix_id)]
    return made_ids


def test_determinations_return_exactly_what_the_oracle_allows(
    world: World,
    determinations_world: list[str],
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    from kizuna.domains.coordination import queries
    from kizuna.domains.coordination.service import coordination

    c = coordination(world.node)
    ended = {
        d.item.id
        for d in queries.determinations(c, world.node.system, include_ended=True, limit=500)
        if not d.in_force
    }
    assert 0 < len(ended) < len(determinations_world)
    row = re.compile(r'class="determination-row[^"]*" data-id="([^"]+)"')
    shaded = re.compile(r'class="region region-\w+ det-\w+" data-region="([^"]+)"')
    for n, (who, token, session) in enumerate(users.values()):
        expected = {i for i in determinations_world if can_read(who.clearance, world.truth[i][-1])}
        everything = queries.determinations(c, who, include_ended=True, limit=500)
        assert {d.item.id for d in everything} == expected
        in_force = {d.item.id for d in queries.determinations(c, who, limit=500)}
        assert in_force == expected - ended
        for region in ("okinawa", "kanto"):
            covered = {d.item.id for d in queries.determinations(c, who, region=region)}
            assert covered == {d.item.id for d in everything if d.in_force and region in d.regions}
        api = web.get(
            "/api/v1/coordination/determinations?include_ended=true&limit=500",
            headers=bearer(token),
        ).json()["items"]
        assert {d["id"] for d in api} == expected
        if n >= 10:
            continue
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        page = web.get("/coordination/regions").text
        assert set(row.findall(page)) == expected
        # The map shades a region only for a determination this reader may read.
        assert set(shaded.findall(page)) == {r for d in everything if d.in_force for r in d.regions}
        board = web.get("/coordination").text
        banner = board.split('class="determinations"', 1)[1].split("</p>", 1)[0]
        assert banner.count('class="determination ') == len(expected - ended)


# -- Requests for information: RFIs, their threads, and the items' timelines -----------


@dataclass
class RfiWorld:
    rfis: list[str]
    replies: dict[str, list[str]]  # rfi -> its replies
    on_items: dict[str, str]  # rfi -> the item it was asked on
    receipts: dict[str, list[str]]  # rfi -> its receipts


@pytest.fixture(scope="module")
def rfi_world(world: World, coord_world: CoordWorld) -> RfiWorld:
    """RFIs on random items of the coordination world (at the item's label) and
    standalone ones at random labels, answered or not, some then relabelled so that
    an RFI may be hidden where its item is not."""
    from kizuna.domains.coordination.inputs import ReplyCreate, RfiCreate
    from kizuna.domains.coordination.service import coordination
    from kizuna.labels import render

    node = world.node
    c = coordination(node)
    rng = random.Random(SEED + 11)
    found = RfiWorld([], {}, {}, {})
    for n in range(50):
        on_item = rng.choice(coord_world.items) if rng.random() < 0.5 else None
        label = None if on_item else render(node.policy, random_label(rng, node))
        if label is not None and "USA" not in label:
            label = None  # a standalone RFI to the BOCC must be releasable to the US
        if on_item is None and label is None:
            continue
        made = c.ask(
            node.system,
            RfiCreate(
                title_en=f"rfi {n}",
                title_ja=f"情報要求 {n}",
                asking_body="jjoc",
                addressed_body="bocc",
                coordination_item=on_item,
                label=label,
            ),
        )
        found.rfis.append(made.id)
        found.replies[made.id] = []
        if on_item:
            found.on_items[made.id] = on_item
        for m in range(rng.randint(0, 2)):
            answer = c.reply(
                node.system,
                made.id,
                ReplyCreate(body="bocc", text_en=f"reply {m}", answers=m == 1),
            )
            found.replies[made.id].append(answer.id)
        if rng.random() < 0.25:
            relabel = random_label(rng, node)
            if relabel != node.store.get(node.system, made.id).label:
                _release_unless_wider(node, made.id, relabel)
    from kizuna.domains.coordination.receipts import receipts_of

    for rfi_id in found.rfis:
        found.receipts[rfi_id] = [r.id for r in receipts_of(c, node.system, rfi_id)]
        if rng.random() < 0.3:
            # A receipt relabelled apart from its RFI: readers of one may not read both.
            receipt = found.receipts[rfi_id][0]
            relabel = random_label(rng, node)
            if relabel != node.store.get(node.system, receipt).label:
                _release_unless_wider(node, receipt, relabel)
    every = [
        *found.rfis,
        *(r for rs in found.replies.values() for r in rs),
        *(r for rs in found.receipts.values() for r in rs),
    ]
    for stix_id in every:
        world.truth[stix_id] = [v.label for v in node.store.history(node.system, stix_id)]
    for stix_id in set(found.on_items.values()):
        # Their clocks stopped and started: new versions, at the same labels.
        world.truth[stix_id] = [v.label for v in node.store.history(node.system, stix_id)]
    assert found.on_items
    assert len(found.on_items) < len(found.rfis)
    return found


def test_rfis_threads_and_timelines_show_exactly_what_the_oracle_allows(
    world: World,
    coord_world: CoordWorld,
    rfi_world: RfiWorld,
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    from kizuna.domains.coordination import queries, staff_queries
    from kizuna.domains.coordination.receipts import receipts_of
    from kizuna.domains.coordination.service import coordination
    from kizuna.errors import NotFound as Missing

    c = coordination(world.node)

    def sees(who: Principal, stix_id: str) -> bool:
        return can_read(who.clearance, world.truth[stix_id][-1])

    link = re.compile(r'href="/coordination/rfis/([a-z0-9-]+--[0-9a-f-]{36})"')
    for n, (who, token, session) in enumerate(users.values()):
        expected = {r for r in rfi_world.rfis if sees(who, r)}
        assert {r.id for r in staff_queries.rfis(c, who, limit=500)} == expected
        api = web.get("/api/v1/coordination/rfis?limit=500", headers=bearer(token)).json()
        assert {r["id"] for r in api["items"]} == expected
        for rfi_id in world.rng.sample(rfi_world.rfis, 6):
            if rfi_id not in expected:
                with pytest.raises(Missing):
                    staff_queries.rfi_thread(c, who, rfi_id)
                answer = web.get(f"/api/v1/coordination/rfis/{rfi_id}", headers=bearer(token))
                assert answer.status_code == 404
                continue
            _rfi, replies = staff_queries.rfi_thread(c, who, rfi_id)
            assert {r.id for r in replies} == {r for r in rfi_world.replies[rfi_id] if sees(who, r)}
            assert {r.id for r in receipts_of(c, who, rfi_id)} == {
                r for r in rfi_world.receipts[rfi_id] if sees(who, r)
            }
        # An item's timeline lists only the RFIs the reader may read.
        for item_id in list(dict.fromkeys(rfi_world.on_items.values()))[:8]:
            if not sees(who, item_id):
                continue
            _facts, events = queries.timeline(c, who, item_id)
            shown = {e.rfi.id for e in events if e.rfi is not None}
            assert shown == {
                r for r, i in rfi_world.on_items.items() if i == item_id and sees(who, r)
            }
        if n >= 10:
            continue
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        assert set(link.findall(web.get("/coordination/rfis").text)) == expected


# -- The watch log and the shift handovers (issue 15) ----------------------------------


@pytest.fixture(scope="module")
def watch_world(world: World) -> tuple[list[str], list[str]]:
    """Entries of the JJOC and the BOCC at random labels and times over a week (some
    released anew), and handovers of random shifts, at a random label where it
    dominates what they list, else at the least upper bound of it."""
    from datetime import timedelta

    from kizuna import clock
    from kizuna.domains.coordination.handover import generate
    from kizuna.domains.coordination.service import coordination
    from kizuna.domains.coordination.watch import log_entry
    from kizuna.domains.coordination.watch_model import EntryCreate, HandoverCreate
    from kizuna.errors import Invalid
    from kizuna.labels import render

    node, system = world.node, world.node.system
    c = coordination(node)
    rng = random.Random(SEED + 15)
    now = clock.now()
    entries, handovers = [], []
    for n in range(80):
        made = log_entry(
            c,
            system,
            EntryCreate(
                body=rng.choice(["jjoc", "jjoc", "bocc"]),
                kind=rng.choice(["event", "call", "decision", "note"]),
                at=now - timedelta(minutes=rng.randint(0, 7 * 24 * 60)),
                text_en=f"entry {n}",
                label=render(node.policy, random_label(rng, node)),
            ),
        )
        if rng.random() < 0.15:
            relabel = random_label(rng, node)
            if relabel != made.label:
                node.store.release(system, made.id, relabel)
        entries.append(made.id)
    for _ in range(25):
        end = now - timedelta(hours=rng.randint(0, 160))
        data = {"body": rng.choice(["jjoc", "bocc"]), "period_end": end,
                "period_start": end - timedelta(hours=rng.randint(1, 8))}  # fmt: skip
        try:
            label = render(node.policy, random_label(rng, node))
            made = generate(c, system, HandoverCreate(**data, label=label))
        except Invalid:
            made = generate(c, system, HandoverCreate(**data))
        handovers.append(made.id)
    for stix_id in entries + handovers:
        world.truth[stix_id] = [v.label for v in node.store.history(system, stix_id)]
    return entries, handovers


def test_watch_logs_and_handovers_return_exactly_what_the_oracle_allows(
    world: World,
    watch_world: tuple[list[str], list[str]],
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    from kizuna.domains.coordination import handover as handovers_
    from kizuna.domains.coordination.service import coordination
    from kizuna.domains.coordination.watch import watch_log

    c = coordination(world.node)
    entries, handovers = watch_world
    bodies = {i: world.node.store.get(world.node.system, i).object["body"] for i in entries}
    # What a handover lists, everyone who may read it may read.
    for stix_id in handovers:
        made = world.node.store.get(world.node.system, stix_id)
        for rows in made.object["sections"].values():
            for row in rows:
                if "label" in row:
                    assert dominates(made.label, parse(world.node.policy, row["label"]))
    row = re.compile(r'class="watch-entry[^"]*" data-id="([^"]+)"')
    listed = re.compile(r'class="handover-row" data-id="([^"]+)"')
    for n, (who, token, session) in enumerate(users.values()):
        seen = {i for i in entries if can_read(who.clearance, world.truth[i][-1])}
        jjoc = {i for i in seen if bodies[i] == "jjoc"}
        assert {e.entry.id for e in watch_log(c, who, "jjoc", limit=500)} == jjoc
        # The US counterpart's log shows the JJOC's entries the reader may read.
        assert {e.entry.id for e in watch_log(c, who, "usfj", limit=500)} == jjoc
        assert {e.entry.id for e in watch_log(c, who, "bocc", limit=500)} == seen - jjoc
        api = web.get(
            "/api/v1/coordination/watch?body=jjoc&limit=500", headers=bearer(token)
        ).json()["items"]
        assert {e["id"] for e in api} == jjoc
        expected = {i for i in handovers if can_read(who.clearance, world.truth[i][-1])}
        got = {h.handover.id for h in handovers_.handovers(c, who, limit=500)}
        assert got == expected
        api = web.get("/api/v1/coordination/handovers?limit=500", headers=bearer(token))
        assert {h["id"] for h in api.json()["items"]} == expected
        for stix_id in world.rng.sample(handovers, 3):
            one = web.get(f"/api/v1/coordination/handovers/{stix_id}", headers=bearer(token))
            assert one.status_code == (200 if stix_id in expected else 404)
        if n >= 10:
            continue
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        page = web.get("/coordination/watch?body=jjoc").text
        assert set(row.findall(page)) == jjoc
        assert set(listed.findall(web.get("/coordination/handovers").text)) == expected
        for stix_id in world.rng.sample(handovers, 3):
            shown = web.get(f"/coordination/handovers/{stix_id}")
            assert shown.status_code == (200 if stix_id in expected else 404)


@pytest.fixture(scope="module")
def tasker_world(world: World, coord_world: CoordWorld) -> dict[str, list[str]]:
    """Taskers on random items (at their labels) and without one (at random labels),
    with statuses, some relabelled: tasker -> its statuses and receipts."""
    from kizuna.domains.coordination.inputs import TaskerCreate, TaskStatusCreate
    from kizuna.domains.coordination.receipts import receipts_of
    from kizuna.domains.coordination.service import coordination
    from kizuna.labels import render

    node = world.node
    c = coordination(node)
    rng = random.Random(SEED + 13)
    made_ids: dict[str, list[str]] = {}
    for n in range(40):
        on_item = rng.choice(coord_world.items) if rng.random() < 0.5 else None
        label = None if on_item else render(node.policy, random_label(rng, node))
        if label is not None and "USA" not in label:
            continue
        made = c.issue_tasker(
            node.system,
            TaskerCreate(
                title_en=f"tasker {n}",
                title_ja=f"タスク {n}",
                issuing_body="jjoc",
                opr="bocc",
                suspense="2099-01-01T00:00:00Z",
                coordination_item=on_item,
                label=label,
            ),
        )
        related = [r.id for r in receipts_of(c, node.system, made.id)]
        for status in rng.sample(["acknowledged", "in_progress"], rng.randint(0, 2)):
            related.append(
                c.report_status(
                    node.system, made.id, TaskStatusCreate(office="bocc", status=status)
                ).id
            )
        for stix_id in [made.id, *related]:
            if rng.random() < 0.2:
                relabel = random_label(rng, node)
                if relabel != node.store.get(node.system, stix_id).label:
                    _release_unless_wider(node, stix_id, relabel)
        made_ids[made.id] = related
    for stix_id in [*made_ids, *(r for rs in made_ids.values() for r in rs)]:
        world.truth[stix_id] = [v.label for v in node.store.history(node.system, stix_id)]
    return made_ids


def test_taskers_statuses_and_receipts_show_exactly_what_the_oracle_allows(
    world: World,
    tasker_world: dict[str, list[str]],
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    from kizuna.domains.coordination import staff_queries
    from kizuna.domains.coordination.receipts import receipts_of
    from kizuna.domains.coordination.service import coordination

    c = coordination(world.node)

    def sees(who: Principal, stix_id: str) -> bool:
        return can_read(who.clearance, world.truth[stix_id][-1])

    link = re.compile(r'href="/coordination/taskers/([a-z0-9-]+--[0-9a-f-]{36})"')
    for n, (who, token, session) in enumerate(users.values()):
        expected = {t for t in tasker_world if sees(who, t)}
        assert {t.id for t in staff_queries.taskers(c, who, limit=500)} == expected
        api = web.get("/api/v1/coordination/taskers?limit=500", headers=bearer(token)).json()
        assert {t["id"] for t in api["items"]} == expected
        for tasker_id in world.rng.sample(sorted(tasker_world), 6):
            answer = web.get(f"/api/v1/coordination/taskers/{tasker_id}", headers=bearer(token))
            assert answer.status_code == (200 if tasker_id in expected else 404)
            if tasker_id not in expected:
                continue
            _t, statuses = staff_queries.tasker_detail(c, who, tasker_id)
            shown = {x.id for x in statuses} | {r.id for r in receipts_of(c, who, tasker_id)}
            assert shown == {r for r in tasker_world[tasker_id] if sees(who, r)}
        if n >= 10:
            continue
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        assert set(link.findall(web.get("/coordination/taskers").text)) == expected


def test_a_commitments_timeline_is_exactly_its_readable_chain(node: Node) -> None:
    """A timeline reads along its chain (up the `restates_id`s, then down): its root,
    decisions, links and reviews are what the register's rule gives over everything
    the node holds, kept to what each reader may read. (A node of its own: the chains
    would change what the module's world holds for the tests after it.)"""
    from kizuna.domains.meetings import model, service
    from kizuna.store.listing import readable

    rng = random.Random(SEED + 9)
    principals = [random_principal(rng, node, i) for i in range(60)]
    bodies: dict[str, dict] = {}
    labels: dict[str, Label] = {}
    with node.db.write() as conn:

        def write(body: dict, label: Label) -> str:
            made = node.store.create_in(conn, node.system, body, label, owner=MEETINGS)
            bodies[made.id], labels[made.id] = body, label
            return made.id

        decisions: list[str] = []
        for n in range(80):
            # Forests: a restatement's label dominates the decision it restates.
            parent = rng.choice(decisions) if decisions and rng.random() < 0.7 else None
            label = random_label(rng, node)
            if parent:
                label = lub([label, labels[parent]]) or label
            decisions.append(
                write(
                    {
                        "type": model.DECISION,
                        "meeting_id": f"x-kizuna-meeting--00000000-0000-5000-9000-{n:012d}",
                        "meeting_date": f"2021-{n // 10 + 1:02d}-01",
                        "section_number": n % 3,
                        "actor": "both",
                        "stance": "reaffirm",
                        "sentence": f"chain {n}",
                        **({"restates_id": parent} if parent else {}),
                    },
                    label,
                )
            )
        for k in range(60):
            decision = rng.choice(decisions)
            label = lub([random_label(rng, node), labels[decision]]) or labels[decision]
            if k % 2:
                body = {"type": model.LINK, "decision_id": decision, "target": f"work {k}"}
                body["relation"] = "carried-out-by"
            else:
                body = {
                    "type": model.REVIEW, "decision_id": decision, "nation": "JPN",
                    "score": 1, "evidence": f"e{k}", "date": f"2025-0{k % 9 + 1}-01",
                    "round": "2025",
                }  # fmt: skip
            write(body, label)
    of = {
        kind: [i for i in bodies if i.startswith(kind + "--")]
        for kind in (model.LINK, model.REVIEW)
    }
    followed = 0
    for who in principals:
        mine = {d for d in decisions if can_read(who.clearance, labels[d])}

        def root(i: str, mine: set[str] = mine) -> str:
            seen = set()
            while (up := bodies[i].get("restates_id")) in mine and i not in seen:
                seen.add(i)
                i = up
            return i

        for d in rng.sample(decisions, 8):
            if d not in mine:
                with pytest.raises(NotFound):
                    service.timeline(node, who, d)
                continue
            t = service.timeline(node, who, d)
            chain = {i for i in mine if root(i) == root(d)}
            assert t["root"].id == root(d)
            assert {x.id for x in t["decisions"]} == chain
            for kind, key in ((model.LINK, "links"), (model.REVIEW, "reviews")):
                expected = {
                    i
                    for i in of[kind]
                    if bodies[i]["decision_id"] in chain and can_read(who.clearance, labels[i])
                }
                assert {x.id for x in t[key]} == expected
            followed += len(chain) > 1
        assert set(readable(node.store, who, decisions)) == mine
    assert followed > 10  # chains of several decisions, not single ones


def test_an_import_preview_names_only_records_the_oracle_allows(node: Node) -> None:
    """A preview of an import (REST `dry_run`) at any label: refused (403) to one who
    may not import at it (a role that does not write here, a partner's user, a label
    above their clearance or a release they may not decide), exactly as the import is;
    answered, it names only records of the text its caller may read: `meeting_id` the
    record at that label (`already` when held), `held_elsewhere` those at the others.
    (A node of its own: the records would change what the module's world holds.)"""
    from kizuna.domains.meetings import service

    corpus = Path(__file__).parents[1] / "domains/meetings/corpus"
    text = (corpus / "2012-07-08_mofa-fm-meeting-summary_en.txt").read_bytes()
    rng = random.Random(SEED + 11)
    held: dict[str, Label] = {}
    while len(held) < 8:
        label = random_label(rng, node)
        if rng.random() < 0.5:
            # Half at this nation only: a label an author imports at without a release.
            label = Label(label.rank, frozenset({node.nation}), label.compartments)
        made = service.import_summary(node, node.system, text, label=label, public_release=True)
        held[made.meeting_id] = label
    tokens = []
    with node.db.write() as conn:
        for n in range(40):
            who = random_principal(rng, node, n)
            # Mostly this node's own users (only they import), some partners' too.
            nation = node.nation if n % 4 else who.nation
            home = nation == node.nation
            roles = rng.choice([["reader"], ["author"]] + [["author", "releasing_officer"]] * home)
            user = identity.add_user(
                conn, policy=node.policy, actor="test", username=who.name, nation=nation,
                clearance=node.policy.level(who.clearance.rank).name,
                compartments=sorted(who.clearance.compartments), roles=roles,
            )  # fmt: skip
            tokens.append((user.principal, identity.issue_token(conn, user=user, actor="test")))
    answered = refused = 0
    with TestClient(create_app(node)) as web:
        for who, token in tokens:
            readable = {i for i, lab in held.items() if can_read(who.clearance, lab)}
            for label in [*held.values(), random_label(rng, node)]:
                may = (
                    who.can(Permission.OBJECT_WRITE)
                    and who.nation == node.nation
                    and can_read(who.clearance, label)
                    and (label.rel_to == {node.nation} or who.can(Permission.OBJECT_RELEASE))
                )
                shown = node.store.render(label)
                answer = web.post(
                    "/api/v1/meetings/import",
                    json={"data": base64.b64encode(text).decode(), "label": shown},
                    headers=bearer(token),
                )
                named = set(re.findall(r"x-kizuna-meeting--[0-9a-f-]{36}", answer.text))
                assert named <= readable | {answer.json().get("meeting_id")}, who.name
                if not may:
                    assert answer.status_code == 403, (who.name, shown, answer.text)
                    assert not named
                    refused += 1
                    continue
                assert answer.status_code == 200, (who.name, shown, answer.text)
                body = answer.json()
                here = [i for i, lab in held.items() if lab == label]
                assert body["already"] == bool(here)
                assert here in ([], [body["meeting_id"]])
                assert {o["meeting_id"] for o in body["held_elsewhere"]} == readable - {
                    body["meeting_id"]
                }
                answered += 1
    assert answered > 20
    assert refused > 20


# -- The restatement index: what an import reads to link a decision to an earlier one -


@dataclass
class RestateWorld:
    bodies: dict[str, dict]  # id -> body of each decision, in creation (object pk) order
    truth: dict[str, Label]


@pytest.fixture(scope="module")
def restate_world(world: World, record_world: RecordWorld) -> RestateWorld:
    """Decisions with words, entities and topics from a small vocabulary (so that ties
    happen) at random labels, written like the oracle's objects, not yet indexed."""
    from kizuna.domains.meetings import model

    rng = random.Random(SEED + 5)
    words = [f"w{i}" for i in range(8)]
    bodies: dict[str, dict] = {}
    truth: dict[str, Label] = {}
    with world.node.db.write() as conn:
        for n in range(120):
            body = {
                "type": model.DECISION,
                "meeting_id": f"x-kizuna-meeting--00000000-0000-5000-8000-{n:012d}",
                "meeting_date": f"2023-0{rng.randint(1, 4)}-01",
                "section_number": 1,
                "actor": "both",
                "stance": "reaffirm",
                "sentence": f"r{n}",
                "keywords": sorted(rng.sample(words, rng.randint(1, 4))),
                "entities": [{"text": e, "kind": "body"} for e in rng.sample(["ACM", "DICAS"], 1)]
                if rng.random() < 0.3
                else [],
                "topics": rng.sample(["cyber and space", "north korea"], rng.randint(0, 1)),
            }
            label = random_label(rng, world.node)
            made = world.node.store.create_in(conn, world.node.system, body, label, owner=MEETINGS)
            bodies[made.id] = body
            truth[made.id] = label
    return RestateWorld(bodies, truth)


def test_restatement_index_reads_exactly_what_the_oracle_allows(
    world: World, record_world: RecordWorld, restate_world: RestateWorld
) -> None:
    from kizuna.db.schema import objects
    from kizuna.domains.meetings import restate
    from kizuna.domains.meetings.schema import meetings_decisions

    everything = set(record_world.decisions) | set(restate_world.bodies)
    labels = {**{d: record_world.truth[d] for d in record_world.decisions}, **restate_world.truth}
    # What the catch-up reads for a principal (rolled back, so each starts from none).
    for who in world.principals[:40]:
        with world.node.db.engine.connect() as conn, conn.begin() as tx:
            restate.catch_up(conn, world.node.store, who)
            indexed = set(
                conn.execute(
                    select(objects.c.stix_id).join(
                        meetings_decisions, meetings_decisions.c.object_pk == objects.c.pk
                    )
                ).scalars()
            )
            tx.rollback()
        assert indexed == {d for d in everything if can_read(who.clearance, labels[d])}

    with world.node.db.write() as conn:
        restate.catch_up(conn, world.node.store, world.node.system)
    # The lookup: the same answer as the rule applied to every earlier decision the
    # principal may see and the new decision's label dominates, so that whoever reads
    # the link reads its target (the record world's decisions have no words or
    # entities, so they score at most 0.1 and never pass the threshold).
    rng = random.Random(SEED + 6)
    order = list(restate_world.bodies)
    linked = hidden = 0
    for who in world.principals:
        for _ in range(3):
            probe = {
                "meeting_date": rng.choice(["2023-03-01", "2024-01-01"]),
                "keywords": sorted(rng.sample([f"w{i}" for i in range(8)], rng.randint(1, 4))),
                "entities": [{"text": "ACM", "kind": "body"}] if rng.random() < 0.3 else [],
                "topics": rng.sample(["cyber and space", "north korea"], rng.randint(0, 1)),
            }
            label = random_label(rng, world.node)
            best, score = None, restate.THRESHOLD
            for stix_id in reversed(order):  # newest first: the first best wins a tie
                body = restate_world.bodies[stix_id]
                if body["meeting_date"] >= probe["meeting_date"]:
                    continue
                if not can_read(who.clearance, restate_world.truth[stix_id]):
                    continue
                if not dominates(label, restate_world.truth[stix_id]):
                    continue
                s = restate.similarity(probe, body)
                if s > score:
                    best, score = stix_id, s
            with world.node.db.read() as conn:
                got = restate.restated(conn, world.node.store, who, probe, label)
            assert got == best
            linked += got is not None
            if got is not None:
                assert dominates(label, restate_world.truth[got])
                hidden += not can_read(who.clearance, restate_world.truth[got])
    assert linked > 60  # the probes do find earlier decisions
    assert hidden == 0


def test_joint_product_approvals_show_exactly_what_the_oracle_allows(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    """A joint product and each of its approvals are read under their own labels (REST,
    pages and the store): an approval carries the draft's label, so a reader of a
    released product who may not read its draft sees the release, not who approved."""
    import uuid

    from kizuna.domains.intel import joint, model, service
    from kizuna.identity.principal import Role
    from kizuna.labels import Clearance, render

    policy = world.node.policy
    kind = next(k for k in model.KINDS if k.key == "joint-products")
    officer = Principal(
        "oracle-officer",
        Clearance("JPN", policy.highest.rank, frozenset(policy.compartments)),
        frozenset({Role.RELEASING_OFFICER}),
    )
    made: dict[str, Label] = {}
    approvals: dict[str, tuple[str, Label]] = {}  # approval id -> (product, label)
    for n in range(30):
        drawn = random_label(world.rng, world.node)
        draft = Label(drawn.rank, drawn.rel_to | {"USA"}, drawn.compartments)
        target = Label(0, draft.rel_to)
        if target == draft:
            target = Label(0, draft.rel_to | {next(iter(set(policy.nations) - draft.rel_to))})
        # A contribution every reader of the draft reads (the cell refuses any other).
        contribution = world.node.store.create(
            world.node.system, report(f"contribution {n}"), draft
        ).id
        world.truth[contribution] = [draft]
        fields = {
            "name": "joint",
            "contributions": [contribution],
            "target_label": render(policy, target),
        }
        product = service.create(
            world.node.store, world.node.system, kind, fields, render(policy, draft)
        )
        made[product.id] = draft
        world.truth[product.id] = [draft]
        state = joint.approve(world.node.store, officer, product.id, joint.joint_state(
            world.node.store, world.node.system, product.id).digest)  # fmt: skip
        for a in state.approvals:
            approvals[a.id] = (product.id, draft)
        # Every other product: the partners' approvals arrive, and it is released.
        for nation in sorted(draft.rel_to - {"JPN"}) if n % 2 else []:
            body = {
                "id": f"{model.APPROVAL_TYPE}--{uuid.uuid4()}",
                **model.approval(
                    product=product.id,
                    product_digest=state.digest,
                    product_modified=product.modified,
                    nation=nation,
                    officer=f"officer-{nation}",
                ),
            }
            with world.node.store.transaction(world.node.system) as conn:
                got = world.node.store.accept_in(
                    conn,
                    body=body,
                    label=draft,
                    origin=nation,
                    author=f"node:{nation}",
                    version=1,
                )
                assert got is not None
                for hook in world.node.arrival_hooks:
                    hook(world.node, conn, got)
            approvals[got.id] = (product.id, draft)
        if n % 2:
            assert world.node.store.get(world.node.system, product.id).label == target
            world.truth[product.id].append(target)
    for approval_id, (_, label) in approvals.items():
        world.truth[approval_id] = [label]
    outcomes, shown = set(), set()
    for who, token, session in list(users.values())[:12]:
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        for stix_id in made:
            allowed = can_read(who.clearance, world.truth[stix_id][-1])
            outcomes.add(allowed)
            rest = web.get(
                f"/api/v1/intel/joint-products/{stix_id}/approvals", headers=bearer(token)
            )
            assert rest.status_code == (200 if allowed else 404)
            page = web.get(f"/intel/joint/{stix_id}")
            assert page.status_code == (200 if allowed else 404)
            if not allowed:
                continue
            expected = {
                a for a, (p, label) in approvals.items()
                if p == stix_id and can_read(who.clearance, label)
            }  # fmt: skip
            got = {a["id"] for a in rest.json()["approvals"]}
            assert got == expected, (who, stix_id)
            shown.add(len(got) == len([a for a, (p, _) in approvals.items() if p == stix_id]))
        listed = {
            o.id for o in world.node.store.list(who, type=model.APPROVAL_TYPE, limit=1000).items
        }
        assert listed == {a for a in approvals if can_read(who.clearance, world.truth[a][-1])}
    assert outcomes == {True, False}  # the data separates readers
    assert shown == {True, False}  # some readers see a release but not all its approvals


# -- search ---------------------------------------------------------------------------


def _searchable(world: World) -> dict[str, tuple[str, Label]]:
    """Every current object of the store (this module's and the fixtures' of other
    mechanisms), with its text as the index holds it and its current label, read by
    the system principal, which sees everything."""
    index = importlib.import_module("kizuna.db.migrations.versions.0019_search_more_text")
    found: dict[str, tuple[str, Label]] = {}
    token = None
    while True:
        page = world.node.store.list(world.node.system, limit=500, cursor_token=token)
        for obj in page.items:
            text = " ".join(str(obj.object.get(f) or "") for f in index.FIELDS)
            # An attachment's file name (migration 0018).
            text += " " + str(obj.object.get("extensions", {}).get(index.ATTACHMENT, {})
                              .get("file_name") or "")  # fmt: skip
            found[obj.id] = (" ".join(text.split()), obj.label)
        token = page.next
        if not token:
            return found


def _holding(searchable: dict[str, tuple[str, Label]], query: str) -> set[str]:
    # Both indexes match without regard to case.
    return {i for i, (text, _) in searchable.items() if query.lower() in text.lower()}


def _readable(searchable: dict[str, tuple[str, Label]], ids: set[str], who: Principal) -> set[str]:
    return {i for i in ids if can_read(who.clearance, searchable[i][1])}


def test_search_results_counts_and_snippets_are_exactly_what_the_oracle_allows(
    world: World,
) -> None:
    from kizuna.store.search import search

    searchable = _searchable(world)
    # "r1" is shorter than a trigram (the LIKE path), "10.1" is not (the index's own).
    for query in ("r1", "10.1"):
        holds = _holding(searchable, query)
        assert 0 < len(holds) < len(searchable)
        # Attachments among them, found by their file names (walk 35).
        assert any(i.startswith("artifact--") for i in holds)
        for who in world.principals[:40]:
            seen: list[str] = []
            offset = 0
            while True:
                found = search(world.node.store, who, query, limit=100, offset=offset)
                for hit in found.hits:
                    # A snippet is cut from the hit's own text, never another object's.
                    assert query.lower() in hit.snippet.lower()
                    assert hit.snippet.strip("…") in searchable[hit.obj.id][0]
                seen += [hit.obj.id for hit in found.hits]
                if len(found.hits) < 100:
                    break
                offset += 100
            expected = _readable(searchable, holds, who)
            assert len(seen) == len(set(seen))
            assert set(seen) == expected
            assert found.total == len(expected)


def test_the_search_page_shows_exactly_what_the_oracle_allows(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    searchable = _searchable(world)
    holds = _holding(searchable, "r19")
    assert any(i.startswith("artifact--") for i in holds)
    for who, _, session in list(users.values())[:10]:
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        web.cookies.set(cookies(web).lang, "en")
        expected = _readable(searchable, holds, who)
        seen: set[str] = set()
        url = "/search?q=r19"
        first = web.get(url).text
        count = len(expected)
        assert f"{count} object{'' if count == 1 else 's'} found" in first
        while url:
            html = web.get(url).text
            seen |= set(_LINK.findall(html))
            # Every page shows the count of all results: its banner covers them all.
            top, _ = _labels_on(world, html)
            for found in expected:
                assert _covers(top, searchable[found][1]), (who.name, url)
            more = re.search(r'href="([^"]+)" rel="next"', html)
            url = more.group(1).replace("&amp;", "&") if more else ""
        assert seen == expected


# -- derived data: figures, banners, the audit page, creation answers, cursors ----------

_BANNER = re.compile(r'id="banner-top"[^>]*>([^<]*)<')
_CHIP = re.compile(r'<span class="chip [^"]*">([^<]*)</span>')


def _labels_on(world: World, html: str) -> tuple[Label | None, list[Label]]:
    """The page's banner (None when the page shows no label at all) and its chips."""
    policy = world.node.policy
    chips = [parse(policy, t.strip()) for t in _CHIP.findall(html)]
    text = _BANNER.search(html)
    assert text is not None
    try:
        return parse(policy, text.group(1).strip()), chips
    except ValueError:
        assert not chips  # only a page with no label on it shows the bare lowest level
        return None, chips


def _covers(top: Label | None, label: Label) -> bool:
    return top is not None and dominates(top, label)


def test_register_statuses_and_figures_carry_the_label_of_their_sources(
    world: World, record_world: RecordWorld, restate_world: RestateWorld
) -> None:
    """A status, a count, a compliance figure: derived only from what the reader may
    read, and labelled with the least upper bound of what it is derived from."""
    from kizuna.domains.meetings import service

    truth = {**record_world.truth, **restate_world.truth}

    reviews_of: dict[str, list[str]] = {}
    with world.node.db.read():
        for rid in (i for i in record_world.truth if i.startswith("x-kizuna-review--")):
            body = world.node.store.get(world.node.system, rid).object
            reviews_of.setdefault(body["decision_id"], []).append(rid)
    mixed = 0
    for who in world.principals:
        shown = service.figures(world.node, who)
        for row in shown.rows:
            readable = [
                r for r in reviews_of.get(row.decision.id, []) if can_read(who.clearance, truth[r])
            ]
            assert {r.id for r in row.reviews} == set(readable)
            assert row.status == ("reviewed" if readable else "open")
            sources = [truth[row.decision.id]] + [truth[r] for r in readable]
            assert row.label == lub(sources)
            mixed += row.label != row.decision.label
        readable_reviews = [
            lab
            for i, lab in record_world.truth.items()
            if i.startswith("x-kizuna-review--") and can_read(who.clearance, lab)
        ]
        assert Counter(shown.compliance_labels) == Counter(readable_reviews)
        for row in shown.compliance:
            assert can_read(who.clearance, parse(world.node.policy, row["label"]))
    assert mixed > 0  # some statuses come from reviews above their decision's label


def test_banners_dominate_every_label_and_figure_shown(
    world: World,
    record_world: RecordWorld,
    coord_world: CoordWorld,
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    """Every page's banner is at least every chip on it, and the register's at least
    every review its compliance figures come from."""
    decisions = record_world.decisions
    meetings = [i for i in record_world.truth if i.startswith("x-kizuna-meeting--")]
    checked = 0
    for who, _, session in list(users.values())[:12]:
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        web.cookies.set(cookies(web).lang, "en")
        mine = world.visible_now(who)
        paths = ["/objects", "/meetings", "/commitments", "/intel", "/coordination",
                 "/coordination/notifications"]  # fmt: skip
        paths += [f"/objects/{i}" for i in sorted(mine)[:3]]
        paths += [
            f"/meetings/{m}" for m in meetings if can_read(who.clearance, record_world.truth[m])
        ][:2]
        paths += [
            f"/commitments/{d}" for d in decisions if can_read(who.clearance, record_world.truth[d])
        ][:3]
        paths += [
            f"/coordination/items/{i}"
            for i in coord_world.items
            if i in world.truth and can_read(who.clearance, world.truth[i][-1])
        ][:3]
        for path in paths:
            answer = web.get(path)
            assert answer.status_code == 200, (who.name, path)
            top, chips = _labels_on(world, answer.text)
            for chip in chips:
                assert _covers(top, chip), (who.name, path)
            if path == "/objects":
                # The count is of every object the reader may read, whatever the page.
                for i in mine:
                    assert _covers(top, world.truth[i][-1]), (who.name, i)
            if path == "/commitments":
                figures = [
                    lab
                    for i, lab in record_world.truth.items()
                    if i.startswith("x-kizuna-review--") and can_read(who.clearance, lab)
                ]
                for lab in figures:
                    assert _covers(top, lab), who.name
            checked += 1
    assert checked > 100


@pytest.fixture(scope="module")
def admins(world: World) -> list[tuple[Principal, str]]:
    """Administrators of this node at random clearances, with sessions."""
    rng = random.Random(SEED + 7)
    made = []
    with world.node.db.write() as conn:
        for n in range(8):
            comps = sorted(c for c in world.node.policy.compartments if rng.random() < 0.5)
            level = rng.choice(world.node.policy.levels).name
            user = identity.add_user(
                conn, policy=world.node.policy, actor="test", username=f"admin{n}",
                nation="JPN", clearance=level, compartments=comps, roles=["admin"],
            )  # fmt: skip
            made.append((user.principal, identity.start_session(conn, user)))
    return made


def test_audit_pages_show_each_admin_only_what_they_may_read(
    world: World, admins: list[tuple[Principal, str]], web: TestClient
) -> None:
    """An admin reads the log, never the objects it names: a row that names an object
    (or a label) the admin may not read shows no id, type or label of it."""
    from kizuna import audit

    rng = random.Random(SEED + 8)
    with world.node.db.write() as conn:
        for n in range(40):
            label = random_label(rng, world.node)
            made = world.node.store.create_in(conn, world.node.system, report(f"a{n}"), label)
            world.truth[made.id] = [label]
    with world.node.db.read() as conn:
        entries = audit.entries(conn, limit=100)
    ids = re.compile(r"[a-z0-9-]+--[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
    outcomes = set()
    for who, session in admins:
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        web.cookies.set(cookies(web).lang, "en")
        html = web.get("/audit").text
        top, _ = _labels_on(world, html)
        rows = {
            int(m.group(1)): m.group(0)
            for m in re.finditer(r"<tr><td>(\d+)</td>.*?</tr>", html, re.S)
        }
        assert set(rows) == {e.seq for e in entries}
        for e in entries:
            named = ids.findall(f"{e.target or ''} {e.detail}")
            labels = [world.truth[i][-1] for i in named if i in world.truth]
            labels += [
                parse(world.node.policy, e.detail[k])
                for k in ("label", "from", "to")
                if isinstance(e.detail.get(k), str) and "//" in e.detail[k]
            ]
            allowed = all(can_read(who.clearance, lab) for lab in labels)
            row = rows[e.seq]
            if not allowed:
                assert "Withheld" in row
                assert not any(i in row for i in named)
                assert "label" not in row
                assert "type" not in row
            elif labels:
                assert "Withheld" not in row
                assert all(i in row for i in named if i in world.truth)
                for lab in labels:
                    assert top is not None
                    assert dominates(top, lab)
            outcomes.add(allowed)
    assert outcomes == {True, False}


def test_creation_answers_are_the_same_for_hidden_and_free_ids(world: World) -> None:
    """Creating over an id the author may not read answers as a free id does and
    changes nothing; over an id the author reads, it is a conflict."""
    from kizuna.errors import Conflict
    from kizuna.identity.principal import Role
    from kizuna.labels import Clearance

    rng = random.Random(SEED + 9)
    ids = sorted(world.truth)
    store = world.node.store
    outcomes = set()
    for n, who in enumerate(world.principals[:40]):
        author = Principal(
            name=f"author{n}",
            clearance=Clearance("JPN", who.clearance.rank, who.clearance.compartments),
            roles=frozenset({Role.AUTHOR}),
        )
        label = Label(author.clearance.rank, frozenset({"JPN"}), author.clearance.compartments)
        for stix_id in rng.sample([i for i in ids if i.startswith("report--")], 5):
            before = store.get(world.node.system, stix_id)
            if can_read(author.clearance, world.truth[stix_id][-1]):
                with pytest.raises(Conflict):
                    store.create(author, report("probe", id=stix_id), label)
                outcomes.add("conflict")
            else:
                made = store.create(author, report("probe", id=stix_id), label)
                assert (made.id, made.label, made.version) == (stix_id, label, 1)
                with pytest.raises(NotFound):
                    store.get(author, stix_id)
                outcomes.add("as if free")
            assert store.get(world.node.system, stix_id) == before
        # Observables: the same address at a label the author cannot read and at the
        # author's own label are two objects; the author's creation is real.
        held_label = random_label(rng, world.node)
        address = {"type": "ipv4-addr", "value": f"203.0.113.{n}"}
        held = store.create(world.node.system, address, held_label)
        world.truth[held.id] = [held_label]
        if held_label == label:
            with pytest.raises(Conflict):
                store.create(author, address, label)
            continue
        mine = store.create(author, address, label)
        world.truth[mine.id] = [label]
        assert mine.id != held.id
        assert store.get(author, mine.id).label == label
    assert outcomes == {"conflict", "as if free"}


def test_cursors_carry_nothing_a_reader_can_decode(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    import base64
    import json

    sizes = set()
    for _, token, _ in users.values():
        page = web.get("/api/v1/objects?limit=3", headers=bearer(token)).json()
        if not page["next"]:
            continue
        cursor = page["next"]
        sizes.add(len(cursor))
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        for text in (raw, base64.urlsafe_b64decode(cursor.split(".")[0] + "===")):
            with pytest.raises(ValueError):  # noqa: PT011 (any failure to decode will do)
                json.loads(text)
    assert len(sizes) == 1  # a cursor's length says nothing either


# -- the objects list, its exports and an object's references (issue 16) ---------------

_COUNT = re.compile(r"Objects you may read: (\d+)<")
_LISTED = re.compile(r'<td><a href="/objects/([^"]+)">([^<]*)</a></td>')
_REF = re.compile(
    r'<a class="ref" href="/objects/([^"]+)">([^<]*)</a> <span class="chip [^"]*">([^<]*)</span>'
)
_MENTION = re.compile(r'<code class="mention">([^<]*)</code>')


def _current(world: World, type: str | None = None, *, written: bool = False) -> dict[str, Label]:
    """Every current object of the store, as the system principal reads it (this
    module's and other fixtures'): id -> the label it is read under (`written`: as its
    version carries it); label markings only when asked."""
    found: dict[str, Label] = {}
    token = None
    while True:
        page = world.node.store.list(world.node.system, type=type, limit=1000, cursor_token=token)
        found |= {obj.id: obj.label for obj in page.items}
        token = page.next
        if not token:
            break
    if written:
        return found
    # A partner's object that follows one of this node's narrowed here is read only by
    # whoever may read both (its access rows are bounded, its version's label is the
    # partner's): the audit says to what.
    for target, to in _bounded(world.node):
        if target in found:
            found[target] = _joined(found[target], to)
    return found


def _as_reader(web: TestClient, session: str) -> None:
    web.cookies.clear()
    web.cookies.set(cookies(web).session, session)
    web.cookies.set(cookies(web).lang, "en")


def test_list_counts_and_sorted_pages_are_exactly_what_the_oracle_allows(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    import html

    current = _current(world)
    for who, _, session in list(users.values())[:10]:
        _as_reader(web, session)
        readable = {i for i, lab in current.items() if can_read(who.clearance, lab)}
        reports = {i for i in readable if i.startswith("report--")}
        counted = _COUNT.search(web.get("/objects").text)
        assert counted is not None
        assert int(counted.group(1)) == len(readable)
        counted = _COUNT.search(web.get("/objects?type=report").text)
        assert counted is not None
        assert int(counted.group(1)) == len(reports)
        seen: list[str] = []
        titles: list[str] = []
        url = "/objects?type=report&sort=title&dir=asc&size=100"
        while url:
            text = web.get(url).text
            rows = _LISTED.findall(text)
            seen += [i for i, _ in rows]
            titles += [html.unescape(t) for _, t in rows]
            more = re.search(r'class="more" href="([^"]+)"', text)
            url = html.unescape(more.group(1)) if more else ""
        assert len(seen) == len(set(seen))
        assert set(seen) == reports, who.name
        # Titles sort by their first 64 characters, then by the order objects came in.
        assert [t[:64] for t in titles] == sorted(t[:64] for t in titles)


def test_exports_hold_exactly_what_the_oracle_allows_and_are_audited(
    world: World, users: dict[str, tuple[Principal, str, str]], web: TestClient
) -> None:
    import csv
    import io
    import json

    from kizuna import audit

    current = _current(world)
    written = _current(world, written=True)
    markings = _current(world, "marking-definition")
    readers = list(users.values())[:8]
    with world.node.db.read() as conn:
        before = audit.entries(conn, limit=1)[0].seq
    for who, _, session in readers:
        _as_reader(web, session)
        readable = {i for i, lab in current.items() if can_read(who.clearance, lab)}
        answer = web.get("/objects.csv?sort=modified&dir=asc")
        assert answer.status_code == 200
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert len(rows) == len(readable)
        assert {r["id"] for r in rows} == readable, who.name
        for row in rows:
            assert parse(world.node.policy, row["label"]) == written[row["id"]]
        bundle = json.loads(web.get("/objects.stix.json").text)["objects"]
        ids = {o["id"] for o in bundle}
        assert ids & set(current) == readable, who.name
        assert ids & set(markings) == {
            m for m, lab in markings.items() if can_read(who.clearance, lab)
        }
        # Besides, only what every bundle opens with: the node's identity and extensions.
        assert all(
            o["type"] in ("identity", "extension-definition")
            for o in bundle
            if o["id"] not in current and o["id"] not in markings
        )
    with world.node.db.read() as conn:
        after = [e for e in audit.entries(conn, limit=1000) if e.seq > before]
    for action in ("objects.export", "stix.export"):
        actors = sorted(e.actor for e in after if e.action == action)
        assert actors == sorted(who.name for who, _, _ in readers), action


@pytest.fixture(scope="module")
def hubs(world: World) -> dict[str, list[str]]:
    """Reports every reader may read that refer to a sample of the world's objects and
    to an id of no object: hub id -> the ids it refers to."""
    from tests.factories import NATIONS

    rng = random.Random(SEED + 16)
    # stix2 refuses a report's reference to a custom type: standard targets only.
    ids = sorted(i for i in world.truth if i.startswith(("report--", "indicator--")))
    open_label = Label(world.node.policy.lowest.rank, frozenset(NATIONS), frozenset())
    made: dict[str, list[str]] = {}
    for n in range(6):
        refs = [*rng.sample(ids, 30), f"report--{uuid.uuid4()}"]
        hub = world.node.store.create(
            world.node.system, report(f"hub {n}", object_refs=refs), open_label
        )
        world.truth[hub.id] = [open_label]
        made[hub.id] = refs
    return made


def test_object_page_references_are_exactly_what_the_oracle_allows(
    world: World,
    hubs: dict[str, list[str]],
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    """A reference is a link with the target's title and label exactly when the reader
    may read the target, and the bare id otherwise (hidden or absent alike); the banner
    is at least every label shown, the linked targets' included."""
    import html

    from kizuna.store.listing import title_of

    current = {**_current(world), **_current(world, "marking-definition")}
    system = world.node.system
    referred = {r for refs in hubs.values() for r in refs if r in current}
    titles = {i: title_of(world.node.store.get(system, i).object, i) for i in referred}
    linked_some = mentioned_some = False
    for who, _, session in list(users.values())[:12]:
        _as_reader(web, session)
        for hub, refs in hubs.items():
            answer = web.get(f"/objects/{hub}")
            assert answer.status_code == 200
            links = {i: (html.unescape(t), chip) for i, t, chip in _REF.findall(answer.text)}
            mentions = set(_MENTION.findall(answer.text))
            allowed = {r for r in refs if r in current and can_read(who.clearance, current[r])}
            assert {i for i in links if i in refs} == allowed, who.name
            assert mentions & set(refs) == set(refs) - allowed, who.name
            top, chips = _labels_on(world, answer.text)
            for stix_id, (title, chip) in links.items():
                # Every link (the hub's own marking too) is to something readable.
                assert can_read(who.clearance, current[stix_id])
                assert parse(world.node.policy, chip) == current[stix_id]
                assert _covers(top, current[stix_id])
                if stix_id in titles:
                    assert title == titles[stix_id]
            for chip_label in chips:
                assert _covers(top, chip_label)
            linked_some |= bool(allowed)
            mentioned_some |= bool(set(refs) - allowed - {refs[-1]})
    assert linked_some
    assert mentioned_some  # the sample holds targets hidden from some readers


def test_the_start_page_counts_and_charts_exactly_what_the_oracle_allows(
    world: World,
    coord_world: CoordWorld,
    record_world: RecordWorld,
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every count, line and chart figure of the start page is what `can_read` allows
    over everything the node holds (read as the node itself), in the hooks and on the
    page; and the page's banner covers every object a figure counts."""
    from dataclasses import replace

    from markupsafe import escape

    from kizuna.domains import installed
    from kizuna.domains.coordination import notices
    from kizuna.domains.coordination import today as coordination_today
    from kizuna.domains.coordination.model import ITEM_TYPE
    from kizuna.domains.coordination.service import coordination
    from kizuna.domains.coordination.structure import BILATERAL
    from kizuna.domains.coordination.words import STATE_NAMES
    from kizuna.domains.intel.today import INTEL_TYPES
    from kizuna.domains.meetings import model
    from kizuna.domains.meetings.today import by_status
    from kizuna.labels import Clearance
    from kizuna.store import StoredObject
    from kizuna.today import Panel
    from kizuna.web.charts import describe
    from kizuna.web.i18n import translations

    node = world.node
    c = coordination(node)

    def held(stix_type: str) -> list[StoredObject]:
        out: list[StoredObject] = []
        token = None
        while True:
            page = node.store.list(node.system, type=stix_type, limit=1000, cursor_token=token)
            out += page.items
            token = page.next
            if token is None:
                return out

    items = held(ITEM_TYPE)
    intel = [o for t in INTEL_TYPES for o in held(t)]
    decisions = held(model.DECISION)
    reviews = held(model.REVIEW)
    links = held(model.LINK)
    assert items
    assert intel
    assert decisions
    assert reviews
    # What waits for each nation, as a reader of that nation who reads everything sees it:
    # the mechanism's rule; the oracle then keeps what each reader may read.
    monkeypatch.setattr(coordination_today, "LINES", 10_000)
    waits: dict[str, set[str]] = {}
    for nation in sorted({who.nation for who in world.principals[:40]}):
        everyone = Principal(
            name=f"all-{nation}",
            clearance=Clearance(
                nation, node.policy.highest.rank, frozenset(node.policy.compartments)
            ),
            roles=frozenset({Role.COORDINATOR}),
        )
        [panel, *_] = coordination_today.today(node, everyone)
        waits[nation] = {line.href.rsplit("/", 1)[1] for line in panel.lines}
        assert panel.count == len(waits[nation])
    assert waits["USA"]

    def bars(panel: Panel) -> dict[str, int]:
        assert panel.chart is not None
        return {b.name: b.value for b in panel.chart.bars}

    def commitments(who: Principal) -> Counter[str]:
        mine = {d.id: d for d in decisions if can_read(who.clearance, d.label)}

        def root(i: str) -> str:
            seen = set()
            while (up := mine[i].object.get("restates_id")) in mine and i not in seen:
                seen.add(i)
                i = up
            return i

        def roots(found: list[StoredObject]) -> set[str]:
            return {
                root(o.object["decision_id"])
                for o in found
                if can_read(who.clearance, o.label) and o.object["decision_id"] in mine
            }

        reviewed, linked = roots(reviews), roots(links)
        return Counter(
            "reviewed" if root(i) in reviewed else "in progress" if root(i) in linked else "open"
            for i in mine
        )

    shown_any = 0
    for who in world.principals[:40]:
        readable_items = [o for o in items if can_read(who.clearance, o.label)]
        readable_intel = [o for o in intel if can_read(who.clearance, o.label)]
        panels = {p.key: p for d in installed() if d.today for p in d.today(node, who)}
        assert set(panels) == {
            "coordination-waiting", "coordination-notices", "coordination-states",
            "intel-new", "intel-weeks", "commitments-status", "incident-notices",
        }  # fmt: skip
        waiting = panels["coordination-waiting"]
        # The oracle's readers answer nothing: nothing waits for them. The same reader
        # as a liaison who answers sees what waits for the nation and they may read.
        assert (waiting.count, waiting.lines) == (0, ()), who
        liaison = replace(who, roles=frozenset({Role.COORDINATOR}))
        [waiting, *_] = coordination_today.today(node, liaison)
        expected = {o.id for o in readable_items if o.id in waits[who.nation]}
        assert waiting.count == len(expected), who
        assert {line.href.rsplit("/", 1)[1] for line in waiting.lines} == expected
        states = panels["coordination-states"]
        assert bars(states) == {
            name: count
            for name, count in Counter(
                STATE_NAMES[o.object["state"]] for o in readable_items
            ).items()
        }
        assert states.count == len(readable_items)
        assert set(states.labels) == {o.label for o in readable_items}
        # A first visit counts the last week as new: everything the reader may read.
        assert panels["intel-new"].count == len(readable_intel)
        weeks = panels["intel-weeks"]
        assert sum(bars(weeks).values()) == len(readable_intel)
        assert set(weeks.labels) == {o.label for o in readable_intel}
        # Decisions of every kind (the oracle's are positions), by the status the
        # reader's readable links and reviews give them.
        every = by_status(node, who, kind=None)
        shown = {name: value for name, value in bars(every).items() if value}
        assert shown == dict(commitments(who))
        assert panels["commitments-status"].count == sum(
            1 for d in decisions if can_read(who.clearance, d.label) and d.object.get("commitment")
        )
        # Notices to every body of the reader's nation, about items they may read, for
        # one who signs for the bodies (a reader is put none to acknowledge).
        member = replace(who, bodies=frozenset(c.structure.bodies))
        [_, put_to_reader, _] = coordination_today.today(node, member)
        assert (put_to_reader.count, put_to_reader.lines) == (0, ()), who
        member = replace(member, roles=frozenset({Role.COORDINATOR}))
        own = {
            b for b, body in c.structure.bodies.items() if body.nation in (who.nation, BILATERAL)
        }
        [_, notice_panel, _] = coordination_today.today(node, member)
        assert notice_panel.count == sum(
            1
            for note in notices.notifications(c, member, unacknowledged=True, limit=100_000)
            if note.body in own
        )
        shown_any += bool(readable_items)
    assert shown_any > 5

    # The page says the same figures, for the readers who have a session, and its
    # banner covers every object those figures count.
    en = translations("en").gettext
    for who, _, session in list(users.values())[:10]:
        web.cookies.clear()
        web.cookies.set(cookies(web).session, session)
        web.cookies.set(cookies(web).lang, "en")
        panels = {p.key: p for d in installed() if d.today for p in d.today(node, who)}
        html = web.get("/").text
        for key, panel in panels.items():
            box = re.search(rf'id="{key}".*?data-count="(\d+)"', html, re.S)
            assert box, (who.name, key)
            assert int(box.group(1)) == panel.count, (who.name, key)
            # A chart of nothing by category is not drawn; the panel says so instead.
            if panel.chart is not None and (panel.count or panel.chart.kind == "columns"):
                assert str(escape(describe(panel.chart, en))) in html, (who.name, key)
        top, chips = _labels_on(world, html)
        counted = [o.label for o in items + intel if can_read(who.clearance, o.label)]
        for label in counted + chips:
            assert _covers(top, label), who.name


def test_a_forms_picker_shows_exactly_what_the_oracle_allows(world: World) -> None:
    """A picker's hits and the titles of its chosen objects (web/picker.py): only what
    the reader may read; a chosen id they may not read gets no title."""
    from starlette.datastructures import FormData

    from kizuna.web.picker import HITS, pickers

    searchable = _searchable(world)
    holds = _holding(searchable, "r1")
    chosen = world.rng.sample(sorted(world.truth), 30)
    for who in world.principals[:40]:
        sent = FormData([("find", "object_refs"), ("object_refs_q", "r1")]
                        + [("object_refs", i) for i in chosen])  # fmt: skip
        picker = pickers(world.node.store, who, sent, ["object_refs"])["object_refs"]
        readable = _readable(searchable, holds, who)
        found = {t.id for t in picker.found}
        assert found <= readable - set(chosen)
        assert len(found) >= min(HITS, len(readable)) - len(set(chosen) & readable)
        assert set(picker.targets) == {i for i in chosen if i in world.visible_now(who)}
        assert picker.chosen == chosen


# -- the reader's calendar (iCalendar) ------------------------------------------------


@pytest.fixture(scope="module")
def calendar_world(world: World, record_world: RecordWorld) -> dict[str, Label]:
    """Commitments with due dates at random labels on the record's meetings, and
    positions with one (which have no event): commitment id -> its label. They join
    the record's truth, so that every later reader of the register expects them."""
    from kizuna.domains.meetings import model

    rng = random.Random(SEED + 17)
    meetings = [i for i in record_world.truth if i.startswith("x-kizuna-meeting--")]
    due: dict[str, Label] = {}
    with world.node.db.write() as conn:
        for n in range(60):
            label = random_label(rng, world.node)
            body = {
                "type": model.DECISION,
                "meeting_id": rng.choice(meetings),
                "meeting_date": "2024-07-28",
                "section_number": 2,
                "item_number": n,
                "actor": "both",
                "stance": "welcome",
                "sentence": f"c{n}",
                "commitment": 1 if n % 4 else 0,
                "due": rng.choice(["2025", "2026-03", "2027-11-30"]),
            }
            made = world.node.store.create_in(conn, world.node.system, body, label, owner=MEETINGS)
            record_world.truth[made.id] = label
            record_world.decisions.append(made.id)
            if n % 4:
                due[made.id] = label
    return due


def test_the_calendar_holds_exactly_what_the_oracle_allows_and_is_labelled(
    world: World,
    record_world: RecordWorld,
    tasker_world: dict[str, list[str]],
    calendar_world: dict[str, Label],
    users: dict[str, tuple[Principal, str, str]],
    web: TestClient,
) -> None:
    """Meetings, commitments' due dates and taskers' suspenses (web/calendar_feed.py), by
    token and by session: exactly the readable ones, each event with its object's label,
    the calendar with their least upper bound; every download audited."""
    from icalendar import Calendar

    from kizuna import audit

    current = {i: lab for i, lab in record_world.truth.items() if i.startswith("x-kizuna-meeting")}
    events = {i: (i, lab) for i, lab in current.items()}
    events |= {f"{i}/due": (i, lab) for i, lab in calendar_world.items()}
    events |= {f"{t}/suspense": (t, world.truth[t][-1]) for t in tasker_world}
    with world.node.db.read() as conn:
        before = max((e.seq for e in audit.entries(conn, limit=1)), default=0)
    fetched = Counter[str]()
    for n, (who, token, session) in enumerate(users.values()):
        expected = {uid for uid, (_, lab) in events.items() if can_read(who.clearance, lab)}
        answers = [web.get("/api/v1/calendar.ics?lang=en", headers=bearer(token))]
        if n < 10:
            web.cookies.clear()
            web.cookies.set(cookies(web).session, session)
            answers.append(web.get("/calendar.ics?lang=en"))
        for answer in answers:
            assert answer.status_code == 200
            fetched[who.name] += 1
            cal = Calendar.from_ical(answer.content)
            shown = {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}
            assert set(shown) == expected, who.name
            for uid, ev in shown.items():
                stix_id, label = events[uid]
                assert parse(world.node.policy, str(ev["X-KIZUNA-LABEL"])) == label
                assert str(ev["URL"]).endswith(stix_id)
            whole = lub(events[uid][1] for uid in expected)
            if whole is None:
                assert str(cal["X-KIZUNA-LABEL"]) == world.node.policy.lowest.name
            else:
                assert parse(world.node.policy, str(cal["X-KIZUNA-LABEL"])) == whole
            # Nothing of an unreadable object is anywhere in the text.
            for uid in events.keys() - expected:
                assert events[uid][0].encode() not in answer.content, who.name
    with world.node.db.read() as conn:
        done = [e for e in audit.entries(conn, limit=1000) if e.seq > before]
    assert Counter(e.actor for e in done if e.action == "calendar.export") == fetched
