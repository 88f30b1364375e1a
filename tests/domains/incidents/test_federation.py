"""Across the alliance: an event recorded on the USA node reaches the JPN node through
federation, the JPN node notifies the Japanese addressees (and they alone), a
Japanese liaison acknowledges there, and the acknowledgement travels back to the USA
node, whose timeline then shows who knew what, and when."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select, update

from kizuna.bootstrap import initialize, open_node
from kizuna.domains.incidents import queries
from kizuna.domains.incidents.model import AckCreate, CancelRequest, EventUpdate, PublicCreate
from kizuna.domains.incidents.schema import inc_notices, inc_steps
from kizuna.domains.incidents.service import incidents
from kizuna.federation import peers as peer_service
from kizuna.federation.pull import pull_once
from kizuna.labels import parse
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.store import NotFound
from tests.conftest import node_settings
from tests.domains.incidents.conftest import event, us_people
from tests.factories import live_server
from tests.factories.coordination import member

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

JAPANESE = {
    "mod-hq",
    "mofa",
    "jjoc",
    "okinawa-dsb",
    "okinawa-pref",
    "chatan",
    "kadena",
    "okinawa-city",
    "yomitan",
}


def _node(tmp_path: Path, nation: str) -> Node:
    home = tmp_path / nation.lower()
    home.mkdir()
    settings = node_settings(f"sqlite:///{home / 'kizuna.db'}", home)
    initialize(settings, nation=nation)
    return open_node(settings)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    usa, jpn = _node(tmp_path, "USA"), _node(tmp_path, "JPN")
    try:
        yield usa, jpn
    finally:
        usa.db.dispose()
        jpn.db.dispose()


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


@contextmanager
def peered(usa: Node, jpn: Node) -> Iterator[None]:
    """Both nodes served and peered, each with the token it pulls the other with."""
    with live_server(usa) as usa_url, live_server(jpn) as jpn_url:
        token_for_jpn = _peer(usa, jpn, jpn_url)
        token_for_usa = _peer(jpn, usa, usa_url, token_for_jpn)
        with usa.db.write() as conn:
            peer_service.set_pull_token(conn, actor="test", nation="JPN", token=token_for_usa)
        yield


def _peer_of(here: Node, nation: str) -> peer_service.Peer:
    with here.db.read() as conn:
        found = peer_service.find_peer(conn, nation)
    assert found is not None
    return found


def _notices(node: Node) -> set[tuple[str, int, str]]:
    with node.db.read() as conn:
        rows = conn.execute(
            select(inc_notices.c.addressee, inc_notices.c.revision, inc_notices.c.msg_type)
        ).all()
    return {tuple(r) for r in rows}  # type: ignore[misc]


def test_recorded_on_usa_notified_on_jpn_acknowledged_back(pair: tuple[Node, Node]) -> None:
    usa, jpn = pair
    people = us_people(usa)
    liaison, _ = member(jpn, "chatan-liaison", nation="JPN", roles=["author"], bodies=["chatan"])
    made = incidents(usa).record(people["duty"], event())
    with peered(usa, jpn):
        assert pull_once(jpn, _peer_of(jpn, "USA")).stored >= 1
        # The JPN node told the Japanese bodies; the US node the US ones.
        assert _notices(jpn) == {(a, 1, "Alert") for a in JAPANESE}
        assert _notices(usa) == {("usfj", 1, "Alert"), ("mcipac", 1, "Alert")}
        # A replay of the same version makes no second notice.
        pull_once(jpn, _peer_of(jpn, "USA"))
        assert len(_notices(jpn)) == len(JAPANESE)

        ack = incidents(jpn).acknowledge(
            liaison, made.id, AckCreate(addressee="chatan", comment="受領しました")
        )
        assert ack.origin == "JPN"
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        on_usa = {n.addressee: n for n in queries.notices(incidents(usa), people["duty"], made.id)}
        assert on_usa["chatan"].acked_by == "chatan-liaison"
        assert on_usa["chatan"].record_to_notice is not None
        assert on_usa["chatan"].record_to_ack >= on_usa["chatan"].record_to_notice >= 0
        assert [
            a.id for a in queries.acknowledgements(incidents(usa), people["duty"], made.id)
        ] == [ack.id]

        # An update on the USA node reaches the same Japanese bodies as an Update.
        incidents(usa).update(people["duty"], made.id, EventUpdate(damage="a car window"))
        pull_once(jpn, _peer_of(jpn, "USA"))
        assert {(a, 2, "Update") for a in JAPANESE} <= _notices(jpn)


def test_a_cancel_on_usa_reaches_the_public_record_on_jpn(pair: tuple[Node, Node]) -> None:
    """The public version is the event node's object: its cancelled version travels like
    any other, and the partner's public page, feed and CAP say it is cancelled (walk:
    the cancelled event's public version stayed a live Alert)."""
    usa, jpn = pair
    people = us_people(usa)
    made = incidents(usa).record(people["duty"], event())
    public = incidents(usa).release_public(
        people["duty"],
        made.id,
        PublicCreate(
            title_en="Part fell near Kadena",
            title_ja="嘉手納基地付近で部品落下",
            description_en="No one was hurt.",
            description_ja="けが人なし。",
        ),
    )
    with peered(usa, jpn):
        pull_once(jpn, _peer_of(jpn, "USA"))
        assert [p.id for p in queries.public_versions(incidents(jpn))] == [public.id]

        incidents(usa).cancel(
            people["duty"],
            made.id,
            CancelRequest(reason_en="debris from a truck", reason_ja="誤登録"),
        )
        pull_once(jpn, _peer_of(jpn, "USA"))
        c = incidents(jpn)
        on_jpn = queries.public_version(c, public.id)
        assert (on_jpn.version, on_jpn.object["status"]) == (2, "cancelled")
        document = queries.public_cap(c, on_jpn)
        assert "<msgType>Cancel</msgType>" in document
        assert f"<references>kizuna@usa.alliance,urn:kizuna:{public.id}:r1," in document
        assert "debris" not in document
        # The Cancel notices reach the Japanese bodies too.
        assert {(a, 2, "Cancel") for a in JAPANESE} <= _notices(jpn)


