"""The objects list and an object's page as a reader uses them: references as links
with titles where the reader may read the target and bare ids where not (the same for
a hidden target and a missing one), counts, sorting across pages, page sizes, the
type filter, exports that match the list and are audited, and errors as pages."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import uuid
from importlib import resources
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kizuna import audit
from kizuna.domains.meetings.service import import_summary
from kizuna.errors import Invalid
from kizuna.identity import service as identity
from kizuna.labels import Label, lub, parse, render
from kizuna.runtime import Node
from tests.factories import PASSWORD, add_user, cookies, indicator, report, sign_in

SHARED = "CONFIDENTIAL//REL TO JPN, USA"
HIDDEN = "SECRET//BIAC//REL TO JPN"  # the reader holds no BIAC
WHEN = "2024-07-28T06:15:00.000Z"
_MORE = re.compile(r'class="more" href="([^"]+)"')
_TITLES = re.compile(r'<td><a href="/objects/[^"]+">([^<]*)</a></td>')


def _reader(client: TestClient, node: Node, lang: str = "en") -> None:
    user, _ = add_user(node, "tanaka", clearance="SECRET")
    with node.db.write() as conn:
        session = identity.start_session(conn, user)
    client.cookies.set(cookies(client).session, session)
    client.cookies.set(cookies(client).lang, lang)


def _label(node: Node, text: str) -> Label:
    return parse(node.policy, text)


def _make(node: Node, obj: dict[str, Any], label: str = SHARED) -> str:
    return node.store.create(node.system, obj, _label(node, label)).id


def _properties(page: str) -> str:
    return page.split('<dl class="facts properties">', 1)[1].split("</dl>\n<details", 1)[0]


def _walk(client: TestClient, url: str) -> list[str]:
    """The titles of every page of a listing, following its next links."""
    titles: list[str] = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.text
        titles += [html.unescape(t) for t in _TITLES.findall(answer.text)]
        more = _MORE.search(answer.text)
        url = html.unescape(more.group(1)) if more else ""
    return titles


def test_references_are_links_with_titles_only_where_the_reader_may_read(
    client: TestClient, node: Node
) -> None:
    readable = _make(node, report("Readable target"))
    hidden = _make(node, report("Hidden target"), HIDDEN)
    absent = f"report--{uuid.uuid4()}"
    pointing = {
        rid: _make(node, report("Hub", object_refs=[readable, rid], created=WHEN, modified=WHEN))
        for rid in (hidden, absent)
    }
    _reader(client, node)

    pages = {rid: client.get(f"/objects/{hub}") for rid, hub in pointing.items()}
    for answer in pages.values():
        assert answer.status_code == 200
        assert f'<a class="ref" href="/objects/{readable}">Readable target</a>' in answer.text
        assert "Hidden target" not in answer.text
        assert "SECRET" not in answer.text.replace("CONFIDENTIAL", "")
    assert f'<code class="mention">{hidden}</code>' in pages[hidden].text
    assert f'<code class="mention">{absent}</code>' in pages[absent].text
    assert f'href="/objects/{hidden}"' not in pages[hidden].text
    # A hidden target and a missing one read the same, but for the id itself.
    shown = {rid: _properties(a.text).replace(rid, "ID") for rid, a in pages.items()}
    assert shown[hidden] == shown[absent]
    # The readable target's label is shown, so the banner is at least it.
    banner = re.search(r'id="banner-top"[^>]*>([^<]*)<', pages[hidden].text)
    assert banner is not None
    assert banner.group(1).strip() == SHARED


def test_an_object_reads_as_fields_with_the_json_one_click_away(
    client: TestClient, node: Node
) -> None:
    rid = _make(node, report("Alliance review", description="Line one\nline two"))
    _reader(client, node, "ja")
    answer = client.get(f"/objects/{rid}")
    assert answer.status_code == 200
    text = answer.text
    assert "<h1>Alliance review</h1>" in text
    # Property names in the reader's language.
    assert "説明" in text
    assert "公表日時" in text
    assert '<time datetime="2024-07-28T06:15:00Z"' in text  # published, through `when`
    assert "2024-07-28 15:15 JST" in text
    # The STIX JSON, folded.
    assert "<details" in text
    assert '"report_types"' in text
    assert 'class="history"' in text


def test_an_objects_marking_reads_once_as_its_reader_writes_labels(
    client: TestClient, node: Node
) -> None:
    """The marking's link is the label as the page's other chips write it (the
    reader's nation first, in the reader's language), not the minting node's name of it
    beside a chip that orders the nations otherwise."""
    rid = _make(node, report("Shared review"))
    user, _ = add_user(node, "parker", nation="USA", clearance="SECRET")
    with node.db.write() as conn:
        session = identity.start_session(conn, user)
    client.cookies.set(cookies(client).session, session)
    written_in = {"en": "CONFIDENTIAL//REL TO USA, JPN", "ja": "秘//提供可：米国、日本"}
    for lang, written in written_in.items():
        client.cookies.set(cookies(client).lang, lang)
        answer = client.get(f"/objects/{rid}")
        assert answer.status_code == 200
        after = _properties(answer.text).split('title="object_marking_refs"', 1)[1]
        markings = after.split("<dd>", 1)[1].split("</dd>", 1)[0]
        shown = [html.unescape(t) for t in re.findall(r">([^<>]+)</", markings) if t.strip()]
        assert shown == [written]


def test_types_read_in_the_readers_words_in_the_list_and_on_the_page(
    client: TestClient, node: Node
) -> None:
    """The type filter names a report 報告; so do the list's column and the object's
    page (which keeps the STIX type beside it for whoever works with the JSON)."""
    rid = _make(node, report("Typed review"))
    _reader(client, node, "ja")
    listing = client.get("/objects", params={"type": "report"}).text
    row = listing.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert re.search(r'<td title="report">報告</td>', row), row
    facts = client.get(f"/objects/{rid}").text.split("<dt>種別</dt>", 1)[1].split("</dd>", 1)[0]
    assert "報告" in facts
    assert "<code>report</code>" in facts
    client.cookies.set(cookies(client).lang, "en")
    listing = client.get("/objects", params={"type": "report"}).text
    assert '<td title="report">Report</td>' in listing


def test_the_standard_stix_types_are_named_too(client: TestClient, node: Node) -> None:
    """Malware, and the other STIX 2.1 types a partner or a feed may send, are worded as
    a report is, in the list, on the page and in the search filter."""
    from kizuna.web.search import TYPE_NAMES

    for stix_type in (
        "malware",
        "threat-actor",
        "vulnerability",
        "tool",
        "campaign",
        "attack-pattern",
        "intrusion-set",
        "identity",
        "location",
        "relationship",
        "sighting",
        "ipv4-addr",
        "domain-name",
        "url",
        "file",
    ):
        assert stix_type in TYPE_NAMES, stix_type  # fmt: skip
    mid = _make(
        node,
        {"type": "malware", "id": f"malware--{uuid.uuid4()}", "name": "Sample loader",
         "is_family": False, "created": WHEN, "modified": WHEN, "spec_version": "2.1"},
    )  # fmt: skip
    _reader(client, node, "ja")
    listing = client.get("/objects", params={"type": "malware"}).text
    assert '<td title="malware">マルウェア</td>' in listing
    facts = client.get(f"/objects/{mid}").text.split("<dt>種別</dt>", 1)[1].split("</dd>", 1)[0]
    assert "マルウェア" in facts
    assert "<code>malware</code>" in facts
    found = client.get("/search", params={"q": "Sample loader", "type": "malware"})
    assert found.status_code == 200
    assert '<option value="malware" selected>マルウェア</option>' in found.text
    assert f'href="/objects/{mid}"' in found.text
    client.cookies.set(cookies(client).lang, "en")
    listing = client.get("/objects", params={"type": "malware"}).text
    assert '<td title="malware">Malware</td>' in listing


def test_a_meeting_item_is_titled_by_its_text_not_its_id(client: TestClient, node: Node) -> None:
    from kizuna.domains.meetings.service import import_seed

    import_seed(node)
    _reader(client, node, "en")
    titles = _walk(client, "/objects?type=x-kizuna-item&size=100")
    assert titles
    assert not [t for t in titles if t.startswith("x-kizuna-item--")]
    assert any("同盟" in t for t in titles)


def test_titles_are_in_the_readers_language_where_the_object_has_one(
    client: TestClient, node: Node
) -> None:
    """A Japanese reader reads, and sorts by, an object's Japanese name where it has one
    (as the intel lists show it); an English reader the English name. A cursor made in
    one language, followed in the other, starts the list again."""
    from kizuna.domains.intel import OWNER
    from kizuna.domains.intel.model import assessment

    def made(name: str, name_ja: str) -> str:
        body = assessment(name=name, name_ja=name_ja, judgement="j", confidence=50,
                          sources=[], region=None, domains=[])  # fmt: skip
        return node.store.create(node.system, body, _label(node, SHARED), owner=OWNER).id

    alpha = made("Alpha", "ウ・アルファ")
    made("Beta", "ア・ベータ")
    report_id = _make(node, report("Cites", object_refs=[alpha]))
    _reader(client, node, "ja")
    url = "/objects?type=x-kizuna-assessment&sort=title&dir=asc"
    assert _walk(client, url) == ["ア・ベータ", "ウ・アルファ"]
    page = client.get(f"/objects/{alpha}").text
    assert "<h1>ウ・アルファ</h1>" in page
    assert ">ウ・アルファ</a>" in client.get(f"/objects/{report_id}").text
    client.cookies.set(cookies(client).lang, "en")
    assert _walk(client, url) == ["Alpha", "Beta"]
    assert "<h1>Alpha</h1>" in client.get(f"/objects/{alpha}").text
    # Page one in English, page two asked for in Japanese: page one again, in Japanese.
    from kizuna.store.listing import Listing, list_page

    english = Listing("x-kizuna-assessment", "title", "asc", "en")
    first = list_page(node.store, node.system, english, size=1)
    assert [t for _, t in first.rows] == ["Alpha"]
    japanese = Listing("x-kizuna-assessment", "title", "asc", "ja")
    again = list_page(node.store, node.system, japanese, size=1, cursor_token=first.next)
    assert [t for _, t in again.rows] == ["ア・ベータ"]
    second = list_page(node.store, node.system, english, size=1, cursor_token=first.next)
    assert [t for _, t in second.rows] == ["Beta"]


def test_lists_count_sort_and_page_what_the_reader_may_read(client: TestClient, node: Node) -> None:
    names = [f"{c}{n:02d}" for n, c in enumerate("qwertyuiopasdfghjklzxcvbnm" * 3)]
    for n, name in enumerate(names):
        stamp = f"2024-07-{1 + n % 28:02d}T{n % 24:02d}:00:00.000Z"
        _make(node, report(name, created=stamp, modified=stamp), HIDDEN if n % 5 == 0 else SHARED)
    for n in range(6):
        _make(node, indicator(f"192.0.2.{n}"))
    readable = [name for n, name in enumerate(names) if n % 5]
    _reader(client, node)

    first = client.get("/objects?size=25").text
    assert f"Objects you may read: {len(readable) + 6}" in first
    assert len(_TITLES.findall(first)) == 25
    reports = client.get("/objects?type=report").text
    assert f"Objects you may read: {len(readable)}" in reports

    assert _walk(client, "/objects?type=report&sort=title&dir=asc&size=25") == sorted(readable)
    assert _walk(client, "/objects?type=report&sort=title&dir=desc&size=25") == sorted(
        readable, reverse=True
    )
    by_type = _walk(client, "/objects?sort=type&dir=asc&size=25")
    assert by_type[:6] == [f"[ipv4-addr:value = '192.0.2.{n}']" for n in range(6)]
    by_modified = _walk(client, "/objects?type=report&sort=modified&dir=desc&size=25")
    stamps = {
        name: f"2024-07-{1 + n % 28:02d}T{n % 24:02d}" for n, name in enumerate(names) if n % 5
    }
    assert by_modified == sorted(readable, key=lambda t: stamps[t], reverse=True)
    # A heading sorts, then sorts the other way.
    link = re.search(r'<th aria-sort="none"><a class="sort" href="([^"]+)">Title', first)
    assert link is not None
    turned = client.get(html.unescape(link.group(1))).text
    assert 'aria-sort="ascending"' in turned


def _audited(node: Node, action: str) -> list[dict[str, Any]]:
    with node.db.read() as conn:
        return [e.detail for e in audit.entries(conn, limit=1000) if e.action == action]


def test_exports_hold_what_the_list_shows_and_are_audited(client: TestClient, node: Node) -> None:
    for n in range(30):
        _make(node, report(f"=cmd r{n:02d}"), HIDDEN if n % 3 == 0 else SHARED)
    _make(node, indicator("192.0.2.9"))
    _reader(client, node)
    listed = _walk(client, "/objects?type=report&sort=title&dir=desc&size=25")

    answer = client.get("/objects.csv?type=report&sort=title&dir=desc")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    # UTF-8 with a byte order mark, so that Excel on a Japanese Windows reads it as
    # UTF-8 (without one it reads Shift_JIS and garbles the labels).
    assert answer.content.startswith("\ufeffid,type,title,".encode())
    assert answer.content.count("\ufeff".encode()) == 1
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    # Formulas are written as text, not run by a spreadsheet.
    assert [r["title"] for r in rows] == ["'" + t for t in listed]
    assert {r["label"] for r in rows} == {SHARED}
    client.cookies.set(cookies(client).lang, "ja")
    japanese = client.get("/objects.csv?type=report&sort=title&dir=desc").content
    assert japanese.startswith("\ufeff".encode())
    ja_rows = list(csv.DictReader(io.StringIO(japanese.decode("utf-8-sig"))))
    assert {r["label"] for r in ja_rows} == {"秘//提供可：日本、米国"}
    client.cookies.set(cookies(client).lang, "en")
    # The count carries the label of what it counts (walk 41 #2).
    assert _audited(node, "objects.export")[0] == {
        "format": "csv", "rows": len(listed), "type": "report", "sort": "title", "dir": "desc",
        "label": SHARED,
    }  # fmt: skip

    bundle = client.get("/objects.stix.json?type=report&sort=title&dir=desc")
    assert bundle.status_code == 200
    found = json.loads(bundle.text)["objects"]
    reports = {o["id"] for o in found if o["type"] == "report"}
    assert reports == {r["id"] for r in rows}
    assert not any(o["type"] == "indicator" for o in found)
    assert _audited(node, "stix.export")[0]["objects"] >= len(listed)


@pytest.mark.parametrize(
    ("query", "en", "ja"),
    [
        ("sort=colour", "choose a column heading", "列の見出しを選んで"),
        ("sort=title&dir=up", "choose a column heading", "列の見出しを選んで"),
        ("size=7", "Show 25, 50 or 100", "25、50、100"),
        ("size=abc", "Show 25, 50 or 100", "25、50、100"),
        ("type=no-such-type", "no type of that name", "その名前の種別はありません"),
        ("cursor=garbage", "this page link is no longer valid", "このページへのリンクは無効"),
    ],
)
def test_bad_choices_answer_a_page_in_the_readers_language(
    client: TestClient, node: Node, query: str, en: str, ja: str
) -> None:
    _reader(client, node, "en")
    # Exports take no page size and no cursor: they hold the whole list.
    paged = "size" in query or "cursor" in query
    for path in ("/objects",) if paged else ("/objects", "/objects.csv", "/objects.stix.json"):
        answer = client.get(f"{path}?{query}")
        assert 400 <= answer.status_code < 500, (path, query)
        assert answer.headers["content-type"].startswith("text/html")
        assert en in answer.text
        assert 'id="banner-top"' in answer.text
    client.cookies.set(cookies(client).lang, "ja")
    answer = client.get(f"/objects?{query}")
    assert 400 <= answer.status_code < 500
    assert ja in answer.text


@pytest.mark.parametrize(
    ("query", "field_en", "field_ja"),
    [
        ("status=bogus", "Status", "状況"),
        ("topic=bogus", "Topic", "分野"),
        ("stance=bogus", "Stance", "立場"),
        ("kind=bogus", "Kind", "種類"),
    ],
)
def test_a_bad_filter_of_the_register_names_its_field(
    client: TestClient, node: Node, query: str, field_en: str, field_ja: str
) -> None:
    _reader(client, node, "en")
    answer = client.get(f"/commitments?{query}")
    assert answer.status_code == 422
    assert f"{field_en}: choose one of the offered values." in answer.text
    client.cookies.set(cookies(client).lang, "ja")
    answer = client.get(f"/commitments?{query}")
    assert answer.status_code == 422
    assert f"{field_ja}：" in answer.text


def test_a_cursor_of_one_sort_is_refused_by_another(client: TestClient, node: Node) -> None:
    for n in range(30):
        _make(node, report(f"r{n:02d}"))
    _reader(client, node)
    page = client.get("/objects?sort=title&dir=asc&size=25").text
    more = _MORE.search(page)
    assert more is not None
    token = re.search(r"cursor=([^&\"]+)", html.unescape(more.group(1)))
    assert token is not None
    answer = client.get(f"/objects?sort=modified&dir=asc&size=25&cursor={token.group(1)}")
    assert answer.status_code == 422
    assert "this page link is no longer valid" in answer.text


def test_the_banner_covers_every_linked_title(client: TestClient, node: Node) -> None:
    high = _make(node, report("High target"), "SECRET//REL TO JPN")
    hub = _make(node, report("Low hub", object_refs=[high]), "UNCLASSIFIED//REL TO JPN")
    _reader(client, node)
    text = client.get(f"/objects/{hub}").text
    assert "High target" in text
    expected = render(node.policy, lub([_label(node, "SECRET//REL TO JPN")]), "en", first="JPN")  # type: ignore[arg-type]
    assert re.findall(r'id="banner-(?:top|bottom)"[^>]*>([^<]*)<', text) == [expected, expected]


def test_titles_alike_in_their_first_characters_page_in_the_order_they_came(
    client: TestClient, node: Node
) -> None:
    # 70 characters outside the BMP: the sort key (64 of them) is the same for all, and
    # the cursor that carries it still fits in a link.
    names = ["😀" * 70 + f"{n:02d}" for n in range(30)]
    for name in names:
        _make(node, report(name))
    _reader(client, node)
    assert _walk(client, "/objects?type=report&sort=title&dir=asc&size=25") == names
    assert _walk(client, "/objects?type=report&sort=title&dir=desc&size=25") == names[::-1]


def test_kizuna_properties_that_hold_ids_are_links_too(client: TestClient, node: Node) -> None:
    """A 2+2 decision names its meeting in `meeting_id`, not a `_ref`: still a link."""
    from markupsafe import escape

    from kizuna.domains.meetings.model import DECISION
    from kizuna.domains.meetings.service import import_seed

    import_seed(node)
    decision = node.store.list(node.system, type=DECISION, limit=1).items[0]
    meeting = node.store.get(node.system, decision.object["meeting_id"])
    _reader(client, node, "ja")
    text = client.get(f"/objects/{decision.id}").text
    link = f'<a class="ref" href="/objects/{meeting.id}">{escape(meeting.object["name"])}'
    assert link in text
    assert '<dt title="meeting_id">会合</dt>' in text


def test_an_export_is_on_record_before_its_first_byte_leaves(node: Node) -> None:
    """A reader who stops a download half way has still exported: both exports are
    audited, with what they hold, before they send anything."""
    from kizuna.interchange.exports import bundle_chunks
    from kizuna.store.listing import Listing
    from kizuna.web.objects import _csv_lines

    for n in range(3):
        _make(node, report(f"r{n}"), SHARED)
    _make(node, report("held"), "SECRET//REL TO JPN")
    bundle = bundle_chunks(node.store, node.system, types=("report",), reason="test")
    assert next(bundle).startswith('{"type":"bundle"')
    bundle.close()
    assert _audited(node, "stix.export")[0]["objects"] >= 4
    # Walk 43: the count carries the label of what it counts, by which the audit page
    # withholds it from an admin below (the SECRET report is among what it counts).
    assert _audited(node, "stix.export")[0]["label"] == "SECRET//REL TO JPN"
    lines = _csv_lines(node, node.system, Listing(type="report"), "en")
    assert next(lines).startswith("\ufeffid,")
    lines.close()
    assert _audited(node, "objects.export")[0]["rows"] == 4


def test_every_page_of_a_listing_is_bannered_for_the_count_it_shows(
    client: TestClient, node: Node
) -> None:
    """The count is of the whole listing: a later page whose rows are all lower still
    carries the banner of the highest object counted (here on the first page only)."""
    _reader(client, node)
    for i in range(30):
        _make(node, report(f"Shared {i}"))
    _make(node, report("Newest and secret"), "SECRET//REL TO JPN, USA")
    banners = []
    url = "/objects?size=25"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        assert "Objects you may read: 31" in answer.text
        banner = re.search(r'id="banner-top"[^>]*>([^<]*)<', answer.text)
        assert banner is not None
        banners.append(banner.group(1).strip())
        more = _MORE.search(answer.text)
        url = html.unescape(more.group(1)) if more else ""
    assert banners == ["SECRET//REL TO JPN, USA"] * 2


def test_search_names_a_bad_filter_and_titles_results_as_the_list_does(
    client: TestClient, node: Node
) -> None:
    _reader(client, node)
    made = _make(node, indicator("198.51.100.23"))
    found = client.get("/search", params={"q": "198.51.100.23"})
    assert found.status_code == 200
    assert '<p class="count" id="result-count">1 object found</p>' in found.text
    # An indicator has no name: it is called by its pattern, as in the objects list.
    assert f'<a href="/objects/{made}">[ipv4-addr:value = &#39;198.51.100.23&#39;]</a>' in (
        found.text
    )
    for params, said in (
        ({"type": "bogus"}, "Type: choose one of the offered values."),
        ({"since": "2026-99-99"}, "Modified from: enter a date such as 2026-12-03."),
        ({"until": "abc"}, "Modified until: enter a date such as 2026-12-03."),
        (
            {"since": "2026-12-31", "until": "2026-01-01"},
            "Modified until: the last date comes before the first.",
        ),
        ({"page": "999"}, "Page: at most 500."),
    ):
        refused = client.get("/search", params={"q": "198.51", **params})
        assert refused.status_code == 422, params
        assert said in refused.text
        assert 'id="result-count"' not in refused.text
    client.cookies.set(cookies(client).lang, "ja")
    refused = client.get(
        "/search", params={"q": "198.51", "since": "2026-12-31", "until": "2026-01-01"}
    )
    assert "終わりの日付が始めの日付より前です。" in refused.text
    # The page number is named in the reader's words, not as its parameter (walk 31).
    beyond = client.get("/search", params={"q": "198.51", "page": "999"})
    assert beyond.status_code == 422
    assert "ページ：500 以下にしてください。" in beyond.text
    assert "page：" not in beyond.text


def test_search_finds_a_word_in_either_width_and_marks_it(client: TestClient, node: Node) -> None:
    """Japanese texts write Latin letters and digits full-width or half-width, and
    readers type either: ＮＡＴＯ found nothing where NATO found two (walk 31 #7)."""
    from kizuna.store.search import search

    _reader(client, node)
    wide = _make(node, report("ＮＡＴＯとの協力", description="２０２４年の演習"))
    narrow = _make(node, report("NATO partners", description="2024 exercise"))
    other = _make(node, report("Other", description="nothing here"))
    reader = node.system
    for query in ("NATO", "ＮＡＴＯ", "nato", "2024", "２０２４", "TO"):
        found = search(node.store, reader, query)
        assert {h.obj.id for h in found.hits} == {wide, narrow}, query
        assert found.total == 2, query
        assert all(h.marks for h in found.hits), query
    assert other not in {h.obj.id for h in search(node.store, reader, "ＮＡＴＯ Other").hits}
    # Walk 39: a quoted word found nothing (the quotes were searched for), and a
    # query of NUL characters matched everything.
    for query in ('"NATO"', "“NATO”", "「ＮＡＴＯ」", "『2024』"):
        assert {h.obj.id for h in search(node.store, reader, query).hits} == {wide, narrow}
    for query in ("\x00", "\x00\x00", '""'):
        with pytest.raises(Invalid):
            search(node.store, reader, query)
    page = client.get("/search", params={"q": "ＮＡＴＯ"})
    assert '<p class="count" id="result-count">2 objects found</p>' in page.text
    # Past the last page: said so, not "nothing holds these words" under "2 found".
    past = client.get("/search", params={"q": "ＮＡＴＯ", "page": 2}).text
    assert 'id="past-the-end"' in past
    assert "Nothing you may read holds these words." not in past


def _history(page: str) -> list[tuple[str, str]]:
    """(version, what it changed) of each row of an object's history, newest first."""
    table = page.split('<table tabindex="0" class="history">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(\d+)</td>.*?<td class=\"changed\">(.*?)</td></tr>", table, re.S)
    return [(v, re.sub(r"<[^>]+>", "", said)) for v, said in rows]


@pytest.mark.parametrize(("lang", "said"), [("en", "Description, Label"), ("ja", "説明、区分")])
def test_the_history_says_what_each_version_changed_in_the_readers_words(
    client: TestClient, node: Node, lang: str, said: str
) -> None:
    """Walk 36: the history listed versions, labels, authors and times, and a reader
    had to open the JSON of two versions to see what happened between them."""
    stix_id = _make(node, {**indicator(), "name": "C2 address"}, "CONFIDENTIAL//REL TO JPN")
    first = node.store.get(node.system, stix_id).object
    revised = {k: v for k, v in first.items() if k != "modified"}
    node.store.revise(node.system, stix_id, {**revised, "name": "C2 address (confirmed)"})
    second = node.store.get(node.system, stix_id).object
    node.store.release(
        node.system, stix_id, _label(node, SHARED), changes={"description": "Seen again."}
    )
    assert second["name"] != first["name"]
    _reader(client, node, lang)
    page = client.get(f"/objects/{stix_id}")
    assert page.status_code == 200, page.text
    name = "件名" if lang == "ja" else "Title"
    first_version = "初版" if lang == "ja" else "First version"
    assert _history(page.text) == [("3", said), ("2", name), ("1", first_version)]
    # The property's own key on hover, for whoever reads the JSON.
    assert '<span title="object_marking_refs">' not in page.text
    assert '<span title="label">' in page.text


def test_the_search_dates_are_the_readers_days(client: TestClient, node: Node) -> None:
    """Walk 39: a report shown as 2026-12-07 01:49 JST was found by "until 2026-12-06"
    and not by "from 2026-12-07": the filter took UTC days, the page shows JST."""
    from datetime import UTC, datetime

    from kizuna import clock

    clock.set_clock(lambda: datetime(2026, 12, 6, 16, 49, tzinfo=UTC))
    try:
        made = _make(node, report("Typhoon track"))
    finally:
        clock.set_clock(None)
    _reader(client, node)  # tanaka, JPN: reads times in Japan's zone

    def found(**days: str) -> bool:
        page = client.get("/search", params={"q": "Typhoon", **days}).text
        return f"/objects/{made}" in page

    assert found(since="2026-12-07")
    assert found(until="2026-12-07")
    assert not found(until="2026-12-06")
    assert not found(since="2026-12-08")


def test_a_partners_stix_identity_and_indicator_read_in_words(
    client: TestClient, node: Node
) -> None:
    """Walk 41 #5: identity_class and pattern_version showed as keys in Japanese."""
    ident = _make(node, {"type": "identity", "name": "JMSDF", "identity_class": "organization",
                         "sectors": ["defense"]})  # fmt: skip
    ind = _make(node, {**indicator(), "pattern_version": "2.1",
                       "indicator_types": ["malicious-activity", "x-own-word"]})  # fmt: skip
    _reader(client, node, "ja")
    shown = _properties(client.get(f"/objects/{ident}").text)
    assert "主体の種類" in shown
    assert "業種" in shown
    assert ">identity_class<" not in shown  # the key stays on hover only
    # STIX's vocabularies in words (walk 41 left `organization` as sent).
    assert "組織" in shown
    assert "organization" not in shown
    shown = _properties(client.get(f"/objects/{ind}").text)
    assert "パターン言語の版" in shown
    assert ">pattern_version<" not in shown
    assert "悪意ある活動" in shown
    assert "malicious-activity" not in shown
    # An open vocabulary admits any value: one outside STIX's list is shown as sent.
    assert "x-own-word" in shown
    client.get("/lang/en")
    assert "Malicious activity" in _properties(client.get(f"/objects/{ind}").text)


def test_an_extensions_kind_reads_in_words(client: TestClient, node: Node) -> None:
    """Kizuna's own types carry their extension's `extension_type` under its id."""
    seed = resources.files("kizuna.data").joinpath("seed/scc-2024-07-28-summary.ja.txt")
    meeting = import_summary(node, node.system, seed.read_bytes(), lang="ja").meeting_id
    _reader(client, node, "ja")
    shown = _properties(client.get(f"/objects/{meeting}").text)
    assert "新しいドメインオブジェクト型" in shown
    # The extension is named as one; its definition's id stays on hover.
    assert re.search(r'<dt title="extension-definition--[0-9a-f-]+">拡張定義</dt>', shown)
    assert "new-sdo" not in shown


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_release_above_a_partners_agreement_says_that_node_never_receives_it(
    client: TestClient, node: Node, lang: str
) -> None:
    """Walk 50: an officer released an object to SECRET//REL TO JPN, USA, AUS with the
    AUS agreement at CONFIDENTIAL//CYBER, was told "recorded", and AUS never received
    it. The object's page tells its officer which nations the label names that their
    node will never receive it, with the agreed ceiling; within the agreement, nothing."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kizuna.federation import peers as peer_service
    from kizuna.node import public_key_pem

    key = public_key_pem(Ed25519PrivateKey.generate())
    with node.db.write() as conn:
        peer_service.add_peer(conn, policy=node.policy, own_nation=node.nation, actor="test",
                              nation="USA", url="http://127.0.0.1:9", max_level="CONFIDENTIAL",
                              compartments=["CYBER"], public_key_pem=key)  # fmt: skip
    add_user(node, "sato", clearance="TOP SECRET", roles=["author", "releasing_officer"],
             password=PASSWORD)  # fmt: skip
    above = _make(node, report("above"), "SECRET//REL TO JPN, USA")
    within = _make(node, report("within"), "CONFIDENTIAL//REL TO JPN, USA")
    home = _make(node, report("home"), "SECRET//REL TO JPN")
    sign_in(client, "sato", lang=lang)
    page = client.get(f"/objects/{above}").text
    said = html.unescape(page.split('id="not-received">', 1)[1].split("</p>", 1)[0])
    assert ("United States" if lang == "en" else "米国") in said
    assert "CONFIDENTIAL//CYBER" in said
    for quiet in (within, home):
        assert 'id="not-received"' not in client.get(f"/objects/{quiet}").text
