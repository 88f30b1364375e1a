"""TAXII 2.1 conformance, driven by the OASIS `taxii2-client` library over real HTTP.

Every endpoint is called by the client the way a partner's tooling would call it;
everything the server emits is checked with `stix2-validator`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.exceptions import AccessError, TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from kizuna import clock
from kizuna.labels import Label
from kizuna.runtime import Node
from kizuna.stix.markings import marking_for, marking_id
from kizuna.taxii.collections import COLLECTIONS
from kizuna.taxii.server import API_ROOT
from tests.factories import PASSWORD, add_user, indicator, live_server, report

MEDIA = "application/taxii+json;version=2.1"
ALL = COLLECTIONS[0].id
CTI = COLLECTIONS[2].id

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def base(node: Node) -> Iterator[str]:
    add_user(node, "analyst", clearance="SECRET", roles=["author"], password=PASSWORD)
    add_user(
        node,
        "officer",
        clearance="TOP SECRET",
        compartments=["BIAC", "CYBER"],
        roles=["author", "releasing_officer"],
        password=PASSWORD,
    )
    add_user(node, "ally", nation="USA", clearance="SECRET", password=PASSWORD)
    with live_server(node) as url:
        yield url


def _root(base: str, user: str) -> ApiRoot:
    return ApiRoot(f"{base}/taxii2/{API_ROOT}/", user=user, password=PASSWORD)


def _collection(base: str, user: str, collection_id: str = ALL) -> Collection:
    return Collection(
        f"{base}/taxii2/{API_ROOT}/collections/{collection_id}/", user=user, password=PASSWORD
    )


def _valid(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        assert result.is_valid, (obj, [str(e) for e in result.errors])


def _load(node: Node, count: int, label: Label, prefix: str = "r") -> list[str]:
    with node.db.write() as conn:
        return [
            node.store.create_in(conn, node.system, report(f"{prefix}{i}"), label).id
            for i in range(count)
        ]


JPN = Label(0, frozenset({"JPN"}))
BOTH = Label(0, frozenset({"JPN", "USA"}))


def test_discovery_api_root_and_collections(base: str) -> None:
    server = Server(f"{base}/taxii2/", user="analyst", password=PASSWORD)
    assert server.title.startswith("Kizuna node JPN")
    assert [root.url for root in server.api_roots] == [f"{base}/taxii2/{API_ROOT}/"]
    root = server.default
    assert root is not None
    assert root.versions == [MEDIA]
    assert root.max_content_length > 0
    by_id = {c.id: c for c in root.collections}
    assert set(by_id) == {c.id for c in COLLECTIONS}
    assert all(c.can_read and c.can_write for c in by_id.values())
    # A partner reader reads, but writes on its own node.
    ally = {c.id: c for c in _root(base, "ally").collections}
    assert not any(c.can_write for c in ally.values())


def test_paging_through_10000_objects_with_as_pages(node: Node, base: str) -> None:
    # Loaded through the batch write (its subject is the paging, not the write).
    with node.db.write() as conn:
        batch = node.store.create_many_in(
            conn, node.system, [(report(f"r{i}"), BOTH) for i in range(10_000)]
        )
    assert not batch.refused
    made = {o.id for o in batch.made}
    seen: list[str] = []
    pages = 0
    for envelope in as_pages(_collection(base, "ally").get_objects, per_request=1000):
        pages += 1
        seen.extend(o["id"] for o in envelope.get("objects", []))
    # The reports, and the one label marking they reference.
    assert len(seen) == len(set(seen)) == 10_001
    assert set(seen) == made | {marking_id(node.policy, BOTH)}
    assert pages == 11


def test_objects_carry_their_label_marking_and_pass_the_validator(node: Node, base: str) -> None:
    secret = Label(20, frozenset({"JPN", "USA"}), frozenset({"BIAC"}))
    with node.db.write() as conn:
        node.store.create_in(conn, node.system, report("labelled"), secret)
        node.store.create_in(conn, node.system, indicator(), BOTH)
    envelope = _collection(base, "officer").get_objects()
    objects = envelope["objects"]
    _valid(objects)
    markings = {o["id"]: o for o in objects if o["type"] == "marking-definition"}
    assert markings[marking_id(node.policy, secret)] == marking_for(node.policy, secret)
    for obj in objects:
        if obj["type"] != "marking-definition":
            assert obj["object_marking_refs"][0] in markings


def test_added_after_and_date_headers(node: Node, base: str) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock.set_clock(lambda: start)
    try:
        early = _load(node, 3, BOTH, "early")
        clock.set_clock(lambda: start + timedelta(hours=1))
        late = _load(node, 2, BOTH, "late")
    finally:
        clock.set_clock(None)
    collection = _collection(base, "ally")
    everything = collection.get_objects()
    assert {o["id"] for o in everything["objects"]} >= set(early) | set(late)
    after = collection.get_objects(added_after="2026-01-01T00:30:00Z")
    assert [o["id"] for o in after["objects"]] == late

    raw = requests.get(
        collection.objects_url,
        params={"added_after": "2026-01-01T00:30:00.000Z"},
        headers={"Accept": MEDIA},
        auth=("ally", PASSWORD),
        timeout=10,
    )
    assert raw.headers["content-type"] == MEDIA
    assert raw.headers["X-TAXII-Date-Added-First"].startswith("2026-01-01T01:00:00")
    assert raw.headers["X-TAXII-Date-Added-Last"].startswith("2026-01-01T01:00:00")


def test_filters_versions_and_manifest(node: Node, base: str) -> None:
    [report_id] = _load(node, 1, BOTH)
    with node.db.write() as conn:
        ind = node.store.create_in(conn, node.system, indicator("203.0.113.9"), BOTH).id
    clock.set_clock(lambda: datetime(2030, 1, 1, tzinfo=UTC))
    try:
        node.store.revise(node.system, report_id, report("second version"))
    finally:
        clock.set_clock(None)
    collection = _collection(base, "ally")

    by_type = collection.get_objects(type="indicator")["objects"]
    assert [o["id"] for o in by_type] == [ind]
    by_id = collection.get_objects(id=report_id)["objects"]
    assert [o["name"] for o in by_id] == ["second version"]
    all_versions = collection.get_objects(id=report_id, version="all")["objects"]
    assert [o["name"] for o in all_versions] == ["r0", "second version"]
    first = collection.get_object(report_id, version="first")["objects"]
    assert [o["name"] for o in first] == ["r0"]
    assert collection.get_objects(spec_version="2.0") == {"more": False}
    # The CTI collection holds the indicator, never the report.
    cti = _collection(base, "ally", CTI).get_objects()["objects"]
    assert ind in {o["id"] for o in cti}
    assert report_id not in {o["id"] for o in cti}

    versions = collection.object_versions(report_id)
    assert versions["versions"] == [o["modified"] for o in all_versions]
    manifest = collection.get_manifest(type="report")["objects"]
    assert [(m["id"], m["version"]) for m in manifest] == [
        (report_id, all_versions[-1]["modified"])
    ]
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest)
    assert all("date_added" in m for m in manifest)


def test_first_is_the_earliest_version_the_caller_may_read(node: Node, base: str) -> None:
    """A product drafted at SECRET and released at CONFIDENTIAL: its CONFIDENTIAL reader
    reads version 2 only, and `first` answers it, as `last` and `all` do; an object
    whose version 1 never came to this node (a peer sends only what it may) likewise.
    `added_after` then bounds the answer like any other: for the SECRET reader the
    first version was added before the instant, so the page is empty."""
    add_user(node, "reader", nation="USA", clearance="CONFIDENTIAL", password=PASSWORD)
    drafted = Label(20, frozenset({"JPN", "USA"}))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock.set_clock(lambda: start)
    try:
        [product] = _load(node, 1, drafted, "draft")
        clock.set_clock(lambda: start + timedelta(hours=1))
        released = node.store.release(node.system, product, Label(10, drafted.rel_to))
        theirs = f"report--{uuid.uuid4()}"
        stamps = {"created": "2025-12-01T00:00:00.000Z", "modified": "2025-12-02T00:00:00.000Z"}
        body = report("theirs v2", id=theirs, spec_version="2.1", **stamps)
        with node.store.transaction(node.system) as conn:
            node.store.accept_in(
                conn, body=body, label=BOTH, origin="USA", author="node:USA", version=2
            )
    finally:
        clock.set_clock(None)
    reader = _collection(base, "reader")
    for version in ("first", "last", "all"):
        got = reader.get_object(product, version=version)["objects"]
        assert [(o["id"], o["modified"]) for o in got] == [(product, released.modified)], version
        got = reader.get_object(theirs, version=version)["objects"]
        assert [o["name"] for o in got] == ["theirs v2"], version
    listed = reader.get_objects(version="first", type="report")["objects"]
    assert sorted(o["id"] for o in listed) == sorted([product, theirs])
    assert reader.get_manifest(version="first", id=product)["objects"][0]["version"] == (
        released.modified
    )
    # The SECRET reader reads both versions; its first is version 1, drafted earlier.
    officer = _collection(base, "officer")
    [first] = officer.get_object(product, version="first")["objects"]
    assert first["name"] == "draft0"
    assert first["modified"] != released.modified
    after = {"added_after": "2026-01-01T00:30:00Z", "type": "report", "version": "first"}
    assert [o["id"] for o in reader.get_objects(**after)["objects"]] == [product, theirs]
    assert [o["id"] for o in officer.get_objects(**after)["objects"]] == [theirs]


def test_post_then_status_until_complete(node: Node, base: str) -> None:
    collection = _collection(base, "analyst")
    objects = [
        {
            **indicator(f"192.0.2.{i}"),
            "id": f"indicator--{uuid.uuid4()}",
            "spec_version": "2.1",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
        }
        for i in range(3)
    ]
    status = collection.add_objects({"objects": objects}, wait_for_completion=True)
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count) == (3, 3, 0)
    assert {s["id"] for s in status.successes} == {o["id"] for o in objects}
    again = _root(base, "analyst").get_status(status.id)
    assert again.status == "complete"
    assert again.success_count == 3
    # Another user cannot read someone else's status.
    with pytest.raises(requests.HTTPError) as caught:
        _root(base, "ally").get_status(status.id)
    assert caught.value.response.status_code == 404
    stored = {o["id"] for o in collection.get_objects(type="indicator")["objects"]}
    assert stored == {o["id"] for o in objects}


def test_a_bundle_made_with_stix2_imports_cleanly(node: Node, base: str) -> None:
    import stix2

    malware = stix2.Malware(name="Example", is_family=False)
    ind = stix2.Indicator(
        pattern="[file:hashes.'SHA-256' = "
        "'4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']",
        pattern_type="stix",
        valid_from="2026-01-01T00:00:00Z",
    )
    rel = stix2.Relationship(ind, "indicates", malware)
    # Walk 40 #8: a cyber incident is threat intelligence too; the collection refused it.
    incident = stix2.Incident(name="Phishing wave at a ministry")
    bundle = json.loads(stix2.Bundle(malware, ind, rel, incident).serialize())
    status = _collection(base, "analyst", CTI).add_objects({"objects": bundle["objects"]})
    assert status.success_count == 4, status.failures if hasattr(status, "failures") else status
    got = _collection(base, "analyst", CTI).get_objects()["objects"]
    assert {malware.id, ind.id, rel.id, incident.id} <= {o["id"] for o in got}
    _valid(got)


def test_a_reader_cannot_post(base: str) -> None:
    collection = _collection(base, "ally")
    # The client reads can_write and stops; the server refuses on its own as well.
    with pytest.raises(AccessError):
        collection.add_objects({"objects": [indicator()]})
    raw = requests.post(
        collection.objects_url,
        data=json.dumps({"objects": [indicator()]}),
        headers={"Accept": MEDIA, "Content-Type": MEDIA},
        auth=("ally", PASSWORD),
        timeout=10,
    )
    assert raw.status_code == 403
    assert raw.headers["content-type"] == MEDIA
    assert raw.json()["http_status"] == "403"


def test_unauthenticated_and_unknown(base: str) -> None:
    with pytest.raises(requests.HTTPError) as caught:
        Server(f"{base}/taxii2/", user="analyst", password="wrong").refresh()
    assert caught.value.response.status_code == 401
    with pytest.raises((requests.HTTPError, TAXIIServiceException)):
        _collection(base, "analyst", str(uuid.uuid4())).refresh()


@pytest.mark.parametrize("broken", ["sur\ud800here", "nul\u0000here"])
def test_a_lone_surrogate_refuses_only_its_object(base: str, broken: str) -> None:
    """Walk 37: a string holding a lone surrogate (JSON's "\\ud800") reached the database,
    which could not encode it: a 500. taxii2-client cannot send one (it encodes first);
    another client can: that object is refused by name, the rest of the envelope stored.
    Walk 50: U+0000 likewise, which PostgreSQL's text cannot hold."""
    collection = _collection(base, "analyst", CTI)
    good = {**indicator("192.0.2.77"), "id": f"indicator--{uuid.uuid4()}",
            "spec_version": "2.1", "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z"}  # fmt: skip
    bad = {**good, "id": f"indicator--{uuid.uuid4()}", "name": broken}
    raw = requests.post(
        collection.objects_url,
        data=json.dumps({"objects": [bad, good]}),  # ASCII: the surrogate as an escape
        headers={"Accept": MEDIA, "Content-Type": MEDIA},
        auth=("analyst", PASSWORD),
        timeout=10,
    )
    assert raw.status_code == 202, raw.text
    status = _root(base, "analyst").get_status(raw.json()["id"])
    assert (status.success_count, status.failure_count) == (1, 1)
    assert [f["id"] for f in status.failures] == [bad["id"]]
    assert "object.name" in status.failures[0]["message"]
    assert "surrogate" in status.failures[0]["message"]
    stored = {o["id"] for o in collection.get_objects(type="indicator")["objects"]}
    assert good["id"] in stored
    assert bad["id"] not in stored


def test_a_malformed_match_version_is_a_bad_request(base: str) -> None:
    """Walk 37: `match[version]=notatime` answered 200 with nothing in it."""
    collection = _collection(base, "ally")
    for bad in ("notatime", "last,2026-13-01T00:00:00Z"):
        raw = requests.get(
            collection.objects_url,
            params={"match[version]": bad},
            headers={"Accept": MEDIA},
            auth=("ally", PASSWORD),
            timeout=10,
        )
        assert raw.status_code == 400, (bad, raw.text)
        assert raw.headers["content-type"] == MEDIA
        assert "match[version]" in raw.json()["description"]
    for good in ("first", "all", "last,first", "2026-01-01T00:00:00.000Z"):
        assert collection.get_objects(version=good) is not None