def test_an_event_narrowed_past_the_partner_is_not_reminded_there(
    pair: tuple[Node, Node],
) -> None:
    """Walk 40 #5 (left by it): once USA narrowed an event to itself, JPN's node, which
    may no longer read it, would still have reminded and escalated its bodies' notices
    of it. Its notices stay in the record; nothing more is sent for them."""
    usa, jpn = pair
    people = us_people(usa)
    made = incidents(usa).record(people["duty"], event())
    with peered(usa, jpn):
        pull_once(jpn, _peer_of(jpn, "USA"))
        assert _notices(jpn) == {(a, 1, "Alert") for a in JAPANESE}
        usa.store.release(people["duty"], made.id, parse(usa.policy, "CONFIDENTIAL//REL TO USA"))
        pull_once(jpn, _peer_of(jpn, "USA"))
    with pytest.raises(NotFound):
        jpn.store.get(jpn.system, made.id)
    with jpn.db.write() as conn:
        conn.execute(update(inc_steps).values(due_at=0))  # every deadline has passed
    assert incidents(jpn).scan() == []
    assert _notices(jpn) == {(a, 1, "Alert") for a in JAPANESE}


def test_an_event_narrowed_within_the_partners_reach_arrives_there(
    pair: tuple[Node, Node],
) -> None:
    """Walk 41 #1: USA's narrowing of an event (JPN kept in it) was quarantined on JPN
    (a release keeps the revision, which the event's rules took for a bad update), and
    the recall that followed left nothing readable there; a cancelled event's too."""
    usa, jpn = pair
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    gone = c.record(people["duty"], event())
    c.cancel(people["duty"], gone.id, CancelRequest(reason_en="Recorded twice", reason_ja="誤登録"))
    secret = parse(usa.policy, "SECRET//REL TO JPN, USA")
    with peered(usa, jpn):
        pull_once(jpn, _peer_of(jpn, "USA"))
        for stix_id in (made.id, gone.id):
            usa.store.release(people["duty"], stix_id, secret)
        pulled = pull_once(jpn, _peer_of(jpn, "USA"))
    assert pulled.quarantined == 0
    for stix_id in (made.id, gone.id):
        here = jpn.store.get(jpn.system, stix_id)
        assert here.label_text == "SECRET//REL TO JPN, USA"
    assert jpn.store.get(jpn.system, gone.id).object["status"] == "cancelled"


