"""The REST routes, the pages and the CLI: recording, updating, cancelling,
acknowledging (in Japanese, on the page), exporting; bad input answered with a 4xx
(or exit 2) naming the problem, never a 500, and nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kizuna.cli.main import app as cli
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event
from tests.domains.incidents.test_events import counts
from tests.factories import PASSWORD, bearer, cookies
from tests.factories.coordination import member

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def web(usa: Node) -> Iterator[TestClient]:
    with TestClient(create_app(usa), headers=JAPANESE) as client:
        yield client


def payload(**overrides: object) -> dict:
    return json.loads(event(**overrides).model_dump_json())


def test_rest_records_updates_exports_and_refuses_bad_input(usa: Node, web: TestClient) -> None:
    _, token = member(
        usa, "duty", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"]
    )
    _, reader = member(
        usa, "low", nation="USA", roles=["reader"], clearance="UNCLASSIFIED", bodies=[]
    )
    answer = web.post("/api/v1/incidents/events", json=payload(), headers=bearer(token))
    assert answer.status_code == 201
    stix_id = answer.json()["id"]
    shown = web.get(f"/api/v1/incidents/events/{stix_id}", headers=bearer(token)).json()
    assert {n["addressee"] for n in shown["notices"]} == {"usfj", "mcipac"}
    assert web.get(f"/api/v1/incidents/events/{stix_id}", headers=bearer(reader)).status_code == 404
    cap = web.get(f"/api/v1/incidents/events/{stix_id}/cap", headers=bearer(token))
    assert cap.headers["content-type"] == "application/cap+xml; charset=utf-8"
    assert "<msgType>Alert</msgType>" in cap.text
    before = counts(usa)
    for bad, field in (
        ({**payload(), "place": {"geometry": {"type": "Point", "coordinates": [127.7, 26.3]},
                                  "municipalities": ["999999"]}}, "place.municipalities"),
        (payload(occurred="2099-01-01T00:00:00+09:00", learned="2099-01-01T00:00:00+09:00"),
         "occurred"),
        (payload(place={"geometry": {"type": "Point", "coordinates": [139.0, 52.0]},
                        "municipalities": ["473260"]}), "place.geometry"),
    ):  # fmt: skip
        refused = web.post("/api/v1/incidents/events", json=bad, headers=bearer(token))
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == field
    assert counts(usa) == before
    cancel = {"reason_en": "duplicate", "reason_ja": "重複"}
    url = f"/api/v1/incidents/events/{stix_id}"
    assert web.post(f"{url}/cancel", json=cancel, headers=bearer(token)).status_code == 201
    again = web.post(f"{url}/updates", json={"damage": "x"}, headers=bearer(token))
    assert again.status_code == 422
    assert "cancelled" in again.json()["detail"]
    got = web.get("/api/v1/incidents/events.csv", headers=bearer(token))
    assert got.content.startswith(b"\xef\xbb\xbf")  # for Excel on a Japanese Windows
    csv_text = got.content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith(f'{stix_id},"CONFIDENTIAL//REL TO JPN, USA"')
    assert web.get("/api/v1/incidents/events.csv", headers=bearer(reader)).text.count("\n") == 1


def _login(web: TestClient, username: str) -> str:
    web.get("/login")
    csrf = web.cookies.get(cookies(web).csrf)
    assert csrf
    answer = web.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf, "next": "/incidents"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    # A new form token comes with the session (tests/integration/test_csrf_binding.py).
    signed_in = web.cookies.get(cookies(web).csrf)
    assert signed_in
    return signed_in


def test_a_member_acknowledges_on_the_page_in_japanese(usa: Node, web: TestClient) -> None:
    _, token = member(
        usa, "duty", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"]
    )
    member(usa, "g7", nation="USA", roles=["author"], bodies=["mcipac"])
    stix_id = web.post("/api/v1/incidents/events", json=payload(), headers=bearer(token)).json()[
        "id"
    ]
    web.cookies.clear()
    csrf = _login(web, "g7")
    web.get("/lang/ja")
    page = web.get(f"/incidents/events/{stix_id}")
    assert "受領" in page.text
    assert "部品落下" in page.text
    done = web.post(
        f"/incidents/events/{stix_id}/acknowledge",
        data={"addressee": "mcipac", "comment": "了解", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = web.get(f"/incidents/events/{stix_id}").text
    assert 'data-addressee="mcipac" data-acked="yes"' in page
    assert 'data-addressee="usfj" data-acked="no"' in page
    # A second acknowledgement for the same body is refused on the page, not a 500.
    twice = web.post(
        f"/incidents/events/{stix_id}/acknowledge",
        data={"addressee": "usfj", "csrf_token": csrf},
    )
    assert twice.status_code == 403
    # In the reader's language (the page is Japanese), not the service's English.
    assert "あなたはこの組織に所属していません。" in twice.text
    assert "not a member of usfj" not in twice.text


def test_the_cli_records_and_refuses_bad_input_with_exit_2(usa: Node, tmp_path: Path) -> None:
    member(usa, "duty", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"])
    env = {
        "KIZUNA_DATABASE_URL": str(usa.db.url.render_as_string(hide_password=False)),
        "KIZUNA_KEY_FILE": str(usa.settings.key_file),
    }
    good = tmp_path / "event.json"
    good.write_text(json.dumps(payload()))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**payload(), "kind": "meteor"}))
    runner = CliRunner()
    ok = runner.invoke(cli, ["incidents", "record", "--as", "duty", str(good)], env=env)
    assert ok.exit_code == 0, ok.output
    before = counts(usa)
    refused = runner.invoke(cli, ["incidents", "record", "--as", "duty", str(bad)], env=env)
    assert refused.exit_code == 2
    assert "unknown kind 'meteor'" in refused.output
    assert counts(usa) == before
    exported = runner.invoke(
        cli, ["incidents", "export", "--as", "duty", "--format", "geojson"], env=env
    )
    assert exported.exit_code == 0
    assert json.loads(exported.output)["features"][0]["properties"]["kind"] == "part_fall"


def test_the_record_form_names_each_problem_in_the_readers_language(
    usa: Node, web: TestClient
) -> None:
    member(usa, "duty", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"])
    csrf = _login(web, "duty")
    web.get("/lang/ja")
    good = {
        "kind": "part_fall", "title_en": "Panel fell", "title_ja": "パネル落下",
        "occurred": "2026-12-01T13:40:00+09:00", "learned": "2026-12-01T13:55:00+09:00",
        "lon": "127.764", "lat": "26.309", "municipality": "473260",
        "label": "CONFIDENTIAL//REL TO JPN, USA", "csrf_token": csrf,
    }  # fmt: skip
    before = counts(usa)
    for change, said in (
        ({"title_en": ""}, "件名（英語）：入力してください。"),
        ({"occurred": "yesterday"}, "発生日時：日時は 2026-12-07T17:00+09:00 の形"),
        (
            {"occurred": "2099-01-01T00:00:00+09:00", "learned": "2099-01-01T00:00:00+09:00"},
            "発生日時：未来の日時は指定できません。",
        ),
        ({"municipality": "999999"}, "市町村コード：「473260」のように、JIS X 0402"),
        ({"label": "SECRET//NOPE//REL TO JPN, USA"}, "区分：規程に区画「NOPE」はありません。"),
    ):
        refused = web.post("/incidents/new", data={**good, **change})
        assert refused.status_code == 422, change
        assert said in refused.text, (change, refused.text[-3000:])
        # The form comes back with what was typed.
        assert 'value="パネル落下"' in refused.text
    assert counts(usa) == before


def test_rest_says_a_validators_words_without_pydantics_prefix(usa: Node, web: TestClient) -> None:
    """Walk 46: details read "Value error, the occurred time needs its zone…"."""
    _, token = member(usa, "duty", nation="USA", roles=["author"], bodies=["usfj"])
    place = {"geometry": {"type": "Point", "coordinates": [127.764, 26.309]},
             "municipalities": ["473250"]}  # fmt: skip
    for bad, said in (
        ({**payload(), "occurred": "2026-12-01T13:40:00"}, "needs its zone"),
        ({**payload(), "place": place}, "unknown municipality code '473250'"),
    ):
        refused = web.post("/api/v1/incidents/events", json=bad, headers=bearer(token))
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        details = [problem["detail"], *(e["detail"] for e in problem.get("errors", []))]
        assert any(said in d for d in details), details
        assert not any("Value error" in d for d in details), details
