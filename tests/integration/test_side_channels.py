"""No side channels (issue 11, reproductions 2 to 6), each on SQLite and PostgreSQL:
no link, figure, banner, creation answer, cursor or audit row tells a reader anything
about what they may not read."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.meetings import model, service
from kizuna.identity import service as identity
from kizuna.labels import Label, can_read, dominates, lub, parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.meetings.test_ingest import OTHER_JA, SEED
from tests.factories import add_user, bearer, cookies, report

SECRET_BIAC = "SECRET//BIAC//REL TO JPN"
BOTH = "UNCLASSIFIED//REL TO JPN, USA"


@pytest.fixture
def web(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node)) as client:
        client.cookies.set(cookies(client).lang, "en")
        yield client


def _session(node: Node, user: identity.User) -> str:
    with node.db.write() as conn:
        return identity.start_session(conn, user)


def _page(web: TestClient, session: str, path: str) -> str:
    web.cookies.set(cookies(web).session, session)
    answer = web.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.text


def banner(node: Node, html: str) -> Label:
    text = re.search(r'id="banner-top"[^>]*>([^<]*)<', html)
    assert text is not None
    return parse(node.policy, text.group(1).strip())


def chips(node: Node, html: str) -> list[Label]:
    found = re.findall(r'<span class="chip [^"]*">([^<]*)</span>', html)
    return [parse(node.policy, t.strip()) for t in found]


def test_a_restatement_links_only_to_what_its_own_label_dominates(node: Node) -> None:
    """Reproduction 2: the same commitments held at SECRET//REL TO JPN and restated at
    UNCLASSIFIED//REL TO JPN, USA: no decision a US reader sees points at a SECRET one."""
    officer, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    smith, _ = add_user(node, "smith", nation="USA", clearance="SECRET")
    hidden = service.import_summary(
        node, officer.principal, SEED, label=parse(node.policy, "SECRET//REL TO JPN")
    )
    later = service.import_summary(
        node, officer.principal, OTHER_JA, label=parse(node.policy, BOTH)
    )
    hidden_ids = {o["id"] for o in hidden.objects}
    seen = {r.decision.id: r.decision for r in service.register(node, smith.principal)}
    assert seen, "the US reader sees the restating meeting"
    assert not any(d.object.get("restates_id") in hidden_ids for d in seen.values())
    for o in later.objects:
        if o.get("restates_id"):
            target = node.store.get(node.system, o["restates_id"])
            assert dominates(parse(node.policy, BOTH), target.label)
    # At a label that dominates the first record, the restatements are found again.
    again = service.import_summary(
        node, officer.principal, OTHER_JA, label=parse(node.policy, "SECRET//REL TO JPN")
    )
    assert not again.already, "the same text at another label is another record"
    assert any(o.get("restates_id") in hidden_ids for o in again.objects)


def test_record_ids_cannot_be_computed_from_a_candidate_text(node: Node) -> None:
    """Reproduction 2, second half: ids were UUIDv5 of the text's digest, so a candidate
    text confirmed itself. Now they are keyed with the node secret and bound to the
    label: neither the old derivation nor another label gives the stored id."""
    officer, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    made = service.import_summary(
        node, officer.principal, SEED, label=parse(node.policy, "SECRET//REL TO JPN")
    )
    digest = made.record.digest
    assert made.meeting_id != f"{model.MEETING}--{uuid.uuid5(model.NAMESPACE, f'{digest}:meeting')}"
    other = service.import_summary(
        node, officer.principal, SEED, label=parse(node.policy, "UNCLASSIFIED//REL TO JPN"),
        dry_run=True,
    )  # fmt: skip
    assert other.meeting_id != made.meeting_id
    same = service.import_summary(
        node, officer.principal, SEED, label=parse(node.policy, "SECRET//REL TO JPN")
    )
    assert same.already
    assert same.meeting_id == made.meeting_id


