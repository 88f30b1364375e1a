"""Importing an official text over REST and on the import page (SQLite and
PostgreSQL): preview with the quality report, then store; the date when the text
gives none; refusals that write nothing."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from kizuna import audit
from kizuna.domains.meetings import service
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from kizuna.web.pages import page
from tests.domains.meetings.test_ingest import SEED
from tests.domains.meetings.test_record import counts
from tests.factories import add_user, bearer, cookies, form_without_file

CORPUS = Path(__file__).parent / "corpus"
NO_YEAR = CORPUS / "2021-03-16_mod-scc-summary_en.txt"
DEFENCE_JA = CORPUS / "2025-03-30_mod-boeisho-kaidan-gaiyo_ja.txt"
DEFENCE_EN = CORPUS / "2024-06-02_mod-defense-ministerial-summary_en.txt"


def _app(node: Node) -> TestClient:
    return TestClient(__import__("kizuna.web.app", fromlist=["create_app"]).create_app(node))


def test_rest_previews_then_stores_and_asks_for_a_date_the_text_lacks(node: Node) -> None:
    _, token = add_user(node, "sato", roles=["author", "releasing_officer"])
    text = NO_YEAR.read_text("utf-8")
    with _app(node) as web:
        before = counts(node)
        refused = web.post("/api/v1/meetings/import", json={"text": text}, headers=bearer(token))
        assert refused.status_code == 422
        assert "give the date as YYYY-MM-DD" in refused.json()["detail"]
        assert "--" not in refused.json()["detail"]  # no command-line flags over REST
        preview = web.post(
            "/api/v1/meetings/import",
            json={"text": text, "date": "2021-03-16"},
            headers=bearer(token),
        )
        assert preview.status_code == 200
        body = preview.json()
        assert body["dry_run"] is True
        assert body["record"]["meeting"]["date"] == "2021-03-16"
        assert body["record"]["meeting"]["date_source"] == "given"
        assert counts(node) == before  # a preview writes nothing
        data = base64.b64encode(DEFENCE_JA.read_text("utf-8").encode("cp932")).decode()
        stored = web.post(
            "/api/v1/meetings/import",
            json={"data": data, "dry_run": False},
            headers=bearer(token),
        )
        assert stored.status_code == 201
        # Written as CP932, it holds nothing outside Shift_JIS: the narrower name.
        assert stored.json()["record"]["encoding"] == "shift_jis"
        meeting = web.get(f"/api/v1/meetings/{stored.json()['meeting_id']}", headers=bearer(token))
        assert meeting.json()["meeting"]["object"]["start_zone"] == "JST"
        bad = web.post(
            "/api/v1/meetings/import",
            json={"text": text, "date": "16/03/2021"},
            headers=bearer(token),
        )
        assert bad.status_code == 422
        assert bad.json()["field"] == "date"


def _session(node: Node, name: str) -> str:
    """A page session of the user `name`, as signing in makes one."""
    from kizuna.identity import service as identity

    with node.db.write() as conn:
        return identity.start_session(conn, identity.find_user(conn, name))


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_import_page_previews_with_the_quality_report_then_confirms(node: Node) -> None:
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    session = _session(node, "sato")
    with _app(node) as web:
        web.cookies.set(cookies(web).session, session)
        form = web.get("/meetings/import")
        assert form.status_code == 200
        assert "公式文書の取り込み" in form.text
        token = _csrf(form.text)
        before = counts(node)
        missing = web.post(
            "/meetings/import",
            data={"csrf_token": token},
            files={"file": ("a.txt", NO_YEAR.read_bytes(), "text/plain")},
        )
        assert missing.status_code == 422
        # In the page's language, pointing at the page's own date field (not at --date).
        assert "本文に会議の日付がありません。日付欄に入力してください。" in missing.text
        for bad, said in (
            (b"", "ファイル：ファイルが空です。"),
            (b"\x00\x01PK binary", "ファイル：ファイルがテキストではありません。"),
        ):
            refused = web.post(
                "/meetings/import",
                data={"csrf_token": token},
                files={"file": ("a.txt", bad, "text/plain")},
            )
            assert refused.status_code == 422
            assert said in refused.text
        # No file chosen: the form again, with what to do, as for a bad file (walk 31).
        for lang, said in (
            ("ja", "ファイル：ファイルを選んでください。"),
            ("en", "File: choose a file."),
        ):
            web.cookies.set(cookies(web).lang, lang)
            chosen_nothing = web.post(
                "/meetings/import",
                **form_without_file({"csrf_token": token, "lang": "en", "date": "2021-03-16"}),
            )
            assert chosen_nothing.status_code == 422
            assert said in chosen_nothing.text
            assert 'type="file"' in chosen_nothing.text
            assert 'value="2021-03-16"' in chosen_nothing.text
        web.cookies.set(cookies(web).lang, "ja")
        assert counts(node) == before
        bad_date = web.post(
            "/meetings/import",
            data={"csrf_token": token, "date": "2021-02-30"},
            files={"file": ("a.txt", NO_YEAR.read_bytes(), "text/plain")},
        )
        assert bad_date.status_code == 422
        # The shape is right, the day is none: said so (walk: "must be YYYY-MM-DD").
        assert "日付：2021-02-30という日はありません。" in bad_date.text
        assert "2026-12-03 のような形式" not in bad_date.text
        bad_shape = web.post(
            "/meetings/import",
            data={"csrf_token": token, "date": "16/03/2021"},
            files={"file": ("a.txt", NO_YEAR.read_bytes(), "text/plain")},
        )
        assert bad_shape.status_code == 422
        assert "日付：2026-12-03 のような形式で日付を入力してください。" in bad_shape.text
        preview = web.post(
            "/meetings/import",
            data={"csrf_token": token, "date": "2021-03-16"},
            files={"file": ("a.txt", NO_YEAR.read_bytes(), "text/plain")},
        )
        assert preview.status_code == 200
        assert 'id="preview-quality"' in preview.text
        assert "2021-03-16" in preview.text
        assert counts(node) == before
        data = re.search(r'name="data" value="([^"]+)"', preview.text)
        assert data is not None
        done = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "data": data.group(1), "date": "2021-03-16"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = web.get(done.headers["location"])
        assert "2021-03-16" in page.text
        assert "取り込み済み" not in page.text
        assert [m.object["date"] for m in service.list_meetings(node, user.principal)] == [
            "2021-03-16"
        ]
        # The same text confirmed again writes nothing, and the page says so (it said
        # nothing: walk 31 #3).
        stored = counts(node)
        again = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "data": data.group(1), "date": "2021-03-16"},
            follow_redirects=False,
        )
        assert again.status_code == 303
        assert again.headers["location"].split("?")[0] == done.headers["location"]
        said = web.get(again.headers["location"]).text
        assert "この文書は取り込み済みです。新たに書き込んだものはありません。" in said
        assert counts(node) == stored
        web.cookies.set(cookies(web).lang, "en")
        english = web.get("/meetings/import")
        assert "Import an official text" in english.text


def test_the_meeting_page_says_what_the_preview_said(node: Node) -> None:
    """Walk 31: the page left out the place, the kind of document and the start's zone."""
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    texts = {
        name: (CORPUS / name).read_bytes()
        for name in (
            "2017-08-16_kono-onodera-mcmaster-gaiyo_ja.txt",
            "2023-01-11_scc-joint-statement_ja.txt",
            "2024-06-02_mod-defense-ministerial-summary_en.txt",
        )
    }
    ids = {
        name: service.import_summary(node, user.principal, data).meeting_id
        for name, data in texts.items()
    }
    expected = {
        "ja": {
            "2017-08-16_kono-onodera-mcmaster-gaiyo_ja.txt": (
                "会談・会合の概要", "15:30（現地時間 −04:00）", "ワシントンDC"
            ),
            "2023-01-11_scc-joint-statement_ja.txt": ("共同発表", "—", "ワシントンDC"),
            "2024-06-02_mod-defense-ministerial-summary_en.txt": (
                "会談・会合の概要", "13:15（現地時間 +08:00）", "Singapore"
            ),
        },
        "en": {
            "2017-08-16_kono-onodera-mcmaster-gaiyo_ja.txt": (
                "meeting summary", "15:30 (local time −04:00)", "ワシントンDC"
            ),
            "2023-01-11_scc-joint-statement_ja.txt": ("joint statement", "—", "ワシントンDC"),
            "2024-06-02_mod-defense-ministerial-summary_en.txt": (
                "meeting summary", "13:15 (local time +08:00)", "Singapore"
            ),
        },
    }  # fmt: skip
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        for lang, pages in expected.items():
            web.cookies.set(cookies(web).lang, lang)
            for name, (kind, start, place) in pages.items():
                shown = web.get(f"/meetings/{ids[name]}").text
                assert f'<dd id="m-kind">{kind}</dd>' in shown, (lang, name)
                assert f'<dd id="m-start">{start}</dd>' in shown, (lang, name)
                assert f'<dd id="m-place">{place}</dd>' in shown, (lang, name)
            # The preview says the start the same way, before anything is stored.
            token = _csrf(web.get("/meetings/import").text)
            name = "2017-08-16_kono-onodera-mcmaster-gaiyo_ja.txt"
            preview = web.post(
                "/meetings/import",
                data={"csrf_token": token},
                files={"file": ("a.txt", texts[name], "text/plain")},
            ).text
            assert f'<dd id="p-start">{pages[name][1]}</dd>' in preview


