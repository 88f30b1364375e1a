"""Browser, across the alliance: a US duty officer records, on the USA node, a part
fallen from an aircraft in Chatan (Okinawa) and releases its public version; a
Japanese municipal liaison on the JPN node sees the event, in Japanese, and
acknowledges it; the acknowledgement reaches the USA node's timeline; the public page
shows the public version to someone not signed in.

Two `kizuna serve` processes peered as operators peer them, Debian's Chromium through
Playwright; every request not for one of the two nodes is aborted and recorded.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from kizuna.bootstrap import open_node
from tests.conftest import node_settings
from tests.e2e.conftest import browser  # noqa: F401 (the fixture)
from tests.e2e.test_federation_processes import Proc, _peered
from tests.factories import PASSWORD
from tests.factories.coordination import member

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::ResourceWarning")]

TITLE = {"en": "Panel fell from an aircraft in Chatan", "ja": "北谷町で航空機のパネルが落下"}
PUBLIC = {"en": "A panel fell from a US aircraft in Chatan", "ja": "北谷町で米軍機のパネルが落下"}


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Proc, Proc]]:
    jpn, usa = _peered(tmp_path, "--max-level", "SECRET")
    for proc, name, nation, roles, bodies in (
        (usa, "duty", "USA", ["author", "releasing_officer"], ["usfj", "mcipac"]),
        (jpn, "chatan-liaison", "JPN", ["author"], ["chatan"]),
    ):
        node = open_node(node_settings(proc.db_url, proc.root))
        try:
            member(node, name, nation=nation, roles=roles, bodies=bodies)
        finally:
            node.db.dispose()
        proc.env["KIZUNA_COORDINATION_SCAN_SECONDS"] = "0.5"
    try:
        jpn.start()
        usa.start()
        yield usa, jpn
    finally:
        usa.stop()
        jpn.stop()


class Browsing:
    """Browser contexts that may reach the two nodes and nothing else."""

    def __init__(self, chromium: Browser, origins: list[str]) -> None:
        self.browser, self.origins = chromium, origins
        self.blocked: list[str] = []
        self.contexts: list[BrowserContext] = []

    def page(self, locale: str) -> Page:
        context = self.browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)

        def guard(route: Route) -> None:
            if any(route.request.url.startswith(f"{o}/") for o in self.origins):
                route.continue_()
            else:
                self.blocked.append(route.request.url)
                route.abort("blockedbyclient")

        context.route("**/*", guard)
        self.contexts.append(context)
        return context.new_page()


def sign_in(page: Page, origin: str, username: str, button: str) -> None:
    page.goto(f"{origin}/incidents")
    expect(page).to_have_url(re.compile(r"/login\?next=/incidents$"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(f"{origin}/incidents")


def test_recorded_in_usa_acknowledged_in_japanese_on_jpn_public_page_shows_it(
    browser: Browser,  # noqa: F811 (the imported fixture)
    nodes: tuple[Proc, Proc],
) -> None:
    usa, jpn = nodes
    browsing = Browsing(browser, [usa.url, jpn.url])
    try:
        # The US duty officer records the event, in English, on the USA node.
        officer = browsing.page("en-US")
        sign_in(officer, usa.url, "duty", "Sign in")
        officer.locator("#record-event").click()
        officer.locator("#kind").select_option("part_fall")
        officer.locator("#title_en").fill(TITLE["en"])
        officer.locator("#title_ja").fill(TITLE["ja"])
        officer.locator("#occurred").fill("2026-12-01T13:40:00+09:00")
        officer.locator("#learned").fill("2026-12-01T13:55:00+09:00")
        officer.locator("#lon").fill("127.764")
        officer.locator("#lat").fill("26.309")
        officer.locator("#municipality").fill("473260")
        officer.locator("#facility").fill("")
        officer.locator("#description_en").fill("A 30 cm panel was found in a field.")
        officer.locator("#description_ja").fill("畑で約30cmのパネルが見つかった。")
        officer.locator("#label").fill("CONFIDENTIAL//REL TO JPN, USA")
        officer.locator("#record").click()
        expect(officer.locator("h1")).to_contain_text(TITLE["en"])
        # An English reader reads the place in English (the routing file's name).
        expect(officer.locator("#place")).to_contain_text("Chatan Town (473260)")
        event_url = officer.url
        stix_id = event_url.rsplit("/", 1)[1]
        # ...and releases the public version.
        officer.locator("details.public-form summary").click()
        officer.locator("#public-title-en").fill(PUBLIC["en"])
        officer.locator("#public-title-ja").fill(PUBLIC["ja"])
        officer.locator("#public-text-en").fill("No one was hurt. The panel was recovered.")
        officer.locator("#public-text-ja").fill("けが人はなく、パネルは回収された。")
        officer.locator("#release-public").click()
        expect(officer).to_have_url(event_url)

        # The Chatan liaison, on the JPN node, in Japanese, sees it and acknowledges.
        liaison = browsing.page("ja-JP")
        sign_in(liaison, jpn.url, "chatan-liaison", "ログイン")
        expect(liaison.locator("h1")).to_have_text("事案・事故")
        deadline = time.monotonic() + 60
        row = liaison.locator(f'tr.event-row[data-id="{stix_id}"]')
        while row.count() == 0:
            assert time.monotonic() < deadline, "the event did not reach the JPN node"
            time.sleep(0.5)
            liaison.reload()
        expect(row).to_contain_text(TITLE["ja"])
        expect(row).to_contain_text("航空機からの部品落下")
        row.get_by_role("link").click()
        expect(liaison.locator("#kind")).to_have_text("航空機からの部品落下")
        liaison.locator("input[name=comment]").fill("受領しました。現地を確認します。")
        liaison.get_by_role("button", name="受領", exact=True).click()
        expect(liaison.locator('tr.notice[data-addressee="chatan"]')).to_have_attribute(
            "data-acked", "yes"
        )
        expect(liaison.locator('tr.notice[data-addressee="chatan"]')).to_contain_text("北谷町")

        # The acknowledgement travels back: the officer's timeline shows it.
        deadline = time.monotonic() + 60
        back = officer.locator('tr.notice[data-addressee="chatan"][data-acked="yes"]')
        while back.count() == 0:
            assert time.monotonic() < deadline, "the acknowledgement did not reach USA"
            time.sleep(0.5)
            officer.reload()
        expect(back).to_contain_text("chatan-liaison")

        # Anyone, not signed in, sees the public version on the public page, not the event.
        public = browsing.page("ja-JP")
        public.goto(f"{usa.url}/incidents/public")
        expect(public.locator("article.public h2")).to_have_text(PUBLIC["ja"])
        assert TITLE["ja"] not in public.content()
        assert browsing.blocked == []
    finally:
        for context in browsing.contexts:
            context.close()
