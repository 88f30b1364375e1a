"""The reader's calendar (iCalendar, RFC 5545) on both databases: meetings, commitments'
due dates and taskers' suspenses the reader may read, in the reader's language, each
with a stable UID, a DTSTAMP, a link to its page and its label; the calendar labelled
with the least upper bound; a reader of lower clearance sees no SECRET event; the
pages and REST need a session or a token; the download is audited; the meetings list
and the commitments register link to it in both languages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from kizuna import audit
from kizuna.domains.coordination.inputs import TaskerCreate
from kizuna.domains.coordination.service import coordination
from kizuna.domains.meetings import OWNER as MEETINGS
from kizuna.domains.meetings import model
from kizuna.labels import parse
from kizuna.runtime import Node
from tests.factories import PASSWORD, add_user, bearer, sign_in

SECRET = "SECRET//REL TO JPN, USA"
CONFIDENTIAL = "CONFIDENTIAL//REL TO JPN, USA"


def _write(node: Node, body: dict, label: str) -> str:
    with node.db.write() as conn:
        made = node.store.create_in(
            conn, node.system, body, parse(node.policy, label), owner=MEETINGS
        )
    return made.id


def _meeting(node: Node, name: str, label: str, **extra: object) -> str:
    body = {"type": model.MEETING, "name": name, "body": name, "lang": "ja", **extra}
    return _write(node, body, label)


def _decision(node: Node, meeting: str, sentence: str, label: str, **extra: object) -> str:
    body = {
        "type": model.DECISION,
        "meeting_id": meeting,
        "meeting_date": "2024-07-28",
        "section_number": 1,
        "actor": "both",
        "stance": "welcome",
        "sentence": sentence,
        **extra,
    }
    return _write(node, body, label)


@pytest.fixture
def record(node: Node) -> dict[str, str]:
    """A SECRET meeting with its hour, a CONFIDENTIAL one without, their commitments
    with due dates, a position with one (no event), and two taskers."""
    top = _meeting(
        node,
        "日米安全保障協議委員会",
        SECRET,
        date="2024-07-28",
        start="14:30",
        start_utc_offset="+09:00",
        duration_minutes=90,
        place="東京",
    )
    low = _meeting(node, "拡大抑止協議", CONFIDENTIAL, date="2024-06-10")
    made = {
        "top": top,
        "low": low,
        "top_due": _decision(
            node, top, "統合作戦司令部を設置する。", SECRET, commitment=1, due="2025-03"
        ),
        "low_due": _decision(
            node, low, "共同生産を拡大する。", CONFIDENTIAL, commitment=1, due="2027"
        ),
        "position": _decision(
            node, low, "懸念を表明した。", CONFIDENTIAL, commitment=0, due="2026"
        ),
    }
    c = coordination(node)
    for key, label, title in (
        ("tasker_top", SECRET, ("Prepare the tanker schedule", "給油機運用計画の作成")),
        ("tasker_low", CONFIDENTIAL, ("Port call list", "寄港先一覧")),
    ):
        made[key] = c.issue_tasker(
            node.system,
            TaskerCreate(
                title_en=title[0],
                title_ja=title[1],
                issuing_body="jjoc",
                opr="bocc",
                suspense=datetime(2099, 1, 1, 3, 0, tzinfo=UTC),
                label=label,
            ),
        ).id
    return made


@pytest.fixture
def readers(node: Node) -> dict[str, str]:
    """A SECRET reader and a CONFIDENTIAL one (JPN), with their API tokens."""
    return {
        "hi": add_user(node, "hi", clearance="SECRET", password=PASSWORD)[1],
        "lo": add_user(node, "lo", clearance="CONFIDENTIAL", password=PASSWORD)[1],
    }


def _events(text: bytes) -> tuple[Calendar, dict[str, dict]]:
    cal = Calendar.from_ical(text)
    events = {}
    for ev in cal.walk("VEVENT"):
        events[str(ev["UID"])] = {
            "summary": str(ev["SUMMARY"]),
            "start": ev.decoded("DTSTART"),
            "url": str(ev["URL"]),
            "label": str(ev["X-KIZUNA-LABEL"]),
            "stamp": ev.decoded("DTSTAMP"),
            "event": ev,
        }
    return cal, events


def test_a_reader_sees_the_events_they_may_read_in_their_language(
    node: Node, client: TestClient, record: dict[str, str], readers: dict[str, str]
) -> None:
    sign_in(client, "hi", lang="ja")
    answer = client.get("/calendar.ics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert "kizuna.ics" in answer.headers["content-disposition"]
    cal, events = _events(answer.content)
    assert set(events) == {
        record["top"],
        record["low"],
        f"{record['top_due']}/due",
        f"{record['low_due']}/due",
        f"{record['tasker_top']}/suspense",
        f"{record['tasker_low']}/suspense",
    }
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["X-KIZUNA-LABEL"]).startswith("極秘")
    assert "極秘" in str(cal["X-WR-CALNAME"])
    top = events[record["top"]]
    assert top["summary"] == "日米安全保障協議委員会"
    assert top["start"] == datetime(2024, 7, 28, 5, 30, tzinfo=UTC)
    assert top["event"].decoded("DURATION") == timedelta(minutes=90)
    assert top["url"] == f"http://testserver/meetings/{record['top']}"
    assert top["label"].startswith("極秘")
    assert isinstance(top["stamp"], datetime)
    assert str(top["event"]["CLASS"]) == "CONFIDENTIAL"
    assert events[record["low"]]["start"] == date(2024, 6, 10)
    assert events[f"{record['top_due']}/due"]["start"] == date(2025, 3, 31)
    assert events[f"{record['low_due']}/due"]["start"] == date(2027, 12, 31)
    assert events[f"{record['low_due']}/due"]["url"].endswith(f"/commitments/{record['low_due']}")
    tasker = events[f"{record['tasker_top']}/suspense"]
    assert tasker["summary"] == "給油機運用計画の作成"
    assert tasker["start"] == datetime(2099, 1, 1, 3, 0, tzinfo=UTC)
    assert tasker["url"].endswith(f"/coordination/taskers/{record['tasker_top']}")
    assert "区分" in str(tasker["event"]["DESCRIPTION"])
    # The same calendar in English: titles and words in English, the same UIDs.
    english = client.get("/calendar.ics?lang=en")
    cal_en, events_en = _events(english.content)
    assert set(events_en) == set(events)
    assert events_en[f"{record['tasker_top']}/suspense"]["summary"] == (
        "Prepare the tanker schedule"
    )
    assert str(cal_en["X-KIZUNA-LABEL"]).startswith("SECRET")
    assert "Label: SECRET" in str(events_en[record["top"]]["event"]["DESCRIPTION"])


def test_a_lower_clearance_sees_no_secret_event_on_pages_or_rest(
    node: Node, client: TestClient, record: dict[str, str], readers: dict[str, str]
) -> None:
    expected = {
        record["low"],
        f"{record['low_due']}/due",
        f"{record['tasker_low']}/suspense",
    }
    # A REST client's language is its Accept-Language (Japanese without one).
    english = {**bearer(readers["lo"]), "accept-language": "en-US,en;q=0.8"}
    api = client.get("/api/v1/calendar.ics", headers=english)
    assert api.status_code == 200
    cal, events = _events(api.content)
    assert set(events) == expected
    assert str(cal["X-KIZUNA-LABEL"]).startswith("CONFIDENTIAL")
    for secret in (record["top"], record["top_due"], record["tasker_top"]):
        assert secret.encode() not in api.content
    sign_in(client, "lo", lang="en")
    _, on_page = _events(client.get("/calendar.ics").content)
    assert set(on_page) == expected
    _, high = _events(client.get("/api/v1/calendar.ics", headers=bearer(readers["hi"])).content)
    assert expected < set(high)


def test_no_calendar_without_a_session_or_a_token(
    node: Node, client: TestClient, record: dict[str, str]
) -> None:
    page = client.get("/calendar.ics", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    assert client.get("/api/v1/calendar.ics").status_code == 401
    bad = client.get("/api/v1/calendar.ics", headers=bearer("not-a-token"))
    assert bad.status_code == 401
    assert b"BEGIN:VCALENDAR" not in bad.content


def test_an_empty_calendar_is_labelled_with_the_lowest_level_and_audited(
    node: Node, client: TestClient, readers: dict[str, str]
) -> None:
    answer = client.get("/api/v1/calendar.ics?lang=en", headers=bearer(readers["lo"]))
    cal, events = _events(answer.content)
    assert events == {}
    assert str(cal["X-KIZUNA-LABEL"]) == node.policy.lowest.name
    with node.db.read() as conn:
        done = [e for e in audit.entries(conn, limit=50) if e.action == "calendar.export"]
    assert [(e.actor, e.detail["events"]) for e in done] == [("lo", 0)]


@pytest.mark.parametrize(("lang", "words"), [("ja", "カレンダー"), ("en", "Calendar")])
def test_the_meetings_list_and_the_register_link_to_the_calendar(
    node: Node, client: TestClient, readers: dict[str, str], lang: str, words: str
) -> None:
    sign_in(client, "hi", lang=lang)
    for path in ("/meetings", "/commitments", "/coordination/taskers"):
        html = client.get(path).text
        assert 'href="/calendar.ics"' in html, path
        assert words in html.split('href="/calendar.ics"', 1)[1][:200], path


def test_an_admin_below_what_was_exported_sees_no_count_of_it(
    node: Node, client: TestClient, readers: dict[str, str], record: dict[str, str]
) -> None:
    """Walk 41 #2: a CONFIDENTIAL admin read on the audit page that a SECRET reader's
    calendar held 7 events where theirs held 4, so that 3 existed above them. The
    count carries the label of what it counts, and is withheld by it."""
    add_user(node, "admlow", clearance="CONFIDENTIAL", roles=["admin"], password=PASSWORD)
    assert client.get("/api/v1/calendar.ics", headers=bearer(readers["hi"])).status_code == 200
    assert client.get("/api/v1/calendar.ics", headers=bearer(readers["lo"])).status_code == 200
    with node.db.read() as conn:
        done = {e.actor: e.detail for e in audit.entries(conn, limit=50)
                if e.action == "calendar.export"}  # fmt: skip
    assert done["hi"]["label"].startswith("SECRET")
    assert done["lo"]["label"].startswith("CONFIDENTIAL")
    sign_in(client, "admlow", lang="en")
    page = client.get("/audit").text
    shown = {
        int(n)
        for n in re.findall(r"Events exported\s*(?:<[^>]*>\s*)*[:：]\s*(?:<[^>]*>\s*)*(\d+)", page)
    }
    assert shown == {done["lo"]["events"]}, shown
