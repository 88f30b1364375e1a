"""A narrowing, as the partner node takes it: what the partner wrote about the object
goes where the narrowing takes the object.

Two nodes over HTTP, set up as in test_federation.py. When the narrowing removes the
partner, the recall hides the partner's own followers there (and keeps them from
being served again); when it keeps the partner, the partner narrows its own, and the
narrowed versions are taken back on the origin node, nothing quarantined.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna import audit, clock
from kizuna.db.schema import objects, versions
from kizuna.errors import Recalled
from kizuna.federation.guard import Refusal
from kizuna.federation.pull import pull_once
from kizuna.federation.receive import _quarantine
from kizuna.federation.schema import quarantine
from kizuna.identity.principal import Principal, Role
from kizuna.labels import parse
from kizuna.labels.label import Clearance
from kizuna.runtime import Node
from kizuna.store import NotFound
from kizuna.store.feed import FeedQuery, feed
from tests.factories import bearer, sign_in
from tests.factories.coordination import member
from tests.integration.test_federation import _linked, _peer_of, usa

__all__ = ["usa"]  # the fixture, imported for pytest


def _ids_fed(node: Node, nation: str) -> set[str]:
    """Every id (any version) the node's TAXII feed serves a reader of `nation`."""
    reader = Principal(
        name=f"peer-{nation}",
        clearance=Clearance(nation, 40, frozenset(node.policy.compartments)),
        roles=frozenset({Role.READER}),
    )
    page = feed(node.store, reader, FeedQuery(versions=("all",)), limit=1000)
    assert page.next is None
    return {o.id for o in page.items}


def _numbers(node: Node, ids: list[str]) -> dict[str, int]:
    """The highest version number held of each id (whoever may read it)."""
    with node.db.read() as conn:
        rows = conn.execute(
            select(objects.c.stix_id, versions.c.number)
            .join(versions, versions.c.object_pk == objects.c.pk)
            .where(objects.c.stix_id.in_(ids))
        ).all()
    got: dict[str, int] = {}
    for row in rows:
        got[row.stix_id] = max(got.get(row.stix_id, 0), row.number)
    return got


def _quarantined(node: Node) -> list[str]:
    with node.db.read() as conn:
        return [str(r.reason) for r in conn.execute(select(quarantine.c.reason))]


def _jpn_item_with_us_followers(node: Node, usa: Node, title: str) -> dict[str, str]:
    """JJOC's item (SECRET, REL TO JPN, USA) and tasker on it, pulled by the US node,
    where baker reports USFJ's status and acknowledges USFJ's receipt of the tasker,
    davis answers the item and miller asks JJOC about it; JPN pulls them back."""
    from kizuna.domains.coordination.inputs import (
        ItemCreate,
        ResponseCreate,
        RfiCreate,
        TaskerCreate,
        TaskStatusCreate,
    )
    from kizuna.domains.coordination.model import ResponseKind
    from kizuna.domains.coordination.receipts import receipts_of
    from kizuna.domains.coordination.service import coordination

    sato, _ = member(
        node, "sato", nation="JPN", roles=["author", "releasing_officer"], bodies=["jjoc"]
    )
    baker, _ = member(usa, "baker", nation="USA", roles=["coordinator"], bodies=["usfj"])
    davis, _ = member(usa, "davis", nation="USA", roles=["coordinator"], bodies=["usfj"])
    miller, _ = member(usa, "miller", nation="USA", roles=["author"], bodies=["usfj"])
    c = coordination(node)
    item = c.open_item(
        sato,
        ItemCreate(title_en=title, title_ja="燃料", requesting_body="jjoc",
                   counterpart_body="usfj", region="kyushu", label="SECRET//REL TO JPN, USA"),
    )  # fmt: skip
    tasker = c.issue_tasker(
        sato,
        TaskerCreate(title_en="Survey the tanks", title_ja="タンク調査", issuing_body="jjoc",
                     opr="bocc", ocrs=["usfj"], suspense=clock.now() + timedelta(hours=6),
                     coordination_item=item.id, label="SECRET//REL TO JPN, USA"),
    )  # fmt: skip
    assert pull_once(usa, _peer_of(usa, "JPN")).quarantined == 0
    u = coordination(usa)
    status = u.report_status(
        baker, tasker.id, TaskStatusCreate(office="usfj", status="in_progress", note="Tank 9")
    )
    receipt = u.acknowledge_receipt(baker, tasker.id, "usfj")
    answer = u.respond(
        davis,
        item.id,
        ResponseCreate(kind=ResponseKind.CONCUR_WITH_COMMENTS, comment="Tank nine is ours"),
    )
    rfi = u.ask(
        miller,
        RfiCreate(title_en="Which tanks?", title_ja="どのタンクか", asking_body="usfj",
                  addressed_body="jjoc", coordination_item=item.id),
    )  # fmt: skip
    (item_receipt,) = receipts_of(u, baker, item.id)
    assert pull_once(node, _peer_of(node, "USA")).quarantined == 0
    return {
        "item": item.id,
        "tasker": tasker.id,
        "status": status.id,
        "receipt": receipt.id,
        "item_receipt": item_receipt.id,
        "answer": answer.id,
        "rfi": rfi.id,
    }


