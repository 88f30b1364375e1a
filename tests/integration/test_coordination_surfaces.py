"""The pages and the command line of the coordination mechanism."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.db.schema import audit_log, objects
from kizuna.domains.coordination.schema import coord_items
from kizuna.runtime import Node
from tests.factories.coordination import cast, sign_in_as

runner = CliRunner()


def _count(node: Node) -> tuple[int, int]:
    with node.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(objects)).scalar_one(),
            conn.execute(select(func.count()).select_from(coord_items)).scalar_one(),
        )


FORM = {
    "title_ja": "九州の防空態勢",
    "title_en": "Air defence posture, Kyushu",
    "requesting_body": "jjoc",
    "counterpart_body": "usfj",
    "region": "kyushu",
    "label": "SECRET//REL TO JPN, USA",
    "propose": "1",
    "domains": ["air", "space"],
}


def test_forms_open_and_answer_in_both_languages(node: Node, client: TestClient) -> None:
    cast(node)
    csrf = sign_in_as(node, client, "sato", "ja")
    before = _count(node)
    # A counterpart of the requesting nation: the form comes back, in Japanese, naming it.
    bad = client.post(
        "/coordination/new", data={**FORM, "counterpart_body": "mod-policy", "csrf_token": csrf}
    )
    assert bad.status_code == 422
    assert "案件は起票されませんでした。" in bad.text
    assert "カウンターパート：相手国の組織、または日米共同の組織を選んでください。" in bad.text
    assert _count(node) == before
    # Without the CSRF token nothing is written either.
    assert client.post("/coordination/new", data=FORM).status_code == 403
    assert _count(node) == before
    made = client.post(
        "/coordination/new", data={**FORM, "csrf_token": csrf}, follow_redirects=False
    )
    assert made.status_code == 303
    item_url = made.headers["location"]
    page = client.get(item_url)
    assert 'data-state="proposed"' in page.text
    assert "提案済み" in page.text
    assert "九州の防空態勢" in page.text

    csrf = sign_in_as(node, client, "davis", "en")
    page = client.get(item_url)
    assert "Answer for your nation" in page.text
    refused = client.post(
        f"{item_url}/respond", data={"kind": "non_concur", "comment": "", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert "Comment: give the reason in the comment." in refused.text
    # The form calls its `kind` the answer, as its legend does.
    odd = client.post(f"{item_url}/respond", data={"kind": "maybe", "csrf_token": csrf})
    assert odd.status_code == 422
    assert "Answer: choose one of the offered values." in odd.text
    # The form comes back as non-concurrence: the next click does not concur.
    assert 'value="non_concur" id="kind-non_concur" checked' in refused.text
    assert 'value="concur" id="kind-concur" checked' not in refused.text
    client.post(f"{item_url}/respond", data={"kind": "concur", "comment": "", "csrf_token": csrf})
    board = client.get("/coordination?state=concurred").text
    assert "Air defence posture, Kyushu" in board
    assert re.search(r'data-state="concurred"', board)
    notices = client.get("/coordination/notifications").text
    assert "A new item for your body" in notices

    sign_in_as(node, client, "sato", "ja")
    board = client.get("/coordination").text
    assert "同意済み" in board
    assert "調整ボード" in board


def test_those_who_may_not_open_items_here_are_refused_at_the_form_and_audited(
    node: Node, client: TestClient
) -> None:
    cast(node)
    before = _count(node)
    # A reader, and a coordinator of the partner nation: neither opens items on JPN's node.
    for name in ("smith", "davis"):
        csrf = sign_in_as(node, client, name, "en")
        assert "/coordination/new" not in client.get("/coordination").text
        form = client.get("/coordination/new")
        assert form.status_code == 403
        assert 'name="title_en"' not in form.text
        sent = client.post("/coordination/new", data={**FORM, "csrf_token": csrf})
        assert sent.status_code == 403
    assert _count(node) == before
    with node.db.read() as conn:
        refused = conn.execute(
            select(audit_log.c.actor, audit_log.c.detail).where(audit_log.c.action == "refused")
        ).all()
    assert [actor for actor, _ in refused] == ["smith", "smith", "davis", "davis"]
    assert all("open coordination items" in detail for _, detail in refused)


def _run(*args: str, key: Path) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"KIZUNA_KEY_FILE": str(key)})
    # Rich wraps long lines at the terminal width; the words are what matter.
    return result.exit_code, " ".join(result.output.split())


def test_the_command_line_lists_shows_opens_and_answers(
    node: Node, db_url: str, tmp_path: Path
) -> None:
    cast(node)
    key = tmp_path / "node.pem"
    code, out = _run(
        "coord",
        "open",
        "--as",
        "sato",
        "--title-en",
        "Port access",
        "--title-ja",
        "港湾使用",
        "--requesting-body",
        "jjoc",
        "--counterpart-body",
        "usfj",
        "--region",
        "kanto",
        "--label",
        "CONFIDENTIAL//REL TO JPN, USA",
        "--db",
        db_url,
        key=key,
    )
    assert code == 0, out
    item_id = re.search(r"(x-kizuna-coordination-item--[0-9a-f-]{36}) proposed", out).group(1)
    code, out = _run(
        "coord",
        "open",
        "--as",
        "sato",
        "--title-en",
        "x",
        "--title-ja",
        "x",
        "--requesting-body",
        "jjoc",
        "--counterpart-body",
        "nsx",
        "--region",
        "kanto",
        "--label",
        "SECRET//REL TO JPN, USA",
        "--db",
        db_url,
        key=key,
    )
    assert code == 2
    assert "counterpart_body: unknown body 'nsx'" in out
    code, out = _run(
        "coord",
        "respond",
        item_id,
        "--as",
        "davis",
        "--kind",
        "non_concur",
        "--db",
        db_url,
        key=key,
    )
    assert code == 2
    assert "comment: a non_concur needs the reason" in out
    code, out = _run(
        "coord", "respond", item_id, "--as", "davis", "--kind", "concur", "--db", db_url, key=key
    )
    assert code == 0, out
    assert "the item is concurred" in out
    code, out = _run("coord", "list", "--as", "smith", "--db", db_url, key=key)
    assert code == 0, out
    assert "concurred" in out
    code, out = _run("coord", "show", item_id, "--as", "sato", "--db", db_url, key=key)
    assert code == 0, out
    assert "answer of USA: concur" in out
    code, out = _run(
        "coord", "transition", item_id, "close", "--as", "sato", "--db", db_url, key=key
    )
    assert code == 2
    assert "legal now: decide, withdraw" in out
    code, out = _run("coord", "scan", "--db", db_url, key=key)
    assert code == 0, out
    assert "0 escalation steps fired" in out


def test_a_malformed_structure_file_stops_the_node_naming_the_line(
    node: Node, db_url: str, tmp_path: Path
) -> None:
    from kizuna.bootstrap import open_node
    from kizuna.domains.coordination.structure import StructureError
    from tests.conftest import node_settings

    shipped = Path(__file__).resolve().parents[2] / "src/kizuna/data/alliance/jpn-usa.yaml"
    bad = tmp_path / "alliance.yaml"
    text = shipped.read_text(encoding="utf-8").replace("  - acg-dir\n", "  - acg-dirs\n")
    bad.write_text(text, encoding="utf-8")
    line = text[: text.index("  - acg-dirs")].count("\n") + 1
    before = _count(node)
    # The domain checks its file when the node opens, before any app or command runs.
    with pytest.raises(StructureError) as caught:
        open_node(node_settings(db_url, tmp_path, alliance_file=bad))
    assert str(caught.value) == f"alliance.yaml line {line}: unknown body 'acg-dirs'"
    result = runner.invoke(
        app,
        ["coord", "scan", "--db", db_url],
        env={"KIZUNA_KEY_FILE": str(tmp_path / "node.pem"), "KIZUNA_ALLIANCE_FILE": str(bad)},
    )
    assert result.exit_code == 2
    assert f"alliance.yaml line {line}: unknown body 'acg-dirs'" in " ".join(result.output.split())
    assert _count(node) == before
