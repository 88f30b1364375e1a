"""Browser: a Japanese reader logs in, sees only what they may, switches to English;
the banner shows the highest label on the page.

Everything goes through Debian's Chromium driven by Playwright against a real
`kizuna serve` process (tests/e2e/conftest.py). What a page should show is computed
from the labels the fixture created, with `can_read`, `lub` and `render`; nothing
about which object is visible is written out by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest
from playwright.sync_api import expect

from kizuna.labels import Label, lub, render
from tests.e2e.conftest import (
    HEADING,
    LiveNode,
    OpenSession,
    SeededObject,
    Session,
)

pytestmark = pytest.mark.browser

NOT_FOUND = {
    "ja": "該当するものがないか、閲覧が許可されていません。",
    "en": "There is nothing here, or you may not see it.",
}


def expected_banner(node: LiveNode, labels: Iterable[Label], lang: str, first: str) -> str:
    """What the banner must say: the least upper bound in the reader's language."""
    highest = lub(labels)
    if highest is None:
        lowest = node.policy.lowest
        return lowest.ja if lang == "ja" else lowest.name
    return render(node.policy, highest, "ja" if lang == "ja" else "en", first=first)


def level_class(node: LiveNode, labels: Iterable[Label]) -> re.Pattern[str]:
    """The banner's colour class: the index of the highest level, lowest is lvl-0."""
    highest = lub(labels)
    rank = highest.rank if highest is not None else node.policy.lowest.rank
    index = [level.rank for level in node.policy.levels].index(rank)
    return re.compile(rf"(^|\s)lvl-{index}(\s|$)")


def assert_banners(session: Session, text: str, css: re.Pattern[str]) -> None:
    """Both banners say `text` in the colour of its level. Call it once the page is
    known to be the new one (after waiting for its heading): htmx swaps the whole body
    at once, so both banners are then in place. Their class is awaited: htmx gives an
    element that keeps its id the old attributes until the swap settles (20 ms)."""
    for banner_id in ("banner-top", "banner-bottom"):
        expect(session.page.locator(f"#{banner_id}")).to_have_class(css)
    banners = session.page.eval_on_selector_all(
        "#banner-top, #banner-bottom",
        "els => els.map(e => ({id: e.id, text: e.textContent.trim(), css: e.className}))",
    )
    assert [b["id"] for b in banners] == ["banner-top", "banner-bottom"]
    for banner in banners:
        assert banner["text"] == text, banner["id"]
        assert css.search(banner["css"]), banner


def shown_rows(session: Session) -> list[tuple[str, str]]:
    """(title, label chip) of each row of the objects table, top to bottom."""
    rows = session.page.eval_on_selector_all(
        "table.objects tbody tr",
        """rows => rows.map(r => [
            r.querySelector("td:nth-child(3) a").textContent.trim(),
            r.querySelector(".chip").textContent.trim(),
        ])""",
    )
    return [(title, chip) for title, chip in rows]


def expected_rows(
    node: LiveNode, objects: Iterable[SeededObject], lang: str, first: str
) -> list[tuple[str, str]]:
    """Each object with its own label, rendered as the reader's chip shows it."""
    lang_ = "ja" if lang == "ja" else "en"
    return sorted((o.name, render(node.policy, o.label, lang_, first=first)) for o in objects)


def assert_stayed_on_the_node(session: Session) -> None:
    """Every request went to the test server; htmx came from its /static."""
    assert session.requests, "the browser recorded no request at all"
    assert session.foreign_requests() == []
    assert session.blocked == []
    assert f"{session.origin}/static/vendor/htmx.min.js" in session.requests


def names(objects: Iterable[SeededObject]) -> list[str]:
    return sorted(o.name for o in objects)


