"""What a joint product's approvers must be able to read and receive (user walk with
two nodes, JPN and USA), and the cell's refusals of bad input:

1. a target label above the drafter's clearance, or above this node's agreement with
   an approving nation, is refused on every path that sets it, and nothing is written;
2. a contribution an approving nation may not read at the draft's label is refused on
   drafting and on an edit; one narrowed after drafting stops the approval, here and
   on the partner's node, until the product is edited;
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
from sqlalchemy import update

from kizuna import audit
from kizuna.domains.intel import joint, model, service
from kizuna.errors import Conflict, Invalid
from kizuna.federation import peers as peer_service
from kizuna.federation.schema import peers
from kizuna.labels import parse
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


# -- 1. the target label ---------------------------------------------------------------


def test_a_target_above_the_drafters_clearance_is_refused_on_every_path(node: Node) -> None:
    """Walk: sato (SECRET) drafted at SECRET//BIAC with a TOP SECRET target: 201, then
    the release made the product unreadable to him. Now 403 naming target_label,
    audited, nothing written; the page says it under the Target label field."""
    sato, token = _officer(node, "sato")
    aid = _assessment(node, sato)
    before = _counts(node)
    with TestClient(create_app(node)) as client:
        for target, words in (
            ("TOP SECRET//REL TO JPN, USA", "above the clearance of sato"),
            ("SECRET//CYBER//REL TO JPN, USA", "CYBER, a compartment sato does not hold"),
        ):
            answer = client.post(
                JOINT,
                json={"fields": {"name": "j", "contributions": [aid], "target_label": target},
                      "label": DRAFT},
                headers=token,
            )  # fmt: skip
            assert answer.status_code == 403, answer.text
            assert answer.json()["field"] == "target_label"
            assert words in answer.json()["detail"]
        assert _counts(node) == before
        sign_in(client, "sato", lang="en")
        form = client.get("/intel/joint-products")
        page = client.post(
            "/intel/joint-products",
            data={"csrf_token": _csrf(form.text), "name": "j", "contributions": aid,
                  "target_label": "TOP SECRET//REL TO JPN, USA", "label": DRAFT},
        )  # fmt: skip
        assert page.status_code == 403, page.text
        assert "Target label: this label is above your clearance" in page.text
        # The edit of a draft sets no target label at all (already refused, 422).
    assert _counts(node) == before
    with node.db.read() as conn:
        refusals = [e.detail for e in audit.entries(conn, limit=500) if e.action == "refused"]
    assert sum("above the clearance of sato" in d.get("reason", "") for d in refusals) == 2


def test_a_target_or_draft_above_the_agreement_with_an_approving_nation_is_refused(
    node: Node,
) -> None:
    """Walk: the release at TOP SECRET was above JPN–USA's agreement, so the USA node
    recalled it: the USA approved a release it never receives. Now the draft and the
    target must be within the agreement with each approving nation that has a node;
    an agreement lowered after drafting stops the approval."""
    sato, token = _officer(node, "sato", clearance="TOP SECRET", compartments=("BIAC", "CYBER"))
    _agree(node, "USA", "SECRET", ["BIAC"])
    aid = _assessment(node, sato)
    before = _counts(node)
    with TestClient(create_app(node)) as client:
        for label, target, field in (
            (DRAFT, "TOP SECRET//REL TO JPN, USA", "target_label"),
            (DRAFT, "SECRET//CYBER//REL TO JPN, USA", "target_label"),
            ("TOP SECRET//BIAC//REL TO JPN, USA", TARGET, "label"),
        ):
            fields = {"name": "j", "contributions": [aid], "target_label": target}
            if label != DRAFT:
                fields["contributions"] = [_assessment(node, sato, label)]
                before = _counts(node)
            answer = client.post(JOINT, json={"fields": fields, "label": label}, headers=token)
            assert answer.status_code == 422, answer.text
            assert answer.json()["field"] == field
            assert "agreed with USA (SECRET//BIAC)" in answer.json()["detail"]
            assert _counts(node) == before
        made = client.post(
            JOINT,
            json={"fields": {"name": "j", "contributions": [aid], "target_label": TARGET},
                  "label": DRAFT},
            headers=token,
        )  # fmt: skip
        assert made.status_code == 201, made.text
    pid = made.json()["id"]
    # The agreement is lowered afterwards: no approval of a release USA would not receive.
    with node.db.write() as conn:
        conn.execute(
            update(peers)
            .where(peers.c.nation == "USA")
            .values(max_rank=node.policy.level_named("CONFIDENTIAL").rank)
        )
    digest = joint.joint_state(node.store, sato, pid).digest
    before = _counts(node)
    with pytest.raises(Invalid, match="agreed with USA") as refused:
        joint.approve(node.store, sato, pid, digest)
    assert refused.value.field == "target_label"
    assert _counts(node) == before


def test_a_draft_above_the_drafters_clearance_is_refused_for_it_before_the_agreement(
    node: Node,
) -> None:
    """Walk 47: a SECRET author drafting at TOP SECRET//BIAC//REL TO JPN, USA was told
    (422) it was above what this node agreed with USA, where the same label on an
    assessment is refused (403) as above his clearance. The caller is checked first, as
    on every other path: role, then clearance (403), then the label's rules (422)."""
    sato, token = _officer(node, "sato")
    _agree(node, "USA", "SECRET", ["BIAC"])
    aid = _assessment(node, sato)
    high = "TOP SECRET//BIAC//REL TO JPN, USA"
    before = _counts(node)
    with TestClient(create_app(node)) as client:
        fields = {"name": "j", "contributions": [aid], "target_label": TARGET}
        answer = client.post(JOINT, json={"fields": fields, "label": high}, headers=token)
        assert answer.status_code == 403, answer.text
        assert answer.json()["field"] == "label"
        assert "above the clearance of sato" in answer.json()["detail"]
        as_assessment = client.post(
            "/api/v1/intel/assessments",
            json={"fields": {"name": "a", "judgement": "j", "confidence": 50}, "label": high},
            headers=token,
        )
        assert (as_assessment.status_code, as_assessment.json()["detail"]) == (
            answer.status_code, answer.json()["detail"],
        )  # fmt: skip
    assert _counts(node) == before


