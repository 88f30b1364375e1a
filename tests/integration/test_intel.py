"""The cell: reports, assessments, observations, and joint products released only
when a releasing officer of each nation has approved."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from stix2validator import ValidationOptions, validate_instance

from kizuna import audit
from kizuna.db.schema import objects, versions
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import add_user, bearer

DRAFT = "SECRET//BIAC//REL TO JPN, USA"
TARGET = "SECRET//REL TO JPN, USA"


@pytest.fixture
def cell(node: Node) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    people = {
        "sato": dict(nation="JPN", compartments=["BIAC"], roles=["author", "releasing_officer"]),
        "kato": dict(nation="JPN", compartments=["BIAC"], roles=["author"]),
        "jones": dict(nation="USA", compartments=["BIAC"], roles=["releasing_officer"]),
        "smith": dict(nation="USA", compartments=["BIAC"], roles=["reader"]),
        "miller": dict(nation="USA", compartments=[], roles=["reader"]),
    }
    tokens = {}
    for name, spec in people.items():
        _user, token = add_user(node, name, clearance="SECRET", **spec)  # type: ignore[arg-type]
        tokens[name] = bearer(token)
    with TestClient(create_app(node)) as client:
        yield client, tokens


def _counts(node: Node) -> tuple[int, int]:
    with node.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(objects)).scalar_one(),
            conn.execute(select(func.count()).select_from(versions)).scalar_one(),
        )


def _assessment(client: TestClient, who: dict[str, str], label: str = DRAFT) -> str:
    made = client.post(
        "/api/v1/intel/assessments",
        json={
            "fields": {
                "name": "Activity near the Senkaku Islands",
                "name_ja": "尖閣諸島周辺の活動",
                "judgement": "Patrols will likely continue at the present rate.",
                "confidence": 70,
                "sources": ["maritime patrol reports"],
                "region": "East China Sea",
                "domains": ["maritime", "air"],
            },
            "label": label,
        },
        headers=who,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _product(client: TestClient, who: dict[str, str], refs: list[str]) -> dict[str, Any]:
    made = client.post(
        "/api/v1/intel/joint-products",
        json={
            "fields": {
                "name": "Joint assessment",
                "contributions": refs,
                "target_label": TARGET,
            },
            "label": DRAFT,
        },
        headers=who,
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_an_officer_approves_the_version_read_on_their_own_node(
    node: Node, cell: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    """On the JPN node: only a JPN releasing officer approves, once, the version they
    read; the release waits for USA's approval, made on the USA node (see
    test_intel_joint.py for the rest of the way)."""
    client, who = cell
    product = _product(client, who["sato"], [_assessment(client, who["sato"])])
    pid = product["id"]
    assert product["label"] == DRAFT
    approvals = f"/api/v1/intel/joint-products/{pid}/approvals"
    approve = f"/api/v1/intel/joint-products/{pid}/approve"
    # Outside the cell (no BIAC), the draft is invisible.
    assert client.get(f"/api/v1/objects/{pid}", headers=who["miller"]).status_code == 404
    state = client.get(approvals, headers=who["sato"]).json()
    assert state["nations"] == ["JPN", "USA"]
    digest = {"digest": state["digest"]}

    before = _counts(node)
    # A reader and an author are not releasing officers; a USA officer approves on the
    # USA node, where the approval is an object of USA.
    assert client.post(approve, json=digest, headers=who["smith"]).status_code == 403
    assert client.post(approve, json=digest, headers=who["kato"]).status_code == 403
    elsewhere = client.post(approve, json=digest, headers=who["jones"])
    assert elsewhere.status_code == 403
    assert "USA node" in elsewhere.json()["detail"]
    # An approval names the version it approves.
    assert client.post(approve, json={}, headers=who["sato"]).status_code == 422
    assert _counts(node) == before

    first = client.post(approve, json=digest, headers=who["sato"])
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "draft"
    assert first.json()["waiting_for"] == ["USA"]
    assert [a["nation"] for a in first.json()["approvals"]] == ["JPN"]
    after = _counts(node)
    again = client.post(approve, json=digest, headers=who["sato"])
    assert again.status_code == 409
    assert _counts(node) == after
    assert client.get(f"/api/v1/objects/{pid}", headers=who["miller"]).status_code == 404

    with node.db.read() as conn:
        entries = [e for e in audit.entries(conn, limit=200) if e.target == pid]
    actions = [e.action for e in reversed(entries)]
    # Three refused approvers and the second approval (a body without a digest never
    # reaches the cell: the request is malformed).
    assert actions.count("refused") == 4
    assert actions.count("joint.approve") == 1
    assert "joint.release" not in actions


def test_the_kinds_map_to_valid_stix(
    node: Node, cell: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    client, who = cell
    aid = _assessment(client, who["kato"], label="SECRET//BIAC")
    obs = client.post(
        "/api/v1/intel/observations",
        json={
            "fields": {
                "observed_at": "2026-11-28T23:10:00Z",
                "place": "Yonaguni",
                "description": "Two vessels sighted",
                "source_reliability": "b",
                "domains": ["maritime"],
            }
        },
        headers=who["kato"],
    )
    assert obs.status_code == 201, obs.text
    rep = client.post(
        "/api/v1/intel/reports",
        json={"fields": {"name": "Weekly report", "object_refs": [aid, obs.json()["id"]]}},
        headers=who["kato"],
    )
    assert rep.status_code == 201, rep.text
    # A joint product gathers what every approving nation reads at its draft's label.
    shared = client.post(
        "/api/v1/intel/reports",
        json={"fields": {"name": "Shared report", "object_refs": [obs.json()["id"]]},
              "label": DRAFT},
        headers=who["sato"],
    )  # fmt: skip
    assert shared.status_code == 201, shared.text
    product = _product(client, who["sato"], [shared.json()["id"]])
    for item in (obs.json(), rep.json(), shared.json(), product):
        result = validate_instance(item["object"], ValidationOptions(version="2.1"))
        assert result.is_valid, [str(e) for e in result.errors]
    listed = client.get("/api/v1/intel/observations", headers=who["kato"]).json()
    assert [i["id"] for i in listed["items"]] == [obs.json()["id"]]


@pytest.mark.parametrize(
    ("kind", "fields", "label", "field"),
    [
        ("assessments", {"name": "x", "judgement": "y", "confidence": 200}, None, "confidence"),
        ("assessments", {"name": "x", "judgement": "y", "confidence": "high"}, None, "confidence"),
        ("assessments", {"name": "x", "judgement": "", "confidence": 5}, None, "judgement"),
        (
            "assessments",
            {"name": "x", "judgement": "y", "confidence": 5, "domains": ["sea"]},
            None,
            "domains",
        ),
        (
            "observations",
            {
                "observed_at": "yesterday",
                "place": "p",
                "description": "d",
                "source_reliability": "A",
            },
            None,
            "observed_at",
        ),
        (
            "observations",
            {
                "observed_at": "2026-01-01T00:00:00Z",
                "place": "p",
                "description": "d",
                "source_reliability": "G",
            },
            None,
            "source_reliability",
        ),
        ("reports", {"name": "r", "object_refs": []}, None, "object_refs"),
        (
            "reports",
            {"name": "r", "object_refs": ["report--00000000-0000-4000-8000-000000000000"]},
            None,
            "object_refs",
        ),
        (
            "joint-products",
            {"name": "j", "contributions": [], "target_label": TARGET},
            DRAFT,
            "contributions",
        ),
        ("assessments", {"name": "x", "judgement": "y", "confidence": 5}, "SECRET//NOPE", "label"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    node: Node,
    cell: tuple[TestClient, dict[str, dict[str, str]]],
    kind: str,
    fields: dict[str, Any],
    label: str | None,
    field: str,
) -> None:
    client, who = cell
    before = _counts(node)
    answer = client.post(
        f"/api/v1/intel/{kind}", json={"fields": fields, "label": label}, headers=who["sato"]
    )
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["field"]
    assert _counts(node) == before


def test_joint_products_need_two_nations_and_a_draft_both_can_read(
    node: Node, cell: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    client, who = cell
    aid = _assessment(client, who["sato"])
    before = _counts(node)
    cases = [
        # The approving nations are the draft label's: one nation is not joint.
        ({"contributions": [aid], "target_label": TARGET}, "SECRET//BIAC", "label"),
        # Nations named must be exactly the draft label's.
        ({"contributions": [aid], "nations": ["AUS"], "target_label": TARGET}, DRAFT, "nations"),
        ({"contributions": [aid], "nations": ["XXX"], "target_label": TARGET}, DRAFT, "nations"),
        ({"contributions": [aid], "target_label": "SECRET"}, DRAFT, "target_label"),
        ({"contributions": [aid], "target_label": DRAFT}, DRAFT, "target_label"),
    ]
    for fields, label, field in cases:
        answer = client.post(
            "/api/v1/intel/joint-products",
            json={"fields": {"name": "j", **fields}, "label": label},
            headers=who["sato"],
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, answer.json()
    assert _counts(node) == before


def test_the_cli_lists_what_a_user_may_read(
    node: Node, cell: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    from typer.testing import CliRunner

    from kizuna.cli.main import app

    client, who = cell
    _assessment(client, who["sato"])
    env = {"KIZUNA_KEY_FILE": str(node.settings.key_file), "COLUMNS": "300"}
    db = ["--db", node.settings.database_url]
    runner = CliRunner()
    as_cell = runner.invoke(app, ["intel", "list", "assessments", "--user", "smith", *db], env=env)
    assert as_cell.exit_code == 0, as_cell.output
    assert "Activity near the Senkaku" in as_cell.output
    outside = runner.invoke(app, ["intel", "list", "assessments", "--user", "miller", *db], env=env)
    assert "Activity near the Senkaku" not in outside.output
    wrong = runner.invoke(app, ["intel", "list", "memos", *db], env=env)
    assert wrong.exit_code == 2


def test_every_extension_names_a_schema_the_node_publishes(node: Node) -> None:
    from kizuna.stix.types import extension_definitions

    with TestClient(create_app(node)) as client:
        for definition in extension_definitions():
            answer = client.get(definition["schema"])
            assert answer.status_code == 200, definition["schema"]
            assert answer.json()["$id"] == definition["schema"]
            result = validate_instance(definition, ValidationOptions(version="2.1"))
            assert result.is_valid, [str(e) for e in result.errors]
        assert client.get("/stix/schemas/secrets.json").status_code == 404
        # Walk 47: README named `/stix/schemas/`, which answered 404. It lists every
        # schema with its path, and each path answers it.
        index = client.get("/stix/schemas/")
        assert index.status_code == 200
        assert index.headers["content-type"] == "application/json"
        listed = {entry["name"]: entry["url"] for entry in index.json()}
        assert set(listed) == {"label", "assessment", "observation", "joint-product",
                               "approval", "recall"}  # fmt: skip
        assert {d["schema"] for d in extension_definitions()} == set(listed.values())
        for name, url in listed.items():
            assert url == f"/stix/schemas/{name}.json"
            assert client.get(url).json()["$id"] == url
