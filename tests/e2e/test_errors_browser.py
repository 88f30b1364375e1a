"""Browser: every error a person can meet is a page of this node, in their language.

Each error URL of issue 16 (a 301-character title, a body over 1 MiB, an empty sign-in,
a garbled page cursor, a bad audit position, a bad board filter) answers an HTML page
with the classification banner, the navigation, what went wrong in the reader's words
naming the field, and a way back; a refused answer comes back as it was chosen (a
non-concurrence stays a non-concurrence); a withdrawal asks for confirmation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kizuna.bootstrap import initialize, open_node
from kizuna.domains.coordination.service import coordination
from kizuna.labels import Clearance, parse
from tests.conftest import node_settings
from tests.e2e.conftest import LiveNode, OpenSession, Reader, SeededObject, _stop, spawn_serve
from tests.factories import PASSWORD
from tests.factories.coordination import item, member

pytestmark = pytest.mark.browser

LABEL = "SECRET//REL TO JPN, USA"
BACK = {"ja": "戻る", "en": "Go back"}
NAV_OBJECTS = {"ja": "オブジェクト", "en": "Objects"}


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node with an author who is also admin, a USFJ officer, and one proposed item."""
    root = tmp_path_factory.mktemp("errors-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        author, _ = member(
            node,
            "kimura",
            nation="JPN",
            roles=["author", "releasing_officer", "admin"],
            bodies=["jjoc"],
        )
        member(node, "baker", nation="USA", roles=["coordinator"], bodies=["usfj"])
        # One item per answer test (each answer moves its item on) and one to withdraw.
        made = {
            name: coordination(node).open_item(author, item(label=LABEL, title_en=name))
            for name in ("answer-ja", "answer-en", "withdraw")
        }
        secret = policy.level_named("SECRET").rank
        readers = {
            "JPN": Reader("kimura", PASSWORD, Clearance("JPN", secret)),
            "USA": Reader("baker", PASSWORD, Clearance("USA", secret)),
        }
        seeded = [SeededObject(m.id, name, parse(policy, LABEL)) for name, m in made.items()]
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
                else tmp_path_factory.mktemp("errors-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


def _lang(locale: str) -> str:
    return "ja" if locale.startswith("ja") else "en"


def assert_error_page(page: Page, lang: str, message: str, *, signed_in: bool = True) -> None:
    """An HTML page of the node: banners, navigation, the message, a way back."""
    assert page.evaluate("document.contentType") == "text/html"
    assert page.evaluate("document.documentElement.lang") == lang
    expect(page.locator("#banner-top")).to_be_visible()
    expect(page.locator("#banner-bottom")).to_be_visible()
    if signed_in:
        expect(
            page.locator("header nav").get_by_role("link", name=NAV_OBJECTS[lang])
        ).to_be_visible()
    expect(page.locator("[role=alert]")).to_contain_text(message)
    assert "{" not in page.locator("[role=alert]").inner_text()


def _error_page(page: Page, lang: str, message: str) -> None:
    expect(page.locator("h1")).to_contain_text(message)
    assert_error_page(page, lang, message)
    expect(page.get_by_role("link", name=BACK[lang])).to_be_visible()


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_error_urls_answer_pages_in_the_readers_language(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = _lang(locale)
    session = open_session(locale, signed_in_as=live_node.readers["JPN"])
    page = session.page
    base = live_node.base_url

    page.goto(f"{base}/objects?cursor=garbage")
    _error_page(
        page,
        lang,
        {
            "ja": "ページ：このページへのリンクは無効です",
            "en": "Page: this page link is no longer valid",
        }[lang],
    )

    page.goto(f"{base}/audit?before=abc")
    _error_page(
        page,
        lang,
        {"ja": "ページ：整数を入力してください。", "en": "Page: enter a whole number."}[lang],
    )

    page.goto(f"{base}/coordination?state=bogus")
    _error_page(
        page,
        lang,
        {
            "ja": "状態：表示されている選択肢から選んでください。",
            "en": "State: choose one of the offered values.",
        }[lang],
    )
    # Opened directly (no page of this node before it): back is the start page.
    page.get_by_role("link", name=BACK[lang]).click()
    expect(page).to_have_url(f"{base}/")

    # A 301-character title: the input says its limit; past it, the form comes back.
    page.goto(f"{base}/coordination/new")
    title = page.locator("input[name=title_en]")
    assert title.get_attribute("maxlength") == "300"
    page.locator("input[name=title_ja]").fill("長い件名")
    title.evaluate("el => el.removeAttribute('maxlength')")
    title.fill("x" * 301)
    page.locator("select[name=counterpart_body]").select_option("usfj")
    page.locator("#submit-item").click()
    message = {
        "ja": "件名（英語）：300 文字以内で入力してください。",
        "en": "Title (English): at most 300 characters.",
    }
    assert_error_page(page, lang, message[lang])
    expect(page.locator("input[name=title_en]")).to_have_value("x" * 301)
    expect(page.locator("input[name=title_ja]")).to_have_value("長い件名")
    expect(page.locator("select[name=counterpart_body]")).to_have_value("usfj")

    # A body over 1 MiB: refused before any handler, still a page with a way back.
    body = page.locator("textarea[name=body_en]")
    body.evaluate("el => { el.removeAttribute('maxlength'); el.value = 'y'.repeat(1100000); }")
    page.locator("input[name=title_en]").fill("short")
    page.locator("#submit-item").click()
    _error_page(
        page,
        lang,
        {
            "ja": "送信内容が大きすぎます（上限 1 MiB）。",
            "en": "What you sent is too large (at most 1 MiB).",
        }[lang],
    )
    page.get_by_role("link", name=BACK[lang]).click()
    expect(page).to_have_url(f"{base}/coordination/new")
    assert session.foreign_requests() == []


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_an_empty_sign_in_says_what_is_missing(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = _lang(locale)
    page = open_session(locale).page
    page.goto(f"{live_node.base_url}/login")
    for name in ("username", "password"):
        field = page.locator(f"input[name={name}]")
        assert field.get_attribute("required") is not None
        field.evaluate("el => el.removeAttribute('required')")
    page.locator("form[action='/login'] button[type=submit]").click()
    missing = {"ja": "ユーザー名を入力してください。", "en": "Enter your username."}
    assert_error_page(page, lang, missing[lang], signed_in=False)
    page.locator("input[name=password]").evaluate("el => el.removeAttribute('required')")
    page.locator("input[name=username]").fill("kimura")
    page.locator("form[action='/login'] button[type=submit]").click()
    missing = {"ja": "パスワードを入力してください。", "en": "Enter your password."}
    assert_error_page(page, lang, missing[lang], signed_in=False)
    expect(page.locator("input[name=username]")).to_have_value("kimura")


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_a_refused_non_concurrence_comes_back_as_non_concurrence(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = _lang(locale)
    officer = open_session(locale, signed_in_as=live_node.readers["USA"])
    page = officer.page
    item_id = next(o.id for o in live_node.objects if o.name == f"answer-{lang}")
    page.goto(f"{live_node.base_url}/coordination/items/{item_id}")
    page.locator("#kind-non_concur").check()
    page.locator("#submit-answer").click()
    reason = {
        "ja": "コメント：コメントに理由を記入してください。",
        "en": "Comment: give the reason in the comment.",
    }
    expect(page.locator("[role=alert]")).to_contain_text(reason[lang])
    expect(page.locator("#kind-non_concur")).to_be_checked()
    expect(page.locator("#kind-concur")).not_to_be_checked()
    # Give the reason: the same form, now accepted, records a non-concurrence.
    page.locator("textarea[name=comment]").fill("Runway capacity is not confirmed.")
    page.locator("#submit-answer").click()
    # The answering nation in the reader's words.
    expect(page.locator("tr.ev-response")).to_contain_text(
        {"ja": "米国", "en": "United States"}[lang]
    )
    expect(page.locator("[role=alert]")).to_have_count(0)


def test_withdraw_asks_for_confirmation(open_session: OpenSession, live_node: LiveNode) -> None:
    author = open_session("en-US", signed_in_as=live_node.readers["JPN"])
    page = author.page
    item_id = next(o.id for o in live_node.objects if o.name == "withdraw")
    page.goto(f"{live_node.base_url}/coordination/items/{item_id}")
    before = page.locator("#item-state").inner_text()
    confirm = page.locator("#confirm-withdraw")
    assert confirm.get_attribute("required") is not None
    # Without the tick the browser does not send it; forced past, the server refuses.
    page.locator("#event-withdraw").click()
    expect(page.locator("#item-state")).to_have_text(before)
    confirm.evaluate("el => el.removeAttribute('required')")
    page.locator("#event-withdraw").click()
    expect(page.locator("[role=alert]")).to_contain_text("tick the box to confirm")
    expect(page.locator("#item-state")).to_have_text(before)
    # The address bar stays on the item (walk 48 #3: it showed the form's action).
    assert page.url == f"{live_node.base_url}/coordination/items/{item_id}"
    page.locator("#confirm-withdraw").check()
    page.locator("#event-withdraw").click()
    expect(page.locator("#item-state")).to_have_text("Withdrawn")


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_a_refused_report_is_swapped_in_by_htmx_with_its_input(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    lang = _lang(locale)
    author = open_session(locale, signed_in_as=live_node.readers["JPN"])
    page = author.page
    page.goto(f"{live_node.base_url}/intel/reports")
    form = page.locator("#new-reports")
    form.locator("input[name=name]").fill("Harbour watch, week 48")
    form.locator("#pick-object_refs summary").click()
    form.locator("textarea[name=object_refs_ids]").fill(live_node.objects[0].id)
    form.locator("input[name=label]").fill("SEKRET//REL TO JPN")
    # The form is boosted: htmx posts it and must swap the refusal in, not drop it.
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("#create-reports").click()
    assert answer.value.status == 422
    assert answer.value.request.headers.get("hx-request") == "true"
    said = {
        "ja": "区分：規程に等級「SEKRET」はありません。"
        "「極秘//提供可：日本、米国」のように記入してください。",
        "en": "Label: the policy has no level SEKRET: write a label such as "
        "SECRET//REL TO JPN, USA.",
    }
    expect(page.locator("#new-reports [role=alert], [role=alert]").first).to_have_text(said[lang])
    expect(page.locator("#new-reports input[name=name]")).to_have_value("Harbour watch, week 48")
    expect(page.locator("#new-reports input[name=label]")).to_have_value("SEKRET//REL TO JPN")


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_a_report_gathers_objects_chosen_from_a_search(
    open_session: OpenSession, live_node: LiveNode, locale: str
) -> None:
    author = open_session(locale, signed_in_as=live_node.readers["JPN"])
    page = author.page
    page.goto(f"{live_node.base_url}/intel/reports")
    form = page.locator("#new-reports")
    form.locator("input[name=name]").fill(f"Gathered by search {locale}")
    form.locator("input[name=object_refs_q]").fill("withdraw")
    form.locator("button[name=find][value=object_refs]").click()
    # The form came back whole, with the hit to tick, titled in the reader's language
    # (the item's Japanese title for a Japanese reader), as the report will link it.
    expect(form.locator("input[name=name]")).to_have_value(f"Gathered by search {locale}")
    wanted = next(o for o in live_node.objects if o.name == "withdraw")
    title = {"ja": "九州の防空態勢", "en": "withdraw"}[locale[:2]]
    hit = form.locator("ul.found label", has=page.locator(f"input[value='{wanted.id}']"))
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text(title)
    hit.locator("input[type=checkbox]").check()
    form.locator("input[name=label]").fill(LABEL)
    form.locator("#create-reports").click()
    expect(page.locator("[role=alert]")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/objects/report--"))
    expect(page.locator(f"main a[href='/objects/{wanted.id}']")).to_have_text(title)
