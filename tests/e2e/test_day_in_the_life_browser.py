"""A day in the life of the mechanism, across two `kizuna serve` processes peered as
operators peer them, in one Chromium: a JJOC watch officer on the JPN node, in
Japanese, and a USFJ officer on the USA node, in English (issue 15).

JPN determines a gray-zone situation for the Southwest Islands; an IMMEDIATE item is
opened for USFJ; USFJ acknowledges receipt and raises an RFI, which stops the item's
clock on the JPN node; JJOC answers, the clock restarts; JJOC tasks a component with a
suspense; receipts show on both nodes; USFJ concurs; the watch log records the day,
the outgoing officer's handover lists it and the incoming officer signs it; each text
is shown in both languages side by side.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_federation_processes import Proc, _peered
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

LABEL = "SECRET//REL TO JPN, USA"


def _user(proc: Proc, name: str, nation: str, *roles_and_bodies: str) -> None:
    proc.cli(
        "user", "add", name, "--nation", nation, "--clearance", "SECRET",
        *roles_and_bodies, "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Proc, Proc]]:
    jpn, usa = _peered(tmp_path, "--max-level", "SECRET")
    author = ("--role", "author", "--role", "releasing_officer")
    _user(jpn, "sato", "JPN", *author, "--body", "jjoc", "--body", "sdf-fleet")
    _user(jpn, "kimura", "JPN", *author, "--body", "jjoc")
    _user(usa, "miller", "USA", *author, "--body", "usfj", "--body", "cnfj")
    try:
        jpn.start()
        usa.start()
        yield jpn, usa
    finally:
        usa.stop()
        jpn.stop()


def _sign_in(page: Page, proc: Proc, user: str) -> None:
    page.goto(f"{proc.url}/login")
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.locator(".user")).to_contain_text(user)


def _until(page: Page, url: str, found: Callable[[Page], bool], what: str) -> None:
    """Reload until the partner's pull brings what the page waits for."""
    deadline = time.monotonic() + 60
    while True:
        page.goto(url)
        if found(page):
            return
        assert time.monotonic() < deadline, f"{what} did not arrive at {url}"
        time.sleep(0.5)


