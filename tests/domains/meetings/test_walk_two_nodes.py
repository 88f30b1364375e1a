"""The two-node walk's findings on the import and the meeting page (SQLite and
PostgreSQL): a preview refused as the import is, the date a text gives against the
one given, what `--format json` says happened, a refused correction kept on its page,
and the words of the several-files page and of a text without attendees or titles."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kizuna import audit
from kizuna.cli.main import app
from kizuna.domains.meetings import model, service
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.domains.meetings.test_record import counts
from tests.factories import add_user, bearer, cookies

CORPUS = Path(__file__).parent / "corpus"
FM_2012 = CORPUS / "2012-07-08_mofa-fm-meeting-summary_en.txt"
DEFENCE_2024 = CORPUS / "2024-06-02_mod-defense-ministerial-summary_en.txt"
NO_YEAR = CORPUS / "2021-03-16_mod-scc-summary_en.txt"  # "On Mar 16": no year
DESERTERS_2008 = CORPUS / "2008-05-15_jc-deserter-notification-press_ja.txt"
TOP = "TOP SECRET//CYBER"


def _written(node: Node) -> tuple[int, int]:
    """Objects and versions: what an import writes (a refusal writes its audit entry)."""
    return counts(node)[:2]


def _refusals(node: Node) -> list[audit.Entry]:
    with node.db.read() as conn:
        return [e for e in audit.entries(conn, limit=100) if e.action == "refused"]


def _session(node: Node, name: str) -> str:
    from kizuna.identity import service as identity

    with node.db.write() as conn:
        user = identity.find_user(conn, name)
        assert user is not None
        return identity.start_session(conn, user)


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def _held_at_top(node: Node) -> str:
    """The 2012 text held at TOP SECRET//CYBER, as the walk found it on the node."""
    label = parse(node.policy, TOP, originator=node.nation)
    return service.import_summary(node, node.system, FM_2012.read_bytes(), label=label).meeting_id


def test_a_rest_preview_is_refused_as_the_import_and_never_names_a_hidden_record(
    node: Node,
) -> None:
    """Walk: tanaka (a CONFIDENTIAL reader, refused the import page) previewed the 2012
    text at TOP SECRET//CYBER over REST and was answered 200 with the id of the record
    held there. A preview checks what the import checks, before reading the text: the
    role (403, as the page), then the label within the caller's clearance (403 naming
    the label); the answer names no record the caller may not read."""
    held = _held_at_top(node)
    _, reader = add_user(node, "tanaka", clearance="CONFIDENTIAL")
    _, low = add_user(node, "kudo", clearance="CONFIDENTIAL", roles=["author"])
    _, cleared = add_user(
        node, "ito", clearance="TOP SECRET", compartments=["CYBER"], roles=["author"]
    )
    text = FM_2012.read_text("utf-8")
    before, refused_before = _written(node), len(_refusals(node))
    with TestClient(create_app(node)) as web:
        for token, said in ((reader, "may not import official texts"),
                            (low, "is above the clearance of kudo")):  # fmt: skip
            answer = web.post(
                "/api/v1/meetings/import",
                json={"text": text, "label": TOP, "dry_run": True},
                headers=bearer(token),
            )
            assert answer.status_code == 403, answer.text
            assert said in answer.json()["detail"]
            assert held not in answer.text
            assert "x-kizuna-meeting--" not in answer.text
        # The label is named where the label is at fault.
        assert answer.json()["field"] == "label"
        assert "TOP SECRET//CYBER//REL TO JPN" in answer.json()["detail"]
        # One who may import at that label, and so read the record, is told it is held.
        shown = web.post(
            "/api/v1/meetings/import",
            json={"text": text, "label": TOP, "dry_run": True},
            headers=bearer(cleared),
        )
        assert shown.status_code == 200, shown.text
        assert (shown.json()["already"], shown.json()["meeting_id"]) == (True, held)
    assert _written(node) == before
    # Each refusal is a security decision that said no: audited, with its reason.
    refusals = _refusals(node)[: len(_refusals(node)) - refused_before]
    assert sorted(e.actor for e in refusals) == ["kudo", "tanaka"]
    assert any("above the clearance" in e.detail["reason"] for e in refusals)


