"""The incident pages as their readers meet them: the record form's first label and
its errors, the event page's words, times and place names in the reader's language,
what the page shows of a cancellation, an acknowledgement and the public version, and
each CAP block in its own language. A walk through the pages found each of these."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna import audit
from kizuna.db.schema import objects, versions
from kizuna.domains.incidents import queries
from kizuna.domains.incidents.cap import CAP_NS
from kizuna.domains.incidents.exports import atom
from kizuna.domains.incidents.model import AckCreate, CancelRequest, EventUpdate, PublicCreate
from kizuna.domains.incidents.places import prefecture_name
from kizuna.domains.incidents.service import incidents, public_id_of
from kizuna.labels import Label, parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import FrozenClock, event, make_node
from tests.domains.incidents.test_events import counts
from tests.factories import bearer, sign_in
from tests.factories.coordination import member

pytestmark = pytest.mark.sqlite_only

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

# Page text, not storage: one database is enough, but for what the page reads
# through the visibility condition (the last test runs on both).
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

FORM = {
    "kind": "part_fall", "title_en": "Panel fell", "title_ja": "パネル落下",
    "occurred": "2026-12-01T13:40+09:00", "learned": "2026-12-01T13:55+09:00",
    "lon": "127.764", "lat": "26.309", "municipality": "473260",
}  # fmt: skip


@pytest.fixture
def jpn(db_url: str, tmp_path: Path) -> Iterator[Node]:
    """A JPN node with its author `jauthor` (a releasing officer of the JJOC)."""
    opened = make_node(db_url, tmp_path, "JPN")
    member(opened, "jauthor", nation="JPN", roles=["author", "releasing_officer"],
           bodies=["jjoc"])  # fmt: skip
    try:
        yield opened
    finally:
        opened.db.dispose()


def shown(html: str) -> str:
    """The page's text as read (attributes, such as a time's exact UTC, left out)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def xml(document: str) -> ET.Element:
    return ET.fromstring(document.encode())  # noqa: S314 (our own document)


def public_text(title_ja: str = "パネル") -> PublicCreate:
    return PublicCreate(
        title_en="Panel", title_ja=title_ja, description_en="Found.", description_ja="発見。"
    )


def waiting(start_page: str) -> int:
    """The count of the start page's panel of notices to acknowledge."""
    found = re.search(
        r'notices to acknowledge</a></h3>\s*<p class="count"><span class="figure" '
        r'data-count="(\d+)"',
        start_page,
    )
    assert found, "no panel of notices to acknowledge"
    return int(found.group(1))


def value_of(html: str, field_id: str) -> str:
    """The value an input of the page holds, found by its id."""
    found = re.search(rf'id="{field_id}"[^>]*\svalue="([^"]*)"', html)
    assert found, field_id
    return found.group(1)


def form_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" id="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


@SQLITE
@pytest.mark.parametrize(
    ("lang", "written"), [("ja", "秘//提供可：日本"), ("en", "CONFIDENTIAL//REL TO JPN")]
)
def test_the_record_form_starts_releasable_to_the_authors_nation_and_records_with_it(
    jpn: Node, lang: str, written: str
) -> None:
    with TestClient(create_app(jpn)) as web:
        csrf = sign_in(web, "jauthor", lang=lang)
        label = form_value(web.get("/incidents/new").text, "label")
        assert label == written
        assert parse(jpn.policy, label) == Label(10, frozenset({"JPN"}), frozenset())
        made = web.post(
            "/incidents/new",
            data={**FORM, "label": label, "csrf_token": csrf},
            follow_redirects=False,
        )
    assert made.status_code == 303, shown(made.text)[-600:]