def test_a_day_of_coordination_on_two_nodes(nodes: tuple[Proc, Proc], browser: Browser) -> None:
    jpn, usa = nodes
    jp_context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    us_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    for context in (jp_context, us_context):
        context.set_default_timeout(15_000)
    try:
        jp, us = jp_context.new_page(), us_context.new_page()
        _sign_in(jp, jpn, "sato")
        _sign_in(us, usa, "miller")

        # 0600: JPN determines a gray-zone situation for the Southwest Islands, alone.
        jp.goto(f"{jpn.url}/coordination/regions")
        form = jp.locator("form#determine")
        form.locator("select[name=kind]").select_option("jpn-gray-zone")
        form.locator("input[name=regions][value=southwest-islands]").check()
        form.locator("input[name=label]").fill(LABEL)
        form.locator("#submit-determination").click()
        expect(
            jp.locator("table.regions tr[data-region=southwest-islands] td[data-nation=JPN]")
        ).to_have_text("グレーゾーン事態")

        # 0615: an IMMEDIATE item for USFJ, written in Japanese with a provisional
        # English translation (仮訳).
        jp.goto(f"{jpn.url}/coordination/new")
        jp.locator("input[name=title_ja]").fill("南西諸島における空中給油の調整")
        jp.locator("input[name=title_en]").fill("Tanker support, Southwest Islands")
        jp.locator("textarea[name=body_ja]").fill("給油機2機の運用について同意を求める。")
        jp.locator("textarea[name=body_en]").fill("Request concurrence on two tankers.")
        jp.locator("select[name=requesting_body]").select_option("jjoc")
        jp.locator("select[name=counterpart_body]").select_option("usfj")
        jp.locator("select[name=region]").select_option("southwest-islands")
        jp.locator("select[name=precedence]").select_option("IMMEDIATE")
        jp.locator("select[name=translation]").select_option("provisional")
        jp.locator("input[name=label]").fill(LABEL)
        jp.locator("input[name=propose]").check()  # not ticked until the label names the US
        jp.locator("#submit-item").click()
        expect(jp.locator("span.precedence-immediate")).to_be_visible()
        item_url = jp.url
        item_id = item_url.rsplit("/", 1)[1]
        # Both languages side by side, the English flagged as a provisional translation.
        expect(jp.locator("#item-text .bi-ja")).to_contain_text("給油機2機")
        expect(jp.locator("#item-text .bi-en")).to_contain_text("two tankers")
        expect(jp.locator("#item-text .bi-flag-provisional")).to_contain_text("仮訳")

        # 0630: the item reaches USFJ, which acknowledges receipt and asks a question.
        us_item = f"{usa.url}/coordination/items/{item_id}"
        _until(us, us_item, lambda p: p.locator("h1").count() == 1
               and "Tanker support" in p.locator("h1").inner_text(), "the item")  # fmt: skip
        us.locator("#acknowledge-usfj").click()
        expect(us.locator("tr.receipt[data-body=usfj]")).to_have_attribute(
            "data-acknowledged", "yes"
        )
        expect(us.locator("#item-text .bi-flag-provisional")).to_contain_text(
            "Provisional translation"
        )
        us.locator("#ask-rfi summary").click()
        us.locator("input[name=title_en]").fill("Which tanker track?")
        us.locator("input[name=title_ja]").fill("給油経路は")
        us.locator("textarea[name=question_en]").fill("Track A or track B?")
        us.locator("select[name=addressed_body]").select_option("jjoc")
        us.locator("#submit-rfi").click()
        expect(us.locator("#rfi-state")).to_have_text("Open")
        rfi_url = us.url
        rfi_id = rfi_url.rsplit("/", 1)[1]

        # On the JPN node the clock stops; USFJ's receipt shows there too.
        _until(jp, item_url, lambda p: p.locator("#clock-stopped").count() == 1, "the RFI")
        _until(
            jp, item_url,
            lambda p: p.locator("tr.receipt[data-body=usfj][data-acknowledged=yes]").count() == 1,
            "USFJ's receipt",
        )  # fmt: skip
        # 0700: JJOC answers the RFI in Japanese; the clock restarts.
        jp.goto(f"{jpn.url}/coordination/rfis/{rfi_id}")
        jp.locator("select[name=body]").select_option("jjoc")
        jp.locator("textarea[name=text_ja]").fill("経路Bを使用する。")
        jp.locator("#reply-answers").check()
        jp.locator("#submit-reply").click()
        # Sent by htmx: the thread shows the answer once it is taken.
        expect(jp.locator("li.reply.answer")).to_have_count(1)
        jp.goto(item_url)
        expect(jp.locator("#clock-stopped")).to_have_count(0)
        _until(us, rfi_url, lambda p: p.locator("#rfi-state").inner_text() == "Answered",
               "the answer")  # fmt: skip
        expect(us.locator("li.reply.answer .bi-ja")).to_contain_text("経路B")

        # 0730: JJOC tasks the Seventh Fleet (OPR) with the Self-Defense Fleet (OCR).
        jp.goto(f"{jpn.url}/coordination/taskers")
        form = jp.locator("form#issue-tasker")
        form.locator("input[name=title_ja]").fill("給油機の護衛計画")
        form.locator("input[name=title_en]").fill("Tanker escort plan")
        form.locator("select[name=issuing_body]").select_option("jjoc")
        form.locator("select[name=opr]").select_option("cnfj")
        form.locator("input[name=ocrs][value=sdf-fleet]").check()
        form.locator("input[name=suspense]").fill("2099-01-01T18:00")
        form.locator("select[name=precedence]").select_option("PRIORITY")
        form.locator("input[name=label]").fill(LABEL)
        form.locator("#submit-tasker").click()
        expect(jp.locator("#tasker-state")).to_have_text(re.compile("."))
        tasker_id = jp.url.rsplit("/", 1)[1]
        tasker_on_us = f"{usa.url}/coordination/taskers/{tasker_id}"
        _until(us, tasker_on_us, lambda p: p.locator("h1").inner_text() == "Tanker escort plan",
               "the tasker")  # fmt: skip
        us.locator("#acknowledge-cnfj").click()
        us.locator("select[name=office]").select_option("cnfj")
        us.locator("select[name=status]").select_option("in_progress")
        us.locator("#submit-status").click()
        expect(us.locator("tr.status[data-office=cnfj]")).to_have_attribute(
            "data-status", "in_progress"
        )
        _until(
            jp, f"{jpn.url}/coordination/taskers/{tasker_id}",
            lambda p: p.locator("tr.receipt[data-body=cnfj][data-acknowledged=yes]").count() == 1
            and p.locator("tr.status[data-office=cnfj]").count() == 1,
            "the Seventh Fleet's receipt and status",
        )  # fmt: skip

        # 0800: USFJ concurs; the item is concurred on both nodes.
        us.goto(us_item)
        us.locator("#kind-concur").check()
        us.locator("#submit-answer").click()
        _until(jp, item_url, lambda p: p.locator("#item-state").get_attribute("data-state")
               == "concurred", "the concurrence")  # fmt: skip

        # 0900: the watch log records the day; the handover closes the shift.
        jp.goto(f"{jpn.url}/coordination/watch?body=jjoc")
        jp.locator("#entry-kind").select_option("decision")
        jp.locator("#entry-text-ja").fill("空中給油について米側同意を得た。")
        jp.locator(f"input[name=items][value='{item_id}']").check()
        jp.locator("#entry-label").fill(LABEL)
        jp.locator("#submit-entry").click()
        expect(jp.locator("tr.watch-entry[data-kind=decision]")).to_have_count(1)
        jp.goto(f"{jpn.url}/coordination/handovers")
        jp.locator("#handover-body").select_option("jjoc")
        jp.locator("#submit-handover").click()
        expect(jp.locator("#section-entries tr")).to_have_count(2)  # header and the entry
        expect(jp.locator(f"#section-taskers tr[data-id='{tasker_id}']")).to_have_count(1)
        handover_url = jp.url
        jp.locator("form[action='/logout'] button").click()
        # The sign-out hands the browser a new form token; a sign-in page asked for
        # before its answer arrived would carry the old one.
        expect(jp.locator("form[action='/login']")).to_be_visible()
        _sign_in(jp, jpn, "kimura")
        jp.goto(handover_url)
        jp.locator("#sign-handover").click()
        expect(jp.locator("#incoming")).to_contain_text("kimura")
        jp.screenshot(path=str(Path(jpn.root) / "handover-ja.png"), full_page=True)
        us.goto(f"{usa.url}/coordination/rfis/{rfi_id}")
        us.screenshot(path=str(Path(usa.root) / "rfi-en.png"), full_page=True)
    finally:
        jp_context.close()
        us_context.close()
