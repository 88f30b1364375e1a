"""Bad TAXII requests get a TAXII error object with the right status, and change nothing.

A POST is judged object by object: the status resource lists each failure with its
reason, the good objects are stored exactly once and the bad ones not at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna.db.schema import objects, versions
from kizuna.labels import Label
from kizuna.runtime import Node
from kizuna.stix.markings import marking_for
from kizuna.taxii.collections import COLLECTIONS
from kizuna.web.app import create_app
from tests.factories import add_user, bearer, indicator

MEDIA = "application/taxii+json;version=2.1"
OBJECTS = f"/taxii2/kizuna/collections/{COLLECTIONS[0].id}/objects/"


@pytest.fixture
def taxii(node: Node) -> Iterator[tuple[TestClient, dict[str, str]]]:
    _user, token = add_user(node, "analyst", clearance="SECRET", roles=["author"])
    with TestClient(create_app(node)) as client:
        yield client, {**bearer(token), "Accept": MEDIA, "Content-Type": MEDIA}


def _counts(node: Node) -> tuple[int, int]:
    with node.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(objects)).scalar_one(),
            conn.execute(select(func.count()).select_from(versions)).scalar_one(),
        )


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA
    body: dict[str, Any] = response.json()
    assert body["http_status"] == str(status)
    assert body["title"]
    assert body["description"]
    return body


def _stix(i: int) -> dict[str, Any]:
    return {
        **indicator(f"198.51.100.{i % 250}"),
        "id": f"indicator--{uuid.uuid4()}",
        "spec_version": "2.1",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
    }


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b'["objects"]', "envelope"),
        (b'{"objects": {"type": "indicator"}}', "envelope"),
        (b'{"more": false}', "envelope"),
    ],
)
def test_a_malformed_envelope_is_a_400(
    node: Node, taxii: tuple[TestClient, dict[str, str]], body: bytes, reason: str
) -> None:
    client, headers = taxii
    before = _counts(node)
    assert reason in _error(client.post(OBJECTS, content=body, headers=headers), 400)["description"]
    assert _counts(node) == before


def test_wrong_accept_is_a_406_and_wrong_content_type_a_415(
    node: Node, taxii: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = taxii
    for accept in ("application/json", "application/taxii+json;version=2.0", "text/html"):
        _error(client.get(OBJECTS, headers={**headers, "Accept": accept}), 406)
    before = _counts(node)
    envelope = json.dumps({"objects": [_stix(1)]})
    for content_type in ("application/json", "application/stix+json;version=2.1", "text/plain"):
        response = client.post(
            OBJECTS, content=envelope, headers={**headers, "Content-Type": content_type}
        )
        _error(response, 415)
    assert _counts(node) == before


def test_a_request_over_the_size_limit_is_a_413(
    node: Node, taxii: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = taxii
    before = _counts(node)
    huge = json.dumps({"objects": [_stix(i) for i in range(4000)]})
    assert len(huge) > node.settings.max_body_bytes
    _error(client.post(OBJECTS, content=huge, headers=headers), 413)
    assert _counts(node) == before


def test_bad_paging_parameters_are_400s(taxii: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = taxii
    bad = [
        {"limit": "0"},
        {"limit": "many"},
        {"next": "forged.cursor"},
        {"added_after": "yesterday"},
    ]
    for params in bad:
        _error(client.get(OBJECTS, params=params, headers=headers), 400)


def test_unknown_collection_and_object_are_404s(taxii: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = taxii
    _error(client.get(f"/taxii2/kizuna/collections/{uuid.uuid4()}/", headers=headers), 404)
    _error(client.get(f"{OBJECTS}indicator--{uuid.uuid4()}/", headers=headers), 404)
    _error(client.delete(f"{OBJECTS}indicator--{uuid.uuid4()}/", headers=headers), 405)


def test_a_post_of_1000_with_bad_ones_reports_each_and_stores_the_good_once(
    node: Node, taxii: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = taxii
    top = Label(30, frozenset({"JPN"}))  # TOP SECRET: above the analyst's SECRET
    wider = Label(0, frozenset({"JPN", "USA"}))  # a release decision: not an author's
    good = [_stix(i) for i in range(990)]
    bad: dict[int, tuple[dict[str, Any], str]] = {
        3: ({**_stix(3), "pattern": "[ipv4-addr:value = "}, "pattern"),
        50: ({"type": "indicator", "name": "no pattern"}, "pattern"),
        100: ({**_stix(100), "spec_version": "2.0"}, "2.1"),
        200: (
            {**_stix(200), "object_marking_refs": [marking_for(node.policy, top)["id"]]},
            "clearance",
        ),
        300: (
            {**_stix(300), "object_marking_refs": [marking_for(node.policy, wider)["id"]]},
            "releasing officer",
        ),
        400: (
            {**_stix(400), "object_marking_refs": [f"marking-definition--{uuid.uuid4()}"]},
            "unknown marking",
        ),
        500: ({**_stix(500), "type": "x-unknown"}, "x-unknown"),
        600: (["not", "an", "object"], "not a JSON object"),  # type: ignore[dict-item]
        700: ({**_stix(700), "created": "yesterday"}, "created"),
        800: (
            {
                **_stix(800),
                "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],
            },
            "TLP:RED",
        ),
    }
    envelope: list[Any] = list(good)
    for position, (obj, _reason) in sorted(bad.items()):
        envelope.insert(position, obj)
    # The label markings the bad objects name travel in the same envelope.
    envelope += [marking_for(node.policy, top), marking_for(node.policy, wider)]
    envelope.append(good[0])  # the same version twice: stored once
    before = _counts(node)

    response = client.post(OBJECTS, content=json.dumps({"objects": envelope}), headers=headers)
    assert response.status_code == 202, response.text
    status = response.json()
    assert status["status"] == "complete"
    assert status["total_count"] == len(envelope) == 1003
    assert status["failure_count"] == len(bad)
    assert status["success_count"] == len(envelope) - len(bad)
    failures = status["failures"]
    for obj, reason in bad.values():
        wanted = obj.get("id", "") if isinstance(obj, dict) else ""
        matching = [f for f in failures if f["id"] == wanted and reason in f["message"]]
        assert matching, (reason, [f for f in failures if f["id"] == wanted])

    stored_objects, stored_versions = _counts(node)
    # 990 indicators, and the one label marking of the node's default label.
    assert stored_objects - before[0] == 991
    assert stored_versions - before[1] == 991
    listed = client.get(
        OBJECTS, params={"match[type]": "indicator", "limit": "1000"}, headers=headers
    ).json()
    assert sorted(o["id"] for o in listed["objects"]) == sorted(o["id"] for o in good)
