"""The cell's texts refuse bidirectional controls on every path (stop 44 left it open:
coordination texts refused them, an assessment's judgement did not). A judgement
holding U+202E shows every other analyst a text other than the one written. A text
stored before the rule is carried unchanged, not judged again: its release goes on."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from kizuna.domains.intel import rules
from kizuna.runtime import Node
from kizuna.taxii.collections import COLLECTIONS
from tests.integration.test_intel_input import (
    ASSESSMENT,
    DRAFT,
    OBSERVATION,
    TARGET,
    Cell,
    _counts,
    _product,
)
from tests.integration.test_intel_input import cell as _cell

pytestmark = pytest.mark.sqlite_only

cell = _cell  # the fixture of the cell's input tests
TAXII = "application/taxii+json;version=2.1"


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("assessments", {**ASSESSMENT, "judgement": "likely \u202eylekilnu"}, "judgement"),
        ("assessments", {**ASSESSMENT, "name_ja": "評価\u2066"}, "name_ja"),
        ("observations", {**OBSERVATION, "place": "Na\u202eha"}, "place"),
    ],
)
def test_the_cells_paths_refuse_a_bidirectional_control_by_field(
    node: Node, cell: Cell, kind: str, fields: dict[str, Any], field: str
) -> None:
    client, who = cell
    before = _counts(node)
    answer = client.post(
        f"/api/v1/intel/{kind}", json={"fields": fields, "label": DRAFT}, headers=who["sato"]
    )
    assert answer.status_code == 422, answer.text
    assert "bidirectional control" in answer.json()["detail"]
    assert field in answer.json()["detail"]
    assert _counts(node) == before


def test_the_generic_paths_refuse_it_too(node: Node, cell: Cell) -> None:
    client, who = cell
    made = client.post(
        "/api/v1/intel/assessments",
        json={"fields": ASSESSMENT, "label": DRAFT},
        headers=who["sato"],
    )
    assert made.status_code == 201, made.text
    stored = client.get(f"/api/v1/objects/{made.json()['id']}", headers=who["sato"]).json()
    body = {k: v for k, v in stored["object"].items() if k not in ("modified", "created",
            "object_marking_refs")}  # fmt: skip
    body |= {"id": f"x-kizuna-assessment--{uuid.uuid4()}", "judgement": "likely \u202eylekilnu"}
    before = _counts(node)
    rest = client.post(
        "/api/v1/objects", json={"object": body, "label": DRAFT}, headers=who["sato"]
    )
    assert rest.status_code == 422, rest.text
    assert "bidirectional control" in rest.text
    everything = next(c for c in COLLECTIONS if c.key == "all")
    taxii = client.post(
        f"/taxii2/kizuna/collections/{everything.id}/objects/",
        content=json.dumps({"objects": [{**body, "spec_version": "2.1"}]}),
        headers={**who["sato"], "Accept": TAXII, "Content-Type": TAXII},
    )
    assert taxii.status_code == 202, taxii.text
    assert taxii.json()["failure_count"] == 1, taxii.text
    assert "bidirectional control" in taxii.text
    assert _counts(node) == before


def test_a_joint_products_name_refuses_it(node: Node, cell: Cell) -> None:
    client, who = cell
    product = _product(client, who["sato"])
    edit = client.put(
        f"/api/v1/intel/joint-products/{product}",
        json={"fields": {"name": "Joint \u202etnioJ"}},
        headers=who["sato"],
    )
    assert edit.status_code == 422, edit.text
    assert "bidirectional control" in edit.text


def test_an_assessment_stored_before_the_rule_is_still_released(
    node: Node, cell: Cell, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, who = cell
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(rules, "texts_rule", lambda _write: None)
        made = client.post(
            "/api/v1/intel/assessments",
            json={"fields": {**ASSESSMENT, "judgement": "likely \u202eylekilnu"}, "label": DRAFT},
            headers=who["sato"],
        )
    assert made.status_code == 201, made.text
    released = client.post(
        f"/api/v1/objects/{made.json()['id']}/release", json={"label": TARGET}, headers=who["sato"]
    )
    assert released.status_code == 200, released.text
