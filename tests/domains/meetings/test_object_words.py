"""A meeting record on the generic object page and its own page says each thing in
its own words (walk 46: an attendee's name and office both read "Title" (件名), the
nation a code, and the correction form of one decision offered "Commitments")."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.meetings import service
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.meetings.test_ingest import SEED
from tests.factories import PASSWORD, add_user, sign_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _attendee_terms(page: str) -> list[str]:
    """The words of the first attendee's properties, in their order on the page."""
    found = re.search(r'<dt title="attendees">.*?<dl class="nested">(.*?)</dl>', page, re.DOTALL)
    assert found is not None, "no attendees"
    return re.findall(r"<dt[^>]*>([^<]*)</dt><dd>(?:<span class=\"text\">)?([^<]*)", found.group(1))


@pytest.mark.parametrize(
    ("lang", "name", "title", "nation"),
    [("ja", "氏名", "役職", "日本"), ("en", "Name", "Official title", "Japan")],
)
def test_an_attendee_reads_as_a_person(
    node: Node, lang: str, name: str, title: str, nation: str
) -> None:
    user, _ = add_user(node, "sato", roles=["author"], password=PASSWORD)
    made = service.import_summary(
        node, user.principal, SEED, lang="ja", label=parse(node.policy, "UNCLASSIFIED//REL TO JPN")
    )
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang=lang)
        page = client.get(f"/objects/{made.meeting_id}")
        assert page.status_code == 200, page.text
        terms = dict(_attendee_terms(page.text))
        assert terms[name] == "上川陽子"
        assert terms[title] == "外務大臣"
        assert terms["国" if lang == "ja" else "Nation"] == nation
        assert ("件名" if lang == "ja" else "Title") not in terms
        meeting = client.get(f"/meetings/{made.meeting_id}").text
    box = re.search(r'name="commitment" value="1"[^>]*> ([^<]+)</label>', meeting)
    assert box is not None
    assert box.group(1) == ("コミットメント" if lang == "ja" else "Commitment")
