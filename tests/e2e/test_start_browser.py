"""Browser: a US officer signs in and the start page shows what waits for them (the
item USFJ owes an answer to, the notice to acknowledge, the new report) with its
charts, in Japanese and in English, at a phone's width and a desktop's, without
sideways scrolling.

Real `kizuna serve`, real Chromium (tests/e2e/conftest.py); this module serves a node
of its own, seeded before it starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kizuna.bootstrap import initialize, open_node
from kizuna.domains.coordination.service import coordination
from kizuna.labels import Clearance, parse
from tests.conftest import node_settings
from tests.e2e.conftest import LiveNode, OpenSession, Reader, _stop, spawn_serve
from tests.e2e.test_browser import assert_stayed_on_the_node
from tests.factories import PASSWORD, report
from tests.factories.coordination import item, member

pytestmark = pytest.mark.browser

TITLE = {"ja": "九州の防空態勢", "en": "Air defence posture, Kyushu"}
HEADING = {"ja": "今日の業務", "en": "Today"}
WAITING = {"ja": "回答待ちの調整案件", "en": "Coordination items waiting for your answer"}
CHART = {"ja": "状態別の調整案件", "en": "Coordination items by state"}
REPORT = "Typhoon track over Kyushu"


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node with an item JJOC opened for USFJ and a report, served."""
    root = tmp_path_factory.mktemp("start-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        kimura = member(
            node, "kimura", nation="JPN", roles=["author", "releasing_officer"], bodies=["jjoc"]
        )[0]
        member(node, "baker", nation="USA", roles=["coordinator"], bodies=["usfj"])
        coordination(node).open_item(kimura, item())
        node.store.create(node.system, report(REPORT), parse(policy, "SECRET//REL TO JPN, USA"))
        secret = policy.level_named("SECRET").rank
        readers = {"USA": Reader("baker", PASSWORD, Clearance("USA", secret))}
    finally:
        node.db.dispose()
    proc, port, log_file = spawn_serve(root, db_url, settings.key_file)
    try:
        yield LiveNode(
            base_url=f"http://127.0.0.1:{port}",
            nation="JPN",
            policy=policy,
            objects=[],
            readers=readers,
            log_file=log_file,
            screenshot_dir=(
                Path(os.environ["KIZUNA_SCREENSHOT_DIR"])
                if os.environ.get("KIZUNA_SCREENSHOT_DIR")
                else tmp_path_factory.mktemp("start-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width


def test_the_start_page_shows_what_waits_in_both_languages_and_widths(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    officer = open_session("ja-JP", signed_in_as=live_node.readers["USA"])
    page = officer.page
    # The brand leads to the start page.
    page.locator("a.brand").click()
    expect(page).to_have_url(f"{live_node.base_url}/")
    for lang in ("ja", "en"):
        expect(page.locator("h1")).to_have_text(HEADING[lang])
        waiting = page.locator("#coordination-waiting")
        expect(waiting.locator("h3")).to_have_text(WAITING[lang])
        expect(waiting.locator(".figure")).to_have_text("1")
        expect(waiting.get_by_role("link", name=TITLE[lang])).to_have_count(1)
        expect(page.locator("#coordination-notices .figure")).to_have_text("1")
        expect(page.locator("#intel-new").get_by_role("link", name=REPORT)).to_have_count(1)
        # Each chart is an image named by its title, its figures in words and a table.
        chart = page.get_by_role("img", name=CHART[lang])
        expect(chart).to_have_count(1)
        assert "1" in (chart.locator("desc").text_content() or "")
        expect(page.locator("#intel-weeks svg rect")).to_have_count(12)
        expect(page.locator("#coordination-states table.figures tbody tr")).to_have_count(1)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            _no_sideways_scroll(page)
            page.screenshot(
                path=live_node.screenshot_dir / f"start-{lang}-{width}.png", full_page=True
            )
        if lang == "ja":
            page.locator("#lang-en").click()
    # The item's link opens the item.
    page.locator("#coordination-waiting").get_by_role("link", name=TITLE["en"]).click()
    expect(page.locator("h1")).to_have_text(TITLE["en"])
    assert_stayed_on_the_node(officer)
    assert [m for m in officer.console if m.startswith("error")] == []