# -- 2. contributions every approving nation reads --------------------------------------


def test_a_contribution_an_approving_nation_cannot_read_is_refused_on_draft_and_edit(
    node: Node,
) -> None:
    """Walk: A1 shared, A2 `SECRET//BIAC` (Japan only): the draft was made (201), and
    USA's officer was offered to approve a product he could not read whole. Now the
    draft and an edit adding A2 are refused (422, naming A2), nothing written."""
    sato, token = _officer(node, "sato")
    a1, a2 = _assessment(node, sato), _assessment(node, sato, "SECRET//BIAC")
    before = _counts(node)
    with TestClient(create_app(node)) as client:
        answer = client.post(
            JOINT,
            json={"fields": {"name": "j", "contributions": [a1, a2], "target_label": TARGET},
                  "label": DRAFT},
            headers=token,
        )  # fmt: skip
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "contributions"
        assert a2 in answer.json()["detail"]
        assert a1 not in answer.json()["detail"]
        assert _counts(node) == before
        made = client.post(
            JOINT,
            json={"fields": {"name": "j", "contributions": [a1], "target_label": TARGET},
                  "label": DRAFT},
            headers=token,
        )  # fmt: skip
        assert made.status_code == 201, made.text
        pid = made.json()["id"]
        before = _counts(node)
        edit = client.put(
            f"{JOINT}/{pid}", json={"fields": {"contributions": [a1, a2]}}, headers=token
        )
        assert edit.status_code == 422, edit.text
        assert edit.json()["field"] == "contributions"
        assert a2 in edit.json()["detail"]
        assert _counts(node) == before
        # The page says it in the reader's words.
        sign_in(client, "sato", lang="ja")
        form = client.get("/intel/joint-products")
        page = client.post(
            "/intel/joint-products",
            data={"csrf_token": _csrf(form.text), "name": "j", "contributions_ids": f"{a1}\n{a2}",
                  "target_label": TARGET, "label": DRAFT},
        )  # fmt: skip
        assert page.status_code == 422, page.text
        assert "寄与：草案を読める者のすべてが読めるとは限らない寄与があります。" in page.text
    assert _counts(node) == before