def test_a_narrowed_event_takes_the_acknowledgements_of_each_node_along(
    pair: tuple[Node, Node],
) -> None:
    """Walk: davis acknowledged an event for USFJ, jones narrowed the event to the US;
    JPN's node hid the event but a Japanese reader there still read davis's
    acknowledgement (comment, revision, event id). What hangs on the event goes where
    the narrowing takes it, on both nodes, and the partner's own follows on arrival."""
    usa, jpn = pair
    people = us_people(usa)
    davis, _ = member(usa, "davis", nation="USA", roles=["author"], bodies=["usfj"])
    liaison, _ = member(jpn, "chatan-liaison", nation="JPN", roles=["author"], bodies=["chatan"])
    reader, _ = member(
        jpn, "ito", nation="JPN", roles=["reader"], bodies=[], clearance="CONFIDENTIAL"
    )
    c = incidents(usa)
    past = c.record(people["duty"], event())  # narrowed past JPN
    within = c.record(people["duty"], event())  # narrowed to SECRET, JPN kept
    acks = {
        stix_id: c.acknowledge(
            davis, stix_id, AckCreate(addressee="usfj", comment="USFJ ack davis")
        )
        for stix_id in (past.id, within.id)
    }
    with peered(usa, jpn):
        pull_once(jpn, _peer_of(jpn, "USA"))
        assert jpn.store.get(reader, acks[past.id].id).object["comment"] == "USFJ ack davis"
        theirs = incidents(jpn).acknowledge(
            liaison, within.id, AckCreate(addressee="chatan", comment="受領しました")
        )
        pull_once(usa, _peer_of(usa, "JPN"))
        usa.store.release(people["duty"], past.id, parse(usa.policy, "CONFIDENTIAL//REL TO USA"))
        secret = "SECRET//REL TO JPN, USA"
        usa.store.release(people["duty"], within.id, parse(usa.policy, secret))
        # On USA: its own acknowledgements released with the events; JPN's bounded.
        assert usa.store.get(people["duty"], acks[past.id].id).label_text == (
            "CONFIDENTIAL//REL TO USA"
        )
        assert usa.store.get(people["duty"], acks[within.id].id).label_text == secret
        usa_reader, _ = member(
            usa, "lee", nation="USA", roles=["reader"], bodies=[], clearance="CONFIDENTIAL"
        )
        with pytest.raises(NotFound):
            usa.store.get(usa_reader, theirs.id)

        pulled = pull_once(jpn, _peer_of(jpn, "USA"))
        assert pulled.quarantined == 0
        # On JPN: the acknowledgement of the event narrowed past it is hidden with it.
        for gone in (past.id, acks[past.id].id):
            with pytest.raises(NotFound):
                jpn.store.get(reader, gone)
        listed = jpn.store.list(reader, type="x-kizuna-incident-ack").items
        assert acks[past.id].id not in {o.id for o in listed}
        # The one narrowed within reach arrives narrowed, and JPN's own follows it.
        assert jpn.store.get(jpn.system, acks[within.id].id).label_text == secret
        assert jpn.store.get(jpn.system, theirs.id).label_text == secret
        for hidden in (within.id, acks[within.id].id, theirs.id):
            with pytest.raises(NotFound):
                jpn.store.get(reader, hidden)

        # JPN's narrowed acknowledgement is taken back on USA, where it stays readable
        # by whoever may read the event.
        assert pull_once(usa, _peer_of(usa, "JPN")).quarantined == 0
        back = usa.store.get(people["duty"], theirs.id)
        assert (back.label_text, back.object["comment"]) == (secret, "受領しました")


def test_an_event_recalled_past_the_partner_hides_the_partners_own_acknowledgement(
    pair: tuple[Node, Node],
) -> None:
    """Walk: USA narrowed its event to the US alone; on JPN the event was hidden, but a
    CONFIDENTIAL reader there still read JPN's own acknowledgement of it, at the
    event's old label. The recall hides it with the event on every read path there,
    and JPN no longer serves it to the US node."""
    from fastapi.testclient import TestClient

    from kizuna.web.app import create_app
    from tests.factories import bearer, sign_in

    usa, jpn = pair
    people = us_people(usa)
    davis, _ = member(usa, "davis", nation="USA", roles=["author"], bodies=["usfj"])
    liaison, _ = member(jpn, "chatan-liaison", nation="JPN", roles=["author"], bodies=["chatan"])
    reader, token = member(
        jpn, "ito", nation="JPN", roles=["reader"], bodies=[], clearance="CONFIDENTIAL"
    )
    recorded = incidents(usa).record(people["duty"], event())
    ack = incidents(usa).acknowledge(
        davis, recorded.id, AckCreate(addressee="usfj", comment="USFJ ack davis")
    )
    with peered(usa, jpn):
        pull_once(jpn, _peer_of(jpn, "USA"))
        ours = incidents(jpn).acknowledge(
            liaison, recorded.id, AckCreate(addressee="chatan", comment="北谷町受領")
        )
        assert jpn.store.get(reader, ours.id).object["comment"] == "北谷町受領"
        pull_once(usa, _peer_of(usa, "JPN"))
        usa.store.release(
            people["duty"], recorded.id, parse(usa.policy, "CONFIDENTIAL//REL TO USA")
        )
        assert pull_once(jpn, _peer_of(jpn, "USA")).quarantined == 0

        for gone in (recorded.id, ack.id, ours.id):
            with pytest.raises(NotFound):
                jpn.store.get(reader, gone)
        with TestClient(create_app(jpn)) as web:
            for gone in (ack.id, ours.id):
                assert web.get(f"/api/v1/objects/{gone}", headers=bearer(token)).status_code == 404
            listed = web.get("/api/v1/objects?limit=1000", headers=bearer(token)).json()
            assert not {ack.id, ours.id} & {o["id"] for o in listed["items"]}
            sign_in(web, "chatan-liaison", lang="en")
            assert web.get(f"/objects/{ours.id}").status_code == 404
        assert not {ack.id, ours.id} & {
            o.id for o in jpn.store.list(liaison, type="x-kizuna-incident-ack").items
        }
        # Not served to the US node again, in any version.
        from kizuna.identity.principal import Principal, Role
        from kizuna.labels.label import Clearance
        from kizuna.store.feed import FeedQuery, feed

        peer = Principal(
            name="peer-USA", clearance=Clearance("USA", 40, frozenset()),
            roles=frozenset({Role.READER}),
        )  # fmt: skip
        served = feed(jpn.store, peer, FeedQuery(versions=("all",)), limit=1000).items
        assert ours.id not in {o.id for o in served}
