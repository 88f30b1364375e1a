"""Issue 10, the federation's part: one bad object delays only itself, no claim but the
sender's own signature moves the cursor, every version of every object travels under
its origin's number (observables included) or is recalled, and spillage is not kept.

JPN (SQLite) sends; USA receives on SQLite and on PostgreSQL. Both serve over real
HTTP in this process; a splicing relay between them plays the hostile network or a
buggy sender where a test needs objects JPN would never send.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from requests import HTTPError
from sqlalchemy import func, select
from taxii2client.v21 import Collection

from kizuna import audit
from kizuna.bootstrap import initialize, open_node
from kizuna.db.schema import objects, versions
from kizuna.domains.attachments.service import Upload, attachments
from kizuna.federation import peers as peer_service
from kizuna.federation.peers import collection_id
from kizuna.federation.pull import BearerAuth, pull_once
from kizuna.federation.schema import quarantine, spillage_notices
from kizuna.federation.signing import SIGNATURE, sign
from kizuna.identity.service import principal_for_token
from kizuna.labels import Label, parse
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.stix.markings import marking_id
from kizuna.stix.validate import prepare
from kizuna.store import NotFound, StoredObject
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.factories import PASSWORD, add_user, cookies, live_server, report
from tests.factories.splice import Splice, splice

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

FAR = "9999-12-31T23:59:59.999999Z"


def _opened(url: str, root: Path, nation: str) -> Node:
    root.mkdir()
    settings = node_settings(url, root)
    initialize(settings, nation=nation)
    return open_node(settings)


@pytest.fixture
def jpn(tmp_path: Path) -> Iterator[Node]:
    made = _opened(f"sqlite:///{tmp_path / 'jpn.db'}", tmp_path / "jpn", "JPN")
    try:
        yield made
    finally:
        made.db.dispose()


@pytest.fixture
def usa(db_url: str, tmp_path: Path) -> Iterator[Node]:
    made = _opened(db_url, tmp_path / "usa", "USA")
    try:
        yield made
    finally:
        made.db.dispose()


@dataclass
class Link:
    """USA pulling from JPN through a relay; each side's record of the agreement."""

    jpn: Node
    usa: Node
    relay: Splice

    def pull(self) -> Any:
        with self.usa.db.read() as conn:
            peer = peer_service.find_peer(conn, "JPN")
        assert peer is not None
        return pull_once(self.usa, peer)

    def cursor(self) -> str | None:
        with self.usa.db.read() as conn:
            peer = peer_service.find_peer(conn, "JPN")
        assert peer is not None
        return peer.added_after


def _add(here: Node, there: Node, url: str, level: str, comps: list[str], token: str = "") -> str:
    with here.db.write() as conn:
        return peer_service.add_peer(
            conn,
            policy=here.policy,
            own_nation=here.nation,
            actor="test",
            nation=there.nation,
            url=url,
            public_key_pem=public_key_pem(there.key),
            max_level=level,
            compartments=comps,
            pull_token=token,
        )


@contextmanager
def linked(
    jpn: Node,
    usa: Node,
    *,
    jpn_agrees: tuple[str, list[str]] = ("SECRET", ["BIAC", "CYBER"]),
    usa_agrees: tuple[str, list[str]] = ("SECRET", ["BIAC", "CYBER"]),
) -> Iterator[Link]:
    with live_server(jpn) as jpn_url, live_server(usa) as usa_url, splice(jpn_url) as (via, relay):
        token_for_usa = _add(jpn, usa, usa_url, *jpn_agrees)
        _add(usa, jpn, via, *usa_agrees, token=token_for_usa)
        yield Link(jpn, usa, relay)


def _label(node: Node, text: str) -> Label:
    return parse(node.policy, text, originator=node.nation)


def _create(node: Node, obj: dict[str, Any], label: str) -> StoredObject:
    return node.store.create(node.system, obj, _label(node, label))


def _held(node: Node) -> list[Any]:
    with node.db.read() as conn:
        return list(conn.execute(select(quarantine).order_by(quarantine.c.pk)).all())


def _actions(node: Node) -> list[str]:
    with node.db.read() as conn:
        return [e.action for e in audit.entries(conn, limit=500)]


