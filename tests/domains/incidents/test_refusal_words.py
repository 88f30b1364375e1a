"""Refusals on the incident pages in the reader's language: the service's own
sentence (for logs and the API) is on neither page."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.incidents.service import incidents
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event
from tests.factories import bearer, sign_in
from tests.factories.coordination import member

pytestmark = pytest.mark.sqlite_only

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

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
    with TestClient(create_app(usa), headers=JAPANESE) as web:
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


@SQLITE
@pytest.mark.parametrize(
    ("lang", "said"),
    [("ja", "この事案はすでに取り消されています。"), ("en", "the event is already cancelled.")],
)
def test_a_second_cancel_on_the_page_is_told_the_event_is_already_cancelled(
    usa: Node, lang: str, said: str
) -> None:
    """Walk: a second cancel (a page left open) answered "a cancelled event takes no
    update"; it is told, in its reader's language, that the event is already cancelled."""
    duty, _ = member(
        usa, "duty", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"]
    )
    made = incidents(usa).record(duty, event())
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        csrf = sign_in(web, "duty", lang=lang)
        form = {"reason_en": "Recorded in error", "reason_ja": "誤登録", "csrf_token": csrf}
        first = web.post(f"/incidents/events/{made.id}/cancel", data=form, follow_redirects=False)
        assert first.status_code == 303
        again = web.post(f"/incidents/events/{made.id}/cancel", data=form)
    assert again.status_code == 422
    assert said in again.text
    assert "takes no update" not in again.text
