"""The coordination pages in the reader's words: the open form offers
only the counterparts the rule accepts and says what is wrong with a refused one;
nations are named (日本 / United States), not coded; the node's own work and a
partner's node are named as such, not by their handles; an empty choice of regions is
said to be one; and the start page lists the notices it counts."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna.db.schema import objects
from kizuna.domains.coordination.inputs import DeterminationCreate, ResponseCreate
from kizuna.domains.coordination.model import ResponseKind
from kizuna.domains.coordination.rules import counterparts_for
from kizuna.domains.coordination.service import coordination
from kizuna.labels import parse
from kizuna.runtime import Node
from tests.factories import sign_in
from tests.factories.coordination import cast, item

pytestmark = pytest.mark.sqlite_only

FORM = {
    "title_ja": "九州の防空態勢",
    "title_en": "Air defence posture, Kyushu",
    "requesting_body": "jjoc",
    "counterpart_body": "usfj",
    "region": "kyushu",
    "label": "SECRET//REL TO JPN, USA",
    "propose": "1",
}


def _objects(node: Node) -> int:
    with node.db.read() as conn:
        return conn.execute(select(func.count()).select_from(objects)).scalar_one()


def _options(page: str, name: str) -> list[str]:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, name
    return re.findall(r'<option value="([^"]*)"', found.group(1))


def _options_html(page: str, name: str) -> list[str]:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, name
    return re.findall(r"<option [^>]*>", found.group(1))


def _properties(page: str) -> str:
    """The object page's properties as read (the STIX JSON below them is as sent)."""
    return _text(page.split('<dl class="facts properties">', 1)[1].split("</dl>\n<details", 1)[0])


def _text(page: str) -> str:
    """What a reader reads: the page without its tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_open_form_offers_only_counterparts_the_rule_accepts(
    node: Node, client: TestClient
) -> None:
    cast(node)
    structure = coordination(node).structure
    csrf = sign_in(client, "sato", lang="ja")
    form = client.get("/coordination/new").text
    # sato opens for JJOC first (then the MOD policy bureau): JJOC's counterparts only.
    assert _options(form, "requesting_body") == ["jjoc", "mod-policy"]
    offered = _options(form, "counterpart_body")
    assert offered == counterparts_for(structure, "JPN", "jjoc")
    assert {"usfj", "acg", "scc"} <= set(offered)
    assert not {"jjoc", "nss", "mod-policy", "osd-policy"} & set(offered)
    # Whose each body is, in the reader's language.
    assert "在日米軍（統合軍司令部）（米国）" in form
    assert "（日米共同）" in form
    assert "(bilateral)" not in form
    assert "(USA)" not in form
    # Another requesting body asks the page again; only the counterpart list is swapped.
    assert 'hx-trigger="change changed"' in form
    assert 'hx-get="/coordination/new"' in form
    assert 'hx-select="#counterpart-body"' in form
    other = client.get("/coordination/new?requesting_body=mod-policy").text
    assert _options(other, "counterpart_body") == counterparts_for(structure, "JPN", "mod-policy")
    assert "osd-policy" in _options(other, "counterpart_body")
    assert "usfj" not in _options(other, "counterpart_body")
    # The counterpart chosen stays chosen where it fits the other requesting body.
    kept = client.get("/coordination/new?requesting_body=mod-policy&counterpart_body=acg").text
    assert '<option value="acg" selected>' in kept
    gone = client.get("/coordination/new?requesting_body=mod-policy&counterpart_body=usfj").text
    assert "selected>" not in "".join(_options_html(gone, "counterpart_body"))
    # A body that is not the reader's is not chosen for them.
    assert _options(client.get("/coordination/new?requesting_body=nss").text, "counterpart_body")
    # The label is offered as a Japanese reader writes one, and it is the same label:
    # this nation's alone, and "propose" not ticked (walk 42: a releasing officer who
    # filled in only the titles released the item to the US without deciding to).
    label = re.search(r'name="label" value="([^"]*)"', form)
    assert label
    assert label.group(1) == "指定なし//提供可：日本"
    assert parse(node.policy, label.group(1)) == parse(node.policy, "UNCLASSIFIED//REL TO JPN")
    assert re.search(r'name="propose" value="1"\s*>', form)

    before = _objects(node)
    itself = client.post(
        "/coordination/new", data={**FORM, "counterpart_body": "jjoc", "csrf_token": csrf}
    )
    assert itself.status_code == 422
    assert (
        "カウンターパート：要請元の組織自身はカウンターパートにできません。別の組織を選んでください。"
        in itself.text
    )
    # The form comes back with what was typed, and still offers JJOC's counterparts.
    assert "九州の防空態勢" in itself.text
    assert _options(itself.text, "counterpart_body") == offered
    assert _objects(node) == before
    client.get("/lang/en")
    said = client.post(
        "/coordination/new", data={**FORM, "counterpart_body": "jjoc", "csrf_token": csrf}
    ).text
    assert "Counterpart body: the counterpart cannot be the requesting body itself" in said
    assert 'value="UNCLASSIFIED//REL TO JPN"' in client.get("/coordination/new").text
    assert _objects(node) == before
    # A body offered is accepted: the item is opened.
    made = client.post(
        "/coordination/new", data={**FORM, "counterpart_body": offered[0], "csrf_token": csrf}
    )
    assert made.status_code == 200
    assert "/coordination/items/" in str(made.url)


def test_a_refused_language_choice_names_the_field_as_the_form_does(
    node: Node, client: TestClient
) -> None:
    """Walk 40: refusals read "source_lang：表示されている選択肢から選んでください" and
    "translation：…": the fields' codes, not their labels."""
    cast(node)
    csrf = sign_in(client, "sato", lang="ja")
    before = _objects(node)
    for field, ja, en in (
        ("source_lang", "原文の言語", "Written in"),
        ("translation", "もう一方の言語", "The other language"),
    ):
        sent = {**FORM, field: "xx", "csrf_token": csrf}
        client.get("/lang/ja")
        said = _text(client.post("/coordination/new", data=sent).text)
        assert f"{ja}：" in said
        assert field not in said
        client.get("/lang/en")
        said = _text(client.post("/coordination/new", data=sent).text)
        assert f"{en}: choose one of the offered values." in said
        assert f"{field}:" not in said
    assert _objects(node) == before


