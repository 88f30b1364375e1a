"""Release decisions: only the originating nation's releasing officer, always audited."""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.db.schema import audit_log
from kizuna.runtime import Node
from tests.factories import PASSWORD, add_user, bearer, report, sign_in


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


def _release_form(page: str) -> bool:
    return 'action="/objects/' in page and 'id="release-submit"' in page


def test_a_releasing_officer_takes_the_decision_on_the_objects_page(
    client: TestClient, node: Node, shared: str
) -> None:
    """Walk 36: only REST took a release decision. The object's page offers it to a
    releasing officer of the object's nation, in either language; a refused label comes
    back on the page, named, as typed, with nothing changed; others see no form and are
    refused by the store as on every other path."""
    add_user(node, "ro3", clearance="SECRET", roles=["releasing_officer"], password=PASSWORD)
    add_user(node, "tanaka", clearance="SECRET", roles=["author"], password=PASSWORD)
    csrf = sign_in(client, "ro3", lang="ja")
    page = client.get(f"/objects/{shared}").text
    assert _release_form(page)
    assert 'value="極秘//提供可：日本、米国"' in page
    bad = "極秘//提供可：日本、火星"
    refused = client.post(f"/objects/{shared}/release", data={"csrf_token": csrf, "label": bad})
    assert refused.status_code == 422
    assert 'id="release-error"' in refused.text
    assert "新しい区分" in refused.text
    assert f'value="{bad}"' in refused.text
    assert len(node.store.history(node.system, shared)) == 1
    done = client.post(
        f"/objects/{shared}/release",
        data={"csrf_token": csrf, "label": "極秘//提供可：日本"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/objects/{shared}?done=released"
    assert str(node.store.get(node.system, shared).label.rel_to) == str(frozenset({"JPN"}))
    assert 'id="released"' in client.get(done.headers["location"]).text
    # The label it has already: said so, not "write a label the policy knows" (walk 39).
    same = client.post(
        f"/objects/{shared}/release", data={"csrf_token": csrf, "label": "極秘//提供可：日本"}
    )
    assert same.status_code == 422
    assert "すでにこの区分です" in _error_text(same.text)
    assert [a for a, t, _ in _audit(node, "object.release") if t == shared] == ["ro3"]
    # An author is offered nothing, and a forged form is refused and audited.
    csrf = sign_in(client, "tanaka", lang="en")
    assert not _release_form(client.get(f"/objects/{shared}").text)
    forged = client.post(
        f"/objects/{shared}/release", data={"csrf_token": csrf, "label": "SECRET//REL TO JPN, USA"}
    )
    assert forged.status_code == 403
    assert "releasing officer" in _error_text(forged.text), forged.text[-3000:]
    assert node.store.get(node.system, shared).version == 2


def _error_text(page: str) -> str:
    found = re.search(r'id="release-error">(.*?)</p>', page, flags=re.DOTALL)
    return html.unescape(found.group(1)) if found else ""


def test_a_write_on_a_hidden_or_missing_id_is_audited_and_says_nothing(
    client: TestClient, node: Node
) -> None:
    # Walk 50: a CONFIDENTIAL user's release and PUT of a SECRET object answered 404
    # and left no trace, while a GET of the same id wrote "object.read.denied".
    _, author = add_user(node, "ro-secret", clearance="SECRET", roles=["author"])
    made = client.post(
        "/api/v1/objects",
        json={"object": report("Hidden plan"), "label": "SECRET//REL TO JPN"},
        headers=bearer(author),
    )
    assert made.status_code == 201, made.text
    hidden = str(made.json()["id"])
    missing = "report--00000000-0000-4000-8000-000000000000"
    _, prober = add_user(
        node, "prober", clearance="CONFIDENTIAL", roles=["author", "releasing_officer"]
    )
    said = []
    for stix_id in (hidden, missing):
        release = client.post(
            f"/api/v1/objects/{stix_id}/release",
            json={"label": "CONFIDENTIAL//REL TO JPN, USA"},
            headers=bearer(prober),
        )
        put = client.put(
            f"/api/v1/objects/{stix_id}",
            json={"object": report("Changed")},
            headers=bearer(prober),
        )
        assert (release.status_code, put.status_code) == (404, 404)
        # The same answer for a hidden id as for a missing one, but for the id itself.
        said.append((release.json()["detail"].replace(stix_id, "?"), put.json()["detail"]))
    assert said[0][0] == said[1][0] == "no object ?"
    entries = [(a, t, json.loads(d)) for a, t, d in _audit(node, "object.write.denied")]
    assert entries == [
        ("prober", hidden, {"action": "store:object:release"}),
        ("prober", hidden, {"action": "store:object:write"}),
        ("prober", missing, {"action": "store:object:release"}),
        ("prober", missing, {"action": "store:object:write"}),
    ]
