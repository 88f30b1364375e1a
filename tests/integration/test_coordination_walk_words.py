"""Walk 48 #5 and #6: a tasker names its item by title, and the Japanese pages say
the mechanism's words rather than codes (a tasker's notice, the nations an item needs,
its region, a body in a handover's refusal), name the field a shift's times fault,
and use one term each for taskers and requests for information."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.coordination.inputs import TaskerCreate, TaskStatusCreate
from kizuna.domains.coordination.model import OfficeStatus
from kizuna.domains.coordination.service import coordination
from kizuna.runtime import Node
from tests.factories.coordination import cast, item, sign_in_as

pytestmark = pytest.mark.sqlite_only

CATALOG = Path("src/kizuna/web/locale/ja/LC_MESSAGES/messages.po")


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_a_tasker_names_its_item_and_its_notice_in_words(node: Node, client: TestClient) -> None:
    people = cast(node)
    c = coordination(node)
    sato = people["sato"][0]
    made = c.open_item(sato, item())
    tasker = c.issue_tasker(sato, TaskerCreate(
        title_en="Brief", title_ja="説明", issuing_body="jjoc", opr="mod-policy",
        suspense=datetime.now(UTC) + timedelta(days=3), coordination_item=made.id,
    ))  # fmt: skip
    sign_in_as(node, client, "sato", "en")
    shown = client.get(f"/coordination/taskers/{tasker.id}").text
    assert re.search(r'id="tasker-item">Air defence posture, Kyushu</a>', shown)
    sign_in_as(node, client, "sato", "ja")
    shown = _text(client.get(f"/coordination/taskers/{tasker.id}").text)
    assert "調整案件" in shown
    assert "項目" not in shown
    assert "未完了" in shown  # an open tasker is not 回答待ち (awaiting an answer)
    c.report_status(
        sato, tasker.id, TaskStatusCreate(office="mod-policy", status=OfficeStatus.COMPLETE)
    )
    for page in ("/coordination/notifications", "/"):
        said = _text(client.get(page).text)
        assert "発出したタスキングが完了しました" in said, page
        assert "tasker" not in said, page


def test_an_items_object_page_names_nations_and_its_region(node: Node, client: TestClient) -> None:
    people = cast(node)
    c = coordination(node)
    made = c.open_item(people["sato"][0], item())
    sign_in_as(node, client, "sato", "ja")
    said = _text(client.get(f"/objects/{made.id}").text)
    needs = re.search(r"回答が必要な国\s+(\S+)", said)
    assert needs
    assert needs.group(1) == "米国"
    region = c.structure.regions["kyushu"].name("ja")
    assert re.search(rf"地域\s+{region}", said)
    assert not re.search(r"地域\s+kyushu", said)


def test_a_handovers_refusals_name_the_body_and_the_field(node: Node, client: TestClient) -> None:
    cast(node)
    jjoc = coordination(node).structure.bodies["jjoc"].name("ja")
    csrf = sign_in_as(node, client, "sato", "ja")
    nobody = client.post(
        "/coordination/handovers",
        data={"body": "jjoc", "handed_to": "nobody", "csrf_token": csrf},
    )
    assert nobody.status_code == 422
    said = _text(nobody.text)
    assert "jjoc:" not in said
    assert f"nobodyは{jjoc}の構成員ではありません。" in said
    backwards = client.post(
        "/coordination/handovers",
        data={
            "body": "jjoc",
            "period_start": "2026-01-02T09:00",
            "period_end": "2026-01-01T09:00",
            "csrf_token": csrf,
        },
    )
    assert backwards.status_code == 422
    assert "当直終了：当直の終了は開始より後にしてください。" in _text(backwards.text)


def test_one_japanese_term_for_taskers_and_for_requests_for_information() -> None:
    said = CATALOG.read_text(encoding="utf-8")
    assert "タスカー" not in said
    assert "情報提供要求" not in said
