"""The 2+2 record on a node (SQLite and PostgreSQL): import, idempotence, refusals
that write nothing, restatements across meetings, reviews and compliance, REST,
pages and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna.audit.log import audit_log
from kizuna.bootstrap import initialize, open_node
from kizuna.db.schema import objects, versions
from kizuna.domains.meetings import model, service
from kizuna.domains.meetings.ingest import IngestRefused, read_summary
from kizuna.errors import Invalid, Refused
from kizuna.identity.principal import Principal
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.domains.meetings.test_ingest import JOINT_EN, OTHER_JA, SEED
from tests.factories import add_user, bearer, cookies
from tests.factories.coordination import sign_in_as

CORPUS = Path(__file__).parent / "corpus"


def counts(node: Node) -> tuple[int, int, int]:
    with node.db.read() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (objects, versions, audit_log)
        )


def _author(node: Node):
    user, token = add_user(node, "sato", roles=["author", "releasing_officer"])
    return user.principal, token


def test_import_then_again_creates_nothing_new(node: Node) -> None:
    who, _ = _author(node)
    first = service.import_summary(node, who, SEED, lang="ja")
    assert first.created == 78
    assert not first.already
    before = counts(node)
    second = service.import_summary(node, who, SEED.decode().encode("cp932"), lang="ja")
    assert second.already
    assert second.created == 0
    assert second.meeting_id == first.meeting_id
    assert counts(node) == before
    view = service.get_meeting(node, who, first.meeting_id)
    assert [len(s["items"]) for s in view["sections"]] == [3, 5, 9, 3]
    meeting = view["meeting"].object
    assert meeting["original_text"] == SEED.decode()
    assert "それを越えた" in meeting["normalized_text"]
    # The default label: the policy's lowest level, this nation only.
    assert view["meeting"].label_text == "UNCLASSIFIED//REL TO JPN"


def test_the_import_is_audited(node: Node) -> None:
    who, _ = _author(node)
    made = service.import_summary(node, who, SEED, lang="ja")
    with node.db.read() as conn:
        rows = conn.execute(
            select(audit_log.c.actor, audit_log.c.target).where(
                audit_log.c.action == "meetings.import"
            )
        ).all()
    assert [(r.actor, r.target) for r in rows] == [("sato", made.meeting_id)]


@pytest.mark.parametrize(
    ("data", "lang"),
    [
        (b"", None),
        (b"\x00\x01binary", None),
        (b"<html><body>2+2</body></html>", None),
        (SEED, "en"),
        (b"just some words", "en"),
    ],
)
def test_refusals_write_nothing(node: Node, data: bytes, lang: str | None) -> None:
    who, _ = _author(node)
    before = counts(node)
    with pytest.raises(IngestRefused):
        service.import_summary(node, who, data, lang=lang)
    assert counts(node) == before


def test_releasing_beyond_this_nation_needs_a_releasing_officer(node: Node) -> None:
    user, _ = add_user(node, "kato", roles=["author"])
    wide = parse(node.policy, "UNCLASSIFIED//REL TO JPN, USA")
    before = counts(node)
    with pytest.raises(Refused, match="releasing officer"):
        service.import_summary(node, user.principal, SEED, label=wide)
    with pytest.raises(Refused, match="release decision"):
        service.import_summary(node, node.system, SEED, label=wide)
    after = counts(node)
    assert after[:2] == before[:2]  # only the refusals' audit entries were added
    officer, _ = _author(node)
    made = service.import_summary(node, officer, SEED, label=wide)
    assert made.created == 78


def test_a_restatement_links_to_the_earlier_decision_and_has_a_timeline(node: Node) -> None:
    who, _ = _author(node)
    service.import_summary(node, who, SEED)
    later = service.import_summary(node, who, OTHER_JA)
    restating = next(
        o
        for o in later.objects
        if o["type"] == model.DECISION and o["section_number"] == 1 and o.get("item_number") == 1
    )
    earlier = node.store.get(who, restating["restates_id"]).object
    assert earlier["meeting_date"] == "2024-07-28"
    assert "ACM" in {e["text"] for e in earlier.get("entities", [])}
    t = service.timeline(node, who, restating["id"])
    assert [d.object["meeting_date"] for d in t["decisions"]][-1] == "2025-01-15"
    assert t["root"].object["meeting_date"] == "2024-07-28"


def test_naming_the_two_nations_or_saying_confirmed_is_no_restatement(node: Node) -> None:
    """The 2024 summary after the 2023 foreign ministers' meeting: the realignment
    commitment restates the 2023 one, but Article 5 and the local communities do not
    restate the 2023 defence build-up (they shared only 日本, 米国, こと and 確認, and
    had been linked to it)."""
    who, _ = _author(node)
    service.import_summary(
        node, who, (CORPUS / "2023-01-11_gaisho-kaidan-gaiyo_ja.txt").read_bytes()
    )
    later = service.import_summary(node, who, SEED)

    def said(words: str) -> dict[str, Any]:
        return next(
            o for o in later.objects if o["type"] == model.DECISION and words in o["sentence"]
        )

    realignment = said("在日米軍再編の着実な実施")
    assert "在日米軍再編" in node.store.get(who, realignment["restates_id"]).object["sentence"]
    assert "restates_id" not in said("第5条が尖閣諸島に適用")
    assert "restates_id" not in said("地元への影響に最大限配慮")


def _chains(node: Node, who: Principal) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Each restating decision, by where it stands, and where the one it restates stands."""

    def place(o: dict[str, Any]) -> tuple[Any, ...]:
        return (o["meeting_date"], o["section_number"], o.get("item_number", 0), o["sentence"])

    found = {d.id: d.object for d in node.store.list(who, type=model.DECISION, limit=500).items}
    return {
        place(o): place(found[o["restates_id"]]) for o in found.values() if o.get("restates_id")
    }


