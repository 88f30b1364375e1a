"""A coordination title is shown as written (walk 48 #2): a right-to-left override
(U+202E) reversed 「‮テスト」 on another reader's board. Titles of items, RFIs, taskers
and determinations refuse bidirectional controls on every path, naming the field:
the forms and REST through their inputs, any other path (a generic PUT, a peer's
arrival) through the owner's rules."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from kizuna.db.schema import objects
from kizuna.domains.coordination.inputs import RfiCreate, TaskerCreate
from kizuna.domains.coordination.owner import check_item_body
from kizuna.domains.coordination.service import coordination
from kizuna.domains.coordination.staff_owner import check_rfi_body
from kizuna.errors import Invalid
from kizuna.runtime import Node
from tests.factories import bearer
from tests.factories.coordination import cast, item, sign_in_as

pytestmark = pytest.mark.sqlite_only

REVERSED = "\u202eテスト"


def _objects(node: Node) -> int:
    with node.db.read() as conn:
        return conn.execute(select(func.count()).select_from(objects)).scalar_one()


def test_an_items_title_with_a_bidi_control_is_refused_naming_the_field(
    node: Node, client: TestClient
) -> None:
    people = cast(node)
    before = _objects(node)
    rest = client.post(
        "/api/v1/coordination/items",
        json={**item().model_dump(), "title_ja": REVERSED},
        headers=bearer(people["sato"][1]),
    )
    assert rest.status_code == 422, rest.text
    assert "title_ja" in rest.text
    assert "U+202E" in rest.text
    csrf = sign_in_as(node, client, "sato", "en")
    form = {
        "title_ja": "九州の防空態勢",
        "title_en": "Air \u2067defence",
        "requesting_body": "jjoc",
        "counterpart_body": "usfj",
        "region": "kyushu",
        "label": "SECRET//REL TO JPN, USA",
        "domains": ["air"],
        "csrf_token": csrf,
    }
    page = client.post("/coordination/new", data=form)
    assert page.status_code == 422
    assert "Title (English)" in page.text
    assert "remove U+2067" in page.text
    assert 'value="九州の防空態勢"' in page.text  # what was typed is kept
    assert _objects(node) == before


def test_other_titles_refuse_them_and_the_owner_judges_every_other_path(node: Node) -> None:
    people = cast(node)
    sato = people["sato"][0]
    for model, values in (
        (RfiCreate, {"asking_body": "jjoc", "addressed_body": "usfj"}),
        (
            TaskerCreate,
            {
                "issuing_body": "jjoc",
                "opr": "usfj",
                "suspense": datetime.now(UTC) + timedelta(days=2),
            },
        ),
    ):
        with pytest.raises(ValidationError, match="U\\+202E") as refused:
            model(title_en="A question", title_ja=REVERSED, **values)
        assert refused.value.errors()[0]["loc"] == ("title_ja",)
    c = coordination(node)
    made = c.open_item(sato, item())
    forged = copy.deepcopy(made.object)
    forged["name"] = "\u202aposture"
    with pytest.raises(Invalid, match="U\\+202A") as refused_item:
        check_item_body(c.structure, forged, "JPN")
    assert refused_item.value.field == "name"
    rfi = {
        "type": "x-kizuna-rfi",
        "name": "A question",
        "name_ja": REVERSED,
        "asking_body": "jjoc",
        "addressed_body": "usfj",
        "precedence": "ROUTINE",
        "state": "open",
    }
    with pytest.raises(Invalid, match="U\\+202E") as refused_rfi:
        check_rfi_body(c.structure, rfi, "JPN")
    assert refused_rfi.value.field == "name_ja"