def _signed_as(node: Node, key: Ed25519PrivateKey, label: str, **claims: Any) -> dict[str, Any]:
    """A report as JPN would send it, signed with `key` and the given claims."""
    lab = _label(node, label)
    body = prepare(report(f"crafted {uuid.uuid4()}"), now="2026-12-01T00:00:00.000Z")
    body["object_marking_refs"] = [marking_id(node.policy, lab)]
    return sign(key, body, origin="JPN", label=lab, **{"added": FAR, "version": 1, **claims})


# -- 3: a poison object quarantines only itself ---------------------------------------


def test_an_object_whose_arrival_hook_raises_quarantines_only_itself(jpn: Node, usa: Node) -> None:
    def poisoned(_node: Node, conn: Any, made: StoredObject) -> None:
        name = made.object.get("name")
        if name == "poison":
            # What a hook wrote before it raised goes with its object.
            audit.append(conn, actor="hook", action="hook.partial", detail={"id": made.id})
            raise ValueError("kind 'bogus' is not a response kind")
        if name == "poison-2":
            raise KeyError("needs")

    usa.arrival_hooks.append(poisoned)
    shared = "UNCLASSIFIED//REL TO JPN, USA"
    first = _create(jpn, report("before"), shared)
    bad = _create(jpn, report("poison"), shared)
    bad2 = _create(jpn, report("poison-2"), shared)
    after = _create(jpn, report("after"), shared)
    with linked(jpn, usa) as link:
        applied = link.pull()
        assert (applied.stored, applied.quarantined) == (2, 2)
        for good in (first, after):
            assert usa.store.get(usa.system, good.id).body == good.body
        for poison in (bad, bad2):
            with pytest.raises(NotFound):
                usa.store.get(usa.system, poison.id)
        held = _held(usa)
        assert [(h.object_id, h.reason) for h in held] == [
            (bad.id, "ValueError: kind 'bogus' is not a response kind"),
            (bad2.id, "KeyError: 'needs'"),
        ]
        # Not spillage: the body is kept for diagnosis, the claimed label beside it.
        for h in held:
            assert "poison" in h.payload
            assert _label(usa, h.label) == _label(jpn, shared)
        assert _actions(usa).count("federation.quarantine") == 2
        assert "hook.partial" not in _actions(usa)

        # Objects written afterwards still arrive; the poison is not held twice.
        later = _create(jpn, report("later"), shared)
        again = link.pull()
        assert again.stored == 1
        assert usa.store.get(usa.system, later.id).body == later.body
        assert len(_held(usa)) == 2


def bogus_answer(jpn: Node, item_id: str, label: str) -> dict[str, Any]:
    """JPN's answer of kind "bogus" to a USA item, signed by JPN as if its node wrote it
    (issue 10, 3: an author on JPN posted one)."""
    from kizuna.domains.coordination.model import RESPONSE_TYPE

    lab = _label(jpn, label)
    body = prepare(
        {
            "type": RESPONSE_TYPE,
            "coordination_item": item_id,
            "kind": "bogus",
            "nation": "JPN",
            "tier": "operational",
        },
        now="2026-12-01T00:00:00.000Z",
    )
    body["object_marking_refs"] = [marking_id(jpn.policy, lab)]
    return sign(jpn.key, body, origin="JPN", label=lab, added=FAR, version=1)


def usa_item(usa: Node, label: str) -> StoredObject:
    """An item of the USA node that needs JPN's answer."""
    from kizuna.domains.coordination.inputs import ItemCreate
    from kizuna.domains.coordination.service import coordination
    from kizuna.identity import service as identity

    with usa.db.write() as conn:
        davis = identity.add_user(
            conn,
            policy=usa.policy,
            actor="test",
            username="davis",
            nation="USA",
            clearance="SECRET",
            roles=["author", "releasing_officer"],
            bodies=["usfj"],
        )
    return coordination(usa).open_item(
        davis.principal,
        ItemCreate(
            title_en="Runway repair",
            title_ja="滑走路補修",
            requesting_body="usfj",
            counterpart_body="jjoc",
            region="kanto",
            label=label,
        ),
    )


