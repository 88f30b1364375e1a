"""What the coordination pages say, in both languages: a refusal names the field as the
form calls it and the real problem; Japanese reads in Japanese typography; counts
agree with their number; a misspelt filter is refused; an empty row is not shown."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.coordination.inputs import ResponseCreate, RfiCreate
from kizuna.domains.coordination.service import coordination
from kizuna.runtime import Node
from tests.factories import bearer
from tests.factories.coordination import cast, item, member, sign_in_as

pytestmark = pytest.mark.sqlite_only


def _error(text: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', text, flags=re.DOTALL)
    assert found is not None, text
    return html.unescape(found.group(1))


def _item_waiting_for_a_request(node: Node, people: dict[str, Any]) -> Any:
    """An item of sato's whose clock a request of his (to USFJ) has stopped."""
    c = coordination(node)
    made = c.open_item(people["sato"][0], item())
    c.ask(people["sato"][0], RfiCreate(
        title_en="Which runway?", title_ja="使用滑走路は", asking_body="jjoc",
        addressed_body="usfj", coordination_item=made.id,
    ))  # fmt: skip
    return made


def _tasker(csrf: str, coordination_item: str, label: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "title_en": "Brief",
        "title_ja": "説明",
        "issuing_body": "jjoc",
        "opr": "usfj",
        "suspense": "2099-01-01T09:00",
        "precedence": "ROUTINE",
        "coordination_item": coordination_item,
        "label": label,
    }


def test_a_label_beside_an_item_is_named_as_the_problem_and_hides_no_item(
    node: Node, client: TestClient
) -> None:
    people = cast(node)
    c = coordination(node)
    secret = c.open_item(people["sato"][0], item(label="SECRET//REL TO JPN, USA"))
    member(node, "mori", nation="JPN", roles=["author"], bodies=["jjoc"], clearance="CONFIDENTIAL")
    label = "CONFIDENTIAL//REL TO JPN, USA"
    csrf = sign_in_as(node, client, "sato", "en")
    said = client.post("/coordination/taskers", data=_tasker(csrf, secret.id, label))
    assert said.status_code == 422
    assert _error(said.text) == (
        "Nothing was recorded. Label: leave it empty when you name a coordination item; "
        "the item's label applies."
    )
    csrf = sign_in_as(node, client, "sato", "ja")
    said = client.post("/coordination/taskers", data=_tasker(csrf, secret.id, label))
    assert "区分：調整案件を指定したときは空欄にしてください（案件の区分が付きます）。" in said.text
    # A reader who may not read the item hears what a made-up id would have them hear.
    csrf = sign_in_as(node, client, "mori", "en")
    hidden = client.post("/coordination/taskers", data=_tasker(csrf, secret.id, label))
    made_up = "x-kizuna-coordination-item--00000000-0000-4000-8000-000000000000"
    missing = client.post("/coordination/taskers", data=_tasker(csrf, made_up, label))
    assert hidden.status_code == missing.status_code
    assert _error(hidden.text) == _error(missing.text)
    assert "leave it empty" not in hidden.text


def test_verifying_a_requested_translation_without_its_text_names_the_box(
    node: Node, client: TestClient
) -> None:
    people = cast(node)
    member(node, "yamada", nation="JPN", roles=["translator"], bodies=[])
    c = coordination(node)
    made = c.open_item(people["sato"][0], item(translation="requested", body_en=""))
    for lang, words in (
        ("en", "Translated text: this field is required."),
        ("ja", "訳文：入力してください。"),
    ):
        csrf = sign_in_as(node, client, "yamada", lang)
        said = client.post(
            f"/coordination/items/{made.id}/translation", data={"csrf_token": csrf, "body": ""}
        )
        assert said.status_code == 422
        assert words in _error(said.text)


def test_notices_and_the_timeline_read_in_japanese_typography(
    node: Node, client: TestClient
) -> None:
    people = cast(node)
    c = coordination(node)
    made = c.open_item(people["sato"][0], item())
    c.respond(people["davis"][0], made.id, ResponseCreate(kind="non_concur", comment="Closed."))
    sign_in_as(node, client, "sato", "ja")
    notices = client.get("/coordination/notifications").text
    assert re.search(r"案件への回答：\s*<a", notices)
    assert not re.search(r":\s*<a href=\"/coordination/items/", notices)
    page = client.get(f"/coordination/items/{made.id}").text
    assert re.search(r"版 1：[^<,]+、[^<,]+</td>", page)
    assert "（算入済み）" in page
    assert "(算入済み)" not in page
    # English reads as it did.
    sign_in_as(node, client, "sato", "en")
    page = client.get(f"/coordination/items/{made.id}").text
    assert re.search(r"Version 1: [^<]+, [^<]+</td>", page)
    assert "(counted)" in page
    notices = client.get("/coordination/notifications").text
    assert re.search(r"An answer to your item:\s*<a", notices)