def test_a_correction_is_a_new_version_at_the_same_label_with_its_audit_entry(
    node: Node,
) -> None:
    from sqlalchemy import select

    from kizuna.audit.log import audit_log
    from kizuna.domains.meetings import model
    from kizuna.errors import Invalid

    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    who = user.principal
    made = service.import_summary(node, who, DEFENCE_JA.read_bytes())
    decision = next(o for o in made.objects if o["type"] == model.DECISION)
    before = node.store.get(who, decision["id"])
    fixed = service.correct_decision(
        node, who, decision["id"], stance="note", commitment=True, owner="japan", due="2026"
    )
    assert fixed.version == before.version + 1
    assert fixed.label == before.label
    body = fixed.object
    assert (body["stance"], body["commitment"], body["owner"], body["due"]) == (
        "note",
        1,
        "japan",
        "2026",
    )
    with node.db.read() as conn:
        entries = conn.execute(
            select(audit_log.c.action, audit_log.c.target).where(
                audit_log.c.action == "meetings.correct"
            )
        ).all()
    assert [(a, t) for a, t in entries] == [("meetings.correct", decision["id"])]
    state = counts(node)
    for bad, field in (({"due": "next year"}, "due"), ({"stance": "shrug"}, "stance")):
        with pytest.raises(Invalid, match=field):
            service.correct_decision(node, who, decision["id"], **bad)
    with pytest.raises(Invalid, match="owner"):
        service.correct_decision(node, who, decision["id"], owner="france")
    assert counts(node) == state


def test_the_quality_report_is_in_the_readers_language(node: Node) -> None:
    """The findings keep the importer's codes and notes (data); the preview and the
    meeting page say them in the reader's language."""
    add_user(node, "sato", roles=["author", "releasing_officer"])
    session = _session(node, "sato")
    statement = (CORPUS / "2023-01-11_scc-joint-statement_ja.txt").read_bytes()
    japanese = (
        "共同発表",
        "ページの付属要素",
        "除外（データベースの見出し）",
        "冒頭に開始時刻がありません",
    )
    english = ("joint statement", "page chrome", "left out (database header)", "no start time")
    with _app(node) as web:
        web.cookies.set(cookies(web).session, session)
        token = _csrf(web.get("/meetings/import").text)
        preview = web.post(
            "/meetings/import",
            data={"csrf_token": token},
            files={"file": ("a.txt", statement, "text/plain")},
        )
        assert preview.status_code == 200
        # The page is in the reader's language, whatever the document's.
        assert '<html lang="ja">' in preview.text
        for said in japanese:
            assert said in preview.text
        assert "left out (" not in preview.text
        data = re.search(r'name="data" value="([^"]+)"', preview.text)
        assert data is not None
        done = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "data": data.group(1)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        meeting = web.get(done.headers["location"]).text
        for said in japanese[1:]:
            assert said in meeting
        # What is stored is the importer's own words, whatever the reader's language.
        stored = service.list_meetings(node, node.system)[0].object["quality"]
        assert "left out (database header)" in {q["suggestion"] for q in stored}
        web.cookies.set(cookies(web).lang, "en")
        meeting_en = web.get(done.headers["location"]).text
        for said in english[1:]:
            assert said in meeting_en


