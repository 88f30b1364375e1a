"""Delivery through a real SMTP server (aiosmtpd on 127.0.0.1) and a signed webhook;
the relay down, then up: every mail delivered once; reminders and escalations fire
once each, across a restart of the node."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from kizuna.bootstrap import open_node
from kizuna.cli.main import app
from kizuna.domains.incidents import queries
from kizuna.domains.incidents.delivery import IncidentSettings
from kizuna.domains.incidents.model import AckCreate, EventUpdate
from kizuna.domains.incidents.routing import parse_routing, shipped_text
from kizuna.domains.incidents.schema import inc_deliveries, inc_notices, inc_steps
from kizuna.domains.incidents.service import Incidents, incidents
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.domains.incidents.conftest import FrozenClock, event, us_people
from tests.factories import sign_in

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


def start_smtp(port: int, inbox: Inbox) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def use_relay(node: Node, port: int, **extra: Any) -> Incidents:
    c = incidents(node)
    c.settings = IncidentSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=3, **extra)
    return c


def email_rows(node: Node) -> list[Any]:
    with node.db.read() as conn:
        return list(
            conn.execute(select(inc_deliveries).where(inc_deliveries.c.channel == "email")).all()
        )


def test_relay_down_then_up_every_mail_is_delivered_once(usa: Node, smtp_port: int) -> None:
    people = us_people(usa)
    c = use_relay(usa, smtp_port)
    made = c.record(people["duty"], event())
    # Before any attempt the messages already wait, and the page says so (walk 38).
    fresh = queries.notices(c, people["duty"], made.id)
    assert sum(n.waiting for n in fresh) == len(email_rows(usa))
    assert sum(n.failing for n in fresh) == 0
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        sign_in(web, "duty", lang="ja")
        page = web.get(f"/incidents/events/{made.id}").text
    assert 'class="delivery-waiting"' in page
    assert "未送信" in page
    assert "失敗" not in page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    down = c.deliver()
    expected = len(email_rows(usa))
    assert expected >= 2
    assert down.sent == 0
    assert down.failed == expected
    rows = email_rows(usa)
    assert {r.status for r in rows} == {"pending"}
    assert all(r.attempts == 1 for r in rows)
    assert all("relay 127.0.0.1" in (r.last_error or "") for r in rows)
    # Walk 37: the relay refused every message and nothing said so. The operator's scan
    # and the event's page now do.
    stuck, last_error = c.failing()
    assert stuck == expected
    assert last_error is not None
    assert "relay 127.0.0.1" in last_error
    scanned = CliRunner().invoke(
        app,
        ["incidents", "scan", "--db", usa.settings.database_url],
        env={"KIZUNA_KEY_FILE": str(usa.settings.key_file),
             "KIZUNA_INCIDENT_SMTP_PORT": str(smtp_port)},
    )  # fmt: skip
    assert scanned.exit_code == 0, scanned.output
    assert "not sent after failed attempts" in " ".join(scanned.stderr.split())
    shown = queries.notices(c, people["duty"], made.id)
    assert sum(n.failing for n in shown) == expected
    assert all(n.sent == 0 for n in shown)
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        sign_in(web, "duty", lang="en")
        page = web.get(f"/incidents/events/{made.id}").text
    assert page.count('class="delivery-failing"') >= 1
    assert "not sent yet" in page
    inbox = Inbox()
    controller = start_smtp(smtp_port, inbox)
    try:
        up = c.deliver()
        again = c.deliver()
    finally:
        controller.stop()
    assert c.failing() == (0, None)
    shown = queries.notices(c, people["duty"], made.id)
    assert sum(n.failing for n in shown) == 0
    assert sum(n.sent for n in shown) == expected
    assert up.sent == expected
    assert up.failed == 0
    assert again.sent == 0
    ids = inbox.ids()
    assert len(ids) == expected
    assert len(set(ids)) == expected
    assert {r.status for r in email_rows(usa)} == {"sent"}
    uid = made.id.split("--", 1)[1]
    assert all(i.startswith(f"<{uid}.") for i in ids)
    # The mail carries nothing the label protects: not the event's text.
    for m in inbox.messages:
        text = m.get_payload(decode=True).decode()
        assert f"/incidents/events/{made.id}" in text
        assert "Chatan" not in text
        assert "北谷" not in text


def test_a_notice_mail_says_what_it_is_and_to_whom_in_words_and_links_to_the_event(
    usa: Node, smtp_port: int
) -> None:
    people = us_people(usa)
    c = use_relay(usa, smtp_port)
    inbox = Inbox()
    controller = start_smtp(smtp_port, inbox)
    try:
        made = c.record(people["duty"], event())
        c.deliver()
        told = len(inbox.messages)
        c.update(people["duty"], made.id, EventUpdate(people_hurt=0, closing=True))
        c.deliver()
    finally:
        controller.stop()
    assert told >= 2
    assert len(inbox.messages) == 2 * told
    for n, m in enumerate(inbox.messages):
        subject = str(make_header(decode_header(m["Subject"])))
        text = m.get_payload(decode=True).decode()
        kind = "Alert / 第一報" if n < told else "Closing report / 最終報告"
        assert subject.startswith(f"[Kizuna] {kind} ("), subject
        # Addressee and precedence in words (the mail said "usfj" and "(flash)").
        addressee = c.routing.addressees[str(m["Message-ID"]).split(".")[1]]
        assert f"is addressed to {addressee.en}." in text
        assert f"が{addressee.ja}宛てに" in text
        assert re.search(r", (Flash|Immediate|Priority|Routine)\) is addressed", text), text
        # The link opens the event's page for one who signs in (it answered 404).
        link = re.search(r"http://\S+", text)
        assert link is not None
        path = urlsplit(link.group(0)).path
        assert path == f"/incidents/events/{made.id}"
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        sign_in(web, "duty", lang="en")
        assert web.get(path).status_code == 200


def test_a_notice_mail_is_dated_and_its_subject_tells_two_events_apart(
    usa: Node, frozen: FrozenClock, smtp_port: int
) -> None:
    people = us_people(usa)
    c = use_relay(usa, smtp_port)
    inbox = Inbox()
    controller = start_smtp(smtp_port, inbox)
    try:
        first = c.record(people["duty"], event())
        second = c.record(people["duty"], event(title_en="Another panel fell"))
        frozen.advance(minutes=3)  # sent a little after the record
        c.deliver()
    finally:
        controller.stop()
    assert inbox.messages
    subjects: dict[tuple[str, str], str] = {}
    for m in inbox.messages:
        # Walk 48: no Date header at all.
        assert parsedate_to_datetime(str(m["Date"])) == frozen.now
        subject = str(make_header(decode_header(m["Subject"])))
        text = m.get_payload(decode=True).decode()
        link = re.search(r"http://\S+/incidents/events/(\S+)", text)
        assert link is not None
        # The subject names the event as the mail does, and says nothing the mail does not.
        reference = link.group(1).split("--", 1)[1][:8]
        assert subject.endswith(f" · event {reference} / 事案 {reference}"), subject
        assert f"事案 / Event: {reference}" in text
        assert "panel" not in subject.lower()
        subjects[(link.group(1), str(m["To"]))] = subject
    to = str(inbox.messages[0]["To"])
    assert subjects[(first.id, to)] != subjects[(second.id, to)]


def test_reminders_and_escalation_fire_once_across_a_restart(
    usa: Node, frozen: FrozenClock, smtp_port: int, db_url: str, tmp_path: Path
) -> None:
    people = us_people(usa)
    c = use_relay(usa, smtp_port)
    made = c.record(people["duty"], event())
    assert c.scan() == []  # nothing due yet (the relay is down: mail stays pending)
    frozen.advance(hours=1, minutes=1)  # mcipac's flash deadline (1 h) has passed
    fired = c.scan()
    assert [(f.kind, f.addressee) for f in fired] == [("reminder", "mcipac")]
    assert c.scan() == []
    # The node restarts: a new node object over the same database.
    again = open_node(node_settings(db_url, tmp_path))
    try:
        c2 = use_relay(again, smtp_port)
        assert c2.scan() == []
        c2.acknowledge(people["usfj-duty"], made.id, AckCreate(addressee="usfj"))
        frozen.advance(hours=1)  # usfj's 2 h deadline and mcipac's escalation are due
        fired = c2.scan()
        assert [(f.kind, f.addressee, f.to) for f in fired] == [("escalation", "mcipac", "usfj")]
        assert c2.scan() == []
        assert c.scan() == []
        frozen.advance(hours=10)
        assert c2.scan() == []
    finally:
        again.db.dispose()
    with usa.db.read() as conn:
        steps = conn.execute(
            select(inc_notices.c.addressee, inc_steps.c.kind, inc_steps.c.status)
            .join(inc_notices, inc_notices.c.pk == inc_steps.c.notice_pk)
            .order_by(inc_steps.c.pk)
        ).all()
        reminders = conn.execute(
            select(func.count())
            .select_from(inc_deliveries)
            .where(inc_deliveries.c.reason == "reminder")
        ).scalar_one()
    assert [tuple(s) for s in steps] == [
        ("mcipac", "reminder", "fired"),
        ("usfj", "reminder", "cancelled"),
        ("mcipac", "escalation", "fired"),
    ]
    assert reminders == 1  # mcipac's one address, reminded once


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[bytes, dict[str, str]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((body, dict(self.headers)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Hook)
    Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/kizuna"
    finally:
        server.shutdown()
        server.server_close()


def test_a_webhook_gets_a_notice_signed_by_the_node(
    usa: Node, webhook: str, smtp_port: int
) -> None:
    people = us_people(usa)
    text = shipped_text().replace(
        "    email: g7@mcipac.example.mil\n",
        f"    email: g7@mcipac.example.mil\n    webhook: {webhook}\n",
    )
    c = use_relay(usa, smtp_port)
    c.routing = parse_routing(text, ("JPN", "USA"))
    made = c.record(people["duty"], event())
    c.deliver()
    assert len(Hook.received) == 1
    body, headers = Hook.received[0]
    payload = json.loads(body)
    assert payload["event"] == made.id
    assert payload["addressee"] == "mcipac"
    assert payload["revision"] == 1
    assert payload["msg_type"] == "Alert"
    public: Ed25519PublicKey = usa.key.public_key()
    public.verify(base64.b64decode(headers["X-Kizuna-Signature"]), body)  # raises if forged
    c.deliver()
    assert len(Hook.received) == 1  # sent once