def test_the_register_banner_and_statuses_carry_the_label_of_their_sources(
    node: Node, web: TestClient
) -> None:
    """Reproduction 3: a review at SECRET//BIAC//REL TO JPN scoring USA −1."""
    officer, token = add_user(
        node, "sato", compartments=["BIAC"], roles=["author", "releasing_officer"]
    )
    smith, smith_token = add_user(node, "smith", nation="USA", clearance="SECRET")
    made = service.import_summary(node, officer.principal, SEED, label=parse(node.policy, BOTH))
    decision = next(o["id"] for o in made.objects if o["type"] == model.DECISION)
    service.add_review(
        node, officer.principal, decision_id=decision, nation="USA", score=-1,
        evidence="assessment", date="2025-07-01", label=parse(node.policy, SECRET_BIAC),
    )  # fmt: skip
    secret = parse(node.policy, SECRET_BIAC)

    html = _page(web, _session(node, officer), "/commitments")
    assert "0%" in html  # the figure from the SECRET review is on the page ...
    assert dominates(banner(node, html), secret)  # ... and so its banner is SECRET//BIAC
    listing = web.get("/api/v1/commitments", headers=bearer(token)).json()
    item = next(i for i in listing["items"] if i["id"] == decision)
    assert (item["status"], item["label"]) == ("reviewed", BOTH)
    assert item["status_label"] == SECRET_BIAC
    assert dominates(parse(node.policy, listing["label"]), secret)
    scores = web.get("/api/v1/commitments/compliance", headers=bearer(token)).json()
    assert [c["label"] for c in scores["items"]] == [SECRET_BIAC]
    assert scores["label"] == SECRET_BIAC

    # The US reader's statuses come only from what they may read.
    theirs = web.get("/api/v1/commitments", headers=bearer(smith_token)).json()["items"]
    assert next(i for i in theirs if i["id"] == decision)["status"] == "open"
    assert all(i["status_label"] == BOTH for i in theirs)
    html = _page(web, _session(node, smith), "/commitments")
    assert banner(node, html) == parse(node.policy, BOTH)
    assert "0%" not in html


def _post(web: TestClient, token: str, obj: dict, label: str):  # type: ignore[no-untyped-def]
    return web.post("/api/v1/objects", json={"object": obj, "label": label}, headers=bearer(token))


def test_creating_a_hidden_observable_answers_as_for_any_other(node: Node, web: TestClient) -> None:
    """Reproduction 4: an `ipv4-addr` held at SECRET//BIAC; a CONFIDENTIAL author gets
    the same answer creating the same address as any other, and can then read it."""
    _, high = add_user(node, "tanaka", compartments=["BIAC"], roles=["author"])
    _, low = add_user(node, "kato", clearance="CONFIDENTIAL", roles=["author"])
    held = _post(web, high, {"type": "ipv4-addr", "value": "198.51.100.7"}, SECRET_BIAC)
    assert held.status_code == 201
    held_id = held.json()["id"]
    assert web.get(f"/api/v1/objects/{held_id}", headers=bearer(low)).status_code == 404

    for label in ("CONFIDENTIAL//REL TO JPN", "UNCLASSIFIED//REL TO JPN"):
        same = _post(web, low, {"type": "ipv4-addr", "value": "198.51.100.7"}, label)
        other = _post(web, low, {"type": "ipv4-addr", "value": "198.51.100.8"}, label)
        assert (same.status_code, other.status_code) == (201, 201)
        assert same.json().keys() == other.json().keys()
        for answer in (same, other):
            mine = web.get(f"/api/v1/objects/{answer.json()['id']}", headers=bearer(low))
            assert mine.status_code == 200
            assert mine.json()["label"] == label
    # The same observable at a label its author reads is the same object: a 409 about
    # something the author may read.
    again = _post(
        web, low, {"type": "ipv4-addr", "value": "198.51.100.7"}, "CONFIDENTIAL//REL TO JPN"
    )
    assert again.status_code == 409
    # At the floor label the id is STIX's own, as other tools compute it.
    floor = _post(web, low, {"type": "ipv4-addr", "value": "192.0.2.1"}, "UNCLASSIFIED//REL TO JPN")
    assert floor.json()["id"] == "ipv4-addr--" + str(
        uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"), '{"value":"192.0.2.1"}')
    )
    stored = node.store.get(node.system, held_id)
    assert (stored.version, stored.label_text) == (1, SECRET_BIAC)