def test_a_page_may_not_replace_the_names_every_page_relies_on(node: Node) -> None:
    """`lang` (the reader's language in <html lang>) and `banner` (the label of what
    the page shows) come from `page()` alone: a page's own value for either is a fault
    of the code, raised, never rendered."""
    app = create_app(node)

    @app.get("/test-clash/{name}")
    def clash(request: Request, name: str) -> object:
        return page(request, "login.html", principal=None, **{name: "x"})

    with TestClient(app) as web:
        for name in ("lang", "banner", "_"):
            with pytest.raises(TypeError, match=f"may not replace {name}"):
                web.get(f"/test-clash/{name}")
        assert web.get("/test-clash/doc_lang").status_code == 200


def test_a_refused_correction_says_which_field_and_why_in_the_readers_words(
    node: Node,
) -> None:
    from kizuna.domains.meetings import model
    from kizuna.identity import service as identity

    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    made = service.import_summary(node, user.principal, DEFENCE_JA.read_bytes())
    decision = next(o for o in made.objects if o["type"] == model.DECISION)
    url = f"/meetings/{made.meeting_id}/decisions/{decision['id']}"
    with node.db.write() as conn:
        found = identity.find_user(conn, "sato")
        assert found is not None
        session = identity.start_session(conn, found)
    with _app(node) as web:
        web.cookies.set(cookies(web).session, session)
        token = _csrf(web.get(f"/meetings/{made.meeting_id}").text)
        before = counts(node)
        form = {"csrf_token": token, "actor": decision["actor"], "stance": decision["stance"]}
        late = web.post(url, data={**form, "due": "next year"})
        assert late.status_code == 422
        assert (
            "期限：年（2026）、年月（2026-12）または年月日（2026-12-05）で入力してください。"
            in late.text
        )
        # The shape of a month that is none, and words longer than a date, are named
        # the same way (the second was a bare "at most 10 characters").
        for due in ("2025-13", "2026-02-30", "next spring, once agreed"):
            bad = web.post(url, data={**form, "due": due})
            assert bad.status_code == 422, due
            assert "期限：年（2026）" in bad.text, due
        web.cookies.set(cookies(web).lang, "en")
        odd = web.post(url, data={**form, "owner": "france"})
        assert odd.status_code == 422
        assert "Owner: choose one of the offered values." in odd.text
        assert counts(node) == before


def test_a_correction_sent_for_another_meetings_decision_is_not_found(node: Node) -> None:
    """Walk 40: POST /meetings/{meeting A}/decisions/{decision of meeting B} answered 303
    and changed B's decision: the meeting in the address was ignored."""
    from kizuna.domains.meetings import model

    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    ours = service.import_summary(node, user.principal, DEFENCE_JA.read_bytes())
    other = service.import_summary(node, user.principal, DEFENCE_EN.read_bytes())
    theirs = next(o for o in other.objects if o["type"] == model.DECISION)
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        token = _csrf(web.get(f"/meetings/{ours.meeting_id}").text)
        before = counts(node)
        sent = web.post(
            f"/meetings/{ours.meeting_id}/decisions/{theirs['id']}",
            data={"csrf_token": token, "actor": theirs["actor"], "stance": "note", "due": "2030"},
            follow_redirects=False,
        )
        assert sent.status_code == 404
        assert counts(node) == before
        assert node.store.get(user.principal, theirs["id"]).version == 1
        # Its own meeting's address corrects it.
        own = web.post(
            f"/meetings/{other.meeting_id}/decisions/{theirs['id']}",
            data={"csrf_token": token, "actor": theirs["actor"], "stance": "note"},
            follow_redirects=False,
        )
        assert own.status_code == 303


def test_a_due_date_in_full_width_digits_is_read_as_the_same_date(node: Node) -> None:
    """Walk 40: ２０２７ was refused in the due-date field, though search takes both
    widths of digits."""
    from kizuna.domains.meetings import model

    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    made = service.import_summary(node, user.principal, DEFENCE_JA.read_bytes())
    decision = next(o for o in made.objects if o["type"] == model.DECISION)
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        token = _csrf(web.get(f"/meetings/{made.meeting_id}").text)
        sent = web.post(
            f"/meetings/{made.meeting_id}/decisions/{decision['id']}",
            data={"csrf_token": token, "actor": decision["actor"],
                  "stance": decision["stance"], "due": "２０２７－０３"},
            follow_redirects=False,
        )  # fmt: skip
        assert sent.status_code == 303, sent.text
    assert node.store.get(user.principal, decision["id"]).object["due"] == "2027-03"


def test_attendees_read_once_and_with_an_english_gloss_only_where_it_adds_one(
    node: Node,
) -> None:
    """An English text names each person once ("Blinken Secretary of State", not again
    in brackets); a Japanese one keeps the English name and title it was given."""
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    english = service.import_summary(
        node, user.principal, (CORPUS / "2023-01-11_scc-joint-statement_en.txt").read_bytes()
    )
    japanese = service.import_summary(
        node, user.principal, (CORPUS / "2023-01-11_gaisho-kaidan-gaiyo_ja.txt").read_bytes()
    )
    session = _session(node, "sato")
    with _app(node) as web:
        web.cookies.set(cookies(web).session, session)
        web.cookies.set(cookies(web).lang, "en")

        def attendees(meeting_id: str) -> list[str]:
            text = web.get(f"/meetings/{meeting_id}").text
            listed = text.split('<ul class="attendees">', 1)[1].split("</ul>", 1)[0]
            # As read: the nation in words (its code on hover), the person as given.
            items = re.findall(r"<li>(.*?)</li>", listed)
            return [html.unescape(re.sub(r"<[^>]+>", "", li)) for li in items]

        assert "United States · Blinken Secretary of State" in attendees(english.meeting_id)
        assert not any("(" in a for a in attendees(english.meeting_id))
        assert (
            "United States · アントニー・ブリンケン 米国国務長官 "
            "(Antony Blinken, Secretary of State of the United States of America)"
        ) in attendees(japanese.meeting_id)