def test_a_bogus_answer_to_an_item_quarantines_only_itself(jpn: Node, usa: Node) -> None:
    shared = "SECRET//REL TO JPN, USA"
    item = usa_item(usa, shared)
    before = _create(jpn, report("before"), shared)
    with linked(jpn, usa) as link:
        link.relay.inject([bogus_answer(jpn, item.id, shared)])
        applied = link.pull()
        assert (applied.stored, applied.quarantined) == (1, 1)
        assert usa.store.get(usa.system, before.id).body == before.body
        [held] = _held(usa)
        assert held.object_id.startswith("x-kizuna-coordination-response--")
        assert "bogus" in held.reason
        assert usa.store.get(usa.system, item.id).body == item.body  # the item did not move
        later = _create(jpn, report("later"), shared)
        assert link.pull().stored == 1
        assert usa.store.get(usa.system, later.id).body == later.body


# -- 4: no claim but an authentic one moves the cursor ---------------------------------


def test_an_unsigned_or_forged_claim_far_in_the_future_does_not_move_the_cursor(
    jpn: Node, usa: Node
) -> None:
    shared = "UNCLASSIFIED//REL TO JPN, USA"
    good = _create(jpn, report("good"), shared)
    unsigned = _signed_as(jpn, jpn.key, shared)
    del unsigned["extensions"][SIGNATURE]["signature"]
    forged = _signed_as(jpn, Ed25519PrivateKey.generate(), shared)
    bare = prepare(report("no claims"), now="2026-12-01T00:00:00.000Z")
    bare["extensions"] = {SIGNATURE: {"added": FAR}}
    # NUL is JSON, but no PostgreSQL text: it must still be recorded.
    nul = {"type": "re\x00port", "id": "report--\x00", "extensions": {SIGNATURE: {"added": FAR}}}
    with linked(jpn, usa) as link:
        link.relay.inject([unsigned, forged, bare, nul])
        applied = link.pull()
        assert (applied.stored, applied.quarantined) == (1, 4)
        with jpn.db.read() as conn:
            added = conn.execute(
                select(versions.c.recorded_at)
                .join(objects, objects.c.pk == versions.c.object_pk)
                .where(objects.c.stix_id == good.id)
            ).scalar_one()
        assert link.cursor() == added
        reasons = sorted(h.reason for h in _held(usa))
        assert reasons == ["the signature does not verify with JPN's key"] * 4

        later = _create(jpn, report("later"), shared)
        assert link.pull().stored == 1
        assert usa.store.get(usa.system, later.id).body == later.body


def test_an_authentic_claim_far_in_the_future_moves_the_cursor_only_to_the_page_end(
    jpn: Node, usa: Node
) -> None:
    """JPN itself (a bug, a bad clock) signs `added: 9999-…`: the page's own end bounds
    the cursor, so what JPN writes next still arrives."""
    shared = "UNCLASSIFIED//REL TO JPN, USA"
    _create(jpn, report("good"), shared)
    future = _signed_as(jpn, jpn.key, shared)
    with linked(jpn, usa) as link:
        link.relay.inject([future])
        assert link.pull().stored == 2
        cursor = link.cursor()
        assert cursor is not None
        assert cursor < "3000"
        later = _create(jpn, report("later"), shared)
        assert link.pull().stored == 1
        assert usa.store.get(usa.system, later.id).body == later.body


# -- 7: every version travels, observables included; a narrowing is recalled ---------


def _numbers(node: Node, stix_id: str) -> list[int]:
    with node.db.read() as conn:
        return list(
            conn.execute(
                select(versions.c.number)
                .join(objects, objects.c.pk == versions.c.object_pk)
                .where(objects.c.stix_id == stix_id)
                .order_by(versions.c.number)
            ).scalars()
        )


