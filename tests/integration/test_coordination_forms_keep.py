"""A refused coordination form comes back with every choice kept (walk 48 #4): an RFI
reply's tick "this reply answers the question" and its body, a tasker status's office
and status, the item page's RFI form's bodies and precedence."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.coordination.inputs import RfiCreate, TaskerCreate
from kizuna.domains.coordination.service import coordination
from kizuna.runtime import Node
from tests.factories.coordination import cast, item, sign_in_as

pytestmark = pytest.mark.sqlite_only


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert select, name
    chosen = re.findall(r'<option value="([^"]+)"\s*selected', select.group(1))
    assert len(chosen) == 1, (name, chosen)
    return chosen[0]


def test_refused_forms_keep_every_choice(node: Node, client: TestClient) -> None:
    people = cast(node)
    c = coordination(node)
    sato = people["sato"][0]
    made = c.open_item(sato, item())
    rfi = c.ask(sato, RfiCreate(
        title_en="Which runway?", title_ja="使用滑走路は", asking_body="jjoc",
        addressed_body="mod-policy", coordination_item=made.id,
    ))  # fmt: skip
    tasker = c.issue_tasker(sato, TaskerCreate(
        title_en="Brief", title_ja="説明", issuing_body="jjoc", opr="mod-policy",
        suspense=datetime.now(UTC) + timedelta(days=3), coordination_item=made.id,
    ))  # fmt: skip
    csrf = sign_in_as(node, client, "sato", "en")

    reply = client.post(
        f"/coordination/rfis/{rfi.id}/reply",
        data={"body": "mod-policy", "answers": "1", "csrf_token": csrf},
    )
    assert reply.status_code == 422
    assert re.search(r'id="reply-answers"\s*checked', reply.text)
    assert _selected(reply.text, "body") == "mod-policy"

    status = client.post(
        f"/coordination/taskers/{tasker.id}/status",
        data={"office": "mod-policy", "status": "cannot_meet", "csrf_token": csrf},
    )
    assert status.status_code == 422
    assert _selected(status.text, "status") == "cannot_meet"
    assert _selected(status.text, "office") == "mod-policy"

    asked = client.post(
        f"/coordination/items/{made.id}/rfis",
        data={
            "title_ja": "質問",
            "asking_body": "mod-policy",
            "addressed_body": "jjoc",
            "precedence": "FLASH",
            "csrf_token": csrf,
        },
    )
    assert asked.status_code == 422
    assert _selected(asked.text, "asking_body") == "mod-policy"
    assert _selected(asked.text, "addressed_body") == "jjoc"
    assert _selected(asked.text, "precedence") == "FLASH"