def test_words_in_brackets_take_the_readers_brackets(node: Node, client: TestClient) -> None:
    """Walk 35: the RFI's state and the escalation step's due time sat in ASCII
    brackets on the Japanese timeline. Every bracketed word goes through one message:
    「（回答待ち）」 in Japanese, " (open)" in English."""
    made = _item_waiting_for_a_request(node, cast(node))
    sign_in_as(node, client, "sato", "ja")
    page = client.get(f"/coordination/items/{made.id}").text
    rows = re.findall(r'<tr class="ev-(?:rfi|escalation)">(.*?)</tr>', page, flags=re.DOTALL)
    assert rows, page  # the RFI (an escalation step shows once it fires)
    for row in rows:
        shown = re.sub(r"<[^>]+>", "", row)
        assert "(" not in shown, shown
        assert "（" in shown, shown
    sign_in_as(node, client, "sato", "en")
    page = client.get(f"/coordination/items/{made.id}").text
    rows = re.findall(r'<tr class="ev-(?:rfi|escalation)">(.*?)</tr>', page, flags=re.DOTALL)
    assert all(re.search(r"\S \(", re.sub(r"<[^>]+>", "", r)) for r in rows), rows


def test_a_concurred_item_shows_no_stopped_clock(node: Node, client: TestClient) -> None:
    """Walk 36: concurred while a request was still open, the item said its clock was
    stopped by the request. Only an item that still waits has a clock."""
    people = cast(node)
    c = coordination(node)
    made = _item_waiting_for_a_request(node, people)
    sign_in_as(node, client, "sato", "en")
    assert 'id="clock-stopped"' in client.get(f"/coordination/items/{made.id}").text
    c.respond(people["davis"][0], made.id, ResponseCreate(kind="concur"))
    assert node.store.get(node.system, made.id).object["state"] == "concurred"
    assert 'id="clock-stopped"' not in client.get(f"/coordination/items/{made.id}").text


def test_one_tasker_is_counted_in_the_singular(node: Node, client: TestClient) -> None:
    cast(node)
    csrf = sign_in_as(node, client, "sato", "en")
    assert "0 taskers you may read" in client.get("/coordination/taskers").text
    data = _tasker(csrf, "", "SECRET//REL TO JPN, USA")
    posted = client.post("/coordination/taskers", data=data, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    listed = client.get("/coordination/taskers").text
    assert "1 tasker you may read" in listed
    assert "1 taskers" not in listed
    sign_in_as(node, client, "sato", "ja")
    assert "閲覧できるタスキング：1件" in client.get("/coordination/taskers").text


def test_one_request_is_counted_in_the_singular(node: Node, client: TestClient) -> None:
    """Walk 36: "1 requests you may read"."""
    people = cast(node)
    sign_in_as(node, client, "sato", "en")
    assert "0 requests you may read" in client.get("/coordination/rfis").text
    coordination(node).ask(people["sato"][0], RfiCreate(
        title_en="Which runway?", title_ja="使用滑走路は", asking_body="jjoc",
        addressed_body="usfj", label="SECRET//REL TO JPN, USA",
    ))  # fmt: skip
    listed = client.get("/coordination/rfis").text
    assert "1 request you may read" in listed
    assert "1 requests" not in listed
    sign_in_as(node, client, "sato", "ja")
    assert "閲覧できる情報要求：1件" in client.get("/coordination/rfis").text


def test_an_unknown_tier_or_region_is_refused_like_an_unknown_state(
    node: Node, client: TestClient
) -> None:
    people = cast(node)
    sign_in_as(node, client, "sato", "en")
    for query, field in (("tier=x", "Tier"), ("state=bogus", "State")):
        said = client.get(f"/coordination?{query}")
        assert said.status_code == 422, query
        assert f"{field}: choose one of the offered values." in said.text
    assert client.get("/coordination?tier=operational").status_code == 200
    token = people["sato"][1]
    for query, field in (("tier=x", "tier"), ("region=atlantis", "region")):
        said = client.get(f"/api/v1/coordination/items?{query}", headers=bearer(token))
        assert (said.status_code, said.json()["field"]) == (422, field)


def test_an_item_without_domains_shows_no_domains_row(node: Node, client: TestClient) -> None:
    people = cast(node)
    c = coordination(node)
    bare = c.open_item(people["sato"][0], item(domains=[]))
    some = c.open_item(people["sato"][0], item(domains=["air", "cyber"]))
    sign_in_as(node, client, "sato", "ja")
    assert "<dt>領域</dt>" not in client.get(f"/coordination/items/{bare.id}").text
    page = client.get(f"/coordination/items/{some.id}").text
    assert re.search(r"<dt>領域</dt><dd>[^<,]+、[^<,]+</dd>", page)