def test_only_those_who_may_write_here_are_offered_the_import_and_the_corrections(
    node: Node,
) -> None:
    """A reader, and a partner's user, are not shown a form whose end they would be
    refused at: no import link or page, no correction form; posting anyway is refused
    and writes nothing. An author of this node's nation gets both."""
    from kizuna.domains.meetings import model

    author, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    add_user(node, "kimura", roles=["reader"])
    add_user(node, "parker", nation="USA", roles=["author"])
    shared = parse(node.policy, "UNCLASSIFIED//REL TO JPN, USA")
    made = service.import_summary(node, author.principal, DEFENCE_JA.read_bytes(), label=shared)
    decision = next(o for o in made.objects if o["type"] == model.DECISION)
    with _app(node) as web:
        for name, writes in (("sato", True), ("kimura", False), ("parker", False)):
            web.cookies.set(cookies(web).session, _session(node, name))
            web.cookies.set(cookies(web).lang, "en")
            listing = web.get("/meetings")
            assert ('id="import-link"' in listing.text) is writes, name
            form = web.get("/meetings/import")
            assert form.status_code == (200 if writes else 403), name
            meeting = web.get(f"/meetings/{made.meeting_id}")
            assert meeting.status_code == 200, name
            assert ('class="correct-form"' in meeting.text) is writes, name
            if writes:
                continue
            token = _csrf(meeting.text)
            before = counts(node)
            preview = web.post(
                "/meetings/import",
                data={"csrf_token": token},
                files={"file": ("a.txt", NO_YEAR.read_bytes(), "text/plain")},
            )
            assert preview.status_code == 403, name
            current = decision["actor"], decision["stance"]
            unchanged = web.post(
                f"/meetings/{made.meeting_id}/decisions/{decision['id']}",
                data={"csrf_token": token, "actor": current[0], "stance": current[1]},
                follow_redirects=False,
            )
            assert unchanged.status_code == 403, name
            # A partner's user is told the rule that refused them (walk 45).
            said = {
                "kimura": "roles do not allow this: it needs the",
                "parker": "Users of a partner nation write on their own nation",
            }[name]
            assert " ".join(unchanged.text.split()).count(said) == 1, name
            # No object or version written; the audit log holds the two refusals.
            assert counts(node)[:2] == before[:2]
            assert counts(node)[2] == before[2] + 2
    # Every refusal is on record: the form, the preview and the correction, for each.
    with node.db.read() as conn:
        refused = [e for e in audit.entries(conn, limit=100) if e.action == "refused"]
    assert len(refused) == 6


def test_a_decision_reported_from_an_unnamed_meeting_says_so_in_words(node: Node) -> None:
    user, _ = add_user(node, "sato", roles=["author"])
    text = CORPUS / "2008-05-15_jc-deserter-notification-press_ja.txt"
    made = service.import_summary(node, user.principal, text.read_bytes())
    session = _session(node, "sato")
    with _app(node) as web:
        web.cookies.set(cookies(web).session, session)
        web.cookies.set(cookies(web).lang, "en")
        page = web.get(f"/meetings/{made.meeting_id}").text
        assert '<span class="reported">reported from another meeting</span>' in page


def test_the_import_page_takes_a_label_from_the_form_to_every_stored_object(
    node: Node,
) -> None:
    """Walk 13 #1: the page had no label field, so a Japan-only text could not be
    imported above UNCLASSIFIED there, as `--label` imports it from the CLI. The label
    goes through the preview (shown in the reader's words) to every object stored; a
    label the policy does not read, or one above the importer's clearance, brings the
    form back with the reason and stores nothing."""
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])  # SECRET
    text = DEFENCE_JA.read_bytes()
    upload = {"file": ("a.txt", text, "text/plain")}
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        form = web.get("/meetings/import")
        assert 'name="label"' in form.text
        token = _csrf(form.text)
        before = counts(node)

        # Empty: the CLI's default, said on the preview.
        default = web.post("/meetings/import", data={"csrf_token": token}, files=upload)
        assert default.status_code == 200
        assert '<dd id="p-label"><span class="chip lvl-0">指定なし//提供可：日本</span>' in (
            default.text
        )

        label = "SECRET//REL TO JPN"
        preview = web.post(
            "/meetings/import", data={"csrf_token": token, "label": label}, files=upload
        )
        assert preview.status_code == 200
        assert '<dd id="p-label"><span class="chip lvl-2">極秘//提供可：日本</span>' in preview.text
        assert f'name="label" value="{label}"' in preview.text
        assert counts(node) == before
        data = re.search(r'name="data" value="([^"]+)"', preview.text)
        assert data is not None
        done = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "data": data.group(1), "label": label},
            follow_redirects=False,
        )
        assert done.status_code == 303
        meeting_id = done.headers["location"].removeprefix("/meetings/")
        view = service.get_meeting(node, user.principal, meeting_id)
        decisions = [d for s in view["sections"] for i in s["items"] for d in i["decisions"]]
        assert decisions
        held = {node.store.render(x) for x in view["labels"]}
        assert held == {label}
        assert node.store.get(user.principal, decisions[0].id).label_text == label
        stored = counts(node)

        # Refused on the form, kept as typed, nothing stored: at the preview and at the
        # confirmation alike (a form sent again by hand).
        web.cookies.set(cookies(web).lang, "en")
        other = (CORPUS / "2024-06-02_mod-defense-ministerial-summary_en.txt").read_bytes()
        for bad, status, said in (
            ("SEKRIT", 422, "Label: the policy has no level SEKRIT"),
            ("TOP SECRET//REL TO JPN", 403, "Label: this label is above your clearance"),
        ):
            refused = web.post(
                "/meetings/import",
                data={"csrf_token": token, "label": bad},
                files={"file": ("b.txt", other, "text/plain")},
            )
            assert refused.status_code == status, bad
            assert said in refused.text, bad
            assert 'id="import-form"' in refused.text, bad
            assert 'name="label" maxlength="200"' in refused.text, bad
            assert f'value="{bad}"' in refused.text, bad
            confirmed = web.post(
                "/meetings/import/confirm",
                data={
                    "csrf_token": token,
                    "data": base64.b64encode(other).decode(),
                    "label": bad,
                },
                follow_redirects=False,
            )
            assert confirmed.status_code == status, bad
            assert said in confirmed.text, bad
            assert f'value="{bad}"' in confirmed.text, bad
            # No object or version written (a refusal of the clearance is audited).
            assert counts(node)[:2] == stored[:2], bad
        # A label naming the partner is a release decision: an author who may not take
        # it is told so on the form.
        add_user(node, "tanaka", roles=["author"])
        web.cookies.set(cookies(web).session, _session(node, "tanaka"))
        wider = web.post(
            "/meetings/import",
            data={"csrf_token": token, "label": "UNCLASSIFIED//REL TO JPN, USA"},
            files={"file": ("b.txt", other, "text/plain")},
        )
        assert wider.status_code == 403
        assert "Label: only a releasing officer of the originating nation" in wider.text
        assert counts(node)[:2] == stored[:2]
        assert len(service.list_meetings(node, user.principal)) == 1


