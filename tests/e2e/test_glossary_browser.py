"""Browser: a reader looks up the alliance glossary in Japanese and in English, opens a
term and reads it in both languages side by side at 1,280 px and one above the other
at 390 px, with its translation flag (仮訳 for a provisional term)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from kizuna.bootstrap import initialize, open_node
from kizuna.domains.glossary.demo import seed_demo
from kizuna.labels import Clearance
from tests.conftest import node_settings
from tests.e2e.conftest import LiveNode, OpenSession, Reader, _stop, spawn_serve
from tests.factories import PASSWORD, add_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node holding the shipped glossary, and a reader."""
    root = tmp_path_factory.mktemp("glossary-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        seed_demo(node)
        add_user(node, "yamada", clearance="CONFIDENTIAL", password=PASSWORD)
        rank = policy.level_named("CONFIDENTIAL").rank
    finally:
        node.db.dispose()
    proc, port, log_file = spawn_serve(root, db_url, settings.key_file)
    try:
        yield LiveNode(
            base_url=f"http://127.0.0.1:{port}",
            nation="JPN",
            policy=policy,
            objects=[],
            readers={"JPN": Reader("yamada", PASSWORD, Clearance("JPN", rank))},
            log_file=log_file,
            screenshot_dir=(
                Path(os.environ["KIZUNA_SCREENSHOT_DIR"])
                if os.environ.get("KIZUNA_SCREENSHOT_DIR")
                else tmp_path_factory.mktemp("glossary-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


LOOK_UP = {"ja": "調べる", "en": "Look up"}
FLAG = {"ja": "仮訳", "en": "Provisional translation (仮訳)"}


def _box(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def _look_up(page: Page, lang: str, words: str, expected: str) -> None:
    page.locator("#q").fill(words)
    page.get_by_role("button", name=LOOK_UP[lang], exact=True).click()
    expect(page.locator("li.term-card")).to_have_count(1)
    expect(page.locator("li.term-card .bi-ja")).to_contain_text(expected)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_look_up_in_both_languages_and_read_them_side_by_side(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = "ja" if locale.startswith("ja") else "en"
    session = open_session(locale, signed_in_as=live_node.readers["JPN"])
    page = session.page
    page.goto(f"{live_node.base_url}/glossary")
    # In Japanese, by a reading in katakana, and in English, by part of the form.
    _look_up(page, lang, "ソンリツ", "存立危機事態")
    _look_up(page, lang, "gray-zone", "グレーゾーン事態")
    card = page.locator("li.term-card")
    expect(card.locator(".bi-en")).to_contain_text("gray-zone situation")
    expect(card.locator(".bi-flag-provisional")).to_have_text(FLAG[lang])
    page.screenshot(path=live_node.screenshot_dir / f"glossary-{lang}.png", full_page=True)

    card.locator(".bi-ja a").click()
    expect(page.locator("h1")).to_contain_text("グレーゾーン事態")
    forms = page.locator("#term-forms")
    ja, en = forms.locator(".bi-text[lang=ja]"), forms.locator(".bi-text[lang=en]")
    expect(ja).to_have_text("グレーゾーン事態")
    expect(en).to_have_text("gray-zone situation")
    expect(forms.locator(".bi-flag")).to_have_text(FLAG[lang])
    definition = page.locator("#term-definition")
    expect(definition.locator(".bi-text[lang=ja]")).to_contain_text("純然たる平時でも有事でもない")
    expect(definition.locator(".bi-flag")).to_have_text(FLAG[lang])

    # Wide: two columns on one row, the reader's language first. The columns are
    # compared, not the texts: a line of Japanese and one of English differ in height
    # by their fonts' metrics.
    ja_col, en_col = forms.locator(".bi-col.bi-ja"), forms.locator(".bi-col.bi-en")
    first, second = (ja_col, en_col) if lang == "ja" else (en_col, ja_col)
    a, b = _box(first), _box(second)
    assert abs(a["y"] - b["y"]) < 2, (a, b)
    assert b["x"] > a["x"] + a["width"], (a, b)
    page.screenshot(
        path=live_node.screenshot_dir / f"glossary-term-{lang}-1280.png", full_page=True
    )

    # A phone: one above the other, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    a, b = _box(first), _box(second)
    assert b["y"] >= a["y"] + a["height"], (a, b)
    assert abs(a["x"] - b["x"]) < 2
    wider = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )
    assert wider <= 0
    page.screenshot(path=live_node.screenshot_dir / f"glossary-term-{lang}-390.png", full_page=True)
    assert session.foreign_requests() == []
