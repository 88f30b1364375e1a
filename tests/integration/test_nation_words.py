"""The pages that showed codes, in the reader's words: the header
names the node and the user's nation (日本のノード, sato (日本)); meetings, the
commitments register and a commitment's reviews, a glossary term, an attachment and
the accounts pages name nations and the node's own work; the audit page says each
action in words (its code on hover, an unknown code as it is), names its actor, and
lists its details as key: value with the stored JSON beside them."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from kizuna import audit
from kizuna.domains.glossary.model import TermCreate
from kizuna.domains.glossary.service import create_term
from kizuna.domains.meetings import model, service
from kizuna.labels import parse
from kizuna.runtime import Node
from tests.domains.meetings.test_ingest import SEED
from tests.factories import PASSWORD, add_user, report, sign_in

pytestmark = pytest.mark.sqlite_only

BOTH = "UNCLASSIFIED//REL TO JPN, USA"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _text(page: str) -> str:
    """What a reader reads: the page without its tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _header(page: str) -> str:
    found = re.search(r'<header class="top">.*?</header>', page, re.S)
    assert found
    return found.group(0)


def test_the_header_names_the_node_and_the_users_nation(node: Node, client: TestClient) -> None:
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    add_user(node, "davis", nation="USA", password=PASSWORD)
    sign_in(client, "sato", lang="ja")
    header = _header(client.get("/").text)
    assert '<span class="node" title="JPN">日本のノード</span>' in header
    assert 'sato（<span class="nation" title="JPN">日本</span>）' in header
    assert "JPN" not in _text(header)

    client.cookies.clear()
    sign_in(client, "davis", lang="en")
    header = _header(client.get("/objects").text)
    assert '<span class="node" title="JPN">Japan node</span>' in header
    assert 'davis (<span class="nation" title="USA">United States</span>)' in header
    assert "(USA)" not in _text(header)
    assert "JPN" not in _text(header)


def _meeting(node: Node) -> tuple[str, str]:
    """A 2+2 record with one decision reviewed (for the United States, in a round):
    the meeting's id and the decision's."""
    officer, _ = add_user(node, "sato", roles=["author", "releasing_officer"], password=PASSWORD)
    made = service.import_summary(node, officer.principal, SEED, label=parse(node.policy, BOTH))
    decision = next(o["id"] for o in made.objects if o["type"] == model.DECISION)
    service.add_review(
        node, officer.principal, decision_id=decision, nation="USA", score=1,
        evidence="exercise held", date="2025-07-01", round="2025", label=None,
    )  # fmt: skip
    return made.meeting_id, decision


def test_a_meetings_attendees_are_of_nations_named(node: Node, client: TestClient) -> None:
    meeting_id, _ = _meeting(node)
    sign_in(client, "sato", lang="ja")
    attendees = re.search(
        r'<ul class="attendees">(.*?)</ul>', client.get(f"/meetings/{meeting_id}").text, re.S
    )
    assert attendees
    assert '<li><span class="nation" title="JPN">日本</span> · ' in attendees.group(1)
    assert '<li><span class="nation" title="USA">米国</span> · ' in attendees.group(1)
    assert "JPN" not in _text(attendees.group(1))
    client.get("/lang/en")
    meeting = client.get(f"/meetings/{meeting_id}").text
    assert '<li><span class="nation" title="USA">United States</span> · ' in meeting


def test_commitment_reviews_and_compliance_name_the_nations(node: Node, client: TestClient) -> None:
    _, decision = _meeting(node)
    sign_in(client, "sato", lang="ja")
    timeline = client.get(f"/commitments/{decision}").text
    reviews = re.search(r'<table tabindex="0" class="reviews">.*?</table>', timeline, re.S)
    assert reviews
    assert '<td><span class="nation" title="USA">米国</span></td>' in reviews.group(0)
    assert "<td>USA</td>" not in reviews.group(0)
    # The review form offers nations by name, each sending its code.
    assert '<option value="JPN">日本</option>' in timeline
    assert '<option value="USA">米国</option>' in timeline
    register = client.get("/commitments").text
    compliance = re.search(r'<table tabindex="0" class="compliance">.*?</table>', register, re.S)
    assert compliance
    assert '<td><span class="nation" title="USA">米国</span></td>' in compliance.group(0)
    assert "<td>USA</td>" not in compliance.group(0)
    client.get("/lang/en")
    timeline = client.get(f"/commitments/{decision}").text
    assert '<option value="USA">United States</option>' in timeline
    assert '<td><span class="nation" title="USA">United States</span></td>' in timeline