def test_a_contribution_narrowed_after_drafting_stops_the_approval_until_an_edit(
    node: Node,
) -> None:
    """The product's label and target are fixed, so it cannot follow a narrowed
    contribution: the approval is refused naming it (409, here and on arrival), the
    page offers no approval and says why, and an edit that drops it is approved."""
    sato, _ = _officer(node, "sato")
    a1, a3 = _assessment(node, sato), _assessment(node, sato)
    pid = service.create(
        node.store, sato, KINDS["joint-products"],
        {"name": "j", "contributions": [a1], "target_label": TARGET}, DRAFT,
    ).id  # fmt: skip
    product = node.store.get(sato, pid)
    node.store.release(sato, a1, parse(node.policy, "SECRET//BIAC", originator="JPN"))
    digest = joint.joint_state(node.store, sato, pid).digest
    before = _counts(node)
    with pytest.raises(Conflict, match=f"contribution {a1} is no longer readable") as refused:
        joint.approve(node.store, sato, pid, digest)
    assert refused.value.field == "contributions"
    with pytest.raises(Conflict, match="no longer readable"):
        _arrive(node, _approval(pid, digest, "USA", product.modified), DRAFT, "USA")
    assert _counts(node) == before
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="en")
        page = client.get(f"/intel/joint/{pid}").text
    assert 'id="approve"' not in page
    assert 'id="approve-unfit"' in page
    edited = joint.revise(node.store, sato, pid, {"contributions": [a3]})
    after = joint.approve(node.store, sato, pid, edited.digest)
    assert [a.nation for a in after.approvals] == ["JPN"]


def test_on_the_partners_node_a_narrowed_contribution_is_not_approved(
    peered: tuple[Node, Node],  # noqa: F811 (the fixture imported above, by its name)
) -> None:
    """Two nodes: JPN narrows a contribution after USA received the draft. On USA,
    jones is not offered "Approve release", and an approval posted anyway is refused
    naming the contribution; nothing is written there."""
    jpn, usa_node = peered
    sato, _ = _officer(jpn, "sato")
    _jones, jones_token = _officer(usa_node, "jones")
    a1 = _assessment(jpn, sato)
    pid = service.create(
        jpn.store, sato, KINDS["joint-products"],
        {"name": "j", "contributions": [a1], "target_label": TARGET}, DRAFT,
    ).id  # fmt: skip
    assert _pull(usa_node, "JPN") >= 2
    jpn.store.release(sato, a1, parse(jpn.policy, "SECRET//BIAC", originator="JPN"))
    _pull(usa_node, "JPN")
    with TestClient(create_app(usa_node)) as client:
        state = client.get(f"{JOINT}/{pid}/approvals", headers=jones_token).json()
        before = _counts(usa_node)
        answer = client.post(
            f"{JOINT}/{pid}/approve", json={"digest": state["digest"]}, headers=jones_token
        )
        assert answer.status_code == 409, answer.text
        assert answer.json()["field"] == "contributions"
        assert a1 in answer.json()["detail"]
        assert _counts(usa_node) == before
        sign_in(client, "jones", lang="en")
        page = client.get(f"/intel/joint/{pid}").text
    assert 'id="approve"' not in page
    assert 'id="approve-unfit"' in page


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
        # Walk 44: every unknown key named at once.
        answer = client.post(
            "/api/v1/intel/assessments",
            json={"fields": {**valid, "x_foo": 1, "bogus": 2}},
            headers=token,
        )
        assert answer.status_code == 422
        assert "unknown keys 'bogus', 'x_foo'" in answer.json()["detail"]
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
