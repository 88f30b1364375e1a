"""An incident on the generic object page (/objects/{id}): its properties named and
its coded values said in the reader's language, as the incident pages say them
(walk 40 found cancel_reason, people_hurt, sofa_crime, cancelled and Point raw on the
Japanese page)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.incidents.model import AckCreate, CancelRequest, PublicCreate
from kizuna.domains.incidents.service import incidents, public_id_of
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event
from tests.factories import sign_in
from tests.factories.coordination import member

pytestmark = pytest.mark.sqlite_only

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
_NAMES = re.compile(r'<dt title="([^"]+)">([^<]*)</dt>')
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _properties(page: str) -> str:
    return page.split('<dl class="facts properties">', 1)[1].split("</dl>\n<details", 1)[0]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@SQLITE
def test_an_incident_reads_in_words_on_its_object_page(usa: Node) -> None:
    duty, _ = member(usa, "duty", nation="USA", roles=["author", "releasing_officer"],
                     bodies=["usfj"])  # fmt: skip
    g7, _ = member(usa, "g7", nation="USA", roles=["author"], bodies=["mcipac"])
    c = incidents(usa)
    made = c.record(duty, event(kind="sofa_crime", people_hurt=1))
    # The kind is routed to other bodies: an acknowledgement is of a fallen part's.
    fallen = c.record(duty, event())
    ack = c.acknowledge(g7, fallen.id, AckCreate(addressee="mcipac", comment="受領しました"))
    public = PublicCreate(
        title_en="Arrest", title_ja="逮捕", description_en="One.", description_ja="一件。"
    )
    c.release_public(duty, made.id, public)
    c.cancel(duty, made.id, CancelRequest(reason_en="Recorded in error", reason_ja="誤登録"))
    ids = (made.id, ack.id, public_id_of(made.id))
    with TestClient(create_app(usa), headers=JAPANESE) as web:
        sign_in(web, "g7", lang="ja")
        ja = {i: _properties(web.get(f"/objects/{i}").text) for i in ids}
        web.get("/lang/en")
        en = _properties(web.get(f"/objects/{made.id}").text)
    for stix_id, shown in ja.items():
        names = _NAMES.findall(shown)
        assert names, stix_id
        # Every property by its name, nested ones (the place's coordinates) too.
        assert [key for key, name in names if name == key or _SNAKE.search(name)] == []
        assert not _SNAKE.search(_text(shown)), stix_id
    event_ja = _text(ja[made.id])
    for words in (
        *("取消の理由", "取消の理由（日本語）", "負傷者", "座標", "都道府県", "事案の版"),
        *("発生日時：UTCとの時差", "地位協定に関わる事件・逮捕", "取消", "地点", "沖縄県"),
        "沖縄県北谷町",  # the municipality by its name, not its JIS X 0402 code
    ):
        assert words in event_ja, words
    for raw in ("sofa_crime", "cancelled", "Point", "473260"):
        assert raw not in event_ja, raw
    assert "確認者" in _text(ja[ack.id])
    english = _text(en)
    for words in ("Crime or arrest under the SOFA", "Cancelled", "Point", "Okinawa",
                  "People hurt", "Reason for cancelling (Japanese)", "Coordinates",
                  "Chatan Town"):  # fmt: skip
        assert words in english, words
    assert "473260" not in english
