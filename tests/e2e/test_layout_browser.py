"""Browser: the pages fit a phone (390 px) and a desktop (1,280 px), in both languages.

Screenshots of every list and object page at both widths, each with the assertion that
nothing scrolls sideways, even with a 5,000-character word in a title; the header's
links wrap whole; a skip link is the first stop of the keyboard.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kizuna.bootstrap import initialize, open_node
from kizuna.domains.coordination.service import coordination
from kizuna.domains.incidents.service import incidents
from kizuna.domains.meetings import service as meetings
from kizuna.labels import Clearance, parse
from tests.conftest import node_settings
from tests.domains.incidents.conftest import event
from tests.e2e.conftest import LiveNode, OpenSession, Reader, SeededObject, _stop, spawn_serve
from tests.factories import PASSWORD, report
from tests.factories.coordination import item, member

pytestmark = pytest.mark.browser

LONG_WORD = "長" * 2500 + "W" * 2500
CORPUS = Path(__file__).parents[1] / "domains" / "meetings" / "corpus"
# Official texts whose commitments fill the register (日米双方 among the actors).
TEXTS = ("2023-01-11_scc-joint-statement_ja.txt", "2019-04-19_scc-joint-statement_en.txt")
WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node whose admin is also an author, a report and an item with very long
    titles."""
    root = tmp_path_factory.mktemp("layout-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        label = parse(policy, "SECRET//REL TO JPN, USA")
        author, _ = member(
            node,
            "kimura",
            nation="JPN",
            roles=["author", "releasing_officer", "admin"],
            bodies=["jjoc"],
        )
        stored = node.store.create(node.system, report(LONG_WORD), label)
        made = coordination(node).open_item(
            author, item(label="SECRET//REL TO JPN, USA", title_en="W" * 300, title_ja="長" * 300)
        )
        for name in TEXTS:
            meetings.import_summary(node, author, (CORPUS / name).read_bytes())
        # Walk 37: the label chip in the event's heading did not wrap at 390 px.
        happened = incidents(node).record(author, event(label="SECRET//REL TO JPN, USA"))
        readers = {"JPN": Reader("kimura", PASSWORD, Clearance("JPN", label.rank))}
        seeded = [
            SeededObject(stored.id, "report", label),
            SeededObject(made.id, "item", label),
            SeededObject(happened.id, "incident", label),
        ]
    finally:
        node.db.dispose()
    proc, port, log_file = spawn_serve(root, db_url, settings.key_file)
    try:
        yield LiveNode(
            base_url=f"http://127.0.0.1:{port}",
            nation="JPN",
            policy=policy,
            objects=seeded,
            readers=readers,
            log_file=log_file,
            screenshot_dir=(
                Path(os.environ["KIZUNA_SCREENSHOT_DIR"])
                if os.environ.get("KIZUNA_SCREENSHOT_DIR")
                else tmp_path_factory.mktemp("layout-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


def _pages(node: LiveNode) -> dict[str, str]:
    report_id, item_id, event_id = (o.id for o in node.objects[:3])
    return {
        "start": "/",
        "account": "/account",
        "objects": "/objects",
        "object": f"/objects/{report_id}",
        "intel-reports": "/intel/reports",
        "coordination-board": "/coordination",
        "coordination-item": f"/coordination/items/{item_id}",
        "coordination-notifications": "/coordination/notifications",
        "meetings": "/meetings",
        "commitments": "/commitments",
        "audit": "/audit",
        "federation": "/federation",
        "search": "/search?q=W",
        "incidents-board": "/incidents",
        "incidents-new": "/incidents/new",
        "incidents-figures": "/incidents/figures",
        "incidents-event": f"/incidents/events/{event_id}",
        "meetings-import": "/meetings/import",
        "intel-joint-products": "/intel/joint-products",
    }


def _sideways(page: Page) -> int:
    """How many pixels the document is wider than the window (0 when it fits)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - window.innerWidth"
        )
    )


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_no_page_scrolls_sideways_at_390_and_1280(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = "ja" if locale.startswith("ja") else "en"
    session = open_session(locale, signed_in_as=live_node.readers["JPN"])
    page = session.page
    wide: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in _pages(live_node).items():
            answer = page.goto(f"{live_node.base_url}{path}")
            assert answer is not None
            if answer.status == 404 and name == "search":
                continue  # the search page is not part of this build
            assert answer.status == 200, (path, answer.status)
            page.screenshot(
                path=live_node.screenshot_dir / f"layout-{name}-{width}-{lang}.png",
                full_page=True,
            )
            if (over := _sideways(page)) > 0:
                wide.append(f"{path} at {width}px: {over}px too wide")
        # The header's links wrap as whole words, never a letter per line.
        for link in page.locator("header nav a").all():
            box = link.bounding_box()
            assert box is not None
            assert box["height"] < 40, (width, link.inner_text(), box)
    assert wide == []
    assert session.foreign_requests() == []


def test_the_skip_link_is_the_first_stop_and_focus_shows(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    page = open_session("en-US", signed_in_as=live_node.readers["JPN"]).page
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip"
    skip = page.locator("a.skip")
    expect(skip).to_have_text("Skip to the content")
    assert skip.bounding_box()["x"] >= 0  # type: ignore[index]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_node.base_url}/objects#main")


# Each cell's text as its lines on the screen: one client rect per line box.
_LINES = """cells => cells.map(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return [cell.innerText, tops.size];
})"""


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_register_keeps_dates_and_actors_on_one_line(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    """Walk 31: at 1,280 px the register squeezed its dates to "202 / 5- / 03- / 30" and
    日米双方 to one character a line. On a phone the table scrolls inside itself."""
    page = open_session(locale, signed_in_as=live_node.readers["JPN"]).page
    wrapped = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        answer = page.goto(f"{live_node.base_url}/commitments?kind=all")
        assert answer is not None
        assert answer.status == 200
        cells = page.locator(
            ",".join(f"table.register td.{c}" for c in ("date", "actor", "owner", "due"))
        )
        assert cells.count() > 10
        wrapped[width] = sorted({c[0] for c in cells.evaluate_all(_LINES) if c[1] > 1})
        assert _sideways(page) <= 0, width
        if width == 390:
            table = page.locator("table.register")
            assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    assert wrapped == {width: [] for width in WIDTHS}