def test_creating_over_a_hidden_id_answers_as_if_it_were_free(node: Node, web: TestClient) -> None:
    """Reproduction 4 for any object: an id held where the caller may not read gives
    the answer a free id gives, changes nothing the caller reads, and is audited."""
    _, high = add_user(node, "tanaka", compartments=["BIAC"], roles=["author"])
    _, low = add_user(node, "kato", clearance="CONFIDENTIAL", roles=["author"])
    held_id = f"report--{uuid.uuid4()}"
    assert _post(web, high, report("held", id=held_id), SECRET_BIAC).status_code == 201
    before = web.get("/api/v1/objects", headers=bearer(low)).json()["items"]

    hidden = _post(web, low, report("probe", id=held_id), "CONFIDENTIAL//REL TO JPN")
    after = web.get("/api/v1/objects", headers=bearer(low)).json()["items"]
    free = _post(
        web, low, report("probe", id=f"report--{uuid.uuid4()}"), "CONFIDENTIAL//REL TO JPN"
    )
    assert (hidden.status_code, free.status_code) == (201, 201)
    assert hidden.headers["content-type"] == free.headers["content-type"]
    a, b = hidden.json(), free.json()
    assert a.keys() == b.keys()
    assert a["object"].keys() == b["object"].keys()
    assert (a["id"], a["label"], a["version"]) == (held_id, "CONFIDENTIAL//REL TO JPN", 1)
    assert after == before
    stored = node.store.get(node.system, held_id)
    assert (stored.object["name"], stored.label_text, stored.version) == ("held", SECRET_BIAC, 1)
    with node.db.read() as conn:
        from kizuna import audit

        logged = audit.entries(conn, action_prefix="object.create.hidden")
    assert [(e.actor, e.target) for e in logged] == [("kato", held_id)]
    # An id the caller may read is still a conflict.
    assert _post(web, high, report("again", id=held_id), SECRET_BIAC).status_code == 409