def test_a_meeting_page_leads_to_the_other_texts_of_its_day_the_reader_may_see(
    node: Node,
) -> None:
    """Walk 31 #13: the Japanese and English texts of the 2023 2+2 joint statement, and
    the day's press conference, were records with nothing between them. Each page now
    names the others of the same day, but only those its reader may read: a text held
    above the reader's clearance is neither linked nor named, and the banner covers
    every one that is."""
    officer, sato_token = add_user(node, "sato", roles=["author", "releasing_officer"])
    _, tanaka_token = add_user(node, "tanaka", roles=["reader"], clearance="CONFIDENTIAL")
    tokens = {"sato": sato_token, "tanaka": tanaka_token}
    corpus = Path(__file__).parent / "corpus"
    ja = service.import_summary(
        node, officer.principal, (corpus / "2023-01-11_scc-joint-statement_ja.txt").read_bytes()
    )
    en = service.import_summary(
        node, officer.principal, (corpus / "2023-01-11_scc-joint-statement_en.txt").read_bytes()
    )
    press = service.import_summary(
        node,
        officer.principal,
        (corpus / "2023-01-11_mod-scc-joint-press-conference-gaiyo_ja.txt").read_bytes(),
        label=parse(node.policy, "SECRET//REL TO JPN"),
    )
    other_day = service.import_summary(node, officer.principal, SEED)
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        page = web.get(f"/meetings/{ja.meeting_id}")
        assert page.status_code == 200
        assert "同じ日の他の文書" in page.text
        for shown in (en, press):
            assert f'href="/meetings/{shown.meeting_id}"' in page.text
        assert f'href="/meetings/{other_day.meeting_id}"' not in page.text
        assert f'href="/meetings/{ja.meeting_id}"' not in page.text  # not itself
        assert "極秘" in page.text  # the banner and the chip: the press conference's label
        web.cookies.clear()
        web.cookies.set(cookies(web).session, _session(node, "tanaka"))
        page = web.get(f"/meetings/{ja.meeting_id}")
        assert page.status_code == 200
        assert f'href="/meetings/{en.meeting_id}"' in page.text
        assert press.meeting_id not in page.text
        assert "極秘" not in page.text
    # REST says the same to each.
    for name, expected in (
        ("sato", {en.meeting_id, press.meeting_id}),
        ("tanaka", {en.meeting_id}),
    ):
        token = bearer(tokens[name])
        with _app(node) as web:
            got = web.get(f"/api/v1/meetings/{ja.meeting_id}", headers=token).json()
        assert {o["id"] for o in got["same_day"]} == expected, name


def test_the_preview_heads_read_as_japanese_with_a_full_width_colon(node: Node) -> None:
    """Walk 33: 「プレビュー: 日米外相会談」 and 「区分: 」 had an ASCII colon and space on
    the Japanese pages; the preview of one file and of several now read
    「プレビュー：…」 and 「区分：…」, and the English pages "Preview: …"."""
    add_user(node, "sato", roles=["author", "releasing_officer"])
    statement = (CORPUS / "2023-01-11_scc-joint-statement_ja.txt").read_bytes()
    english = (CORPUS / "2023-01-11_scc-joint-statement_en.txt").read_bytes()
    one = {"file": ("a.txt", statement, "text/plain")}
    two = [("file", ("a.txt", statement, "text/plain")), ("file", ("b.txt", english, "text/plain"))]
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        for lang, heads in (
            ("ja", ("<h1>プレビュー：", "<h1>プレビュー：2 件のファイル", "区分：<span")),
            ("en", ("<h1>Preview: ", "<h1>Preview: 2 files", "Label: <span")),
        ):
            web.cookies.set(cookies(web).lang, lang)
            token = _csrf(web.get("/meetings/import").text)
            single = web.post("/meetings/import", data={"csrf_token": token}, files=one)
            several = web.post("/meetings/import", data={"csrf_token": token}, files=two)
            assert single.status_code == several.status_code == 200
            assert heads[0] in single.text, lang
            assert heads[1] in several.text, lang
            assert heads[2] in several.text, lang


def test_a_commitment_previews_under_a_singular_chip(node: Node) -> None:
    """Walk 40: the English preview marked each commitment "Commitments"."""
    _, token_of = add_user(node, "sato", roles=["author", "releasing_officer"])
    one = {"file": ("a.txt", DEFENCE_JA.read_bytes(), "text/plain")}
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        web.cookies.set(cookies(web).lang, "en")
        token = _csrf(web.get("/meetings/import").text)
        preview = web.post("/meetings/import", data={"csrf_token": token}, files=one).text
        chips = re.findall(r'<span class="commitment">([^<]*)</span>', preview)
        assert chips
        assert set(chips) == {"Commitment"}
        # The meeting's page too, each decision's chip (walk 46).
        made = web.post(
            "/api/v1/meetings/import",
            json={"text": DEFENCE_JA.read_text("utf-8"), "dry_run": False},
            headers=bearer(token_of),
        ).json()["meeting_id"]
        page = web.get(f"/meetings/{made}").text
        chips = re.findall(r'<span class="commitment">([^<:(]*)', page)
        assert chips
        assert {c.strip() for c in chips} == {"Commitment"}


