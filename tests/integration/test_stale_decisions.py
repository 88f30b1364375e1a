"""A decision is on the version its taker saw (security test, finding 1): an author's
revision between the officer's reading and their release is not released unseen, nor
does a revision overwrite one written since its author read the object."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.db.schema import audit_log
from kizuna.runtime import Node
from tests.factories import PASSWORD, add_user, bearer, report, sign_in


def _refusals(node: Node) -> list[tuple[str | None, str]]:
    with node.db.read() as conn:
        rows = conn.execute(
            select(audit_log.c.target, audit_log.c.detail).where(audit_log.c.action == "refused")
        ).all()
    return [(r.target, r.detail) for r in rows]


@pytest.fixture
def authored(client: TestClient, node: Node) -> tuple[str, str]:
    """An object at JPN only (version 1), and its author's token."""
    _, author = add_user(node, "sato", clearance="SECRET", roles=["author"], password=PASSWORD)
    made = client.post(
        "/api/v1/objects",
        json={"object": report("Drill plan"), "label": "SECRET//REL TO JPN"},
        headers=bearer(author),
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"]), author


def _revise(client: TestClient, stix_id: str, token: str, name: str) -> None:
    answer = client.put(
        f"/api/v1/objects/{stix_id}",
        json={"object": {**report(name), "id": stix_id}},
        headers=bearer(token),
    )
    assert answer.status_code == 200, answer.text


def test_a_rest_release_of_a_version_no_longer_current_is_refused(
    client: TestClient, node: Node, authored: tuple[str, str]
) -> None:
    stix_id, author = authored
    _, officer = add_user(node, "ro", clearance="SECRET", roles=["releasing_officer"])
    seen = client.get(f"/api/v1/objects/{stix_id}", headers=bearer(officer))
    assert seen.headers["etag"] == '"1"'
    _revise(client, stix_id, author, "Drill plan, with the exercise area")
    stale = client.post(
        f"/api/v1/objects/{stix_id}/release",
        json={"label": "SECRET//REL TO JPN, USA", "version": 1},
        headers=bearer(officer),
    )
    assert stale.status_code == 409, stale.text
    assert "version 2 is now current" in stale.json()["detail"]
    assert stale.json()["field"] == "version"
    assert stale.headers["etag"] == '"2"'
    held = node.store.get(node.system, stix_id)
    assert (held.version, str(held.label.rel_to)) == (2, str(frozenset({"JPN"})))
    [(target, detail)] = _refusals(node)
    assert target == stix_id
    assert "release" in detail
    assert "version 2 is now current" in detail
    # The version now current, named: the release takes effect on it.
    done = client.post(
        f"/api/v1/objects/{stix_id}/release",
        json={"label": "SECRET//REL TO JPN, USA", "version": 2},
        headers=bearer(officer),
    )
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == '"3"'


def test_a_revision_names_the_version_it_revises(
    client: TestClient, node: Node, authored: tuple[str, str]
) -> None:
    stix_id, author = authored
    _revise(client, stix_id, author, "Drill plan, second")
    body = {"object": {**report("Drill plan, from version 1"), "id": stix_id}}
    stale = client.put(
        f"/api/v1/objects/{stix_id}", json={**body, "version": 1}, headers=bearer(author)
    )
    assert stale.status_code == 409, stale.text
    assert "version 2 is now current" in stale.json()["detail"]
    matched = client.put(
        f"/api/v1/objects/{stix_id}",
        json=body,
        headers={**bearer(author), "If-Match": '"1"'},
    )
    assert matched.status_code == 412, matched.text
    assert matched.headers["etag"] == '"2"'
    bad = client.put(
        f"/api/v1/objects/{stix_id}", json=body, headers={**bearer(author), "If-Match": "v1"}
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "If-Match"
    assert node.store.get(node.system, stix_id).version == 2
    assert len(_refusals(node)) == 2
    ok = client.put(
        f"/api/v1/objects/{stix_id}", json=body, headers={**bearer(author), "If-Match": '"2"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"3"'


def _error_text(page: str) -> str:
    found = re.search(r'id="release-error">(.*?)</p>', page, flags=re.DOTALL)
    return html.unescape(found.group(1)) if found else ""


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "the object changed after you read version 1: version 2, shown here now"),
        ("ja", "版1を読んだ後にオブジェクトが変更されました。現在の版は2で"),
    ],
)
def test_the_page_releases_the_version_it_showed(
    client: TestClient, node: Node, authored: tuple[str, str], lang: str, words: str
) -> None:
    """The race: the officer opens the page at version 1, the author revises, the
    officer's release is refused in their words, and the page shows version 2 with a
    form that now releases it."""
    stix_id, author = authored
    add_user(node, "ro", clearance="SECRET", roles=["releasing_officer"], password=PASSWORD)
    csrf = sign_in(client, "ro", lang=lang)
    page = client.get(f"/objects/{stix_id}").text
    found = re.search(r'name="version" id="release-version" value="(\d+)"', page)
    assert found
    assert found.group(1) == "1"
    _revise(client, stix_id, author, "Drill plan, with the exercise area")
    label = "SECRET//REL TO JPN, USA"
    form = {"csrf_token": csrf, "label": label, "version": found.group(1)}
    stale = client.post(f"/objects/{stix_id}/release", data=form)
    assert stale.status_code == 409
    assert words in _error_text(stale.text)
    assert 'id="release-version" value="2"' in stale.text
    assert "with the exercise area" in stale.text
    assert node.store.get(node.system, stix_id).version == 2
    assert len(_refusals(node)) == 1
    done = client.post(
        f"/objects/{stix_id}/release", data={**form, "version": "2"}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert node.store.get(node.system, stix_id).version == 3