def test_a_recall_hides_what_the_partner_wrote_about_the_item(node: Node, usa: Node) -> None:
    """Walk: JPN narrowed its item to Japan; on the US node the item and its tasker were
    404, but USFJ's own answer, status and receipts stayed listed at the item's old
    label. When the recall arrives they are hidden with the item, on REST, the object
    page, the lists, search and the feed served to JPN, and audited."""
    from kizuna.domains.coordination.receipts import receipts_of
    from kizuna.domains.coordination.service import coordination
    from kizuna.web.app import create_app

    with _linked(node, usa):
        ids = _jpn_item_with_us_followers(node, usa, "Fuel at Sasebo")
        lee, token = member(usa, "lee", nation="USA", roles=["reader"], bodies=[])
        ours = [ids[k] for k in ("status", "receipt", "item_receipt", "answer", "rfi")]
        for each in ours:
            assert usa.store.get(lee, each).id == each
        assert set(ours) <= _ids_fed(usa, "JPN")
        with TestClient(create_app(usa)) as web:
            sign_in(web, "lee", lang="en")
            assert ids["rfi"] in web.get("/search?q=tanks").text

        officer, _ = member(
            node, "kondo", nation="JPN", roles=["releasing_officer"], bodies=["jjoc"]
        )
        node.store.release(officer, ids["item"], parse(node.policy, "SECRET//REL TO JPN"))
        assert pull_once(usa, _peer_of(usa, "JPN")).quarantined == 0

        for each in [ids["item"], ids["tasker"], *ours]:
            with pytest.raises(NotFound):
                usa.store.get(lee, each)
        assert receipts_of(coordination(usa), lee, ids["tasker"]) == []
        with TestClient(create_app(usa)) as web:
            for each in [ids["item"], ids["tasker"], *ours]:
                got = web.get(f"/api/v1/objects/{each}", headers=bearer(token))
                assert got.status_code == 404, (each, got.text)
            listed = web.get("/api/v1/objects?limit=1000", headers=bearer(token)).json()
            assert not set(ours) & {o["id"] for o in listed["items"]}
            receipts = web.get(f"/api/v1/coordination/receipts?of={ids['tasker']}",
                               headers=bearer(token))  # fmt: skip
            assert receipts.json()["items"] == []
            sign_in(web, "lee", lang="en")
            for each in ours:
                assert web.get(f"/objects/{each}").status_code == 404
            found = web.get("/search?q=tanks").text
            assert ids["rfi"] not in found
        # Not served to JPN again (JPN holds what it had, bounded by its own narrowing).
        assert not set(ours) & _ids_fed(usa, "JPN")
        # The US node's own, hidden, stay held for the audit, which names each.
        with usa.db.read() as conn:
            hidden = {e.target for e in audit.entries(conn, action_prefix="object.hidden")}
        assert set(ours) <= hidden
        # A status about the hidden tasker arriving later (here, one of JPN's made
        # before the narrowing) is refused, so nothing shows it again.
        with usa.db.read() as conn:
            held = conn.execute(
                select(versions.c.body, objects.c.type)
                .join(objects, objects.c.pk == versions.c.object_pk)
                .where(objects.c.stix_id == ids["status"])
            ).one()
        late = {**json.loads(held.body)}
        late.update(id=f"{held.type}--{uuid.uuid4()}", nation="JPN", office="bocc")
        for key in ("object_marking_refs", "created_by_ref"):
            late.pop(key, None)
        with pytest.raises(Recalled, match="was recalled from this node"), usa.db.write() as conn:
            usa.store.accept_in(conn, body=late, label=parse(usa.policy, "SECRET//REL TO JPN, USA"),
                                origin="JPN", author="node:JPN", version=1)  # fmt: skip
        # Quarantined, it keeps no body: the quarantine page would show it to admins.
        refused = Refusal("x", "recalled", withheld=True)
        with usa.db.write() as conn:
            assert _quarantine(conn, _peer_of(usa, "JPN"), late, refused)
            kept = conn.execute(select(quarantine.c.payload)).scalars().all()
        assert kept == [""]


def test_a_narrowing_that_keeps_the_partner_takes_its_followers_back_unquarantined(
    node: Node, usa: Node
) -> None:
    """Walk: JPN narrowed its item to BIAC, still released to the US; the US node
    narrowed its answer and its status with it, and JPN quarantined both ("an answer is
    never changed"). Label-only versions that follow a narrowing arrive; both nodes
    then hold the same version numbers."""
    with _linked(node, usa):
        ids = _jpn_item_with_us_followers(node, usa, "Fuel at Iwakuni")
        officer, _ = member(
            node, "kondo", nation="JPN", roles=["releasing_officer"], bodies=["jjoc"],
            compartments=["BIAC"],
        )  # fmt: skip
        narrowed = "SECRET//BIAC//REL TO JPN, USA"
        node.store.release(officer, ids["item"], parse(node.policy, narrowed))
        assert pull_once(usa, _peer_of(usa, "JPN")).quarantined == 0
        for key in ("status", "receipt", "item_receipt", "answer", "rfi"):
            assert usa.store.get(usa.system, ids[key]).label_text == narrowed, key
        assert pull_once(node, _peer_of(node, "USA")).quarantined == 0
        assert _quarantined(node) == []
        every = list(ids.values())
        assert _numbers(node, every) == _numbers(usa, every)
        for key in ("status", "receipt", "item_receipt", "answer", "rfi", "tasker"):
            assert node.store.get(node.system, ids[key]).label_text == narrowed, key
