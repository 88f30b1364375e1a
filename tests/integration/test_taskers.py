"""Taskers on both databases: an office of primary responsibility and coordinating
offices with a suspense; each office's status; the OPR completes it; an overdue tasker
climbs the escalation path like an item, each step once, across a restart; bad input
changes nothing; the REST API and the pages."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna import clock
from kizuna.bootstrap import open_node
from kizuna.db.schema import audit_log, objects, versions
from kizuna.domains.coordination import staff_queries
from kizuna.domains.coordination.inputs import TaskerCreate, TaskStatusCreate
from kizuna.domains.coordination.receipts import receipts_of
from kizuna.domains.coordination.schema import coord_task_statuses, coord_taskers
from kizuna.domains.coordination.service import coordination
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.runtime import Node
from tests.conftest import node_settings
from tests.factories import bearer, cookies, sign_in
from tests.factories.coordination import cast, item, member, sign_in_as

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[list[datetime]]:
    now = [T0]
    clock.set_clock(lambda: now[0])
    try:
        yield now
    finally:
        clock.set_clock(None)


@pytest.fixture
def people(node: Node) -> dict:
    found = cast(node)
    found["kato"] = member(node, "kato", nation="JPN", roles=["author"], bodies=["bocc"])
    return found


def task(**overrides: object) -> TaskerCreate:
    values: dict[str, object] = {
        "title_en": "Prepare the tanker schedule",
        "title_ja": "給油機運用計画の作成",
        "issuing_body": "jjoc",
        "opr": "bocc",
        "ocrs": ["mod-policy"],
        "suspense": clock.now() + timedelta(hours=6),
        "precedence": "IMMEDIATE",
        "label": "SECRET//REL TO JPN, USA",
    }
    values.update(overrides)
    return TaskerCreate(**values)  # type: ignore[arg-type]


def counts(node: Node) -> dict[str, int]:
    with node.db.read() as conn:
        found = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (objects, versions, coord_taskers, coord_task_statuses)
        }
        found["audit"] = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action != "refused")
        ).scalar_one()
    return found


def test_each_office_reports_and_the_oprs_completion_completes_it(
    node: Node, people: dict, frozen: list[datetime]
) -> None:
    c = coordination(node)
    sato, kato = people["sato"][0], people["kato"][0]
    made = c.issue_tasker(sato, task())
    assert made.object["state"] == "open"
    # The BOCC and the MOD policy bureau receive it on this node.
    assert {r.object["body"] for r in receipts_of(c, sato, made.id)} == {"bocc", "mod-policy"}
    c.report_status(sato, made.id, TaskStatusCreate(office="mod-policy", status="acknowledged"))
    c.report_status(kato, made.id, TaskStatusCreate(office="bocc", status="in_progress"))
    assert node.store.get(sato, made.id).object["state"] == "open"
    done = c.report_status(kato, made.id, TaskStatusCreate(office="bocc", status="complete"))
    found = node.store.get(sato, made.id).object
    assert (found["state"], found["completed_by"]) == ("complete", done.id)
    _t, statuses = staff_queries.tasker_detail(c, sato, made.id)
    assert [(x.object["office"], x.object["status"]) for x in statuses] == [
        ("mod-policy", "acknowledged"),
        ("bocc", "in_progress"),
        ("bocc", "complete"),
    ]
    with pytest.raises(Conflict):
        c.report_status(sato, made.id, TaskStatusCreate(office="mod-policy", status="complete"))
    # Complete: it never escalates.
    frozen[0] += timedelta(days=30)
    assert c.scan_taskers() == []


def test_an_overdue_tasker_climbs_once_per_step_across_a_restart(
    node: Node, people: dict, frozen: list[datetime], db_url: str, tmp_path: Path
) -> None:
    c = coordination(node)
    sato = people["sato"][0]
    made = c.issue_tasker(sato, task())
    frozen[0] += timedelta(hours=5, minutes=59)
    assert c.scan_taskers() == []
    frozen[0] += timedelta(minutes=2)
    fired = c.scan_taskers()
    assert [(f.step, f.to) for f in fired] == [(1, "acg-ao")]
    assert c.scan_taskers() == []
    node.db.dispose()
    node.extras.clear()
    frozen[0] += timedelta(days=10)
    restarted = open_node(node_settings(db_url, tmp_path))
    other = open_node(node_settings(db_url, tmp_path))
    try:
        fired = []
        for _ in range(6):
            fired += coordination(restarted).scan_taskers() + coordination(other).scan_taskers()
        # One rung per IMMEDIATE deadline (4 h), each step once whoever scans; it stops
        # at the national security staffs.
        assert [(f.step, f.to) for f in fired] == [
            (2, "acg-dir"),
            (3, "acg-dg"),
            (4, "nss+nsc"),
            (5, None),
        ]
        history = restarted.store.history(sato, made.id)
        assert [v.object.get("escalated_to") for v in history] == [
            None, "acg-ao", "acg-dir", "acg-dg", "nss+nsc",
        ]  # fmt: skip
    finally:
        restarted.db.dispose()
        other.db.dispose()


def test_bad_taskers_and_statuses_are_refused_and_nothing_is_written(
    node: Node, people: dict
) -> None:
    c = coordination(node)
    sato, ito, davis, kato = (people[n][0] for n in ("sato", "ito", "davis", "kato"))
    made = c.issue_tasker(sato, task())
    hidden = c.open_item(sato, item(label="SECRET", propose=False))
    junior = member(
        node, "mori", nation="JPN", roles=["author"], bodies=["jjoc"], clearance="CONFIDENTIAL"
    )[0]
    before = counts(node)
    with pytest.raises(Refused, match="on its own node"):
        c.issue_tasker(davis, task(issuing_body="usfj"))
    with pytest.raises(Refused, match="not a member of mod-policy"):
        c.issue_tasker(ito, task(issuing_body="mod-policy", opr="bocc", ocrs=[]))
    with pytest.raises(Invalid, match="suspense has passed"):
        c.issue_tasker(sato, task(suspense=clock.now() - timedelta(minutes=1)))
    with pytest.raises(Invalid, match="time zone"):
        c.issue_tasker(sato, task(suspense=datetime(2030, 1, 1)))
    with pytest.raises(Invalid, match="neither an OCR"):
        c.issue_tasker(sato, task(ocrs=["bocc"]))
    with pytest.raises(Invalid, match="unknown body 'nope'"):
        c.issue_tasker(sato, task(opr="nope"))
    with pytest.raises(Invalid, match="releasable to USA"):
        c.issue_tasker(sato, task(opr="usfj", ocrs=[], label="SECRET"))
    # Named by a field of the tasker: refused as the field's, as if it did not exist.
    with pytest.raises(Invalid, match="names no coordination item mori may read") as caught:
        c.issue_tasker(junior, task(coordination_item=hidden.id, label=None))
    assert caught.value.field == "coordination_item"
    with pytest.raises(Invalid, match="not tasked"):
        c.report_status(kato, made.id, TaskStatusCreate(office="jjoc", status="complete"))
    with pytest.raises(Refused, match="not a member of bocc"):
        c.report_status(sato, made.id, TaskStatusCreate(office="bocc", status="complete"))
    with pytest.raises(Invalid, match="say why"):
        c.report_status(kato, made.id, TaskStatusCreate(office="bocc", status="cannot_meet"))
    assert counts(node) == before


def test_a_tasker_on_an_item_takes_the_items_label_typed_or_not(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 38: typing the item's own label beside the item was refused with "a tasker
    on an item carries the item's label", which is what the user had typed. The item's
    label, in any order of its nations, is taken; another is refused, naming it."""
    c = coordination(node)
    sato, sato_token = people["sato"]
    on = c.open_item(sato, item(label="CONFIDENTIAL//REL TO JPN, USA", propose=False))
    same = c.issue_tasker(
        sato, task(coordination_item=on.id, label="CONFIDENTIAL//REL TO USA, JPN")
    )
    assert same.label == on.label
    before = counts(node)
    with pytest.raises(Invalid, match=r"item's label, CONFIDENTIAL//REL TO JPN, USA: leave"):
        c.issue_tasker(sato, task(coordination_item=on.id, label="SECRET//REL TO JPN, USA"))
    body = task(coordination_item=on.id, label="CONFIDENTIAL").model_dump(mode="json")
    refused = client.post("/api/v1/coordination/taskers", json=body, headers=bearer(sato_token))
    assert refused.status_code == 422
    assert refused.json()["field"] == "label"
    assert "CONFIDENTIAL//REL TO JPN, USA" in refused.json()["detail"]
    assert counts(node) == before


