"""The local bodies a notice is addressed to (a town, the prefecture) are bodies of the
node: an operator adds their people, who sign in and acknowledge what was addressed to
their body, and only that; the reminders of an acknowledged notice stop (walk 48)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.domains.incidents.schema import inc_notices, inc_steps
from kizuna.domains.incidents.service import incidents
from kizuna.identity import service as identity
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import FrozenClock, event, make_node
from tests.factories import PASSWORD, bearer, sign_in
from tests.factories.coordination import member

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


def _add(node: Node, name: str, body: str) -> None:
    result = CliRunner().invoke(
        app,
        ["user", "add", name, "--nation", "JPN", "--clearance", "SECRET", "--role",
         "coordinator", "--body", body, "--password-stdin", "--db", node.settings.database_url],
        input=PASSWORD + "\n",
        env={"KIZUNA_KEY_FILE": str(node.settings.key_file)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def _acked(node: Node) -> dict[str, str | None]:
    with node.db.read() as conn:
        rows = conn.execute(select(inc_notices.c.addressee, inc_notices.c.acked_by)).all()
    return {r.addressee: r.acked_by for r in rows}


def test_a_town_and_the_prefecture_acknowledge_their_notices_and_are_reminded_no_more(
    db_url: str, tmp_path: Path, frozen: FrozenClock
) -> None:
    jpn = make_node(db_url, tmp_path, "JPN")
    try:
        author, _ = member(jpn, "jauthor", nation="JPN", roles=["author", "releasing_officer"],
                           bodies=["jjoc"])  # fmt: skip
        # The walk: "unknown body 'kadena'; known: 5af, acg, ...".
        _add(jpn, "kadena-liaison", "kadena")
        _add(jpn, "pref-liaison", "okinawa-pref")
        made = incidents(jpn).record(author, event())
        told = _acked(jpn)
        assert {"kadena", "chatan", "okinawa-pref"} <= told.keys()
        path = f"/incidents/events/{made.id}"
        with TestClient(create_app(jpn)) as web:
            csrf = sign_in(web, "kadena-liaison", lang="ja")
            page = web.get(path).text
            assert 'id="acknowledge"' in page
            form = page.split('class="ack"', 1)[1].split("</form>", 1)[0]
            # Offered for the town, in words, and for no other body.
            assert re.findall(r'<option value="([^"]+)">([^<]+)<', form) == [("kadena", "嘉手納町")]
            # Another town's notice is not theirs to sign for.
            other = web.post(f"{path}/acknowledge",
                             data={"addressee": "chatan", "csrf_token": csrf})  # fmt: skip
            assert other.status_code == 403
            done = web.post(f"{path}/acknowledge", data={"addressee": "kadena", "csrf_token": csrf})
            assert done.status_code == 200  # the redirect, followed to the event
            assert 'id="acknowledge"' not in done.text
            # The prefecture's liaison acknowledges over REST.
            with jpn.db.write() as conn:
                pref = identity.find_user(conn, "pref-liaison")
                assert pref is not None
                token = identity.issue_token(conn, user=pref, actor="test")
            rest = web.post(f"/api/v1/incidents/events/{made.id}/acknowledgements",
                            json={"addressee": "okinawa-pref"}, headers=bearer(token))  # fmt: skip
            assert rest.status_code == 201, rest.text
            again = web.post(f"/api/v1/incidents/events/{made.id}/acknowledgements",
                             json={"addressee": "chatan"}, headers=bearer(token))  # fmt: skip
            assert again.status_code == 403
        acked = _acked(jpn)
        assert acked["kadena"] == "kadena-liaison"
        assert acked["okinawa-pref"] == "pref-liaison"
        assert acked["chatan"] is None
        # Past the flash deadline: the towns that did not answer are reminded, not these.
        frozen.advance(hours=1, minutes=1)
        reminded = {f.addressee for f in incidents(jpn).scan() if f.kind == "reminder"}
        assert "chatan" in reminded
        assert not reminded & {"kadena", "okinawa-pref"}
        with jpn.db.read() as conn:
            steps = conn.execute(
                select(inc_notices.c.addressee, inc_steps.c.status).join(
                    inc_notices, inc_notices.c.pk == inc_steps.c.notice_pk
                )
            ).all()
        assert {s.status for s in steps if s.addressee in ("kadena", "okinawa-pref")} == {
            "cancelled"
        }
    finally:
        jpn.db.dispose()