@SQLITE
def test_the_record_form_takes_people_hurt_damage_release_and_exercise(jpn: Node) -> None:
    """Walk 38: the record form had none of people hurt, damage, release and exercise,
    which the first notice carries (an exercise could not be marked from the page, and
    its CAP went out as Actual)."""
    with TestClient(create_app(jpn)) as web:
        csrf = sign_in(web, "jauthor", lang="ja")
        form = web.get("/incidents/new").text
        for name in ("people_hurt", "damage", "release_substance", "release_amount", "exercise"):
            assert f'name="{name}"' in form, name
        typed = {**FORM, "label": "CONFIDENTIAL//REL TO JPN", "csrf_token": csrf,
                 "people_hurt": "2", "damage": "a hangar door", "release_substance": "JP-8",
                 "release_amount": "200 L", "exercise": "1"}  # fmt: skip
        refused = web.post("/incidents/new", data={**typed, "people_hurt": "two"})
        assert refused.status_code == 422
        assert "負傷者：" in shown(refused.text)
        assert 'value="JP-8"' in refused.text
        made = web.post("/incidents/new", data=typed, follow_redirects=False)
        assert made.status_code == 303, shown(made.text)[-600:]
        page = web.get(made.headers["location"]).text
    stix_id = made.headers["location"].rsplit("/", 1)[-1]
    body = incidents(jpn).store.get(jpn.system, stix_id).object
    assert (body["people_hurt"], body["damage"]) == (2, "a hangar door")
    assert (body["release_substance"], body["release_amount"]) == ("JP-8", "200 L")
    assert body["exercise"] is True
    assert 'id="exercise"' in page
    assert "訓練です" in page


@SQLITE
@pytest.mark.parametrize(
    ("lang", "change", "said"),
    [
        ("ja", {"label": "CONFIDENTIAL//REL TO " + ", ".join(["JPN"] * 100)},
         "区分：300 文字以内"),
        ("ja", {"title_en": "x" * 301}, "件名（英語）：300 文字以内"),
        ("ja", {"occurred": "2026-12-01T13:40"},
         "発生日時：「2026-12-05T09:00+09:00」のように、時差を付けて入力してください。"),
        ("en", {"occurred": "2026-12-01T13:40"},
         "Occurred: give the time with its zone, such as 2026-12-05T09:00+09:00."),
        ("ja", {"lat": "95"}, "位置：緯度は −90 から 90 までの数で入力してください。"),
        ("en", {"lat": "95"}, "Position: the latitude is a number from −90 to 90."),
        ("en", {"lon": "181"}, "Position: the longitude is a number from −180 to 180."),
        ("ja", {"municipality": "47325"},
         "市町村コード：「473260」のように、検査数字を含む JIS X 0402 の6桁のコードを"),
        ("en", {"municipality": "47325"},
         "Municipality codes: enter six digits, the JIS X 0402 code with its check digit"),
        ("ja", {"municipality": "470007"}, "市町村コード：これは都道府県のコードです。"),
        ("en", {"unit": "u" * 201}, "Unit: at most 200 characters."),
        ("ja", {"municipality": "131016"},
         "市町村コード：市区町村コードが場所とは別の都道府県のものです。"),
        ("en", {"municipality": "131016"},
         "Municipality codes: the municipality codes are of another prefecture than the place"),
        ("en", {"lon": "139.753", "lat": "35.694", "municipality": "472051"},
         "Municipality codes: the municipality codes are of another prefecture than the place"),
    ],
)  # fmt: skip
def test_the_record_form_names_what_is_wrong_and_what_would_do(
    jpn: Node, lang: str, change: dict[str, str], said: str
) -> None:
    with TestClient(create_app(jpn)) as web:
        csrf = sign_in(web, "jauthor", lang=lang)
        before = counts(jpn)
        data = {**FORM, "label": "CONFIDENTIAL//REL TO JPN", "csrf_token": csrf, **change}
        refused = web.post("/incidents/new", data=data)
    assert refused.status_code == 422
    assert said in shown(refused.text)
    # The form is given back with what was typed.
    assert form_value(refused.text, "title_ja") == "パネル落下"
    assert counts(jpn) == before


@SQLITE
def test_a_body_with_notices_of_two_revisions_is_offered_once(usa: Node) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj", "mcipac"])  # fmt: skip
    c = incidents(usa)
    made = c.record(duty, event())
    c.update(duty, made.id, EventUpdate(damage="a dent in a car"))
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        sign_in(web, "duty", lang="en")
        page = web.get(f"/incidents/events/{made.id}").text
    assert page.count('<option value="usfj">') == 1
    assert page.count('<option value="mcipac">') == 1