def test_the_item_page_names_nations_and_the_nodes_own_work_in_words(
    node: Node, client: TestClient
) -> None:
    people = cast(node)
    c = coordination(node)
    # Opened by the node itself (as an import or a scheduled job would): system@JPN.
    made = c.open_item(node.system, item())
    c.respond(
        people["davis"][0],
        made.id,
        ResponseCreate(kind=ResponseKind.NON_CONCUR, comment="Not before the exercise."),
    )
    sign_in(client, "sato", lang="ja")
    page = client.get(f"/coordination/items/{made.id}").text
    read = _text(page)
    assert re.search(r'id="item-needs">米国<', page)
    assert "米国の回答：不同意 — Not before the exercise." in read
    assert "このノード（自動）" in read
    assert 'title="system@JPN"' in page
    assert "system@JPN" not in read
    assert "回答： USA" not in read
    # The object page's history names the author the same way.
    history = _text(client.get(f"/objects/{made.id}").text)
    assert "このノード（自動）" in history
    assert "system@JPN" not in history
    assert "日本" in history  # the originating nation

    sign_in(client, "davis", lang="en")
    read = _text(client.get(f"/coordination/items/{made.id}").text)
    assert "Answers needed from" in read
    assert "United States" in read
    assert "Answer (United States): Non-concur — Not before the exercise." in read
    assert "this node (automatic)" in read


