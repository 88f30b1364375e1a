"""A decision's reviews and links carry a label that dominates every object they name
(DESIGN §2.10), on the service, REST, the page and arrival from a peer: a review of a
Japan-only decision never travels to the United States (walk 31, defect 1)."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna import clock
from kizuna.db.schema import objects, versions
from kizuna.domains.meetings import model, service
from kizuna.errors import Disallowed, NotFound
from kizuna.federation.peers import add_peer, find_peer
from kizuna.federation.receive import apply_page
from kizuna.federation.signing import sign
from kizuna.labels import parse, render
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.stix.markings import marking_id
from kizuna.web.app import create_app
from tests.domains.meetings.test_ingest import SEED
from tests.factories import PASSWORD, add_user, bearer, report, sign_in


def _count(node: Node) -> tuple[int, int]:
    with node.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(objects)).scalar_one(),
            conn.execute(select(func.count()).select_from(versions)).scalar_one(),
        )


def _setup(node: Node, label: str = "UNCLASSIFIED//REL TO JPN") -> tuple[Any, str, str]:
    user, token = add_user(
        node,
        "sato",
        compartments=["BIAC"],
        roles=["author", "releasing_officer"],
        password=PASSWORD,
    )
    sato = user.principal
    service.import_summary(node, sato, SEED, lang="ja", label=parse(node.policy, label))
    decision = node.store.list(sato, type=model.DECISION, limit=1).items[0]
    return sato, token, decision.id


def test_a_review_or_link_is_never_labelled_wider_than_what_it_names(node: Node) -> None:
    sato, _, decision = _setup(node)
    wider = parse(node.policy, "UNCLASSIFIED//REL TO JPN, USA")
    before = _count(node)
    with pytest.raises(Disallowed) as refused:
        service.add_review(node, sato, decision_id=decision, nation="JPN", score=1,
                           evidence="rel usa", date="2025-03-30", label=wider)  # fmt: skip
    assert refused.value.field == "label"
    assert "as restrictive as UNCLASSIFIED//REL TO JPN, the label of" in str(refused.value)
    assert decision in str(refused.value)
    assert _count(node) == before
    # Unlabelled, it takes the decision's; higher is allowed (assessments often are).
    plain = service.add_review(node, sato, decision_id=decision, nation="JPN", score=1,
                               evidence="met", date="2025-03-30")  # fmt: skip
    assert plain.label_text == "UNCLASSIFIED//REL TO JPN"
    higher = parse(node.policy, "SECRET//REL TO JPN")
    kept = service.add_review(node, sato, decision_id=decision, nation="JPN", score=0,
                              evidence="partly", date="2025-03-30", label=higher)  # fmt: skip
    assert kept.label_text == "SECRET//REL TO JPN"

    # A link names its decision and its target: a SECRET//BIAC report.
    secret = node.store.create(
        sato, report("Cell report"), parse(node.policy, "SECRET//BIAC//REL TO JPN")
    )
    before = _count(node)
    with pytest.raises(Disallowed) as refused:
        service.add_link(node, sato, decision_id=decision, target=secret.id,
                         label=parse(node.policy, "CONFIDENTIAL//REL TO JPN"))  # fmt: skip
    assert refused.value.field == "label"
    assert secret.id in str(refused.value)
    assert _count(node) == before
    linked = service.add_link(node, sato, decision_id=decision, target=secret.id)
    assert linked.label_text == "SECRET//BIAC//REL TO JPN"
    # A name, not an id, is a name: the decision's label is enough.
    named = service.add_link(node, sato, decision_id=decision, target="ACM working group")
    assert named.label_text == "UNCLASSIFIED//REL TO JPN"


def test_a_link_to_an_id_one_may_not_read_is_refused_as_if_it_did_not_exist(node: Node) -> None:
    sato, _, decision = _setup(node)
    low, _ = add_user(node, "tanaka", clearance="CONFIDENTIAL", roles=["author"])
    secret = node.store.create(
        sato, report("Cell report"), parse(node.policy, "SECRET//BIAC//REL TO JPN")
    )
    absent = f"report--{uuid.uuid4()}"
    said = []
    before = _count(node)
    for target in (secret.id, absent):
        with pytest.raises(NotFound) as refused:
            service.add_link(node, low.principal, decision_id=decision, target=target)
        assert refused.value.field == "target"
        said.append(str(refused.value).replace(target, "<id>"))
    assert said[0] == said[1]
    assert "name the work in words" in said[0]
    assert _count(node) == before


def test_rest_and_the_page_refuse_a_wider_review_and_write_nothing(node: Node) -> None:
    _, token, decision = _setup(node)
    wider = "UNCLASSIFIED//REL TO JPN, USA"
    before = _count(node)
    with TestClient(create_app(node)) as client:
        r = client.post(f"/api/v1/commitments/{decision}/reviews", headers=bearer(token),
                        json={"nation": "JPN", "score": 1, "evidence": "rel usa",
                              "date": "2025-03-30", "label": wider})  # fmt: skip
        assert r.status_code == 422, r.text
        assert "label" in r.text
        csrf = sign_in(client, "sato", lang="en")
        form = {"nation": "JPN", "score": "1", "evidence": "rel usa", "date": "2025-03-30",
                "label": wider, "csrf_token": csrf}  # fmt: skip
        page = client.post(f"/commitments/{decision}/reviews", data=form)
        assert page.status_code == 422, page.text
        assert "rel usa" in page.text  # the form comes back with what was typed
    assert _count(node) == before


_USA_KEY = Ed25519PrivateKey.generate()


def test_a_review_from_the_partner_labelled_wider_than_the_decision_is_quarantined(
    node: Node,
) -> None:
    """On arrival too: the USA node's review of a decision released to JPN and USA is
    stored at REL TO JPN, USA, and quarantined at REL TO JPN, USA, AUS."""
    sato, _, decision = _setup(node, "UNCLASSIFIED//REL TO JPN, USA")
    with node.db.write() as conn:
        add_peer(conn, policy=node.policy, own_nation="JPN", actor="test", nation="USA",
                 url="http://127.0.0.1:9", public_key_pem=public_key_pem(_USA_KEY),
                 max_level="SECRET", compartments=[])  # fmt: skip
        peer = find_peer(conn, "USA")
    assert peer is not None
    now = clock.format_ts(clock.now())[:23] + "Z"

    def review(label_text: str) -> dict[str, Any]:
        label = parse(node.policy, label_text)
        body = {"type": model.REVIEW, "spec_version": "2.1", "created": now, "modified": now,
                "id": f"{model.REVIEW}--{uuid.uuid4()}", "decision_id": decision,
                "nation": "USA", "score": 1, "evidence": "Working group met.",
                "date": "2025-03-30", "round": "2025",
                "object_marking_refs": [marking_id(node.policy, label)]}  # fmt: skip
        return sign(_USA_KEY, body, origin="USA", label=label, added=clock.now_ts(), version=1)

    wide, fair = (
        review("UNCLASSIFIED//REL TO JPN, USA, AUS"),
        review("UNCLASSIFIED//REL TO JPN, USA"),
    )
    applied = apply_page(node, peer, [wide, fair], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (1, 1)
    assert (
        render(node.policy, node.store.get(sato, fair["id"]).label)
        == "UNCLASSIFIED//REL TO JPN, USA"
    )
    with pytest.raises(NotFound):
        node.store.get(node.system, wide["id"])


def test_the_timeline_names_linked_work_and_offers_reviews_only_to_those_who_write(
    node: Node,
) -> None:
    """Links read "carried-out-by: report--…" and every reader was offered the review
    form, which refused them (walk 31 #8, #12)."""
    sato, _, decision = _setup(node)
    add_user(node, "tanaka", roles=["reader"], password=PASSWORD)
    secret = node.store.create(
        sato, report("Cell report"), parse(node.policy, "SECRET//BIAC//REL TO JPN")
    )
    service.add_link(node, sato, decision_id=decision, target=secret.id)
    service.add_link(node, sato, decision_id=decision, target="ACM working group")
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="en")
        page = client.get(f"/commitments/{decision}")
        assert page.status_code == 200
        assert f'<a href="/objects/{secret.id}" title="{secret.id}">Cell report</a>' in page.text
        assert "Carried out by: ACM working group" in page.text
        assert "carried-out-by" not in page.text
        assert 'id="banner-top"' in page.text
        assert "SECRET//BIAC//REL TO JPN</div>" in page.text  # the target raises the banner
        assert "Add a review" in page.text
    with TestClient(create_app(node)) as client:
        sign_in(client, "tanaka", lang="ja")
        page = client.get(f"/commitments/{decision}")
        assert page.status_code == 200
        assert "評価を追加" not in page.text
        assert 'action="/commitments/' not in page.text
        assert "Cell report" not in page.text  # a link tanaka may not read is not listed


