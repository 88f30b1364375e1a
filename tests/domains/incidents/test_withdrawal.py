"""Walk: on the US node jones recorded a CONFIDENTIAL//REL TO USA, JPN incident; it
reached the JPN node, which queued mail to Chatan, Ginowan, Kadena, Okinawa Prefecture
and MOFA. Jones then narrowed it to REL TO USA. The JPN node hid the event, but its
mail stayed pending and was tried at every scan (the relay was down): once the relay
was back, local governments would have had an Alert of an event the US withdrew.
The recall now withdraws, on arrival, every message not yet sent and every reminder
and escalation of the event there (audited); the deliverer never sends one for an
event the node's system principal no longer reads. Across the federation, on both
databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from kizuna.bootstrap import initialize, open_node
from kizuna.db.schema import audit_log, objects
from kizuna.domains.incidents.schema import inc_deliveries, inc_notices, inc_steps
from kizuna.domains.incidents.service import incidents
from kizuna.federation.pull import pull_once
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.store import NotFound
from tests.conftest import drop_pg_database, make_pg_database, node_settings
from tests.domains.incidents.conftest import event, us_people
from tests.domains.incidents.test_delivery import Inbox, free_port, use_relay
from tests.domains.incidents.test_federation import _peer_of, peered

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    """A USA node and a JPN node, each on a database of its own on one backend."""
    made: list[str] = []
    nodes: list[Node] = []
    admin = request.getfixturevalue("pg_server") if request.param == "postgresql" else ""
    try:
        for nation in ("USA", "JPN"):
            home = tmp_path / nation.lower()
            home.mkdir()
            if admin:
                url, name = make_pg_database(admin, template=request.getfixturevalue("pg_template"))
                made.append(name)
            else:
                url = f"sqlite:///{home / 'kizuna.db'}"
            settings = node_settings(url, home)
            initialize(settings, nation=nation)
            nodes.append(open_node(settings))
        yield nodes[0], nodes[1]
    finally:
        for node in nodes:
            node.db.dispose()
        for name in made:
            drop_pg_database(admin, name)


def _rows(node: Node, stix_id: str, rows: Any = inc_deliveries) -> list[str]:
    """The statuses of the event's outbox rows (or steps) on `node`."""
    with node.db.read() as conn:
        return list(
            conn.execute(
                select(rows.c.status)
                .join(inc_notices, inc_notices.c.pk == rows.c.notice_pk)
                .join(objects, objects.c.pk == inc_notices.c.event_pk)
                .where(objects.c.stix_id == stix_id)
            ).scalars()
        )


def _withdrawn(node: Node) -> list[tuple[str | None, str, dict[str, Any]]]:
    with node.db.read() as conn:
        rows = conn.execute(
            select(audit_log.c.target, audit_log.c.actor, audit_log.c.detail)
            .where(audit_log.c.action == "incidents.withdrawn")
            .order_by(audit_log.c.seq)
        ).all()
    return [(r.target, r.actor, json.loads(r.detail)) for r in rows]


def test_a_recall_withdraws_the_partners_unsent_mail_and_the_deliverer_never_sends_it(
    pair: tuple[Node, Node],
) -> None:
    usa, jpn = pair
    people = us_people(usa)
    narrowed = incidents(usa).record(people["duty"], event())
    kept = incidents(usa).record(people["duty"], event())
    port = free_port()
    c = use_relay(jpn, port)  # nothing listens there: the relay is down
    with peered(usa, jpn):
        pull_once(jpn, _peer_of(jpn, "USA"))
        assert c.deliver().sent == 0
        waiting = _rows(jpn, narrowed.id)
        assert len(waiting) >= 5
        assert set(waiting) == {"pending"}
        steps = _rows(jpn, narrowed.id, inc_steps)
        assert steps
        assert set(steps) == {"pending"}
        assert c.failing()[0] == len(waiting) + len(_rows(jpn, kept.id))

        usa.store.release(
            people["duty"], narrowed.id, parse(usa.policy, "CONFIDENTIAL//REL TO USA")
        )
        assert pull_once(jpn, _peer_of(jpn, "USA")).quarantined == 0
    with pytest.raises(NotFound):
        jpn.store.get(jpn.system, narrowed.id)
    # Withdrawn on arrival: every unsent message and every reminder, audited once.
    assert set(_rows(jpn, narrowed.id)) == {"cancelled"}
    assert set(_rows(jpn, narrowed.id, inc_steps)) == {"cancelled"}
    assert _withdrawn(jpn) == [
        (narrowed.id, "node:USA",
         {"messages": len(waiting), "reminders": len(steps), "reason": "recalled"}),
    ]  # fmt: skip
    # The event still readable there keeps its mail; nothing is waited for in vain.
    assert set(_rows(jpn, kept.id)) == {"pending"}
    assert c.failing()[0] == len(_rows(jpn, kept.id))

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        up = c.deliver()
        # A message of the narrowed event left waiting by any other way (one queued
        # before this check existed): the deliverer withdraws it, and sends nothing.
        with jpn.db.write() as conn:
            conn.execute(
                update(inc_deliveries)
                .where(inc_deliveries.c.status == "cancelled")
                .values(status="pending")
            )
        again = c.deliver()
    finally:
        controller.stop()
    assert up.sent == len(_rows(jpn, kept.id))
    assert again.sent == 0
    uid = narrowed.id.split("--", 1)[1]
    assert inbox.ids()
    assert not [i for i in inbox.ids() if i.startswith(f"<{uid}.")]
    assert set(_rows(jpn, narrowed.id)) == {"cancelled"}
    assert set(_rows(jpn, kept.id)) == {"sent"}
    last = _withdrawn(jpn)[-1]
    assert last == (narrowed.id, "system@JPN",
                    {"messages": len(waiting), "reminders": 0,
                     "reason": "not readable here"})  # fmt: skip
    assert c.failing() == (0, None)
    # And nothing reminds or escalates a body of it.
    with jpn.db.write() as conn:
        conn.execute(update(inc_steps).values(due_at=0))
    assert {f.event_id for f in c.scan()} <= {kept.id}
