"""The cell's input as a user gives it (walk 50): a value of the wrong JSON type, or a
string holding U+0000, is a 422 naming the field on every path, never a 500 nor a
value stored split into letters; only a joint product's drafter edits it; a page's
time is the reader's own; the form names every field left empty, and the range of
the confidence, in both languages; an observation has a title."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna import audit
from kizuna.db.schema import objects, versions
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, bearer, cookies

DRAFT = "SECRET//BIAC//REL TO JPN, USA"
TARGET = "SECRET//REL TO JPN, USA"
ASSESSMENT = {"name": "x", "judgement": "j", "confidence": 5}
OBSERVATION = {
    "observed_at": "2026-12-01T01:00:00Z",
    "place": "Naha",
    "description": "seen",
    "source_reliability": "C",
}

Cell = tuple[TestClient, dict[str, dict[str, str]]]


@pytest.fixture
def cell(node: Node) -> Iterator[Cell]:
    people = {
        "sato": dict(roles=["author", "releasing_officer"]),
        "kato": dict(roles=["author"]),
    }
    tokens = {}
    for name, spec in people.items():
        _user, token = add_user(  # type: ignore[misc]
            node, name, compartments=["BIAC"], password=PASSWORD, **spec
        )
        tokens[name] = bearer(token)
    with TestClient(create_app(node)) as client:
        yield client, tokens


def _counts(node: Node) -> tuple[int, int]:
    with node.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(objects)).scalar_one(),
            conn.execute(select(func.count()).select_from(versions)).scalar_one(),
        )


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("assessments", {**ASSESSMENT, "region": {"a": 1}}, "fields.region"),
        ("assessments", {**ASSESSMENT, "name": 123}, "fields.name"),
        ("assessments", {**ASSESSMENT, "sources": [1]}, "fields.sources"),
        # A string where a list is taken was split into its letters.
        ("assessments", {**ASSESSMENT, "sources": "abc"}, "fields.sources"),
        ("assessments", {**ASSESSMENT, "domains": "cyber"}, "fields.domains"),
        ("assessments", {**ASSESSMENT, "confidence": {"n": 5}}, "fields.confidence"),
        ("observations", {**OBSERVATION, "place": 5}, "fields.place"),
        ("observations", {**OBSERVATION, "observed_at": 5}, "fields.observed_at"),
        ("reports", {"name": "r", "object_refs": "abc"}, "fields.object_refs"),
        ("joint-products", {"name": "j", "contributions": "abc"}, "fields.contributions"),
        ("joint-products", {"name": ["j"], "contributions": []}, "fields.name"),
    ],
)
def test_a_field_of_the_wrong_json_type_is_named_and_nothing_written(
    node: Node, cell: Cell, kind: str, fields: dict[str, Any], field: str
) -> None:
    client, who = cell
    before = _counts(node)
    answer = client.post(
        f"/api/v1/intel/{kind}", json={"fields": fields, "label": DRAFT}, headers=who["sato"]
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == field
    assert field in answer.json()["detail"]
    assert _counts(node) == before


def _assessment(client: TestClient, who: dict[str, str]) -> str:
    made = client.post(
        "/api/v1/intel/assessments", json={"fields": ASSESSMENT, "label": DRAFT}, headers=who
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _product(client: TestClient, who: dict[str, str]) -> str:
    made = client.post(
        "/api/v1/intel/joint-products",
        json={
            "fields": {
                "name": "Joint",
                "contributions": [_assessment(client, who)],
                "target_label": TARGET,
            },
            "label": DRAFT,
        },
        headers=who,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_an_edit_of_the_wrong_json_type_is_named(node: Node, cell: Cell) -> None:
    client, who = cell
    pid = _product(client, who["sato"])
    before = _counts(node)
    wrong = (({"name": 5}, "fields.name"), ({"contributions": "a"}, "fields.contributions"))
    for fields, field in wrong:
        answer = client.put(
            f"/api/v1/intel/joint-products/{pid}", json={"fields": fields}, headers=who["sato"]
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
    assert _counts(node) == before


def test_only_the_drafter_edits_a_joint_product(node: Node, cell: Cell) -> None:
    """An edit voids the approvals given: another author may not do that to the
    drafter's product (walk 50: kato's edit made a new version)."""
    client, who = cell
    pid = _product(client, who["sato"])
    edit = f"/api/v1/intel/joint-products/{pid}"
    before = _counts(node)
    answer = client.put(edit, json={"fields": {"name": "Mine now"}}, headers=who["kato"])
    assert answer.status_code == 403, answer.text
    assert "drafter" in answer.json()["detail"]
    assert _counts(node) == before
    with node.db.read() as conn:
        refused = [
            e for e in audit.entries(conn, limit=50) if e.target == pid and e.action == "refused"
        ]
    assert [e.actor for e in refused] == ["kato"]
    mine = client.put(edit, json={"fields": {"name": "Renamed"}}, headers=who["sato"])
    assert mine.status_code == 200, mine.text
    assert mine.json()["product"]["version"] == 2


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/intel/assessments",
            {"fields": {**ASSESSMENT, "name": "x\u0000y"}, "label": DRAFT},
            "object.name",
        ),
        (
            "/api/v1/objects",
            {"object": {"type": "note", "content": "a\u0000b"}, "label": "CONFIDENTIAL"},
            "object.content",
        ),
    ],
)
def test_a_nul_in_a_string_is_refused_by_name(
    node: Node, cell: Cell, path: str, body: dict[str, Any], field: str
) -> None:
    client, who = cell
    before = _counts(node)
    answer = client.post(path, json=body, headers=who["sato"])
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert "U+0000" in answer.json()["detail"]
    assert _counts(node) == before


def _login(client: TestClient, name: str) -> str:
    client.cookies.clear()
    client.get("/login")
    token = client.cookies.get(cookies(client).csrf, "")
    answer = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/intel"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    client.cookies.set(cookies(client).lang, "en")
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/intel/assessments").text)
    assert found
    return found.group(1)


def _error(html: str) -> str:
    said = re.search(r'<p class="error" role="alert" id="intel-error">([^<]+)</p>', html)
    assert said, html
    return said.group(1)


def test_a_nul_typed_into_a_page_form_is_named(node: Node, cell: Cell) -> None:
    client, _who = cell
    csrf = _login(client, "sato")
    before = _counts(node)
    answer = client.post(
        "/intel/observations",
        data={**OBSERVATION, "place": "Na\u0000ha", "csrf_token": csrf},
    )
    assert answer.status_code == 422, answer.text
    assert "Place: the text holds a character no text may hold (U+0000" in answer.text
    assert _counts(node) == before


def test_the_assessment_form_names_the_range_and_every_empty_field(node: Node, cell: Cell) -> None:
    client, _who = cell
    csrf = _login(client, "sato")
    for lang, words in (("en", "from 0 to 100"), ("ja", "0 から 100")):
        client.cookies.set(cookies(client).lang, lang)
        high = client.post(
            "/intel/assessments",
            data={"name": "t", "judgement": "j", "confidence": "101", "csrf_token": csrf},
        )
        assert high.status_code == 422
        assert words in _error(high.text)
    client.cookies.set(cookies(client).lang, "en")
    empty = client.post("/intel/assessments", data={"csrf_token": csrf})
    assert empty.status_code == 422
    said = _error(empty.text)
    for name in ("Title", "Judgement", "Confidence"):
        assert f"{name}: this field is required." in said


def test_an_observation_is_timed_in_the_readers_zone_and_titled_by_its_place(
    node: Node, cell: Cell
) -> None:
    client, who = cell
    csrf = _login(client, "sato")  # JPN: Japan Standard Time
    form = client.get("/intel/observations").text
    assert "(UTC)" not in form
    assert "Asia/Tokyo" in form
    assert 'type="datetime-local" name="observed_at"' in form
    made = client.post(
        "/intel/observations",
        data={**OBSERVATION, "observed_at": "2026-12-01T10:00", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    oid = made.headers["location"].rsplit("/", 1)[-1]
    stored = client.get(f"/api/v1/objects/{oid}", headers=who["sato"]).json()
    assert stored["object"]["observed_at"].startswith("2026-12-01T01:00:00")
    shown = client.get(f"/objects/{oid}").text
    assert "Observed at (UTC)" not in shown
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", shown, re.S)
    assert heading
    assert "Naha" in heading.group(1)
    assert oid not in heading.group(1)