def test_observables_reach_every_releasable_version_and_a_narrowing_is_recalled(
    jpn: Node, usa: Node
) -> None:
    observables = [
        _create(jpn, {"type": "ipv4-addr", "value": "198.51.100.7"}, "UNCLASSIFIED"),
        _create(jpn, {"type": "domain-name", "value": "example.org"}, "UNCLASSIFIED"),
    ]
    ids = [o.id for o in observables]
    with linked(jpn, usa) as link:

        def release(text: str) -> None:
            for stix_id in ids:
                jpn.store.release(jpn.system, stix_id, _label(jpn, text))

        def label_on_usa(stix_id: str) -> Label:
            return usa.store.get(usa.system, stix_id).label

        release("SECRET//BIAC//REL TO JPN, USA")  # version 2
        link.pull()
        assert [label_on_usa(i) for i in ids] == [_label(jpn, "SECRET//BIAC//REL TO JPN, USA")] * 2

        release("CONFIDENTIAL//REL TO JPN, AUS, USA")  # version 3: wider
        link.pull()
        for stix_id in ids:
            assert label_on_usa(stix_id) == _label(jpn, "CONFIDENTIAL//REL TO JPN, AUS, USA")
            assert _numbers(usa, stix_id) == [2, 3]
            here = usa.store.get(usa.system, stix_id)
            assert here.version == 3
            assert here.body == jpn.store.get(jpn.system, stix_id).body

        release("CONFIDENTIAL//REL TO JPN, AUS")  # version 4: USA may no longer read it
        link.pull()
        for stix_id in ids:
            with pytest.raises(NotFound):
                usa.store.get(usa.system, stix_id)
            with pytest.raises(NotFound):
                usa.store.history(usa.system, stix_id)
            # Hidden, not erased: the versions stay for the audit.
            assert _numbers(usa, stix_id) == [2, 3]
        recalls = [e for e in _actions(usa) if e == "federation.recall"]
        assert len(recalls) == 2

        release("UNCLASSIFIED//REL TO JPN, USA")  # version 5: wider again
        link.pull()
        for stix_id in ids:
            here = usa.store.get(usa.system, stix_id)
            assert (here.version, here.label) == (5, _label(jpn, "UNCLASSIFIED//REL TO JPN, USA"))
            assert [v.version for v in usa.store.history(usa.system, stix_id)] == [5]


def test_a_narrowing_the_peer_may_still_read_bounds_the_earlier_versions_there(
    jpn: Node, usa: Node
) -> None:
    """Walk 40 #1: after JPN narrowed a report from CONFIDENTIAL to SECRET (USA still
    in it), USA kept what it held and its CONFIDENTIAL reader still read version 1 in
    the history and over TAXII. USA keeps both versions, but the earlier one is read
    only by whoever may read the narrowed one, as on JPN; its own file on the report
    goes where the report goes."""
    made = _create(jpn, report("r"), "CONFIDENTIAL//REL TO JPN, AUS, USA")
    _, low = add_user(usa, "moore", nation="USA", clearance="CONFIDENTIAL")
    _, high = add_user(usa, "clark", nation="USA", clearance="SECRET", roles=["author"])
    with usa.db.read() as conn:
        moore = principal_for_token(conn, low)
        clark = principal_for_token(conn, high)
    assert moore is not None
    assert clark is not None
    with linked(jpn, usa) as link:
        link.pull()
        note = attachments(usa).attach(clark, Upload(
            of=made.id, file_name="notes.txt", mime_type="text/plain",
            label="CONFIDENTIAL", data=b"notes\n",
        ))  # fmt: skip
        assert usa.store.get(moore, note.id).version == 1
        assert [v.version for v in usa.store.history(moore, made.id)] == [1]
        jpn.store.release(jpn.system, made.id, _label(jpn, "SECRET//REL TO JPN, USA"))
        assert link.pull().stored == 2  # the new version, and the recall (for AUS)
        here = usa.store.get(clark, made.id)
        assert (here.version, here.label) == (2, _label(jpn, "SECRET//REL TO JPN, USA"))
        assert [v.version for v in usa.store.history(clark, made.id)] == [1, 2]
        with pytest.raises(NotFound):
            usa.store.history(moore, made.id)
        client = TestClient(create_app(usa))
        answer = client.get(
            f"/api/v1/objects/{made.id}/history", headers={"Authorization": f"Bearer {low}"}
        )
        assert answer.status_code == 404
        assert "federation.recall" in _actions(usa)
        # USA's own file on the report now goes where the report goes.
        with pytest.raises(NotFound):
            usa.store.get(moore, note.id)
        filed = usa.store.get(clark, note.id)
        assert (filed.version, filed.label) == (2, _label(usa, "SECRET"))


