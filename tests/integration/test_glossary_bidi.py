"""A glossary term's texts refuse bidirectional controls on every path (stop 44 left
it open: coordination texts refused them, a term's definition did not). A definition
holding U+202E shows every reader of the glossary a text other than the one written.
A text stored before the rule is carried, not judged again: the term is still edited
in its other fields and released."""

from __future__ import annotations

import re
import uuid

import pytest

from kizuna import clock
from kizuna.domains.glossary import rules
from kizuna.domains.glossary.model import TERM_EXTENSION, TERM_TYPE
from kizuna.federation.peers import add_peer, find_peer
from kizuna.federation.receive import apply_page
from kizuna.federation.signing import sign
from kizuna.labels import parse
from kizuna.node import public_key_pem
from kizuna.stix.markings import marking_id
from tests.factories import bearer, sign_in
from tests.integration import test_glossary
from tests.integration.test_glossary import _USA_KEY, SHARED, SURVIVAL, Desk, _post, snapshot

pytestmark = pytest.mark.sqlite_only

# The glossary tests' own desk: two JPN writers, readers of both nations.
desk = test_glossary.desk

SPOOFED = "Survival \u202enoitautis"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("definition_en", SPOOFED),
        ("ja", "存立\u2067危機事態"),
        ("abbreviations", ["SR", "S\u202aT"]),
    ],
)
def test_the_glossary_refuses_a_bidirectional_control_by_field(
    desk: Desk, field: str, value: object
) -> None:
    before = snapshot(desk.node)
    answer = _post(desk, "sato", {**SURVIVAL, field: value})
    assert answer.status_code == 422, answer.text
    assert "bidirectional control" in answer.text
    assert snapshot(desk.node) == before
    made = _post(desk, "sato", SURVIVAL)
    assert made.status_code == 201, made.text
    edit = desk.client.put(
        f"/api/v1/glossary/{made.json()['id']}",
        json={k: v for k, v in {**SURVIVAL, field: value}.items() if k != "label"},
        headers=bearer(desk.tokens["sato"]),
    )
    assert edit.status_code == 422, edit.text
    assert "bidirectional control" in edit.text


def test_the_page_says_it_in_the_readers_language_and_keeps_the_form(desk: Desk) -> None:
    client = desk.client
    form = sign_in(client, "sato", lang="ja")
    data = {"csrf_token": form, "ja": "存立危機事態", "en": "survival-threatening situation",
            "definition_en": SPOOFED, "label": SHARED}  # fmt: skip
    before = snapshot(desk.node)
    answer = client.post("/glossary/new", data=data)
    assert answer.status_code == 422
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text))
    assert "定義（英語）：U+202E は文字の並びを書かれたとおりでなく見せる双方向制御文字です" in text
    assert "survival-threatening situation" in answer.text
    assert snapshot(desk.node) == before


def test_a_peers_term_holding_one_is_quarantined(desk: Desk) -> None:
    node = desk.node
    with node.db.write() as conn:
        add_peer(conn, policy=node.policy, own_nation=node.nation, actor="test", nation="USA",
                 url="http://127.0.0.1:9", public_key_pem=public_key_pem(_USA_KEY),
                 max_level="SECRET", compartments=[])  # fmt: skip
        peer = find_peer(conn, "USA")
    assert peer is not None
    now = clock.format_ts(clock.now())[:23] + "Z"
    label = parse(node.policy, "UNCLASSIFIED//REL TO USA, JPN", originator="USA")
    term = {
        "type": TERM_TYPE, "spec_version": "2.1", "id": f"{TERM_TYPE}--{uuid.uuid4()}",
        "created": now, "modified": now, "name": "Joint \u202eeettimmoC",
        "name_ja": "日米合同委員会", "status": "provisional",
        "extensions": {TERM_EXTENSION: {"extension_type": "new-sdo"}},
        "object_marking_refs": [marking_id(node.policy, label)],
    }  # fmt: skip
    before = snapshot(node)
    sent = sign(_USA_KEY, term, origin="USA", label=label, added=clock.now_ts(), version=1)
    applied = apply_page(node, peer, [sent], page_end=clock.now_ts())
    assert (applied.stored, applied.quarantined) == (0, 1)
    assert snapshot(node) == before


def test_a_term_stored_before_the_rule_is_still_edited_and_released(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(rules, "_refuse_bidi", lambda _body, _previous: None)
        made = _post(desk, "sato", {**SURVIVAL, "definition_en": SPOOFED, "label": "UNCLASSIFIED"})
    assert made.status_code == 201, made.text
    stix_id = made.json()["id"]
    sato = bearer(desk.tokens["sato"])
    edit = desk.client.put(
        f"/api/v1/glossary/{stix_id}",
        json={k: v for k, v in SURVIVAL.items() if k != "label"}
        | {"definition_en": SPOOFED, "source": "事態対処法"},
        headers=sato,
    )
    assert edit.status_code == 200, edit.text
    released = desk.client.post(
        f"/api/v1/objects/{stix_id}/release", json={"label": SHARED}, headers=sato
    )
    assert released.status_code == 200, released.text