def test_a_refused_boosted_form_leaves_the_address_where_it_was(node: Node) -> None:
    """Walk 33 #3: a confirmation refused (a label the policy does not read) came back
    on the form, with /meetings/import/confirm in the address bar; reloading it asked
    for a GET the route does not answer (405). A refusal of a form htmx sent tells htmx
    to leave the address; a form sent without htmx, or an answer that is no refusal,
    is left as it was."""
    add_user(node, "sato", roles=["author", "releasing_officer"])
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        token = _csrf(web.get("/meetings/import").text)
        sent = {"csrf_token": token, "data": base64.b64encode(SEED).decode(), "label": "SEKRIT"}
        boosted = {"HX-Request": "true", "HX-Boosted": "true"}
        refused = web.post("/meetings/import/confirm", data=sent, headers=boosted)
        assert refused.status_code == 422
        assert refused.headers.get("hx-push-url") == "false"
        plain = web.post("/meetings/import/confirm", data=sent)
        assert plain.status_code == 422
        assert "hx-push-url" not in plain.headers
        stored = web.post(
            "/meetings/import/confirm",
            data={**sent, "label": ""},
            headers=boosted,
            follow_redirects=False,
        )
        assert stored.status_code == 303
        assert "hx-push-url" not in stored.headers
        # Opened as an address after all (a bookmark), the action leads to its form.
        opened = web.get("/meetings/import/confirm", follow_redirects=False)
        assert (opened.status_code, opened.headers["location"]) == (303, "/meetings/import")


def test_a_sentence_that_decides_several_things_previews_each_by_its_own_clause(
    node: Node,
) -> None:
    """Walk 36: one sentence of the 2019 Motegi–Davidson text read as four decisions
    (opposed, discussed, confirmed, confirmed with a commitment), each shown with the
    same sentence, as if repeated. Each now shows its own clause, the sentence on hover."""
    add_user(node, "sato", roles=["author", "releasing_officer"])
    text = (CORPUS / "2019-10-31_motegi-davidson-hyokei-gaiyo_ja.txt").read_bytes()
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        web.cookies.set(cookies(web).lang, "ja")
        token = _csrf(web.get("/meetings/import").text)
        shown = web.post(
            "/meetings/import",
            data={"csrf_token": token, "date": "2019-10-31"},
            files={"file": ("a.txt", text, "text/plain")},
        )
        assert shown.status_code == 200, shown.text
        clauses = re.findall(r'<span class="clause" title="[^"]*">([^<]*)</span>', shown.text)
        assert any("北朝鮮のCVID" in c for c in clauses), clauses
        assert len(clauses) == len(set(clauses))


def _store(web: TestClient, token: str, text: str, **fields: str) -> dict[str, Any]:
    """A text stored over REST (not a preview), as its importer's client does."""
    stored = web.post(
        "/api/v1/meetings/import",
        json={"text": text, "dry_run": False, **fields},
        headers=bearer(token),
    )
    assert stored.status_code == 201, stored.text
    answer: dict[str, Any] = stored.json()
    return answer


def test_the_register_lists_each_decision_of_a_shared_sentence_by_its_own_clause(
    node: Node,
) -> None:
    """Walk 36: the register repeated the whole sentence for each decision it carries
    (the stored decision kept no clause). Each now reads as its clause, the sentence on
    hover; the REST register and the objects list name it the same way."""
    _, token = add_user(node, "sato", roles=["author", "releasing_officer"])
    text = (CORPUS / "2019-10-31_motegi-davidson-hyokei-gaiyo_ja.txt").read_text("utf-8")
    with _app(node) as web:
        _store(web, token, text, date="2019-10-31")
        items = web.get("/api/v1/commitments", headers=bearer(token)).json()["items"]
        shared = [i["object"] for i in items if "北朝鮮のCVID" in i["object"]["sentence"]]
        assert len(shared) >= 2
        clauses = [d.get("clause") for d in shared]
        assert None not in clauses, clauses
        assert len(set(clauses)) == len(clauses), clauses
        for clause, decision in zip(clauses, shared, strict=True):
            assert clause in decision["sentence"]
            assert clause != decision["sentence"]

        web.cookies.set(cookies(web).session, _session(node, "sato"))
        web.cookies.set(cookies(web).lang, "ja")
        page = web.get("/commitments", params={"kind": "all"})
        decision_link = r'<a class="decision" href="[^"]*" title="([^"]*)">([^<]*)</a>'
        links = re.findall(decision_link, page.text)
        listed = [shown for sentence, shown in links if "北朝鮮のCVID" in sentence]
        assert len(listed) == len(shared), listed
        assert len(set(listed)) == len(listed), listed

        objects = web.get("/objects", params={"type": "x-kizuna-decision"}).text
        assert all(html.escape(c, quote=False) in objects for c in clauses if len(c) < 60)


def _previewed(web: TestClient, node: Node, text: str, notice: str) -> tuple[str, str, str]:
    """sato's preview of `text` on the Japanese page: the page, its notice of id
    `notice`, and the form token."""
    web.cookies.set(cookies(web).session, _session(node, "sato"))
    web.cookies.set(cookies(web).lang, "ja")
    csrf = _csrf(web.get("/meetings/import").text)
    shown = web.post(
        "/meetings/import",
        data={"csrf_token": csrf},
        files={"file": ("a.txt", text.encode(), "text/plain")},
    )
    assert shown.status_code == 200, shown.text
    return shown.text, shown.text.split(f'id="{notice}"', 1)[1].split("</div>", 1)[0], csrf


