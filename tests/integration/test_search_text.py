"""What the search finds in the standard STIX types a partner sends (walk: a US note
"about Delta zebrafish" was not found by "zebrafish"): a note's content and abstract,
an opinion's explanation, a campaign's objective, as well as the fields Kizuna writes;
still only what the reader may read."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from kizuna.identity import service as identity
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.store.search import search
from tests.factories import add_user, cookies

SHARED = "CONFIDENTIAL//REL TO JPN, USA"
HIDDEN = "SECRET//BIAC//REL TO JPN"  # the reader holds no BIAC


def _make(node: Node, obj: dict[str, Any], label: str = SHARED) -> str:
    return node.store.create(node.system, obj, parse(node.policy, label)).id


def _refs() -> list[str]:
    return [f"identity--{uuid.uuid4()}"]


def test_a_note_an_opinion_and_a_campaign_are_found_by_their_text(
    client: TestClient, node: Node
) -> None:
    reader, _ = add_user(node, "tanaka", clearance="SECRET")
    found_by = {
        "zebrafish": _make(node, {
            "type": "note", "content": "US note about Delta zebrafish", "object_refs": _refs(),
        }),
        "lanternfish": _make(node, {
            "type": "note", "abstract": "Lanternfish summary", "content": "Body",
            "object_refs": _refs(),
        }),
        "anglerfish": _make(node, {
            "type": "opinion", "opinion": "agree", "explanation": "Anglerfish seen twice",
            "object_refs": _refs(),
        }),
        "swordfish": _make(node, {
            "type": "campaign", "name": "Campaign", "objective": "Swordfish harbour access",
        }),
    }  # fmt: skip
    hidden = _make(node, {
        "type": "note", "content": "Zebrafish at a higher level", "object_refs": _refs(),
    }, HIDDEN)  # fmt: skip
    for word, made in found_by.items():
        hits = search(node.store, reader.principal, word)
        assert [h.obj.id for h in hits.hits] == [made], word
        assert hits.total == 1
        assert word in hits.hits[0].snippet.lower()
    # The visibility condition still decides: the system sees the hidden note too.
    assert {h.obj.id for h in search(node.store, node.system, "zebrafish").hits} == {
        found_by["zebrafish"],
        hidden,
    }
    with node.db.write() as conn:
        session = identity.start_session(conn, reader)
    client.cookies.set(cookies(client).session, session)
    client.cookies.set(cookies(client).lang, "en")
    page = client.get("/search", params={"q": "zebrafish"})
    assert page.status_code == 200
    assert '<p class="count" id="result-count">1 object found</p>' in page.text
    assert f'href="/objects/{found_by["zebrafish"]}"' in page.text
    assert hidden not in page.text