def test_the_owner_and_the_work_that_carries_it_out_read_differently_in_japanese(
    node: Node,
) -> None:
    """Walk 40: 実施する取組 said "Owner" (the register's column), "Work that carries it
    out" and "Carried out by" alike: the owner is who answers for it, not the work."""
    sato, _, decision = _setup(node)
    service.add_link(node, sato, decision_id=decision, target="ACM working group")
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="ja")
        register = client.get("/commitments").text
        assert "<th>実施主体</th>" in register
        timeline = client.get(f"/commitments/{decision}").text
        assert "<h2>実施する取組</h2>" in timeline
        assert "実施を担う取組: ACM working group" in timeline
        assert "実施主体" not in timeline.split("<h2>実施する取組</h2>", 1)[1].split("</ul>")[0]


def test_the_timeline_shows_no_message_a_link_chose(node: Node) -> None:
    """`/commitments/{id}?error=…` showed any text as the page's alert, so a crafted
    link could put words of its sender's choosing on the node's own page."""
    _, _, decision = _setup(node)
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="en")
        page = client.get(f"/commitments/{decision}", params={"error": "Call 555-0100 now"})
        assert page.status_code == 200
        assert "Call 555-0100 now" not in page.text  # (the language link keeps it encoded)
        assert 'role="alert"' not in page.text


