"""Choosing a report's contents from a search (web/picker.py), in both languages.

Find sends the form back whole and creates nothing; the hits are what the author may
read, and the banner covers them; a ticked hit is in the report made; a chosen id the
author may not read reads exactly like one of no object.
"""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, report, sign_in

SEEN = "SECRET//REL TO JPN"
HIDDEN = "TOP SECRET//REL TO JPN"


def _reports(node: Node) -> int:
    with node.db.read() as conn:
        return int(
            conn.exec_driver_sql("SELECT count(*) FROM access WHERE type = 'report'").scalar_one()
        )


def _seed(node: Node) -> tuple[str, str]:
    with node.db.write() as conn:
        seen = node.store.create_in(
            conn, node.system, report("Harbour patrol north"), parse(node.policy, SEEN)
        )
        hidden = node.store.create_in(
            conn, node.system, report("Harbour patrol covert"), parse(node.policy, HIDDEN)
        )
    return seen.id, hidden.id


def test_a_search_finds_what_the_author_may_read_and_keeps_the_form(node: Node) -> None:
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    seen, hidden = _seed(node)
    before = _reports(node)
    with TestClient(create_app(node)) as client:
        csrf = sign_in(client, "sato", lang="en")
        answer = client.post(
            "/intel/reports",
            data={
                "csrf_token": csrf,
                "name": "Weekly harbour summary",
                "description": "kept as typed",
                "object_refs_q": "Harbour patrol",
                "find": "object_refs",
            },
        )
        assert answer.status_code == 200, answer.text
        page = answer.text
        assert f'value="{seen}"' in page
        assert "Harbour patrol north" in page
        assert hidden not in page
        assert "covert" not in page
        assert 'value="Weekly harbour summary"' in page
        assert "kept as typed" in page
        # The hit is SECRET: the banner says so.
        top = re.search(r'id="banner-top"[^>]*>([^<]+)<', page)
        assert top
        assert top.group(1).startswith("SECRET")
        assert _reports(node) == before  # Find creates nothing

        made = client.post(
            "/intel/reports",
            data={
                "csrf_token": csrf,
                "name": "Weekly harbour summary",
                "object_refs": seen,
                "label": SEEN,
            },
            follow_redirects=False,
        )
        assert made.status_code == 303, made.text
        stix_id = made.headers["location"].rsplit("/", 1)[1]
        stored = node.store.get(node.system, stix_id)
        assert stored.object["object_refs"] == [seen]


def test_a_chosen_hidden_id_reads_like_an_id_of_no_object(node: Node) -> None:
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    _seen, hidden = _seed(node)
    absent = f"report--{uuid.uuid4()}"
    with TestClient(create_app(node)) as client:
        csrf = sign_in(client, "sato", lang="en")

        def chosen(stix_id: str) -> str:
            answer = client.post(
                "/intel/reports",
                data={
                    "csrf_token": csrf,
                    "name": "x",
                    "object_refs": stix_id,
                    "object_refs_q": "",
                    "find": "object_refs",
                },
            )
            assert answer.status_code == 200
            item = re.search(r'<ul class="picked">(.*?)</ul>', answer.text, re.S)
            assert item
            return item.group(1).replace(stix_id, "ID")

        assert chosen(hidden) == chosen(absent)
        assert "Harbour" not in chosen(hidden)


def test_the_picker_speaks_japanese(node: Node) -> None:
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    seen, _hidden = _seed(node)
    with TestClient(create_app(node)) as client:
        csrf = sign_in(client, "sato", lang="ja")
        page = client.get("/intel/reports").text
        assert "語句で対象を探して選んでください" in page
        answer = client.post(
            "/intel/reports",
            data={
                "csrf_token": csrf,
                "name": "x",
                "object_refs_q": "存在しない語句",
                "find": "object_refs",
            },
        )
        assert "閲覧できるもののうち、この語を含むものはありません。" in answer.text
        answer = client.post(
            "/intel/reports",
            data={
                "csrf_token": csrf,
                "name": "x",
                "object_refs_q": "Harbour",
                "find": "object_refs",
            },
        )
        assert f'value="{seen}"' in answer.text
        assert "検索" in answer.text


def test_an_intel_list_counts_what_the_reader_may_read_and_leads_to_sorting(node: Node) -> None:
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    _seed(node)  # one report the author may read, one they may not
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="en")
        page = client.get("/intel/reports").text
        assert re.search(r'id="count">Objects you may read: 1\b', page)
        assert 'href="/objects?type=report"' in page


def test_an_answer_to_an_item_goes_by_its_comment_or_its_kind(node: Node) -> None:
    """Walk 35: an answer to a coordination item has none of the naming properties, so
    the picker listed it by its id. It goes by its comment, else by its kind, alike
    from the search (Python's title) and among the chosen (SQL's title); a reader who
    may not read it finds nothing."""
    from kizuna.domains.coordination.inputs import ResponseCreate
    from kizuna.domains.coordination.model import ResponseKind
    from kizuna.domains.coordination.service import coordination
    from tests.factories.coordination import cast, item, member

    people = cast(node)
    sato, davis = people["sato"][0], people["davis"][0]
    member(node, "mori", nation="JPN", roles=["author"], bodies=["jjoc"], clearance="CONFIDENTIAL")
    c = coordination(node)
    first = c.open_item(sato, item())
    second = c.open_item(sato, item(title_en="Tanker basing"))
    plain = c.respond(davis, first.id, ResponseCreate(kind=ResponseKind.CONCUR))
    reasoned = c.respond(
        davis, second.id, ResponseCreate(kind=ResponseKind.NON_CONCUR, comment="Runway closed")
    )
    with TestClient(create_app(node)) as client:
        csrf = sign_in(client, "sato", lang="en")
        answer = client.post(
            "/intel/reports",
            data={
                "csrf_token": csrf,
                "name": "x",
                "object_refs": plain.id,
                "object_refs_q": "Runway closed",
                "find": "object_refs",
            },
        )
        assert answer.status_code == 200, answer.text
        titles = re.compile(
            r'value="([^"]+)"[^>]*>\s*<span class="chip[^"]*">[^<]*</span> ([^<]*)</label>'
        )
        shown = dict(titles.findall(answer.text))
        # Found by the search, and among the chosen.
        assert shown == {reasoned.id: "Runway closed", plain.id: "concur"}
    with TestClient(create_app(node)) as client:
        csrf = sign_in(client, "mori", lang="en")
        answer = client.post(
            "/intel/reports",
            data={"csrf_token": csrf, "name": "x", "object_refs_q": "Runway closed",
                  "find": "object_refs"},
        )  # fmt: skip
        assert answer.status_code == 200
        assert reasoned.id not in answer.text
        assert "Runway closed" not in answer.text.replace('value="Runway closed"', "")
