"""Requests for information on both databases: a question stops its item's clock, the
answer restarts it with the time it had left, the asker closes, reopens or withdraws;
bad input is refused with nothing changed; the REST API and the pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna import clock
from kizuna.db.schema import audit_log, objects, versions
from kizuna.domains.coordination import queries, staff_queries
from kizuna.domains.coordination.inputs import ReplyCreate, RfiCreate
from kizuna.domains.coordination.schema import coord_rfi_replies, coord_rfis, coord_steps
from kizuna.domains.coordination.service import coordination, epoch
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.runtime import Node
from tests.factories import bearer, cookies
from tests.factories.coordination import cast, item, member

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[list[datetime]]:
    now = [T0]
    clock.set_clock(lambda: now[0])
    try:
        yield now
    finally:
        clock.set_clock(None)


@pytest.fixture
def people(node: Node) -> dict:
    found = cast(node)
    # A JPN officer of the BOCC, which answers for both nations.
    found["kato"] = member(node, "kato", nation="JPN", roles=["author"], bodies=["bocc"])
    return found


def question(**overrides: object) -> RfiCreate:
    values: dict[str, object] = {
        "title_en": "Which runway?",
        "title_ja": "使用滑走路は",
        "question_en": "Which runway will the tankers use?",
        "question_ja": "給油機はどの滑走路を使用するか。",
        "asking_body": "jjoc",
        "addressed_body": "bocc",
        "precedence": "PRIORITY",
    }
    values.update(overrides)
    return RfiCreate(**values)  # type: ignore[arg-type]


def step(node: Node, item_id: str) -> tuple[str, int]:
    with node.db.read() as conn:
        row = conn.execute(
            select(coord_steps.c.status, coord_steps.c.due_at)
            .join(objects, objects.c.pk == coord_steps.c.item_pk)
            .where(objects.c.stix_id == item_id, coord_steps.c.status.in_(("pending", "paused")))
        ).one()
    return row.status, row.due_at


def counts(node: Node) -> dict[str, int]:
    with node.db.read() as conn:
        found = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (objects, versions, coord_rfis, coord_rfi_replies)
        }
        found["audit"] = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action != "refused")
        ).scalar_one()
    return found


def test_an_rfi_stops_the_clock_and_its_answer_restarts_it(
    node: Node, people: dict, frozen: list[datetime]
) -> None:
    c = coordination(node)
    sato, kato = people["sato"][0], people["kato"][0]
    made = c.open_item(sato, item(precedence="IMMEDIATE"))
    status, due = step(node, made.id)
    assert (status, due) == ("pending", epoch(T0) + 4 * 3600)
    frozen[0] += timedelta(hours=1)
    rfi = c.ask(sato, question(coordination_item=made.id))
    # On the item, the RFI carries the item's label: no release decision is taken.
    assert rfi.label == made.label
    assert step(node, made.id) == ("paused", due)
    stopped = node.store.get(sato, made.id).object
    assert stopped["clock_stopped_by"] == [rfi.id]
    assert "due" not in stopped
    # Stopped: however long the question waits, nothing escalates.
    frozen[0] += timedelta(hours=50)
    assert c.scan() == []
    # A reply that does not answer keeps the clock stopped; the answer restarts it.
    c.reply(sato, rfi.id, ReplyCreate(body="jjoc", text_en="Any news?"))
    assert step(node, made.id)[0] == "paused"
    answer = c.reply(
        kato, rfi.id, ReplyCreate(body="bocc", text_ja="第2滑走路を使用。", answers=True)
    )
    assert answer.label == made.label
    assert node.store.get(sato, rfi.id).object["state"] == "answered"
    assert node.store.get(sato, rfi.id).object["answered_by"] == answer.id
    status, restarted = step(node, made.id)
    # The three hours it had left, from the answer on.
    assert (status, restarted) == ("pending", due + 50 * 3600)
    resumed = node.store.get(sato, made.id).object
    assert "clock_stopped_by" not in resumed
    assert resumed["due"].startswith("2026-03-03T06:00:00")
    # The timeline shows the RFI; its thread shows both replies in order.
    _facts, events = queries.timeline(c, sato, made.id)
    assert [e.rfi.id for e in events if e.rfi is not None] == [rfi.id]
    _shown, replies = staff_queries.rfi_thread(c, sato, rfi.id)
    assert [r.object.get("answers", False) for r in replies] == [False, True]
    # The asker closes it; a closed thread takes no reply.
    c.move_rfi(sato, rfi.id, "close")
    with pytest.raises(Conflict):
        c.reply(kato, rfi.id, ReplyCreate(body="bocc", text_en="More"))
    frozen[0] += timedelta(hours=3, seconds=1)
    assert [f.item_id for f in c.scan()] == [made.id]


def test_reopening_stops_the_clock_again_and_withdrawing_restarts_it(
    node: Node, people: dict, frozen: list[datetime]
) -> None:
    c = coordination(node)
    sato, kato = people["sato"][0], people["kato"][0]
    made = c.open_item(sato, item())
    rfi = c.ask(sato, question(coordination_item=made.id))
    c.reply(kato, rfi.id, ReplyCreate(body="bocc", text_en="Runway 2.", answers=True))
    assert step(node, made.id)[0] == "pending"
    # The answer falls short: reopened, the RFI is open again but has an answering
    # reply, so only a new RFI would stop the clock; withdrawing it changes nothing.
    c.move_rfi(sato, rfi.id, "reopen")
    assert node.store.get(sato, rfi.id).object["state"] == "open"
    second = c.ask(sato, question(coordination_item=made.id, title_en="And the time?"))
    assert step(node, made.id)[0] == "paused"
    c.move_rfi(sato, second.id, "withdraw")
    assert step(node, made.id)[0] == "pending"
    assert node.store.get(sato, made.id).object.get("clock_stopped_by") is None


def test_bad_rfis_and_replies_are_refused_and_nothing_is_written(node: Node, people: dict) -> None:
    c = coordination(node)
    sato, ito, davis, smith, kato = (
        people[n][0] for n in ("sato", "ito", "davis", "smith", "kato")
    )
    made = c.open_item(sato, item())
    hidden = c.open_item(sato, item(title_en="Ours", label="SECRET", propose=False))
    rfi = c.ask(sato, question(coordination_item=made.id))
    before = counts(node)
    with pytest.raises(Refused, match="on its own node"):
        c.ask(davis, question(asking_body="usfj", addressed_body="jjoc"))
    with pytest.raises(Refused, match="not a member of mod-policy"):
        c.ask(ito, question(asking_body="mod-policy", coordination_item=made.id))
    junior = member(
        node, "mori", nation="JPN", roles=["author"], bodies=["jjoc"], clearance="CONFIDENTIAL"
    )[0]
    before = counts(node)
    # Hidden from her: as if it did not exist, refused as the field's.
    with pytest.raises(Invalid, match="names no coordination item mori may read") as caught:
        c.ask(junior, question(coordination_item=hidden.id))
    assert caught.value.field == "coordination_item"
    with pytest.raises(Invalid, match="a body of USA") as caught:
        c.ask(sato, question(asking_body="usfj"))
    assert caught.value.field == "asking_body"
    with pytest.raises(Invalid, match="another body"):
        c.ask(sato, question(addressed_body="jjoc"))
    with pytest.raises(Invalid, match="needs a label"):
        c.ask(sato, question())
    with pytest.raises(Invalid, match="releasable to USA"):
        c.ask(sato, question(addressed_body="usfj", label="SECRET"))
    # The item's own label may be typed; another is refused, naming the item's.
    with pytest.raises(Invalid, match="leave the label out"):
        c.ask(sato, question(coordination_item=made.id, label="CONFIDENTIAL//REL TO JPN"))
    with pytest.raises(Invalid, match="only bocc"):
        c.reply(sato, rfi.id, ReplyCreate(body="jjoc", text_en="Yes", answers=True))
    with pytest.raises(Invalid, match="says something"):
        c.reply(kato, rfi.id, ReplyCreate(body="bocc"))
    with pytest.raises(Refused):
        c.reply(smith, rfi.id, ReplyCreate(body="usfj", text_en="x"))
    with pytest.raises(Conflict, match="cannot close"):
        c.move_rfi(sato, rfi.id, "close")
    with pytest.raises(Invalid, match="not a step"):
        c.move_rfi(sato, rfi.id, "answer")
    with pytest.raises(NotFound):
        c.reply(kato, "x-kizuna-rfi--00000000-0000-4000-8000-000000000000",
                ReplyCreate(body="bocc", text_en="x"))  # fmt: skip
    assert counts(node) == before


def test_rest_and_pages(node: Node, people: dict, client: TestClient) -> None:
    c = coordination(node)
    sato, sato_token = people["sato"]
    kato_token = people["kato"][1]
    made = c.open_item(sato, item())
    asked = client.post(
        "/api/v1/coordination/rfis",
        json={**question(coordination_item=made.id).model_dump(), "label": None},
        headers=bearer(sato_token),
    )
    assert asked.status_code == 201, asked.text
    rfi_id = asked.json()["id"]
    bad = client.post(
        f"/api/v1/coordination/rfis/{rfi_id}/replies",
        json={"body": "bocc", "text_en": "Runway 2", "answers": "perhaps"},
        headers=bearer(kato_token),
    )
    assert bad.status_code == 422
    answered = client.post(
        f"/api/v1/coordination/rfis/{rfi_id}/replies",
        json={"body": "bocc", "text_en": "Runway 2", "answers": True},
        headers=bearer(kato_token),
    )
    assert answered.status_code == 201, answered.text
    thread = client.get(f"/api/v1/coordination/rfis/{rfi_id}", headers=bearer(sato_token)).json()
    assert thread["object"]["state"] == "answered"
    assert [r["id"] for r in thread["replies"]] == [answered.json()["id"]]
    listed = client.get(
        f"/api/v1/coordination/rfis?item={made.id}", headers=bearer(sato_token)
    ).json()
    assert [r["id"] for r in listed["items"]] == [rfi_id]
    closed = client.post(
        f"/api/v1/coordination/rfis/{rfi_id}/steps",
        json={"event": "close"},
        headers=bearer(kato_token),
    )
    assert closed.status_code == 403  # only the asker's body closes it
    # The pages: the item lists its RFI, the thread shows the answer.
    from kizuna.identity import service as identity

    with node.db.write() as conn:
        user = identity.find_user(conn, "sato")
        assert user is not None
        client.cookies.set(cookies(client).session, identity.start_session(conn, user))
    page = client.get(f"/coordination/items/{made.id}").text
    assert f'href="/coordination/rfis/{rfi_id}"' in page
    thread_page = client.get(f"/coordination/rfis/{rfi_id}").text
    assert "Runway 2" in thread_page
    assert 'id="rfi-close"' in thread_page
    missing = client.get("/coordination/rfis/x-kizuna-rfi--00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_each_addressee_receives_and_acknowledges_once(node: Node, people: dict) -> None:
    """An item to the BOCC and an RFI to it are received at once on this node for its
    Japanese members; a member of the BOCC acknowledges each, once; nobody else may."""
    from kizuna.domains.coordination.receipts import receipts_of

    c = coordination(node)
    sato, kato, davis = people["sato"][0], people["kato"][0], people["davis"][0]
    made = c.open_item(sato, item(counterpart_body="bocc"))
    rfi = c.ask(sato, question(coordination_item=made.id))
    for target in (made.id, rfi.id):
        (receipt,) = receipts_of(c, sato, target)
        assert (receipt.object["body"], receipt.object["nation"]) == ("bocc", "JPN")
        assert receipt.label == node.store.get(sato, target).label
        assert "acknowledged" not in receipt.object
    wilson = member(node, "wilson", nation="USA", roles=["coordinator"], bodies=["bocc"])[0]
    before = counts(node)
    # Each is told why, naming the body (walk: a "nothing here" for an item one sees).
    with pytest.raises(Refused, match="not a member of bocc"):
        c.acknowledge_receipt(sato, made.id, "bocc")
    with pytest.raises(Refused, match="not a member of bocc"):
        c.acknowledge_receipt(davis, made.id, "bocc")
    with pytest.raises(Refused, match="not a member of usfj"):
        c.acknowledge_receipt(kato, made.id, "usfj")
    # A US member of the BOCC receives on the US node, and acknowledges there.
    with pytest.raises(Refused, match="on its own nation's node"):
        c.acknowledge_receipt(wilson, made.id, "bocc")
    with pytest.raises(Invalid, match="did not reach jjoc"):
        c.acknowledge_receipt(sato, made.id, "jjoc")
    with pytest.raises(NotFound):
        c.acknowledge_receipt(kato, f"{made.type}--00000000-0000-4000-8000-000000000000", "bocc")
    assert counts(node) == before
    c.acknowledge_receipt(kato, made.id, "bocc")
    (receipt,) = receipts_of(c, sato, made.id)
    assert receipt.object["acknowledged_by"] == "kato"
    with pytest.raises(Conflict, match="acknowledged by kato"):
        c.acknowledge_receipt(kato, made.id, "bocc")


def test_the_page_names_the_item_by_its_title_where_the_reader_may_read_it(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 35: the RFI's item went by its bare id. A reader who may read the item sees
    its title (and its label raises the banner); one who may not sees the bare id."""
    import re

    from kizuna.labels import parse
    from kizuna.labels.marking import render
    from tests.factories import sign_in

    c = coordination(node)
    sato = people["sato"][0]
    made = c.open_item(sato, item())
    rfi = c.ask(sato, question(coordination_item=made.id))
    # The item is narrowed to Japan after the question: the item is hidden from its US
    # readers, and the RFI about it goes with it (walk 42).
    node.store.release(sato, made.id, parse(node.policy, "SECRET", originator="JPN"))
    shown = re.compile(rf'href="/coordination/items/{made.id}"[^>]*>([^<]*)<')
    banner = re.compile(r'id="banner-top"[^>]*>([^<]*)<')
    sign_in(client, "sato", lang="en")
    page = client.get(f"/coordination/rfis/{rfi.id}").text
    assert shown.findall(page) == ["Air defence posture, Kyushu"]
    # The banner covers the item's label, narrower than the RFI's.
    assert banner.findall(page) == [render(node.policy, node.store.get(sato, made.id).label)]
    client.get("/lang/ja")
    assert shown.findall(client.get(f"/coordination/rfis/{rfi.id}").text) == ["九州の防空態勢"]
    client.cookies.clear()
    sign_in(client, "davis", lang="en")
    hidden = client.get(f"/coordination/rfis/{rfi.id}")
    assert hidden.status_code == 404
    assert "Air defence posture" not in hidden.text
    assert made.id not in hidden.text


