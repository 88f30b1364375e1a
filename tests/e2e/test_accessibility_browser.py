"""Browser: axe-core finds no serious or critical accessibility violation on any page a
person reaches, in English and in Japanese.

axe-core comes from the npm registry (`make dev` fetches it with its digest pinned) and
the test puts it into each page itself: no node serves it, and the pages load nothing
from outside 127.0.0.0/8. Every collapsed section is opened before the check, so that
the forms folded inside a <details> are checked too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from kizuna.bootstrap import initialize, open_node, seed_demo
from kizuna.db.schema import objects
from kizuna.domains.coordination.model import ITEM_TYPE
from kizuna.domains.coordination.schema import coord_steps
from kizuna.domains.coordination.service import coordination, epoch
from kizuna.domains.incidents.model import EventCreate, PublicCreate
from kizuna.domains.incidents.service import incidents
from kizuna.domains.meetings.model import DECISION, MEETING
from kizuna.labels import Clearance, parse
from tests.conftest import node_settings, unavailable
from tests.e2e.conftest import (
    LiveNode,
    OpenSession,
    Reader,
    SeededObject,
    Session,
    _stop,
    new_session,
    spawn_serve,
)
from tests.factories import PASSWORD
from tests.factories.coordination import item, member

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, StorageState

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Moderate and minor findings are advice; serious and critical ones keep someone out.
BARRIERS = ("serious", "critical")
LANGS = ("en", "ja")
# A phone and a desktop: on a phone wide tables become regions that scroll sideways,
# which a keyboard must be able to reach.
WIDTHS = (390, 1280)
EVERYTHING = ["BIAC", "CYBER", "INDUSTRY"]
IMPORT_TEXT = (
    Path(__file__).parent.parent
    / "domains"
    / "meetings"
    / "corpus"
    / "2024-06-02_mod-defense-ministerial-summary_en.txt"
)
SIGN_IN = {"ja": "ログイン", "en": "Sign in"}

# (name, path): every page a signed-in person reaches; {names} are the seeded objects.
PAGES: list[tuple[str, str]] = [
    ("start", "/"),
    ("objects", "/objects"),
    ("object", "/objects/{report}"),
    ("search", "/search?q=maritime"),
    ("audit", "/audit"),
    ("federation", "/federation"),
    ("accounts", "/admin/accounts"),
    ("account", "/account"),
    ("coordination-board", "/coordination"),
    ("coordination-item", "/coordination/items/{item}"),
    ("coordination-new", "/coordination/new"),
    ("coordination-notifications", "/coordination/notifications"),
    ("coordination-regions", "/coordination/regions"),
    ("coordination-rfis", "/coordination/rfis"),
    ("coordination-taskers", "/coordination/taskers"),
    ("coordination-watch", "/coordination/watch"),
    ("coordination-handovers", "/coordination/handovers"),
    ("intel-reports", "/intel/reports"),
    ("intel-assessments", "/intel/assessments"),
    ("intel-observations", "/intel/observations"),
    ("intel-joint-products", "/intel/joint-products"),
    ("intel-joint", "/intel/joint/{joint}"),
    ("meetings", "/meetings"),
    ("meeting", "/meetings/{meeting}"),
    ("commitments", "/commitments"),
    ("commitment", "/commitments/{decision}"),
    ("meetings-import", "/meetings/import"),
    ("incidents-board", "/incidents"),
    ("incidents-event", "/incidents/events/{event}"),
    ("incidents-new", "/incidents/new"),
    ("incidents-figures", "/incidents/figures"),
    ("incidents-public", "/incidents/public"),
    ("glossary", "/glossary"),
    ("glossary-look-up", "/glossary?q=%E4%BA%8B%E6%85%8B"),
    ("glossary-term", "/glossary/terms/{term}"),
    ("glossary-new", "/glossary/new"),
    ("glossary-edit", "/glossary/terms/{term}/edit"),
    ("not-found", "/objects/report--00000000-0000-4000-8000-000000000000"),
    ("no-such-page", "/no-such-page"),
]


def _event() -> EventCreate:
    return EventCreate.model_validate(
        {
            "kind": "part_fall",
            "title_en": "Access panel fell from an F-15 near Kadena",
            "title_ja": "嘉手納基地付近でF-15のパネルが落下",
            "occurred": "2026-12-01T13:40:00+09:00",
            "learned": "2026-12-01T13:55:00+09:00",
            "place": {
                "geometry": {"type": "Point", "coordinates": [127.764, 26.309]},
                "municipalities": ["473260"],
            },
            "unit": "18th Wing",
            "people_hurt": 0,
            "damage": "none reported",
            "description_en": "A 30 cm access panel was found in a field in Chatan.",
            "description_ja": "北谷町の畑で約30cmのパネルが見つかった。",
            "label": "CONFIDENTIAL//REL TO JPN, USA",
        }
    )


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """The JPN demo node (reports, coordination items, the 2+2 meeting, a joint product)
    and one person who reaches every page: author, releasing officer and admin, cleared
    for everything, who recorded an incident and released its public version."""
    root = tmp_path_factory.mktemp("a11y-node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        seed_demo(node)
        aoki, _ = member(
            node,
            "aoki",
            nation="JPN",
            roles=["author", "releasing_officer", "admin"],
            bodies=["jjoc", "mod-policy"],
            clearance="TOP SECRET",
            compartments=EVERYTHING,
        )
        # An item escalated past its deadline needs Japan's answer: its page offers
        # aoki the answer form (walk 48: its comment box, tabbed to, hid under the banner).
        answerable = coordination(node).open_item(aoki, item())
        with node.db.write() as conn:
            conn.execute(
                update(coord_steps)
                .where(coord_steps.c.item_pk == select(objects.c.pk).where(
                    objects.c.stix_id == answerable.id).scalar_subquery())
                .values(due_at=epoch() - 1)
            )  # fmt: skip
        coordination(node).scan()
        event = incidents(node).record(aoki, _event())
        incidents(node).release_public(
            aoki,
            event.id,
            PublicCreate(
                title_en="A panel fell from an aircraft in Chatan",
                title_ja="北谷町で航空機のパネルが落下",
                description_en="No one was hurt. The panel was recovered.",
                description_ja="けが人はなく、パネルは回収された。",
            ),
        )

        def newest(type_: str) -> str:
            return node.store.list(node.system, type=type_, limit=1).items[0].id

        decisions = node.store.list(node.system, type=DECISION, limit=100).items
        commitments = [d for d in decisions if d.object.get("commitment")] or decisions
        label = parse(policy, "TOP SECRET//BIAC/CYBER/INDUSTRY//REL TO JPN")
        seeded = [
            SeededObject(stix_id, name, label)
            for name, stix_id in (
                ("report", newest("report")),
                ("item", newest(ITEM_TYPE)),
                ("answerable", answerable.id),
                ("joint", newest("grouping")),
                ("meeting", newest(MEETING)),
                ("decision", commitments[0].id),
                ("event", event.id),
                ("term", newest("x-kizuna-glossary-term")),
            )
        ]
        top = policy.level_named("TOP SECRET").rank
        readers = {"JPN": Reader("aoki", PASSWORD, Clearance("JPN", top, frozenset(EVERYTHING)))}
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
                else tmp_path_factory.mktemp("a11y-screenshots")
            ),
            process=proc,
        )
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        unavailable(f"axe-core is not at {AXE} (make dev fetches it)")
    return AXE.read_text(encoding="utf-8")


def _barriers(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now.

    Evaluated through the DevTools protocol rather than added as a <script>: the
    node's content security policy (script-src 'self') rightly refuses inline scripts,
    and the page is checked under the policy it really has.
    """
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    result: dict[str, Any] = page.evaluate(
        "async (impacts) => {"
        "  const r = await axe.run(document, {resultTypes: ['violations']});"
        "  return {violations: r.violations.filter(v => impacts.includes(v.impact))"
        "    .map(v => ({id: v.id, impact: v.impact, help: v.help,"
        "      targets: v.nodes.map(n => n.target.join(' '))}))};"
        "}",
        list(BARRIERS),
    )
    return list(result["violations"])


