"""Bad input gets a problem detail naming the field, and changes nothing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna.db.schema import access, objects, versions
from kizuna.labels import parse as parse_label
from kizuna.runtime import Node
from kizuna.web.app import create_app
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
        "names CYBER, a compartment author does not hold",
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
        # Walk 37: stored as "123" by the library's coercion.
        "a number for a name",
        {"object": {**report(), "name": 123}, "label": "SECRET"},
        422,
        "object.name",
        "must be a string",
    ),
    (
        "a word for a flag",
        {"object": {**indicator(), "revoked": "yes"}, "label": "SECRET"},
        422,
        "object.revoked",
        "true or false",
    ),
    (
        "numbers among labels",
        {"object": {**report(), "labels": ["ok", 7]}, "label": "SECRET"},
        422,
        "object.labels",
        "list of strings",
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
        ({"object": {**made["object"], "modified": "2000-01-01T00:00:00.000Z"}}, "object.modified"),
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


def test_an_unknown_type_filter_is_named_as_on_the_page(client: TestClient, node: Node) -> None:
    """Walk 37: `GET /api/v1/objects?type=foo` answered an empty list (the page, 422)."""
    _, token = add_user(node, "reader")
    answer = client.get("/api/v1/objects?type=foo", headers=bearer(token))
    assert answer.status_code == 422
    assert answer.json()["field"] == "type"
    assert "foo" in answer.json()["detail"]
    known = client.get("/api/v1/objects?type=x-kizuna-decision", headers=bearer(token))
    assert known.status_code == 200


_BROKEN = "x\\ud800y"  # as JSON writes it: a lone surrogate, which no database stores


def _broken_json(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> str:
    """A JSON value for `schema` whose every string holds a lone surrogate (written by
    hand: `json.dumps` would escape the backslash)."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for choice in schema.get("anyOf", []):
        if choice.get("type") != "null":
            return _broken_json(choice, spec, depth)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {"type": {}, "name": {}}
        inner = [f'"{k}":{_broken_json(v, spec, depth + 1)}' for k, v in props.items()]
        return "{" + ",".join(inner) + "}" if depth < 4 else "{}"
    if kind == "array":
        return "[" + _broken_json(schema.get("items", {}), spec, depth + 1) + "]"
    if kind == "integer" or kind == "number":
        return "0"
    if kind == "boolean":
        return "false"
    return f'"{_broken_json_string(schema)}"'


def _broken_json_string(schema: dict[str, Any]) -> str:
    # An enumerated string keeps a valid value, so that the request reaches the service.
    return str(schema["enum"][0]) if "enum" in schema else _BROKEN


def test_a_lone_surrogate_anywhere_in_a_json_body_is_refused_not_a_server_error(
    node: Node,
) -> None:
    """Walk 37: `"name": "sur\\ud800here"` in a posted object reached the database, whose
    driver could not encode it: a 500. Every JSON operation of the REST API now gets
    such a body in every string it takes, and none answers a server error or writes."""
    _, token = add_user(
        node, "author", roles=["author", "releasing_officer", "coordinator", "translator"]
    )
    made = node.store.create(node.system, report(), parse_label(node.policy, "SECRET//REL TO JPN"))
    with TestClient(create_app(node), raise_server_exceptions=False) as web:
        spec = web.get("/api/openapi.json").json()
        tried = 0
        for path, operations in spec["paths"].items():
            for method, op in operations.items():
                content = op.get("requestBody", {}).get("content", {})
                if "application/json" not in content:
                    continue
                body = _broken_json(content["application/json"]["schema"], spec)
                url = re.sub(r"\{[^}]+\}", made.id, path)
                before = _counts(node)
                answer = web.request(
                    method.upper(),
                    url,
                    content=body.encode(),
                    headers={**bearer(token), "content-type": "application/json"},
                )
                tried += 1
                assert answer.status_code < 500, (method, path, answer.text)
                if answer.status_code == 422 and "surrogate" in answer.text:
                    assert _counts(node) == before, (method, path)
        assert tried >= 15
        posted = web.post(
            "/api/v1/objects",
            content=(
                '{"object":{"type":"report","name":"' + _BROKEN + '","published":'
                '"2024-07-28T00:00:00Z","object_refs":["' + made.id + '"]},'
                '"label":"SECRET//REL TO JPN"}'
            ).encode(),
            headers={**bearer(token), "content-type": "application/json"},
        )
        assert posted.status_code == 422, posted.text
        assert posted.json()["field"] == "object.name"
        # A new version, and a key rather than a value.
        body = {k: v for k, v in made.object.items() if k != "modified"}
        revised = json.dumps({"object": body})[:-2] + ', "x_\\udc00": 1}}'
        before = _counts(node)
        put = web.put(
            f"/api/v1/objects/{made.id}",
            content=revised.encode(),
            headers={**bearer(token), "content-type": "application/json"},
        )
        assert put.status_code == 422, put.text
        assert put.json()["field"] == "object.x_\\udc00"
        assert _counts(node) == before