@SQLITE
def test_a_member_who_only_reads_is_told_of_a_notice_but_not_offered_to_sign_for_it(
    usa: Node,
) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj", "mcipac"])  # fmt: skip
    member(usa, "watch", nation="USA", roles=["coordinator"], bodies=["usfj"])
    _, reader_token = member(usa, "ureader", nation="USA", roles=["reader"], bodies=["usfj"])
    c = incidents(usa)
    made = c.record(duty, event())
    path = f"/incidents/events/{made.id}"
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        # A reader of the body: no form, no notice waiting on the start page.
        csrf = sign_in(web, "ureader", lang="en")
        assert web.get(path).status_code == 200
        assert 'id="acknowledge"' not in web.get(path).text
        assert waiting(web.get("/").text) == 0
        # Walk 37: the reader was not told of the notice to their body, as promised.
        told = web.get(path).text.split('id="told"', 1)[1].split("</p>", 1)[0]
        assert "Notified and not yet acknowledged:" in told
        assert "US Forces Japan" in told
        assert "an author or a coordinator" in told
        # Nor the form to record one, nor recording by REST: both refused and audited.
        assert web.get("/incidents/new").status_code == 403
        rest = web.post("/api/v1/incidents/events", json=json.loads(event().model_dump_json()),
                        headers=bearer(reader_token))  # fmt: skip
        assert rest.status_code == 403
        # Sent anyway: refused as a refusal (403, as over REST), audited, nothing written.
        before = counts(usa)
        refused = web.post(f"{path}/acknowledge", data={"addressee": "usfj", "csrf_token": csrf})
        assert refused.status_code == 403
        assert "not a member" not in shown(refused.text)
        assert counts(usa) == before
        # A coordinator of the body answers, and so acknowledges.
        sign_in(web, "watch", lang="en")
        assert 'id="acknowledge"' in web.get(path).text
        assert 'id="told"' not in web.get(path).text
        assert waiting(web.get("/").text) == 1
    with usa.db.read() as conn:
        entries = audit.entries(conn, limit=50)
    said = [e.detail["reason"] for e in reversed(entries) if e.action == "refused"]
    assert said == [
        "ureader may not record events: it needs the author or translator role",
        "only authors of USA record and update events on this node",
        "ureader may not acknowledge for usfj: it needs the author or coordinator role",
    ]


@SQLITE
def test_the_event_page_speaks_the_readers_language_and_zone(jpn: Node) -> None:
    c = incidents(jpn)
    author, _ = member(jpn, "jduty", nation="JPN", roles=["author"], bodies=["jjoc"])
    made = c.record(author, event(label="CONFIDENTIAL//REL TO JPN"))
    c.update(author, made.id, EventUpdate(damage="none"))
    with TestClient(create_app(jpn)) as web:
        sign_in(web, "jauthor", lang="ja")
        ja = shown(web.get(f"/incidents/events/{made.id}").text)
        board_ja = shown(web.get("/incidents").text)
        web.get("/lang/en")
        # The follow-up form holds both descriptions, as the author wrote them.
        en = shown(re.sub(r'<details class="follow-up-form".*?</details>', "",
                          web.get(f"/incidents/events/{made.id}").text, flags=re.S))  # fmt: skip
        board_en = shown(web.get("/incidents").text)
    # Times in the reader's zone, never the stored UTC text.
    assert "2026-12-01 13:40 JST" in ja
    assert "2026-12-01 13:55 JST" in ja
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", ja)
    assert " JST" in ja.split("経過")[1]  # the timeline and the versions too
    # Japanese words for the state, the notices and the versions.
    assert "対応中（第2版）" in ja
    assert "対応中（第1版）" in ja
    assert "第一報" in ja
    assert "続報" in ja
    for english in (" open ", "Alert", "Update", "revision"):
        assert english not in ja, english
    assert "Open (revision 2)" in en
    assert "Alert" in en
    # Places: Japanese for Japanese readers, the English name the routing file gives.
    assert "沖縄県北谷町（473260）" in ja
    assert "沖縄県北谷町" in board_ja
    assert "Chatan Town (473260)" in en
    assert "Chatan Town" in board_en
    assert "北谷町" not in en
    assert "北谷町" not in board_en