def _old_style(token: str) -> dict | None:
    """What reproduction 5 did: read the cursor as base64 JSON."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def test_cursors_do_not_count_hidden_activity(node: Node, web: TestClient) -> None:
    """Reproduction 5: a reader pages, others write 25 hidden objects, the reader writes
    and pages again; the two cursors tell nothing of the 25."""
    _, high = add_user(node, "tanaka", compartments=["BIAC"], roles=["author"])
    _, low = add_user(node, "ito", clearance="CONFIDENTIAL", roles=["author"])
    _, other = add_user(node, "kato", clearance="CONFIDENTIAL", roles=["author"])
    mine = [
        _post(web, low, report(f"mine {n}"), "CONFIDENTIAL//REL TO JPN").json()["id"]
        for n in range(2)
    ]
    first = web.get("/api/v1/objects?limit=1", headers=bearer(low)).json()["next"]
    for n in range(25):
        _post(web, high, report(f"hidden {n}"), SECRET_BIAC)
    mine.append(_post(web, low, report("mine 2"), "CONFIDENTIAL//REL TO JPN").json()["id"])
    second = web.get("/api/v1/objects?limit=1", headers=bearer(low)).json()["next"]
    assert first
    assert second
    assert _old_style(first) is None
    assert _old_style(second) is None
    assert len(first) == len(second)
    # Asking again gives another cursor: not even equal positions can be told apart.
    assert web.get("/api/v1/objects?limit=1", headers=bearer(low)).json()["next"] != second
    # The cursor still pages, for its own reader and listing only.
    seen, url = [], "/api/v1/objects?limit=1"
    while url:
        page = web.get(url, headers=bearer(low)).json()
        seen += [i["id"] for i in page["items"]]
        url = f"/api/v1/objects?limit=1&cursor={page['next']}" if page["next"] else ""
    assert sorted(seen) == sorted(mine)
    foreign = web.get(f"/api/v1/objects?limit=1&cursor={second}", headers=bearer(other))
    assert foreign.status_code == 422


def test_an_admin_reads_no_more_on_the_audit_page(node: Node, web: TestClient) -> None:
    """Reproduction 6: an UNCLASSIFIED admin sees, of SECRET//BIAC objects, no id, type or
    label; an admin cleared for them sees them all, under a banner that covers them."""
    _, high = add_user(node, "tanaka", compartments=["BIAC"], roles=["author"])
    _, low = add_user(node, "kato", clearance="CONFIDENTIAL", roles=["author"])
    ueda, _ = add_user(node, "ueda", clearance="UNCLASSIFIED", roles=["admin"])
    mori, _ = add_user(node, "mori", compartments=["BIAC"], roles=["admin"])
    held = _post(web, high, report("held"), SECRET_BIAC).json()["id"]
    seen = _post(web, low, report("seen"), "UNCLASSIFIED//REL TO JPN").json()["id"]
    assert web.get(f"/api/v1/objects/{held}", headers=bearer(low)).status_code == 404

    html = _page(web, _session(node, ueda), "/audit")
    assert held not in html
    # No label of the held object (user accounts' clearances are the admin's business).
    assert "SECRET//" not in html
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", html, re.S)
    creates = [r for r in rows if 'title="object.create"' in r]
    assert len(creates) == 2
    assert sum("Withheld" in r for r in creates) == 1
    assert sum(seen in r and '"type": "report"' in r for r in creates) == 1
    assert banner(node, html) == parse(node.policy, "UNCLASSIFIED//REL TO JPN")

    html = _page(web, _session(node, mori), "/audit")
    assert held in html
    assert seen in html
    assert dominates(banner(node, html), parse(node.policy, SECRET_BIAC))


def test_every_chip_on_a_page_is_under_its_banner(node: Node, web: TestClient) -> None:
    officer, _ = add_user(
        node, "sato", compartments=["BIAC"], roles=["author", "releasing_officer"]
    )
    made = service.import_summary(node, officer.principal, SEED, label=parse(node.policy, BOTH))
    decision = next(o["id"] for o in made.objects if o["type"] == model.DECISION)
    service.add_review(
        node, officer.principal, decision_id=decision, nation="JPN", score=1,
        evidence="assessment", date="2025-07-01", label=parse(node.policy, SECRET_BIAC),
    )  # fmt: skip
    session = _session(node, officer)
    for path in ("/objects", "/meetings", f"/meetings/{made.meeting_id}", "/commitments",
                 f"/commitments/{decision}"):  # fmt: skip
        html = _page(web, session, path)
        shown = chips(node, html)
        assert shown, path
        top = banner(node, html)
        assert all(dominates(top, c) for c in shown), path
        assert can_read(officer.principal.clearance, top)
        assert lub(shown) is not None


def test_an_admin_below_what_arrived_sees_no_count_of_it(node: Node, web: TestClient) -> None:
    """Walk 43: a CONFIDENTIAL admin read on the audit page that a partner's pull had
    stored 1 object, beside a withheld SECRET//BIAC entry: an object above them had
    arrived. The count carries the label of what it counts (their least upper bound),
    by which the audit page withholds it; an admin cleared for them reads it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kizuna import clock
    from kizuna.federation.peers import add_peer, find_peer
    from kizuna.federation.receive import apply_page
    from kizuna.federation.signing import sign
    from kizuna.node import public_key_pem
    from kizuna.stix.markings import marking_id

    key = Ed25519PrivateKey.generate()
    with node.db.write() as conn:
        add_peer(conn, policy=node.policy, own_nation=node.nation, actor="test", nation="USA",
                 url="http://127.0.0.1:9", public_key_pem=public_key_pem(key),
                 max_level="SECRET", compartments=["BIAC"])  # fmt: skip
        peer = find_peer(conn, "USA")
    assert peer is not None
    low, _ = add_user(node, "kato", clearance="CONFIDENTIAL", roles=["admin"])
    high, _ = add_user(node, "mori", compartments=["BIAC"], roles=["admin"])

    def sent(label_text: str) -> dict[str, object]:
        label = parse(node.policy, label_text)
        at = clock.format_ts(clock.now())[:23] + "Z"
        body = {**report("From USA"), "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
                "created": at, "modified": at,
                "object_marking_refs": [marking_id(node.policy, label)]}  # fmt: skip
        return sign(key, body, origin="USA", label=label, added=clock.now_ts(), version=1)

    assert apply_page(node, peer, [sent(BOTH)], page_end=clock.now_ts()).stored == 1
    held = "SECRET//BIAC//REL TO JPN, USA"
    assert apply_page(node, peer, [sent(held), sent(BOTH)], page_end=clock.now_ts()).stored == 2

    def counts(html: str) -> list[int]:
        said = (
            r"Objects received from a partner node.*?stored"
            r"\s*(?:<[^>]*>\s*)*[:：]\s*(?:<[^>]*>\s*)*(\d+)"
        )
        return sorted(int(n) for n in re.findall(said, html, re.S))

    html = _page(web, _session(node, low), "/audit")
    assert counts(html) == [1]
    assert "SECRET//" not in html
    html = _page(web, _session(node, high), "/audit")
    assert counts(html) == [1, 2]