def _report(where: str, lang: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where} [{lang}]: {len(violations)} serious or critical violation(s)"]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {target}" for target in v["targets"][:10])
        if len(v["targets"]) > 10:
            lines.append(f"    ... and {len(v['targets']) - 10} more")
    return "\n".join(lines)


def _in_language(page: Page, origin: str, lang: str) -> None:
    """Switch the page language as a person does, with the node's /lang link."""
    page.goto(f"{origin}/lang/{lang}?next=/login")
    assert page.evaluate("document.documentElement.lang") == lang


def _check(page: Page, axe_source: str, where: str, lang: str) -> None:
    assert page.evaluate("document.documentElement.lang") == lang, where
    violations = _barriers(page, axe_source)
    assert violations == [], _report(where, lang, violations)


@pytest.fixture(scope="module")
def reader_in(
    live_node: LiveNode, browser: Browser, signed_in_states: dict[str, StorageState]
) -> Iterator[dict[str, Session]]:
    """The reader signed in, one browser per language, kept for the module: the pages
    checked below only read, and a new context signed in and switched to its language
    cost more than many a page's check."""
    live_node.wait_until_serving()
    contexts: list[BrowserContext] = []
    sessions: dict[str, Session] = {}
    reader = live_node.readers["JPN"]
    for lang in LANGS:
        session = new_session(browser, live_node, signed_in_states, contexts, "en-US", reader)
        _in_language(session.page, live_node.base_url, lang)
        sessions[lang] = session
    try:
        yield sessions
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _ in PAGES])
def test_page_has_no_serious_violation(
    reader_in: dict[str, Session],
    live_node: LiveNode,
    axe_source: str,
    name: str,
    path: str,
    lang: str,
) -> None:
    session = reader_in[lang]
    page = session.page
    asked_before = len(session.requests)
    page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
    target = path.format(**{o.name: o.id for o in live_node.objects})
    answer = page.goto(f"{live_node.base_url}{target}")
    assert answer is not None
    expected = 404 if name in {"not-found", "no-such-page"} else 200
    assert answer.status == expected, (target, answer.status)
    assert page.evaluate("document.documentElement.lang") == lang, target
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if violations := _barriers(page, axe_source):
            found.append(_report(f"{target} at {width}px", lang, violations))
    assert found == [], "\n".join(found)
    assert session.requests[asked_before:], "the browser recorded no request for the page"
    assert session.foreign_requests(since=asked_before) == []


