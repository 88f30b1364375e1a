"""Fan-out between two `kizuna serve` processes with a local SMTP server (aiosmtpd): a
US duty officer records one event on the USA node; it is routed to 50 addressees, 25
on each node (the JPN node routes the Japanese half when the event arrives by
federation); every addressee gets its mail once, acknowledges on its own node, and the
USA node's timeline ends with all 50 acknowledged and consistent latencies. Every
notice's CAP document, on each node, is valid CAP 1.2. Then the USA node is killed
(SIGKILL) while its reminders are going out, and restarted: every reminder and every
escalation fires once."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from aiosmtpd.controller import Controller
from sqlalchemy import select

from kizuna.bootstrap import open_node
from kizuna.domains.incidents.schema import inc_notices, inc_steps
from kizuna.identity import service as identity
from tests.conftest import node_settings
from tests.domains.incidents.conftest import event
from tests.domains.incidents.test_delivery import Inbox, free_port
from tests.e2e.test_federation_processes import Proc, _peered

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

SIDE = 25  # addressees on each node
SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "CAP-v1.2-schema.xsd")


def routing_file(path: Path, acknowledge_hours: float = 2) -> Path:
    rows = [
        f"  - {{id: {p}-{i:02d}, nation: {n}, en: Body {p} {i}, ja: 機関{p}{i}, "
        f"people: [{{user: {p}{i:02d}}}], email: {p}{i}@fanout.example}}"
        for n, p in (("USA", "us"), ("JPN", "jp"))
        for i in range(SIDE)
    ]
    names = ", ".join(f"{p}-{i:02d}" for p in ("us", "jp") for i in range(SIDE))
    deadlines = "".join(
        f"  {p}: {{notice: 1, acknowledge: {acknowledge_hours}, follow_up: 24}}\n"
        for p in ("flash", "immediate", "priority", "routine")
    )
    path.write_text(
        f"deadlines:\n{deadlines}addressees:\n"
        + "\n".join(rows)
        + f"\nroutes:\n  - precedence: flash\n    notify: [{names}]\n",
        encoding="utf-8",
    )
    return path


def people(proc: Proc, prefix: str, nation: str, duty: bool) -> dict[str, str]:
    """Users of the node's bodies, with API tokens (written before it serves)."""
    node = open_node(node_settings(proc.db_url, proc.root))
    tokens: dict[str, str] = {}
    try:
        with node.db.write() as conn:
            wanted = [(f"{prefix}{i:02d}", [f"{prefix}-{i:02d}"]) for i in range(SIDE)]
            if duty:
                wanted.append(("duty", []))
            for name, bodies in wanted:
                user = identity.add_user(
                    conn,
                    policy=node.policy,
                    actor="test",
                    username=name,
                    nation=nation,
                    clearance="SECRET",
                    roles=["author", "releasing_officer"] if name == "duty" else ["author"],
                    bodies=bodies,
                )
                tokens[name] = identity.issue_token(conn, user=user, actor="test")
    finally:
        node.db.dispose()
    return tokens


