"""Browser: an author goes from a report's page to its attachments, attaches a PNG
through the upload form and sees it drawn in the attachment's page and listed on the
report's, in Japanese and in English; a refused file (an SVG)
comes back with the reason in the reader's language."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kizuna.bootstrap import initialize, open_node
from kizuna.labels import Clearance, parse
from tests.conftest import node_settings
from tests.e2e.conftest import LiveNode, OpenSession, Reader, SeededObject, _stop, spawn_serve
from tests.factories import PASSWORD, add_user, report
from tests.integration.test_attachments import SVG, png

pytestmark = pytest.mark.browser

HEADING = {"ja": "添付ファイル", "en": "Attachments"}
ATTACH = {"ja": "添付", "en": "Attach"}
REFUSED = {"ja": "ブラウザ内で実行され得る", "en": "which can run in a browser"}


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node with one report and an author who may attach files to it."""
    root = tmp_path_factory.mktemp("attachments-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        label = parse(policy, "CONFIDENTIAL//REL TO JPN, USA")
        target = node.store.create(node.system, report("Harbour survey"), label)
        add_user(node, "sato", clearance="SECRET", roles=["author"], password=PASSWORD)
        secret = policy.level_named("SECRET").rank
    finally:
        node.db.dispose()
    proc, port, log_file = spawn_serve(root, db_url, settings.key_file)
    try:
        yield LiveNode(
            base_url=f"http://127.0.0.1:{port}",
            nation="JPN",
            policy=policy,
            objects=[SeededObject(target.id, "Harbour survey", label)],
            readers={"JPN": Reader("sato", PASSWORD, Clearance("JPN", secret))},
            log_file=log_file,
            screenshot_dir=(
                Path(os.environ["KIZUNA_SCREENSHOT_DIR"])
                if os.environ.get("KIZUNA_SCREENSHOT_DIR")
                else tmp_path_factory.mktemp("attachments-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_an_uploaded_png_is_shown_inline(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = "ja" if locale.startswith("ja") else "en"
    [target] = live_node.objects
    session = open_session(locale, signed_in_as=live_node.readers["JPN"])
    page = session.page
    # From the report's own page, as a reader comes (walk 31: it had no way there).
    page.goto(f"{live_node.base_url}/objects/{target.id}")
    page.locator(f'#attachments a[href="/attachments?of={target.id}"]').click()
    expect(page.locator("h1")).to_have_text(HEADING[lang])

    # A refused file first: the form comes back with the reason, nothing more is listed.
    listed = page.locator("#attachments-count").inner_text()
    page.locator("input[type=file]").set_input_files(
        {"name": "drawing.svg", "mimeType": "image/svg+xml", "buffer": SVG}
    )
    page.get_by_role("button", name=ATTACH[lang], exact=True).click()
    expect(page.locator("#attach-error")).to_contain_text(REFUSED[lang])
    expect(page.locator("#attachments-count")).to_have_text(listed)

    name = f"survey-{lang}.png"
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "image/png", "buffer": png(200)}
    )
    page.locator("input[name=label]").fill("CONFIDENTIAL")
    page.get_by_role("button", name=ATTACH[lang], exact=True).click()
    expect(page.locator("#attachment-name")).to_have_text(name)
    image = page.locator("#attachment-image")
    expect(image).to_be_visible()
    # Drawn: the browser decoded the file the node served (1×1 pixel).
    page.wait_for_function("document.querySelector('#attachment-image').complete")
    assert image.evaluate("img => img.naturalWidth") == 1
    # The label is the least upper bound of the one chosen and the report's.
    expected = "秘//提供可：日本" if lang == "ja" else "CONFIDENTIAL//REL TO JPN"
    expect(page.locator("#banner-top")).to_have_text(expected)
    page.screenshot(path=live_node.screenshot_dir / f"attachment-{lang}.png", full_page=True)

    page.goto(f"{live_node.base_url}/attachments?of={target.id}")
    expect(page.get_by_role("link", name=name, exact=True)).to_have_count(1)
    # The report's page lists the file, and its banners rise to the file's label.
    page.goto(f"{live_node.base_url}/objects/{target.id}")
    expect(page.locator("#attachments").get_by_role("link", name=name, exact=True)).to_have_count(1)
    expect(page.locator("#banner-top")).to_have_text(expected)
    expect(page.locator("#banner-bottom")).to_have_text(expected)
    assert session.foreign_requests() == []
