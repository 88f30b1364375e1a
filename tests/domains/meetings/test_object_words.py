"""A meeting record on the generic object page and its own page says each thing in
its own words (walk 46: an attendee's name and office both read "Title" (件名), the
nation a code, and the correction form of one decision offered "Commitments")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.meetings import service
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.meetings.test_ingest import SEED
from tests.factories import PASSWORD, add_user, sign_in

CORPUS = Path(__file__).parent / "corpus"

pytestmark = pytest.mark.sqlite_only


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


def _terms(page: str) -> list[tuple[str, str, str]]:
    """(property, its words, its value's words) of every property on an object page."""
    found = re.findall(r'<dt title="([^"]+)">([^<]*)</dt><dd>(?:<span class="text">)?([^<]*)', page)
    return [(k, n, v.strip()) for k, n, v in found]


def test_a_records_codes_and_yes_or_no_read_in_words(node: Node) -> None:
    """Walk 49 #4: a finding's kind was named "Kind of document", codes stayed English
    on the Japanese page, and yes-or-no properties read 0 and 1."""
    from kizuna.domains.meetings import model

    user, _ = add_user(node, "sato", roles=["author"], password=PASSWORD)
    label = parse(node.policy, "UNCLASSIFIED//REL TO JPN")
    seed = service.import_summary(node, user.principal, SEED, lang="ja", label=label)
    local = (CORPUS / "2023-01-11_gaisho-kaidan-gaiyo_ja.txt").read_bytes()
    other = service.import_summary(node, user.principal, local, lang="ja", label=label)
    decision = next(o for o in seed.objects if o["type"] == model.DECISION)
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="ja")
        meeting = _terms(client.get(f"/objects/{seed.meeting_id}").text)
        zoned = _terms(client.get(f"/objects/{other.meeting_id}").text)
        decided = _terms(client.get(f"/objects/{decision['id']}").text)
    assert ("date_source", "日付の出所", "見出し") in meeting
    kinds = [n for k, n, _ in meeting if k == "kind"]
    assert kinds[0] == "文書の種類"
    assert set(kinds[1:]) == {"指摘の種類"}  # each finding's
    assert ("start_zone", "タイムゾーン", "現地時間") in zoned
    flags = {k: v for k, _, v in decided if k in ("commitment", "restated", "reported")}
    assert flags == {
        k: ("はい" if decision[k] else "いいえ") for k in ("commitment", "restated", "reported")
    }
    names = [(n, v) for k, n, v in decided if k in ("kind", "text")]
    assert ("名称の種類", "国") in names
    assert ("本文中の表記", "日本") in names
    assert not {"heading", "local", "nation", "place", "organisation"} & {
        v for page in (meeting, zoned, decided) for _, _, v in page
    }


def test_the_correction_forms_refusal_names_the_field_as_the_form_does(node: Node) -> None:
    """Walk 49 #4: the form's "Decided by" (主体) was "Actor" (実行者) in its error."""
    from kizuna.domains.meetings import model

    user, _ = add_user(node, "sato", roles=["author"], password=PASSWORD)
    label = parse(node.policy, "UNCLASSIFIED//REL TO JPN")
    seed = service.import_summary(node, user.principal, SEED, lang="ja", label=label)
    decision = next(o for o in seed.objects if o["type"] == model.DECISION)
    with TestClient(create_app(node)) as client:
        csrf = sign_in(client, "sato", lang="ja")
        page = client.post(
            f"/meetings/{seed.meeting_id}/decisions/{decision['id']}",
            data={"csrf_token": csrf, "actor": "nobody", "stance": decision["stance"]},
        )
        assert page.status_code == 422, page.text
        assert '<span class="error" id="correct-error">主体：' in page.text
        assert "実行者" not in page.text
