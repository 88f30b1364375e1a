"""Browser: a reader sorts the objects list by a column heading, opens an object laid
out for people, follows a reference to its target, and on a phone (390 px) the page of
an object with a 5,000-character title does not scroll sideways."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kizuna.bootstrap import initialize, open_node
from kizuna.labels import Clearance, parse
from tests.conftest import node_settings
from tests.e2e.conftest import LiveNode, OpenSession, Reader, SeededObject, _stop, spawn_serve
from tests.factories import PASSWORD, add_user, report

pytestmark = pytest.mark.browser

LONG_TITLE = "絆" * 2500 + "W" * 2500
NAMES = ["Delta", "alpha", "Charlie", "bravo", "Echo"]
TARGET = "Readable target"
HIDDEN = "Hidden target"


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node with a few reports, one hidden from the reader, and a report with a
    very long title that refers to a readable one and to the hidden one."""
    root = tmp_path_factory.mktemp("objects-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        shared = parse(policy, "CONFIDENTIAL//REL TO JPN, USA")
        for name in NAMES:
            node.store.create(node.system, report(name), shared)
        target = node.store.create(node.system, report(TARGET), shared)
        hidden = node.store.create(
            node.system, report(HIDDEN), parse(policy, "SECRET//BIAC//REL TO JPN")
        )
        hub = node.store.create(
            node.system, report(LONG_TITLE, object_refs=[target.id, hidden.id]), shared
        )
        add_user(node, "sato", clearance="SECRET", password=PASSWORD)
        secret = policy.level_named("SECRET").rank
        seeded = [
            SeededObject(hub.id, LONG_TITLE, hub.label),
            SeededObject(target.id, TARGET, target.label),
            SeededObject(hidden.id, HIDDEN, hidden.label),
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
            readers={"JPN": Reader("sato", PASSWORD, Clearance("JPN", secret))},
            log_file=log_file,
            screenshot_dir=(
                Path(os.environ["KIZUNA_SCREENSHOT_DIR"])
                if os.environ.get("KIZUNA_SCREENSHOT_DIR")
                else tmp_path_factory.mktemp("objects-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


TITLE = {"ja": "件名", "en": "Title"}


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_sort_follow_a_reference_and_fit_a_phone(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = "ja" if locale.startswith("ja") else "en"
    hub, target, hidden = live_node.objects
    session = open_session(locale, signed_in_as=live_node.readers["JPN"])
    page = session.page
    titles = page.locator("table.objects tbody td:nth-child(3) a")
    # A title longer than a list cell shows its first 119 characters and an ellipsis.
    readable = sorted([*NAMES, TARGET, LONG_TITLE[:119] + "…"])

    page.locator("th a.sort", has_text=TITLE[lang]).click()
    expect(page).to_have_url(f"{live_node.base_url}/objects?sort=title&dir=asc")
    expect(titles).to_have_count(len(readable))
    assert titles.all_inner_texts() == readable
    page.locator("th a.sort", has_text=TITLE[lang]).click()
    expect(page).to_have_url(f"{live_node.base_url}/objects?sort=title&dir=desc")
    expect(page.locator("th[aria-sort=descending]")).to_have_count(1)
    assert titles.all_inner_texts() == sorted(readable, reverse=True)
    assert HIDDEN not in page.content()
    page.screenshot(path=live_node.screenshot_dir / f"objects-sorted-{lang}.png", full_page=True)

    # The long title's link is a block of text taller than the window: open it directly.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_node.base_url}/objects/{hub.id}")
    expect(page.locator(f"code.mention:text-is('{hidden.id}')")).to_have_count(1)
    assert HIDDEN not in page.content()
    wider = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )
    page.screenshot(path=live_node.screenshot_dir / f"object-long-{lang}-390.png", full_page=True)
    assert wider <= 0

    page.get_by_role("link", name=TARGET, exact=True).click()
    expect(page).to_have_url(f"{live_node.base_url}/objects/{target.id}")
    expect(page.locator("h1")).to_have_text(TARGET)
    page.screenshot(path=live_node.screenshot_dir / f"object-{lang}-390.png", full_page=True)
    assert session.foreign_requests() == []
