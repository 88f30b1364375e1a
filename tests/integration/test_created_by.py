"""Who an object is credited to (security test, finding 3): REST and TAXII stored any
`created_by_ref`, Kizuna's own identity included, so that exported STIX credited a
user's object to the platform that mints every node's label markings. That identity is
refused from everyone but the node itself, audited; any other stays the writer's to
name."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.db.schema import audit_log
from kizuna.runtime import Node
from kizuna.stix.markings import KIZUNA_IDENTITY
from kizuna.web.app import create_app
from tests.factories import add_user, bearer, report
from tests.integration.test_write_paths import counts, post_taxii

_AGENCY = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c"


@pytest.fixture
def writer(node: Node) -> Iterator[tuple[TestClient, dict[str, str]]]:
    _user, token = add_user(node, "sato", clearance="SECRET", roles=["author"])
    with TestClient(create_app(node)) as client:
        yield client, bearer(token)


def _refused(node: Node) -> list[str]:
    with node.db.read() as conn:
        rows = conn.execute(select(audit_log.c.detail).where(audit_log.c.action == "refused"))
        return [r.detail for r in rows]


def test_kizunas_own_identity_is_refused_on_every_write_path(
    node: Node, writer: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = writer
    claimed = {**report("Claimed"), "created_by_ref": KIZUNA_IDENTITY}
    before = counts(node)
    rest = client.post(
        "/api/v1/objects", json={"object": claimed, "label": "SECRET"}, headers=headers
    )
    assert rest.status_code == 403, rest.text
    assert rest.json()["field"] == "object.created_by_ref"
    assert "Kizuna's own identity" in rest.json()["detail"]
    status, text = post_taxii(client, headers, json.dumps({"objects": [claimed]}))
    assert status == 202
    assert "Kizuna's own identity" in text
    assert '"success_count": 0' in text
    after = counts(node)
    assert after[:2] == before[:2]
    # A revision that claims it is refused as a creation is.
    made = client.post(
        "/api/v1/objects", json={"object": report("Ours"), "label": "SECRET"}, headers=headers
    )
    assert made.status_code == 201
    stix_id = made.json()["id"]
    revised = client.put(
        f"/api/v1/objects/{stix_id}",
        json={"object": {**report("Ours"), "id": stix_id, "created_by_ref": KIZUNA_IDENTITY}},
        headers=headers,
    )
    assert revised.status_code == 403, revised.text
    assert node.store.get(node.system, stix_id).version == 1
    assert sum("created_by_ref" in d for d in _refused(node)) >= 2


def test_another_identity_is_the_writers_to_name(
    node: Node, writer: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = writer
    made = client.post(
        "/api/v1/objects",
        json={"object": {**report("Credited"), "created_by_ref": _AGENCY}, "label": "SECRET"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert made.json()["object"]["created_by_ref"] == _AGENCY