def test_japanese_reader_logs_in_and_sees_only_what_they_may(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    reader = live_node.readers["JPN"]
    visible = live_node.visible_to(reader)
    hidden = live_node.hidden_from(reader)
    assert visible
    assert hidden, "the fixture must hold objects this reader may not see"
    session = open_session("ja-JP")
    page = session.page

    session.log_in(reader, "ja")

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    # Exactly the objects the reader's clearance admits, each chip its own label.
    assert sorted(shown_rows(session)) == expected_rows(live_node, visible, "ja", "JPN")
    page_text = page.content()
    for obj in hidden:
        assert obj.name not in page_text
    labels = [o.label for o in visible]
    assert_banners(
        session, expected_banner(live_node, labels, "ja", "JPN"), level_class(live_node, labels)
    )
    page.screenshot(path=live_node.screenshot_dir / "objects-ja.png", full_page=True)
    assert_stayed_on_the_node(session)


def test_switching_to_english_keeps_the_objects_and_translates_the_banner(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    reader = live_node.readers["JPN"]
    visible = live_node.visible_to(reader)
    labels = [o.label for o in visible]
    session = open_session("ja-JP", signed_in_as=reader)
    page = session.page
    before = sorted(title for title, _ in shown_rows(session))

    page.locator("#lang-en").click()

    expect(page.locator("h1")).to_have_text(HEADING["en"])
    expect(page).to_have_title(re.compile(r"^Objects · Kizuna$"))
    assert sorted(shown_rows(session)) == expected_rows(live_node, visible, "en", "JPN")
    assert before == names(visible)
    assert_banners(
        session, expected_banner(live_node, labels, "en", "JPN"), level_class(live_node, labels)
    )
    expect(page.locator("#lang-ja")).to_be_visible()
    page.screenshot(path=live_node.screenshot_dir / "objects-en.png", full_page=True)

    # The choice is kept: a fresh load of the page is still in English.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(HEADING["en"])
    # And back to Japanese.
    page.locator("#lang-ja").click()
    expect(page.locator("h1")).to_have_text(HEADING["ja"])
    assert_banners(
        session, expected_banner(live_node, labels, "ja", "JPN"), level_class(live_node, labels)
    )
    assert_stayed_on_the_node(session)


def test_an_object_page_shows_that_objects_label(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    reader = live_node.readers["JPN"]
    session = open_session("ja-JP", signed_in_as=reader)
    page = session.page

    for i, obj in enumerate(live_node.visible_to(reader)):
        page.get_by_role("link", name=obj.name, exact=True).click()
        expect(page).to_have_url(f"{live_node.base_url}/objects/{obj.id}")
        expect(page.locator("h1")).to_have_text(obj.name)
        text = render(live_node.policy, obj.label, "ja", first="JPN")
        assert_banners(session, text, level_class(live_node, [obj.label]))
        history = page.locator("table.history tbody tr")
        expect(history).to_have_count(1)
        expect(history.locator(".chip")).to_have_text(text)
        if i == 0:
            page.screenshot(path=live_node.screenshot_dir / "object-ja.png", full_page=True)
        page.locator("header nav a[href='/objects']").click()
        expect(page.locator("h1")).to_have_text(HEADING["ja"])
    assert_stayed_on_the_node(session)


def test_an_object_the_reader_may_not_see_is_not_found(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    reader = live_node.readers["JPN"]
    session = open_session("ja-JP", signed_in_as=reader)
    page = session.page
    lowest = [Label(live_node.policy.lowest.rank, frozenset())]

    for obj in live_node.hidden_from(reader):
        response = page.goto(f"{live_node.base_url}/objects/{obj.id}")
        assert response is not None
        assert response.status == 404
        expect(page.locator("h1")).to_have_text(NOT_FOUND["ja"])
        html = page.content()
        assert obj.name not in html
        assert response.text().find(obj.name) == -1
        assert_banners(session, live_node.policy.lowest.ja, level_class(live_node, lowest))
    assert_stayed_on_the_node(session)


def test_a_us_reader_sees_a_different_set_on_the_same_page(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    reader = live_node.readers["USA"]
    visible = live_node.visible_to(reader)
    labels = [o.label for o in visible]
    japanese = names(live_node.visible_to(live_node.readers["JPN"]))
    assert names(visible) != japanese
    session = open_session("en-US")
    page = session.page

    session.log_in(reader, "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert sorted(shown_rows(session)) == expected_rows(live_node, visible, "en", "USA")
    assert_banners(
        session, expected_banner(live_node, labels, "en", "USA"), level_class(live_node, labels)
    )
    page.screenshot(path=live_node.screenshot_dir / "objects-en-usa.png", full_page=True)
    for obj in live_node.hidden_from(reader):
        response = page.goto(f"{live_node.base_url}/objects/{obj.id}")
        assert response is not None
        assert response.status == 404
        assert obj.name not in page.content()
    assert_stayed_on_the_node(session)


def test_the_document_language_follows_a_switch(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    session = open_session("ja-JP", signed_in_as=live_node.readers["JPN"])
    page = session.page
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.locator("#lang-en").click()

    expect(page.locator("h1")).to_have_text(HEADING["en"])
    assert page.evaluate("document.documentElement.lang") == "en"


def test_pages_do_not_break_the_content_security_policy(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    session = open_session("ja-JP", signed_in_as=live_node.readers["JPN"])
    # The signed-in session is on /objects; the load event has fired, so htmx has run.
    assert session.page.evaluate("typeof htmx") == "object"
    violations = [m for m in session.console if "Content Security Policy" in m]
    assert violations == []


def test_the_not_found_page_still_shows_who_is_signed_in(
    open_session: OpenSession, live_node: LiveNode
) -> None:
    reader = live_node.readers["JPN"]
    session = open_session("ja-JP", signed_in_as=reader)
    page = session.page
    hidden = live_node.hidden_from(reader)[0]

    response = page.goto(f"{live_node.base_url}/objects/{hidden.id}")

    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_have_text(NOT_FOUND["ja"])
    assert page.locator("header .user").all_inner_texts() == [f"{reader.username}（日本）"]
