"""A meeting record imported at too wide a label is narrowed by a release of the
meeting, which takes every part along, here and on the partner's node (walk 45: the
generic release refused a meeting record, and `kizuna ingest summary`, which its words
pointed to, cannot narrow one)."""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from kizuna import audit
from kizuna.db.schema import access, objects
from kizuna.domains.meetings import model, service
from kizuna.domains.meetings.schema import meetings_decisions
from kizuna.errors import Disallowed, NotFound
from kizuna.federation.pull import pull_once
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.store.access import current
from kizuna.web.app import create_app
from tests.domains.meetings.test_ingest import OTHER_JA, SEED
from tests.factories import PASSWORD, add_user, bearer, sign_in
from tests.integration.test_federation import _linked, _peer_of, usa

__all__ = ["usa"]  # the fixture, imported for pytest

WIDE = "UNCLASSIFIED//REL TO JPN, USA"
NARROW = "UNCLASSIFIED//REL TO JPN"


def _record(node: Node) -> tuple[str, list[str], str]:
    """The seed imported at WIDE, a review of one decision: the meeting's id, its
    parts' ids and the officer's token."""
    user, token = add_user(node, "sato", roles=["author", "releasing_officer"], password=PASSWORD)
    sato = user.principal
    meeting = service.import_summary(node, sato, SEED, lang="ja", label=parse(node.policy, WIDE))
    parts = [
        o.id
        for kind in (model.SECTION, model.ITEM, model.DECISION)
        for o in node.store.list(sato, type=kind, limit=1000).items
    ]
    decision = next(p for p in parts if p.startswith(model.DECISION))
    review = service.add_review(node, sato, decision_id=decision, nation="JPN", score=1,
                                evidence="met", date="2025-03-30",
                                label=parse(node.policy, WIDE))  # fmt: skip
    return meeting.meeting_id, [*parts, review.id], token


def test_narrowing_a_meeting_takes_its_parts_along(node: Node) -> None:
    meeting, parts, token = _record(node)
    assert len(parts) > 10
    smith, smith_token = add_user(node, "smith", nation="USA", clearance="SECRET")
    for each in (meeting, *parts):
        assert node.store.get(smith.principal, each).id == each
    with TestClient(create_app(node)) as client:
        released = client.post(
            f"/api/v1/objects/{meeting}/release", json={"label": NARROW}, headers=bearer(token)
        )
        assert released.status_code == 200, released.text
        for each in (meeting, *parts):
            got = client.get(f"/api/v1/objects/{each}", headers=bearer(smith_token))
            assert got.status_code == 404, (each, got.text)
        listed = client.get("/api/v1/objects?limit=1000", headers=bearer(smith_token)).json()
        assert not {meeting, *parts} & {o["id"] for o in listed["items"]}
    for each in (meeting, *parts):
        assert node.store.get(node.system, each).label_text == NARROW

    # Widened again, the meeting takes its parts along (its text holds their words);
    # a review is no part of it, and stays as narrow as the narrowing left it.
    decision = next(p for p in parts if p.startswith(model.DECISION))
    review = next(p for p in parts if p.startswith(model.REVIEW))
    with TestClient(create_app(node)) as client:
        alone = client.post(
            f"/api/v1/objects/{decision}/release", json={"label": WIDE}, headers=bearer(token)
        )
        assert alone.status_code == 422, alone.text
        assert "released with its meeting" in alone.text
        assert meeting in alone.text
        again = client.post(
            f"/api/v1/objects/{meeting}/release", json={"label": WIDE}, headers=bearer(token)
        )
        assert again.status_code == 200, again.text
    for each in (meeting, *parts):
        if each != review:
            assert node.store.get(smith.principal, each).label_text == WIDE, each
    with pytest.raises(NotFound):
        node.store.get(smith.principal, review)
    with node.db.read() as conn:
        taken = [e for e in audit.entries(conn, limit=1000) if e.action == "object.release"]
    assert {e.target for e in taken if e.detail.get("follows") == meeting} >= set(parts) - {review}


def test_a_part_is_still_written_only_by_the_importer(node: Node) -> None:
    """Opening the release opened nothing else: a new version of a decision through
    the generic path is still refused, naming the importer."""
    meeting, parts, _ = _record(node)
    decision = next(p for p in parts if p.startswith(model.DECISION))
    held = node.store.get(node.system, decision)
    user, _ = add_user(node, "ito", roles=["author"])
    body = {**json.loads(held.body), "text": "changed"}
    with pytest.raises(Disallowed, match="kizuna ingest summary"):
        node.store.revise(user.principal, decision, body)
    assert node.store.get(node.system, decision).version == held.version
    assert node.store.get(node.system, meeting).version == 1