def call(url: str, token: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
        raw = answer.read()
    return json.loads(raw) if answer.headers.get_content_type().endswith("json") else raw.decode()


def wait(what: str, check: Any, seconds: float = 90) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def test_one_event_fans_out_to_50_addressees_across_both_nodes(tmp_path: Path) -> None:
    jpn, usa = _peered(tmp_path, "--max-level", "SECRET")
    rules = routing_file(tmp_path / "routing.yaml")
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    for proc in (jpn, usa):
        proc.env.update(
            KIZUNA_INCIDENT_ROUTING_FILE=str(rules),
            KIZUNA_INCIDENT_SMTP_HOST="127.0.0.1",
            KIZUNA_INCIDENT_SMTP_PORT=str(smtp_port),
            KIZUNA_COORDINATION_SCAN_SECONDS="0.5",
        )
    us_tokens = people(usa, "us", "USA", duty=True)
    jp_tokens = people(jpn, "jp", "JPN", duty=False)
    try:
        jpn.start()
        usa.start()
        made = call(
            f"{usa.url}/api/v1/incidents/events",
            us_tokens["duty"],
            json.loads(event().model_dump_json()),
        )
        stix_id = made["id"]
        wait("50 mails", lambda: len(inbox.ids()) >= 2 * SIDE)
        on_jpn = wait(
            "the event on JPN",
            lambda: _try(
                lambda: call(f"{jpn.url}/api/v1/incidents/events/{stix_id}", jp_tokens["jp00"])
            ),
        )
        assert {n["addressee"] for n in on_jpn["notices"]} == {f"jp-{i:02d}" for i in range(SIDE)}
        for i in range(SIDE):
            call(
                f"{usa.url}/api/v1/incidents/events/{stix_id}/acknowledgements",
                us_tokens[f"us{i:02d}"],
                {"addressee": f"us-{i:02d}"},
            )
            call(
                f"{jpn.url}/api/v1/incidents/events/{stix_id}/acknowledgements",
                jp_tokens[f"jp{i:02d}"],
                {"addressee": f"jp-{i:02d}", "comment": "受領しました"},
            )

        def all_acked() -> Any:
            shown = call(f"{usa.url}/api/v1/incidents/events/{stix_id}", us_tokens["duty"])
            acked = [n for n in shown["notices"] if n["acked_by"]]
            return shown if len(acked) == 2 * SIDE else None

        timeline = wait("50 acknowledgements on USA", all_acked)
        time.sleep(2)  # a few more scans: nothing may be sent twice
        ids = inbox.ids()
        assert len(ids) == 2 * SIDE
        assert len(set(ids)) == 2 * SIDE
        notices = timeline["notices"]
        assert len(notices) == 2 * SIDE
        assert {n["addressee"] for n in notices} == {
            f"{p}-{i:02d}" for p in ("us", "jp") for i in range(SIDE)
        }
        for n in notices:
            assert n["acked_by"] == n["addressee"].replace("-", "")
            assert 0 <= n["record_to_notice"] <= n["record_to_ack"] < 120
        assert len(timeline["acknowledgements"]) == 2 * SIDE
        for proc, token in ((usa, us_tokens["duty"]), (jpn, jp_tokens["jp00"])):
            SCHEMA.validate(call(f"{proc.url}/api/v1/incidents/events/{stix_id}/cap", token))
    finally:
        usa.stop()
        jpn.stop()
        controller.stop()


def _try(action: Any) -> Any:
    try:
        return action()
    except OSError:
        return None


def test_reminders_fire_once_when_the_node_is_killed_while_sending_them(tmp_path: Path) -> None:
    _jpn, usa = _peered(tmp_path, "--max-level", "SECRET")
    # Acknowledge within 7.2 s: the 25 reminders fall due while the test watches, and
    # the escalations 7.2 s after them.
    rules = routing_file(tmp_path / "routing.yaml", acknowledge_hours=0.002)
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    usa.env.update(
        KIZUNA_INCIDENT_ROUTING_FILE=str(rules),
        KIZUNA_INCIDENT_SMTP_HOST="127.0.0.1",
        KIZUNA_INCIDENT_SMTP_PORT=str(smtp_port),
        KIZUNA_COORDINATION_SCAN_SECONDS="0.2",
        # Mails claimed by the killed process are taken again after the lease.
        KIZUNA_INCIDENT_LEASE_SECONDS="3",
    )
    tokens = people(usa, "us", "USA", duty=True)

    def reminders() -> list[str]:
        return [i for i in inbox.ids() if re.search(r"\.reminder@", i)]

    try:
        usa.start()
        call(
            f"{usa.url}/api/v1/incidents/events",
            tokens["duty"],
            json.loads(event().model_dump_json()),
        )
        wait("the first reminder", reminders, seconds=60)
        usa.kill()  # nobody acknowledged: the node is sending its reminders
        cut = len(set(reminders()))
        usa.start()
        wait("every reminder", lambda: len(set(reminders())) >= SIDE, seconds=90)

        def steps() -> Any:
            node = open_node(node_settings(usa.db_url, usa.root))
            try:
                with node.db.read() as conn:
                    rows = conn.execute(
                        select(inc_notices.c.addressee, inc_steps.c.kind, inc_steps.c.status).join(
                            inc_notices, inc_notices.c.pk == inc_steps.c.notice_pk
                        )
                    ).all()
            finally:
                node.db.dispose()
            fired = [r for r in rows if r.status == "fired"]
            return rows if len(fired) == 2 * SIDE else None

        rows = wait("every escalation", steps, seconds=60)
        time.sleep(1)  # a few more scans: nothing fires again
    finally:
        usa.stop()
        controller.stop()
    assert cut >= 1  # the kill came after the first reminder went out
    wanted = {(f"us-{i:02d}", kind) for i in range(SIDE) for kind in ("reminder", "escalation")}
    assert sorted((r.addressee, r.kind) for r in rows) == sorted(wanted)  # one step each
    assert {r.status for r in rows} == {"fired"}
    sent = reminders()
    assert len(set(sent)) == SIDE  # every addressee reminded, none lost
    # Delivery is at least once: mails the relay took before the kill, whose delivery
    # the killed node had not recorded, go again, under the same Message-ID (the
    # reminder's key), so a mail system drops the copy; nothing else is sent twice.
    assert len(sent) <= SIDE + cut