@pytest.mark.parametrize("lang", LANGS)
def test_signed_out_pages_have_no_serious_violation(
    open_session: OpenSession, live_node: LiveNode, axe_source: str, lang: str
) -> None:
    """The sign-in page, empty and after a refusal, and the public incidents page."""
    session = open_session("en-US")
    page = session.page
    _in_language(page, live_node.base_url, lang)
    _check(page, axe_source, "/login", lang)
    page.get_by_role("button", name=SIGN_IN[lang], exact=True).click()
    expect(page.locator("h1")).to_have_text(SIGN_IN[lang])
    _check(page, axe_source, "/login (refused)", lang)
    page.goto(f"{live_node.base_url}/incidents/public")
    _check(page, axe_source, "/incidents/public (signed out)", lang)
    assert session.foreign_requests() == []


@pytest.mark.parametrize("lang", LANGS)
def test_import_preview_has_no_serious_violation(
    open_session: OpenSession, live_node: LiveNode, axe_source: str, lang: str
) -> None:
    """The preview an import shows before anything is stored (a page only a POST reaches)."""
    session = open_session("en-US", signed_in_as=live_node.readers["JPN"])
    page = session.page
    _in_language(page, live_node.base_url, lang)
    page.goto(f"{live_node.base_url}/meetings/import")
    page.locator("input[name=file]").set_input_files(str(IMPORT_TEXT))
    page.locator("#import-preview").click()
    expect(page.locator("#preview-quality")).to_be_visible()
    _check(page, axe_source, "/meetings/import (preview)", lang)
    assert session.foreign_requests() == []


