"""Browser: search finds a 2+2 decision by a Japanese phrase and a report by an English
word, in both languages, and a reader never finds what they may not read (not in the
results, not in the count, not in a snippet)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kizuna.bootstrap import initialize, open_node
from kizuna.domains.meetings.model import DECISION
from kizuna.domains.meetings.service import import_seed
from kizuna.labels import Clearance, parse
from tests.conftest import node_settings
from tests.e2e.conftest import LiveNode, OpenSession, Reader, SeededObject, _stop, spawn_serve
from tests.factories import PASSWORD, add_user, report

pytestmark = pytest.mark.browser

WORD = "Tsushima"
SHARED = f"{WORD} strait ferry schedule (shared)"
HIDDEN = f"{WORD} liaison roster (Japan only)"
SECRET_WORD = "roster"


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node with the 2+2 record, a report both nations read and one for Japan only."""
    root = tmp_path_factory.mktemp("search-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        import_seed(node)
        decision = next(
            d
            for d in node.store.list(node.system, type=DECISION, limit=200).items
            if len(d.object.get("sentence", "")) > 40
        )
        shared = node.store.create(
            node.system, report(SHARED), parse(policy, "UNCLASSIFIED//REL TO JPN, USA")
        )
        hidden = node.store.create(node.system, report(HIDDEN), parse(policy, "SECRET//REL TO JPN"))
        add_user(
            node, "kato", nation="JPN", clearance="SECRET", roles=["reader"], password=PASSWORD
        )
        add_user(
            node, "ward", nation="USA", clearance="SECRET", roles=["reader"], password=PASSWORD
        )
        secret = policy.level_named("SECRET").rank
        readers = {
            "JPN": Reader("kato", PASSWORD, Clearance("JPN", secret)),
            "USA": Reader("ward", PASSWORD, Clearance("USA", secret)),
        }
        seeded = [
            SeededObject(decision.id, decision.object["sentence"], decision.label),
            SeededObject(shared.id, SHARED, shared.label),
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
            readers=readers,
            log_file=log_file,
            screenshot_dir=(
                Path(os.environ["KIZUNA_SCREENSHOT_DIR"])
                if os.environ.get("KIZUNA_SCREENSHOT_DIR")
                else tmp_path_factory.mktemp("search-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


def count_text(lang: str, n: int) -> str:
    """The result count as the page writes it (English says 1 object, 2 objects)."""
    if lang == "ja":
        return f"{n} 件見つかりました"
    return f"{n} object found" if n == 1 else f"{n} objects found"


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_search_finds_a_decision_in_japanese_and_a_report_in_english(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = "ja" if locale.startswith("ja") else "en"
    decision, shared, hidden = live_node.objects
    sentence = decision.name
    phrase = sentence[10:18].strip()
    for nation, finds_hidden in (("JPN", True), ("USA", False)):
        session = open_session(locale, signed_in_as=live_node.readers[nation])
        page = session.page
        page.locator("header nav").get_by_role(
            "link", name={"ja": "検索", "en": "Search"}[lang]
        ).click()
        page.locator("input[name=q]").fill(phrase)
        page.locator("form[role=search] button[type=submit]").click()
        expect(page.locator(f"li.result a[href='/objects/{decision.id}']")).to_have_count(1)
        expect(page.locator("li.result mark").first).to_have_text(phrase)

        page.locator("input[name=q]").fill(WORD)
        page.locator("form[role=search] button[type=submit]").click()
        expect(page.locator(f"li.result a[href='/objects/{shared.id}']")).to_have_count(1)
        wanted = 2 if finds_hidden else 1
        expect(page.locator("#result-count")).to_have_text(count_text(lang, wanted))
        expect(page.locator(f"li.result a[href='/objects/{hidden.id}']")).to_have_count(
            1 if finds_hidden else 0
        )
        if not finds_hidden:
            # Neither the count nor a snippet gives away the Japan-only report.
            assert SECRET_WORD not in page.locator("main").inner_text()
            page.goto(f"{live_node.base_url}/search?q={SECRET_WORD}")
            expect(page.locator("#result-count")).to_have_text(count_text(lang, 0))
        page.screenshot(
            path=live_node.screenshot_dir / f"search-{nation}-{lang}.png", full_page=True
        )
        assert session.foreign_requests() == []