def test_a_later_text_imported_first_links_to_the_earlier_all_the_same(
    node: Node, tmp_path: Path
) -> None:
    """Walk 31 #6: a newer text imported before an older one never linked to it; the
    chains of the register now do not depend on the order of imports."""
    who, _ = _author(node)
    service.import_summary(node, who, OTHER_JA)
    assert _chains(node, who) == {}
    earlier = service.import_summary(node, who, SEED)
    # In the order of the meetings, on a second node: the same chains.
    settings = node_settings(f"sqlite:///{tmp_path / 'in-order.db'}", tmp_path / "in-order")
    initialize(settings, nation="JPN")
    in_order = open_node(settings)
    try:
        other, _ = _author(in_order)
        service.import_summary(in_order, other, SEED)
        service.import_summary(in_order, other, OTHER_JA)
        expected = _chains(in_order, other)
    finally:
        in_order.db.dispose()
    assert expected  # the pair of texts has restatements to find
    assert _chains(node, who) == expected
    # Each later decision took a new version naming the earlier one, audited with the
    # import that found it; the decisions of the earlier meeting are version 1.
    relinked = [d for d in node.store.list(who, type=model.DECISION, limit=500).items
                if d.object.get("restates_id")]  # fmt: skip
    assert {d.version for d in relinked} == {2}
    with node.db.read() as conn:
        detail = conn.execute(
            select(audit_log.c.detail).where(
                audit_log.c.action == "meetings.import", audit_log.c.target == earlier.meeting_id
            )
        ).scalar_one()
    assert sorted(json.loads(detail)["relinked"]) == sorted(d.id for d in relinked)


def test_reviews_links_status_and_compliance(node: Node) -> None:
    who, _ = _author(node)
    made = service.import_summary(node, who, SEED)
    decisions = [o["id"] for o in made.objects if o["type"] == model.DECISION]
    for n, (nation, score) in enumerate([("JPN", 1), ("JPN", 0), ("USA", 1), ("USA", -1)]):
        service.add_review(
            node,
            who,
            decision_id=decisions[n],
            nation=nation,
            score=score,
            evidence="public record",
            date="2025-07-01",
        )
    service.add_link(node, who, decision_id=decisions[5], target="ACM working group")
    rows = service.compliance(node, who)
    assert rows == [
        {"round": "2025", "nation": "JPN", "reviews": 2, "mean": 0.5, "compliance": 0.75,
         "label": "UNCLASSIFIED//REL TO JPN"},
        {"round": "2025", "nation": "USA", "reviews": 2, "mean": 0.0, "compliance": 0.5,
         "label": "UNCLASSIFIED//REL TO JPN"},
    ]  # fmt: skip
    assert len(service.register(node, who, status="reviewed")) == 4
    assert [r.decision.id for r in service.register(node, who, status="in progress")] == [
        decisions[5]
    ]
    acm = service.register(node, who, entity="ACM")
    assert acm
    assert all("ACM" in r.decision.object["sentence"] for r in acm)
    condemn = service.register(node, who, stance="condemn", actor="both", topic="north korea")
    assert condemn
    assert all("北朝鮮" in r.decision.object["sentence"] for r in condemn)
    before = counts(node)
    for bad, field in (
        ({"score": 2}, "score"),
        ({"nation": "XXX"}, "nation"),
        ({"evidence": " "}, "evidence"),
        ({"date": "28/07/2025"}, "date"),
        ({"date": "2099-01-01"}, "date"),  # walk 38: a review of what has not happened
    ):
        args = {"nation": "JPN", "score": 1, "evidence": "x", "date": "2025-07-01", **bad}
        with pytest.raises(Invalid) as caught:
            service.add_review(node, who, decision_id=decisions[0], **args)
        assert caught.value.field == field
    with pytest.raises(Invalid, match="unknown stance"):
        service.register(node, who, stance="shrug")
    assert counts(node) == before


