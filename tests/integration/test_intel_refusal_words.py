"""A joint product's refusals on the cell's pages say their own reason, in both
languages: a draft not readable by a contributing nation (under the Label field, not
the generic wording of a label), and an approval by someone who is not a releasing
officer (walk 40)."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.intel import model, service
from kizuna.identity import service as identity
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, report, sign_in

pytestmark = pytest.mark.sqlite_only

_SAID = re.compile(r'id="intel-error">([^<]*)')
_DRAFT = "SECRET//REL TO JPN, USA"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _said(html: str) -> str:
    found = _SAID.search(html)
    assert found, html
    return found.group(1)


def test_a_draft_a_contributing_nation_cannot_read_is_refused_in_its_own_words(
    node: Node,
) -> None:
    # A releasing officer: a draft of several nations is a release decision, refused
    # (403) to anyone else before any rule of its label (walk 47).
    add_user(node, "kato", roles=["author", "releasing_officer"], password=PASSWORD)
    # A report of Australia's, arrived from its node: the draft gathers it.
    with node.store.transaction(node.system) as conn:
        made = node.store.accept_in(
            conn,
            body={
                **report("Theirs"),
                "id": f"report--{uuid.uuid4()}",
                "spec_version": "2.1",
                "created": "2026-11-28T10:00:00.000Z",
                "modified": "2026-11-28T10:00:00.000Z",
            },
            label=parse(node.policy, "SECRET//REL TO JPN, AUS"),
            origin="AUS",
            author="node:AUS",
            version=1,
        )
        assert made is not None
    # The draft is of JPN and USA: Australia could not read it.
    fill = {"name": "Joint", "target_label": _DRAFT, "contributions": [made.id],
            "label": _DRAFT}  # fmt: skip
    said = {}
    with TestClient(create_app(node)) as client:
        for lang in ("ja", "en"):
            sign_in(client, "kato", lang=lang)
            form = client.get("/intel/joint-products")
            answer = client.post(
                "/intel/joint-products", data={"csrf_token": _csrf(form.text), **fill}
            )
            assert answer.status_code == 422, answer.text
            said[lang] = _said(answer.text)
    assert said["en"] == (
        "Label: the draft must be readable by the nations whose objects it gathers: write "
        "a label releasable to each of them."
    )
    assert said["ja"] == (
        "区分：草案は、含めるオブジェクトの作成国がすべて読める必要があります。"
        "そのすべての国に提供可の区分を入力してください。"
    )


def test_an_approval_by_someone_not_a_releasing_officer_says_why(node: Node) -> None:
    # An officer drafts the product (a draft releasable to the USA is theirs to write);
    # an author who is not a releasing officer reads it and posts an approval by hand.
    add_user(node, "tanaka", roles=["author", "releasing_officer"], password=PASSWORD)
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    with node.db.read() as conn:
        tanaka = identity.find_user(conn, "tanaka")
        assert tanaka is not None
    kinds = {k.key: k for k in model.KINDS}
    aid = service.create(node.store, tanaka.principal, kinds["assessments"],
                         {"name": "A", "judgement": "j", "confidence": 50}, _DRAFT).id  # fmt: skip
    pid = service.create(
        node.store,
        tanaka.principal,
        kinds["joint-products"],
        {"name": "Joint", "contributions": [aid], "target_label": "UNCLASSIFIED//REL TO JPN, USA"},
        _DRAFT,
    ).id
    said = {}
    with TestClient(create_app(node)) as client:
        for lang in ("ja", "en"):
            sign_in(client, "sato", lang=lang)
            page = client.get(f"/intel/joint/{pid}")
            assert 'id="approve"' not in page.text
            # Posted by hand: refused, and the page says why.
            answer = client.post(
                f"/intel/joint/{pid}/approve",
                data={"csrf_token": _csrf(page.text), "digest": "0" * 64},
            )
            assert answer.status_code == 403, answer.text
            said[lang] = re.findall(r'<p class="error" role="alert">([^<]*)', answer.text)
    assert said["en"] == ["Only a releasing officer approves a joint product."]
    assert said["ja"] == ["共同分析成果物を承認できるのは提供責任者だけです。"]


def test_a_draft_above_the_agreement_names_the_nation_and_the_agreement(node: Node) -> None:
    """Walk 47: the page said "above what this node agreed with an approving nation"
    (「その国のノードは…」) where REST names the nation and what was agreed: the
    agreement with a partner is the author's to know. The page names both, in the
    reader's words."""
    from tests.integration.test_intel_joint_fit import _agree, _assessment, _officer

    sato, _ = _officer(node, "sato", clearance="TOP SECRET", compartments=("BIAC",))
    _agree(node, "USA", "SECRET", ["BIAC"])
    high = "TOP SECRET//BIAC//REL TO JPN, USA"
    fill = {"name": "Joint", "contributions": _assessment(node, sato, high),
            "target_label": "SECRET//REL TO JPN, USA", "label": high}  # fmt: skip
    said = {}
    with TestClient(create_app(node)) as client:
        for lang in ("ja", "en"):
            sign_in(client, "sato", lang=lang)
            form = client.get("/intel/joint-products")
            answer = client.post(
                "/intel/joint-products", data={"csrf_token": _csrf(form.text), **fill}
            )
            assert answer.status_code == 422, answer.text
            said[lang] = _said(answer.text)
    assert said["en"] == (
        "Label: this label is above what this node agreed with United States "
        "(SECRET//BIAC): the node of United States would never receive the product. "
        "Write a label within the agreement."
    )
    assert said["ja"] == (
        "区分：この区分は、このノードが米国と結んだ取決め（極秘//BIAC）の範囲を超えています。"
        "米国のノードは成果物を受け取れません。取決めの範囲内の区分を入力してください。"
    )
