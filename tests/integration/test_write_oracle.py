"""The write-path oracle, beside the read leak oracle: a rule of a domain holds on every
write path, or the write is refused.

A world is built through the domains' own services (a coordination item and its
answer, a joint product draft and its approval, the 2+2 record, an assessment). Then
hypothesis draws an owned type, a generic write path (REST POST, PUT and release; TAXII
POST; the STIX import the CLI uses) and a rule-breaking mutation of a stored object of
that type. The oracle: nothing changes (every version of every object is byte for byte
the same), the caller gets a 4xx (or a failed outcome naming the owner), and the
refusal is in the audit log. Arrival from a peer, the last path, is in `test_federation.py`.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import kizuna.store.owners as owners_module
from kizuna import clock
from kizuna.db.schema import audit_log, objects, versions
from kizuna.domains.coordination.inputs import (
    DeterminationCreate,
    ReplyCreate,
    ResponseCreate,
    RfiCreate,
    TaskerCreate,
    TaskStatusCreate,
)
from kizuna.domains.coordination.model import (
    DETERMINATION_TYPE,
    ITEM_EXTENSION,
    ITEM_TYPE,
    RECEIPT_TYPE,
    REPLY_TYPE,
    RESPONSE_TYPE,
    RFI_TYPE,
    TASK_STATUS_TYPE,
    TASKER_TYPE,
)
from kizuna.domains.coordination.model import ResponseKind as Kind
from kizuna.domains.coordination.receipts import receipts_of
from kizuna.domains.coordination.service import coordination
from kizuna.domains.glossary.model import TERM_TYPE, TermCreate
from kizuna.domains.glossary.service import create_term
from kizuna.domains.intel.model import APPROVAL_TYPE, observation
from kizuna.domains.meetings import model as meetings
from kizuna.domains.meetings.service import add_link, add_review, import_seed
from kizuna.errors import NotFound
from kizuna.federation.peers import Peer, add_peer, find_peer
from kizuna.federation.receive import Applied, apply_page
from kizuna.federation.schema import quarantine
from kizuna.federation.signing import sign
from kizuna.identity.principal import Principal
from kizuna.interchange.imports import import_objects
from kizuna.labels import dominates, parse, render
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.stix.markings import marking_id
from kizuna.stix.types import RECALL
from kizuna.taxii.collections import COLLECTIONS
from kizuna.web.app import create_app
from tests.factories import bearer, report
from tests.factories.coordination import cast, item

TAXII = "application/taxii+json;version=2.1"
PATHS = ("rest-post", "rest-put", "rest-release", "taxii-post", "import")


@dataclass
class World:
    node: Node
    client: TestClient
    token: str  # a JPN author who is also a releasing officer, of both bodies
    principal: Principal  # the same author
    samples: dict[str, dict[str, Any]]  # owned type -> a stored body of that type


@pytest.fixture
def world(node: Node) -> Iterator[World]:
    people = cast(node)
    sato, sato_token = people["sato"]
    davis, _ = people["davis"]
    mechanism = coordination(node)
    opened = mechanism.open_item(sato, item())
    answer = mechanism.respond(davis, opened.id, ResponseCreate(kind=Kind.CONCUR))
    asked = mechanism.ask(
        sato,
        RfiCreate(
            title_en="Which runway?",
            title_ja="使用滑走路は",
            asking_body="jjoc",
            addressed_body="mod-policy",
            coordination_item=opened.id,
        ),
    )
    replied = mechanism.reply(
        sato, asked.id, ReplyCreate(body="mod-policy", text_en="Runway 2.", answers=True)
    )
    tasked = mechanism.issue_tasker(
        sato,
        TaskerCreate(
            title_en="Schedule",
            title_ja="計画",
            issuing_body="jjoc",
            opr="mod-policy",
            suspense="2099-01-01T00:00:00Z",
            coordination_item=opened.id,
        ),
    )
    status = mechanism.report_status(
        sato, tasked.id, TaskStatusCreate(office="mod-policy", status="in_progress")
    )
    determined = mechanism.determine(
        sato,
        DeterminationCreate(
            kind="jpn-gray-zone",
            regions=["kyushu"],
            determining_body="jjoc",
            label="SECRET//REL TO JPN, USA",
        ),
    )
    record = import_seed(node)
    decision = node.store.list(node.system, type=meetings.DECISION, limit=1).items[0]
    add_review(node, sato, decision_id=decision.id, nation="USA", score=1,
               evidence="Working group met.", date="2024-09-01")  # fmt: skip
    add_link(node, sato, decision_id=decision.id, target=opened.id)
    assert record.created
    with TestClient(create_app(node)) as client:
        headers = bearer(sato_token)
        assessment = client.post(
            "/api/v1/intel/assessments",
            json={
                "fields": {"name": "Patrols", "judgement": "Likely to continue.", "confidence": 60},
                "label": "SECRET//REL TO JPN, USA",
            },
            headers=headers,
        )
        assert assessment.status_code == 201, assessment.text
        product = client.post(
            "/api/v1/intel/joint-products",
            json={
                "fields": {
                    "name": "Joint assessment",
                    "contributions": [assessment.json()["id"]],
                    "nations": ["USA"],
                    "target_label": "CONFIDENTIAL//REL TO JPN, USA",
                },
                "label": "SECRET//REL TO JPN, USA",
            },
            headers=headers,
        )
        assert product.status_code == 201, product.text
        url = f"/api/v1/intel/joint-products/{product.json()['id']}"
        digest = client.get(f"{url}/approvals", headers=headers).json()["digest"]
        approved = client.post(f"{url}/approve", json={"digest": digest}, headers=headers)
        assert approved.status_code == 200, approved.text
        samples = {
            APPROVAL_TYPE: node.store.get(sato, approved.json()["approvals"][0]["id"]).object,
            ITEM_TYPE: node.store.get(sato, opened.id).object,
            RESPONSE_TYPE: node.store.get(sato, answer.id).object,
            DETERMINATION_TYPE: node.store.get(sato, determined.id).object,
            RFI_TYPE: node.store.get(sato, asked.id).object,
            REPLY_TYPE: node.store.get(sato, replied.id).object,
            RECEIPT_TYPE: receipts_of(mechanism, sato, asked.id)[0].object,
            TASKER_TYPE: node.store.get(sato, tasked.id).object,
            TASK_STATUS_TYPE: node.store.get(sato, status.id).object,
            "grouping": node.store.get(sato, product.json()["id"]).object,
        }
        samples.update(incident_samples(node, sato))
        term = create_term(
            node,
            sato,
            TermCreate(ja="仮訳", en="provisional translation", label="SECRET//REL TO JPN, USA"),
        )
        samples[TERM_TYPE] = node.store.get(sato, term.id).object
        samples.update(attachment_samples(node, sato, opened.id))
        samples.update(watch_samples(node, sato, people["ito"][0], opened.id))
        # A release that narrows an object writes a recall (owned by the federation).
        shared = node.store.create(
            sato, report("Narrowed"), parse(node.policy, "SECRET//REL TO JPN, USA")
        )
        node.store.release(sato, shared.id, parse(node.policy, "SECRET//REL TO JPN"))
        for stix_type in (*meetings.TYPES, RECALL):
            found = node.store.list(node.system, type=stix_type, limit=1).items
            if found:
                samples[stix_type] = found[0].object
        yield World(node, client, sato_token, sato, samples)


def incident_samples(node: Node, author: Principal) -> dict[str, dict[str, Any]]:
    """An event, its public version and an acknowledgement, through their service."""
    from kizuna.domains.incidents.model import AckCreate, PublicCreate
    from kizuna.domains.incidents.service import incidents
    from tests.domains.incidents.conftest import event

    mechanism = incidents(node)
    made = mechanism.record(author, event())
    public = mechanism.release_public(
        author,
        made.id,
        PublicCreate(title_en="P", title_ja="P", description_en="D", description_ja="D"),
    )
    ack = mechanism.acknowledge(author, made.id, AckCreate(addressee="jjoc"))
    return {o.type: node.store.get(author, o.id).object for o in (made, public, ack)}


def snapshot(node: Node) -> list[tuple[str, int, str, str]]:
    """Every version of every object, with its label: what no refused write may touch."""
    with node.db.read() as conn:
        rows = conn.execute(
            select(objects.c.stix_id, versions.c.number, versions.c.label, versions.c.body)
            .join(versions, versions.c.object_pk == objects.c.pk)
            .order_by(objects.c.stix_id, versions.c.number)
        ).all()
    return [tuple(r) for r in rows]


def refusals(node: Node) -> int:
    with node.db.read() as conn:
        return len(
            conn.execute(select(audit_log.c.seq).where(audit_log.c.action == "refused")).all()
        )


# What a forger tries on each type: the rule-breaking edits the issue names, then any
# property set to something else.
FORGERIES: dict[str, list[dict[str, Any]]] = {
    ITEM_TYPE: [
        {"state": "decided"},
        {"state": "closed"},
        {"tier": "ministerial"},
        {"needs": ["JPN"]},
        {"escalated_to": "scc"},
        {"escalated_to": "acg-dg"},
        {"sets_phase": "contingency"},
        {"precedence": "URGENT"},
    ],
    # An RFI changes only its state, along its edges; a reply is its nation's, never
    # changed, and answers only for the body asked.
    RFI_TYPE: [
        {"state": "closed"},
        {"state": "withdrawn"},
        {"asking_body": "usfj"},
        {"addressed_body": "jjoc"},
        {"precedence": "URGENT"},
        {"answered_by": None},
    ],
    REPLY_TYPE: [{"nation": "USA"}, {"body": "usfj"}, {"text": "Changed."}, {"answers": False}],
    # A tasker changes only by completion (naming the OPR's status) or one rung up.
    TASKER_TYPE: [
        {"state": "complete"},
        {"opr": "usfj"},
        {"suspense": "2100-01-01T00:00:00.000Z"},
        {"escalated_to": "nss+nsc"},
        {"issuing_body": "usfj"},
    ],
    TASK_STATUS_TYPE: [{"nation": "USA"}, {"office": "usfj"}, {"status": "complete"}],
    # A receipt is its nation's; only its acknowledgement is added, once, by the node.
    RECEIPT_TYPE: [
        {"nation": "USA"},
        {"body": "usfj"},
        {"received": "2020-01-01T00:00:00.000Z"},
        {"acknowledged": "2026-01-01T00:00:00.000Z", "acknowledged_by": "forger"},
    ],
    # A determination is its own nation's, of a kind of that nation, by a body that
    # determines; a later version only ends it.
    DETERMINATION_TYPE: [
        {"nation": "USA"},
        {"kind": "usa-crisis-response"},
        {"kind": "jpn-armed-attack"},
        {"determining_body": "mod-policy"},
        {"regions": ["mars"]},
        {"regions": []},
        {"effective": "2020-01-01T00:00:00.000Z"},
    ],
    TERM_TYPE: [{"name_ja": ""}, {"status": "verified"}, {"readings": ["kariyaku"]}],
    RESPONSE_TYPE: [{"kind": "bogus"}, {"nation": "AUS"}, {"kind": "non-concur"}],
    APPROVAL_TYPE: [{"nation": "AUS"}, {"product_digest": "0" * 64}, {"officer": "forger"}],
    "x-kizuna-incident": [
        {"municipalities": ["472019"]},
        # A Tokyo code (and prefecture) for a place by Kadena: routed to the wrong offices.
        {"municipalities": ["131016"], "prefecture": "13"},
        {"occurred": "2099-01-01T00:00:00Z"},
        {"place": {"type": "Point", "coordinates": [2.35, 48.85]}},
        {"status": "cancelled", "revision": 7},
    ],
    "x-kizuna-incident-ack": [{"nation": "AUS"}, {"addressee": "usfj"}],
    "grouping": [
        {"nations": ["AUS", "USA"]},
        {"target_label": "UNCLASSIFIED//REL TO JPN, USA, AUS, KOR, PHL, NATO"},
        {"name": "Edited after approval"},
    ],
}
VALUES = st.one_of(
    st.text(max_size=20), st.integers(-5, 5), st.booleans(), st.lists(st.text(max_size=5))
)


@st.composite
def forgeries(draw: st.DrawFn, samples: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    stix_type = draw(st.sampled_from(sorted(samples)))
    body = copy.deepcopy(samples[stix_type])
    named = FORGERIES.get(stix_type, [])
    if named and draw(st.booleans()):
        change = draw(st.sampled_from(named))
        if stix_type == "grouping" and set(change) <= {"nations", "target_label"}:
            ext = next(iter(body["extensions"]))
            body["extensions"][ext] = {**body["extensions"][ext], **change}
        else:
            body.update(change)
    else:
        keys = sorted(set(body) - {"id", "type", "created", "spec_version", "modified"})
        if keys:
            body[draw(st.sampled_from(keys))] = draw(VALUES)
    if draw(st.booleans()):
        # A brand-new object of the owned type, rather than a new version.
        body["id"] = f"{stix_type}--{uuid.uuid4()}"
        body.pop("modified", None)
    return stix_type, body


def attempt(world: World, path: str, body: dict[str, Any]) -> tuple[int, str]:
    """One write down one generic path: (status, what the caller was told)."""
    headers = bearer(world.token)
    node, client = world.node, world.client
    stix_id = body["id"]
    if path == "rest-post":
        r = client.post(
            "/api/v1/objects",
            json={"object": body, "label": "SECRET//REL TO JPN, USA"},
            headers=headers,
        )
        return r.status_code, r.text
    if path == "rest-put":
        fresh = {k: v for k, v in body.items() if k not in ("modified", "object_marking_refs")}
        r = client.put(f"/api/v1/objects/{stix_id}", json={"object": fresh}, headers=headers)
        return r.status_code, r.text
    if path == "rest-release":
        r = client.post(
            f"/api/v1/objects/{stix_id}/release",
            json={"label": "UNCLASSIFIED//REL TO JPN, USA, AUS"},
            headers=headers,
        )
        return r.status_code, r.text
    sent = {k: v for k, v in body.items() if k != "object_marking_refs"}
    if path == "taxii-post":
        everything = next(c for c in COLLECTIONS if c.key == "all")
        r = client.post(
            f"/taxii2/kizuna/collections/{everything.id}/objects/",
            content=json.dumps({"objects": [sent]}),
            headers={**headers, "Accept": TAXII, "Content-Type": TAXII},
        )
        assert r.status_code == 202, r.text
        status = r.json()
        assert status["failure_count"] == 1, status
        return 422, json.dumps(status["failures"])
    assert path == "import"
    try:
        stored = node.store.get(node.system, stix_id)
        sent["object_marking_refs"] = [marking_id(node.policy, stored.label)]
    except NotFound:
        pass  # a new object: the default label of the node
    [outcome] = import_objects(node.store, world.principal, [sent], source="oracle")
    return (422 if not outcome.ok else 201), outcome.message


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_generic_path_breaks_a_rule_of_an_owned_type(world: World, data: st.DataObject) -> None:
    stix_type, body = data.draw(forgeries(world.samples))
    path = data.draw(st.sampled_from(PATHS))
    owners = world.node.store.owners
    sample = world.samples[stix_type]
    # A new version of a stored object is judged by its owner even when it strips what
    # made the type owned (a grouping without its joint-product extension); any other
    # write that claims no owned type is not a forgery of one.
    revises = path == "rest-put" and body["id"] == sample["id"]
    owner = owners.owner_of(body) or (owners.owner_of(sample) if revises else None)
    assume(owner is not None)
    assert owner is not None
    # A release decision on a type open to it is the store's rule, not a forgery.
    assume(not (path == "rest-release" and "release" in owner.open_to))
    before, refused = snapshot(world.node), refusals(world.node)
    status, told = attempt(world, path, body)
    assert 400 <= status < 500, (path, stix_type, told)
    assert snapshot(world.node) == before, (path, stix_type, told)
    if status != 404:  # a version of an object that does not exist: nothing was forged
        assert refusals(world.node) > refused, (path, stix_type, told)
    if status == 422:
        # Said plainly, with the way to write it.
        assert owner.domain in told, (path, told)


def test_the_oracle_covers_every_owned_type(world: World) -> None:
    owned = world.node.store.owners.owned_types()
    closed = {t for t in owned if t not in ("x-kizuna-assessment", "x-kizuna-observation")}
    assert closed <= set(world.samples), sorted(closed - set(world.samples))


def test_open_types_keep_their_schema_on_every_path(world: World) -> None:
    """Assessments and observations may be written on any path: their schema holds."""
    before = snapshot(world.node)
    bad = {"type": "x-kizuna-assessment", "name": "No judgement", "confidence": 500}
    for path in ("rest-post", "taxii-post", "import"):
        status, told = attempt(world, path, {**bad, "id": f"x-kizuna-assessment--{uuid.uuid4()}"})
        assert 400 <= status < 500, (path, told)
    assert snapshot(world.node) == before


def _observation(observed_at: str) -> dict[str, Any]:
    body = observation(
        observed_at=observed_at, place="East China Sea", description="Two frigates",
        description_ja=None, source_reliability="B", domains=["maritime"],
    )  # fmt: skip
    return {**body, "id": f"x-kizuna-observation--{uuid.uuid4()}"}


def test_an_observation_is_never_of_the_future_on_any_path(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The rule the cell's form enforces holds on the generic paths and on arrival."""
    before = snapshot(world.node)
    for path in ("rest-post", "taxii-post", "import"):
        status, told = attempt(world, path, _observation("2099-01-01T00:00:00Z"))
        assert status == 422, (path, told)
        assert "in the future" in told, (path, told)
    assert snapshot(world.node) == before
    # Seen yesterday: written (`attempt` expects TAXII POST to refuse, so not there).
    for path in ("rest-post", "import"):
        yesterday = clock.format_ts(clock.now() - timedelta(days=1))[:23] + "Z"
        status, told = attempt(world, path, _observation(yesterday))
        assert status in (201, 202), (path, told)
    peer = _usa_peer(world, tmp_path_factory)
    now = clock.format_ts(clock.now())[:23] + "Z"
    body = {**_observation("2099-01-01T00:00:00Z"), "spec_version": "2.1", "created": now,
            "modified": now}  # fmt: skip
    shared = parse(world.node.policy, "SECRET//REL TO JPN, USA")
    sent = sign(_USA_KEY, {**body, "object_marking_refs": [marking_id(world.node.policy, shared)]},
                origin="USA", label=shared, added=clock.now_ts(), version=1)  # fmt: skip
    held = snapshot(world.node)
    applied = apply_page(world.node, peer, [sent], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (0, 1)
    assert snapshot(world.node) == held


# -- The last path: arrival from a peer ------------------------------------------------


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_forged_arrival_breaks_a_rule_of_an_owned_type(
    world: World, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A partner node (USA, with its own key) sends a signed new version of a stored object
    with one of the named forgeries: it is quarantined with its reason and audited, and no
    version of any object changes, whatever the type and whoever owns the object."""
    peer = _usa_peer(world, tmp_path_factory)
    stix_type = data.draw(st.sampled_from(sorted(t for t in FORGERIES if t in world.samples)))
    body = copy.deepcopy(world.samples[stix_type])
    change = data.draw(st.sampled_from(FORGERIES[stix_type]))
    if stix_type == "grouping" and set(change) <= {"nations", "target_label"}:
        ext = next(iter(body["extensions"]))
        body["extensions"][ext] = {**body["extensions"][ext], **change}
    else:
        body.update(change)
    stored = world.node.store.get(world.node.system, body["id"])
    body["modified"] = clock.format_ts(clock.now())[:23] + "Z"
    sent = sign(
        _USA_KEY,
        body,
        origin="USA",
        label=stored.label,
        added=clock.now_ts(),
        version=stored.version + 1,
    )
    before, quarantined = snapshot(world.node), _quarantined(world.node)
    applied = apply_page(world.node, peer, [sent], page_end=clock.now_ts())
    assert applied.stored == 0, (stix_type, change)
    assert applied.quarantined == 1, (stix_type, change)
    assert snapshot(world.node) == before, (stix_type, change)
    assert _quarantined(world.node) == quarantined + 1


def test_an_arrival_over_the_size_limit_is_refused_and_delays_only_itself(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A peer's object larger than the node accepts (KIZUNA_MAX_BODY_BYTES) is
    quarantined with its size in the reason; the object beside it on the page is
    stored."""
    peer = _usa_peer(world, tmp_path_factory)
    limit = world.node.settings.max_body_bytes
    shared = parse(world.node.policy, "SECRET//REL TO JPN, USA")
    now = clock.format_ts(clock.now())[:23] + "Z"

    def sent(description: str) -> dict[str, Any]:
        body = {**report("From USA", description=description), "spec_version": "2.1",
                "id": f"report--{uuid.uuid4()}", "created": now, "modified": now,
                "object_marking_refs": [marking_id(world.node.policy, shared)]}  # fmt: skip
        return sign(_USA_KEY, body, origin="USA", label=shared, added=clock.now_ts(), version=1)

    large, small = sent("x" * (limit + 1)), sent("x" * (limit // 4))
    before = _quarantined(world.node)
    applied = apply_page(world.node, peer, [large, small], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (1, 1)
    assert world.node.store.get(world.node.system, small["id"]).version == 1
    with pytest.raises(NotFound):
        world.node.store.get(world.node.system, large["id"])
    assert _quarantined(world.node) == before + 1
    with world.node.db.read() as conn:
        reason = conn.execute(
            select(quarantine.c.reason).where(quarantine.c.object_id == large["id"])
        ).scalar_one()
    assert f"larger than the {limit}" in reason


_USA_KEY = Ed25519PrivateKey.generate()


def _usa_peer(world: World, tmp_path_factory: pytest.TempPathFactory) -> Peer:
    with world.node.db.write() as conn:
        found = find_peer(conn, "USA")
        if found is None:
            add_peer(
                conn,
                policy=world.node.policy,
                own_nation=world.node.nation,
                actor="test",
                nation="USA",
                url="http://127.0.0.1:9",
                public_key_pem=public_key_pem(_USA_KEY),
                max_level="SECRET",
                compartments=["BIAC", "CYBER"],
            )
            found = find_peer(conn, "USA")
    assert found is not None
    return found


def _arrives(
    world: World, tmp_path_factory: pytest.TempPathFactory, body: dict[str, Any]
) -> Applied:
    """`body` as a version from USA's node, signed and applied here: what was stored
    and what quarantined."""
    node = world.node
    peer = _usa_peer(world, tmp_path_factory)
    shared = parse(node.policy, "SECRET//REL TO JPN, USA")
    now = clock.format_ts(clock.now())[:23] + "Z"
    sent = {**body, "spec_version": "2.1", "created": now, "modified": now,
            "object_marking_refs": [marking_id(node.policy, shared)]}  # fmt: skip
    signed = sign(_USA_KEY, sent, origin="USA", label=shared, added=clock.now_ts(), version=1)
    return apply_page(node, peer, [signed], page_end=clock.now_ts())


def _quarantined(node: Node) -> int:
    with node.db.read() as conn:
        return len(
            conn.execute(
                select(audit_log.c.seq).where(audit_log.c.action == "federation.quarantine")
            ).all()
        )


# -- Attachments (issue 15) -------------------------------------------------------------


def attachment_samples(node: Node, author: Principal, of: str) -> dict[str, dict[str, Any]]:
    """A file attached to an object through its service (a stored artifact)."""
    from kizuna.domains.attachments.service import Upload, attachments

    made = attachments(node).attach(
        author, Upload(of=of, file_name="notes.txt", mime_type="text/plain", data=b"notes\n")
    )
    return {made.type: node.store.get(author, made.id).object}


_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
FORGERIES["artifact"] = [
    {"mime_type": "image/svg+xml", "payload_bin": base64.b64encode(_SVG.encode()).decode()},
    {"payload_bin": base64.b64encode(b"changed\n").decode()},
    {"hashes": {"SHA-256": "0" * 64}},
    {"payload_bin": "bm90ZXMK!!"},
    {"mime_type": "image/png"},
]


# -- The watch log and the shift handover (issue 15) -------------------------------------


def watch_samples(
    node: Node, outgoing: Principal, incoming: Principal, item_id: str
) -> dict[str, dict[str, Any]]:
    """A watch-log entry naming an item, and a handover signed by both officers."""
    from kizuna.domains.coordination.handover import generate, sign
    from kizuna.domains.coordination.watch import log_entry
    from kizuna.domains.coordination.watch_model import EntryCreate, HandoverCreate

    c = coordination(node)
    logged = log_entry(
        c,
        outgoing,
        EntryCreate(body="jjoc", kind="call", text_en="Called USFJ", items=[item_id],
                    label="SECRET//REL TO JPN, USA"),
    )  # fmt: skip
    made = generate(c, outgoing, HandoverCreate(body="jjoc"))
    sign(c, incoming, made.id)
    return {o.type: node.store.get(outgoing, o.id).object for o in (logged, made)}


# An entry is never edited; a handover's contents and signatures never change.
FORGERIES["x-kizuna-watch-entry"] = [
    {"text": "Rewritten"},
    {"kind": "decision"},
    {"at": "2099-01-01T00:00:00.000Z"},
    {"author": "forger"},
    {"body": "usfj"},
    {"items": []},
]
FORGERIES["x-kizuna-handover"] = [
    {"incoming_officer": "sato"},
    {"incoming_officer": "forger"},
    {"handed_to": "forger"},
    {"outgoing_signed_at": "2020-01-01T00:00:00.000Z"},
    {"sections": {"items": []}},
    {"period_end": "2099-01-01T00:00:00.000Z"},
]


# -- A decision's follow-up names nothing its label does not cover -------------------------


def test_a_link_naming_what_its_label_does_not_cover_is_refused_on_every_path(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A link's label dominates its target's (meetings' owner rule): the generic paths
    refuse the link outright (the meetings key), and a partner's link naming an object
    held here under a narrower label is quarantined, while the same link naming what
    its label covers is stored."""
    node = world.node
    narrow = node.store.create(
        world.principal, report("Japan only"), parse(node.policy, "SECRET//REL TO JPN")
    )
    sample = world.samples[meetings.LINK]
    shared = parse(node.policy, "SECRET//REL TO JPN, USA")
    covered = world.samples[DETERMINATION_TYPE]["id"]
    assert render(node.policy, node.store.get(node.system, covered).label) == render(
        node.policy, shared
    )

    def fresh(target: str) -> dict[str, Any]:
        body = {**sample, "id": f"{meetings.LINK}--{uuid.uuid4()}", "target": target}
        body.pop("object_marking_refs", None)
        return body

    before = snapshot(node)
    for path in ("rest-post", "taxii-post", "import"):
        status, told = attempt(world, path, fresh(narrow.id))
        assert status == 422, (path, told)
        assert "meetings" in told, (path, told)
    assert snapshot(node) == before
    peer = _usa_peer(world, tmp_path_factory)
    now = clock.format_ts(clock.now())[:23] + "Z"
    mark = [marking_id(node.policy, shared)]
    pages = [
        sign(
            _USA_KEY,
            {**fresh(target), "created": now, "modified": now, "object_marking_refs": mark},
            origin="USA",
            label=shared,
            added=clock.now_ts(),
            version=1,
        )
        for target in (narrow.id, covered)
    ]
    applied = apply_page(node, peer, pages, page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (1, 1)
    node.store.get(node.system, pages[1]["id"])
    with pytest.raises(NotFound):
        node.store.get(node.system, pages[0]["id"])


def test_a_part_marked_with_another_label_is_refused_on_every_path(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Walk 40 #2: a report at SECRET//BIAC carried a granular marking of
    CONFIDENTIAL//REL TO JPN, USA on its name and pattern, stored as sent (the object's
    own refs were checked, its parts' were not). A part takes the object's label or a
    TLP marking the label dominates: any other label is refused on every path,
    arrival included, and a language marking, which names no label, is stored."""
    node = world.node
    wider = parse(node.policy, "CONFIDENTIAL//REL TO JPN, USA")
    node.store.create(node.system, report("makes the marking known"), wider)
    held = node.store.create(
        world.principal, report("held"), parse(node.policy, "SECRET//REL TO JPN")
    )
    other = [{"marking_ref": marking_id(node.policy, wider), "selectors": ["name"]}]

    def marked(stix_id: str | None = None) -> dict[str, Any]:
        body = report("parts marked otherwise")
        return {**body, "id": stix_id or f"report--{uuid.uuid4()}", "granular_markings": other}

    before = snapshot(node)
    for path in ("rest-post", "rest-put", "taxii-post", "import"):
        status, told = attempt(world, path, marked(held.id if path == "rest-put" else None))
        assert status in (403, 422), (path, told)
        assert "another label" in told, (path, told)
    assert snapshot(node) == before
    peer = _usa_peer(world, tmp_path_factory)
    now = clock.format_ts(clock.now())[:23] + "Z"
    shared = parse(node.policy, "SECRET//REL TO JPN, USA")
    sent = sign(
        _USA_KEY,
        {**marked(), "spec_version": "2.1", "created": now, "modified": now,
         "object_marking_refs": [marking_id(node.policy, shared)]},
        origin="USA", label=shared, added=clock.now_ts(), version=1,
    )  # fmt: skip
    applied = apply_page(node, peer, [sent], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (0, 1)
    assert snapshot(node) == before
    in_english = {**report("in two languages"), "id": f"report--{uuid.uuid4()}",
                  "granular_markings": [
        {"lang": "ja", "selectors": ["name"]}]}  # fmt: skip
    status, told = attempt(world, "rest-post", in_english)
    assert status == 201, told


def test_a_revoked_object_of_a_partner_takes_no_new_version_on_arrival(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Walk 40 #3, on the last path: a partner's version that revokes its object no
    more is quarantined; the revoked version stays current here."""
    node = world.node
    peer = _usa_peer(world, tmp_path_factory)
    shared = parse(node.policy, "SECRET//REL TO JPN, USA")
    now = clock.now()
    body = {**report("Revoked by its author"), "id": f"report--{uuid.uuid4()}",
            "spec_version": "2.1", "created": clock.format_ts(now)[:23] + "Z",
            "object_marking_refs": [marking_id(node.policy, shared)]}  # fmt: skip

    def version(number: int, **change: Any) -> dict[str, Any]:
        at = clock.format_ts(now + timedelta(seconds=number))[:23] + "Z"
        return sign(_USA_KEY, {**body, "modified": at, **change}, origin="USA", label=shared,
                    added=clock.now_ts(), version=number)  # fmt: skip

    first = apply_page(node, peer, [version(1, revoked=True)], page_end=clock.now_ts())
    assert first.stored == 1
    held = snapshot(node)
    second = apply_page(node, peer, [version(2, revoked=False)], page_end=clock.now_ts())
    assert (second.stored, second.quarantined) == (0, 1)
    # Walk 41 #3: the same object again, only `modified` moved, is a new version too.
    again = apply_page(node, peer, [version(3, revoked=True)], page_end=clock.now_ts())
    assert (again.stored, again.quarantined) == (0, 1)
    assert snapshot(node) == held
    assert node.store.get(node.system, body["id"]).object["revoked"] is True


def test_an_import_of_a_partners_object_is_told_whose_it_is(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Walk 40 #6: a new version of a partner's object, imported without its marking,
    was told that a new label is a release decision, and the release endpoint then
    said the object is the partner's. The import says whose it is first."""
    node = world.node
    peer = _usa_peer(world, tmp_path_factory)
    shared = parse(node.policy, "SECRET//REL TO JPN, USA")
    at = clock.format_ts(clock.now())[:23] + "Z"
    body = {**report("USA's report"), "id": f"report--{uuid.uuid4()}", "spec_version": "2.1",
            "created": at, "modified": at,
            "object_marking_refs": [marking_id(node.policy, shared)]}  # fmt: skip
    sent = sign(_USA_KEY, body, origin="USA", label=shared, added=clock.now_ts(), version=1)
    assert apply_page(node, peer, [sent], page_end=clock.now_ts()).stored == 1
    later = clock.format_ts(clock.now() + timedelta(seconds=5))[:23] + "Z"
    changed = {k: v for k, v in body.items() if k != "object_marking_refs"}
    [outcome] = import_objects(
        node.store, world.principal, [{**changed, "name": "Ours now", "modified": later}],
        source="oracle",
    )  # fmt: skip
    assert not outcome.ok
    assert "belongs to the node of USA" in outcome.message


def test_a_version_stamped_ahead_of_the_clock_is_refused_on_every_path(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Stop 39 left it open: a `modified` hours ahead was stored, and stood in the way
    of every honest version until its time came. Five minutes ahead (a clock running
    a little fast) is taken; more is refused on every path, arrival included."""
    node = world.node
    held = node.store.create(
        world.principal, report("held"), parse(node.policy, "SECRET//REL TO JPN")
    )
    ahead = clock.format_ts(clock.now() + timedelta(hours=3))[:23] + "Z"

    def stamped(stix_id: str | None = None, at: str = ahead) -> dict[str, Any]:
        return {**report("stamped ahead"), "id": stix_id or f"report--{uuid.uuid4()}",
                "created": at, "modified": at}  # fmt: skip

    before = snapshot(node)
    for path in ("rest-post", "taxii-post", "import"):
        status, told = attempt(world, path, stamped())
        assert status == 422, (path, told)
        assert "later than this node's clock" in told, (path, told)
    # The generic PUT of the oracle sends no `modified`: this one does.
    again = {**held.object, "name": "changed", "modified": ahead}
    put = world.client.put(
        f"/api/v1/objects/{held.id}", json={"object": again}, headers=bearer(world.token)
    )
    assert put.status_code == 422, put.text
    assert "later than this node's clock" in put.text
    assert snapshot(node) == before
    peer = _usa_peer(world, tmp_path_factory)
    shared = parse(node.policy, "SECRET//REL TO JPN, USA")
    sent = sign(
        _USA_KEY,
        {**stamped(), "spec_version": "2.1",
         "object_marking_refs": [marking_id(node.policy, shared)]},
        origin="USA", label=shared, added=clock.now_ts(), version=1,
    )  # fmt: skip
    applied = apply_page(node, peer, [sent], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (0, 1)
    assert snapshot(node) == before
    a_little = clock.format_ts(clock.now() + timedelta(minutes=2))[:23] + "Z"
    status, told = attempt(world, "rest-post", stamped(at=a_little))
    assert status == 201, told


def test_a_partners_item_naming_what_its_label_does_not_cover_is_quarantined(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Walk 42 #1 on the last path: an item arriving from the partner names a decision
    held here under a label its own does not dominate. Quarantined; named at a label
    that covers the decision, or naming one this node does not hold, it is stored."""
    from importlib import resources

    from kizuna.domains.meetings.service import import_summary

    node = world.node
    seed = resources.files("kizuna.data").joinpath("seed/scc-2024-07-28-summary.ja.txt")
    another = seed.read_text().replace("令和6年7月28日", "令和6年8月28日", 1).encode()
    secret = parse(node.policy, "SECRET//REL TO JPN, USA")
    imported = import_summary(node, world.principal, another, lang="ja", label=secret)
    decision = next(o["id"] for o in imported.objects if o["type"] == meetings.DECISION)
    peer = _usa_peer(world, tmp_path_factory)
    shared = parse(node.policy, "CONFIDENTIAL//REL TO JPN, USA")
    assert not dominates(shared, secret)
    now = clock.format_ts(clock.now())[:23] + "Z"

    def usa_item(decisions: list[str]) -> dict[str, Any]:
        body = {
            "type": ITEM_TYPE, "id": f"{ITEM_TYPE}--{uuid.uuid4()}", "spec_version": "2.1",
            "created": now, "modified": now, "name": "Port call", "name_ja": "寄港",
            "requesting_body": "usfj", "counterpart_body": "jjoc", "tier": "operational",
            "region": "kyushu", "precedence": "ROUTINE", "state": "draft", "needs": ["JPN"],
            "decisions": decisions,
            "object_marking_refs": [marking_id(node.policy, shared)],
            "extensions": {ITEM_EXTENSION: {"extension_type": "new-sdo"}},
        }  # fmt: skip
        return sign(_USA_KEY, body, origin="USA", label=shared, added=clock.now_ts(), version=1)

    held = snapshot(node)
    applied = apply_page(node, peer, [usa_item([decision])], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (0, 1)
    assert snapshot(node) == held
    elsewhere = f"x-kizuna-decision--{uuid.uuid4()}"
    applied = apply_page(node, peer, [usa_item([elsewhere])], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (1, 0)


def test_a_nul_in_a_string_is_refused_on_every_path(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Walk 50: SQLite stored a U+0000 that PostgreSQL answers with a server error,
    so one node kept what its partner could never take. Refused by name on every
    path, the arrival from a peer quarantined; nothing stored."""
    node = world.node
    held = node.store.create(
        world.principal, report("held"), parse(node.policy, "SECRET//REL TO JPN")
    )
    before = snapshot(node)
    for path in ("rest-post", "taxii-post", "import"):
        sent = {**report("a\u0000b"), "id": f"report--{uuid.uuid4()}"}
        status, told = attempt(world, path, sent)
        assert status == 422, (path, told)
        assert "U+0000" in told, (path, told)
    put = world.client.put(
        f"/api/v1/objects/{held.id}",
        json={"object": {**held.object, "description": "x\u0000"}},
        headers=bearer(world.token),
    )
    assert put.status_code == 422, put.text
    assert "U+0000" in put.text
    assert snapshot(node) == before
    sent = {**report("from\u0000USA"), "id": f"report--{uuid.uuid4()}"}
    applied = _arrives(world, tmp_path_factory, sent)
    assert (applied.stored, applied.quarantined) == (0, 1)
    assert snapshot(node) == before


def test_a_bidirectional_control_in_an_analysts_text_is_refused_on_every_path(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Stop 45: an assessment's judgement holding U+202E reads otherwise than it is
    written for every other analyst. Assessments are open to every path, so each path
    refuses it, the peer's arrival quarantined; nothing stored."""
    from kizuna.domains.intel.model import assessment

    def spoofed() -> dict[str, Any]:
        body = assessment(name="Spoofed", name_ja=None, judgement="likely \u202eylekilnu",
                          confidence=50, sources=[], region=None, domains=[])  # fmt: skip
        return {**body, "id": f"x-kizuna-assessment--{uuid.uuid4()}"}

    node = world.node
    before = snapshot(node)
    for path in ("rest-post", "taxii-post", "import"):
        status, told = attempt(world, path, spoofed())
        assert status == 422, (path, told)
        assert "bidirectional control" in told, (path, told)
    assert snapshot(node) == before
    applied = _arrives(world, tmp_path_factory, spoofed())
    assert (applied.stored, applied.quarantined) == (0, 1)
    assert snapshot(node) == before
    honest = {**spoofed(), "judgement": "likely"}
    assert attempt(world, "rest-post", honest)[0] == 201


def test_a_bidirectional_control_in_any_objects_name_or_description_is_refused_on_every_path(
    world: World, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop 46: a plain report's description holding U+202E read otherwise than it was
    written for every reader; only the domains' own texts refused it. Every type's
    name and description (and their Japanese twins) refuse it on every path, the peer's
    arrival quarantined; a text stored before the rule is carried unchanged."""
    node = world.node
    held = node.store.create(
        world.principal, report("held"), parse(node.policy, "SECRET//REL TO JPN, USA")
    )
    before = snapshot(node)
    for path in ("rest-post", "taxii-post", "import"):
        for field in ("name", "description"):
            sent = {**report("ok"), field: "pay \u202etxt.exe", "id": f"report--{uuid.uuid4()}"}
            status, told = attempt(world, path, sent)
            assert status == 422, (path, field, told)
            assert "U+202E" in told, (path, field, told)
            assert field in told, (path, field, told)
    status, told = attempt(world, "rest-put", {**held.object, "description": "\u2067x"})
    assert status == 422, told
    assert "U+2067" in told
    assert snapshot(node) == before
    sent = {**report("from USA \u202e"), "id": f"report--{uuid.uuid4()}"}
    applied = _arrives(world, tmp_path_factory, sent)
    assert (applied.stored, applied.quarantined) == (0, 1)
    assert snapshot(node) == before
    # Stored before the rule: its next versions carry the text, a narrowing above all.
    with monkeypatch.context() as m:
        m.setattr(owners_module, "check_texts", lambda _write: None)
        legacy = node.store.create(
            world.principal, report("legacy \u202e"), parse(node.policy, "SECRET//REL TO JPN, USA")
        )
    status, told = attempt(world, "rest-release", legacy.object)
    assert status == 200, told
    now_held = node.store.get(world.principal, legacy.id).object
    status, told = attempt(world, "rest-put", {**now_held, "description": "plain"})
    assert status == 200, told
    # An observable records what was seen: a malware file's spoofed name is kept.
    seen = world.client.post(
        "/api/v1/objects",
        json={"object": {"type": "file", "name": "photo\u202egnp.exe"},
              "label": "SECRET//REL TO JPN, USA"},
        headers=bearer(world.token),
    )  # fmt: skip
    assert seen.status_code == 201, seen.text
    assert seen.json()["object"]["name"] == "photo\u202egnp.exe"
