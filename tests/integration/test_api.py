"""The REST API over labelled objects, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kizuna.runtime import Node
from tests.factories import add_user, bearer, indicator, report


def test_create_get_list_and_history(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "sato", clearance="SECRET", roles=["author"])
    made = client.post(
        "/api/v1/objects",
        json={"object": report("Okinawa"), "label": "SECRET"},
        headers=bearer(token),
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["label"] == "SECRET//REL TO JPN"
    assert body["version"] == 1
    stix_id = body["id"]
    assert stix_id.startswith("report--")
    assert body["object"]["spec_version"] == "2.1"

    got = client.get(f"/api/v1/objects/{stix_id}", headers=bearer(token)).json()
    assert got["object"]["name"] == "Okinawa"

    listed = client.get("/api/v1/objects", headers=bearer(token)).json()
    assert [item["id"] for item in listed["items"]] == [stix_id]
    assert listed["next"] is None

    history = client.get(f"/api/v1/objects/{stix_id}/history", headers=bearer(token)).json()
    assert [v["version"] for v in history["items"]] == [1]


def test_a_new_version_keeps_the_label_and_the_history(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "sato", clearance="SECRET", roles=["author"])
    stix_id = client.post(
        "/api/v1/objects",
        json={"object": report("v1"), "label": "CONFIDENTIAL"},
        headers=bearer(token),
    ).json()["id"]
    revised = client.put(
        f"/api/v1/objects/{stix_id}",
        json={"object": report("v2", id=stix_id)},
        headers=bearer(token),
    )
    assert revised.status_code == 200, revised.text
    assert revised.json()["version"] == 2
    assert revised.json()["label"] == "CONFIDENTIAL//REL TO JPN"
    history = client.get(f"/api/v1/objects/{stix_id}/history", headers=bearer(token)).json()
    assert [(v["version"], v["object"]["name"]) for v in history["items"]] == [(1, "v1"), (2, "v2")]
    assert history["items"][0]["modified"] < history["items"][1]["modified"]


def test_paging_walks_every_object_once_newest_first(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "sato", clearance="SECRET", roles=["author"])
    with node.db.write() as conn:
        ids = [
            node.store.create_in(conn, node.system, indicator(f"198.51.100.{i}"), _label(node)).id
            for i in range(25)
        ]
    seen: list[str] = []
    url = "/api/v1/objects?limit=10"
    while url:
        page = client.get(url, headers=bearer(token)).json()
        seen += [item["id"] for item in page["items"]]
        url = f"/api/v1/objects?limit=10&cursor={page['next']}" if page["next"] else ""
    assert seen == list(reversed(ids))


def test_a_cursor_cannot_be_reused_for_another_filter(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "sato", roles=["author"])
    with node.db.write() as conn:
        for i in range(3):
            node.store.create_in(conn, node.system, indicator(f"192.0.2.{i}"), _label(node))
    page = client.get("/api/v1/objects?limit=1", headers=bearer(token)).json()
    moved = client.get(
        f"/api/v1/objects?limit=1&type=report&cursor={page['next']}", headers=bearer(token)
    )
    assert moved.status_code == 422
    assert moved.json()["field"] == "cursor"


def test_filter_by_type(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "sato", roles=["author"])
    with node.db.write() as conn:
        node.store.create_in(conn, node.system, indicator(), _label(node))
        node.store.create_in(conn, node.system, report(), _label(node))
    types = [
        i["type"]
        for i in client.get("/api/v1/objects?type=report", headers=bearer(token)).json()["items"]
    ]
    assert types == ["report"]


def test_no_token_or_a_wrong_one_is_401_problem(client: TestClient) -> None:
    for headers in ({}, bearer("kz_not-a-token")):
        answer = client.get("/api/v1/objects", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"] == "Bearer"


def test_openapi_document_is_served(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert "/api/v1/objects" in doc["paths"]
    assert "/api/v1/objects/{stix_id}/release" in doc["paths"]
    assert doc["paths"]["/api/v1/objects"]["get"]["summary"].startswith(
        "Objects the caller may see"
    )


def test_single_writer_refuses_new_versions_of_a_partner_object(
    client: TestClient, node: Node
) -> None:
    # An object that arrived from the USA node (as federation will store it).
    from sqlalchemy import insert

    from kizuna import clock
    from kizuna.db.schema import objects
    from kizuna.labels import Label

    _, token = add_user(node, "sato", clearance="SECRET", roles=["author", "releasing_officer"])
    body = report("from USA")
    body["id"] = "report--6b1c2f3e-0f55-4d4e-9d7e-2a6c1f0b5a10"
    body.update(
        created="2024-07-28T06:15:00.000Z", modified="2024-07-28T06:15:00.000Z", spec_version="2.1"
    )
    with node.db.write() as conn:
        pk = conn.execute(
            insert(objects)
            .values(stix_id=body["id"], type="report", origin="USA", created_at=clock.now_ts())
            .returning(objects.c.pk)
        ).scalar_one()
        node.store._insert_version(
            conn,
            object_pk=pk,
            stix_id=body["id"],
            origin="USA",
            number=1,
            previous_version=None,
            body=body,
            label=Label(10, frozenset({"JPN", "USA"})),
            author="usa-node",
            stix_type="report",
        )
    answer = client.put(
        f"/api/v1/objects/{body['id']}", json={"object": report("mine")}, headers=bearer(token)
    )
    assert answer.status_code == 403
    assert "belongs to the node of USA" in answer.json()["detail"]
    released = client.post(
        f"/api/v1/objects/{body['id']}/release",
        json={"label": "CONFIDENTIAL//REL TO JPN"},
        headers=bearer(token),
    )
    assert released.status_code == 403


def _label(node: Node):  # type: ignore[no-untyped-def]
    from kizuna.labels import parse

    return parse(node.policy, "CONFIDENTIAL//REL TO JPN")


def test_a_body_sent_as_another_media_type_is_415_naming_it(client: TestClient, node: Node) -> None:
    """Walk 43: a valid JSON body sent as text/plain was answered 422 "Input should be a
    valid dictionary"; the problem is the media type, and the answer says which."""
    import json

    _, token = add_user(node, "sato", clearance="SECRET", roles=["author"])
    sent = json.dumps({"object": report("Okinawa"), "label": "SECRET"})
    for media in ("text/plain", "application/x-www-form-urlencoded"):
        answer = client.post(
            "/api/v1/objects",
            content=sent,
            headers={**bearer(token), "Content-Type": media},
        )
        assert answer.status_code == 415, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["field"] == "content-type"
        assert media in answer.json()["detail"]
    # Walk 44: and with no Content-Type at all.
    answer = client.post("/api/v1/objects", content=sent.encode(), headers=bearer(token))
    assert answer.status_code == 415, answer.text
    assert "no Content-Type" in answer.json()["detail"]
    assert client.get("/api/v1/objects", headers=bearer(token)).json()["items"] == []
    # JSON under its own name, with a charset, is read.
    made = client.post(
        "/api/v1/objects",
        content=sent,
        headers={**bearer(token), "Content-Type": "application/json; charset=utf-8"},
    )
    assert made.status_code == 201, made.text
