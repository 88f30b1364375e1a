"""Every route under /events/{id}, REST and pages, GET and POST, answers an object of
another type as it answers a missing one: 404 "no event", nothing written (walk: the
CAP of an assessment was a 500, KeyError 'occurred'; its page rendered it as an
incident, "Kind Status (revision ) Occurred", and offered to compose its public
version)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.incidents.model import AckCreate
from kizuna.domains.incidents.service import incidents
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event
from tests.domains.incidents.test_events import PUBLIC, counts
from tests.factories import bearer, report, sign_in
from tests.factories.coordination import member

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

pytestmark = pytest.mark.sqlite_only

REST = {
    "": None,
    "/cap": None,
    "/updates": {"damage": "a car window"},
    "/cancel": {"reason_en": "Recorded in error", "reason_ja": "誤登録"},
    "/public": {"title_en": "t", "title_ja": "t", "description_en": "d", "description_ja": "d"},
    "/acknowledgements": {"addressee": "usfj", "comment": "seen"},
}
PAGES = {
    "": None,
    "/acknowledge": {"addressee": "usfj", "comment": "seen"},
    "/public": {"title_en": "t", "title_ja": "t", "description_en": "d", "description_ja": "d"},
    "/update": {"damage": "a car window"},
    "/cancel": {"reason_en": "Recorded in error", "reason_ja": "誤登録"},
}


@pytest.fixture
def web(usa: Node) -> Iterator[TestClient]:
    with TestClient(create_app(usa), headers=JAPANESE) as client:
        yield client


def test_an_object_of_another_type_is_no_event_on_any_route(usa: Node, web: TestClient) -> None:
    duty, token = member(
        usa, "duty", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"]
    )
    c = incidents(usa)
    made = c.record(duty, event())
    ack = c.acknowledge(duty, made.id, AckCreate(addressee="usfj"))
    public = c.release_public(duty, made.id, PUBLIC)
    other = usa.store.create(duty, report(), parse(usa.policy, "CONFIDENTIAL//REL TO USA"))
    csrf = sign_in(web, "duty", lang="en")
    before = counts(usa)
    for stix_id in (other.id, ack.id, public.id):
        for path, body in REST.items():
            url = f"/api/v1/incidents/events/{stix_id}{path}"
            got = (
                web.get(url, headers=bearer(token))
                if body is None
                else web.post(url, json=body, headers=bearer(token))
            )
            assert got.status_code == 404, (url, got.status_code, got.text[:200])
            assert f"no event {stix_id}" in got.json()["detail"], url
        for path, form in PAGES.items():
            url = f"/incidents/events/{stix_id}{path}"
            got = (
                web.get(url)
                if form is None
                else web.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
            )
            assert got.status_code == 404, (url, got.status_code)
            assert "Compose and release the public version" not in got.text, url
            assert "Occurred" not in got.text, url
    assert counts(usa) == before
    # The event itself still answers on each.
    assert web.get(f"/api/v1/incidents/events/{made.id}/cap", headers=bearer(token)).is_success
    assert web.get(f"/incidents/events/{made.id}").status_code == 200
