"""The watch log and the shift handover on both databases: entries and handovers
through the service, the REST API and the pages; every refusal names the problem and
changes nothing; the audit log records each action."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna import clock
from kizuna.db.schema import audit_log, objects, versions
from kizuna.domains.coordination import handover as handovers
from kizuna.domains.coordination.service import coordination
from kizuna.domains.coordination.watch import log_entry, watch_log
from kizuna.domains.coordination.watch_model import EntryCreate, HandoverCreate
from kizuna.domains.coordination.watch_schema import coord_handovers, coord_watch
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.labels import Label, render
from kizuna.runtime import Node
from tests.factories import bearer, sign_in
from tests.factories.coordination import cast, item, member

LABEL = "SECRET//REL TO JPN, USA"


@pytest.fixture
def people(node: Node) -> dict:
    found = cast(node)
    # A JPN author of another body, and a second JJOC officer for the next shift.
    found["kato"] = member(node, "kato", nation="JPN", roles=["author"], bodies=["mod-policy"])
    return found


def counts(node: Node) -> dict[str, int]:
    with node.db.read() as conn:
        found = {
            name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for name, t in {
                "objects": objects,
                "versions": versions,
                "watch": coord_watch,
                "handovers": coord_handovers,
            }.items()
        }
        found["audit (not refusals)"] = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action != "refused")
        ).scalar_one()
    return found


def actions(node: Node, target: str) -> list[str]:
    with node.db.read() as conn:
        return list(
            conn.execute(
                select(audit_log.c.action)
                .where(audit_log.c.target == target)
                .order_by(audit_log.c.seq)
            ).scalars()
        )


def entry(**overrides: object) -> EntryCreate:
    values: dict = {
        "body": "jjoc",
        "kind": "event",
        "text_ja": "与那国島沖で不明機を探知",
        "text_en": "Unknown aircraft detected off Yonaguni",
        "label": LABEL,
    }
    values.update(overrides)
    return EntryCreate(**values)


def test_entries_make_a_chronological_log_with_corrections(node: Node, people: dict) -> None:
    c = coordination(node)
    sato, ito, davis = people["sato"][0], people["ito"][0], people["davis"][0]
    opened = c.open_item(sato, item())
    now = clock.now()
    early = log_entry(c, sato, entry(at=now - timedelta(hours=2), kind="call", items=[opened.id]))
    late = log_entry(c, ito, entry(at=now - timedelta(minutes=5), label="SECRET"))
    fixed = log_entry(c, sato, entry(kind="note", corrects=early.id, text_en="Correction"))
    assert early.object["author"] == "sato"
    assert early.object["items"] == [opened.id]
    assert fixed.object["corrects"] == early.id
    newest = [e.entry.id for e in watch_log(c, sato, "jjoc")]
    assert newest == [fixed.id, late.id, early.id]
    assert [e.entry.id for e in watch_log(c, sato, "jjoc", newest_first=False)] == newest[::-1]
    # The US officer on this node reads the entries released to the US only, and finds
    # the JJOC's entries in USFJ's log (its counterpart's).
    assert {e.entry.id for e in watch_log(c, davis, "usfj")} == {early.id, fixed.id}
    assert watch_log(c, davis, "usfj", counterparts=False) == []
    assert actions(node, early.id) == ["object.create", "coordination.watch.entry"]


def test_a_handover_lists_what_the_officer_reads_and_is_signed_twice(
    node: Node, people: dict
) -> None:
    c = coordination(node)
    sato, ito = people["sato"][0], people["ito"][0]
    opened = c.open_item(sato, item())
    logged = log_entry(c, sato, entry(items=[opened.id]))
    made = handovers.generate(c, sato, HandoverCreate(body="jjoc"))
    sections = made.object["sections"]
    assert [r["id"] for r in sections["items"]] == [opened.id]
    assert sections["items"][0]["state"] == "proposed"
    assert sections["items"][0]["precedence"] == "ROUTINE"
    assert sections["items"][0]["due"]
    assert [r["id"] for r in sections["entries"]] == [logged.id]
    assert sections["notifications"] == []  # JJOC's own item notifies USFJ, not JJOC
    # The least upper bound of what it lists; sato releases, so it stays REL TO USA.
    assert made.label_text == LABEL
    assert made.object["outgoing_signed_at"]
    signed = handovers.sign(c, ito, made.id)
    assert signed.version == 2
    assert signed.object["incoming_officer"] == "ito"
    assert signed.object["sections"] == sections
    assert actions(node, made.id) == [
        "object.create",
        "coordination.handover.generate",
        "coordination.handover.sign",
        "object.revise",
        "coordination.handover.sign",
    ]
    listed = handovers.handovers(c, ito, body="jjoc")
    assert [(h.handover.id, h.outgoing_signed, h.incoming_signed) for h in listed] == [
        (made.id, True, True)
    ]
    # An officer who is not a releasing officer gets this nation only by default.
    quiet = handovers.generate(c, ito, HandoverCreate(body="jjoc"))
    assert quiet.label_text == "SECRET//REL TO JPN"


def test_refusals_name_the_problem_and_change_nothing(node: Node, people: dict) -> None:
    c = coordination(node)
    sato, ito, kato, davis = (people[n][0] for n in ("sato", "ito", "kato", "davis"))
    opened = c.open_item(sato, item())
    hidden = c.open_item(node.system, item(label="TOP SECRET", propose=False))
    logged = log_entry(c, sato, entry(items=[opened.id]))
    unsigned = handovers.generate(c, sato, HandoverCreate(body="jjoc", sign=False))
    before = counts(node)
    # Not a member of the body; a partner's officer writes on their own node.
    for who in (kato, davis):
        with pytest.raises(Refused, match="is not a member of jjoc"):
            log_entry(c, who, entry())
        with pytest.raises(Refused, match="is not a member of jjoc"):
            handovers.generate(c, who, HandoverCreate(body="jjoc"))
    with pytest.raises(Invalid, match="in the future") as future:
        log_entry(c, sato, entry(at=clock.now() + timedelta(minutes=30)))
    assert future.value.field == "at"
    with pytest.raises(Invalid, match="unknown body"):
        log_entry(c, sato, entry(body="nowhere"))
    with pytest.raises(Invalid, match="not one of"):
        log_entry(c, sato, entry(kind="gossip"))
    with pytest.raises(Invalid, match="text in Japanese or English"):
        log_entry(c, sato, entry(text_ja="", text_en=""))
    # A hidden item is answered exactly as a missing one.
    missing = f"x-kizuna-coordination-item--{uuid.uuid4()}"
    said = []
    for ref in (hidden.id, missing):
        with pytest.raises(NotFound) as caught:
            log_entry(c, sato, entry(items=[ref]))
        said.append((type(caught.value), caught.value.field, str(caught.value).replace(ref, "X")))
    assert said[0] == said[1]
    # An entry's label covers what it names.
    with pytest.raises(Invalid, match="at least as restrictive"):
        log_entry(c, sato, entry(items=[opened.id], label="CONFIDENTIAL//REL TO JPN, USA"))
    # A handover's label dominates everything it lists, and the refusal says why.
    with pytest.raises(Invalid, match="does not dominate") as low:
        handovers.generate(c, sato, HandoverCreate(body="jjoc", label="CONFIDENTIAL"))
    assert "its level is below SECRET" in str(low.value)
    assert "choose at least SECRET//REL TO JPN, USA" in str(low.value)
    with pytest.raises(Invalid, match="releases to AUS"):
        handovers.generate(c, sato, HandoverCreate(body="jjoc", label=LABEL + ", AUS"))
    # Incoming before outgoing; then the outgoing twice; then the incoming twice.
    with pytest.raises(Conflict, match="signs first"):
        handovers.sign(c, ito, unsigned.id)
    assert counts(node) == before
    handovers.sign(c, sato, unsigned.id)
    with pytest.raises(Conflict, match="as its outgoing officer"):
        handovers.sign(c, sato, unsigned.id)
    handovers.sign(c, ito, unsigned.id)
    after = counts(node)
    with pytest.raises(Conflict, match="signed by its incoming officer"):
        handovers.sign(c, ito, unsigned.id)
    with pytest.raises(NotFound):
        handovers.sign(c, ito, f"x-kizuna-handover--{uuid.uuid4()}")
    assert counts(node) == after
    assert logged.version == 1


def test_rest_writes_reads_and_refuses_with_problem_details(
    node: Node, people: dict, client: TestClient
) -> None:
    sato, sato_token = people["sato"]
    _, ito_token = people["ito"]
    _, kato_token = people["kato"]
    _, davis_token = people["davis"]
    opened = coordination(node).open_item(sato, item())
    api = "/api/v1/coordination"
    made = client.post(
        f"{api}/watch",
        json={"body": "jjoc", "kind": "decision", "text_en": "Scramble", "items": [opened.id],
              "label": LABEL},
        headers=bearer(sato_token),
    )  # fmt: skip
    assert made.status_code == 201, made.text
    entry_id = made.json()["id"]
    read = client.get(f"{api}/watch?body=usfj", headers=bearer(davis_token)).json()
    assert read["bodies"] == ["usfj", "jjoc"]
    assert [e["id"] for e in read["items"]] == [entry_id]
    before = counts(node)
    refused = [
        client.post(f"{api}/watch", json={"body": "jjoc", "kind": "event", "text_en": "x",
                    "label": "SECRET"}, headers=bearer(kato_token)),
        client.post(f"{api}/watch", json={"body": "jjoc", "kind": "event", "text_en": "x",
                    "at": "2099-01-01T00:00:00Z", "label": "SECRET"}, headers=bearer(sato_token)),
        client.post(f"{api}/watch", json={"body": "jjoc", "kind": "event", "text_en": "x",
                    "items": [f"x-kizuna-coordination-item--{uuid.uuid4()}"], "label": "SECRET"},
                    headers=bearer(sato_token)),
        client.post(f"{api}/handovers", json={"body": "jjoc", "label": "UNCLASSIFIED"},
                    headers=bearer(sato_token)),
        # No generic path edits an entry.
        client.put(f"/api/v1/objects/{entry_id}", json={"object": {"type": "x-kizuna-watch-entry",
                   "body": "jjoc", "kind": "event", "at": "2026-01-01T00:00:00Z",
                   "text": "edited", "author": "sato"}}, headers=bearer(sato_token)),
    ]  # fmt: skip
    assert [r.status_code for r in refused] == [403, 422, 404, 422, 422]
    assert refused[1].json()["field"] == "at"
    assert "does not dominate" in refused[3].json()["detail"]
    assert "never edited" in refused[4].json()["detail"] or "coordination" in refused[4].text
    assert counts(node) == before
    handover = client.post(f"{api}/handovers", json={"body": "jjoc"}, headers=bearer(sato_token))
    assert handover.status_code == 201, handover.text
    hid = handover.json()["id"]
    again = client.post(f"{api}/handovers/{hid}/sign", headers=bearer(sato_token))
    assert again.status_code == 409
    assert "outgoing officer" in again.json()["detail"]
    ok = client.post(f"{api}/handovers/{hid}/sign", headers=bearer(ito_token))
    assert ok.status_code == 200
    assert ok.json()["object"]["incoming_officer"] == "ito"
    listed = client.get(f"{api}/handovers?body=jjoc", headers=bearer(davis_token)).json()
    assert [(h["id"], h["incoming_signed"]) for h in listed["items"]] == [(hid, True)]
    hidden = client.get(f"{api}/handovers/x-kizuna-handover--{uuid.uuid4()}",
                        headers=bearer(davis_token))  # fmt: skip
    assert hidden.status_code == 404


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_pages_log_generate_and_sign_in_both_languages(
    node: Node, people: dict, client: TestClient, lang: str
) -> None:
    sato = people["sato"][0]
    coordination(node).open_item(sato, item())
    token = sign_in(client, "sato", lang=lang)
    page = client.get("/coordination/watch")
    assert page.status_code == 200
    assert ("当直日誌" if lang == "ja" else "Watch log") in page.text
    # Walk 37: the label came prefilled in English on the Japanese page.
    lowest = Label(node.policy.lowest.rank, frozenset({"JPN"}), frozenset())
    typed = re.search(r'name="label"[^>]*value="([^"]*)"', page.text)
    assert typed is not None
    assert html.unescape(typed.group(1)) == render(node.policy, lowest, lang)
    logged = client.post(
        "/coordination/watch",
        data={"csrf_token": token, "body": "jjoc", "kind": "call", "text_ja": "米側と電話調整",
              "label": LABEL},
        follow_redirects=False,
    )  # fmt: skip
    assert logged.status_code == 303, logged.text
    assert "米側と電話調整" in client.get("/coordination/watch?body=jjoc").text
    # Walk 37: a refused entry came back at /coordination/watch, the log of no body.
    assert (
        'action="/coordination/watch?body=jjoc"' in client.get("/coordination/watch?body=jjoc").text
    )
    future = client.post(
        "/coordination/watch",
        data={"csrf_token": token, "body": "jjoc", "kind": "event", "text_en": "x",
              "at": "2099-01-01T00:00", "label": LABEL},
    )  # fmt: skip
    assert future.status_code == 422
    assert ("日時が未来です" if lang == "ja" else "The time is in the future") in future.text
    low = client.post(
        "/coordination/handovers",
        data={"csrf_token": token, "body": "jjoc", "label": "UNCLASSIFIED"},
    )
    assert low.status_code == 422
    assert ("少なくとも SECRET//REL TO JPN, USA" if lang == "ja" else "at least SECRET") in low.text
    made = client.post(
        "/coordination/handovers", data={"csrf_token": token, "body": "jjoc"},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    shown = client.get(made.headers["location"])
    assert shown.status_code == 200
    assert "米側と電話調整" in shown.text
    assert ("未完了の調整案件" if lang == "ja" else "Open coordination items") in shown.text
    twice = client.post(f"{made.headers['location']}/sign", data={"csrf_token": token})
    assert twice.status_code == 409
    assert 'id="sign-handover"' not in twice.text
    board = client.get("/coordination").text
    assert 'href="/coordination/watch"' in board
    assert 'href="/coordination/handovers"' in board


def test_an_entry_names_its_items_by_their_titles_where_the_reader_may_read_them(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 35: an entry's items went by their full ids. A reader who may read an item
    sees its title, and its label raises the banner; one who may not sees the id."""
    import re

    from kizuna.labels import parse
    from kizuna.labels.marking import render

    c = coordination(node)
    sato = people["sato"][0]
    made = c.open_item(sato, item())
    log_entry(c, sato, entry(items=[made.id]))
    # Narrowed to Japan after the entry: hidden from the US readers of the entry.
    node.store.release(sato, made.id, parse(node.policy, "SECRET", originator="JPN"))
    shown = re.compile(rf'href="/coordination/items/{made.id}"[^>]*>([^<]*)<')
    banner = re.compile(r'id="banner-top"[^>]*>([^<]*)<')
    # kato keeps another body's log: he reads the JJOC's, with no items to link.
    sign_in(client, "kato", lang="en")
    page = client.get("/coordination/watch?body=jjoc").text
    assert shown.findall(page) == ["Air defence posture, Kyushu"]
    assert banner.findall(page) == [render(node.policy, node.store.get(sato, made.id).label)]
    client.get("/lang/ja")
    assert shown.findall(client.get("/coordination/watch?body=jjoc").text) == ["九州の防空態勢"]
    client.cookies.clear()
    sign_in(client, "davis", lang="en")
    page = client.get("/coordination/watch?body=jjoc").text
    assert "Unknown aircraft detected off Yonaguni" in page
    assert shown.findall(page) == [made.id]
    assert "Air defence posture" not in page
    assert banner.findall(page) == ["SECRET//REL TO USA, JPN"]  # its own nation first