def test_the_regions_page_names_the_nations(node: Node, client: TestClient) -> None:
    cast(node)
    sign_in(client, "sato", lang="ja")
    page = client.get("/coordination/regions").text
    heads = re.findall(r'<th scope="col" data-nation="(\w+)">([^<]+)</th>', page)
    assert heads == [("JPN", "日本"), ("USA", "米国")]
    assert "日本の事態認定を記録" in page
    assert "JPNの事態認定" not in page
    assert 'name="label" value="指定なし//提供可：日本"' in page
    client.get("/lang/en")
    page = client.get("/coordination/regions").text
    heads = re.findall(r'<th scope="col" data-nation="(\w+)">([^<]+)</th>', page)
    assert heads == [("JPN", "Japan"), ("USA", "United States")]
    assert "Record a determination of Japan" in page


def test_a_determination_of_no_region_is_refused_saying_so(node: Node, client: TestClient) -> None:
    cast(node)
    csrf = sign_in(client, "sato", lang="ja")
    before = _objects(node)
    refused = client.post(
        "/coordination/determinations",
        data={
            "kind": "jpn-gray-zone",
            "determining_body": "jjoc",
            "label": "SECRET//REL TO JPN, USA",
            "csrf_token": csrf,
        },
    )
    assert refused.status_code == 422
    assert "地域：一つ以上選んでください。" in refused.text
    assert "この値は受け付けられません" not in refused.text
    assert _objects(node) == before
    client.get("/lang/en")
    refused = client.post(
        "/coordination/determinations",
        data={"kind": "jpn-gray-zone", "determining_body": "jjoc", "csrf_token": csrf},
    )
    assert "Regions: choose at least one." in refused.text
    assert _objects(node) == before


def test_the_start_page_lists_the_notices_it_counts(node: Node, client: TestClient) -> None:
    people = cast(node)
    c = coordination(node)
    sato = people["sato"][0]
    # Two items addressed to USFJ, and a third in a compartment davis does not hold.
    first = c.open_item(sato, item(title_en="Port access", title_ja="港湾使用"))
    second = c.open_item(sato, item(title_en="Air corridor", title_ja="航空回廊"))
    hidden = c.open_item(
        node.system,
        item(title_en="Compartmented request", label="SECRET//BIAC//REL TO JPN, USA"),
    )
    sign_in(client, "davis", lang="en")
    start = client.get("/").text
    panel = re.search(
        r'<section class="card panel" id="coordination-notices".*?</section>', start, re.S
    )
    assert panel
    shown = panel.group(0)
    assert 'data-count="2"' in shown
    assert f"/coordination/items/{first.id}" in shown
    assert f"/coordination/items/{second.id}" in shown
    assert "A new item for your body:" in shown
    assert "Port access" in shown
    assert "Air corridor" in shown
    assert hidden.id not in start
    assert "Compartmented request" not in start
    # The newest first, as the notifications page lists them.
    assert shown.index("Air corridor") < shown.index("Port access")
    client.get("/lang/ja")
    shown = client.get("/").text
    assert "所属組織あての新しい調整案件：" in shown
    assert "港湾使用" in shown
    assert "航空回廊" in shown


def test_bodies_regions_and_determinations_read_by_name_on_the_object_page(
    node: Node, client: TestClient
) -> None:
    """Walk 41 left the structure's codes (`usfj`, `jpn-gray-zone`) on /objects/{id}."""
    people = cast(node)
    c = coordination(node)
    made = c.open_item(people["sato"][0], item())
    determined = c.determine(
        people["sato"][0],
        DeterminationCreate(kind="jpn-gray-zone", regions=["kyushu"], determining_body="jjoc",
                            label="SECRET//REL TO JPN, USA"),
    )  # fmt: skip
    sign_in(client, "sato", lang="ja")
    page = _properties(client.get(f"/objects/{made.id}").text)
    assert "在日米軍（統合軍司令部）" in page
    assert "自衛隊統合作戦司令部（JJOC）" in page
    assert not re.search(r"\b(usfj|jjoc)\b", page)
    page = _properties(client.get(f"/objects/{determined.id}").text)
    assert "グレーゾーン事態" in page
    assert "九州" in page
    assert "jpn-gray-zone" not in page
    client.get("/lang/en")
    page = _properties(client.get(f"/objects/{made.id}").text)
    assert "U.S. Forces Japan (joint force headquarters)" in page
