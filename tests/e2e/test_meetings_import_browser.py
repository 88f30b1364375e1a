"""Browser: an analyst imports an official text on the import page (upload, preview
with the quality report, confirm), then corrects a decision on the meeting's page,
in Japanese and in English.

Real `kizuna serve`, real Chromium (tests/e2e/conftest.py); this module serves a node
of its own with one author.
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
from tests.e2e.test_browser import assert_stayed_on_the_node
from tests.factories import PASSWORD, add_user

pytestmark = pytest.mark.browser

CORPUS = Path(__file__).parent.parent / "domains" / "meetings" / "corpus"
TEXTS = {
    "ja": (CORPUS / "2025-03-30_mod-boeisho-kaidan-gaiyo_ja.txt", "2025-03-30", "日米防衛相会談"),
    "en": (
        CORPUS / "2024-06-02_mod-defense-ministerial-summary_en.txt",
        "2024-06-02",
        "Japan-U.S. Defense Ministerial Meeting",
    ),
}
HEADING = {"ja": "公式文書の取り込み", "en": "Import an official text"}
# The correction each language makes: the stance chosen and its label on the page.
CORRECTION = {"ja": ("note", "留意", "2026"), "en": ("agree", "agree", "2025-12")}


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    root = tmp_path_factory.mktemp("meetings-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        add_user(node, "sato", roles=["author", "releasing_officer"], password=PASSWORD)
        secret = policy.level_named("SECRET").rank
        readers = {"JPN": Reader("sato", PASSWORD, Clearance("JPN", secret))}
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
                else tmp_path_factory.mktemp("meetings-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_upload_preview_confirm_then_correct_a_decision(
    lang: str, open_session: OpenSession, live_node: LiveNode
) -> None:
    path, day, name = TEXTS[lang]
    session = open_session(
        "ja-JP" if lang == "ja" else "en-US", signed_in_as=live_node.readers["JPN"]
    )
    page = session.page
    page.goto(f"{live_node.base_url}/meetings")
    page.locator("#import-link").click()
    expect(page.locator("h1")).to_have_text(HEADING[lang])
    page.locator("input[name=file]").set_input_files(str(path))
    page.locator("#import-preview").click()
    expect(page.locator("#p-date")).to_have_text(day)
    expect(page.locator("#preview-quality")).to_be_visible()  # chrome and findings, reported
    page.screenshot(path=live_node.screenshot_dir / f"meetings-import-{lang}.png", full_page=True)
    page.locator("#import-confirm").click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("#m-date")).to_have_text(day)
    # Walk 38: the address bar kept the form's address; it names the meeting now.
    assert "/meetings/x-kizuna-meeting--" in page.url, page.url

    stance, shown, due = CORRECTION[lang]
    first = page.locator("ul.decisions > li").first
    decision_id = first.get_attribute("id")
    first.locator("details.correct summary").click()
    first.locator("select[name=stance]").select_option(stance)
    first.locator("select[name=owner]").select_option("japan")
    first.locator("input[name=commitment]").check()
    first.locator("input[name=due]").fill(due)
    first.locator("form.correct-form button[type=submit]").click()
    corrected = page.locator(f"li[id='{decision_id}']")
    expect(corrected.locator(".stance").first).to_have_text(shown)
    expect(corrected.locator(".commitment")).to_contain_text(due)
    assert_stayed_on_the_node(session)
    assert [m for m in session.console if m.startswith("error")] == []

    # A refused correction (no month 13) comes back on the meeting's page, its form
    # open with what was typed and the reason beside the due date (walk: a bare error
    # page, the meeting and the form gone).
    corrected.locator("details.correct summary").click()
    corrected.locator("input[name=due]").fill("2025-13")
    corrected.locator("form.correct-form button[type=submit]").click()
    expect(page.locator("#correction-refused")).to_be_visible()
    expect(page.locator("h1")).to_have_text(name)
    refused = page.locator(f"li[id='{decision_id}']")
    expect(refused.locator("details.correct")).to_have_attribute("open", "")
    expect(refused.locator("input[name=due]")).to_have_value("2025-13")
    expect(refused.locator("select[name=stance]")).to_have_value(stance)
    expect(refused.locator("#correct-error")).to_contain_text("2026-12")


def test_several_files_at_once_each_stored_or_named_with_its_reason(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    session = open_session("ja-JP", signed_in_as=live_node.readers["JPN"])
    page = session.page
    page.goto(f"{live_node.base_url}/meetings/import")
    chosen = [
        CORPUS / "2015-04-28_scc-2plus2-kaisai_ja.txt",
        CORPUS / "2019-10-31_motegi-davidson-hyokei-gaiyo_ja.txt",  # 本31日: no month or year
        CORPUS / "2012-07-08_mofa-fm-meeting-summary_en.txt",
    ]
    page.locator("input[name=file]").set_input_files([str(p) for p in chosen])
    page.locator("#import-preview").click()
    rows = page.locator("#import-files tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("tr.refused")).to_have_attribute("data-file", chosen[1].name)
    expect(page.locator("tr.refused td.error")).to_contain_text("本文に会議の日付がありません")
    expect(page.locator("#files-summary")).to_contain_text("3 件中 2 件を取り込めます")
    page.screenshot(path=live_node.screenshot_dir / "meetings-import-files.png", full_page=True)
    page.locator("#import-confirm").click()
    # Every file chosen is listed with its outcome, the refused one too (walk 49).
    expect(page.locator("#files-summary")).to_have_text("3 件中 2 件を保存しました。")
    links = page.locator("#import-files a[href^='/meetings/x-kizuna-meeting--']")
    expect(links).to_have_count(2)
    # The first file's row links to its meeting, of the date the row shows.
    day = rows.first.locator("td").nth(2).inner_text()
    links.first.click()
    expect(page.locator("#m-date")).to_have_text(day)
    assert_stayed_on_the_node(session)
    assert [m for m in session.console if m.startswith("error")] == []


def test_a_refused_confirmation_leaves_an_address_that_reloads(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    """Walk 33 #3: the preview's label altered before confirming comes back on the form
    with the reason; the address bar kept /meetings/import/confirm and a reload
    answered 405. It now keeps the page's own address, which reloads."""
    path, _, _ = TEXTS["en"]
    session = open_session("en-US", signed_in_as=live_node.readers["JPN"])
    page = session.page
    page.goto(f"{live_node.base_url}/meetings/import")
    page.locator("input[name=file]").set_input_files(str(path))
    page.locator("#import-preview").click()
    expect(page.locator("#preview-quality")).to_be_visible()
    before = page.url
    page.locator("input[type=hidden][name=label]").evaluate("e => { e.value = 'SEKRIT'; }")
    page.locator("#import-confirm").click()
    expect(page.locator("p.error[role=alert]")).to_contain_text("Label")
    assert not page.url.endswith("/meetings/import/confirm"), page.url
    assert page.url == before
    answer = page.reload()
    assert answer is not None
    assert answer.status == 200
    assert_stayed_on_the_node(session)