def test_a_readers_confirmation_of_several_files_is_one_refusal(node: Node) -> None:
    """The page's confirmation is refused to a reader as its preview is: once, before
    any file it carries is read (it was a refusal, audited, per file)."""
    import base64

    add_user(node, "tanaka", clearance="CONFIDENTIAL")
    blobs = [base64.b64encode(p.read_bytes()).decode() for p in (FM_2012, DEFENCE_2024)]
    before, refused_before = _written(node), len(_refusals(node))
    with TestClient(create_app(node)) as web:
        web.cookies.set(cookies(web).session, _session(node, "tanaka"))
        token = _csrf(web.get("/meetings").text)
        sent = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "data": blobs, "name": ["a.txt", "b.txt"]},
        )
        assert sent.status_code == 403
    assert _written(node) == before
    assert len(_refusals(node)) == refused_before + 1


def _cli(node: Node, db_url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"KIZUNA_KEY_FILE": str(node_settings(db_url, tmp_path).key_file)}
    result = CliRunner().invoke(app, ["ingest", "summary", *args, "--db", db_url], env=env)
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def test_a_dry_run_as_a_user_checks_the_user_role_and_label_as_the_import(
    node: Node, db_url: str, tmp_path: Path
) -> None:
    """Walk: `--dry-run --as nobody` ran without error where the import says "no user
    nobody". A dry run as a user is checked by the node as the import is, and says
    whether the record is held only to one who may read it."""
    held = _held_at_top(node)
    add_user(node, "tanaka", clearance="CONFIDENTIAL")
    add_user(node, "kudo", clearance="CONFIDENTIAL", roles=["author"])
    add_user(node, "ito", clearance="TOP SECRET", compartments=["CYBER"], roles=["author"])
    before = _written(node)
    file = str(FM_2012)
    for who, said in (("nobody", "no user nobody"),
                      ("tanaka", "tanaka may not import official texts"),
                      ("kudo", "is above the clearance of kudo (--label)")):  # fmt: skip
        code, out, err = _cli(node, db_url, tmp_path, file, "--dry-run", "--as", who,
                              "--label", TOP, "--format", "json")  # fmt: skip
        assert code == 2, (who, out, err)
        assert said in err, (who, err)
        assert err.endswith("nothing was imported"), err
        assert held not in out + err
    code, out, err = _cli(node, db_url, tmp_path, file, "--dry-run", "--as", "ito",
                          "--label", TOP, "--format", "json")  # fmt: skip
    assert code == 0, err
    told = json.loads(out)
    assert (told["outcome"], told["already"], told["meeting_id"]) == ("dry-run", True, held)
    code, out, _ = _cli(node, db_url, tmp_path, file, "--dry-run", "--as", "ito", "--label", TOP)
    assert f"dry run: nothing written; already imported as {held}" in " ".join(out.split())
    assert _written(node) == before


def test_json_says_what_became_of_each_file(node: Node, db_url: str, tmp_path: Path) -> None:
    """Walk: `--format json` did not say whether a file was imported or already held,
    nor the meeting's id. Each entry says its `outcome` and names the record held."""
    file = str(DEFENCE_2024)
    code, out, err = _cli(node, db_url, tmp_path, file, "--format", "json")
    assert code == 0, err
    first = json.loads(out)
    assert (first["outcome"], first["already"]) == ("imported", False)
    assert first["created"] > 0
    assert first["meeting_id"] in {m.id for m in service.list_meetings(node, node.system)}
    assert first["meeting"]["date"] == "2024-06-02"  # the record's shape is kept
    code, out, _ = _cli(node, db_url, tmp_path, file, "--format", "json")
    again = json.loads(out)
    assert (again["outcome"], again["already"], again["created"]) == ("already-imported", True, 0)
    assert again["meeting_id"] == first["meeting_id"]
    # A dry run without --as reads the text alone: it names no record and cannot say
    # whether one is held.
    code, out, _ = _cli(node, db_url, tmp_path, file, "--dry-run", "--format", "json")
    alone = json.loads(out)
    assert (alone["outcome"], alone["meeting_id"], alone["already"]) == ("dry-run", None, None)
    # Several files: a list, each with its file and outcome.
    code, out, _ = _cli(node, db_url, tmp_path, file, str(FM_2012), "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [(e["file"], e["outcome"]) for e in listed] == [
        (file, "already-imported"),
        (str(FM_2012), "imported"),
    ]
    assert all(e["meeting_id"].startswith(model.MEETING + "--") for e in listed)