@SQLITE
def test_cap_says_each_block_in_its_own_language(usa: Node) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    c = incidents(usa)
    made = c.record(duty, event())
    c.release_public(duty, made.id, public_text())
    c.cancel(duty, made.id, CancelRequest(reason_en="Recorded in error", reason_ja="誤登録"))
    ns = {"cap": CAP_NS}
    cancel = xml(queries.cap_documents(c, duty, made.id)[-1])
    blocks = {i.findtext("cap:language", namespaces=ns): i for i in cancel.findall("cap:info", ns)}
    en, ja = blocks["en-US"], blocks["ja-JP"]
    assert en.findtext("cap:area/cap:areaDesc", namespaces=ns) == "Chatan Town"
    assert ja.findtext("cap:area/cap:areaDesc", namespaces=ns) == "沖縄県北谷町"
    en_text = en.findtext("cap:description", namespaces=ns) or ""
    ja_text = ja.findtext("cap:description", namespaces=ns) or ""
    assert "Recorded in error" in en_text
    assert "誤登録" not in en_text
    assert "誤登録" in ja_text
    assert "Recorded in error" not in ja_text
    # The public version's CAP too (a Cancel: it says the fact, not the event's reason).
    public = queries.public_version(c, public_id_of(made.id))
    doc = xml(queries.public_cap(c, public))
    areas = [a.findtext("cap:areaDesc", namespaces=ns) for a in doc.iter(f"{{{CAP_NS}}}area")]
    assert areas == ["沖縄県北谷町", "Chatan Town"]


@SQLITE
def test_the_public_form_names_its_fields_and_keeps_what_was_typed(usa: Node) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    made = incidents(usa).record(duty, event())
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        csrf = sign_in(web, "duty", lang="ja")
        before = counts(usa)
        refused = web.post(
            f"/incidents/events/{made.id}/public",
            data={"title_en": "Panel", "title_ja": " ", "description_en": "  ",
                  "description_ja": " ", "csrf_token": csrf},
        )  # fmt: skip
    assert refused.status_code == 422
    text = shown(refused.text)
    assert "件名（日本語）：入力してください。" in text
    assert "本文（英語）：入力してください。" in text
    assert "description_en" not in text
    assert 'id="public-title-en" value="Panel"' in refused.text
    assert counts(usa) == before


@SQLITE
def test_the_public_page_gives_japan_standard_time_in_either_language(usa: Node) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    c = incidents(usa)
    made = c.record(duty, event())
    c.release_public(duty, made.id, public_text())
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        for lang in ("en", "ja"):
            web.get(f"/lang/{lang}")
            text = shown(web.get("/incidents/public").text)
            assert "2026-12-01 13:40 JST" in text, lang
            assert "T04:40:00Z" not in text
        web.get("/lang/en")
        assert "Chatan Town" in shown(web.get("/incidents/public").text)


def test_the_event_page_shows_the_cancellation_the_acknowledgements_and_the_public_version(
    usa: Node,
) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    g7, _ = member(usa, "g7", nation="USA", roles=["author"], bodies=["mcipac"])
    member(usa, "low", nation="USA", roles=["reader"], bodies=["mcipac"],
           clearance="UNCLASSIFIED")  # fmt: skip
    c = incidents(usa)
    made = c.record(duty, event())
    c.acknowledge(g7, made.id, AckCreate(addressee="mcipac", comment="受領しました"))
    c.release_public(duty, made.id, public_text(title_ja="パネル落下の公表"))
    c.cancel(duty, made.id, CancelRequest(reason_en="Recorded in error", reason_ja="誤登録"))
    public_id = public_id_of(made.id)
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        sign_in(web, "g7", lang="ja")
        page = web.get(f"/incidents/events/{made.id}").text
        web.get("/lang/en")
        english = shown(web.get(f"/incidents/events/{made.id}").text)
        web.cookies.clear()
        sign_in(web, "low", lang="ja")
        hidden = web.get(f"/incidents/events/{made.id}")
    text = shown(page)
    assert "取消（第2版）" in text
    assert "取消の理由 誤登録" in text
    assert "Reason for cancelling Recorded in error" in english
    assert "受領しました" in text
    assert f'href="/incidents/public#{public_id}"' in page
    assert re.search(r"公表版（<time [^>]+>[^<]+ UTC</time> 公表）", page)
    assert "パネル落下の公表" in text
    # One who may not see the event sees none of it: not its acknowledgements either.
    assert hidden.status_code == 404
    assert "受領しました" not in hidden.text


