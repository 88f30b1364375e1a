"""A reader chooses the time zone they read times in (`/account`), in both languages:
every page shows times in it, the choice is audited, a zone that does not exist is
refused in the reader's words and changes nothing, and "my nation's" goes back to JST
for a Japanese reader."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.db.schema import audit_log
from kizuna.identity import service as identity
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, report, sign_in

pytestmark = pytest.mark.sqlite_only


def _shown_zone(client: TestClient, stix_id: str) -> str:
    """The zone name after the time on an object page's Modified line."""
    html = client.get(f"/objects/{stix_id}").text
    found = re.search(r"<time [^>]*>\d{4}-\d{2}-\d{2} \d{2}:\d{2} ([^<]+)</time>", html)
    assert found, html
    return found.group(1)


def test_a_reader_reads_times_in_the_zone_they_chose(node: Node) -> None:
    add_user(node, "sato", password=PASSWORD)
    with node.db.write() as conn:
        made = node.store.create_in(
            conn, node.system, report(), parse(node.policy, "SECRET//REL TO JPN")
        )
    with TestClient(create_app(node)) as client:
        csrf = sign_in(client, "sato", lang="en")
        assert _shown_zone(client, made.id) == "JST"  # a Japanese reader's default
        answer = client.post(
            "/account/zone",
            data={"csrf_token": csrf, "zone": "America/New_York"},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert _shown_zone(client, made.id) in ("EST", "EDT")
        with node.db.read() as conn:
            user = identity.find_user(conn, "sato")
            assert user is not None
            assert user.principal.zone == "America/New_York"
            entries = conn.execute(
                select(audit_log.c.actor, audit_log.c.detail).where(
                    audit_log.c.action == "user.zone"
                )
            ).all()
        assert [e.actor for e in entries] == ["sato"]
        assert "America/New_York" in entries[0].detail
        # Back to the nation's.
        client.post("/account/zone", data={"csrf_token": csrf, "zone": ""})
        assert _shown_zone(client, made.id) == "JST"


def test_a_zone_that_does_not_exist_is_refused_in_the_readers_words(node: Node) -> None:
    add_user(node, "sato", password=PASSWORD)
    said = {
        "en": "Time zone: choose one of the offered values.",
        "ja": "タイムゾーン：",
    }
    with TestClient(create_app(node)) as client:
        for lang, words in said.items():
            csrf = sign_in(client, "sato", lang=lang)
            answer = client.post(
                "/account/zone", data={"csrf_token": csrf, "zone": "Mars/Olympus_Mons"}
            )
            assert answer.status_code == 422
            assert answer.headers["content-type"].startswith("text/html")
            assert words in answer.text
            # The choice comes back as sent, and nothing changed.
            assert "<option selected>Mars/Olympus_Mons</option>" in answer.text
            with node.db.read() as conn:
                user = identity.find_user(conn, "sato")
                assert user is not None
                assert user.principal.zone is None
            client.cookies.clear()
