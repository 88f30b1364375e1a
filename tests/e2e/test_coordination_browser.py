"""Browser: a Japanese author opens a coordination item for US Forces Japan, a US
officer concurs, and the board shows it concurred, in Japanese and in English.

Real `kizuna serve`, real Chromium (tests/e2e/conftest.py); this module serves a node
of its own whose users belong to bodies of the alliance structure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kizuna.bootstrap import initialize, open_node
from kizuna.labels import Clearance, parse
from tests.conftest import node_settings
from tests.e2e.conftest import (
    LiveNode,
    OpenSession,
    Reader,
    _stop,
    spawn_serve,
)
from tests.e2e.test_browser import (
    assert_banners,
    assert_stayed_on_the_node,
    expected_banner,
    level_class,
)
from tests.factories import PASSWORD
from tests.factories.coordination import member

pytestmark = pytest.mark.browser

LABEL = "SECRET//REL TO JPN, USA"
TITLE = {"ja": "南西諸島の防空調整", "en": "Air defence coordination, Southwest Islands"}
STATE = {
    "ja": {"proposed": "提案済み", "concurred": "同意済み"},
    "en": {"proposed": "Proposed", "concurred": "Concurred"},
}
BOARD = {"ja": "調整ボード", "en": "Coordination board"}


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node with a JJOC author and a USFJ officer, served by `kizuna serve`."""
    root = tmp_path_factory.mktemp("coord-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        member(node, "kimura", nation="JPN", roles=["author", "releasing_officer"], bodies=["jjoc"])
        member(node, "baker", nation="USA", roles=["coordinator"], bodies=["usfj"])
        secret = policy.level_named("SECRET").rank
        readers = {
            "JPN": Reader("kimura", PASSWORD, Clearance("JPN", secret)),
            "USA": Reader("baker", PASSWORD, Clearance("USA", secret)),
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
            # The shared folder when one is set; else one of this module's own (the
            # conftest's fixture makes a folder of a fixed name once per session).
            screenshot_dir=(
                Path(os.environ["KIZUNA_SCREENSHOT_DIR"])
                if os.environ.get("KIZUNA_SCREENSHOT_DIR")
                else tmp_path_factory.mktemp("coordination-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


def board_state(session, title: str) -> str:
    row = session.page.locator("table.board tr.item-row", has_text=title)
    expect(row).to_have_count(1)
    return row.locator("td.state").inner_text().strip()


def test_japanese_author_opens_us_officer_concurs_board_shows_it_in_both_languages(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    policy = live_node.policy
    label = parse(policy, LABEL)

    # The Japanese author opens the item, in Japanese.
    author = open_session("ja-JP", signed_in_as=live_node.readers["JPN"])
    page = author.page
    page.get_by_role("link", name="調整", exact=True).click()
    expect(page.locator("h1")).to_have_text(BOARD["ja"])
    page.locator("#open-item").click()
    expect(page.locator("h1")).to_have_text("調整案件の起票")
    page.locator("input[name=title_ja]").fill(TITLE["ja"])
    page.locator("input[name=title_en]").fill(TITLE["en"])
    page.locator("select[name=requesting_body]").select_option("jjoc")
    page.locator("select[name=counterpart_body]").select_option("usfj")
    page.locator("select[name=region]").select_option("southwest-islands")
    page.locator("input[name=domains][value=air]").check()
    page.locator("input[name=label]").fill(LABEL)
    page.locator("input[name=propose]").check()  # not ticked until the label names the US
    page.locator("#submit-item").click()
    expect(page.locator("h1")).to_have_text(TITLE["ja"])
    expect(page.locator("#item-state")).to_have_text(STATE["ja"]["proposed"])
    item_url = page.url

    # The US officer finds it on the board, in English, and concurs.
    officer = open_session("en-US", signed_in_as=live_node.readers["USA"])
    us = officer.page
    us.goto(f"{live_node.base_url}/coordination")
    expect(us.locator("h1")).to_have_text(BOARD["en"])
    assert board_state(officer, TITLE["en"]) == STATE["en"]["proposed"]
    us.get_by_role("link", name=TITLE["en"]).click()
    expect(us).to_have_url(item_url)
    us.locator("#kind-concur").check()
    us.locator("#submit-answer").click()
    expect(us.locator("#item-state")).to_have_text(STATE["en"]["concurred"])
    expect(us.locator("tr.ev-response")).to_contain_text("USA")

    # The board shows it concurred, in English for the officer...
    us.goto(f"{live_node.base_url}/coordination")
    assert board_state(officer, TITLE["en"]) == STATE["en"]["concurred"]
    assert_banners(
        officer, expected_banner(live_node, [label], "en", "USA"), level_class(live_node, [label])
    )
    us.screenshot(path=live_node.screenshot_dir / "coordination-board-en.png", full_page=True)

    # ...and in Japanese for the author, whose board now says 同意済み.
    page.goto(f"{live_node.base_url}/coordination")
    assert board_state(author, TITLE["ja"]) == STATE["ja"]["concurred"]
    assert_banners(
        author, expected_banner(live_node, [label], "ja", "JPN"), level_class(live_node, [label])
    )
    # The same board in the other language, by the switch at the top.
    page.locator("#lang-en").click()
    expect(page.locator("h1")).to_have_text(BOARD["en"])
    assert board_state(author, TITLE["en"]) == STATE["en"]["concurred"]
    page.screenshot(path=live_node.screenshot_dir / "coordination-board-ja-en.png", full_page=True)
    for session in (author, officer):
        assert_stayed_on_the_node(session)
        assert [m for m in session.console if m.startswith("error")] == []


def test_japan_records_a_determination_the_us_officer_sees_it_on_the_map(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    """The JJOC author records a gray-zone situation over the Southwest Islands, in
    Japanese, with nobody's concurrence; the map shades the region and the table puts
    it under JPN. The US officer reads it in English and has no form to record one for
    Japan, nor a button to end it; an IMMEDIATE item shows its date-time groups."""
    author = open_session("ja-JP", signed_in_as=live_node.readers["JPN"])
    page = author.page
    page.goto(f"{live_node.base_url}/coordination")
    page.get_by_role("link", name="地域と事態認定").click()
    expect(page.locator("h1")).to_have_text("地域と事態認定")
    form = page.locator("form#determine")
    form.locator("select[name=kind]").select_option("jpn-gray-zone")
    form.locator("input[name=regions][value=southwest-islands]").check()
    form.locator("input[name=label]").fill(LABEL)
    form.locator("#submit-determination").click()
    row = page.locator("table.regions tr[data-region=southwest-islands] td[data-nation=JPN]")
    expect(row).to_have_text("グレーゾーン事態")
    shaded = page.locator("svg.region-map path[data-region=southwest-islands]")
    expect(shaded).to_have_class("region region-land det-raised")
    expect(page.locator("svg.region-map path.det-raised")).to_have_count(1)
    expect(page.locator("tr.determination-row")).to_contain_text("自衛隊法第82条")
    page.screenshot(path=live_node.screenshot_dir / "regions-ja.png", full_page=True)

    # An IMMEDIATE item in the region: its deadline is the shorter, 4 h, shown as a DTG.
    page.goto(f"{live_node.base_url}/coordination/new")
    page.locator("input[name=title_ja]").fill("弾薬補給の調整")
    page.locator("input[name=title_en]").fill("Ammunition resupply")
    page.locator("select[name=counterpart_body]").select_option("usfj")
    page.locator("select[name=region]").select_option("southwest-islands")
    page.locator("select[name=precedence]").select_option("IMMEDIATE")
    page.locator("input[name=label]").fill(LABEL)
    page.locator("input[name=propose]").check()  # not ticked until the label names the US
    page.locator("#submit-item").click()
    expect(page.locator("span.precedence-immediate")).to_have_text("IMMEDIATE（緊急）")
    expect(page.locator("time.dtg").first).to_contain_text("JST")

    officer = open_session("en-US", signed_in_as=live_node.readers["USA"])
    us = officer.page
    us.goto(f"{live_node.base_url}/coordination/regions")
    expect(us.locator("h1")).to_have_text("Regions and determinations")
    us_row = us.locator("table.regions tr[data-region=southwest-islands] td[data-nation=JPN]")
    expect(us_row).to_have_text("Gray-zone situation")
    expect(us.locator("form#determine")).to_have_count(0)
    expect(us.locator("button.end-determination")).to_have_count(0)
    us.goto(f"{live_node.base_url}/coordination")
    expect(us.locator("p.determinations")).to_contain_text("Japan · Gray-zone situation")
    for session in (author, officer):
        assert_stayed_on_the_node(session)
        assert [m for m in session.console if m.startswith("error")] == []