@SQLITE
def test_the_figures_name_prefectures_and_places_in_the_readers_language(usa: Node) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    incidents(usa).record(duty, event())  # in Chatan (473260), Okinawa
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        sign_in(web, "duty", lang="en")
        english = shown(web.get("/incidents/figures").text)
        sign_in(web, "duty", lang="ja")
        japanese = web.get("/incidents/figures").text
    # The prefecture table said only "47"; the map and table named Chatan in Japanese.
    assert "Okinawa (47)" in english
    assert "Chatan Town (473260)" in english
    assert "北谷町" not in english
    assert "沖縄県（47）" in shown(japanese)
    # Each bar of the chart says its figure.
    assert re.search(r"<title>2026-12 · [^<]+: 1</title></rect>", japanese)


def test_every_prefecture_has_its_name_in_both_languages() -> None:
    for number in range(1, 48):
        code = f"{number:02d}"
        assert prefecture_name(code, "ja")[-1] in "都道府県", code
        assert prefecture_name(code, "en").isascii(), code
    assert (prefecture_name("13", "ja"), prefecture_name("13", "en")) == ("東京都", "Tokyo")
    assert (prefecture_name("47", "ja"), prefecture_name("47", "en")) == ("沖縄県", "Okinawa")
    assert prefecture_name("48", "en") == "48"