def test_a_review_dated_before_its_meeting_is_refused_on_every_path(node: Node) -> None:
    """Walk 49 #2: a review of 1800-01-01 was stored, and the register's compliance
    then read "1800 United States 100%"."""
    sato, token, decision = _setup(node, "UNCLASSIFIED//REL TO JPN, USA")
    old = {"nation": "USA", "score": 1, "evidence": "long ago", "date": "1800-01-01"}
    before = _count(node)
    with pytest.raises(Disallowed, match="before 2024-07-28") as refused:
        service.add_review(node, sato, decision_id=decision, **old)  # type: ignore[arg-type]
    assert refused.value.field == "date"
    with TestClient(create_app(node)) as client:
        r = client.post(f"/api/v1/commitments/{decision}/reviews", headers=bearer(token), json=old)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "date"
        for lang, said in (
            ("en", "Date: a review records what was done about a decision: give a date no "
                   "earlier than the meeting that took it (2024-07-28)."),
            ("ja", "決定した会合の日付（2024-07-28）以降の日付を入力してください。"),
        ):  # fmt: skip
            csrf = sign_in(client, "sato", lang=lang)
            page = client.post(f"/commitments/{decision}/reviews", data={**old, "csrf_token": csrf})
            assert page.status_code == 422, page.text
            assert said in html.unescape(page.text), page.text
    assert _count(node) == before
    # The meeting's own day is a fair date.
    same_day = service.add_review(node, sato, decision_id=decision, **{**old, "date": "2024-07-28"})  # type: ignore[arg-type]
    assert same_day.object["date"] == "2024-07-28"

    # A peer's review meets the rule too: quarantined with its reason.
    with node.db.write() as conn:
        add_peer(conn, policy=node.policy, own_nation="JPN", actor="test", nation="USA",
                 url="http://127.0.0.1:9", public_key_pem=public_key_pem(_USA_KEY),
                 max_level="SECRET", compartments=[])  # fmt: skip
        peer = find_peer(conn, "USA")
    assert peer is not None
    now = clock.format_ts(clock.now())[:23] + "Z"
    label = parse(node.policy, "UNCLASSIFIED//REL TO JPN, USA")
    body = {"type": model.REVIEW, "spec_version": "2.1", "created": now, "modified": now,
            "id": f"{model.REVIEW}--{uuid.uuid4()}", "decision_id": decision,
            "nation": "USA", "score": 1, "evidence": "long ago", "date": "1800-01-01",
            "round": "1800", "object_marking_refs": [marking_id(node.policy, label)]}  # fmt: skip
    signed = sign(_USA_KEY, body, origin="USA", label=label, added=clock.now_ts(), version=1)
    applied = apply_page(node, peer, [signed], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (0, 1)
    with pytest.raises(NotFound):
        node.store.get(node.system, body["id"])


def test_the_review_form_lists_partners_by_name_and_evidence_breaks_anywhere(
    node: Node,
) -> None:
    """Walk 49 #7: the nations were sorted by code ("Republic of Korea" before
    "Philippines"), and a long unbroken evidence squeezed the date, nation and score."""
    sato, _, decision = _setup(node)
    long = "x" * 300
    service.add_review(node, sato, decision_id=decision, nation="JPN", score=1,
                       evidence=long, date="2025-03-30")  # fmt: skip
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="en")
        page = client.get(f"/commitments/{decision}").text
        css = client.get("/static/kizuna.css").text
    listed = re.findall(r"<option value=\"([A-Z]{3})\"[^>]*>([^<]+)</option>", page)
    names = [n for _, n in listed]
    assert names[:2] == ["Japan", "United States"]
    assert names[2:] == sorted(names[2:])
    assert names.index("Philippines") < names.index("Republic of Korea")
    assert f'<td class="evidence">{long}</td>' in page
    assert "td.evidence" in css
    assert "overflow-wrap: anywhere" in css.split("td.evidence", 1)[1].split("}", 1)[0]