def test_the_same_text_at_another_label_is_named_before_it_makes_a_second_record(
    node: Node,
) -> None:
    """Walk 37: a text imported at UNCLASSIFIED//REL TO JPN, USA and then again with the
    default label became two meetings with the same commitments, and nothing said so.
    The preview (page and REST) now names the record already held, where the importer
    may read it; one who may not read it is told nothing of it."""
    _, token = add_user(node, "sato", roles=["author", "releasing_officer"])
    _, low_token = add_user(node, "kudo", roles=["author"], clearance="CONFIDENTIAL")
    text = (CORPUS / "2023-01-11_scc-joint-statement_ja.txt").read_text("utf-8")
    with _app(node) as web:
        held = _store(web, token, text, label="SECRET//REL TO JPN, USA")["meeting_id"]
        again = web.post("/api/v1/meetings/import", json={"text": text}, headers=bearer(token))
        assert again.json()["held_elsewhere"] == [
            {"meeting_id": held, "label": "SECRET//REL TO JPN, USA"}
        ]
        assert again.json()["meeting_id"] != held
        hidden = web.post("/api/v1/meetings/import", json={"text": text}, headers=bearer(low_token))
        assert hidden.json()["held_elsewhere"] == []

        _, notice, token_ = _previewed(web, node, text, "held-elsewhere")
        assert "別の区分ですでに取り込まれています" in notice
        assert f'href="/meetings/{held}"' in notice
        other = (CORPUS / "2023-01-11_gaisho-kaidan-gaiyo_ja.txt").read_bytes()
        many = web.post(
            "/meetings/import",
            data={"csrf_token": token_},
            files=[("file", ("a.txt", text.encode(), "text/plain")),
                   ("file", ("b.txt", other, "text/plain"))],
        )  # fmt: skip
        assert many.status_code == 200, many.text
        rows = re.findall(r'<tr data-file="([^"]+)".*?</tr>', many.text, re.S)
        assert rows == ["a.txt", "b.txt"]
        first_row = many.text.split('<tr data-file="a.txt"', 1)[1].split("</tr>", 1)[0]
        assert "別の区分で取り込み済み" in first_row
        assert f'href="/meetings/{held}"' in first_row
        assert "別の区分" not in many.text.split('<tr data-file="b.txt"', 1)[1].split("</tr>")[0]


def test_a_text_held_at_this_label_is_said_so_by_the_preview_in_any_line_endings(
    node: Node,
) -> None:
    """Walk 38: a joint statement saved on Windows (CRLF) became a second meeting beside
    the same text with LF endings, and a preview of a text already held said nothing.
    Line endings make no other document; the preview (REST, page, several files, CLI
    words) says the record is held and that importing it writes nothing."""
    _, token = add_user(node, "sato", roles=["author", "releasing_officer"])
    text = (CORPUS / "2023-01-11_scc-joint-statement_ja.txt").read_text("utf-8")
    windows = text.replace("\n", "\r\n")
    with _app(node) as web:
        held = _store(web, token, windows)
        assert "\r" not in json.dumps(held["record"], ensure_ascii=False)
        for body in (text, windows, text.replace("\n", "\r")):
            again = web.post("/api/v1/meetings/import", json={"text": body}, headers=bearer(token))
            assert again.status_code == 200
            assert again.json()["already"] is True
            assert again.json()["meeting_id"] == held["meeting_id"]
            stored = web.post(
                "/api/v1/meetings/import",
                json={"text": body, "dry_run": False},
                headers=bearer(token),
            )
            assert stored.status_code == 200
            assert stored.json()["created"] == 0
        meetings = web.get("/api/v1/meetings", headers=bearer(token)).json()["items"]
        assert [m["id"] for m in meetings] == [held["meeting_id"]]

        shown, notice, csrf = _previewed(web, node, text, "held-here")
        assert "この区分で取り込み済み" in notice
        assert f'href="/meetings/{held["meeting_id"]}"' in notice
        assert 'id="held-elsewhere"' not in shown
        other = (CORPUS / "2023-01-11_gaisho-kaidan-gaiyo_ja.txt").read_bytes()
        many = web.post(
            "/meetings/import",
            data={"csrf_token": csrf},
            files=[("file", ("a.txt", windows.encode(), "text/plain")),
                   ("file", ("b.txt", other, "text/plain"))],
        )  # fmt: skip
        first_row = many.text.split('<tr data-file="a.txt"', 1)[1].split("</tr>", 1)[0]
        assert f'href="/meetings/{held["meeting_id"]}"' in first_row
        assert "取り込み済み" in first_row
        second_row = many.text.split('<tr data-file="b.txt"', 1)[1].split("</tr>", 1)[0]
        assert "取り込み済み" not in second_row


def test_a_text_over_a_mebibyte_imports_by_page_and_rest_up_to_the_importers_own_limit(
    node: Node,
) -> None:
    """Walk 38: a 1 MB joint statement (the importer takes 4 MB) was refused by the
    node's 1 MiB body limit on the page and over REST, with a bare 413 page that lost
    the form. The import routes take what the importer takes; over it, the importer's
    own refusal names its limit and the form keeps what was typed."""
    _, token = add_user(node, "sato", roles=["author", "releasing_officer"])
    paragraphs = "\n\n".join(
        f"{n}. The Ministers reviewed the regional situation in detail, item {n}."
        for n in range(1, 16_000)
    )
    text = f"Joint Statement of the Ministers\n\nMarch 3, 2027\n\n{paragraphs}\n"
    assert node.settings.max_body_bytes < len(text) < 4_000_000
    with _app(node) as web:
        answer = web.post("/api/v1/meetings/import", json={"text": text}, headers=bearer(token))
        assert answer.status_code == 200, answer.text[:300]
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        csrf = _csrf(web.get("/meetings/import").text)
        shown = web.post(
            "/meetings/import",
            data={"csrf_token": csrf, "label": "UNCLASSIFIED//REL TO JPN"},
            files={"file": ("big.txt", text.encode(), "text/plain")},
        )
        assert shown.status_code == 200, shown.text[-300:]
        huge = web.post(
            "/meetings/import",
            data={"csrf_token": csrf, "label": "UNCLASSIFIED//REL TO JPN"},
            files={"file": ("huge.txt", b"x" * 4_100_000, "text/plain")},
        )
        assert huge.status_code == 422
        assert "公式文書は 4 MB までです" in huge.text
        assert 'value="UNCLASSIFIED//REL TO JPN"' in huge.text
        over = web.post(
            "/api/v1/meetings/import",
            content=b'{"text": "' + b"x" * 12_100_000 + b'"}',
            headers={**bearer(token), "content-type": "application/json"},
        )
        assert over.status_code == 413
        assert over.json()["field"] == "body"
        # Other routes keep the node's limit.
        other = web.post(
            "/api/v1/objects",
            content=b'{"object": {"x": "' + b"x" * 1_100_000 + b'"}}',
            headers={**bearer(token), "content-type": "application/json"},
        )
        assert other.status_code == 413