def test_a_review_round_is_a_year_and_a_refused_one_is_named(node: Node) -> None:
    """Walk 40: `"round": "abc"` was stored, and compliance then showed a row for round
    "abc". A round is a year (its default is the date's year)."""
    who, token = _author(node)
    made = service.import_summary(node, who, SEED)
    decision = next(o["id"] for o in made.objects if o["type"] == model.DECISION)
    review = {"nation": "JPN", "score": 1, "evidence": "seen", "date": "2025-07-01"}
    before = counts(node)
    with pytest.raises(Invalid, match="round must be a year") as caught:
        service.add_review(node, who, decision_id=decision, round="abc", **review)
    assert caught.value.field == "round"
    with TestClient(create_app(node)) as web:
        answer = web.post(
            f"/api/v1/commitments/{decision}/reviews",
            json={**review, "round": "abc"},
            headers=bearer(token),
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "round"
        csrf = sign_in_as(node, web, "sato", "ja")
        page = web.post(
            f"/commitments/{decision}/reviews",
            data={"csrf_token": csrf, **review, "round": "abc"},
        )
        assert page.status_code == 422
        assert "評価回：年を入力してください（例：2025）。" in page.text
        assert counts(node) == before
        assert (
            web.get("/api/v1/commitments/compliance", headers=bearer(token)).json()["items"] == []
        )
    # A year in full-width digits is the same year.
    wide = service.add_review(node, who, decision_id=decision, round="２０２５", **review)
    assert wide.object["round"] == "2025"


def test_a_meeting_shows_its_own_parts_in_the_order_of_its_text(node: Node) -> None:
    """Sections, items and decisions of this meeting only (another meeting shares the
    seed's wording), each item's decisions in the order they are said: the page had
    listed them newest object first, the last decision of an item at its top."""
    service.import_seed(node)
    service.import_summary(node, node.system, OTHER_JA, lang="ja")
    seed = next(
        m for m in service.list_meetings(node, node.system) if m.object["date"] == "2024-07-28"
    )
    view = service.get_meeting(node, node.system, seed.id)
    parts = [s["section"] for s in view["sections"]]
    parts += [i["item"] for s in view["sections"] for i in s["items"]]
    said = [d for s in view["sections"] for d in s["decisions"]]
    said += [d for s in view["sections"] for i in s["items"] for d in i["decisions"]]
    assert {o.object["meeting_id"] for o in parts + said} == {seed.id}
    every = node.store.list(node.system, type=model.DECISION, limit=1000).items
    assert {d.id for d in said} == {d.id for d in every if d.object["meeting_id"] == seed.id}
    assert len(said) < len(every)
    # Each item's decisions as the parse read them, in the text's order.
    read = read_summary(SEED, "ja").as_json()
    expected = {
        (s["number"], i["number"]): [(d["stance"], d["sentence"]) for d in i["decisions"]]
        for s in read["sections"]
        for i in s["items"]
    }
    shown = {
        (s["section"].object["number"], i["item"].object["number"]): [
            (d.object["stance"], d.object["sentence"]) for d in i["decisions"]
        ]
        for s in view["sections"]
        for i in s["items"]
    }
    assert shown == expected
    assert any(len(i["decisions"]) > 1 for s in view["sections"] for i in s["items"])


def test_rest_pages_and_what_a_partner_sees(node: Node) -> None:
    service.import_seed(node)  # UNCLASSIFIED, released to JPN and USA by the node
    _, token = _author(node)
    _smith, smith_token = add_user(node, "smith", nation="USA", clearance="SECRET")
    with TestClient(__import__("kizuna.web.app", fromlist=["create_app"]).create_app(node)) as web:
        meetings = web.get("/api/v1/meetings", headers=bearer(smith_token)).json()["items"]
        assert [m["object"]["date"] for m in meetings] == ["2024-07-28"]
        mid = meetings[0]["id"]
        full = web.get(f"/api/v1/meetings/{mid}", headers=bearer(token)).json()
        assert [len(s["items"]) for s in full["sections"]] == [3, 5, 9, 3]
        reg = web.get("/api/v1/commitments?stance=welcome", headers=bearer(token)).json()
        assert reg["items"]
        assert {i["object"]["stance"] for i in reg["items"]} == {"welcome"}
        # Paged: `limit` rows at a time, `next` leads on, the pages make the whole.
        whole = web.get("/api/v1/commitments", headers=bearer(token)).json()
        assert whole["next"] is None
        assert len(whole["items"]) > 7
        paged, after = [], 0
        while after is not None:
            one = web.get(f"/api/v1/commitments?limit=3&next={after}", headers=bearer(token))
            assert len(one.json()["items"]) <= 3
            paged += one.json()["items"]
            after = one.json()["next"]
        assert [i["id"] for i in paged] == [i["id"] for i in whole["items"]]
        for query in ("limit=0", "limit=1001", "next=-1", "next=x"):
            answer = web.get(f"/api/v1/commitments?{query}", headers=bearer(token))
            assert answer.status_code == 422, query
            assert answer.json()["field"] == query.split("=")[0]
        bad = web.get("/api/v1/commitments?status=someday", headers=bearer(token))
        assert bad.status_code == 422
        assert bad.json()["field"] == "status"
        decision = reg["items"][0]["id"]
        secret = web.post(
            f"/api/v1/commitments/{decision}/reviews",
            json={
                "nation": "USA",
                "score": 1,
                "evidence": "assessment",
                "date": "2025-01-01",
                "label": "SECRET",
            },
            headers=bearer(token),
        )
        assert secret.status_code == 201
        # Walk 37: an unknown nation was blamed on the label.
        unknown = web.post(
            f"/api/v1/commitments/{decision}/reviews",
            json={"nation": "XXX", "score": 1, "evidence": "e", "date": "2025-01-01"},
            headers=bearer(token),
        )
        assert unknown.status_code == 422
        assert unknown.json()["field"] == "nation"
        assert "XXX" in unknown.json()["detail"]
        # The review is JPN-only: the US reader neither sees it nor its score.
        assert web.get("/api/v1/commitments/compliance", headers=bearer(smith_token)).json() == {
            "label": None,
            "items": [],
        }
        assert (
            len(web.get("/api/v1/commitments/compliance", headers=bearer(token)).json()["items"])
            == 1
        )
        timeline = web.get(f"/api/v1/commitments/{decision}/timeline", headers=bearer(smith_token))
        assert timeline.status_code == 200
        assert timeline.json()["reviews"] == []
        assert (
            web.get(
                "/api/v1/meetings/x-kizuna-meeting--00000000-0000-5000-8000-000000000000",
                headers=bearer(token),
            ).status_code
            == 404
        )
        # Pages, in Japanese by default.
        with node.db.write() as conn:
            from kizuna.identity import service as identity

            user = identity.find_user(conn, "sato")
            session = identity.start_session(conn, user)
        web.cookies.set(cookies(web).session, session)
        html = web.get(f"/meetings/{mid}").text
        assert "2024-07-28" in html
        assert "15:15" in html
        assert "上川陽子" in html
        assert 'class="stance stance-welcome"' in html
        assert "<svg" in html
        assert 'href="/commitments?entity=PAC-3%20MSE"' in html
        assert "PAC-3 MSE" in web.get("/commitments?entity=PAC-3%20MSE").text
        page = web.get(f"/commitments/{decision}")
        csrf = page.cookies.get(cookies(web).csrf) or web.cookies.get(cookies(web).csrf)
        before = counts(node)
        refused = web.post(
            f"/commitments/{decision}/reviews",
            data={
                "csrf_token": csrf,
                "nation": "JPN",
                "score": "5",
                "evidence": "x",
                "date": "2025-01-01",
            },
        )
        assert refused.status_code == 422
        # In the reader's words and language (Japanese by default), the input kept.
        assert "+1、0、−1 のいずれかを選んでください。" in refused.text
        assert 'name="date" type="date" required value="2025-01-01"' in refused.text
        assert counts(node) == before
        ok = web.post(
            f"/commitments/{decision}/reviews",
            data={
                "csrf_token": csrf,
                "nation": "JPN",
                "score": "1",
                "evidence": "seen",
                "date": "2025-01-02",
            },
            follow_redirects=False,
        )
        assert ok.status_code == 303
        web.cookies.set(cookies(web).lang, "en")
        english = web.get("/commitments").text
        assert "Commitments register" in english
        assert "Compliance per nation" in english


def test_cli_ingest(db_url: str, tmp_path: Path) -> None:
    """The `kizuna` command itself (a process) initializes and imports; the rest of its
    answers are read in this process (a process each took a second and a half)."""
    from typer.testing import CliRunner

    from kizuna.cli.main import app

    env_db = ["--db", db_url]
    settings = node_settings(db_url, tmp_path)
    env = {"KIZUNA_KEY_FILE": str(settings.key_file), "PATH": "/usr/bin:/bin"}
    kizuna = [sys.executable, "-m", "kizuna.cli.main"]

    def process(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*kizuna, *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    def run(*args: str) -> Result:
        result = CliRunner().invoke(app, list(args), env=env)
        return Result(result.exit_code, result.stdout, result.stderr)

    assert process("init", *env_db).returncode == 0
    seed = tmp_path / "seed.txt"
    seed.write_bytes(SEED)
    dry = run("ingest", "summary", str(seed), "--dry-run", "--format", "json")
    assert dry.returncode == 0
    parsed = json.loads(dry.stdout)
    assert parsed["meeting"]["date"] == "2024-07-28"
    assert set(parsed) >= {"meeting", "sections", "quality"}
    html = tmp_path / "page.html"
    html.write_text("<!doctype html><html><body>2+2</body></html>")
    refused = run("ingest", "summary", str(html), *env_db)
    assert refused.returncode != 0
    assert "HTML page" in refused.stderr
    wrong = run("ingest", "summary", str(seed), "--lang", "en", *env_db)
    assert wrong.returncode != 0
    assert "not English" in wrong.stderr
    done = process("ingest", "summary", str(seed), *env_db)
    assert done.returncode == 0
    assert "78 objects" in done.stdout
    again = run("ingest", "summary", str(seed), *env_db)
    assert again.returncode == 0
    assert "nothing new" in again.stdout
    listing = run("meetings", "list", *env_db)
    assert "2024-07-28" in listing.stdout
    en = tmp_path / "en.txt"
    en.write_bytes(JOINT_EN)
    # Several files in one command: each stands alone, and a refused one fails the
    # command only after the others are stored.
    one_date = run("ingest", "summary", str(seed), str(en), "--date", "2024-07-28", *env_db)
    assert one_date.returncode != 0
    assert "--date is one meeting's date" in one_date.stderr
    parsed_both = run("ingest", "summary", str(seed), str(en), "--dry-run", "--format", "json")
    assert parsed_both.returncode == 0
    en_date = read_summary(JOINT_EN, None).meeting.date.isoformat()
    assert [p["meeting"]["date"] for p in json.loads(parsed_both.stdout)] == [
        "2024-07-28",
        en_date,
    ]
    many = run("ingest", "summary", str(html), str(seed), str(en), *env_db)
    assert many.returncode == 2
    assert f"{html}: refused: " in many.stderr
    assert "HTML page" in many.stderr
    assert f"{en}:" in many.stdout
    assert "3 files: 1 imported" in many.stdout
    assert "1 already imported" in many.stdout
    assert "1 refused" in many.stdout
    assert en_date in run("meetings", "list", *env_db).stdout
    assert run("ingest", "summary", str(en), "--lang", "en", *env_db).returncode == 0


def test_cli_lists_and_the_register_show_labels_and_read_as_a_user(
    node: Node, db_url: str, tmp_path: Path
) -> None:
    """Walk 40: `kizuna meetings list` and `register` printed records without their
    labels, and read as the node only (unlike `kizuna intel list --user`)."""
    from typer.testing import CliRunner

    from kizuna.cli.main import app

    who, _ = _author(node)
    add_user(node, "smith", nation="USA", roles=["reader"])
    shared = parse(node.policy, "UNCLASSIFIED//REL TO JPN, USA")
    service.import_summary(node, who, SEED, lang="ja", label=shared)
    own = parse(node.policy, "SECRET//REL TO JPN")
    service.import_summary(node, who, JOINT_EN, label=own)
    own_date = read_summary(JOINT_EN, None).meeting.date.isoformat()
    env = {"KIZUNA_KEY_FILE": str(node_settings(db_url, tmp_path).key_file)}

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["meetings", *args, "--db", db_url], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    every = run("list")
    assert "label" in every
    assert "UNCLASSIFIED//REL TO JPN, USA" in every
    assert "SECRET//REL TO JPN" in every
    assert own_date in every
    read = run("list", "--user", "smith")
    assert "2024-07-28" in read
    assert own_date not in read
    assert "SECRET" not in read.replace("UNCLASSIFIED", "")
    register = run("register", "--kind", "all", "--user", "smith")
    assert "UNCLASSIFIED//REL TO JPN, USA" in register
    assert "SECRET" not in register.replace("UNCLASSIFIED", "")
    assert "SECRET//REL TO JPN" in run("register", "--kind", "all")
    nobody = CliRunner().invoke(
        app, ["meetings", "list", "--user", "nobody", "--db", db_url], env=env
    )
    assert nobody.exit_code == 2
    assert "no user nobody" in nobody.stderr


@dataclass(frozen=True)
class Result:
    """A command's answer, read alike from a process or in this one."""

    returncode: int
    stdout: str
    stderr: str


def test_cli_json_of_several_files_names_each_file_with_its_outcome(
    db_url: str, tmp_path: Path
) -> None:
    """Walk 13 #2: `--format json` listed only the records imported, so a script could
    not tell which files were refused (they were named on stderr only). Each file is an
    element, in the order given: the record as before with its `file`, or the `file`
    and why it was `refused`; the exit code is still 2."""
    from typer.testing import CliRunner

    from kizuna.bootstrap import initialize
    from kizuna.cli.main import app

    settings = node_settings(db_url, tmp_path)
    initialize(settings, nation="JPN")
    env = {"KIZUNA_KEY_FILE": str(settings.key_file)}
    seed, html, en = tmp_path / "seed.txt", tmp_path / "page.html", tmp_path / "en.txt"
    seed.write_bytes(SEED)
    html.write_text("<!doctype html><html><body>2+2</body></html>")
    en.write_bytes(JOINT_EN)
    files = [str(seed), str(html), str(en)]
    en_date = read_summary(JOINT_EN, None).meeting.date.isoformat()
    for dry in ([], ["--dry-run"]):
        args = ["ingest", "summary", *files, "--format", "json", "--db", db_url, *dry]
        many = CliRunner().invoke(app, args, env=env)
        assert many.exit_code == 2, many.output
        listed = json.loads(many.stdout)
        assert [e["file"] for e in listed] == files, dry
        assert set(listed[1]) == {"file", "outcome", "refused"}, dry
        assert listed[1]["outcome"] == "refused", dry
        assert "HTML page" in listed[1]["refused"], dry
        # The others keep the record's shape, as for one file.
        assert [listed[0]["meeting"]["date"], listed[2]["meeting"]["date"]] == [
            "2024-07-28",
            en_date,
        ], dry
        assert "refused" not in listed[0], dry
        assert "refused" not in listed[2], dry


def test_a_bad_label_on_the_command_line_is_one_error_line_and_imports_nothing(
    db_url: str, tmp_path: Path
) -> None:
    """`--label SEKRIT` printed a 38-line traceback (walk 31 #4); a dry run did not read
    the label at all."""
    from typer.testing import CliRunner

    from kizuna.bootstrap import initialize, open_node
    from kizuna.cli.main import app

    settings = node_settings(db_url, tmp_path)
    initialize(settings, nation="JPN")
    seed = tmp_path / "seed.txt"
    seed.write_bytes(SEED)
    env = {"KIZUNA_KEY_FILE": str(settings.key_file)}
    node = open_node(settings)
    try:
        before = counts(node)
        for label, dry in [
            ("SEKRIT", []),
            ("SECRET//REL TO JPN, CHN", []),
            ("SEKRIT", ["--dry-run"]),
        ]:
            result = CliRunner().invoke(
                app,
                ["ingest", "summary", str(seed), "--label", label, *dry, "--db", db_url],
                env=env,
            )
            assert result.exit_code == 2, result.output
            assert "Traceback" not in result.output
            said = " ".join(result.output.split())  # as one line, whatever the terminal wraps
            assert said.startswith(f"error: --label '{label}': "), said
            assert said.endswith("nothing was imported"), said
        assert counts(node) == before
    finally:
        node.db.dispose()