def test_rest_and_pages(node: Node, people: dict, client: TestClient) -> None:
    sato_token, kato_token = people["sato"][1], people["kato"][1]
    body = task().model_dump(mode="json")
    made = client.post("/api/v1/coordination/taskers", json=body, headers=bearer(sato_token))
    assert made.status_code == 201, made.text
    tasker_id = made.json()["id"]
    bad = client.post(
        f"/api/v1/coordination/taskers/{tasker_id}/statuses",
        json={"office": "bocc", "status": "done-ish"},
        headers=bearer(kato_token),
    )
    assert bad.status_code == 422
    ok = client.post(
        f"/api/v1/coordination/taskers/{tasker_id}/statuses",
        json={"office": "bocc", "status": "complete"},
        headers=bearer(kato_token),
    )
    assert ok.status_code == 201, ok.text
    shown = client.get(
        f"/api/v1/coordination/taskers/{tasker_id}", headers=bearer(sato_token)
    ).json()
    assert shown["object"]["state"] == "complete"
    assert [x["object"]["status"] for x in shown["statuses"]] == ["complete"]
    from kizuna.identity import service as identity

    with node.db.write() as conn:
        user = identity.find_user(conn, "sato")
        assert user is not None
        client.cookies.set(cookies(client).session, identity.start_session(conn, user))
    listed = client.get("/coordination/taskers").text
    assert f'href="/coordination/taskers/{tasker_id}"' in listed
    page = client.get(f"/coordination/taskers/{tasker_id}").text
    assert 'data-status="complete"' in page
    # The form: a suspense in the reader's zone (JST for a Japanese officer).

    form = client.get("/coordination/taskers")
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    posted = client.post(
        "/coordination/taskers",
        data={
            "csrf_token": token,
            "title_en": "Brief",
            "title_ja": "説明",
            "issuing_body": "jjoc",
            "opr": "bocc",
            "suspense": "2099-01-01T09:00",
            "precedence": "ROUTINE",
            "label": "SECRET//REL TO JPN, USA",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    new_id = posted.headers["location"].rsplit("/", 1)[1]
    suspense = client.get(
        f"/api/v1/coordination/taskers/{new_id}", headers=bearer(sato_token)
    ).json()["object"]["suspense"]
    assert suspense.startswith("2099-01-01T00:00:00")  # 09:00 JST


@pytest.mark.parametrize(("lang", "none"), [("ja", "訳なし"), ("en", "No translation")])
def test_a_tasker_without_instructions_says_so_once(
    node: Node, people: dict, client: TestClient, lang: str, none: str
) -> None:
    """Walk 40: a tasker with no instructions showed 「訳なし」 twice, once a column."""
    made = coordination(node).issue_tasker(people["sato"][0], task())
    sign_in_as(node, client, "sato", lang)
    page = client.get(f"/coordination/taskers/{made.id}").text
    assert page.count(none) == 1


@pytest.mark.parametrize(("lang", "complete"), [("ja", "完了"), ("en", "Complete")])
def test_the_status_that_completed_a_tasker_is_named_on_its_object_page(
    node: Node, people: dict, client: TestClient, lang: str, complete: str
) -> None:
    """Walk 40: a tasker's 完了させた者 (completed_by) showed the status's raw id; it
    reads as the tasker's page lists a status, its office and its status in words."""
    c = coordination(node)
    sato, kato = people["sato"][0], people["kato"][0]
    made = c.issue_tasker(sato, task())
    done = c.report_status(kato, made.id, TaskStatusCreate(office="bocc", status="complete"))
    sign_in_as(node, client, "sato", lang)
    page = client.get(f"/objects/{made.id}").text
    linked = re.findall(rf'<a class="ref" href="/objects/{done.id}">([^<]*)</a>', page)
    bocc = c.structure.bodies["bocc"].name(lang)
    colon = "：" if lang == "ja" else ": "
    assert linked == [f"{bocc}{colon}{complete}"]


def test_who_may_only_answer_is_offered_a_tasker_on_an_item_and_told_what_they_may_do(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 38: a coordinator was offered the whole tasker form and refused on sending
    it (a tasker without an item is a new object, which their role does not write),
    and a reader refused an item was told they "may answer" what they may not."""
    member(node, "kudo", nation="JPN", roles=["coordinator"], bodies=["jjoc"])
    reader = member(node, "noma", nation="JPN", roles=["reader"], bodies=["jjoc"])[0]
    client.cookies.clear()
    sign_in(client, "kudo", lang="en")
    form = client.get("/coordination/taskers").text
    field = re.search(r'<input name="coordination_item"[^>]*>', form)
    assert field is not None
    assert "required" in field.group(0)
    assert "your role tasks on an item" in form
    client.cookies.clear()
    sign_in(client, "sato", lang="en")
    assert "required" not in re.search(  # type: ignore[union-attr]
        r'<input name="coordination_item"[^>]*>', client.get("/coordination/taskers").text
    ).group(0)
    with pytest.raises(Refused) as caught:
        coordination(node).open_item(reader, item())
    assert "noma reads them" in str(caught.value)
    assert "may answer" not in str(caught.value)


def test_a_narrowed_item_takes_its_taskers_along(
    node: Node, people: dict, frozen: list[datetime]
) -> None:
    """Stop 40 left it: a tasker on an item carries the item's label and names it, and
    stayed with the partner when the item was narrowed away from it. The tasker, each
    office's status and the offices' receipts now follow the item: released with it
    (a partner's held here would be bounded, as its answers are); so does what hangs on
    a tasker narrowed by itself."""
    from kizuna.labels import parse

    c = coordination(node)
    sato, kato = people["sato"][0], people["kato"][0]
    davis, smith = people["davis"][0], people["smith"][0]
    on = c.open_item(sato, item(label="SECRET//REL TO JPN, USA", propose=False))
    tasker = c.issue_tasker(
        sato, task(coordination_item=on.id, opr="bocc", ocrs=["mod-policy", "usfj"])
    )
    ours = c.report_status(
        sato, tasker.id, TaskStatusCreate(office="mod-policy", status="acknowledged")
    )
    theirs = c.report_status(kato, tasker.id, TaskStatusCreate(office="bocc", status="in_progress"))
    got = receipts_of(c, sato, tasker.id)
    assert {r.object["body"] for r in got} == {"bocc", "mod-policy"}
    hanging = [tasker.id, ours.id, theirs.id, *(r.id for r in got)]
    for each in hanging:
        assert node.store.get(smith, each).id == each
    before = counts(node)["audit"]

    node.store.release(sato, on.id, parse(node.policy, "SECRET//REL TO JPN"))

    for each in hanging:
        with pytest.raises(NotFound):
            node.store.get(smith, each)
        with pytest.raises(NotFound):
            node.store.get(davis, each)
        assert node.store.get(sato, each).id == each
    assert node.store.get(sato, tasker.id).label.rel_to == {"JPN"}
    assert node.store.get(sato, ours.id).label.rel_to == {"JPN"}
    assert receipts_of(c, smith, tasker.id) == []
    assert counts(node)["audit"] > before  # each release and bound is audited

    # A tasker without an item, narrowed by itself, takes its statuses along.
    alone = c.issue_tasker(sato, task(opr="bocc", ocrs=["usfj"]))
    status = c.report_status(kato, alone.id, TaskStatusCreate(office="bocc", status="acknowledged"))
    node.store.release(sato, alone.id, parse(node.policy, "SECRET//REL TO JPN"))
    with pytest.raises(NotFound):
        node.store.get(smith, status.id)
    assert receipts_of(c, smith, alone.id) == []


def test_what_follows_an_item_is_never_released_wider_than_it(
    node: Node, people: dict, frozen: list[datetime]
) -> None:
    """The recall helper's leftover: a releasing officer could release a tasker or a
    status on it through the generic release endpoint to a nation the item (or the
    tasker) is not released to, telling it of what it may not read. Refused, naming
    the label; once what it is about is released that widely, it may follow."""
    from kizuna.errors import Disallowed
    from kizuna.labels import parse

    c = coordination(node)
    sato, kato = people["sato"][0], people["kato"][0]
    on = c.open_item(sato, item(label="SECRET//REL TO JPN, USA", propose=False))
    tasker = c.issue_tasker(sato, task(coordination_item=on.id, opr="bocc", ocrs=[]))
    status = c.report_status(kato, tasker.id, TaskStatusCreate(office="bocc", status="in_progress"))
    wide = on.label
    node.store.release(sato, on.id, parse(node.policy, "SECRET//REL TO JPN"))
    assert node.store.get(sato, status.id).label.rel_to == {"JPN"}  # followed
    for what in (tasker.id, status.id):
        with pytest.raises(Disallowed, match="never released wider than what it is about"):
            node.store.release(sato, what, wide)
        assert node.store.get(sato, what).label.rel_to == {"JPN"}
    node.store.release(sato, on.id, wide)
    with pytest.raises(Disallowed, match="never released wider"):
        node.store.release(sato, status.id, wide)  # its tasker is still narrower
    assert node.store.release(sato, tasker.id, wide).label == wide
    assert node.store.release(sato, status.id, wide).label == wide


_ALERT = re.compile(r'role="alert">([^<]*)<')


def _form(**overrides: str) -> dict[str, str]:
    values = {"title_en": "Brief", "title_ja": "説明", "issuing_body": "jjoc", "opr": "usfj",
              "suspense": "2099-01-01T09:00", "precedence": "ROUTINE",
              "label": "CONFIDENTIAL"}  # fmt: skip
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "ja",
            "記録されませんでした。 区分：タスキングは、対象の部署が属する国（米国）に提供可で"
            "ある必要があります。提供可（REL TO）にその国を含めてください。",
        ),
        (
            "en",
            "Nothing was recorded. Label: the tasker must be releasable to United States, "
            "whose offices it tasks: name them after REL TO.",
        ),
    ],
)
def test_a_tasker_its_offices_may_not_read_is_refused_in_the_readers_words(
    node: Node, people: dict, client: TestClient, lang: str, said: str
) -> None:
    """Walk 47: a tasker for USFJ at CONFIDENTIAL (Japan only) was refused on the
    Japanese page in English: 「区分：the tasker must be releasable to USA, whose
    offices it tasks」. It is said in the reader's words, the nation in words."""
    token = sign_in_as(node, client, "sato", lang)
    before = counts(node)
    answer = client.post("/coordination/taskers", data={"csrf_token": token, **_form()})
    assert answer.status_code == 422
    assert _ALERT.findall(answer.text) == [said]
    assert 'value="CONFIDENTIAL"' in answer.text  # what was typed is kept
    assert counts(node) == before


def test_a_tasker_form_names_an_item_it_may_not_read_as_its_fields_error(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 47: an unknown item id on the tasker form answered 404 "There is nothing
    here, or you may not see it". The form names the field, the same words for an item
    that does not exist and one the author may not read, and keeps what was typed."""
    c = coordination(node)
    hidden = c.open_item(people["sato"][0], item(label="SECRET", propose=False))
    member(node, "mori", nation="JPN", roles=["author"], bodies=["jjoc"], clearance="CONFIDENTIAL")
    token = sign_in_as(node, client, "mori", "en")
    before = counts(node)
    said = set()
    for named in (hidden.id, "x-kizuna-coordination-item--00000000-0000-4000-8000-000000000000"):
        sent = _form(opr="bocc", coordination_item=named, label="", title_en="Kept title")
        answer = client.post("/coordination/taskers", data={"csrf_token": token, **sent})
        assert answer.status_code == 422
        said.update(html.unescape(m) for m in _ALERT.findall(answer.text))
        assert 'value="Kept title"' in answer.text
        assert f'value="{named}"' in answer.text
    assert said == {
        "Nothing was recorded. Coordination item: this names no coordination item you may "
        "read: copy the id from the item's page."
    }
    assert counts(node) == before


def test_a_reader_is_refused_for_his_role_before_anything_of_the_label(
    node: Node, people: dict, client: TestClient
) -> None:
    """Walk 47: as for an RFI, the caller first: role (403), then clearance (403),
    then the label's rules (422), as an assessment is checked."""
    c = coordination(node)
    reader = member(node, "noma", nation="JPN", roles=["reader"], bodies=["jjoc"])[0]
    junior = member(
        node, "mori", nation="JPN", roles=["author"], bodies=["jjoc"], clearance="CONFIDENTIAL"
    )[0]
    before = counts(node)
    for label in (None, "NOT A LABEL", "SECRET"):
        with pytest.raises(Refused, match="noma may not issue a tasker without an item"):
            c.issue_tasker(reader, task(opr="usfj", ocrs=[], label=label))
    with pytest.raises(Refused, match="above the clearance of mori"):
        c.issue_tasker(junior, task(opr="usfj", ocrs=[], label="TOP SECRET"))
    assert counts(node) == before
