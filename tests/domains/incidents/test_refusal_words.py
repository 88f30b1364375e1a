"""Refusals on the incident pages in the reader's language: the service's own
sentence (for logs and the API) is on neither page."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event
from tests.factories import bearer, sign_in
from tests.factories.coordination import member

# Page text, not storage: one database is enough.
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE
@pytest.mark.parametrize(
    ("lang", "said"),
    [("ja", "あなたはこの組織に所属していません。"), ("en", "You are not a member of this body.")],
)
def test_an_acknowledgement_for_a_body_one_is_not_in_is_refused_in_the_readers_language(
    usa: Node, lang: str, said: str
) -> None:
    _, token = member(
        usa, "duty", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"]
    )
    member(usa, "g7", nation="USA", roles=["author"], bodies=["mcipac"])
    with TestClient(create_app(usa)) as web:
        body = json.loads(event().model_dump_json())
        made = web.post("/api/v1/incidents/events", json=body, headers=bearer(token))
        assert made.status_code == 201, made.text
        stix_id = made.json()["id"]
        web.cookies.clear()
        csrf = sign_in(web, "g7", lang=lang)
        refused = web.post(
            f"/incidents/events/{stix_id}/acknowledge",
            data={"addressee": "usfj", "comment": "了解", "csrf_token": csrf},
        )
    assert refused.status_code == 403  # a refusal, as over REST
    assert said in refused.text
    # The service's own sentence (for logs and the API) is on neither page.
    assert "not a member of usfj" not in refused.text
