"""Several official texts imported at once on the import page (SQLite and
PostgreSQL): one preview row a file, what was read or why not; confirmed, each file
stored in its own transaction, a refused one named and the others stored."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from kizuna.domains.meetings import service
from kizuna.identity import service as identity
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.meetings.test_record import counts
from tests.factories import add_user, cookies

from .test_import import CORPUS, DEFENCE_JA, NO_YEAR

DEFENCE_EN = CORPUS / "2024-06-02_mod-defense-ministerial-summary_en.txt"


def _signed_in(node: Node, web: TestClient, lang: str) -> str:
    with node.db.write() as conn:
        user = identity.find_user(conn, "sato")
        assert user is not None
        session = identity.start_session(conn, user)
    web.cookies.set(cookies(web).session, session)
    web.cookies.set(cookies(web).lang, lang)
    found = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/meetings/import").text)
    assert found
    return found.group(1)


def _rows(html: str) -> dict[str, str]:
    """File name -> 'read' or 'refused', as the table marks each row."""
    return dict(re.findall(r'<tr data-file="([^"]+)" class="(read|refused)">', html))


def _files(*paths: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("file", (name, data, "text/plain")) for name, data in paths]


def test_several_files_preview_one_row_each_then_store_each_on_its_own(node: Node) -> None:
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    with TestClient(create_app(node)) as web:
        token = _signed_in(node, web, "ja")
        before = counts(node)
        upload = _files(
            ("defence-ja.txt", DEFENCE_JA.read_bytes()),
            ("no-year.txt", NO_YEAR.read_bytes()),
            ("defence-en.txt", DEFENCE_EN.read_bytes()),
        )
        preview = web.post("/meetings/import", data={"csrf_token": token}, files=upload)
        assert preview.status_code == 200
        assert _rows(preview.text) == {
            "defence-ja.txt": "read",
            "no-year.txt": "refused",
            "defence-en.txt": "read",
        }
        # The refused file's reason, in the reader's language; the others' dates.
        assert (
            "本文に会議の日付がありません。このファイルだけを選び、日付を入力して取り込んでください。"
            in preview.text
        )
        assert "2025-03-30" in preview.text
        assert "2024-06-02" in preview.text
        assert "3 件中 2 件を取り込めます。" in preview.text
        assert counts(node) == before

        # A date typed on the form would date every file alike: refused, nothing read.
        dated = web.post(
            "/meetings/import", data={"csrf_token": token, "date": "2021-03-16"}, files=upload
        )
        assert dated.status_code == 422
        assert "会合の日付はファイル1件に対して指定します。" in dated.text

        names = re.findall(r'name="name" value="([^"]+)"', preview.text)
        blobs = re.findall(r'name="data" value="([^"]+)"', preview.text)
        # Every file goes to the confirmation, the refused one too, so that the page
        # after it names every file with its outcome (walk 49).
        assert names == ["defence-ja.txt", "no-year.txt", "defence-en.txt"]
        done = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "name": names, "data": blobs},
        )
        assert done.status_code == 200
        assert "3 件中 2 件を保存しました。" in done.text
        assert _rows(done.text)["no-year.txt"] == "refused"
        dates = sorted(m.object["date"] for m in service.list_meetings(node, user.principal))
        assert dates == ["2024-06-02", "2025-03-30"]
        for meeting_id in re.findall(r'href="/meetings/(x-kizuna-meeting--[0-9a-f-]+)"', done.text):
            assert web.get(f"/meetings/{meeting_id}").status_code == 200

        # Sent again, in English: nothing new, each row says so.
        web.cookies.set(cookies(web).lang, "en")
        again = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "name": names, "data": blobs},
        )
        assert again.status_code == 200
        assert again.text.count("(already imported)") == 2
        assert (
            "0 of 3 files stored. 2 files were imported before: nothing new was written for them."
            in again.text
        )


def test_a_file_refused_at_confirmation_leaves_the_others_stored(node: Node) -> None:
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    with TestClient(create_app(node)) as web:
        token = _signed_in(node, web, "en")
        preview = web.post(
            "/meetings/import",
            data={"csrf_token": token},
            files=_files(("ja.txt", DEFENCE_JA.read_bytes()), ("en.txt", DEFENCE_EN.read_bytes())),
        )
        blobs = re.findall(r'name="data" value="([^"]+)"', preview.text)
        # The second file's bytes changed on the way: it is refused on its own.
        done = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "name": ["ja.txt", "en.txt"], "data": [blobs[0], "@@"]},
        )
        assert done.status_code == 200
        assert _rows(done.text) == {"ja.txt": "read", "en.txt": "refused"}
        assert "1 of 2 files stored." in done.text
        assert "File: the value was not accepted." in done.text
        assert [m.object["date"] for m in service.list_meetings(node, user.principal)] == [
            "2025-03-30"
        ]
        # Nothing stored at all: the table says why, and the answer is not a success.
        before = counts(node)
        none = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "name": ["a.txt", "b.txt"], "data": ["@@", "##"]},
        )
        assert none.status_code == 422
        assert _rows(none.text) == {"a.txt": "refused", "b.txt": "refused"}
        assert counts(node) == before
        # Names that do not match the files: refused whole.
        odd = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "name": ["a.txt"], "data": [blobs[0], blobs[1]]},
        )
        assert odd.status_code == 422
        assert counts(node) == before


def test_several_files_go_in_at_the_label_of_the_form(node: Node) -> None:
    """Walk 13 #1: the label typed on the form is every file's, through the table's
    confirmation, as `--label` is for every file of `kizuna ingest summary`."""
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    label = "SECRET//REL TO JPN"
    with TestClient(create_app(node)) as web:
        token = _signed_in(node, web, "en")
        upload = _files(("ja.txt", DEFENCE_JA.read_bytes()), ("en.txt", DEFENCE_EN.read_bytes()))
        preview = web.post(
            "/meetings/import", data={"csrf_token": token, "label": label}, files=upload
        )
        assert preview.status_code == 200
        assert 'Label: <span class="chip lvl-2">SECRET//REL TO JPN</span>' in preview.text
        names = re.findall(r'name="name" value="([^"]+)"', preview.text)
        blobs = re.findall(r'name="data" value="([^"]+)"', preview.text)
        kept = re.search(r'name="label" value="([^"]*)"', preview.text)
        assert kept is not None
        done = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": token, "name": names, "data": blobs, "label": kept.group(1)},
        )
        assert done.status_code == 200
        assert "2 of 2 files stored." in done.text
        meetings = service.list_meetings(node, user.principal)
        assert len(meetings) == 2
        for meeting in meetings:
            view = service.get_meeting(node, user.principal, meeting.id)
            assert {node.store.render(x) for x in view["labels"]} == {label}


def test_files_imported_before_are_counted_apart_from_those_stored_now(node: Node) -> None:
    """Walk 40: with two of three files imported before, the preview said 「3 件中 3 件を
    取り込めます」 and the confirmation 「3 件中 3 件を保存しました」: both counted the
    files held already as stored now."""
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    other = CORPUS / "2018-10-19_mod-defense-ministerial-summary_en.txt"
    for held in (DEFENCE_JA, DEFENCE_EN):
        service.import_summary(node, user.principal, held.read_bytes())
    with TestClient(create_app(node)) as web:
        token = _signed_in(node, web, "ja")
        upload = _files(
            ("defence-ja.txt", DEFENCE_JA.read_bytes()),
            ("defence-en.txt", DEFENCE_EN.read_bytes()),
            ("other.txt", other.read_bytes()),
        )
        preview = web.post("/meetings/import", data={"csrf_token": token}, files=upload)
        assert preview.status_code == 200
        said = re.search(r'<p id="files-summary">([^<]*)</p>', preview.text)
        assert said is not None
        assert said.group(1).startswith("3 件中 1 件を取り込めます。")
        assert said.group(1).endswith("2 件は取り込み済みのため、新たに書き込むものはありません。")
        assert "確認して 1 件を取り込む" in preview.text
        names = re.findall(r'name="name" value="([^"]+)"', preview.text)
        blobs = re.findall(r'name="data" value="([^"]+)"', preview.text)
        done = web.post(
            "/meetings/import/confirm", data={"csrf_token": token, "name": names, "data": blobs}
        )
        assert done.status_code == 200
        said = re.search(r'<p id="files-summary">([^<]*)</p>', done.text)
        assert said is not None
        assert said.group(1) == (
            "3 件中 1 件を保存しました。 "
            "2 件は取り込み済みのため、新たに書き込んだものはありません。"
        )
        assert len(service.list_meetings(node, user.principal)) == 3


def test_the_import_form_names_the_languages_in_words(node: Node) -> None:
    """Walk 40: the document language was offered as "ja" and "en". Each language is
    named in itself, as the coordination form and the side-by-side texts name them."""
    add_user(node, "sato", roles=["author"])
    with TestClient(create_app(node)) as web:
        for lang in ("ja", "en"):
            _signed_in(node, web, lang)
            form = web.get("/meetings/import").text
            chosen = re.search(r'<select name="lang">(.*?)</select>', form, re.S)
            assert chosen is not None
            offered = re.findall(r'<option value="(?:ja|en)"\s*>([^<]*)<', chosen.group(1))
            assert offered == ["日本語", "English"]