def test_after_a_narrowing_the_origin_serves_no_earlier_version_to_the_one_left_out(
    jpn: Node, usa: Node
) -> None:
    """Walk 36: after JPN narrowed a report to itself, USA's pull token still read the
    earlier version from JPN's collection (`match[version]=all`, `/versions/`). The
    earlier versions now take the narrowed label's bounds on the origin too: asked
    through taxii2-client with USA's own token, JPN serves none of them."""
    made = _create(jpn, report("harbour notes"), "SECRET//BIAC//REL TO JPN, USA")
    kept = _create(jpn, report("still shared"), "SECRET//BIAC//REL TO JPN, USA")
    with linked(jpn, usa) as link:
        link.pull()
        with usa.db.read() as conn:
            peer = peer_service.find_peer(conn, "JPN")
        assert peer is not None
        url = f"{peer.url}/taxii2/kizuna/collections/{collection_id('USA')}/"
        collection = Collection(url, auth=BearerAuth(peer.pull_token))

        def served(stix_id: str) -> list[str]:
            page = collection.get_objects(id=stix_id, version="all")
            return [o["modified"] for o in page.get("objects", [])]

        assert len(served(made.id)) == len(served(kept.id)) == 1
        jpn.store.release(jpn.system, made.id, _label(jpn, "SECRET//BIAC"))
        jpn.store.release(jpn.system, kept.id, _label(jpn, "TOP SECRET//BIAC//REL TO JPN, USA"))
        assert served(made.id) == []
        with pytest.raises(HTTPError):
            collection.object_versions(made.id)
        # A narrowing by level only: USA's agreement (SECRET) reads neither version now.
        assert served(kept.id) == []
        # JPN's readers keep reading the earlier version where they may read the new one.
        assert [v.version for v in jpn.store.history(jpn.system, made.id)] == [1, 2]
        link.pull()
        with pytest.raises(NotFound):
            usa.store.history(usa.system, made.id)


def test_a_recall_cannot_be_written_on_a_generic_path(jpn: Node) -> None:
    from kizuna.errors import Disallowed
    from kizuna.stix.types import extension_id

    made = _create(jpn, report("r"), "UNCLASSIFIED")
    recall = {
        "type": "x-kizuna-recall",
        "object_ref": made.id,
        "version": 2,
        "extensions": {extension_id("recall"): {"extension_type": "new-sdo"}},
    }
    with pytest.raises(Disallowed, match="federation"):
        jpn.store.create(jpn.system, recall, _label(jpn, "UNCLASSIFIED"))


# -- 8: spillage is not kept, and the sender is told ----------------------------------


def test_spillage_keeps_no_body_and_the_sender_is_told(jpn: Node, usa: Node) -> None:
    secret = f"NOT-FOR-USA-{uuid.uuid4()}"
    top = _create(jpn, report(secret), "TOP SECRET//REL TO JPN, USA")
    cyber = _create(jpn, report(secret), "SECRET//CYBER//REL TO JPN, USA")
    fine = _create(jpn, report("fine"), "CONFIDENTIAL//REL TO JPN, USA")
    # JPN's record of the agreement is wider than USA's.
    with linked(
        jpn, usa, jpn_agrees=("TOP SECRET", ["BIAC", "CYBER"]), usa_agrees=("SECRET", ["BIAC"])
    ) as link:
        applied = link.pull()
        assert (applied.stored, applied.quarantined) == (1, 2)
        assert usa.store.get(usa.system, fine.id).body == fine.body

        held = _held(usa)
        assert {h.object_id for h in held} == {top.id, cyber.id}
        for h in held:
            assert h.payload == ""
            assert h.spillage == 1
            assert len(h.digest) == 64
            assert h.reported_at is not None
        assert {_label(usa, h.label) for h in held} == {
            _label(jpn, "TOP SECRET//REL TO JPN, USA"),
            _label(jpn, "SECRET//CYBER//REL TO JPN, USA"),
        }
        # Nowhere on USA: not in quarantine, versions or the audit log.
        with usa.db.read() as conn:
            texts = [
                *conn.execute(select(versions.c.body)).scalars(),
                *[str(e.detail) for e in audit.entries(conn, limit=500)],
            ]
        assert not [t for t in texts if secret in t]

        # JPN's admins are told, audited, and see it on the federation page.
        with jpn.db.read() as conn:
            notices = conn.execute(select(spillage_notices)).all()
        assert {(n.peer, n.object_id) for n in notices} == {("USA", top.id), ("USA", cyber.id)}
        assert {n.digest for n in notices} == {h.digest for h in held}
        assert _actions(jpn).count("federation.spillage.reported") == 2

        # Pulling again neither holds nor reports them twice.
        link.pull()
        with jpn.db.read() as conn:
            assert conn.execute(select(func.count()).select_from(spillage_notices)).scalar() == 2
        assert len(_held(usa)) == 2

    def federation_page(node: Node, admin: str, compartments: list[str]) -> str:
        add_user(node, admin, nation=node.nation, clearance="TOP SECRET", roles=["admin"],
                 compartments=compartments, password=PASSWORD)  # fmt: skip
        with TestClient(create_app(node)) as client:
            client.get("/login")
            csrf = client.cookies.get(cookies(client).csrf, "")
            client.post(
                "/login", data={"username": admin, "password": PASSWORD, "csrf_token": csrf}
            )
            page = client.get("/federation")
            assert page.status_code == 200
            return page.text.split('id="spillage"', 1)[-1] if node is jpn else page.text

    told = federation_page(jpn, "suzuki", ["BIAC", "CYBER"])
    assert top.id in told
    assert cyber.id in told
    # An admin without CYBER is not told of the CYBER object's spillage (walk 41 #6).
    untold = federation_page(jpn, "kato", ["BIAC"])
    assert top.id in untold
    assert cyber.id not in untold
    held_page = federation_page(usa, "miller", [])
    assert top.id in held_page
    # USA's node opens in English when nobody chose (walk 50).
    assert "spillage: not kept" in held_page
    assert secret not in held_page