def test_the_partner_hides_a_narrowed_record_and_its_parts(node: Node, usa: Node) -> None:
    with _linked(node, usa):
        meeting, parts, token = _record(node)
        assert pull_once(usa, _peer_of(usa, "JPN")).quarantined == 0
        jones, _ = add_user(usa, "jones", nation="USA", clearance="SECRET")
        for each in (meeting, *parts):
            assert usa.store.get(jones.principal, each).id == each
        with TestClient(create_app(node)) as client:
            assert (
                client.post(
                    f"/api/v1/objects/{meeting}/release",
                    json={"label": NARROW},
                    headers=bearer(token),
                ).status_code
                == 200
            )
        assert pull_once(usa, _peer_of(usa, "JPN")).quarantined == 0
        for each in (meeting, *parts):
            with pytest.raises(NotFound):
                usa.store.get(jones.principal, each)


def test_the_text_imported_again_after_a_narrowing_is_the_narrowed_record(node: Node) -> None:
    """Walk 46: imported again at the label its record was narrowed to, the text made a
    second record (every commitment listed twice); at the label it was first imported
    at, the answer said "already held at this label" of a record held now narrower."""
    meeting, _, token = _record(node)
    with TestClient(create_app(node)) as client:
        assert (
            client.post(
                f"/api/v1/objects/{meeting}/release", json={"label": NARROW}, headers=bearer(token)
            ).status_code
            == 200
        )
        text = SEED.decode("utf-8")
        for label, held_at in ((NARROW, None), (WIDE, NARROW), (None, None)):
            for dry_run in (True, False):
                sent = {"text": text, "dry_run": dry_run, **({"label": label} if label else {})}
                got = client.post("/api/v1/meetings/import", json=sent, headers=bearer(token))
                assert got.status_code == 200, got.text
                said = got.json()
                assert (said["meeting_id"], said["already"], said["created"]) == (
                    meeting,
                    True,
                    0,
                ), (label, dry_run)
                assert said["held_at"] == held_at, (label, dry_run)
                assert said["held_elsewhere"] == []
        # The page's preview says where the record is held now.
        from tests.domains.meetings.test_import import _csrf, _session
        from tests.factories import cookies

        client.cookies.set(cookies(client).session, _session(node, "sato"))
        client.cookies.set(cookies(client).lang, "en")
        csrf = _csrf(client.get("/meetings/import").text)
        shown = client.post(
            "/meetings/import",
            data={"csrf_token": csrf, "label": WIDE},
            files={"file": ("a.txt", SEED, "text/plain")},
        )
        assert shown.status_code == 200, shown.text
        notice = shown.text.split('id="held-here"', 1)[1].split("</div>", 1)[0]
        assert f"narrowed since, and is held now at {NARROW}" in " ".join(notice.split())
        assert f'href="/meetings/{meeting}"' in notice
    assert [m.id for m in service.list_meetings(node, node.system)] == [meeting]


def _release_error(page: str) -> str:
    found = re.search(r'id="release-error">(.*?)</p>', page, flags=re.DOTALL)
    return html.unescape(found.group(1)) if found else ""


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_objects_page_says_why_a_part_is_not_released_wider(node: Node, lang: str) -> None:
    """Walk 46: a section released wider than its narrowed meeting, from the object's
    page, said "write a label the policy knows" of a valid label; it says why, as REST
    (walk 49: a part is released with its meeting, which the page offers instead)."""
    meeting, parts, _ = _record(node)
    node.store.release(node.system, meeting, parse(node.policy, NARROW))
    section = next(p for p in parts if p.startswith(model.SECTION))
    review = next(p for p in parts if p.startswith(model.REVIEW))
    with TestClient(create_app(node)) as client:
        csrf = sign_in(client, "sato", lang=lang)
        refused = client.post(
            f"/objects/{section}/release", data={"csrf_token": csrf, "label": WIDE}
        )
        assert refused.status_code == 422, refused.text
        said = _release_error(refused.text)
        assert said, refused.text
        assert "policy knows" not in said
        assert "規程にある区分" not in said
        if lang == "en":
            assert "released with its meeting" in said
            assert "release the meeting" in said
        else:
            assert "会議を提供してください" in said
        # A review names its decision: the owner's own reason, as REST gives it.
        refused = client.post(
            f"/objects/{review}/release", data={"csrf_token": csrf, "label": WIDE}
        )
        assert refused.status_code == 422, refused.text
        said = _release_error(refused.text)
        assert "policy knows" not in said
        assert "規程にある区分" not in said
        assert ("at least as restrictive" if lang == "en" else "制限") in said
    assert node.store.get(node.system, section).label_text == NARROW


