"""The generic object page offers a release decision only for the types whose owner takes
one through any path (walk: an incident's page offered the form, which always failed
with "Type: the value was not accepted."); a release posted anyway is refused with the
owner's message in the reader's language, on the page as over REST."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.incidents.service import incidents
from kizuna.runtime import Node
from kizuna.store.owners import Owners
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event
from tests.domains.incidents.test_events import PUBLIC, counts
from tests.factories import bearer, sign_in
from tests.factories.coordination import member

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

WIDER = "CONFIDENTIAL//REL TO JPN, USA, AUS"


def shown(page: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def web(usa: Node) -> Iterator[TestClient]:
    with TestClient(create_app(usa), headers=JAPANESE) as client:
        yield client


def test_the_registry_says_which_kinds_of_write_an_owner_keeps_to_itself() -> None:
    owners = Owners()
    owners.register("x-kept", domain="kept", endpoint="POST /kept")
    owners.register("x-open", domain="open", endpoint="POST /open", open_to=frozenset({"release"}))
    assert owners.closed_to("release", {"type": "x-kept"}) is not None
    assert owners.closed_to("accept", {"type": "x-kept"}) is None
    assert owners.closed_to("release", {"type": "x-open"}) is None
    assert owners.closed_to("revise", {"type": "x-open"}) is not None
    assert owners.closed_to("release", {"type": "note"}) is None
    assert owners.closed_to("release", "not a body") is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_event_takes_only_a_narrower_label_and_its_public_version_no_release_form(
    usa: Node, web: TestClient
) -> None:
    """The generic release form is offered where the owner takes a release: an event
    released too widely is narrowed there (walk 40 #5: nothing could narrow it), and
    a wider label is refused in the owner's words; the public version, whose label
    its own rules fix, is offered no form, and a forged release says why."""
    duty, token = member(
        usa, "clark", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"]
    )
    made = incidents(usa).record(duty, event())
    public = incidents(usa).release_public(duty, made.id, PUBLIC)
    csrf = sign_in(web, "clark", lang="en")
    assert 'id="release-submit"' in web.get(f"/objects/{made.id}").text
    assert 'id="release-submit"' not in web.get(f"/objects/{public.id}").text

    before = counts(usa)
    wider = web.post(f"/objects/{made.id}/release", data={"label": WIDER, "csrf_token": csrf})
    assert wider.status_code == 422
    assert "An event's label only narrows" in shown(wider.text)
    web.get("/lang/ja")
    japanese = shown(
        web.post(f"/objects/{public.id}/release", data={"label": WIDER, "csrf_token": csrf}).text
    )
    assert "事案の公表は専用の仕組み（incidents）に属し、その規則に従います。" in japanese
    assert "このページでは書き込めません。" in japanese
    rest = web.post(
        f"/api/v1/objects/{public.id}/release", json={"label": WIDER}, headers=bearer(token)
    )
    assert rest.status_code == 422
    assert "belong to the incidents mechanism" in rest.json()["detail"]
    assert counts(usa) == before

    narrowed = web.post(
        f"/api/v1/objects/{made.id}/release",
        json={"label": "SECRET//REL TO USA"},
        headers=bearer(token),
    )
    assert narrowed.status_code == 200, narrowed.text
    assert usa.store.get(duty, made.id).label_text == "SECRET//REL TO USA"
    # The event is still the mechanism's: its page and its follow-ups go on.
    assert web.get(f"/incidents/events/{made.id}").status_code == 200
