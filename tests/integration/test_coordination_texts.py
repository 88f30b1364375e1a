"""Texts are shown as written, as titles are (walk 48 #2): a right-to-left override in
a watch-log entry reversed it in the next shift's log and handover, and in an answer's
comment on every reader's item page. Every text of the mechanism that one user types
and others read refuses bidirectional controls on every path, naming the field in the
writer's language: the forms, REST and the command line through their inputs, any
other path (a generic write, a peer's arrival) through the owner's rules."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.db.schema import objects
from kizuna.domains.coordination.inputs import (
    DeterminationCreate,
    ItemCreate,
    ReplyCreate,
    ResponseCreate,
    RfiCreate,
    TaskerCreate,
    TaskStatusCreate,
    TranslationVerify,
)
from kizuna.domains.coordination.owner import check_item_body
from kizuna.domains.coordination.service import coordination
from kizuna.domains.coordination.staff_owner import check_rfi_body
from kizuna.domains.coordination.watch_model import HANDOVER_TYPE, EntryCreate
from kizuna.domains.coordination.watch_owner import check_entry_body, handover_rules
from kizuna.errors import Invalid
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.store.owners import Write
from tests.factories import bearer
from tests.factories.coordination import cast, item, sign_in_as

pytestmark = pytest.mark.sqlite_only

REVERSED = "\u202eテスト"
LABEL = "SECRET//REL TO JPN, USA"


def _objects(node: Node) -> int:
    with node.db.read() as conn:
        return conn.execute(select(func.count()).select_from(objects)).scalar_one()


@pytest.mark.parametrize(
    ("lang", "field", "said"),
    [
        ("en", "Text (Japanese)", "remove U+202E"),
        ("ja", "本文（日本語）", "U+202Eを削除してください"),
    ],
)
def test_a_watch_entry_with_a_bidi_control_is_refused_naming_the_field(
    node: Node, client: TestClient, lang: str, field: str, said: str
) -> None:
    people = cast(node)
    before = _objects(node)
    rest = client.post(
        "/api/v1/coordination/watch",
        json={"body": "jjoc", "kind": "event", "text_ja": REVERSED, "label": LABEL},
        headers=bearer(people["sato"][1]),
    )
    assert rest.status_code == 422, rest.text
    assert "text_ja" in rest.text
    assert "U+202E" in rest.text
    csrf = sign_in_as(node, client, "sato", lang)
    page = client.post(
        "/coordination/watch",
        data={"csrf_token": csrf, "body": "jjoc", "kind": "event", "text_en": "Scramble",
              "text_ja": REVERSED, "label": LABEL},
    )  # fmt: skip
    assert page.status_code == 422
    assert field in page.text
    assert said in page.text
    assert _objects(node) == before
    # Any other path: the owner judges the version itself, and names the form's field.
    sato = people["sato"][0]
    from kizuna.domains.coordination.watch import log_entry

    made = log_entry(coordination(node), sato, EntryCreate(body="jjoc", kind="note",
                                                           text_en="ok", label=LABEL))  # fmt: skip
    forged = copy.deepcopy(made.object)
    forged["text"] = "Scr\u2066amble"
    with pytest.raises(Invalid, match="U\\+2066") as refused:
        check_entry_body(coordination(node).structure, forged, "JPN")
    assert refused.value.field == "text_en"


def test_a_new_handover_copies_no_text_with_a_bidi_control(node: Node) -> None:
    """A handover arriving from a peer carries the texts of its rows as its node wrote
    them: one that would show the incoming officer a reordered text is refused."""
    structure = coordination(node).structure
    now = datetime.now(UTC)
    body = {
        "type": HANDOVER_TYPE,
        "body": "jjoc",
        "period_start": (now - timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "period_end": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sections": {"log": [{"id": "x", "text": "fine"}, {"id": "y", "text_ja": REVERSED}]},
        "outgoing_officer": "sato",
    }
    write = Write(
        kind="accept",
        principal=None,
        body=body,
        label=parse(node.policy, LABEL),
        origin="JPN",
    )
    with node.db.read() as conn, pytest.raises(Invalid, match="U\\+202E") as refused:
        handover_rules(structure)(conn, write)
    assert refused.value.field == "sections"
    body["sections"] = {"log": [{"id": "y", "text_ja": "テスト"}]}
    with node.db.read() as conn:
        handover_rules(structure)(conn, write)


def _inputs() -> list[tuple[type[BaseModel], dict[str, object], str]]:
    suspense = datetime.now(UTC) + timedelta(days=2)
    return [
        (ItemCreate, item().model_dump(), "body_ja"),
        (ResponseCreate, {"kind": "concur_with_comments"}, "comment"),
        (RfiCreate, {"title_en": "Q", "title_ja": "質問", "asking_body": "jjoc",
                     "addressed_body": "usfj"}, "question_en"),
        (ReplyCreate, {"body": "usfj"}, "text_en"),
        (TaskerCreate, {"title_en": "T", "title_ja": "T", "issuing_body": "jjoc",
                        "opr": "usfj", "suspense": suspense}, "instructions_ja"),
        (TaskStatusCreate, {"office": "usfj", "status": "in_progress"}, "note"),
        (DeterminationCreate, {"kind": "gray-zone", "regions": ["kyushu"],
                               "determining_body": "jjoc", "label": LABEL}, "legal_basis_en"),
        (TranslationVerify, {}, "body"),
    ]  # fmt: skip


@pytest.mark.parametrize(("model", "values", "field"), _inputs())
def test_every_text_of_the_mechanism_refuses_them_naming_the_field(
    model: type[BaseModel], values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError, match="U\\+202E") as refused:
        model(**{**values, field: f"ok {REVERSED}"})
    assert refused.value.errors()[0]["loc"] == (field,)


def test_the_owner_judges_the_texts_of_every_other_path(node: Node) -> None:
    people = cast(node)
    c = coordination(node)
    made = c.open_item(people["sato"][0], item())
    forged = copy.deepcopy(made.object)
    forged["description_ja"] = f"本文{REVERSED}"
    with pytest.raises(Invalid, match="U\\+202E") as refused_item:
        check_item_body(c.structure, forged, "JPN")
    assert refused_item.value.field == "description_ja"
    rfi = {
        "type": "x-kizuna-rfi",
        "name": "A question",
        "name_ja": "質問",
        "question": f"Why {REVERSED}",
        "asking_body": "jjoc",
        "addressed_body": "usfj",
        "precedence": "ROUTINE",
        "state": "open",
    }
    with pytest.raises(Invalid, match="U\\+202E") as refused_rfi:
        check_rfi_body(c.structure, rfi, "JPN")
    assert refused_rfi.value.field == "question"


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "Comment: remove U+202E"), ("ja", "コメント：U+202Eを削除してください")],
)
def test_an_answers_comment_is_refused_on_the_page_rest_and_command_line(
    node: Node, client: TestClient, db_url: str, tmp_path: Path, lang: str, said: str
) -> None:
    people = cast(node)
    made = coordination(node).open_item(people["sato"][0], item())
    before = _objects(node)
    rest = client.post(
        f"/api/v1/coordination/items/{made.id}/responses",
        json={"kind": "concur_with_comments", "comment": REVERSED},
        headers=bearer(people["davis"][1]),
    )
    assert rest.status_code == 422, rest.text
    assert "comment" in rest.text
    assert "U+202E" in rest.text
    csrf = sign_in_as(node, client, "sato", lang)
    page = client.post(
        f"/coordination/items/{made.id}/respond",
        data={"csrf_token": csrf, "kind": "concur_with_comments", "comment": REVERSED},
    )
    assert page.status_code == 422
    assert said in page.text
    result = CliRunner().invoke(
        app,
        ["coord", "respond", made.id, "--as", "sato", "--kind", "concur_with_comments",
         "--comment", REVERSED, "--db", db_url],
        env={"KIZUNA_KEY_FILE": str(tmp_path / "node.pem")},
    )  # fmt: skip
    out = " ".join(result.output.split())
    assert result.exit_code == 2, out
    assert "--comment: the text holds U+202E" in out
    assert _objects(node) == before


def test_a_text_stored_before_the_rule_does_not_stop_its_item_s_narrowing(node: Node) -> None:
    """A text carried unchanged from the version before is not judged again: an item
    whose text holds a bidi control from before the rule is still narrowed (a release
    must never be stopped by what it withdraws); a version that writes the text anew is
    still refused."""
    from kizuna.db.schema import versions

    people = cast(node)
    c = coordination(node)
    made = c.open_item(people["sato"][0], item())
    stored = {**made.object, "description_ja": f"本文{REVERSED}"}
    with node.db.write() as conn:
        conn.execute(
            versions.update()
            .where(versions.c.object_pk == select(objects.c.pk).where(objects.c.stix_id == made.id)
                   .scalar_subquery())
            .values(body=json.dumps(stored, ensure_ascii=False, sort_keys=True))
        )  # fmt: skip
    narrower = parse(node.policy, "TOP SECRET//REL TO JPN, USA")
    released = node.store.release(node.system, made.id, narrower)
    assert released.label == narrower
    assert released.object["description_ja"] == stored["description_ja"]
    anew = {**stored, "description_ja": f"新しい本文{REVERSED}"}
    with pytest.raises(Invalid, match="U\\+202E"):
        check_item_body(c.structure, anew, "JPN", stored)