def _text_words(node: Node, item: str) -> str:
    """A phrase of `item`'s own words, which its meeting's text holds too."""
    words = str(node.store.get(node.system, item).object["text"])
    return words[: min(len(words), 20)]


def test_a_part_narrowed_alone_is_refused_and_its_words_stay_with_its_meeting(
    node: Node,
) -> None:
    """Walk 49: an item narrowed alone was hidden from the partner's reader, who read
    its words all the same in its meeting's original and normalized texts. A part is
    released with its meeting, which holds its words: alone it is refused, and nothing
    changes."""
    meeting, parts, token = _record(node)
    item = next(p for p in parts if p.startswith(model.ITEM))
    assert _text_words(node, item) in node.store.get(node.system, meeting).object["original_text"]
    held = {p: node.store.get(node.system, p).version for p in (meeting, *parts)}
    with TestClient(create_app(node)) as client:
        for label in (NARROW, "SECRET//REL TO JPN, USA", WIDE.replace("USA", "USA, AUS")):
            alone = client.post(
                f"/api/v1/objects/{item}/release", json={"label": label}, headers=bearer(token)
            )
            assert alone.status_code == 422, (label, alone.text)
            assert "released with its meeting" in alone.text
    assert {p: node.store.get(node.system, p).version for p in (meeting, *parts)} == held
    with node.db.read() as conn:
        refused = [e for e in audit.entries(conn, limit=100) if e.action == "refused"]
    assert len(refused) >= 3
    assert all(e.target == item for e in refused[:3])


def test_a_part_s_page_leads_to_its_meeting_s_release(node: Node) -> None:
    meeting, parts, _ = _record(node)
    item = next(p for p in parts if p.startswith(model.ITEM))
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="en")
        page = client.get(f"/objects/{item}").text
        assert 'id="released-with"' in page
        assert f'href="/objects/{meeting}"' in page
        assert 'id="release-label"' not in page
        whole = client.get(f"/objects/{meeting}").text
        assert 'id="release-label"' in whole
        assert 'id="released-with"' not in whole


def test_a_meeting_widened_carries_its_parts_to_the_partner(node: Node, usa: Node) -> None:
    """Walk 49: releasing only the meeting shipped the whole text of its parts, which
    stayed unreleased: the partner read every word, and no part. Now they go with it."""
    with _linked(node, usa):
        user, token = add_user(node, "sato", roles=["author", "releasing_officer"],
                               password=PASSWORD)  # fmt: skip
        record = service.import_summary(node, user.principal, SEED, lang="ja",
                                        label=parse(node.policy, NARROW))  # fmt: skip
        with TestClient(create_app(node)) as client:
            wider = client.post(f"/api/v1/objects/{record.meeting_id}/release",
                                json={"label": WIDE}, headers=bearer(token))  # fmt: skip
            assert wider.status_code == 200, wider.text
        assert pull_once(usa, _peer_of(usa, "JPN")).quarantined == 0
        jones, _ = add_user(usa, "jones", nation="USA", clearance="SECRET")
        held = node.store.list(node.system, limit=1000).items
        made = [o.id for o in held if o.type in (model.SECTION, model.ITEM, model.DECISION)]
        assert len(made) > 10
        for each in (record.meeting_id, *made):
            assert usa.store.get(jones.principal, each).label_text == WIDE


