"""What a partner's user on this node hears when the coordination mechanism says no
(walk: a US coordinator answering on the JPN node read only "your role or clearance
does not allow it"; a user acknowledging for a body he is not in read "There is
nothing here" for an item he could see): the rule that refused, in their words."""

from __future__ import annotations

import html
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from kizuna.domains.coordination.service import coordination
from kizuna.errors import Refused
from kizuna.federation import peers as peer_service
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from tests.factories import bearer
from tests.factories.coordination import cast, item, member, sign_in_as

pytestmark = pytest.mark.sqlite_only


def _error(text: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', text, flags=re.DOTALL)
    assert found is not None, text
    return html.unescape(found.group(1))


def _usa_peered(node: Node) -> None:
    with node.db.write() as conn:
        peer_service.add_peer(
            conn,
            policy=node.policy,
            own_nation=node.nation,
            actor="test",
            nation="USA",
            url="https://usa.example",
            public_key_pem=public_key_pem(Ed25519PrivateKey.generate()),
            max_level="SECRET",
            compartments=[],
        )


def test_a_partner_answering_here_hears_that_their_nation_answers_on_its_own_node(
    node: Node, client: TestClient
) -> None:
    people = cast(node)
    member(node, "miller", nation="USA", roles=["author"], bodies=["usfj"])
    made = coordination(node).open_item(people["sato"][0], item())
    _usa_peered(node)
    for who in ("davis", "miller"):  # a coordinator, an author: both of the USA
        for lang, words in (
            ("en", "Your nation has its own node, peered with this one: answer there, so "
             "that both nodes hold the answer."),
            ("ja", "自国には、このノードと連接された自国のノードがあります。双方のノードが回答を"
             "保持するよう、自国のノードで回答してください。"),
        ):  # fmt: skip
            csrf = sign_in_as(node, client, who, lang)
            said = client.post(
                f"/coordination/items/{made.id}/respond",
                data={"csrf_token": csrf, "kind": "concur"},
            )
            assert said.status_code == 403, who
            assert _error(said.text).endswith(words), (who, _error(said.text))


def test_acknowledging_for_a_body_one_is_not_in_names_the_body(
    node: Node, client: TestClient
) -> None:
    people = cast(node)
    c = coordination(node)
    made = c.open_item(people["sato"][0], item())  # jjoc to usfj
    mori, mori_token = member(node, "mori", nation="JPN", roles=["author"], bodies=["mod-policy"])
    with pytest.raises(Refused, match="not a member of jjoc") as refused:
        c.acknowledge_receipt(mori, made.id, "jjoc")
    assert refused.value.field == "body"
    for lang, body_name, words in (
        ("en", "Japan Joint Operations Command (JJOC)", "you are not a member of this body."),
        ("ja", "自衛隊統合作戦司令部（JJOC）", "あなたはこの組織に所属していません。"),
    ):
        csrf = sign_in_as(node, client, "mori", lang)
        said = client.post(
            "/coordination/receipts/acknowledge",
            data={"csrf_token": csrf, "of": made.id, "body": "jjoc"},
        )
        assert said.status_code == 403
        error = _error(said.text)
        assert body_name in error, error
        assert words in error, error
    rest = client.post(
        "/api/v1/coordination/receipts/acknowledge",
        json={"of": made.id, "body": "jjoc"},
        headers=bearer(mori_token),
    )
    assert rest.status_code == 403
    assert "not a member of jjoc" in rest.json()["detail"]
    # A member of the body, of an item that did not reach it here: told so, by field.
    nothing = client.post(
        "/api/v1/coordination/receipts/acknowledge",
        json={"of": made.id, "body": "jjoc"},
        headers=bearer(people["ito"][1]),
    )
    assert nothing.status_code == 422, nothing.text
    assert nothing.json()["field"] == "body"
    # An item the reader may not see is nothing at all, whatever the body.
    hidden = c.open_item(people["sato"][0], item(label="SECRET//REL TO JPN", propose=False))
    for body in ("jjoc", "usfj", "acg"):
        missing = client.post(
            "/api/v1/coordination/receipts/acknowledge",
            json={"of": hidden.id, "body": body},
            headers=bearer(people["smith"][1]),
        )
        assert missing.status_code == 404, body
    # A bilateral body's member acknowledges what reached it here.
    shared = c.open_item(people["sato"][0], item(counterpart_body="acg"))
    kato = member(node, "kato", nation="JPN", roles=["author"], bodies=["acg"])[0]
    with pytest.raises(Refused, match="not a member of acg"):
        c.acknowledge_receipt(people["ito"][0], shared.id, "acg")
    assert c.acknowledge_receipt(kato, shared.id, "acg").object["acknowledged_by"] == "kato"


def test_a_partner_author_opening_an_item_here_hears_where_they_write(
    node: Node, client: TestClient
) -> None:
    cast(node)
    member(node, "miller", nation="USA", roles=["author"], bodies=["usfj"])
    for lang, words in (
        ("en", "Users of a partner nation write on their own nation's node; on this one "
         "they read what is released to them."),
        ("ja", "相手国の利用者は自国のノードで記入します。このノードでは、提供された情報を"
         "閲覧できます。"),
    ):  # fmt: skip
        sign_in_as(node, client, "miller", lang)
        refused = client.get("/coordination/new")
        assert refused.status_code == 403
        assert words in html.unescape(refused.text), refused.text
