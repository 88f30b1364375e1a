"""What hangs on an event follows its narrowing (walk: USA narrowed an event to itself,
JPN's node hid the event, but davis's acknowledgement stayed releasable to JPN, and a
Japanese reader still read its comment, "Notified", the revision and the event id).
One node here; the two-node arrival is in test_federation.py."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.db.schema import audit_log
from kizuna.domains.incidents import OWNER
from kizuna.domains.incidents.model import ACK_TYPE, AckCreate
from kizuna.domains.incidents.service import incidents
from kizuna.errors import Conflict, Disallowed, Invalid, NotFound
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.store.owners import Write
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event
from tests.factories import bearer, sign_in
from tests.factories.coordination import member

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

NARROWED = "CONFIDENTIAL//REL TO USA"


@pytest.fixture
def web(usa: Node) -> Iterator[TestClient]:
    with TestClient(create_app(usa), headers=JAPANESE) as client:
        yield client


def test_a_narrowed_event_takes_this_nodes_acknowledgements_along(
    usa: Node, web: TestClient
) -> None:
    davis, _ = member(usa, "davis", nation="USA", roles=["author"], bodies=["usfj"])
    jones, jones_token = member(
        usa, "jones", nation="USA", roles=["author", "releasing_officer"], bodies=[]
    )
    # A Japanese liaison reading on the US node, cleared for what the event was.
    kato, kato_token = member(
        usa, "kato", nation="JPN", roles=["reader"], bodies=[], clearance="CONFIDENTIAL"
    )
    c = incidents(usa)
    made = c.record(jones, event())
    ack = c.acknowledge(davis, made.id, AckCreate(addressee="usfj", comment="USFJ ack davis"))
    assert ack.label_text == "CONFIDENTIAL//REL TO JPN, USA"
    listing = f"/api/v1/objects?type={ACK_TYPE}"
    assert [o["id"] for o in web.get(listing, headers=bearer(kato_token)).json()["items"]] == [
        ack.id
    ]

    narrowed = web.post(
        f"/api/v1/objects/{made.id}/release", json={"label": NARROWED}, headers=bearer(jones_token)
    )
    assert narrowed.status_code == 200, narrowed.text

    # The node released the acknowledgement with the event: the same words, a new label.
    now = usa.store.get(jones, ack.id)
    assert (now.label_text, now.version) == (NARROWED, 2)
    assert {
        k: v for k, v in now.object.items() if k not in ("modified", "object_marking_refs")
    } == {k: v for k, v in ack.object.items() if k not in ("modified", "object_marking_refs")}
    with usa.db.read() as conn:
        released = conn.execute(
            select(audit_log.c.actor, audit_log.c.detail).where(
                audit_log.c.action == "object.release", audit_log.c.target == ack.id
            )
        ).one()
    assert released.actor == "system@USA"
    assert json.loads(released.detail)["follows"] == made.id
    # The Japanese reader reads it no more, by id or in a listing, nor its first version.
    assert web.get(f"/api/v1/objects/{ack.id}", headers=bearer(kato_token)).status_code == 404
    assert web.get(listing, headers=bearer(kato_token)).json()["items"] == []
    with TestClient(create_app(usa), headers=JAPANESE) as pages:
        sign_in(pages, "kato", lang="en")
        for path in (f"/objects?type={ACK_TYPE}", "/objects.csv"):
            assert ack.id not in pages.get(path).text, path
        hidden = pages.get(f"/objects/{ack.id}")
        assert hidden.status_code == 404
        assert "USFJ ack davis" not in hidden.text
    with pytest.raises(NotFound):
        usa.store.history(kato, ack.id)
    # Its author still reads it beside the event.
    shown = web.get(f"/api/v1/incidents/events/{made.id}", headers=bearer(jones_token)).json()
    assert [a["id"] for a in shown["acknowledgements"]] == [ack.id]


def test_an_acknowledgement_changes_only_its_label_and_never_below_its_event(usa: Node) -> None:
    """The rules that let the node narrow an acknowledgement take nothing else: its words
    stay, and a version wider than the event as held here (a partner's, arriving after
    the narrowing) is refused."""
    davis, _ = member(usa, "davis", nation="USA", roles=["author"], bodies=["usfj"])
    jones, _ = member(usa, "jones", nation="USA", roles=["author", "releasing_officer"], bodies=[])
    c = incidents(usa)
    made = c.record(jones, event())
    ack = c.acknowledge(davis, made.id, AckCreate(addressee="usfj", comment="seen"))
    changed = {k: v for k, v in ack.object.items() if k != "modified"} | {"comment": "not seen"}
    with pytest.raises((Conflict, Disallowed), match="an acknowledgement is never changed"):
        usa.store.revise(usa.system, ack.id, changed, owner=OWNER)
    assert usa.store.get(jones, ack.id).object["comment"] == "seen"

    usa.store.release(jones, made.id, parse(usa.policy, NARROWED))
    owner = usa.store.owners.owner_of(ack.object)
    assert owner is not None
    assert owner.rules is not None
    wider = parse(usa.policy, "CONFIDENTIAL//REL TO JPN, USA")
    arriving = {**ack.object, "nation": "JPN", "person": "chatan-liaison"}
    with usa.db.read() as conn, pytest.raises(Invalid, match="at least as restrictive"):
        owner.rules(conn, Write("accept", None, arriving, wider, "JPN"))
