"""The start page on both databases: what waits for the signed-in reader (items whose
answer is due from them, overdue first; notices to acknowledge; intelligence new since
their last visit) and the charts, counted only over what the reader may read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kizuna import clock
from kizuna.bootstrap import initialize, open_node
from kizuna.domains.coordination import notices
from kizuna.domains.coordination.inputs import ResponseCreate
from kizuna.domains.coordination.model import ResponseKind
from kizuna.domains.coordination.service import coordination
from kizuna.domains.incidents.model import AckCreate
from kizuna.domains.incidents.service import incidents
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.domains.incidents.conftest import event, us_people
from tests.factories import PASSWORD, cookies, report
from tests.factories.coordination import cast, item, member

# A Wednesday: the week of the intelligence chart starts on Monday 30 November.
T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(T0)
    clock.set_clock(fake)
    try:
        yield fake
    finally:
        clock.set_clock(None)


def _login(client: TestClient, name: str, lang: str = "en") -> None:
    client.cookies.clear()
    client.get("/login")
    token = client.cookies.get(cookies(client).csrf, "")
    answer = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    # Signing in without a page to go back to lands on the start page.
    assert answer.headers["location"] == "/"
    client.cookies.set(cookies(client).lang, lang)


def _panel(html: str, key: str) -> str:
    """The HTML of one panel (a <section> or a <figure>) of the start page."""
    found = re.search(rf'<(section|figure) class="card[^"]*" id="{key}".*?</\1>', html, re.S)
    assert found, key
    return found.group(0)


def _count(html: str, key: str) -> int:
    found = re.search(r'data-count="(\d+)"', _panel(html, key))
    assert found, key
    return int(found.group(1))


def test_the_answering_nation_sees_its_items_overdue_first_and_its_notices(
    node: Node, frozen: FrozenClock
) -> None:
    people = cast(node)
    # Another coordinator of usfj, who signs for it as davis does.
    member(node, "jones", nation="USA", roles=["coordinator"], bodies=["usfj"])
    sato, davis = people["sato"][0], people["davis"][0]
    c = coordination(node)
    late = c.open_item(sato, item(title_en="Overdue posture review"))
    frozen.advance(hours=c.structure.hours("ROUTINE") + 1)
    fresh = c.open_item(sato, item(title_en="Fresh logistics request"))
    # In a compartment davis does not hold: neither its line, its count, its notice
    # nor its bar may show for him.
    hidden = c.open_item(
        node.system, item(title_en="Compartmented request", label="SECRET//BIAC//REL TO JPN, USA")
    )
    assert hidden.id
    with TestClient(create_app(node)) as client:
        _login(client, "davis")
        html = client.get("/").text
        waiting = _panel(html, "coordination-waiting")
        assert _count(html, "coordination-waiting") == 2
        assert 'data-overdue="1"' in waiting
        assert waiting.index("Overdue posture review") < waiting.index("Fresh logistics request")
        assert "Compartmented request" not in html
        assert 'class="urgent"' in waiting.split("Fresh logistics request")[0]
        assert f"/coordination/items/{late.id}" in waiting
        assert f"/coordination/items/{fresh.id}" in waiting
        # Two notices to usfj about items davis may read; the third is about the hidden one.
        assert _count(html, "coordination-notices") == 2
        states = _panel(html, "coordination-states")
        assert "Proposed: 2 (Overdue 1)" in states
        assert _count(html, "coordination-states") == 2
        # The banner covers every line and figure: SECRET//REL TO JPN, USA at most.
        banner = re.search(r'id="banner-top"[^>]*>([^<]+)<', html)
        assert banner
        assert parse(node.policy, banner.group(1).strip()) == parse(
            node.policy, "SECRET//REL TO JPN, USA"
        )

        # Acknowledging one notice leaves one waiting, for every member of the body.
        [first, *_] = [
            n for n in notices.notifications(c, davis, unacknowledged=True) if n.item is not None
        ]
        notices.acknowledge(c, davis, first.pk)
        _login(client, "jones")
        assert _count(client.get("/").text, "coordination-notices") == 1
        _login(client, "smith")
        html = client.get("/").text
        # smith is of usfj too, but a reader: the item's page offers him no answer, and
        # nothing waits for it (walk 35 #9); he does not acknowledge either, so no
        # notice is put to him to act on: he is told who does, and where to read them.
        assert _count(html, "coordination-waiting") == 0
        notes = _panel(html, "coordination-notices")
        assert _count(html, "coordination-notices") == 0
        assert 'class="lines"' not in notes
        assert "acknowledges the notices to your body" in notes
        assert "No notification waits" not in notes
        client.cookies.set(cookies(client).lang, "ja")
        notes = _panel(client.get("/").text, "coordination-notices")
        assert "回答できる構成員（作成者または調整官）が確認します" in notes
        assert _count(html, "coordination-states") == 2

        # A question leaves USA's answer due; a concurrence gives it.
        c.respond(
            davis,
            fresh.id,
            ResponseCreate(kind=ResponseKind.REQUEST_FOR_INFORMATION, comment="Which radars?"),
        )
        _login(client, "davis")
        assert "Fresh logistics request" in _panel(client.get("/").text, "coordination-waiting")
        c.respond(davis, fresh.id, ResponseCreate(kind=ResponseKind.CONCUR))
        waiting = _panel(client.get("/").text, "coordination-waiting")
        assert "Fresh logistics request" not in waiting
        assert "Overdue posture review" in waiting

        # The requesting side owes no answer; it sees every item, the hidden one too.
        _login(client, "sato")
        html = client.get("/").text
        assert _count(html, "coordination-waiting") == 0
        assert "No item waits for your answer." in html
        assert _count(html, "coordination-states") == 2  # sato holds no BIAC either
        member(
            node, "kato", nation="JPN", roles=["reader"], bodies=[], compartments=["BIAC"]
        )  # fmt: skip
        _login(client, "kato")
        html = client.get("/").text
        states = _panel(html, "coordination-states")
        assert "Proposed: 2 (Overdue 1); Concurred: 1" in states
        assert _count(html, "coordination-states") == 3


def test_intelligence_new_since_the_last_visit_shows_then_is_gone(
    node: Node, frozen: FrozenClock
) -> None:
    member(node, "kato", nation="JPN", roles=["reader"], bodies=[], clearance="SECRET")
    secret = parse(node.policy, "SECRET//REL TO JPN")
    top = parse(node.policy, "TOP SECRET//REL TO JPN")
    with TestClient(create_app(node)) as client:
        _login(client, "kato")
        first = client.get("/").text
        assert _count(first, "intel-new") == 0
        # A first visit has no last visit to be new since: it shows the last week.
        assert "Intelligence of the last seven days" in _panel(first, "intel-new")
        assert "Nothing in the last seven days." in first
        assert "last visit" not in first
        frozen.advance(minutes=5)
        assert "last seven days" in _panel(client.get("/").text, "intel-new")
        frozen.advance(hours=1)
        made = node.store.create(node.system, report("Typhoon track over Kyushu"), secret)
        node.store.create(node.system, report("Above kato's clearance"), top)
        frozen.advance(hours=1)
        second = client.get("/").text
        panel = _panel(second, "intel-new")
        assert "Intelligence new since your last visit" in panel
        assert _count(second, "intel-new") == 1
        assert "Typhoon track over Kyushu" in panel
        # Written on this node: added here, not received (walk 36).
        assert "Added" in panel
        assert "Received" not in panel
        assert f"/objects/{made.id}" in panel
        assert "Above kato" not in second
        # Within the same visit the list stays, so a reader can open and come back.
        frozen.advance(minutes=10)
        assert _count(client.get("/").text, "intel-new") == 1
        # The next visit starts where that one ended.
        frozen.advance(hours=2)
        third = client.get("/").text
        assert _count(third, "intel-new") == 0
        assert "Nothing new since your last visit." in third
        # The week's column counts what kato may read, the week being the last of 12.
        weeks = _panel(third, "intel-weeks")
        assert _count(third, "intel-weeks") == 1
        assert "11/30: 1" in weeks
        assert weeks.count("<rect") == 12


def test_incident_notices_waiting_for_the_readers_offices(usa: Node) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    hidden = c.record(people["duty"], event(title_en="Secret mishap", label="SECRET//REL TO USA"))
    with TestClient(create_app(usa)) as client:
        _login(client, "usfj-duty")
        html = client.get("/").text
        panel = _panel(html, "incident-notices")
        # usfj-duty is cleared SECRET: both events' notices to usfj wait for them.
        assert _count(html, "incident-notices") == 2
        assert f"/incidents/events/{made.id}" in panel
        assert f"/incidents/events/{hidden.id}" in panel
        c.acknowledge(people["usfj-duty"], made.id, AckCreate(addressee="usfj"))
        assert _count(client.get("/").text, "incident-notices") == 1
        # A reader cleared UNCLASSIFIED in no office is told of nothing.
        _login(client, "reader")
        html = client.get("/").text
        assert _count(html, "incident-notices") == 0
        assert "Secret mishap" not in html


def test_the_start_page_in_both_languages_and_signed_out(node: Node) -> None:
    cast(node)
    with TestClient(create_app(node)) as client:
        answer = client.get("/", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=/"
        _login(client, "davis", lang="ja")
        html = client.get("/").text
        for words in ("今日の業務", "回答待ちの調整案件", "状態別の調整案件", "週別の情報"):
            assert words in html
        for part in ("<title", "<desc", 'role="img"'):
            assert part in html
        _login(client, "davis", lang="en")
        html = client.get("/").text
        for words in ("Coordination items by state", "Commitments by status", "Figures"):
            assert words in html


@pytest.fixture
def usa(db_url: str, tmp_path: Path) -> Iterator[Node]:
    settings = node_settings(db_url, tmp_path)
    initialize(settings, nation="USA")
    opened = open_node(settings)
    try:
        yield opened
    finally:
        opened.db.dispose()


def test_an_escalated_item_waits_for_the_author_it_offers_the_answer_to(
    node: Node, frozen: FrozenClock
) -> None:
    """Walk 48 #7: escalated to the ACG, an item needs Japan's answer and its page
    offers sato 「自国として回答」, but the start page counted only items addressed to
    (or escalated to) one of his bodies: 0. It counts what the item's page offers."""
    people = cast(node)
    sato = people["sato"][0]
    c = coordination(node)
    made = c.open_item(sato, item())
    frozen.advance(hours=c.structure.hours("ROUTINE") + 1)
    assert [f.item_id for f in c.scan()] == [made.id]
    with TestClient(create_app(node)) as client:
        _login(client, "sato")
        assert "Answer for your nation" in client.get(f"/coordination/items/{made.id}").text
        html = client.get("/").text
        assert _count(html, "coordination-waiting") == 1
        assert made.id in _panel(html, "coordination-waiting")
        # A reader of the same bodies is offered no form, and nothing waits for them.
        member(node, "tanaka", nation="JPN", roles=["reader"], bodies=["jjoc"])
        _login(client, "tanaka")
        assert "Answer for your nation" not in client.get(f"/coordination/items/{made.id}").text
        assert _count(client.get("/").text, "coordination-waiting") == 0