@SQLITE
def test_follow_ups_the_closing_report_and_a_cancel_are_posted_from_the_events_page(
    usa: Node,
) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    member(usa, "ureader", nation="USA", roles=["reader"], bodies=["usfj"])
    c = incidents(usa)
    first, second = c.record(duty, event()), c.record(duty, event(title_en="Second panel"))
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        csrf = sign_in(web, "duty", lang="ja")
        page = web.get(f"/incidents/events/{first.id}").text
        # The follow-up form starts from what the event says now.
        typed = {k: value_of(page, f"update-{k.replace('_', '-')}")
                 for k in ("people_hurt", "release_substance", "release_amount")}  # fmt: skip
        assert typed["people_hurt"] == "0"
        areas = dict(re.findall(r'<textarea name="(\w+)" id="update-[\w-]+">([^<]*)<', page))
        assert areas["damage"] == "none reported"
        sent = {**typed, **areas, "csrf_token": csrf}
        # Nothing changed, nothing closed: the form says so and nothing is written.
        before = counts(usa)
        same = web.post(f"/incidents/events/{first.id}/update", data=sent)
        assert same.status_code == 422
        assert "いずれかの項目を変更するか、最終報告としてください。" in same.text
        assert counts(usa) == before
        # A follow-up: one field changed, every addressee told again (an Update each).
        dent = {**sent, "damage": "車両1台のへこみ"}
        told = web.post(f"/incidents/events/{first.id}/update", data=dent, follow_redirects=False)
        assert told.status_code == 303
        now = c.store.get(duty, first.id).object
        assert (now["revision"], now["damage"], now["status"]) == (2, "車両1台のへこみ", "open")
        assert counts(usa)["notices"] > before["notices"]
        # The closing report: the event is closed and offers no more follow-up.
        closed = web.post(f"/incidents/events/{first.id}/update",
                          data={**dent, "closing": "1"}, follow_redirects=False)  # fmt: skip
        assert closed.status_code == 303
        assert c.store.get(duty, first.id).object["status"] == "closed"
        closed_page = web.get(f"/incidents/events/{first.id}").text
        assert 'id="post-update"' not in closed_page
        # Its notices are named for what they are: 続報 for revision 2, 最終報告 for 3.
        kinds = re.findall(r"<td>(\d+)</td><td>([^<]+)</td>", closed_page)
        assert ("2", "続報") in kinds
        assert ("3", "最終報告") in kinds
        assert ("3", "続報") not in kinds
        # A cancel needs its reason in both languages, the missing one named in the
        # reader's language.
        no_reason = web.post(f"/incidents/events/{second.id}/cancel",
                             data={"reason_ja": "誤登録", "csrf_token": csrf})  # fmt: skip
        assert no_reason.status_code == 422
        assert "理由（英語）" in shown(no_reason.text)
        assert value_of(no_reason.text, "cancel-reason-ja") == "誤登録"
        cancelled = web.post(f"/incidents/events/{second.id}/cancel",
                             data={"reason_en": "Recorded twice", "reason_ja": "二重登録",
                                   "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
        assert cancelled.status_code == 303
        assert "二重登録" in shown(web.get(f"/incidents/events/{second.id}").text)
        # A reader of the body is offered neither form, and is refused if they post.
        reader_csrf = sign_in(web, "ureader", lang="en")
        page = web.get(f"/incidents/events/{first.id}").text
        assert 'id="cancel-event"' not in page
        refused = web.post(f"/incidents/events/{first.id}/cancel",
                           data={"reason_en": "no", "reason_ja": "否",
                                 "csrf_token": reader_csrf})  # fmt: skip
        assert refused.status_code == 403
    assert c.store.get(duty, first.id).object["status"] == "closed"


@SQLITE
def test_the_feed_and_cap_say_they_are_utf_8(usa: Node) -> None:
    """Without a charset, Chromium read the feed's Japanese in a Western encoding."""
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    c = incidents(usa)
    made = c.record(duty, event())
    c.release_public(duty, made.id, public_text())
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        feed = web.get("/incidents/public/feed.atom")
        cap = web.get(f"/incidents/public/{public_id_of(made.id)}.cap")
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert cap.headers["content-type"] == "application/cap+xml; charset=utf-8"
    assert "パネル" in feed.content.decode("utf-8")


@SQLITE
def test_the_latency_to_an_acknowledgement_is_said_in_the_readers_words(
    usa: Node, frozen: FrozenClock
) -> None:
    """It read "48 s" and "121 s" on the Japanese page (walk 35)."""
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    g7, _ = member(usa, "g7", nation="USA", roles=["author"], bodies=["mcipac"])
    c = incidents(usa)
    made = c.record(duty, event())
    frozen.advance(seconds=48)
    c.acknowledge(g7, made.id, AckCreate(addressee="mcipac"))
    frozen.advance(seconds=73)
    c.acknowledge(duty, made.id, AckCreate(addressee="usfj"))
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        sign_in(web, "duty", lang="ja")
        ja = web.get(f"/incidents/events/{made.id}").text
        web.get("/lang/en")
        en = web.get(f"/incidents/events/{made.id}").text

    def latency(html: str, addressee: str) -> str:
        row = re.search(rf'<tr class="notice" data-addressee="{addressee}".*?</tr>', html, re.S)
        assert row, addressee
        return shown(re.findall(r"<td>(.*?)</td>", row.group(0), re.S)[-1]).strip()

    assert (latency(ja, "mcipac"), latency(ja, "usfj")) == ("48秒", "2分")
    assert (latency(en, "mcipac"), latency(en, "usfj")) == ("48 s", "2 min")


@SQLITE
def test_a_version_from_the_partners_node_names_the_node_in_words(jpn: Node) -> None:
    """The versions list read "node:USA" in either language (walk 35)."""
    author, _ = member(jpn, "jduty", nation="JPN", roles=["author"], bodies=["jjoc"])
    made = incidents(jpn).record(author, event(label="CONFIDENTIAL//REL TO JPN"))
    mine = select(objects.c.pk).where(objects.c.stix_id == made.id).scalar_subquery()
    with jpn.db.write() as conn:
        # As the event reads where it came from the US node.
        conn.execute(
            versions.update().where(versions.c.object_pk == mine).values(author="node:USA")
        )
    with TestClient(create_app(jpn)) as web:
        sign_in(web, "jauthor", lang="ja")
        ja = web.get(f"/incidents/events/{made.id}").text
        web.get("/lang/en")
        en = web.get(f"/incidents/events/{made.id}").text
    for html, words in ((ja, "米国のノード"), (en, "the United States node")):
        versions_list = html.split("<ol>", 1)[1].split("</ol>", 1)[0]
        assert f'<span class="actor" title="node:USA">{words}</span>' in versions_list
        assert "node:USA" not in shown(versions_list)


@SQLITE
def test_the_feed_summary_joins_the_places_to_the_japanese_text_in_japanese(usa: Node) -> None:
    """It read 「沖縄県北谷町: 発見。」, an ASCII colon after Japanese (walk 35)."""
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    c = incidents(usa)
    made = c.record(duty, event())
    c.release_public(duty, made.id, public_text())
    feed = xml(atom(queries.public_versions(c), base_url="http://kizuna.test", nation="USA"))
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    assert feed.findtext("atom:entry/atom:summary", namespaces=ns) == "沖縄県北谷町：発見。\nFound."