def test_a_handover_tells_the_next_watch_of_incident_notices_not_yet_acknowledged(
    node: Node, people: dict
) -> None:
    """Walk 37: JJOC held unacknowledged FLASH notices of a part fallen in Okinawa and
    its handover said "Unacknowledged notifications: Nothing" (the section read only
    the coordination items' notices). The incidents domain now adds its own section,
    listing only the events the outgoing officer may read."""
    from kizuna.domains.incidents.model import AckCreate
    from kizuna.domains.incidents.service import incidents
    from tests.domains.incidents.conftest import event

    c = coordination(node)
    sato, ito = people["sato"][0], people["ito"][0]
    duty, _ = member(node, "jduty", nation="JPN", roles=["author", "releasing_officer"],
                     bodies=["jjoc"], compartments=["CYBER"])  # fmt: skip
    seen = incidents(node).record(duty, event(label=LABEL))
    hidden = incidents(node).record(duty, event(label="SECRET//CYBER//REL TO JPN"))
    listed = handovers.generate(c, sato, HandoverCreate(body="jjoc")).object["sections"]
    notices = listed["incident-notices"]
    assert [r["id"] for r in notices] == [seen.id]  # sato holds no CYBER
    assert notices[0]["name_ja"] == "嘉手納基地付近でF-15のパネルが落下"
    assert notices[0]["href"] == f"/incidents/events/{seen.id}"
    assert hidden.id not in str(listed)

    incidents(node).acknowledge(ito, seen.id, AckCreate(addressee="jjoc"))
    after = handovers.generate(c, sato, HandoverCreate(body="jjoc")).object["sections"]
    assert after["incident-notices"] == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_handover_page_names_the_incident_section_and_links_the_event(
    node: Node, people: dict, client: TestClient, lang: str
) -> None:
    from kizuna.domains.incidents.service import incidents
    from tests.domains.incidents.conftest import event

    duty, _ = member(
        node, "jduty", nation="JPN", roles=["author", "releasing_officer"], bodies=["jjoc"]
    )
    seen = incidents(node).record(duty, event(label=LABEL))
    made = handovers.generate(coordination(node), people["sato"][0], HandoverCreate(body="jjoc"))
    sign_in(client, "sato", lang=lang)
    page = client.get(f"/coordination/handovers/{made.id}")
    assert page.status_code == 200, page.text
    section = page.text.split('id="section-incident-notices"', 1)[1].split("</section>", 1)[0]
    title = "未受領の事案通報" if lang == "ja" else "Unacknowledged incident notices"
    assert title in section
    assert f'href="/incidents/events/{seen.id}"' in section
    assert ("第一報" if lang == "ja" else "Alert") in section


