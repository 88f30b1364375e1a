"""Release decisions: only the originating nation's releasing officer, always audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.db.schema import audit_log
from kizuna.runtime import Node
from tests.factories import add_user, bearer, report


def _audit(node: Node, action: str) -> list[tuple[str, str | None, str]]:
    with node.db.read() as conn:
        rows = conn.execute(
            select(audit_log.c.actor, audit_log.c.target, audit_log.c.detail)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.seq)
        ).all()
    return [(r.actor, r.target, r.detail) for r in rows]


@pytest.fixture
def shared(client: TestClient, node: Node) -> str:
    """A JPN object already released to USA, so that USA users can see it."""
    _, officer = add_user(
        node, "ro-jpn", clearance="TOP SECRET", roles=["author", "releasing_officer"]
    )
    answer = client.post(
        "/api/v1/objects",
        json={"object": report("ACM options"), "label": "SECRET//REL TO JPN, USA"},
        headers=bearer(officer),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@pytest.mark.parametrize(
    ("name", "nation", "roles", "words"),
    [
        ("reader", "JPN", ["reader"], "only a releasing officer of JPN"),
        ("author", "JPN", ["author"], "only a releasing officer of JPN"),
        ("ro-usa", "USA", ["releasing_officer"], "only a releasing officer of JPN"),
    ],
)
def test_others_are_refused_and_audited(
    client: TestClient,
    node: Node,
    shared: str,
    name: str,
    nation: str,
    roles: list[str],
    words: str,
) -> None:
    _, token = add_user(node, name, nation=nation, clearance="TOP SECRET", roles=roles)
    answer = client.post(
        f"/api/v1/objects/{shared}/release",
        json={"label": "SECRET//REL TO JPN, USA, AUS"},
        headers=bearer(token),
    )
    assert answer.status_code == 403
    assert words in answer.json()["detail"]
    assert answer.json()["field"] == "label"
    refusals = _audit(node, "refused")
    assert [(actor, target) for actor, target, _ in refusals] == [(name, shared)]
    assert "store:object:release" in refusals[0][2]
    history = client.get(f"/api/v1/objects/{shared}/history", headers=bearer(token)).json()
    assert len(history["items"]) == 1


def test_the_originators_releasing_officer_releases_as_a_new_version(
    client: TestClient, node: Node, shared: str
) -> None:
    _, officer = add_user(node, "ro2", clearance="SECRET", roles=["releasing_officer"])
    answer = client.post(
        f"/api/v1/objects/{shared}/release",
        json={"label": "SECRET//REL TO JPN, USA, AUS"},
        headers=bearer(officer),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 2
    assert answer.json()["label"] == "SECRET//REL TO AUS, JPN, USA"
    releases = _audit(node, "object.release")
    assert [(actor, target) for actor, target, _ in releases] == [("ro2", shared)]
    assert "SECRET//REL TO JPN, USA" in releases[0][2]
    # An Australian reader now sees the new version, and only it.
    _, aus = add_user(node, "aus", nation="AUS", clearance="SECRET")
    history = client.get(f"/api/v1/objects/{shared}/history", headers=bearer(aus)).json()
    assert [v["version"] for v in history["items"]] == [2]


def test_creating_an_object_released_beyond_the_author_is_a_release_decision(
    client: TestClient, node: Node
) -> None:
    _, author = add_user(node, "author", clearance="SECRET", roles=["author"])
    answer = client.post(
        "/api/v1/objects",
        json={"object": report(), "label": "SECRET//REL TO JPN, USA"},
        headers=bearer(author),
    )
    assert answer.status_code == 403
    assert _audit(node, "refused")[0][0] == "author"


def test_a_release_above_the_officers_clearance_is_refused(
    client: TestClient, node: Node, shared: str
) -> None:
    _, officer = add_user(node, "ro-s", clearance="SECRET", roles=["releasing_officer"])
    answer = client.post(
        f"/api/v1/objects/{shared}/release",
        json={"label": "TOP SECRET//REL TO JPN, USA"},
        headers=bearer(officer),
    )
    assert answer.status_code == 403
    assert "above the clearance" in answer.json()["detail"]


def test_the_originating_nation_cannot_be_released_away(
    client: TestClient, node: Node, shared: str
) -> None:
    _, officer = add_user(node, "ro", clearance="SECRET", roles=["releasing_officer"])
    answer = client.post(
        f"/api/v1/objects/{shared}/release",
        json={"label": "SECRET//REL TO USA"},
        headers=bearer(officer),
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "label"
    assert "originating nation" in answer.json()["detail"]


def test_an_object_hidden_from_the_officer_is_not_found(client: TestClient, node: Node) -> None:
    _, top = add_user(node, "top", clearance="TOP SECRET", compartments=["BIAC"], roles=["author"])
    stix_id = client.post(
        "/api/v1/objects",
        json={"object": report(), "label": "TOP SECRET//BIAC"},
        headers=bearer(top),
    ).json()["id"]
    _, officer = add_user(node, "ro", clearance="SECRET", roles=["releasing_officer"])
    answer = client.post(
        f"/api/v1/objects/{stix_id}/release", json={"label": "SECRET"}, headers=bearer(officer)
    )
    assert answer.status_code == 404
    missing = client.post(
        "/api/v1/objects/report--00000000-0000-4000-8000-000000000000/release",
        json={"label": "SECRET"},
        headers=bearer(officer),
    )
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("no object")
    assert answer.json()["detail"].startswith("no object")
