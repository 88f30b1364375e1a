"""Browser: a JJOC watch officer logs an event and a call in Japanese, generates the
shift handover, and the incoming officer (another JJOC member) signs it in English.

Real `kizuna serve`, real Chromium (tests/e2e/conftest.py); this module serves a node
of its own whose users belong to the JJOC.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kizuna.bootstrap import initialize, open_node
from kizuna.labels import Clearance
from tests.conftest import node_settings
from tests.e2e.conftest import LiveNode, OpenSession, Reader, _stop, spawn_serve
from tests.factories import PASSWORD
from tests.factories.coordination import member

pytestmark = pytest.mark.browser

LABEL = "SECRET//REL TO JPN, USA"
EVENT = "与那国島西方で国籍不明機を探知"
CALL = "在日米軍と電話で状況を共有"


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node with two JJOC watch officers, served by `kizuna serve`."""
    root = tmp_path_factory.mktemp("watch-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        member(node, "kimura", nation="JPN", roles=["author", "releasing_officer"], bodies=["jjoc"])
        member(node, "hayashi", nation="JPN", roles=["author"], bodies=["jjoc"])
        secret = policy.level_named("SECRET").rank
        readers = {
            "outgoing": Reader("kimura", PASSWORD, Clearance("JPN", secret)),
            "incoming": Reader("hayashi", PASSWORD, Clearance("JPN", secret)),
        }
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
                else tmp_path_factory.mktemp("watch-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


def test_jjoc_officer_logs_hands_over_and_the_incoming_officer_signs(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    outgoing = open_session("ja-JP", signed_in_as=live_node.readers["outgoing"])
    page = outgoing.page
    page.goto(f"{live_node.base_url}/coordination")
    page.locator("#watch-log").click()
    expect(page.locator("h1")).to_have_text("当直日誌")
    for kind, text in (("event", EVENT), ("call", CALL)):
        page.locator("#entry-kind").select_option(kind)
        page.locator("#entry-text-ja").fill(text)
        page.locator("#entry-label").fill(LABEL)
        page.locator("#submit-entry").click()
        expect(page.locator("tr.watch-entry", has_text=text)).to_have_count(1)
    expect(page.locator("tr.watch-entry.kind-event td.kind")).to_have_text("事象")
    expect(page.locator("tr.watch-entry.kind-call td.kind")).to_have_text("通話")
    # A time in the future is refused, in Japanese, and nothing is logged.
    page.locator("#entry-at").fill("2099-01-01T09:00")
    page.locator("#entry-text-ja").fill("未来の記録")
    page.locator("#entry-label").fill(LABEL)
    page.locator("#submit-entry").click()
    expect(page.locator("p.error")).to_contain_text("日時が未来です")
    expect(page.locator("tr.watch-entry")).to_have_count(2)
    page.screenshot(path=live_node.screenshot_dir / "watch-log-ja.png", full_page=True)

    # The handover of the shift, generated and signed by the outgoing officer.
    page.goto(f"{live_node.base_url}/coordination/handovers")
    expect(page.locator("h1")).to_have_text("当直引継ぎ")
    page.locator("#submit-handover").click()
    expect(page.locator("h1")).to_contain_text("当直引継ぎ書")
    entries = page.locator("#section-entries tr.handover-row-entries")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text(EVENT)
    expect(page.locator("#outgoing")).to_contain_text("kimura")
    expect(page.locator("#outgoing")).to_contain_text("署名済み")
    expect(page.locator("#incoming")).to_have_text("未署名")
    expect(page.locator("#sign-handover")).to_have_count(0)
    handover_url = page.url

    # The incoming officer reads it in English and signs.
    incoming = open_session("en-US", signed_in_as=live_node.readers["incoming"])
    theirs = incoming.page
    theirs.goto(handover_url)
    expect(theirs.locator("h1")).to_contain_text("Shift handover")
    expect(theirs.locator("#section-entries")).to_contain_text("Call")
    theirs.locator("#sign-handover").click()
    expect(theirs.locator("#incoming")).to_contain_text("hayashi")
    expect(theirs.locator("#incoming")).to_contain_text("signed")
    expect(theirs.locator("#sign-handover")).to_have_count(0)
    theirs.screenshot(path=live_node.screenshot_dir / "handover-en.png", full_page=True)

    # The outgoing officer sees both signatures, in Japanese.
    page.goto(handover_url)
    expect(page.locator("#incoming")).to_contain_text("hayashi")