def test_a_term_the_node_wrote_names_the_node(node: Node, client: TestClient) -> None:
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    # A term the node itself wrote (as a glossary load does): system@JPN.
    term = create_term(node, node.system, TermCreate(ja="同盟調整グループ", en="ACG", label=BOTH))
    sign_in(client, "sato", lang="ja")
    page = client.get(f"/glossary/terms/{term.id}").text
    assert '<span class="actor" title="system@JPN">このノード（自動）</span>' in page
    assert "system@JPN" not in _text(page)
    client.get("/lang/en")
    page = client.get(f"/glossary/terms/{term.id}").text
    assert '<span class="actor" title="system@JPN">this node (automatic)</span>' in page


def test_an_attachment_names_its_authors_nation(node: Node, client: TestClient) -> None:
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    made = node.store.create(node.system, report("Harbour survey"), parse(node.policy, BOTH))
    csrf = sign_in(client, "sato", lang="ja")
    sent = client.post(
        f"/attachments?of={made.id}",
        files={"file": ("dot.png", PNG, "image/png")},
        data={"csrf_token": csrf, "of": made.id, "label": ""},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    shown = client.get(sent.headers["location"]).text
    assert 'sato（<span class="nation" title="JPN">日本</span>）' in shown
    assert "(JPN)" not in _text(shown)
    client.get("/lang/en")
    shown = client.get(sent.headers["location"]).text
    assert 'sato (<span class="nation" title="JPN">Japan</span>)' in shown


def test_the_accounts_pages_name_the_nations(node: Node, client: TestClient) -> None:
    add_user(node, "admin", roles=["admin"], password=PASSWORD)
    add_user(node, "davis", nation="USA", password=PASSWORD)
    sign_in(client, "admin", lang="ja")
    row = client.get("/admin/accounts").text.split('data-user="davis"', 1)[1].split("</tr>")[0]
    assert '<td><span class="nation" title="USA">米国</span></td>' in row
    assert "<td>USA</td>" not in row
    account = client.get("/account").text
    assert '<dd><span class="nation" title="JPN">日本</span></dd>' in account
    client.get("/lang/en")
    row = client.get("/admin/accounts").text.split('data-user="davis"', 1)[1].split("</tr>")[0]
    assert '<td><span class="nation" title="USA">United States</span></td>' in row
    assert '<dd><span class="nation" title="JPN">Japan</span></dd>' in client.get("/account").text


def _rows(page: str) -> dict[int, str]:
    return {
        int(m.group(1)): m.group(0) for m in re.finditer(r"<tr><td>(\d+)</td>.*?</tr>", page, re.S)
    }


def test_the_audit_page_says_each_action_in_words(node: Node, client: TestClient) -> None:
    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    with node.db.write() as conn:
        # What a partner's node and an older version of Kizuna wrote.
        received = audit.append(
            conn, actor="node:USA", action="federation.receive", detail={"peer": "USA", "stored": 2}
        )
        unknown = audit.append(conn, actor="system@JPN", action="legacy.thing", detail={})
    sign_in(client, "suzuki", lang="ja")
    page = client.get("/audit").text
    read = _text(page)
    rows = _rows(page)
    signed_ins = [r for r in rows.values() if 'title="login.success"' in r]
    assert len(signed_ins) == 1
    signed_in = signed_ins[0]
    assert '<span class="action" title="login.success">ログイン</span>' in signed_in
    # The details' keys in words, the key on hover, joined with 「：」.
    assert '<li><span class="key" title="source">接続元</span>：testclient</li>' in signed_in
    # A value of a closed set in words too, the stored value on hover (walk 47: 経路：page).
    assert (
        '<li><span class="key" title="channel">経路</span>：'
        '<span class="value" title="page">ログインページ</span></li>' in signed_in
    )
    # The stored JSON stays, folded beneath the words.
    assert "<details><summary>記録された内容（JSON）</summary><code>{" in signed_in
    assert "login.success" not in _text(signed_in)
    row = rows[received.seq]
    assert '<span class="actor" title="node:USA">米国のノード</span>' in row
    assert '<span class="action" title="federation.receive">相手ノードからの受信</span>' in row
    peer = '<span class="key" title="peer">相手国のノード</span>'
    assert f'<li>{peer}：<span class="nation" title="USA">米国</span></li>' in row
    assert '<li><span class="key" title="stored">保存したオブジェクト</span>：2</li>' in row
    created = [r for r in rows.values() if 'title="node.init"' in r]
    assert len(created) == 1
    assert "ノードの初期設定" in created[0]
    assert "このノード（自動）" in created[0]
    # An action the table does not know is its code, never hidden.
    assert "<td><code>legacy.thing</code></td>" in rows[unknown.seq]
    assert "<code>login.success</code>" not in page
    assert "system@JPN" not in read
    assert "<h1>監査記録</h1>" in page

    client.get("/lang/en")
    page = client.get("/audit").text
    rows = _rows(page)
    assert "<h1>Audit log</h1>" in page
    said = "Objects received from a partner node"
    assert f'<span class="action" title="federation.receive">{said}</span>' in rows[received.seq]
    assert (
        '<span class="actor" title="node:USA">the United States node</span>' in rows[received.seq]
    )
    peer = '<span class="key" title="peer">Partner node</span>'
    assert (
        f'<li>{peer}: <span class="nation" title="USA">United States</span></li>'
        in (rows[received.seq])
    )
    assert "<summary>As recorded (JSON)</summary>" in page


def test_the_federation_page_names_its_peers_in_the_readers_language(node: Node) -> None:
    """The peer was "USA" on the Japanese page (walk 40): 米国, as every page names it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kizuna.federation import peers
    from kizuna.node import public_key_pem
    from kizuna.web.app import create_app

    with node.db.write() as conn:
        peers.add_peer(
            conn, policy=node.policy, own_nation="JPN", actor="test", nation="USA",
            url="http://127.0.0.1:9", public_key_pem=public_key_pem(Ed25519PrivateKey.generate()),
            max_level="SECRET", compartments=[],
        )  # fmt: skip
    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    cells = {}
    with TestClient(create_app(node)) as client:
        for lang in ("ja", "en"):
            sign_in(client, "suzuki", lang=lang)
            page = client.get("/federation").text
            row = re.search(r'id="peers">.*?<tbody>\s*<tr>\s*<td>([^<]*)</td>', page, re.S)
            assert row is not None
            cells[lang] = row.group(1)
            client.cookies.clear()
    assert cells == {"ja": "米国", "en": "United States"}


def test_the_audit_page_gives_a_refusals_reason_in_the_readers_language(
    node: Node, client: TestClient
) -> None:
    """「… belongs to the node of USA」 read in English on the Japanese page (walk 40): the
    reason as the pages word the refusal, the stored English on hover and in the JSON."""
    import uuid

    import pytest

    from kizuna.errors import Refused

    theirs = f"report--{uuid.uuid4()}"
    body = report("Theirs", id=theirs, spec_version="2.1", created="2026-12-01T00:00:00.000Z",
                  modified="2026-12-01T00:00:00.000Z")  # fmt: skip
    with node.store.transaction(node.system) as conn:
        node.store.accept_in(conn, body=body, label=parse(node.policy, BOTH), origin="USA",
                             author="node:USA", version=1)  # fmt: skip
    with pytest.raises(Refused) as refused:
        node.store.revise(node.system, theirs, {**body, "name": "Ours"})
    stored = str(refused.value)
    assert "belongs to the node of USA" in stored
    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    sign_in(client, "suzuki", lang="ja")
    row = next(r for r in _rows(client.get("/audit").text).values() if 'title="refused"' in r)
    said = "このオブジェクトは作成国のノードに属します。新しい版を作れるのはそのノードだけです。"
    assert f'<span class="reason" title="{html.escape(stored)}">{said}</span>' in row
    assert "belongs to the node of" not in _text(row).split("{")[0]
    client.get("/lang/en")
    row = next(r for r in _rows(client.get("/audit").text).values() if 'title="refused"' in r)
    assert stored in _text(row).split("{")[0]  # an English reader reads what was stored


def test_the_audit_page_names_bodies_and_a_mappings_keys_in_words(
    node: Node, client: TestClient
) -> None:
    """Walk 49: an account change showed its bodies as ids (jjoc,usfj), and a decision's
    correction its changed fields by their keys (stance: …)."""
    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    with node.db.write() as conn:
        changed = audit.append(
            conn,
            actor="cli:op",
            action="user.change",
            target="sato",
            detail={"bodies": "jjoc,usfj"},
        )
        corrected = audit.append(
            conn,
            actor="sato",
            action="meetings.correct",
            detail={"changed": {"stance": "support"}, "version": 2},
        )
    sign_in(client, "suzuki", lang="ja")
    rows = _rows(client.get("/audit").text)
    assert (
        '<span class="body" title="jjoc">自衛隊統合作戦司令部（JJOC）</span>、'
        '<span class="body" title="usfj">在日米軍（統合軍司令部）</span>'
    ) in rows[changed.seq]
    assert '<span class="key" title="stance">立場</span>：support' in rows[corrected.seq]
    client.get("/lang/en")
    rows = _rows(client.get("/audit").text)
    jjoc = '<span class="body" title="jjoc">Japan Joint Operations Command (JJOC)</span>'
    assert jjoc in rows[changed.seq]
    assert '<span class="key" title="stance">Stance</span>: support' in rows[corrected.seq]
