"""Browser: two nodes on one machine, used side by side in one browser.

Cookies are kept per host, not per port; the node's cookies carry its identity in
their names, so signing in to the USA node on one port leaves the JPN session on the
other untouched, and so does each node's language choice and sign-out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from kizuna.bootstrap import initialize, open_node
from kizuna.labels import default_policy, parse
from kizuna.web.names import nation_name
from tests.conftest import node_settings
from tests.e2e.conftest import _stop, _wait_until_serving, spawn_serve
from tests.factories import PASSWORD, add_user, report

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Served:
    nation: str
    base_url: str
    user: str
    title: str


def _serve(root: Path, nation: str, user: str, title: str) -> tuple[Served, object]:
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation=nation)
    node = open_node(settings)
    try:
        label = parse(node.policy, f"UNCLASSIFIED//REL TO {nation}")
        node.store.create(node.system, report(title), label)
        add_user(node, user, nation=nation, roles=["reader"], password=PASSWORD)
    finally:
        node.db.dispose()
    proc, port, log_file = spawn_serve(root, db_url, settings.key_file)
    served = Served(nation, f"http://127.0.0.1:{port}", user, title)
    return served, (proc, log_file)


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Served]]:
    jpn, jpn_proc = _serve(tmp_path_factory.mktemp("jpn"), "JPN", "sato", "JPN-only notice")
    usa, usa_proc = _serve(tmp_path_factory.mktemp("usa"), "USA", "smith", "USA-only notice")
    try:
        for served, (proc, log_file) in ((jpn, jpn_proc), (usa, usa_proc)):
            _wait_until_serving(proc, f"{served.base_url}/login", log_file)  # type: ignore[arg-type]
        yield jpn, usa
    finally:
        for proc, _log in (jpn_proc, usa_proc):
            _stop(proc)  # type: ignore[arg-type]


def _sign_in(page: Page, served: Served) -> None:
    page.goto(f"{served.base_url}/objects")
    expect(page).to_have_url(f"{served.base_url}/login?next=/objects")
    page.locator("input[name=username]").fill(served.user)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{served.base_url}/objects")


def _assert_signed_in(page: Page, served: Served, lang: str) -> None:
    page.goto(f"{served.base_url}/objects")
    expect(page).to_have_url(f"{served.base_url}/objects")
    # The user with their nation in the page's language, the code on hover.
    said = {"ja": "{user}（{nation}）", "en": "{user} ({nation})"}[lang]
    nation = nation_name(default_policy(), served.nation, lang)
    expect(page.locator(".user")).to_contain_text(said.format(user=served.user, nation=nation))
    expect(page.locator(".user .nation")).to_have_attribute("title", served.nation)
    expect(page.get_by_text(served.title)).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == lang


def test_two_nodes_signed_in_side_by_side_in_one_browser(
    two_nodes: tuple[Served, Served], browser: Browser
) -> None:
    jpn, usa = two_nodes
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        left, right = context.new_page(), context.new_page()
        _sign_in(left, jpn)
        _sign_in(right, usa)
        # The USA node speaks English to this browser; the JPN node keeps Japanese.
        right.goto(f"{usa.base_url}/lang/en?next=/objects")
        _assert_signed_in(left, jpn, "ja")
        _assert_signed_in(right, usa, "en")
        # Each node has its own session, CSRF and language cookie on the same host.
        names = [c["name"] for c in context.cookies() if c["domain"] == "127.0.0.1"]
        sessions = [n for n in names if n.startswith("kizuna_session_")]
        assert len(sessions) == 2, names
        assert len([n for n in names if n.startswith("kizuna_csrf_")]) == 2, names
        assert len([n for n in names if n.startswith("kizuna_lang_")]) == 1, names
        # A form posted to one node checks its own CSRF cookie: signing out of USA works
        # and leaves the JPN session alive.
        right.locator("form[action='/logout'] button").click()
        expect(right).to_have_url(f"{usa.base_url}/login")
        _assert_signed_in(left, jpn, "ja")
        right.goto(f"{usa.base_url}/objects")
        expect(right).to_have_url(f"{usa.base_url}/login?next=/objects")
        expect(right.get_by_text(jpn.title)).to_have_count(0)
    finally:
        context.close()
