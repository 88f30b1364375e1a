"""Joint products across two nodes in one process (each served over real HTTP):
approvals made by an officer on each nation's own node, the release on the product's
node of exactly the version approved, and every way around it refused.

Reproduction 1 of issue 10 (an author widening the approving nations and the target
label through the generic PUT, then partner officers releasing a JPN product) and
the first half of reproduction 5 (a joint product never released across two nodes)
are here. Two `kizuna serve` processes: tests/e2e/test_joint_processes.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna import audit
from kizuna.bootstrap import initialize, open_node
from kizuna.db.schema import objects, versions
from kizuna.domains.intel import joint, model, service
from kizuna.domains.intel.schema import intel_approvals
from kizuna.errors import Conflict, Disallowed, Refused, StoreError
from kizuna.federation import peers as peer_service
from kizuna.federation.pull import pull_once
from kizuna.identity.principal import Principal
from kizuna.labels import can_read, parse
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.factories import PASSWORD, add_user, bearer, cookies, live_server, sign_in

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

DRAFT = "SECRET//BIAC//REL TO JPN, USA"
TARGET = "SECRET//REL TO JPN, USA"
KINDS = {k.key: k for k in model.KINDS}


@pytest.fixture
def usa(tmp_path: Path) -> Iterator[Node]:
    (tmp_path / "usa").mkdir()
    settings = node_settings(f"sqlite:///{tmp_path / 'usa.db'}", tmp_path / "usa")
    settings = settings.model_copy(update={"key_file": tmp_path / "usa" / "node.pem"})
    initialize(settings, nation="USA")
    opened = open_node(settings)
    try:
        yield opened
    finally:
        opened.db.dispose()


def _user(node: Node, name: str, roles: list[str]) -> tuple[Principal, dict[str, str]]:
    user, token = add_user(node, name, nation=node.nation, compartments=["BIAC"], roles=roles)
    return user.principal, bearer(token)


def _draft(node: Node, author: Principal, label: str = DRAFT) -> str:
    aid = service.create(
        node.store,
        author,
        KINDS["assessments"],
        {"name": "Maritime activity", "judgement": "Patrols continue.", "confidence": 60},
        label,
    ).id
    return service.create(
        node.store,
        author,
        KINDS["joint-products"],
        {"name": "Joint assessment", "contributions": [aid], "target_label": TARGET},
        label,
    ).id


def _counts(node: Node) -> tuple[int, int, int]:
    with node.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(objects)).scalar_one(),
            conn.execute(select(func.count()).select_from(versions)).scalar_one(),
            conn.execute(select(func.count()).select_from(intel_approvals)).scalar_one(),
        )


def _refusals(node: Node, target: str) -> list[str]:
    with node.db.read() as conn:
        return [
            str(e.detail.get("reason", ""))
            for e in audit.entries(conn, limit=500)
            if e.target == target and e.action == "refused"
        ]


def test_reproduction_1_no_release_past_the_releasing_officer(node: Node) -> None:
    """An author widens the approving nations and the target label with a generic
    PUT; partner officers then approve. Before: the node released a JPN object to five
    nations at UNCLASSIFIED with no JPN officer. Now the PUT is refused (naming the
    cell's endpoint), so is the cell's own edit of those fields, and no partner
    officer can approve on this node: the product stays a draft at its label."""
    sato, _ = _user(node, "sato", ["author", "releasing_officer"])
    _, author = _user(node, "kato", ["author"])
    for name, nation in (("jones", "USA"), ("wilson", "AUS")):
        add_user(node, name, nation=nation, compartments=["BIAC"], roles=["releasing_officer"])
    pid = _draft(node, sato)
    tokens = {}
    with node.db.write() as conn:
        from kizuna.identity import service as identity

        for name in ("jones", "wilson"):
            found = identity.find_user(conn, name)
            assert found is not None
            tokens[name] = bearer(identity.issue_token(conn, user=found, actor="test"))
    with TestClient(create_app(node)) as client:
        body = client.get(f"/api/v1/objects/{pid}", headers=author).json()["object"]
        ext = body["extensions"][model.JOINT_PRODUCT]
        forged = {
            **body,
            "extensions": {
                **body["extensions"],
                model.JOINT_PRODUCT: {
                    **ext,
                    "nations": ["AUS", "USA"],
                    "target_label": "UNCLASSIFIED//REL TO JPN, USA, AUS, KOR, PHL, NATO",
                },
            },
        }
        forged.pop("modified")
        before = _counts(node)
        put = client.put(f"/api/v1/objects/{pid}", json={"object": forged}, headers=author)
        assert put.status_code == 422, put.text
        assert "/api/v1/intel/joint-products" in put.json()["detail"]
        edit = client.put(
            f"/api/v1/intel/joint-products/{pid}",
            json={"fields": {"target_label": "UNCLASSIFIED//REL TO JPN, USA, AUS"}},
            headers=author,
        )
        assert edit.status_code == 422, edit.text
        assert edit.json()["field"] == "target_label"
        assert _counts(node) == before

        state = client.get(f"/api/v1/intel/joint-products/{pid}/approvals", headers=author)
        digest = state.json()["digest"]
        # USA approves on the USA node; AUS does not even read the draft.
        for name, status in (("jones", 403), ("wilson", 404)):
            answer = client.post(
                f"/api/v1/intel/joint-products/{pid}/approve",
                json={"digest": digest},
                headers=tokens[name],
            )
            assert answer.status_code == status, answer.text
        assert _counts(node) == before
    product = node.store.get(node.system, pid)
    assert product.label == parse(node.policy, DRAFT)
    assert product.object["extensions"][model.JOINT_PRODUCT]["nations"] == ["JPN", "USA"]
    assert product.object["extensions"][model.JOINT_PRODUCT]["target_label"] == TARGET
    assert len(_refusals(node, pid)) == 4  # the PUT, the edit, both approvals


def _peer(a: Node, b: Node, url: str, token: str = "") -> str:
    with a.db.write() as conn:
        return peer_service.add_peer(
            conn,
            policy=a.policy,
            own_nation=a.nation,
            actor="test",
            nation=b.nation,
            url=url,
            public_key_pem=public_key_pem(b.key),
            max_level="SECRET",
            compartments=["BIAC", "CYBER"],
            pull_token=token,
        )


def _pull(here: Node, nation: str) -> int:
    with here.db.read() as conn:
        found = peer_service.find_peer(conn, nation)
    assert found is not None
    return pull_once(here, found).stored


@pytest.fixture
def peered(node: Node, usa: Node) -> Iterator[tuple[Node, Node]]:
    with live_server(node) as jpn_url, live_server(usa) as usa_url:
        token_for_usa = _peer(node, usa, usa_url)
        token_for_jpn = _peer(usa, node, jpn_url, token_for_usa)
        with node.db.write() as conn:
            peer_service.set_pull_token(conn, actor="test", nation="USA", token=token_for_jpn)
        yield node, usa


def test_an_officer_on_each_node_approves_and_the_product_is_released_on_both(
    peered: tuple[Node, Node],
) -> None:
    """Reproduction 5, first half: JPN drafts; USA's officer approves on the USA node,
    JPN's on the JPN node; the approval travels to JPN, which releases the approved
    version; the released version travels back to USA."""
    jpn, usa = peered
    sato, _ = _user(jpn, "sato", ["author", "releasing_officer"])
    jones, _ = _user(usa, "jones", ["releasing_officer"])
    pid = _draft(jpn, sato)
    assert _pull(usa, "JPN") >= 2
    seen = joint.joint_state(usa.store, jones, pid)
    assert seen.state == "draft"
    assert seen.nations == ["JPN", "USA"]
    # The same version has the same digest on both nodes.
    assert seen.digest == joint.joint_state(jpn.store, sato, pid).digest

    on_usa = joint.approve(usa.store, jones, pid, seen.digest)
    assert [a.nation for a in on_usa.approvals] == ["USA"]
    assert on_usa.waiting_for == ["JPN"]
    approval = on_usa.approvals[0].id
    assert usa.store.get(usa.system, approval).origin == "USA"
    assert usa.store.get(usa.system, approval).label == parse(usa.policy, DRAFT)

    assert _pull(jpn, "USA") == 1
    on_jpn = joint.joint_state(jpn.store, sato, pid)
    assert on_jpn.state == "draft"
    assert [(a.nation, a.officer) for a in on_jpn.approvals] == [("USA", "jones")]

    done = joint.approve(jpn.store, sato, pid, on_jpn.digest)
    assert done.state == "released"
    released = jpn.store.get(jpn.system, pid)
    assert released.label == parse(jpn.policy, TARGET)
    assert released.object["extensions"][model.JOINT_PRODUCT]["approved_digest"] == seen.digest
    assert sorted(a.nation for a in done.approvals) == ["JPN", "USA"]

    assert _pull(usa, "JPN") >= 2  # JPN's approval and the released version
    there = joint.joint_state(usa.store, jones, pid)
    assert there.state == "released"
    assert there.product.body == released.body
    assert there.product.label == parse(usa.policy, TARGET)
    assert sorted(a.nation for a in there.approvals) == ["JPN", "USA"]
    # Walk 44: each node said its own arrival time for the same approval.
    assert sorted((a.nation, a.approved_at) for a in there.approvals) == sorted(
        (a.nation, a.approved_at) for a in done.approvals
    )
    with jpn.db.read() as conn:
        actions = [e.action for e in audit.entries(conn, limit=200) if e.target == pid]
    assert actions.count("joint.release") == 1


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_last_approval_on_the_partners_node_says_who_releases(
    peered: tuple[Node, Node], lang: str
) -> None:
    """Walk 37: JPN approved first; once USA's officer approved on the USA node, the
    product there read "Draft" with nothing more until JPN's release arrived. It says
    every nation approved and that JPN's node releases it."""
    jpn, usa = peered
    sato, _ = _user(jpn, "sato", ["author", "releasing_officer"])
    jones, _ = _user(usa, "jones", ["releasing_officer"])
    pid = _draft(jpn, sato)
    joint.approve(jpn.store, sato, pid, joint.joint_state(jpn.store, sato, pid).digest)
    assert _pull(usa, "JPN") >= 3
    done = joint.approve(usa.store, jones, pid, joint.joint_state(usa.store, jones, pid).digest)
    assert done.state == "draft"
    assert done.waiting_for == []
    add_user(usa, "viewer", nation="USA", compartments=["BIAC"], password=PASSWORD)
    with TestClient(create_app(usa)) as web:
        sign_in(web, "viewer", lang=lang)
        page = web.get(f"/intel/joint/{pid}").text
    note = page.split('id="joint-releasing">', 1)[1].split("</span>", 1)[0]
    assert note == (
        "全ての国が承認しました。日本のノードが公開します。"
        if lang == "ja"
        else "Approved by every nation: the node of Japan releases it."
    )
    # Before the last approval, no such note.
    draft_only = _draft(jpn, sato)
    assert _pull(usa, "JPN") >= 1
    with TestClient(create_app(usa)) as web:
        sign_in(web, "viewer", lang=lang)
        assert 'id="joint-releasing"' not in web.get(f"/intel/joint/{draft_only}").text


def test_an_edit_after_an_approval_is_not_released(peered: tuple[Node, Node]) -> None:
    """USA approves; JPN's author edits the draft; JPN's officer then approves: the
    edited version is not released (USA approved the version before it), an approval
    of the old version is refused, and a USA approval of the old version arriving
    after the edit is refused on arrival."""
    jpn, usa = peered
    sato, _ = _user(jpn, "sato", ["author", "releasing_officer"])
    jones, _ = _user(usa, "jones", ["releasing_officer"])
    pid = _draft(jpn, sato)
    _pull(usa, "JPN")
    old = joint.joint_state(usa.store, jones, pid).digest
    joint.approve(usa.store, jones, pid, old)
    _pull(jpn, "USA")

    edited = joint.revise(jpn.store, sato, pid, {"description": "Adds a paragraph."})
    assert edited.digest != old
    assert edited.approvals == []  # USA's approval was of the version before
    with pytest.raises(Conflict, match="another version"):
        joint.approve(jpn.store, sato, pid, old)
    after = joint.approve(jpn.store, sato, pid, edited.digest)
    assert after.state == "draft"
    assert after.waiting_for == ["USA"]
    assert jpn.store.get(jpn.system, pid).label == parse(jpn.policy, DRAFT)

    # USA approves the new version once it has it; that release is of the new version.
    _pull(usa, "JPN")
    new = joint.joint_state(usa.store, jones, pid)
    assert new.digest == edited.digest
    joint.approve(usa.store, jones, pid, new.digest)
    _pull(jpn, "USA")
    released = jpn.store.get(jpn.system, pid)
    assert released.object["description"] == "Adds a paragraph."
    assert released.object["extensions"][model.JOINT_PRODUCT]["approved_digest"] == edited.digest


def _arrive(node: Node, body: dict[str, Any], label: str, origin: str) -> None:
    """What the federation receiver does with a judged object: store it, run the hooks."""
    with node.store.transaction(node.system) as conn:
        made = node.store.accept_in(
            conn,
            body=body,
            label=parse(node.policy, label),
            origin=origin,
            author=f"node:{origin}",
            version=1,
        )
        assert made is not None
        for hook in node.arrival_hooks:
            hook(node, conn, made)


def _approval(pid: str, digest: str, nation: str, modified: str) -> dict[str, Any]:
    made = model.approval(
        product=pid,
        product_digest=digest,
        product_modified=modified,
        nation=nation,
        officer="someone",
    )
    return {"id": f"{model.APPROVAL_TYPE}--{uuid.uuid4()}", **made}


def test_a_bad_approval_arriving_at_the_products_node_is_refused_and_nothing_kept(
    node: Node,
) -> None:
    """Approvals from a peer that approve an old version, come from a nation that does
    not approve, speak for another nation, or come twice: each raises (the receiver
    refuses that one object) and nothing of it is kept."""
    sato, _ = _user(node, "sato", ["author", "releasing_officer"])
    pid = _draft(node, sato)
    product = node.store.get(node.system, pid)
    digest = joint.joint_state(node.store, sato, pid).digest
    old = digest
    joint.revise(node.store, sato, pid, {"name": "Joint assessment, second draft"})
    digest = joint.joint_state(node.store, sato, pid).digest
    wide = "SECRET//BIAC//REL TO JPN, USA, AUS"
    cases: list[tuple[dict[str, Any], str, str, type[StoreError], str]] = [
        (_approval(pid, old, "USA", product.modified), DRAFT, "USA", Conflict, "another version"),
        (_approval(pid, digest, "AUS", product.modified), wide, "AUS", Refused, "approving"),
        (_approval(pid, digest, "JPN", product.modified), DRAFT, "USA", Disallowed, "JPN"),
        (_approval(pid, digest, "USA", product.modified), wide, "USA", StoreError, "label"),
    ]
    for body, label, origin, error, words in cases:
        before = _counts(node)
        with pytest.raises(error, match=words):
            _arrive(node, body, label, origin)
        assert _counts(node) == before
    _arrive(node, _approval(pid, digest, "USA", product.modified), DRAFT, "USA")
    before = _counts(node)
    with pytest.raises(Conflict, match="already approved"):
        _arrive(node, _approval(pid, digest, "USA", product.modified), DRAFT, "USA")
    assert _counts(node) == before
    assert joint.joint_state(node.store, sato, pid).waiting_for == ["JPN"]


def test_bad_approvals_get_a_clear_4xx_write_nothing_and_are_audited(node: Node) -> None:
    """Through the REST API: an approval of an old version, a malformed digest, an
    officer of a nation that does not approve, an officer of an approving nation on
    another nation's node, and a second approval of the same version."""
    sato, author = _user(node, "sato", ["author", "releasing_officer"])
    _, tanaka = _user(node, "tanaka", ["releasing_officer"])
    pid = _draft(node, sato)
    tokens = {}
    for name, nation in (("jones", "USA"), ("wilson", "AUS")):
        _, token = add_user(
            node, name, nation=nation, compartments=["BIAC"], roles=["releasing_officer"]
        )
        tokens[nation] = bearer(token)
    with TestClient(create_app(node)) as client:
        url = f"/api/v1/intel/joint-products/{pid}"
        old = client.get(f"{url}/approvals", headers=author).json()["digest"]
        edit = client.put(url, json={"fields": {"name": "Second draft"}}, headers=author)
        assert edit.status_code == 200, edit.text
        digest = edit.json()["digest"]
        assert digest != old
        before = _counts(node)
        stale = client.post(f"{url}/approve", json={"digest": old}, headers=tanaka)
        assert stale.status_code == 409
        assert stale.json()["field"] == "digest"
        malformed = client.post(f"{url}/approve", json={"digest": "abc"}, headers=tanaka)
        assert malformed.status_code == 422
        # A nation that does not approve is one the draft is not releasable to: its
        # officer does not see the draft at all (the arrival of such an approval is
        # refused: see the test above).
        outsider = client.post(f"{url}/approve", json={"digest": digest}, headers=tokens["AUS"])
        assert outsider.status_code == 404
        partner = client.post(f"{url}/approve", json={"digest": digest}, headers=tokens["USA"])
        assert partner.status_code == 403
        assert "approve on the USA node" in partner.json()["detail"]
        assert _counts(node) == before

        first = client.post(f"{url}/approve", json={"digest": digest}, headers=tanaka)
        assert first.status_code == 200, first.text
        middle = _counts(node)
        assert middle[2] == before[2] + 1
        twice = client.post(f"{url}/approve", json={"digest": digest}, headers=author)
        assert twice.status_code == 409
        assert "already approved" in twice.json()["detail"]
        unknown = client.post(
            "/api/v1/intel/joint-products/grouping--00000000-0000-4000-8000-000000000000/approve",
            json={"digest": digest},
            headers=tanaka,
        )
        assert unknown.status_code == 404
        assert _counts(node) == middle
    reasons = _refusals(node, pid)
    for words in ("another version", "no joint product", "USA node", "already approved"):
        assert any(words in r for r in reasons), (words, reasons)


def test_the_two_node_demo_releases_its_joint_product_on_both(tmp_path: Path) -> None:
    """`kizuna demo`: JPN's node holds a draft for JPN and USA; `sato` approves on
    JPN, `jones` on USA; it is released on both."""
    from sqlalchemy import update

    from kizuna import demo
    from kizuna.domains.intel.demo import DRAFT as DEMO_DRAFT
    from kizuna.domains.intel.demo import TARGET as DEMO_TARGET
    from kizuna.federation.schema import peers
    from kizuna.identity import service as identity

    jpn, usa = (d.node for d in demo.build(tmp_path / "demo", ["JPN", "USA"]))
    try:
        page = service.listing(jpn.store, jpn.system, KINDS["joint-products"])
        [product] = page.items
        assert product.label == parse(jpn.policy, DEMO_DRAFT)

        def officer(node: Node, name: str) -> Principal:
            with node.db.read() as conn:
                found = identity.find_user(conn, name)
            assert found is not None
            assert found.principal.nation == node.nation
            return found.principal

        sato, jones = officer(jpn, "sato"), officer(usa, "jones")
        with live_server(jpn) as jpn_url, live_server(usa) as usa_url:
            # The demo peers them at its fixed ports; here they serve on free ones.
            for here, nation, url in ((jpn, "USA", usa_url), (usa, "JPN", jpn_url)):
                with here.db.write() as conn:
                    conn.execute(update(peers).where(peers.c.nation == nation).values(url=url))
            _pull(usa, "JPN")
            state = joint.joint_state(usa.store, jones, product.id)
            joint.approve(usa.store, jones, product.id, state.digest)
            joint.approve(jpn.store, sato, product.id, state.digest)
            _pull(jpn, "USA")
            _pull(usa, "JPN")
        for node, who in ((jpn, sato), (usa, jones)):
            shown = joint.joint_state(node.store, who, product.id)
            assert shown.state == "released"
            assert shown.product.label == parse(node.policy, DEMO_TARGET)
        # A reader of the released product who may not read the approvals (they keep
        # the draft's label) is not told that anything still waits.
        low = add_user(usa, "low-reader", nation="USA", clearance="SECRET")[0].principal
        assert not can_read(low.clearance, parse(usa.policy, DEMO_DRAFT))
        assert can_read(low.clearance, parse(usa.policy, DEMO_TARGET))
        with usa.db.write() as conn:
            found = identity.find_user(conn, "low-reader")
            assert found is not None
            session = identity.start_session(conn, found)
        with TestClient(create_app(usa)) as web:
            web.cookies.set(cookies(web).session, session)
            web.cookies.set(cookies(web).lang, "en")
            page = web.get(f"/intel/joint/{product.id}")
        assert page.status_code == 200
        assert "waiting" not in page.text
        for nation in ("Japan", "United States"):
            assert f"{nation}: approved (the approval's record is not releasable to you)" in (
                page.text.replace("&#39;", "'")
            )
    finally:
        jpn.db.dispose()
        usa.db.dispose()


def test_the_cli_shows_the_digest_approves_it_and_refuses_bad_input(node: Node) -> None:
    from typer.testing import CliRunner

    from kizuna.cli.main import app

    sato, _ = _user(node, "sato", ["author", "releasing_officer"])
    pid = _draft(node, sato)
    env = {"KIZUNA_KEY_FILE": str(node.settings.key_file), "COLUMNS": "200"}
    db = ["--db", node.settings.database_url]
    runner = CliRunner()
    shown = runner.invoke(app, ["intel", "show", pid, "--as", "sato", *db], env=env)
    assert shown.exit_code == 0, shown.output
    digest = joint.joint_state(node.store, sato, pid).digest
    assert f"digest: {digest}" in shown.output
    assert "waiting for: USA" in shown.output
    before = _counts(node)
    for args, words in (
        (["--as", "sato", "--digest", "0" * 64], "another version"),
        (["--as", "nobody", "--digest", digest], "no user nobody"),
    ):
        bad = runner.invoke(app, ["intel", "approve", pid, *args, *db], env=env)
        assert bad.exit_code == 2, bad.output
        assert words in bad.output
    assert _counts(node) == before
    good = runner.invoke(
        app, ["intel", "approve", pid, "--as", "sato", "--digest", digest, *db], env=env
    )
    assert good.exit_code == 0, good.output
    assert "approved: JPN sato" in good.output
