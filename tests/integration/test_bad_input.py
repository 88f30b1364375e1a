"""Bad input gets a problem detail naming the field, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna.db.schema import access, objects, versions
from kizuna.runtime import Node
from tests.factories import add_user, bearer, indicator, report


def _counts(node: Node) -> tuple[int, int, int]:
    with node.db.read() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (objects, versions, access)
        )


CASES: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("malformed label", {"object": report(), "label": "SECRET//"}, 422, "label", "empty part"),
    ("misspelt level", {"object": report(), "label": "SECERT"}, 422, "label", "unknown level"),
    (
        "unknown nation",
        {"object": report(), "label": "SECRET//REL TO JPN, XXA"},
        422,
        "label",
        "XXA",
    ),
    ("unknown compartment", {"object": report(), "label": "SECRET//ZZZ"}, 422, "label", "ZZZ"),
    (
        "label above clearance",
        {"object": report(), "label": "TOP SECRET"},
        403,
        "label",
        "above the clearance",
    ),
    (
        "compartment not held",
        {"object": report(), "label": "SECRET//CYBER"},
        403,
        "label",
        "above the clearance",
    ),
    ("missing label", {"object": report()}, 422, "label", "required"),
    ("object not an object", {"object": [1], "label": "SECRET"}, 422, "object", "dictionary"),
    ("no type", {"object": {"name": "x"}, "label": "SECRET"}, 422, "object.type", "no 'type'"),
    (
        "unknown STIX type",
        {"object": {"type": "not-a-type", "name": "x"}, "label": "SECRET"},
        422,
        "object",
        "not-a-type",
    ),
    (
        "missing property",
        {"object": {"type": "report", "name": "x"}, "label": "SECRET"},
        422,
        "object.object_refs",
        "published",
    ),
    (
        "bad pattern",
        {"object": {**indicator(), "pattern": "[not a pattern"}, "label": "SECRET"},
        422,
        "object.pattern",
        "pattern",
    ),
    (
        "extra field",
        {"object": report(), "label": "SECRET", "extra": 1},
        422,
        "extra",
        "not permitted",
    ),
    (
        # The stix2 library raises AttributeError on this (a keyword of its own).
        "the library's own keyword",
        {"object": {**report(), "custom_properties": None}, "label": "SECRET"},
        422,
        "object",
        "invalid STIX report",
    ),
    (
        "marking posted",
        {"object": {"type": "marking-definition"}, "label": "SECRET"},
        422,
        "object.type",
        "cannot be stored",
    ),
]


@pytest.mark.parametrize(
    ("case", "payload", "status", "field", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_objects_are_refused_with_the_field_named(
    client: TestClient,
    node: Node,
    case: str,
    payload: dict[str, Any],
    status: int,
    field: str,
    words: str,
) -> None:
    _, token = add_user(node, "author", clearance="SECRET", compartments=["BIAC"], roles=["author"])
    before = _counts(node)
    answer = client.post("/api/v1/objects", json=payload, headers=bearer(token))
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status
    assert problem["field"] == field
    assert words in problem["detail"]
    assert _counts(node) == before


def test_malformed_json_is_refused(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "author", roles=["author"])
    before = _counts(node)
    answer = client.post(
        "/api/v1/objects",
        content=b'{"object": {',
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "body"
    assert _counts(node) == before


def test_an_oversized_body_is_refused_before_it_is_read(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "author", roles=["author"])
    before = _counts(node)
    huge = report(description="x" * (node.settings.max_body_bytes + 1))
    answer = client.post(
        "/api/v1/objects", json={"object": huge, "label": "SECRET"}, headers=bearer(token)
    )
    assert answer.status_code == 413
    assert answer.json()["field"] == "body"
    assert _counts(node) == before


def test_an_oversized_chunked_body_is_refused(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "author", roles=["author"])
    before = _counts(node)
    chunk = b" " * 65536

    def stream():  # type: ignore[no-untyped-def]
        for _ in range(node.settings.max_body_bytes // len(chunk) + 2):
            yield chunk

    answer = client.post(
        "/api/v1/objects",
        content=stream(),
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert _counts(node) == before


def test_a_duplicate_id_is_a_conflict(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "author", roles=["author"])
    first = client.post(
        "/api/v1/objects", json={"object": report(), "label": "SECRET"}, headers=bearer(token)
    )
    before = _counts(node)
    again = client.post(
        "/api/v1/objects",
        json={"object": first.json()["object"], "label": "SECRET"},
        headers=bearer(token),
    )
    assert again.status_code == 409
    assert again.json()["field"] == "object.id"
    assert _counts(node) == before


def test_a_reader_cannot_write(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "reader", roles=["reader"])
    before = _counts(node)
    answer = client.post(
        "/api/v1/objects", json={"object": report(), "label": "SECRET"}, headers=bearer(token)
    )
    assert answer.status_code == 403
    assert _counts(node) == before


def test_a_partner_user_cannot_write_on_this_node(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "us-author", nation="USA", roles=["author"])
    answer = client.post(
        "/api/v1/objects",
        json={"object": report(), "label": "SECRET//REL TO JPN, USA"},
        headers=bearer(token),
    )
    assert answer.status_code == 403
    assert "only users of JPN" in answer.json()["detail"]


def test_a_bad_new_version_changes_nothing(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "author", roles=["author"])
    made = client.post(
        "/api/v1/objects", json={"object": report(), "label": "SECRET"}, headers=bearer(token)
    ).json()
    before = _counts(node)
    for body, field in [
        ({"object": {**made["object"], "modified": made["object"]["modified"]}}, "object.modified"),
        ({"object": {**made["object"], "type": "indicator"}}, "object.type"),
        ({"object": {**made["object"], "published": "yesterday"}}, "object.published"),
    ]:
        answer = client.put(f"/api/v1/objects/{made['id']}", json=body, headers=bearer(token))
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
    assert _counts(node) == before


def test_limits_out_of_range_name_the_parameter(client: TestClient, node: Node) -> None:
    _, token = add_user(node, "reader")
    for limit in (0, 1001, "many"):
        answer = client.get(f"/api/v1/objects?limit={limit}", headers=bearer(token))
        assert answer.status_code == 422
        assert answer.json()["field"] == "limit"
