"""The cell's pages in both languages: a list and form per kind, a joint product's
approvals, and the approval itself (of the version read, by an officer of the node's
own nation), through a signed-in browser session."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.intel import joint, model, service
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, cookies, report

pytestmark = pytest.mark.sqlite_only


def _login(client: TestClient, name: str) -> None:
    client.cookies.clear()
    client.get("/login")
    token = client.cookies.get(cookies(client).csrf, "")
    answer = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/intel"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_an_officer_approves_on_the_page_in_both_languages(node: Node) -> None:
    add_user(
        node,
        "sato",
        compartments=["BIAC"],
        roles=["author", "releasing_officer"],
        password=PASSWORD,
    )
    add_user(
        node,
        "jones",
        nation="USA",
        compartments=["BIAC"],
        roles=["releasing_officer"],
        password=PASSWORD,
    )
    with node.db.read() as conn:
        from kizuna.identity import service as identity

        sato = identity.find_user(conn, "sato")
        assert sato is not None
    draft = "SECRET//BIAC//REL TO JPN, USA"
    kinds = {k.key: k for k in model.KINDS}
    aid = service.create(
        node.store,
        sato.principal,
        kinds["assessments"],
        {"name": "Assessment", "judgement": "j", "confidence": 50},
        draft,
    ).id
    pid = service.create(
        node.store,
        sato.principal,
        kinds["joint-products"],
        {
            "name": "Joint product",
            "contributions": [aid],
            "nations": ["USA"],
            "target_label": "SECRET//REL TO JPN, USA",
        },
        draft,
    ).id

    with TestClient(create_app(node)) as client:
        # A USA officer signed in to the JPN node is told where to approve.
        _login(client, "jones")
        client.get("/lang/en")
        english = client.get(f"/intel/joint/{pid}")
        assert english.status_code == 200
        assert "Japan: waiting" in english.text
        assert 'id="approve"' not in english.text
        assert (
            "Officers of your nation (United States) approve on its own node, not on this one."
            in english.text
        )
        client.get("/lang/ja")
        assert (
            "あなたの国（米国）の公開責任者は、このノードではなく自国のノードで承認します。"
            in client.get(f"/intel/joint/{pid}").text
        )

        _login(client, "sato")
        listing = client.get("/intel/joint-products")
        assert pid in listing.text
        client.get("/lang/ja")
        page = client.get(f"/intel/joint/{pid}")
        assert "草案" in page.text
        assert "公開を承認" in page.text
        form = {"csrf_token": _csrf(page.text), "digest": _digest(page.text)}
        # The draft changes after sato read it: the form names a version that is gone.
        joint.revise(node.store, sato.principal, pid, {"name": "Joint product, revised"})
        stale = client.post(f"/intel/joint/{pid}/approve", data=form)
        assert stale.status_code == 409
        # In the reader's words (Japanese here), not the service's.
        assert "作成物はあなたが開いた後に改訂されました" in stale.text
        page = client.get(f"/intel/joint/{pid}")
        form = {"csrf_token": _csrf(page.text), "digest": _digest(page.text)}
        answer = client.post(f"/intel/joint/{pid}/approve", data=form, follow_redirects=False)
        assert answer.status_code == 303
        after = client.get(f"/intel/joint/{pid}").text
        assert "日本：sato" in after
        assert "米国：承認待ち" in after
        assert 'id="approve"' not in after
    # Released only when USA's approval has come from the USA node.
    assert node.store.get(node.system, pid).label == parse(node.policy, draft)


def _digest(html: str) -> str:
    found = re.search(r'name="digest" value="([0-9a-f]{64})"', html)
    assert found
    return found.group(1)


def test_the_form_reports_bad_input_and_keeps_what_was_typed(node: Node) -> None:
    add_user(node, "kato", roles=["author"], password=PASSWORD)
    with TestClient(create_app(node)) as client:
        _login(client, "kato")
        form = client.get("/intel/assessments")
        assert form.status_code == 200
        answer = client.post(
            "/intel/assessments",
            data={
                "csrf_token": _csrf(form.text),
                "name": "Typed title",
                "judgement": "j",
                "confidence": "300",
            },
        )
        assert answer.status_code == 422
        assert "confidence" in answer.text
        assert 'value="Typed title"' in answer.text
        made = client.post(
            "/intel/observations",
            data={
                "csrf_token": _csrf(form.text),
                "observed_at": "2026-11-28T10:00:00Z",
                "place": "Naha",
                "description": "seen",
                "source_reliability": "C",
                "domains": ["air"],
            },
            follow_redirects=False,
        )
        assert made.status_code == 303
        assert "Naha" in client.get("/intel/observations").text


def test_a_reader_who_posts_the_form_by_hand_is_told_why_nothing_was_made(node: Node) -> None:
    # A reader sees no form; a hand-made post is refused, and the page says so.
    add_user(node, "mori", roles=["reader"], password=PASSWORD)
    with TestClient(create_app(node)) as client:
        _login(client, "mori")
        page = client.get("/intel/observations")
        assert 'id="new-observations"' not in page.text
        answer = client.post(
            "/intel/observations",
            data={
                "csrf_token": _csrf(page.text),
                "observed_at": "2026-11-28T10:00:00Z",
                "place": "Naha",
                "description": "seen",
            },
        )
        assert answer.status_code == 403
        said = re.search(r'<p class="error" role="alert" id="intel-error">([^<]+)</p>', answer.text)
        assert said, answer.text
        assert said.group(1) in (
            "Your roles do not allow this: it needs the author or translator role.",
            "あなたの役割ではこの操作はできません。作成者または翻訳者の役割が必要です。",
        )
        assert "Naha" not in client.get("/intel/observations").text


def test_a_kinds_list_is_in_the_order_of_the_date_it_shows(node: Node) -> None:
    """Last modified first, not last arrived first: objects from a peer arrive in any
    order (issue 16: the USA reports list was ordered by arrival)."""
    from tests.factories import report, sign_in

    add_user(node, "sato", password=PASSWORD)
    label = parse(node.policy, "SECRET//REL TO JPN")
    stamps = {"mid": "2025-06-01T00:00:00.000Z", "old": "2025-01-01T00:00:00.000Z",
              "new": "2026-01-01T00:00:00.000Z"}  # fmt: skip
    with node.db.write() as conn:
        for name, at in stamps.items():  # arriving mid, old, new
            node.store.create_in(conn, node.system,
                                 report(name, created=at, modified=at), label)  # fmt: skip
    with TestClient(create_app(node)) as client:
        sign_in(client, "sato", lang="en")
        page = client.get("/intel/reports").text
    shown = re.findall(r'<a href="/objects/report--[^"]+">(\w+)</a>', page)
    assert shown == ["new", "mid", "old"]


def test_a_joint_products_nations_and_target_label_read_as_its_chip_does(node: Node) -> None:
    """The target label is written as the chip beside it is (the reader's language,
    their nation first), and the approving nations are named, not coded."""
    sato, _ = add_user(
        node, "sato", compartments=["BIAC"], roles=["author", "releasing_officer"],
        password=PASSWORD,
    )  # fmt: skip
    add_user(node, "jones", nation="USA", compartments=["BIAC"], roles=["reader"],
             password=PASSWORD)  # fmt: skip
    kinds = {k.key: k for k in model.KINDS}
    draft = "SECRET//BIAC//REL TO JPN, USA"
    aid = service.create(
        node.store, sato.principal, kinds["assessments"],
        {"name": "Assessment", "judgement": "j", "confidence": 50}, draft,
    ).id  # fmt: skip
    target = "SECRET//REL TO JPN, USA"
    pid = service.create(
        node.store, sato.principal, kinds["joint-products"],
        {"name": "Joint product", "contributions": [aid], "target_label": target}, draft,
    ).id  # fmt: skip

    def facts(html: str) -> tuple[str, str]:
        target = re.search(r'id="target-label"><span class="chip [^"]*">([^<]+)</span>', html)
        nations = re.search(r'id="approving-nations">([^<]+)<', html)
        assert target
        assert nations
        return target.group(1), nations.group(1)

    with TestClient(create_app(node)) as client:
        _login(client, "sato")
        client.get("/lang/ja")
        page = client.get(f"/intel/joint/{pid}").text
        assert facts(page) == ("極秘//提供可：日本、米国", "日本、米国")
        assert "極秘//BIAC//提供可：日本、米国" in page  # the chip, in the same words
        assert "SECRET//REL TO JPN, USA" not in page
        assert "日本：承認待ち" in page
        assert "米国：承認待ち" in page
        _login(client, "jones")
        client.get("/lang/en")
        page = client.get(f"/intel/joint/{pid}").text
        assert facts(page) == ("SECRET//REL TO USA, JPN", "United States, Japan")
        assert "SECRET//BIAC//REL TO USA, JPN" in page


def test_an_object_created_from_its_list_ends_on_its_own_address(node: Node) -> None:
    """Walk 40 read the address bar as staying on /intel/reports after a report was
    made, so that reloading showed the list: each kind's form answers 303 to the new
    object's page (a joint product's to its approvals), which the browser, or htmx for
    the boosted form, leaves in the address bar."""
    add_user(node, "kato", roles=["author", "releasing_officer"], password=PASSWORD)
    # Releasable to the USA: a joint product gathers what every approving nation reads.
    shared = parse(node.policy, "UNCLASSIFIED//REL TO JPN, USA")
    gathered = node.store.create(node.system, report("Gathered"), shared).id
    fills = {
        "reports": {"name": "Made from the list", "object_refs": [gathered]},
        "assessments": {"name": "Judged", "judgement": "j", "confidence": "60"},
        "observations": {"observed_at": "2026-11-28T10:00:00Z", "place": "Naha",
                         "description": "seen", "source_reliability": "C", "domains": ["air"]},
        "joint-products": {"name": "Joint", "target_label": "SECRET//REL TO JPN, USA",
                           "contributions": [gathered], "label": "CONFIDENTIAL//REL TO JPN, USA"},
    }  # fmt: skip
    ends = {
        "reports": r"/objects/report--[0-9a-f-]{36}",
        "assessments": r"/objects/x-kizuna-assessment--[0-9a-f-]{36}",
        "observations": r"/objects/x-kizuna-observation--[0-9a-f-]{36}",
        "joint-products": r"/intel/joint/grouping--[0-9a-f-]{36}",
    }
    with TestClient(create_app(node)) as client:
        _login(client, "kato")
        for key, fill in fills.items():
            form = client.get(f"/intel/{key}")
            made = client.post(f"/intel/{key}", data={"csrf_token": _csrf(form.text), **fill},
                               headers={"HX-Request": "true", "HX-Boosted": "true"})  # fmt: skip
            said = re.search(r'id="intel-error">([^<]*)', made.text)
            assert made.status_code == 200, (key, said and said.group(1))
            assert [r.status_code for r in made.history] == [303], key
            assert re.fullmatch(ends[key], made.url.path), (key, made.url)
            # Reloading the address shows the object again, not the list.
            again = client.get(made.url.path)
            assert again.status_code == 200
            kind = model.kind_of(key)
            assert kind is not None
            assert f"<h1>{kind.ja}</h1>" not in again.text, key


def test_a_reader_of_the_released_product_hears_why_its_drafts_are_not_there(
    node: Node,
) -> None:
    """Walk: the joint product's page showed "Versions" with nothing under it to a
    reader who may not read the draft (BIAC), only the released product. The page
    says the drafts are not releasable to that reader; a reader of the draft is not
    told so. Both reach the history of what they may read."""
    import uuid

    sato, _ = add_user(
        node, "sato", compartments=["BIAC"], roles=["author", "releasing_officer"],
        password=PASSWORD,
    )  # fmt: skip
    add_user(node, "tanaka", password=PASSWORD)  # SECRET, no BIAC
    kinds = {k.key: k for k in model.KINDS}
    draft = "SECRET//BIAC//REL TO JPN, USA"
    aid = service.create(
        node.store, sato.principal, kinds["assessments"],
        {"name": "Assessment", "judgement": "j", "confidence": 50}, draft,
    ).id  # fmt: skip
    pid = service.create(
        node.store, sato.principal, kinds["joint-products"],
        {"name": "Joint product", "contributions": [aid],
         "target_label": "SECRET//REL TO JPN, USA"}, draft,
    ).id  # fmt: skip
    state = joint.joint_state(node.store, sato.principal, pid)
    joint.approve(node.store, sato.principal, pid, state.digest)
    approval = model.approval(
        product=pid, product_digest=state.digest, product_modified=state.product.modified,
        nation="USA", officer="jones",
    )  # fmt: skip
    with node.store.transaction(node.system) as conn:  # as the federation receives it
        made = node.store.accept_in(
            conn, body={"id": f"{model.APPROVAL_TYPE}--{uuid.uuid4()}", **approval},
            label=parse(node.policy, draft), origin="USA", author="node:USA", version=1,
        )  # fmt: skip
        assert made is not None
        for hook in node.arrival_hooks:
            hook(node, conn, made)
    assert joint.joint_state(node.store, sato.principal, pid).state == "released"
    with TestClient(create_app(node)) as client:
        for who, lang, withheld in (
            ("tanaka", "en", "The drafts before its release are not releasable to you."),
            ("tanaka", "ja", "公開前の草案は、あなたには提供されていません。"),
            ("sato", "en", None),
        ):
            _login(client, who)
            client.get(f"/lang/{lang}")
            page = client.get(f"/intel/joint/{pid}").text
            assert f'<a href="/objects/{pid}" id="joint-history">' in page
            assert '">Versions</a></p>' not in page
            if withheld is None:
                assert 'id="joint-drafts-withheld"' not in page
            else:
                assert withheld in page
                history = client.get(f"/objects/{pid}").text
                assert "<td>1</td>" not in history