def test_a_part_narrowed_before_the_rule_holds_its_meeting_back_until_put_in_step(
    node: Node,
) -> None:
    """A part narrowed alone before records were released whole (the store still takes
    a part's release that follows another object's) keeps its meeting from being
    widened past it, naming the part; released on its own to its meeting's label (the
    one release of a part alone that is taken), it is in step and goes with it."""
    from kizuna.domains.meetings import OWNER

    meeting, parts, token = _record(node)
    item = next(p for p in parts if p.startswith(model.ITEM))
    with node.store.transaction(node.system) as conn:
        node.store.release_in(conn, node.system, item, parse(node.policy, NARROW),
                              owner=OWNER, follows="x-kizuna-meeting--before-the-rule")  # fmt: skip
    wider = "UNCLASSIFIED//REL TO JPN, USA, AUS"
    with TestClient(create_app(node)) as client:
        refused = client.post(
            f"/api/v1/objects/{meeting}/release", json={"label": wider}, headers=bearer(token)
        )
        assert refused.status_code == 422, refused.text
        assert item in refused.text
        assert node.store.get(node.system, meeting).label_text == WIDE
        # The item's narrowing took its decisions along: each is named, and each put
        # in step on its own.
        behind = re.findall(r"x-kizuna-(?:item|decision)--[0-9a-f-]{36}", refused.json()["detail"])
        assert len(set(behind)) > 1
        for part in dict.fromkeys(behind):
            if part == meeting:
                continue
            in_step = client.post(
                f"/api/v1/objects/{part}/release", json={"label": WIDE}, headers=bearer(token)
            )
            assert in_step.status_code == 200, in_step.text
        again = client.post(
            f"/api/v1/objects/{meeting}/release", json={"label": wider}, headers=bearer(token)
        )
        assert again.status_code == 200, again.text
    assert node.store.get(node.system, item).label == parse(node.policy, wider)


def test_a_link_to_a_decision_since_narrowed_is_looked_up_again(node: Node) -> None:
    """Walk 49 #1: a decision kept its `restates_id` to a decision of an earlier
    meeting narrowed since, so a partner read a bare id and a 404 behind it."""
    user, token = add_user(node, "sato", roles=["author", "releasing_officer"], password=PASSWORD)
    sato, wide = user.principal, parse(node.policy, WIDE)
    service.import_summary(node, sato, OTHER_JA, lang="ja", label=wide)
    earlier = service.import_summary(node, sato, SEED, lang="ja", label=wide)
    seed_decisions = {d["id"] for d in earlier.objects if d["type"] == model.DECISION}
    linked = [d for d in node.store.list(sato, type=model.DECISION, limit=500).items
              if d.object.get("restates_id") in seed_decisions]  # fmt: skip
    assert linked  # the later text restates the seed's decisions
    smith, _ = add_user(node, "smith", nation="USA", clearance="SECRET")
    with TestClient(create_app(node)) as client:
        released = client.post(
            f"/api/v1/objects/{earlier.meeting_id}/release",
            json={"label": NARROW},
            headers=bearer(token),
        )
        assert released.status_code == 200, released.text
    for each in linked:
        now = node.store.get(smith.principal, each.id)
        assert now.version == each.version + 1
        target = now.object.get("restates_id")
        assert target not in seed_decisions
        if target is not None:
            assert node.store.get(smith.principal, target).id == target
    # Nothing the partner reads names a decision it may not read.
    for d in node.store.list(smith.principal, type=model.DECISION, limit=500).items:
        if target := d.object.get("restates_id"):
            assert node.store.get(smith.principal, target).id == target
    # The relinked versions are in the index the register's lookups read.
    with node.db.read() as conn:
        indexed = set(conn.execute(select(meetings_decisions.c.version_pk)).scalars())
        heads = conn.execute(
            select(access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
            .where(current(), objects.c.stix_id.in_([d.id for d in linked]))
        ).scalars()
        assert set(heads) <= indexed


def test_a_meeting_page_says_when_parts_of_its_record_are_withheld(node: Node) -> None:
    """Walk 49 #6: a partner's page numbered items (1) then (4) and said nothing. Old
    data (an item narrowed alone before records were released whole) is made here by
    taking the partner's access rows of one item."""
    meeting, parts, _ = _record(node)
    add_user(node, "smith", nation="USA", clearance="SECRET", password=PASSWORD)
    with TestClient(create_app(node)) as client:
        sign_in(client, "smith", lang="en")
        whole = client.get(f"/meetings/{meeting}")
        assert whole.status_code == 200, whole.text
        assert 'id="withheld"' not in whole.text
        second = next(
            p for p in parts if p.startswith(model.ITEM)
            and node.store.get(node.system, p).object["number"] == 2
        )  # fmt: skip
        with node.db.write() as conn:
            pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == second)).scalar()
            conn.execute(delete(access).where(access.c.object_pk == pk, access.c.nation == "USA"))
        shown = client.get(f"/meetings/{meeting}")
        assert shown.status_code == 200, shown.text
        assert "Some parts of this record are not shown to you" in shown.text
        sign_in(client, "sato", lang="ja")
        own = client.get(f"/meetings/{meeting}")
        assert 'id="withheld"' not in own.text
