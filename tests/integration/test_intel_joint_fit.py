"""What a joint product's approvers must be able to read and receive (user walk with
two nodes, JPN and USA), and the cell's refusals of bad input:

3. the approvals of a released product whose approval records the reader may not read
   are counted as approved (withheld), not as still to come;
4. an unknown key of `fields` is refused, naming it;
5. a missing confidence is said to be required.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from kizuna.domains.intel import joint, model, service
from kizuna.federation import peers as peer_service
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, bearer, sign_in
from tests.integration.test_intel_joint import (  # noqa: F401 (fixtures, used by name)
    _approval,
    _arrive,
    _counts,
    _pull,
    peered,
    usa,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

DRAFT = "SECRET//BIAC//REL TO JPN, USA"
TARGET = "SECRET//REL TO JPN, USA"
KINDS = {k.key: k for k in model.KINDS}
JOINT = "/api/v1/intel/joint-products"


def _officer(
    node: Node, name: str, clearance: str = "SECRET", compartments: tuple[str, ...] = ("BIAC",)
) -> tuple[Any, dict[str, str]]:
    user, token = add_user(
        node, name, nation=node.nation, clearance=clearance, compartments=list(compartments),
        roles=["author", "releasing_officer"], password=PASSWORD,
    )  # fmt: skip
    return user.principal, bearer(token)


def _assessment(node: Node, author: Any, label: str = DRAFT) -> str:
    return service.create(
        node.store, author, KINDS["assessments"],
        {"name": "Maritime activity", "judgement": "Patrols continue.", "confidence": 60}, label,
    ).id  # fmt: skip


def _agree(node: Node, nation: str, level: str, compartments: list[str]) -> None:
    """A peer of `nation` with that agreement (the pull itself is not needed here)."""
    with node.db.write() as conn:
        peer_service.add_peer(
            conn, policy=node.policy, own_nation=node.nation, actor="test", nation=nation,
            url="http://127.0.0.1:9", public_key_pem=public_key_pem(Ed25519PrivateKey.generate()),
            max_level=level, compartments=compartments,
        )  # fmt: skip


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


# -- 3. approvals of a released product the reader may not read ----------------------


def test_a_released_products_withheld_approvals_are_not_waited_for(node: Node) -> None:
    """Walk: the API said `"state":"released", "approvals":[], "waiting_for":["JPN",
    "USA"]` to a reader of the release who may not read the approvals; the page said
    approved. Now the API says so too: withheld, waiting for no one."""
    sato, _ = _officer(node, "sato")
    pid = service.create(
        node.store, sato, KINDS["joint-products"],
        {"name": "j", "contributions": [_assessment(node, sato)], "target_label": TARGET},
        DRAFT,
    ).id  # fmt: skip
    product = node.store.get(sato, pid)
    digest = joint.approve(node.store, sato, pid, joint.joint_state(node.store, sato, pid).digest
                           ).digest  # fmt: skip
    _arrive(node, _approval(pid, digest, "USA", product.modified), DRAFT, "USA")
    _, low = add_user(node, "low", nation="USA", clearance="SECRET")
    with TestClient(create_app(node)) as client:
        seen = client.get(f"{JOINT}/{pid}/approvals", headers=bearer(low)).json()
        full = client.get(f"{JOINT}/{pid}/approvals", headers=_officer(node, "tanaka")[1]).json()
    assert seen["state"] == "released"
    assert seen["approvals"] == []
    assert seen["waiting_for"] == []
    assert seen["withheld"] == ["JPN", "USA"]
    assert sorted(a["nation"] for a in full["approvals"]) == ["JPN", "USA"]
    assert full["withheld"] == []
    assert full["waiting_for"] == []


# -- 4 and 5. the fields of a new object ------------------------------------------------


def test_an_unknown_field_is_refused_naming_it_and_nothing_is_written(node: Node) -> None:
    _, token = _officer(node, "sato")
    valid = {"name": "n", "judgement": "j", "confidence": 60}
    before = _counts(node)
    with TestClient(create_app(node)) as client:
        for kind, fields, key in (
            ("assessments", {**valid, "bogus": "zzz"}, "bogus"),
            (
                "reports",
                {"name": "r", "object_refs": [f"report--{uuid.uuid4()}"], "x_evil": 1},
                "x_evil",
            ),
            ("joint-products", {"name": "j", "target_label": TARGET, "labels": "x"}, "labels"),
        ):
            answer = client.post(f"/api/v1/intel/{kind}", json={"fields": fields}, headers=token)
            assert answer.status_code == 422, answer.text
            assert answer.json()["field"] == f"fields.{key}"
            assert f"unknown key '{key}'" in answer.json()["detail"]
    assert _counts(node) == before


def test_a_missing_confidence_is_said_to_be_required(node: Node) -> None:
    _, token = _officer(node, "sato")
    before = _counts(node)
    with TestClient(create_app(node)) as client:
        missing = client.post(
            "/api/v1/intel/assessments",
            json={"fields": {"name": "n", "judgement": "j"}},
            headers=token,
        )
        assert missing.status_code == 422, missing.text
        assert missing.json()["field"] == "confidence"
        assert missing.json()["detail"] == "'confidence' is a required property"
        # A fraction is not cut down to a whole number unseen.
        cut = client.post(
            "/api/v1/intel/assessments",
            json={"fields": {"name": "n", "judgement": "j", "confidence": 60.5}},
            headers=token,
        )
        assert cut.status_code == 422, cut.text
        assert "whole number" in cut.json()["detail"]
        sign_in(client, "sato", lang="en")
        form = client.get("/intel/assessments")
        page = client.post(
            "/intel/assessments",
            data={"csrf_token": _csrf(form.text), "name": "n", "judgement": "j",
                  "confidence": ""},
        )  # fmt: skip
        assert page.status_code == 422
        assert "Confidence: this field is required." in page.text
    assert _counts(node) == before