def test_the_caller_is_refused_for_role_then_clearance_before_the_labels_rules(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 47: a reader asking an RFI was told (422) about its label before (403) that
    his role does not ask. As an assessment is checked: the role (403), then the
    clearance (403), then the label's rules (422); each refusal audited."""
    c = coordination(node)
    sato = people["sato"][0]
    on = c.open_item(sato, item())
    reader, token = member(node, "noma", nation="JPN", roles=["reader"], bodies=["jjoc"])
    junior = member(
        node, "mori", nation="JPN", roles=["author"], bodies=["jjoc"], clearance="CONFIDENTIAL"
    )[0]
    before = counts(node)
    for label in (None, "NOT A LABEL", "SECRET"):
        sent = question(addressed_body="usfj", label=label).model_dump(mode="json")
        answer = client.post("/api/v1/coordination/rfis", json=sent, headers=bearer(token))
        assert answer.status_code == 403, answer.text
        assert "noma may not ask a standalone RFI" in answer.json()["detail"]
    with pytest.raises(Refused, match="noma may not ask RFIs"):
        c.ask(reader, question(coordination_item=on.id))
    with pytest.raises(Refused, match="above the clearance of mori"):
        c.ask(junior, question(addressed_body="usfj", label="TOP SECRET"))
    # Who may write at the label is then told of the label's own rule.
    with pytest.raises(Invalid, match="releasable to USA"):
        c.ask(sato, question(addressed_body="usfj", label="SECRET"))
    assert counts(node) == before
    with node.db.read() as conn:
        refused = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "refused")
        ).scalar_one()
    assert refused >= 5