def test_only_a_peer_may_report_spillage(jpn: Node) -> None:
    from tests.factories import bearer

    _user, token = add_user(jpn, "smith", nation="USA", clearance="SECRET")
    notice = {
        "object_id": f"report--{uuid.uuid4()}",
        "label": "TOP SECRET//REL TO JPN, USA",
        "reason": "outside the agreement",
        "digest": "0" * 64,
        "refused_at": "2026-12-01T00:00:00.000000Z",
    }
    with TestClient(create_app(jpn)) as client:
        answer = client.post("/federation/spillage", json={"notices": [notice]},
                             headers=bearer(token))  # fmt: skip
        assert answer.status_code == 403
        # Walk 50: without a body, a person's token heard "notices: Field required"
        # (422) before it heard it is no peer, and the refusal left no trace.
        bare = client.post("/federation/spillage", json={}, headers=bearer(token))
        assert bare.status_code == 403
        assert bare.json()["detail"] == "only a peer node's account may call this"
    with jpn.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(spillage_notices)).scalar() == 0
        refused = [e for e in audit.entries(conn, limit=20) if e.action == "refused"]
    assert [(e.actor, e.detail["action"]) for e in refused] == [
        ("smith", "federation:peer:call"),
        ("smith", "federation:peer:call"),
    ]


def test_a_page_takes_every_version_of_objects_new_here_in_order(jpn: Node, usa: Node) -> None:
    """Issue 12: the receiver writes a page's new objects together; several versions of
    one object in the same page still arrive in order, under their origin's numbers."""
    shared = "UNCLASSIFIED//REL TO JPN, USA"
    once = [_create(jpn, report(f"once {n}"), shared) for n in range(5)]
    twice = _create(jpn, report("twice"), shared)
    jpn.store.revise(jpn.system, twice.id, report("twice, revised"))
    jpn.store.release(jpn.system, twice.id, _label(jpn, "CONFIDENTIAL//REL TO JPN, USA"))
    with linked(jpn, usa) as link:
        applied = link.pull()
        # Five, three versions, and the recall the narrowing release wrote.
        assert (applied.stored, applied.quarantined) == (9, 0)
    for made in once:
        assert usa.store.get(usa.system, made.id).body == made.body
    here = usa.store.get(usa.system, twice.id)
    assert (here.version, here.object["name"]) == (3, "twice, revised")
    assert here.body == jpn.store.get(jpn.system, twice.id).body
    assert _numbers(usa, twice.id) == [1, 2, 3]


def test_a_batch_the_database_refuses_is_written_one_object_at_a_time(
    jpn: Node, usa: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the database refuse the rows of a batch (any one bad row fails the whole
    statement), each object is written on its own: nothing is lost, nothing stalls."""
    calls: list[int] = []

    def refused(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RuntimeError("the database refused a row of the batch")

    monkeypatch.setattr(usa.store, "_insert_first_versions", refused)
    shared = "UNCLASSIFIED//REL TO JPN, USA"
    made = [_create(jpn, report(f"r{n}"), shared) for n in range(4)]
    with linked(jpn, usa) as link:
        applied = link.pull()
    assert calls
    assert (applied.stored, applied.quarantined) == (4, 0)
    for one in made:
        assert usa.store.get(usa.system, one.id).body == one.body
