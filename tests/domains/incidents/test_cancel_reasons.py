"""A cancel's reason is given in both languages, as an event's titles are: the Cancel
reaches the bodies of both nations. Walk 48: on the JPN node the English reason was
required and the Japanese one not; the page, REST and the CLI now all ask for both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kizuna.cli.main import app as cli
from kizuna.domains.incidents.service import incidents
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event, make_node
from tests.domains.incidents.test_events import counts
from tests.factories import bearer, sign_in
from tests.factories.coordination import member

pytestmark = pytest.mark.sqlite_only


def _error(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    assert found, "no error on the page"
    return re.sub(r"\s+", " ", found.group(1))


def test_a_cancel_without_its_japanese_or_english_reason_is_refused_everywhere(
    db_url: str, tmp_path: Path
) -> None:
    jpn = make_node(db_url, tmp_path, "JPN")
    try:
        author, token = member(jpn, "jauthor", nation="JPN",
                               roles=["author", "releasing_officer"], bodies=["jjoc"])  # fmt: skip
        made = incidents(jpn).record(author, event(label="CONFIDENTIAL//REL TO JPN, USA"))
        path = f"/incidents/events/{made.id}/cancel"
        before = {k: v for k, v in counts(jpn).items() if k != "audit"}  # sign-ins
        with TestClient(create_app(jpn)) as web:
            csrf = sign_in(web, "jauthor", lang="ja")
            page = web.get(f"/incidents/events/{made.id}").text
            assert re.search(r'id="cancel-reason-ja"[^>]*required', page)
            english_only = web.post(path, data={"reason_en": "Recorded twice", "csrf_token": csrf})
            assert english_only.status_code == 422
            assert _error(english_only.text).startswith("理由（日本語）："), _error(
                english_only.text
            )
            assert 'value="Recorded twice"' in english_only.text
            csrf = sign_in(web, "jauthor", lang="en")
            japanese_only = web.post(path, data={"reason_ja": "二重登録", "csrf_token": csrf})
            assert japanese_only.status_code == 422
            assert _error(japanese_only.text).startswith("Reason (English):")
            assert 'value="二重登録"' in japanese_only.text
            rest = web.post(
                f"/api/v1/incidents/events/{made.id}/cancel",
                json={"reason_en": "Recorded twice"},
                headers=bearer(token),
            )
            assert rest.status_code == 422
            assert rest.json()["field"] == "reason_ja"
        refused = CliRunner().invoke(
            cli,
            ["incidents", "cancel", "--as", "jauthor", made.id, "--reason", "Recorded twice"],
            env={"KIZUNA_DATABASE_URL": db_url, "KIZUNA_KEY_FILE": str(jpn.settings.key_file)},
        )
        assert refused.exit_code == 2
        assert "--reason-ja" in " ".join(refused.output.split())
        assert {k: v for k, v in counts(jpn).items() if k != "audit"} == before
        done = CliRunner().invoke(
            cli,
            ["incidents", "cancel", "--as", "jauthor", made.id, "--reason", "Recorded twice",
             "--reason-ja", "二重登録"],
            env={"KIZUNA_DATABASE_URL": db_url, "KIZUNA_KEY_FILE": str(jpn.settings.key_file)},
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        body = incidents(jpn).store.get(author, made.id).object
        assert (body["cancel_reason"], body["cancel_reason_ja"]) == ("Recorded twice", "二重登録")
    finally:
        jpn.db.dispose()
