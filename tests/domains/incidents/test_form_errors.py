"""Every field at fault is named at once. Walk: the record form showed only the first
error when two fields were wrong (a latitude out of range and a prefecture's code; a
label and a time), and its reader fixed one, sent it again, and met the next. The
form says each, REST lists each in `errors`, and so does the CLI."""

from __future__ import annotations

import json
import re
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
from tests.factories import bearer, sign_in
from tests.factories.coordination import member

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

pytestmark = pytest.mark.sqlite_only

FORM = {
    "kind": "part_fall", "title_en": "Panel fell", "title_ja": "パネル落下",
    "occurred": "2026-12-01T13:40+09:00", "learned": "2026-12-01T13:55+09:00",
    "lon": "127.764", "lat": "26.309", "municipality": "473260",
    "label": "CONFIDENTIAL//REL TO USA",
}  # fmt: skip


@pytest.fixture
def web(usa: Node) -> Iterator[TestClient]:
    member(usa, "duty", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"])
    with TestClient(create_app(usa), headers=JAPANESE) as client:
        yield client


def error_of(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    assert found, "no error on the page"
    return re.sub(r"\s+", " ", found.group(1)).replace("&#39;", "'")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        # Two fields of the request itself.
        ({"lat": "95", "municipality": "470007"},
         ["Position: the latitude is a number from −90 to 90.",
          "Municipality codes: this is a prefecture's code"]),
        ({"occurred": "2026-12-01T13:40", "kind": "ufo"},
         ["Kind: choose one of the offered values.", "Occurred: give the time with its zone"]),
        # Two the rules find: the label, and the times.
        ({"label": "SECRET//REL TO MARS", "learned": "2026-12-01T13:00+09:00"},
         ["Label: ", "Learned: the learned time comes after the occurrence."]),
        # More than three at once: each of them.
        ({"title_en": "", "kind": "ufo", "municipality": "47325", "unit": "u" * 201},
         ["Title (English): this field is required.", "Kind: choose one of the offered",
          "Municipality codes: enter six digits", "Unit: at most 200 characters."]),
    ],
)  # fmt: skip
def test_the_record_form_names_every_field_at_fault(
    usa: Node, web: TestClient, change: dict[str, str], said: list[str]
) -> None:
    csrf = sign_in(web, "duty", lang="en")
    before = {k: v for k, v in counts(usa).items() if k != "audit"}
    page = web.post("/incidents/new", data={**FORM, "csrf_token": csrf, **change})
    assert page.status_code == 422
    shown = error_of(page.text)
    for words in said:
        assert words in shown, shown
    assert {k: v for k, v in counts(usa).items() if k != "audit"} == before


def test_rest_and_the_cli_list_every_field_at_fault(
    usa: Node, web: TestClient, tmp_path: Path
) -> None:
    _, token = member(usa, "jones", nation="USA", roles=["author"], bodies=["usfj"])
    good = json.loads(event().model_dump_json())
    bad = {**good, "label": "SECRET//REL TO MARS", "learned": "2026-12-01T13:00:00+09:00"}
    answer = web.post("/api/v1/incidents/events", json=bad, headers=bearer(token))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["field"] == "label"
    assert [e["field"] for e in problem["errors"]] == ["label", "learned"]
    assert "learned after it occurs" in problem["errors"][1]["detail"]
    assert "MARS" in problem["errors"][0]["detail"]
    both = {**good, "kind": "ufo", "damage": "a\x00door"}
    answer = web.post("/api/v1/incidents/events", json=both, headers=bearer(token))
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["kind", "damage"]

    env = {
        "KIZUNA_DATABASE_URL": str(usa.db.url.render_as_string(hide_password=False)),
        "KIZUNA_KEY_FILE": str(usa.settings.key_file),
    }
    runner = CliRunner()
    for body, named in ((bad, ("label:", "learned:")), (both, ("kind:", "damage:"))):
        file = tmp_path / "event.json"
        file.write_text(json.dumps(body))
        refused = runner.invoke(cli, ["incidents", "record", "--as", "jones", str(file)], env=env)
        assert refused.exit_code == 2
        output = " ".join(refused.output.split())
        for name in named:
            assert name in output, output


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("ja", ["発生日時：日時は 2026-12-07T17:00+09:00 の形",
                "市町村コード：市区町村コードが場所とは別の都道府県のもの"]),
        ("en", ["Occurred: write the date and time as 2026-12-07T17:00+09:00",
                "Municipality codes: "]),
    ],
)  # fmt: skip
def test_a_time_in_another_form_and_a_code_far_from_the_place_are_named_together(
    usa: Node, web: TestClient, lang: str, said: list[str]
) -> None:
    # Walk 48: only 「発生日時：日時を入力してください。」, as if no time had been typed.
    csrf = sign_in(web, "duty", lang=lang)
    typed = {"occurred": "2026/12/07 17:00", "municipality": "131016",
             "lon": "127.68", "lat": "26.21"}  # fmt: skip
    page = web.post("/incidents/new", data={**FORM, "csrf_token": csrf, **typed})
    assert page.status_code == 422
    shown = error_of(page.text)
    for words in said:
        assert words in shown, shown
    assert 'value="2026/12/07 17:00"' in page.text
    assert 'value="131016"' in page.text


def test_a_description_holding_a_bidirectional_control_is_named_in_the_readers_words(
    usa: Node, web: TestClient
) -> None:
    """Stop 46: an event's description refuses U+202E (every reader of the notice would
    read it reordered). The form says which field and why, in Japanese, and stores
    nothing."""
    csrf = sign_in(web, "duty", lang="ja")
    before = {k: v for k, v in counts(usa).items() if k != "audit"}
    change = {"description_ja": "パネル\u202e下落"}
    page = web.post("/incidents/new", data={**FORM, "csrf_token": csrf, **change})
    assert page.status_code == 422
    shown = error_of(page.text)
    assert "説明（日本語）" in shown, shown
    assert "U+202E を削除してください" in shown, shown
    assert "通報に含めることはできません" in shown, shown
    assert {k: v for k, v in counts(usa).items() if k != "audit"} == before
