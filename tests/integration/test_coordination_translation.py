"""An item written in one language, its translation requested (walk: "translation
requested" still asked for the English title): the other language's title and text
may be left out, show as awaiting translation, and the translator writes them when
verifying. Without a requested translation both titles stay required."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.coordination.inputs import TranslationVerify
from kizuna.domains.coordination.owner import check_item_body
from kizuna.domains.coordination.service import coordination
from kizuna.errors import Invalid
from kizuna.runtime import Node
from tests.factories import bearer
from tests.factories.coordination import cast, item, member, sign_in_as

pytestmark = pytest.mark.sqlite_only


def _error(text: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', text, flags=re.DOTALL)
    assert found is not None, text
    return html.unescape(found.group(1))


def _rest_body(**overrides: Any) -> dict[str, Any]:
    body = item().model_dump()
    del body["title_en"], body["body_en"]
    body.update({"source_lang": "ja", "translation": "requested", **overrides})
    return body


def test_a_requested_translation_leaves_the_other_title_out(node: Node, client: TestClient) -> None:
    people = cast(node)
    token = people["sato"][1]
    for body in (_rest_body(), _rest_body(title_en="")):
        made = client.post("/api/v1/coordination/items", json=body, headers=bearer(token))
        assert made.status_code == 201, made.text
        stored = made.json()["object"]
        assert (stored["name_ja"], stored["name"]) == ("九州の防空態勢", "")
        assert stored["x_kizuna_translation"]["status"] == "requested"
    # The source language's title is still required, and both without a request.
    unrequested = {k: v for k, v in _rest_body().items() if k != "translation"}
    for body, field in (
        (_rest_body(title_ja=""), "title_ja"),
        (unrequested, "title_en"),
        (_rest_body(translation="provisional"), "title_en"),
        (_rest_body(source_lang="en", title_ja=""), "title_en"),
    ):
        refused = client.post("/api/v1/coordination/items", json=body, headers=bearer(token))
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == field, refused.json()


def test_the_form_opens_it_and_the_page_shows_the_title_awaiting_translation(
    node: Node, client: TestClient
) -> None:
    cast(node)
    form = {
        "title_ja": "九州の防空態勢",
        "body_ja": "改訂態勢への同意を求める。",
        "requesting_body": "jjoc",
        "counterpart_body": "usfj",
        "region": "kyushu",
        "label": "SECRET//REL TO JPN, USA",
        "precedence": "ROUTINE",
        "source_lang": "ja",
    }
    for lang, words in (
        ("en", "Title (English): this field is required, unless the other language is "
         "“Translation requested”."),
        ("ja", "件名（英語）：入力してください（「もう一方の言語」で「翻訳依頼中」を選んだ"
         "場合は空欄にできます）。"),
    ):  # fmt: skip
        csrf = sign_in_as(node, client, "sato", lang)
        refused = client.post("/coordination/new", data={**form, "csrf_token": csrf})
        assert refused.status_code == 422
        assert words in _error(refused.text)
    csrf = sign_in_as(node, client, "sato", "en")
    made = client.post(
        "/coordination/new",
        data={**form, "csrf_token": csrf, "translation": "requested"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"]).text
    # An English reader sees the title it has, and the English one awaited.
    assert "<h1>九州の防空態勢</h1>" in page
    title = re.search(r'id="item-title-both".*?bi-flag[^<]*<', page, flags=re.DOTALL)
    assert title is not None, page
    assert 'data-status="requested"' in title.group(0)
    assert "Translation requested" in title.group(0)
    board = client.get("/coordination").text
    assert "九州の防空態勢" in board


def test_the_translator_writes_the_requested_title(node: Node, client: TestClient) -> None:
    people = cast(node)
    yamada = member(node, "yamada", nation="JPN", roles=["translator"], bodies=[])[0]
    c = coordination(node)
    made = c.open_item(people["sato"][0], item(title_en="", body_en="", translation="requested"))
    with pytest.raises(Invalid, match="translated title") as refused:
        c.verify_translation(yamada, made.id, TranslationVerify(body="Request concurrence."))
    assert refused.value.field == "title"
    for lang, words in (
        ("en", "Translated title: this field is required."),
        ("ja", "訳文の件名：入力してください。"),
    ):
        csrf = sign_in_as(node, client, "yamada", lang)
        said = client.post(
            f"/coordination/items/{made.id}/translation",
            data={"csrf_token": csrf, "body": "Request concurrence."},
        )
        assert said.status_code == 422
        assert words in _error(said.text)
    c.verify_translation(
        yamada,
        made.id,
        TranslationVerify(title="Air defence posture, Kyushu", body="Request concurrence."),
    )
    verified = node.store.get(people["sato"][0], made.id).object
    assert verified["name"] == "Air defence posture, Kyushu"
    assert verified["x_kizuna_translation"]["status"] == "verified"


def test_every_write_path_keeps_the_titles_rule(node: Node) -> None:
    """The owner rules: an item without a title is refused whatever path it took, but
    for the other language's while its translation is requested."""
    people = cast(node)
    c = coordination(node)
    made = c.open_item(people["sato"][0], item(title_en="", translation="requested"))
    body = dict(made.object)
    check_item_body(c.structure, body, "JPN")
    del body["x_kizuna_translation"]
    with pytest.raises(Invalid) as refused:
        check_item_body(c.structure, body, "JPN")
    assert refused.value.field == "name"
    with pytest.raises(Invalid) as refused:
        check_item_body(c.structure, {**made.object, "name_ja": " "}, "JPN")
    assert refused.value.field == "name_ja"