def _asked(**overrides: str) -> dict[str, str]:
    values = {"title_en": "Which runway?", "title_ja": "使用滑走路は",
              "question_en": "Which runway will the tankers use?", "question_ja": "",
              "asking_body": "mod-policy", "addressed_body": "usfj", "precedence": "IMMEDIATE",
              "label": "SECRET//REL TO JPN, USA"}  # fmt: skip
    values.update(overrides)
    return values


def test_a_standalone_rfi_is_asked_on_the_rfis_page_in_both_languages(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 47: the README says an RFI is asked on an item or standalone, but only the
    item's page offered a form. /coordination/rfis offers the standalone one, to who
    writes on this node: the same service call as REST, its refusals in the reader's
    words with what was typed kept, and nothing written."""
    import html
    import re

    from tests.factories.coordination import sign_in_as

    alert = re.compile(r'role="alert">([^<]*)<')
    member(node, "noma", nation="JPN", roles=["reader"], bodies=["jjoc"])
    member(node, "kudo", nation="JPN", roles=["coordinator"], bodies=["jjoc"])
    for name in ("noma", "kudo"):
        sign_in_as(node, client, name, "en")
        assert 'id="ask-standalone"' not in client.get("/coordination/rfis").text
    said = {}
    for lang in ("ja", "en"):
        token = sign_in_as(node, client, "sato", lang)
        assert 'id="ask-standalone"' in client.get("/coordination/rfis").text
        before = counts(node)
        refused = client.post(
            "/coordination/rfis", data={"csrf_token": token, **_asked(label="CONFIDENTIAL")}
        )
        assert refused.status_code == 422
        said[lang] = [html.unescape(m) for m in alert.findall(refused.text)]
        form = refused.text.split('id="ask-standalone"', 1)[1]
        for kept in ('value="Which runway?"', 'value="CONFIDENTIAL"',
                     '<option value="mod-policy" selected', '<option value="usfj" selected',
                     '<option value="IMMEDIATE" selected'):  # fmt: skip
            assert kept in form, kept
        assert counts(node) == before
    assert said == {
        "ja": [
            "記録されませんでした。 区分：情報要求は、宛先の組織が属する国（米国）に提供可で"
            "ある必要があります。提供可（REL TO）にその国を含めてください。"
        ],
        "en": [
            "Nothing was recorded. Label: the request for information must be releasable to "
            "United States, whose body it asks: name them after REL TO."
        ],
    }
    token = sign_in_as(node, client, "sato", "en")
    unsigned = client.post("/coordination/rfis", data=_asked(), follow_redirects=False)
    assert unsigned.status_code == 403
    made = client.post(
        "/coordination/rfis", data={"csrf_token": token, **_asked()}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    rfi_id = made.headers["location"].rsplit("/", 1)[1]
    rfi = node.store.get(people["sato"][0], rfi_id)
    assert (rfi.object["addressed_body"], rfi.object.get("coordination_item")) == ("usfj", None)
    assert node.store.render(rfi.label) == "SECRET//REL TO JPN, USA"
    assert f'href="/coordination/rfis/{rfi_id}"' in client.get("/coordination/rfis").text