@pytest.mark.parametrize(
    ("line", "written", "shown"),
    [
        ("令和8年2月29日", "令和8年2月29日", "2026-02-29"),
        ("On Feb 30, 2024", "Feb 30, 2024", "2024-02-30"),
    ],
)
def test_a_text_dated_on_no_day_is_refused_with_its_reason_on_the_page_and_rest(
    node: Node, line: str, written: str, shown: str
) -> None:
    """Walk 49 #3: the page said "the text gives no meeting date" where the command line
    named the day that is none."""
    _, token = add_user(node, "sato", roles=["author", "releasing_officer"])
    opening = "　茂木外務大臣は、ルビオ米国務長官と会談を行った。"
    text = f"日米外相会談（概要）\n\n{line}\n\n{opening}\n".encode()
    before = counts(node)
    with _app(node) as web:
        rest = web.post(
            "/api/v1/meetings/import", json={"text": text.decode()}, headers=bearer(token)
        )
        assert rest.status_code == 422, rest.text
        assert rest.json()["field"] == "date"
        assert f"is no day of the calendar ({shown})" in rest.json()["detail"]
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        for lang, said in (
            ("en", f"Date: the text dates the meeting {written}, which is no day of the "
                   f"calendar ({shown})"),
            ("ja", f"本文の会合の日付「{written}」は暦にない日付です（{shown}）"),
        ):  # fmt: skip
            web.cookies.set(cookies(web).lang, lang)
            csrf = _csrf(web.get("/meetings/import").text)
            one = web.post(
                "/meetings/import",
                data={"csrf_token": csrf},
                files={"file": ("a.txt", text, "text/plain")},
            )
            assert one.status_code == 422, one.text
            assert said in html.unescape(one.text)
            many = web.post(
                "/meetings/import",
                data={"csrf_token": csrf},
                files=[("file", ("a.txt", text, "text/plain")),
                       ("file", ("b.txt", SEED, "text/plain"))],
            )  # fmt: skip
            row = html.unescape(many.text.split('<tr data-file="a.txt"', 1)[1].split("</tr>")[0])
            assert said.split(": ", 1)[-1] in row
    assert counts(node) == before


def test_a_mark_and_spaces_alone_are_an_empty_file(node: Node) -> None:
    """Walk 49 #3: a byte-order mark and spaces were read as a text without a date."""
    from kizuna.domains.meetings.ingest import IngestRefused, read_summary

    blank = "\ufeff   \n　\n".encode()
    with pytest.raises(IngestRefused, match="the document is empty"):
        read_summary(blank)
    add_user(node, "sato", roles=["author", "releasing_officer"])
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        web.cookies.set(cookies(web).lang, "en")
        csrf = _csrf(web.get("/meetings/import").text)
        page = web.post(
            "/meetings/import",
            data={"csrf_token": csrf},
            files={"file": ("a.txt", blank, "text/plain")},
        )
        assert page.status_code == 422, page.text
        assert "the file is empty" in page.text
        assert "no meeting date" not in page.text


def test_rest_names_the_text_field_for_what_the_text_holds(node: Node) -> None:
    """Walk 49 #4: an empty text and a text holding NUL were refused as "file", a field
    REST has not."""
    _, token = add_user(node, "sato", roles=["author", "releasing_officer"])
    with _app(node) as web:
        for text, said in (("", "empty"), ("日米\x00会談", "binary")):
            refused = web.post(
                "/api/v1/meetings/import", json={"text": text}, headers=bearer(token)
            )
            assert refused.status_code == 422, refused.text
            assert refused.json()["field"] == "text"
            assert said in refused.json()["detail"]
        data = base64.b64encode(b"\x00\x01").decode()
        refused = web.post("/api/v1/meetings/import", json={"data": data}, headers=bearer(token))
        assert refused.json()["field"] == "data"


def test_several_files_confirmed_list_every_file_with_its_outcome(node: Node) -> None:
    """Walk 49 #5: after confirming several files, the page listed only those stored
    ("3 of 3 files stored") and dropped the file the preview had refused."""
    add_user(node, "sato", roles=["author", "releasing_officer"])
    other = (CORPUS / "2023-01-11_gaisho-kaidan-gaiyo_ja.txt").read_bytes()
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        web.cookies.set(cookies(web).lang, "en")
        csrf = _csrf(web.get("/meetings/import").text)
        files = [("file", ("a.txt", SEED, "text/plain")),
                 ("file", ("empty.txt", b"", "text/plain")),
                 ("file", ("b.txt", other, "text/plain"))]  # fmt: skip
        preview = web.post("/meetings/import", data={"csrf_token": csrf}, files=files)
        assert preview.status_code == 200, preview.text
        form = re.search(r'<form method="post" action="/meetings/import/confirm".*?</form>',
                         preview.text, re.S)  # fmt: skip
        assert form is not None
        fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0))
        sent: dict[str, list[str]] = {}
        for k, v in fields:
            sent.setdefault(k, []).append(html.unescape(v))
        done = web.post("/meetings/import/confirm", data=sent)
        assert done.status_code == 200, done.text
        rows = re.findall(r'<tr data-file="([^"]+)"', done.text)
        assert rows == ["a.txt", "empty.txt", "b.txt"]
        refused = done.text.split('<tr data-file="empty.txt"', 1)[1].split("</tr>", 1)[0]
        assert "File: the file is empty." in refused
        assert "2 of 3 files stored." in done.text


def test_a_held_text_confirmed_again_lands_on_its_meetings_page(node: Node) -> None:
    """Walk 49 #5: a second confirm of a held text: the meeting's page says it was
    imported before, as the README says."""
    add_user(node, "sato", roles=["author", "releasing_officer"])
    with _app(node) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        web.cookies.set(cookies(web).lang, "en")
        csrf = _csrf(web.get("/meetings/import").text)
        preview = web.post(
            "/meetings/import",
            data={"csrf_token": csrf},
            files={"file": ("a.txt", SEED, "text/plain")},
        )
        form = re.search(r'<form method="post" action="/meetings/import/confirm".*?</form>',
                         preview.text, re.S)  # fmt: skip
        assert form is not None
        fields = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0))
        )
        sent = {k: html.unescape(v) for k, v in fields.items()}
        first = web.post("/meetings/import/confirm", data=sent)
        again = web.post("/meetings/import/confirm", data=sent)
        for answer in (first, again):
            assert answer.status_code == 200, answer.text
        h1 = re.findall(r"<h1>([^<]*)</h1>", again.text)
        assert not any(h.startswith("Preview") for h in h1)
        assert "This text was imported before: nothing new was written." in again.text
        assert str(again.url).split("?")[0] == str(first.url).split("?")[0]