def test_a_handover_handed_to_the_next_officer_lists_what_both_may_read(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 38: an officer holding BIAC generated a handover at SECRET//BIAC, which no
    other member of the JJOC could read: no one could ever sign it as incoming. Handed
    to a named officer, it lists what both may read (its label one they read), only
    they sign it as incoming, and a name that is no member of the body is refused."""
    c = coordination(node)
    sato = member(
        node, "mori", nation="JPN", roles=["author", "releasing_officer"], bodies=["jjoc"],
        compartments=["BIAC"],
    )[0]  # fmt: skip
    noda, noda_token = member(
        node, "noda", nation="JPN", roles=["author"], bodies=["jjoc"], clearance="CONFIDENTIAL"
    )
    ito = people["ito"][0]
    low = log_entry(c, sato, entry(label="CONFIDENTIAL//REL TO JPN"))
    log_entry(c, sato, entry(label="SECRET//REL TO JPN"))
    log_entry(c, sato, entry(label="CONFIDENTIAL//BIAC//REL TO JPN"))
    before = counts(node)
    # Unnamed, it would list the BIAC entry: no other member of the JJOC reads BIAC.
    with pytest.raises(
        Invalid,
        match=r"no other member of jjoc may read this handover at "
        r"SECRET//BIAC//REL TO JPN: hand it to the incoming officer",
    ) as said:
        handovers.generate(c, sato, HandoverCreate(body="jjoc"))
    assert said.value.field == "handed_to"
    for name, said in (
        ("kato", "not a member of jjoc"),  # of another body
        ("nobody", "not a member of jjoc"),
        ("mori", "someone else than you"),
    ):
        with pytest.raises(Invalid, match=said) as caught:
            handovers.generate(c, sato, HandoverCreate(body="jjoc", handed_to=name))
        assert caught.value.field == "handed_to"
    assert counts(node) == before
    made = handovers.generate(c, sato, HandoverCreate(body="jjoc", handed_to="noda"))
    assert [r["id"] for r in made.object["sections"]["entries"]] == [low.id]
    assert made.label_text == "CONFIDENTIAL//REL TO JPN"
    assert made.object["handed_to"] == "noda"
    with pytest.raises(Conflict, match="handed to noda"):
        handovers.sign(c, ito, made.id)
    signed = handovers.sign(c, noda, made.id)
    assert signed.object["incoming_officer"] == "noda"
    # Over REST the same, and the page offers the field and says to whom it is handed.
    web = client
    answer = web.post(
        "/api/v1/coordination/handovers",
        json={"body": "jjoc", "handed_to": "nobody"},
        headers=bearer(noda_token),
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "handed_to"
    sign_in(web, "noda", lang="ja")
    assert 'name="handed_to"' in web.get("/coordination/handovers").text
    page = web.get(f"/coordination/handovers/{made.id}").text
    assert "引継ぎ先" in web.get("/coordination/handovers").text
    assert re.search(r'<dd id="incoming">noda', page)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_refused_entry_for_a_body_one_does_not_keep_says_why_on_the_page(
    node: Node, people: dict, client: TestClient, lang: str
) -> None:
    """Walk 40: ito (of the JJOC) posting from the page for the USFJ got a 403 that
    showed the log with no reason: the reason was shown only with the form, which the
    log of a body one does not keep never offers."""
    token = sign_in(client, "ito", lang=lang)
    before = counts(node)
    refused = client.post(
        "/coordination/watch?body=usfj",
        data={"csrf_token": token, "body": "usfj", "kind": "event", "text_en": "x",
              "label": LABEL},
    )  # fmt: skip
    assert refused.status_code == 403
    said = re.search(r'class="error" role="alert"[^>]*>([^<]*)<', refused.text)
    assert said is not None
    usfj = coordination(node).structure.bodies["usfj"].name(lang)
    expected = (
        f"itoは{usfj}の構成員ではありません。"
        if lang == "ja"
        else f"ito is not a member of {usfj}."
    )
    assert expected in html.unescape(said.group(1))
    assert counts(node) == before


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_who_does_not_keep_a_watch_is_told_the_condition_that_fails(
    node: Node, people: dict, client: TestClient, lang: str
) -> None:
    """Walk 40: handing over to tanaka, a JJOC member with the reader role only, said
    he was "no member of jjoc"; hall, a US member of the USFJ on the Japanese node,
    was told he was "not a member of usfj". Each is a member: the words say what fails."""
    c = coordination(node)
    member(node, "tanaka", nation="JPN", roles=["reader"], bodies=["jjoc"])
    hall = member(node, "hall", nation="USA", roles=["author"], bodies=["usfj"])[0]
    ota = member(node, "ota", nation="JPN", roles=["author"], bodies=["usfj"])[0]
    sato = people["sato"][0]
    log_entry(c, sato, entry())
    before = counts(node)
    with pytest.raises(Invalid, match="tanaka is a member of jjoc as a reader"):
        handovers.generate(c, sato, HandoverCreate(body="jjoc", handed_to="tanaka"))
    with pytest.raises(Refused, match="hall is of USA: a member keeps the watch of usfj on"):
        log_entry(c, hall, entry(body="usfj"))
    with pytest.raises(Refused, match="usfj is a body of USA: its watch is kept on"):
        log_entry(c, ota, entry(body="usfj"))
    assert counts(node) == before
    token = sign_in(client, "sato", lang=lang)
    page = client.post(
        "/coordination/handovers",
        data={"csrf_token": token, "body": "jjoc", "handed_to": "tanaka"},
    )
    assert page.status_code == 422
    jjoc = c.structure.bodies["jjoc"].name(lang)
    expected = (
        f"tanakaは{jjoc}の構成員ですが閲覧者であり、閲覧者は当直に就きません。"
        if lang == "ja"
        else f"tanaka is a member of {jjoc} as a reader, and a reader does not keep its watch."
    )
    assert expected in html.unescape(page.text)
    client.cookies.clear()
    token = sign_in(client, "hall", lang=lang)
    usfj = c.structure.bodies["usfj"].name(lang)
    page = client.post(
        "/coordination/watch?body=usfj",
        data={"csrf_token": token, "body": "usfj", "kind": "event", "text_en": "x", "label": LABEL},
    )
    assert page.status_code == 403
    expected = (
        f"hallは米国の所属です。{usfj}の当直は構成員が自国のノードで行い、このノードは日本のノードです。"
        if lang == "ja"
        else f"hall belongs to United States: a member keeps the watch of {usfj} on their own "
        "nation's node, and this is the node of Japan."
    )
    assert expected in html.unescape(page.text)
    # Signing in is audited; nothing else was.
    assert {k: v for k, v in counts(node).items() if not k.startswith("audit")} == {
        k: v for k, v in before.items() if not k.startswith("audit")
    }