# (page, the fields to fill, the button): each form sent with a label the policy refuses,
# so the page comes back with its message and the input kept.
REFUSALS: list[tuple[str, dict[str, str], str]] = [
    (
        "/coordination/new",
        {"title_ja": "試験", "title_en": "A test", "label": "NO SUCH LEVEL"},
        "#submit-item",
    ),
    (
        "/incidents/new",
        {
            "#title_en": "A test",
            "#title_ja": "試験",
            "#occurred": "2026-12-01T13:40:00+09:00",
            "#learned": "2026-12-01T13:55:00+09:00",
            "#lon": "127.764",
            "#lat": "26.309",
            "#municipality": "473260",
            "#label": "NO SUCH LEVEL",
        },
        "#record",
    ),
    ("/intel/reports", {"name": "A test", "label": "NO SUCH LEVEL"}, "#create-reports"),
    # A release decision on the object's page (aoki is a releasing officer of JPN).
    ("/objects/{report}", {"#release-label": "NO SUCH LEVEL"}, "#release-submit"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("path", "fields", "button"), REFUSALS, ids=[p for p, _, _ in REFUSALS])
def test_refused_form_has_no_serious_violation(
    open_session: OpenSession,
    live_node: LiveNode,
    axe_source: str,
    path: str,
    fields: dict[str, str],
    button: str,
    lang: str,
) -> None:
    session = open_session("en-US", signed_in_as=live_node.readers["JPN"])
    page = session.page
    _in_language(page, live_node.base_url, lang)
    page.goto(f"{live_node.base_url}{path.format(**{o.name: o.id for o in live_node.objects})}")
    # A form folded in a <details> (the release decision) is opened as a reader does.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    for where, value in fields.items():
        selector = where if where.startswith("#") else f"[name={where}]"
        page.locator(selector).first.fill(value)
    page.locator(button).click()
    expect(page.locator(".error").first).to_be_visible()
    _check(page, axe_source, f"{path} (refused)", lang)
    assert session.foreign_requests() == []


def test_the_check_sees_a_violation_when_there_is_one(
    open_session: OpenSession, live_node: LiveNode, axe_source: str
) -> None:
    """A check that passes because axe did not run would pass everything: an unlabelled
    field put into a real page must be reported, with its selector."""
    page = open_session("en-US").page
    page.goto(f"{live_node.base_url}/login")
    page.evaluate(
        "html => document.querySelector('main').insertAdjacentHTML('beforeend', html)",
        '<input id="unlabelled-probe" type="text">',
    )
    violations = _barriers(page, axe_source)
    assert [(v["id"], v["targets"]) for v in violations] == [("label", ["#unlabelled-probe"])]
    assert "label (critical)" in _report("/login", "en", violations)


FOCUS_CHECK = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const box = el.getBoundingClientRect();
  if (box.height === 0) return '';
  // What a person sees at the field's centre: the field itself, or what covers it.
  const seen = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const clear = seen && (seen === el || el.contains(seen) || seen.contains(el));
  const over = seen ? seen.id || seen.tagName : 'nothing';
  if (!clear) return (el.id || el.name || el.tagName) + ' under ' + over;
  // And none of it under a banner (walk 48: a comment box showed its top line only).
  const top = document.getElementById('banner-top').getBoundingClientRect();
  const bottom = document.getElementById('banner-bottom').getBoundingClientRect();
  const room = bottom.top - top.bottom;
  const field = ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
  if (field && box.height <= room && (box.top < top.bottom - 1 || box.bottom > bottom.top + 1))
    return (el.id || el.name || el.tagName) + ' partly under a banner';
  return '';
}"""


@pytest.mark.parametrize(
    "path", ["/incidents/new", "/coordination/new", "/coordination/items/{answerable}"]
)
def test_a_field_reached_by_tab_is_never_under_a_banner(
    open_session: OpenSession, live_node: LiveNode, path: str
) -> None:
    """Walk 38: tabbing down a form at 390 px left the focused field under the sticky
    bottom banner, so what was typed could not be seen (WCAG 2.4.11). Walk 48: on an
    item's page the answer's comment box, inside the window, stayed partly under it."""
    session = open_session("ja-JP", signed_in_as=live_node.readers["JPN"])
    page = session.page
    for width, height in ((390, 800), (1280, 700)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_node.base_url}{path.format(**{o.name: o.id for o in live_node.objects})}")
        covered, reached = [], set()
        # Far enough down an item's page (its timeline's links come first) to reach
        # the answer's comment box (walk 48: it stayed under the bottom banner).
        for _ in range(250 if "{answerable}" in path else 80):
            page.keyboard.press("Tab")
            found = page.evaluate(FOCUS_CHECK)
            if found:
                covered.append(found)
            reached.add(page.evaluate("() => document.activeElement.name || ''"))
        assert covered == [], (path, width, covered)
        if "{answerable}" in path:
            assert "comment" in reached
