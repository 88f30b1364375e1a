"""Browser: the links of the incident pages to documents that are not pages (the
public Atom feed, the CAP of a public version) open those documents. The body is
boosted by htmx, and a boosted link swapped the feed's XML into the page as run-
together text, the banners and the navigation gone (walk 35)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from kizuna.bootstrap import initialize, open_node
from kizuna.domains.incidents.model import PublicCreate
from kizuna.domains.incidents.service import incidents
from kizuna.labels import Clearance
from tests.conftest import node_settings
from tests.domains.incidents.conftest import event
from tests.e2e.conftest import (  # noqa: F401 (the fixtures)
    LiveNode,
    OpenSession,
    Reader,
    SeededObject,
    _stop,
    browser,
    open_session,
    signed_in_states,
    spawn_serve,
)
from tests.factories import PASSWORD
from tests.factories.coordination import member

pytestmark = pytest.mark.browser

PUBLIC_TITLE = "北谷町で米軍機のパネルが落下"


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A USA node with one event and its public version, and the duty officer."""
    root = tmp_path_factory.mktemp("incident-links-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="USA")
    node = open_node(settings)
    try:
        duty, _ = member(node, "duty", nation="USA", roles=["author", "releasing_officer"],
                         bodies=["usfj", "mcipac"])  # fmt: skip
        c = incidents(node)
        made = c.record(duty, event())
        c.release_public(
            duty,
            made.id,
            PublicCreate(title_en="A panel fell in Chatan", title_ja=PUBLIC_TITLE,
                         description_en="No one was hurt.", description_ja="けが人はない。"),
        )  # fmt: skip
        policy = node.policy
        secret = policy.level_named("SECRET").rank
    finally:
        node.db.dispose()
    proc, port, log_file = spawn_serve(root, db_url, settings.key_file)
    try:
        yield LiveNode(
            base_url=f"http://127.0.0.1:{port}",
            nation="USA",
            policy=policy,
            objects=[SeededObject(made.id, "event", made.label)],
            readers={"USA": Reader("duty", PASSWORD, Clearance("USA", secret))},
            log_file=log_file,
            screenshot_dir=(
                Path(os.environ["KIZUNA_SCREENSHOT_DIR"])
                if os.environ.get("KIZUNA_SCREENSHOT_DIR")
                else tmp_path_factory.mktemp("incident-links-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


def opens_the_feed(page: Page) -> None:
    """The browser went to the feed itself and reads it as UTF-8: a swapped-in response
    leaves an HTML document (the link's URL pushed to the history all the same), and a
    feed without a charset was read by Chromium in a Western encoding."""
    page.wait_for_url("**/incidents/public/feed.atom")
    page.wait_for_load_state()
    # Chromium shows a feed as plain text.
    assert page.evaluate("document.contentType") != "text/html"
    assert page.evaluate("document.characterSet") == "UTF-8"
    assert PUBLIC_TITLE in page.evaluate("document.documentElement.textContent")


def downloads_the_cap(page: Page, link: Locator) -> None:
    """The CAP document is saved, and the page it was asked from stays as it was."""
    heading = page.locator("h1").inner_text()
    with page.expect_download() as found:
        link.click()
    assert found.value.suggested_filename.endswith(".cap")
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("#banner-top")).to_be_visible()


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_feed_and_cap_links_of_the_public_page_open_the_documents(
    open_session: OpenSession,  # noqa: F811 (the imported fixture)
    live_node: LiveNode,
    locale: str,
) -> None:
    session = open_session(locale)
    page = session.page
    page.goto(f"{live_node.base_url}/incidents/public")
    downloads_the_cap(page, page.locator("article.public").get_by_role("link", name="CAP"))
    feed = "Atomフィード" if locale == "ja-JP" else "Atom feed"
    page.get_by_role("link", name=feed, exact=True).click()
    opens_the_feed(page)
    assert session.foreign_requests() == []


def test_the_cap_link_of_the_event_page_downloads_the_document(
    open_session: OpenSession,  # noqa: F811 (the imported fixture)
    live_node: LiveNode,
) -> None:
    [made] = live_node.objects
    session = open_session("ja-JP", signed_in_as=live_node.readers["USA"])
    page = session.page
    page.goto(f"{live_node.base_url}/incidents/events/{made.id}")
    expect(page.locator("#public-version")).to_contain_text(PUBLIC_TITLE)
    downloads_the_cap(page, page.locator("#public-version").get_by_role("link", name="CAP"))
    assert session.foreign_requests() == []