def test_a_given_date_the_text_contradicts_is_refused_naming_both(
    node: Node, db_url: str, tmp_path: Path
) -> None:
    """Walk: `--date 2020-01-01` replaced the 2 June 2024 the text gives, silently
    (`date_source: given`). A given date is for a text that gives none (or no year):
    where the text says another day it is refused, naming both, on the command line,
    over REST and on the page; one that agrees changes nothing."""
    file = str(DEFENCE_2024)
    code, _, err = _cli(node, db_url, tmp_path, file, "--date", "2020-01-01", "--dry-run")
    assert code == 2
    assert "the text gives the meeting's date 2024-06-02, not 2020-01-01" in err, err
    assert "(--date)" in err
    code, out, err = _cli(node, db_url, tmp_path, file, "--date", "2024-06-02", "--dry-run",
                          "--format", "json")  # fmt: skip
    assert code == 0, err
    # The date is the text's (its page's date line), as without --date.
    agreed = json.loads(out)["meeting"]
    assert (agreed["date"], agreed["date_source"]) == ("2024-06-02", "heading")
    # A text without a year gives its month and day: a date on another day is refused.
    code, _, err = _cli(node, db_url, tmp_path, str(NO_YEAR), "--date", "2021-03-17", "--dry-run")
    assert code == 2
    assert "date as Mar 16 without a year, and 2021-03-17 is not that day" in err, err
    assert _cli(node, db_url, tmp_path, str(NO_YEAR), "--date", "2021-03-16", "--dry-run")[0] == 0

    _, token = add_user(node, "sato", roles=["author"])
    before = counts(node)
    with TestClient(create_app(node)) as web:
        answer = web.post(
            "/api/v1/meetings/import",
            json={"text": DEFENCE_2024.read_text("utf-8"), "date": "2020-01-01"},
            headers=bearer(token),
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "date"
        assert "2024-06-02" in answer.json()["detail"]
        assert "2020-01-01" in answer.json()["detail"]
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        for lang, said in (
            ("ja", "日付：本文では会議の日付は2024-06-02であり、2020-01-01ではありません。"),
            ("en", "Date: the text dates the meeting 2024-06-02, not 2020-01-01"),
        ):
            web.cookies.set(cookies(web).lang, lang)
            form = web.post(
                "/meetings/import",
                data={"csrf_token": _csrf(web.get("/meetings/import").text), "date": "2020-01-01"},
                files={"file": ("a.txt", DEFENCE_2024.read_bytes(), "text/plain")},
            )
            assert form.status_code == 422
            assert said in form.text, lang
            assert 'value="2020-01-01"' in form.text  # what was typed comes back
    assert counts(node) == before


def test_a_day_that_is_none_is_named_so_not_as_a_wrong_shape(
    node: Node, db_url: str, tmp_path: Path
) -> None:
    """Walk: `--date 2024-02-30` said "must be YYYY-MM-DD": the shape is right, the day
    does not exist."""
    code, _, err = _cli(node, db_url, tmp_path, str(NO_YEAR), "--date", "2024-02-30", "--dry-run")
    assert code == 2
    assert "--date 2024-02-30 is not a day of the calendar (2024-02 has 29 days)" in err
    code, _, err = _cli(node, db_url, tmp_path, str(NO_YEAR), "--date", "2024-13-01", "--dry-run")
    assert "is not a day of the calendar (there is no month 13)" in err
    code, _, err = _cli(node, db_url, tmp_path, str(NO_YEAR), "--date", "16/03/2021", "--dry-run")
    assert "--date must be YYYY-MM-DD" in err
    _, token = add_user(node, "sato", roles=["author"])
    with TestClient(create_app(node)) as web:
        answer = web.post(
            "/api/v1/meetings/import",
            json={"text": NO_YEAR.read_text("utf-8"), "date": "2024-02-30"},
            headers=bearer(token),
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "date"
        assert "2024-02-30 is not a day of the calendar" in answer.json()["detail"]


def test_a_refused_correction_comes_back_on_the_meeting_page_with_what_was_typed(
    node: Node,
) -> None:
    """Walk: a due date of 2025-13 answered a bare error page (「期限：年…で入力して
    ください。 戻る」): the meeting and what was typed were gone. The meeting's page
    comes back, the decision's form open with what was typed, the reason beside the
    field at fault; nothing is written."""
    user, _ = add_user(node, "sato", roles=["author"])
    made = service.import_summary(node, user.principal, DEFENCE_2024.read_bytes())
    decision = next(o for o in made.objects if o["type"] == model.DECISION)
    other = next(s for s in ("note", "welcome") if s != decision["stance"])
    with TestClient(create_app(node)) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        web.cookies.set(cookies(web).lang, "ja")
        token = _csrf(web.get(f"/meetings/{made.meeting_id}").text)
        before = counts(node)
        answer = web.post(
            f"/meetings/{made.meeting_id}/decisions/{decision['id']}",
            data={"csrf_token": token, "actor": decision["actor"], "stance": other,
                  "commitment": "1", "owner": "japan", "due": "2025-13"},
        )  # fmt: skip
        assert answer.status_code == 422
        page = answer.text
        assert "<h1>Japan-U.S. Defense Ministerial Meeting</h1>" in page  # the meeting's page
        assert 'id="correction-refused"' in page
        assert "修正は保存されませんでした。" in page
        # Its form, open, with what was typed; the reason beside the due date.
        form = page.split(f'<li id="{decision["id"]}">', 1)[1].split("</details>", 1)[0]
        assert '<details class="correct" open>' in form
        assert 'value="2025-13"' in form
        assert f'<option value="{other}" selected>' in form
        assert '<option value="japan" selected>' in form
        assert 'name="commitment" value="1" checked' in form
        due = form.split('name="due"', 1)[1]
        marked = 'aria-invalid="true" aria-describedby="correct-error"'
        assert due.split(">", 1)[0].endswith(marked)
        assert (
            "期限：年（2026）、年月（2026-12）または年月日（2026-12-05）で入力してください。" in due
        )
        # The other decisions' forms are as they were.
        assert page.count('<details class="correct" open>') == 1
    assert counts(node) == before


def test_the_several_files_button_counts_and_a_text_without_attendees_or_titles_reads_whole(
    node: Node,
) -> None:
    """Walk: "Confirm and import 1 files"; on the Japanese page of the 2008 notice the
    attendees were empty (other empty facts say "—") and its numbered paragraphs were
    headed by bare numbers. Such a paragraph is headed "Paragraph 1" (第1項)."""
    user, _ = add_user(node, "sato", roles=["author"])
    made = service.import_summary(node, user.principal, DESERTERS_2008.read_bytes())
    with TestClient(create_app(node)) as web:
        web.cookies.set(cookies(web).session, _session(node, "sato"))
        for lang, button, heading in (
            ("en", "Confirm and import 1 file<", "Paragraph 1"),
            ("ja", "確認して 1 件を取り込む<", "第1項"),
        ):
            web.cookies.set(cookies(web).lang, lang)
            token = _csrf(web.get("/meetings/import").text)
            files = [
                ("file", ("a.txt", FM_2012.read_bytes(), "text/plain")),
                ("file", ("b.txt", b"", "text/plain")),
            ]
            shown = web.post("/meetings/import", data={"csrf_token": token}, files=files)
            assert button in shown.text, lang
            page = web.get(f"/meetings/{made.meeting_id}").text
            assert '<dd id="m-attendees">—</dd>' in page, lang
            assert f"<h2>{heading}</h2>" in page, lang
            assert f"<h3>{heading}</h3>" in page, lang  # the chart's too
            assert not re.search(r"<h[23]>\d+ </h[23]>", page)
            preview = web.post(
                "/meetings/import",
                data={"csrf_token": token},
                files={"file": ("a.txt", DESERTERS_2008.read_bytes(), "text/plain")},
            ).text
            assert '<dd id="p-attendees">—</dd>' in preview
            assert f"<h3>{heading}</h3>" in preview


# -- parse quality (pure: no database) ---------------------------------------------------


def test_a_reported_agreement_is_named_by_its_noun_and_the_next_clause_keeps_it() -> None:
    """Walk: 「首脳間で一致した事項を踏まえつつ」 was cut mid-phrase into "…首脳間で一致"
    (agree, reported) and "事項を踏まえつつ…". The report reads on to the noun it
    qualifies; the decision built on it keeps it (the 2008 notice's 基本合意したこと
    too, whose next clause began 踏まえ、…)."""
    from kizuna.domains.meetings.ingest import read_summary

    def clauses(path: Path) -> list[tuple[str, bool, str]]:
        meeting = read_summary(path.read_bytes()).meeting
        return [
            (d.stance, d.reported, d.own_words or d.sentence)
            for s in meeting.sections
            for d in [*s.decisions, *(d for i in s.items for d in i.decisions)]
        ]

    made = clauses(CORPUS / "2025-03-30_mod-boeisho-kaidan-gaiyo_ja.txt")
    reported = [c for _, was, c in made if was]
    assert reported == ["本年2月7日の日米首脳会談における首脳間で一致した事項"]
    built = next(c for stance, _, c in made if stance == "confirm" and "踏まえつつ" in c)
    assert built.startswith("本年2月7日の日米首脳会談における首脳間で一致した事項を踏まえつつ、")
    assert not any(c.startswith(("事項", "踏まえ")) for _, _, c in made)
    notice = clauses(DESERTERS_2008)
    assert [c[-12:] for _, was, c in notice if was] == ["こと等について基本合意したこと"[-12:]]
    assert not any(c.startswith("踏まえ") for _, _, c in notice)


def test_a_section_name_before_the_title_on_its_line_is_page_chrome() -> None:
    """Walk: the 2019 fact sheet's title kept the republishing site's section, "Press
    Releases: U.S.-Japan …". A site's or section's name before a colon at the head of
    the title line is chrome, reported as such; the title stays."""
    from kizuna.domains.meetings.ingest import read_summary

    record = read_summary((CORPUS / "2019-04-19_scc-fact-sheet_en.txt").read_bytes())
    assert record.meeting.title == "U.S.-Japan Security Consultative Committee 2019 Fact Sheet"
    assert record.meeting.kind == "fact-sheet"
    chrome = [(q.found, q.suggestion) for q in record.quality if q.kind == "page-chrome"]
    assert ("Press Releases:", "left out (site)") in chrome
    # Below the title, such words are the text's own.
    text = (
        "Meeting\n\nJuly 1, 2024\n\nThe Ministers met.\n\nPress Releases: the Ministers noted it.\n"
    )
    assert "Press Releases:" in read_summary(text.encode()).normalized


def test_the_text_output_says_what_the_text_does_not_give(
    node: Node, db_url: str, tmp_path: Path
) -> None:
    """Walk: the dry run printed `?` for a time, duration or place the text does not
    give; it says so in words."""
    fact_sheet = CORPUS / "2019-04-19_scc-fact-sheet_en.txt"
    code, out, err = _cli(node, db_url, tmp_path, str(fact_sheet), "--dry-run")
    assert code == 0, err
    said = " ".join(out.split())
    assert "time not given, duration not given, Washington, DC" in said
    assert "?" not in said.split("encoding")[0]
