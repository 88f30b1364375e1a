"""Two nodes in one process, each served over real HTTP: what JPN makes releasable to
USA arrives on USA signed and intact; nothing else does; a hostile peer's objects are
quarantined. (Separate processes, killed and restarted, are in tests/e2e.)"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna import audit, clock
from kizuna.bootstrap import initialize, open_node
from kizuna.federation import peers as peer_service
from kizuna.federation.pull import pull_once
from kizuna.federation.schema import quarantine, signatures
from kizuna.federation.signing import unwrap, verify
from kizuna.identity import service as identity
from kizuna.labels import Label, can_read, parse
from kizuna.labels.label import Clearance
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.store.feed import FeedQuery, feed
from tests.conftest import node_settings
from tests.factories import cookies, live_server, random_label, report

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

AGREED = Clearance("USA", 20, frozenset({"BIAC", "CYBER"}))  # SECRET, BIAC and CYBER


@pytest.fixture
def usa(tmp_path: Path) -> Iterator[Node]:
    settings = node_settings(f"sqlite:///{tmp_path / 'usa.db'}", tmp_path / "usa")
    (tmp_path / "usa").mkdir()
    settings = settings.model_copy(update={"key_file": tmp_path / "usa" / "node.pem"})
    initialize(settings, nation="USA")
    opened = open_node(settings)
    try:
        yield opened
    finally:
        opened.db.dispose()


def _peer(a: Node, b: Node, url: str, token: str = "") -> str:
    """Tell `a` about `b` (at `url`); returns the token b pulls from a with."""
    with a.db.write() as conn:
        return peer_service.add_peer(
            conn,
            policy=a.policy,
            own_nation=a.nation,
            actor="test",
            nation=b.nation,
            url=url,
            public_key_pem=public_key_pem(b.key),
            max_level="SECRET",
            compartments=["BIAC", "CYBER"],
            pull_token=token,
        )


def _peer_of(here: Node, nation: str) -> peer_service.Peer:
    with here.db.read() as conn:
        found = peer_service.find_peer(conn, nation)
    assert found is not None
    return found


@contextmanager
def _linked(node: Node, usa: Node) -> Iterator[None]:
    """Both nodes served and peered both ways, each holding the token it pulls with."""
    with live_server(node) as jpn_url, live_server(usa) as usa_url:
        token_for_usa = _peer(node, usa, usa_url)
        token_for_jpn = _peer(usa, node, jpn_url, token_for_usa)
        with node.db.write() as conn:
            peer_service.set_pull_token(conn, actor="test", nation="USA", token=token_for_jpn)
        yield


def _all_ids(node: Node) -> dict[str, int]:
    got: dict[str, int] = {}
    token = None
    while True:
        page = feed(
            node.store, node.system, FeedQuery(versions=("all",)), limit=1000, cursor_token=token
        )
        for o in page.items:
            if o.type != "marking-definition":
                got[o.id] = max(got.get(o.id, 0), o.version)
        token = page.next
        if token is None:
            return got


def test_usa_receives_exactly_what_is_releasable_signed_and_intact(node: Node, usa: Node) -> None:
    rng = random.Random(7)
    truth: dict[str, Label] = {}
    with node.db.write() as conn:
        for i in range(300):
            label = random_label(rng, node)
            truth[node.store.create_in(conn, node.system, report(f"r{i}"), label).id] = label
    # A release after the first pull must arrive as a new version.
    first_id = next(i for i, lab in truth.items() if can_read(AGREED, lab))

    with live_server(node) as jpn_url:
        token_for_usa = _peer(node, usa, "http://127.0.0.1:9")  # JPN pulls nothing here
        _peer(usa, node, jpn_url, token_for_usa)
        with usa.db.read() as conn:
            peer = peer_service.find_peer(conn, "JPN")
        assert peer is not None
        applied = pull_once(usa, peer)
        expected = {i for i, lab in truth.items() if can_read(AGREED, lab)}
        assert applied.quarantined == 0
        assert applied.stored == len(expected)
        assert set(_all_ids(usa)) == expected
        assert 0 < len(expected) < len(truth)

        # Payloads identical, signature kept and valid.
        for stix_id in sorted(expected)[:50]:
            here = usa.store.get(usa.system, stix_id)
            there = node.store.get(node.system, stix_id)
            assert here.body == there.body
            assert here.label == there.label
            assert here.origin == "JPN"
        with usa.db.read() as conn:
            kept = conn.execute(select(signatures)).all()
        assert len(kept) == len(expected)

        # Pulling again stores nothing twice; a release arrives as a new version.
        with usa.db.read() as conn:
            peer = peer_service.find_peer(conn, "JPN")
        assert peer is not None
        assert pull_once(usa, peer).stored == 0
        # Wider on every count (no recall goes with it).
        wider = Label(0, truth[first_id].rel_to | {"USA"})
        if wider == truth[first_id]:
            wider = Label(0, wider.rel_to | {"AUS"})
        node.store.release(node.system, first_id, wider)
        with usa.db.read() as conn:
            peer = peer_service.find_peer(conn, "JPN")
        assert peer is not None
        again = pull_once(usa, peer)
        assert again.stored == 1
        assert [v.version for v in usa.store.history(usa.system, first_id)] == [1, 2]

    # Replicated objects are read-only on the receiving node.
    from kizuna.store import Refused

    with pytest.raises(Refused):
        usa.store.revise(usa.system, first_id, report("changed"))


def test_a_hostile_peer_gets_nothing_stored_and_everything_quarantined(
    node: Node, usa: Node, tmp_path: Path
) -> None:
    """USA plays the hostile sender: its node is real, but the objects it serves are
    crafted. JPN's guard must refuse each one, store nothing, audit everything."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kizuna.federation.signing import sign
    from kizuna.stix.markings import marking_id
    from kizuna.stix.validate import prepare

    jpn_owned = node.store.create(node.system, report("ours"), Label(0, frozenset({"JPN", "USA"})))

    def crafted(
        label: Label,
        *,
        origin: str = "USA",
        key: Ed25519PrivateKey | None = None,
        body: dict[str, object] | None = None,
    ) -> dict[str, object]:
        made = body or prepare(report("crafted"), now="2026-11-29T00:00:00.000Z")
        made = {**made, "object_marking_refs": [marking_id(node.policy, label)]}
        return sign(
            key or usa.key,
            made,
            origin=origin,
            label=label,
            added="2026-11-29T00:00:00.000000Z",
            version=2,
        )

    both = Label(0, frozenset({"JPN", "USA"}))
    usa_only = Label(0, frozenset({"USA"}))
    top = Label(30, frozenset({"JPN", "USA"}))
    hostile = [
        ("not releasable", crafted(usa_only)),
        ("forged originator", crafted(both, origin="AUS")),
        ("bad signature", crafted(both, key=Ed25519PrivateKey.generate())),
        ("outside the agreement", crafted(top)),
        (
            "someone else's object",
            crafted(
                both, body={**json.loads(jpn_owned.body), "modified": "2030-01-01T00:00:00.000Z"}
            ),
        ),
        ("unsigned", prepare(report("plain"), now="2026-11-29T00:00:00.000Z")),
    ]
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    from kizuna.taxii.collections import peer_collection

    fake = FastAPI()
    collection = f"/taxii2/kizuna/collections/{peer_collection('JPN').id}/"
    media = "application/taxii+json;version=2.1"

    @fake.get(collection)
    def info() -> JSONResponse:
        return JSONResponse(
            {"id": peer_collection("JPN").id, "title": "x", "can_read": True, "can_write": False},
            media_type=media,
        )

    @fake.get(collection + "objects/")
    def objects() -> JSONResponse:
        return JSONResponse({"more": False, "objects": [o for _, o in hostile]}, media_type=media)

    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(fake, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        _peer(node, usa, f"http://127.0.0.1:{port}", "hostile-token")
        with node.db.read() as conn:
            before = conn.execute(select(func.count()).select_from(signatures)).scalar_one()
            peer = peer_service.find_peer(conn, "USA")
        assert peer is not None
        applied = pull_once(node, peer)
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    assert applied.stored == 0
    assert applied.quarantined == len(hostile)
    with node.db.read() as conn:
        held = conn.execute(select(quarantine.c.reason).order_by(quarantine.c.pk)).scalars().all()
        after = conn.execute(select(func.count()).select_from(signatures)).scalar_one()
        actions = [e.action for e in audit.entries(conn, limit=50)]
    assert after == before
    assert len(held) == len(hostile)
    for (what, _), reason in zip(hostile, held, strict=True):
        assert reason, what
    assert "not releasable to JPN" in held[0]
    assert "originator AUS" in held[1]
    assert "signature" in held[2]
    assert "agreement" in held[3]
    assert "belongs to JPN" in held[4] or "this node" in held[4]
    assert "unsigned" in held[5]
    # Not releasable here, or outside the agreement: spillage, audited as such.
    assert actions.count("federation.spillage") == 2
    assert actions.count("federation.quarantine") == len(hostile) - 2
    # Nothing of it is readable, and JPN's own object is unchanged.
    assert [v.version for v in node.store.history(node.system, jpn_owned.id)] == [1]


def test_a_signature_covers_body_and_label(node: Node) -> None:
    from kizuna.federation.signing import sign

    body = json.loads(
        node.store.create(node.system, report("x"), Label(0, frozenset({"JPN"}))).body
    )
    signed = sign(node.key, body, origin="JPN", label=Label(0, frozenset({"JPN"})), added="t")
    assert verify(node.key.public_key(), unwrap(signed))
    tampered = json.loads(json.dumps(signed))
    tampered["name"] = "y"
    assert not verify(node.key.public_key(), unwrap(tampered))
    relabelled = json.loads(json.dumps(signed))
    ext = next(iter(v for k, v in relabelled["extensions"].items()))
    ext["releasable_to"] = ["JPN", "USA"]
    assert not verify(node.key.public_key(), unwrap(relabelled))


def test_peer_add_refuses_bad_input_and_writes_nothing(node: Node, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kizuna.cli.main import app
    from kizuna.federation.schema import peers
    from kizuna.identity.schema import users

    good_key = tmp_path / "usa.pem"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    good_key.write_text(public_key_pem(Ed25519PrivateKey.generate()))
    bad_key = tmp_path / "bad.pem"
    bad_key.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    env = {"KIZUNA_KEY_FILE": str(node.settings.key_file)}
    db = ["--db", node.settings.database_url]

    def count() -> tuple[int, int]:
        with node.db.read() as conn:
            return (
                conn.execute(select(func.count()).select_from(peers)).scalar_one(),
                conn.execute(select(func.count()).select_from(users)).scalar_one(),
            )

    before = count()
    cases = [
        (
            ["XXX", "--url", "http://h", "--public-key", str(good_key), "--max-level", "SECRET"],
            "nation",
        ),
        (
            ["JPN", "--url", "http://h", "--public-key", str(good_key), "--max-level", "SECRET"],
            "own nation",
        ),
        (
            ["USA", "--url", "ftp://h", "--public-key", str(good_key), "--max-level", "SECRET"],
            "url",
        ),
        (
            ["USA", "--url", "http://h", "--public-key", str(bad_key), "--max-level", "SECRET"],
            "public_key",
        ),
        (
            [
                "USA",
                "--url",
                "http://h",
                "--public-key",
                str(tmp_path / "missing.pem"),
                "--max-level",
                "SECRET",
            ],
            "public-key",
        ),
        (
            ["USA", "--url", "http://h", "--public-key", str(good_key), "--max-level", "HUGE"],
            "max_level",
        ),
        (
            [
                "USA",
                "--url",
                "http://h",
                "--public-key",
                str(good_key),
                "--max-level",
                "SECRET",
                "--compartment",
                "NOPE",
            ],
            "compartment",
        ),
    ]
    runner = CliRunner()
    for args, wanted in cases:
        result = runner.invoke(app, ["peer", "add", *args, *db], env=env)
        assert result.exit_code == 2, (args, result.output)
        assert wanted in result.stderr, (wanted, result.stderr)
    assert count() == before
    ok = runner.invoke(
        app,
        [
            "peer",
            "add",
            "USA",
            "--url",
            "http://h",
            "--public-key",
            str(good_key),
            "--max-level",
            "SECRET",
            "--compartment",
            "CYBER",
            "--compartment",
            "BIAC",
            *db,
        ],
        env=env,
    )
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(
        app,
        [
            "peer",
            "add",
            "USA",
            "--url",
            "http://h",
            "--public-key",
            str(good_key),
            "--max-level",
            "SECRET",
            *db,
        ],
        env=env,
    )
    assert again.exit_code == 2
    assert "already a peer" in again.stderr
    listed = runner.invoke(app, ["peer", "list", *db], env={**env, "COLUMNS": "200"})
    assert "USA" in listed.output
    # The agreement as a label begins (compartments joined by '/'), not one '//' each.
    assert "SECRET//BIAC/CYBER" in listed.output
    assert "BIAC//CYBER" not in listed.output
    removed = runner.invoke(app, ["peer", "remove", "USA", *db], env=env)
    assert removed.exit_code == 0
    assert count() == before


def test_what_peer_init_prints_saved_as_it_is_is_the_partners_key_file(
    node: Node, usa: Node, tmp_path: Path
) -> None:
    """The README's hand-over: `kizuna peer init --url URL > usa.peer` on one node, and
    that file as `--public-key` of `kizuna peer add` on the other; the key is kept as
    a bare PEM."""
    from typer.testing import CliRunner

    from kizuna.cli.main import app
    from kizuna.federation.schema import peers

    runner = CliRunner()
    printed = runner.invoke(
        app,
        ["peer", "init", "--url", "http://127.0.0.1:8011", "--db", usa.settings.database_url],
        env={"KIZUNA_KEY_FILE": str(usa.settings.key_file)},
    )
    assert printed.exit_code == 0, printed.output
    assert "url     http://127.0.0.1:8011" in printed.output
    handed = tmp_path / "usa.peer"
    handed.write_text(printed.output)
    added = runner.invoke(
        app,
        [
            *("peer", "add", "USA", "--url", "http://127.0.0.1:8011"),
            *("--public-key", str(handed), "--max-level", "SECRET"),
            *("--db", node.settings.database_url),
        ],
        env={"KIZUNA_KEY_FILE": str(node.settings.key_file)},
    )
    assert added.exit_code == 0, added.output
    with node.db.read() as conn:
        kept = conn.execute(select(peers.c.public_key).where(peers.c.nation == "USA")).scalar_one()
    assert kept == public_key_pem(usa.key)


def test_two_nodes_on_one_key_are_stopped_at_the_first_command_that_can_see_it(
    db_url: str, tmp_path: Path
) -> None:
    """Walk 37: `kizuna init` of a JPN and a USA database from one directory gave both
    the default key file, silently; `peer add` then took a node's own key as its
    partner's, one key for two partners, and a USA key file as AUS's."""
    from typer.testing import CliRunner

    from kizuna.cli.main import app

    runner = CliRunner()
    shared = {"KIZUNA_KEY_FILE": str(tmp_path / "node_ed25519.pem")}
    jpn_db, usa_db = db_url, f"sqlite:///{tmp_path / 'usa.db'}"
    first = runner.invoke(app, ["init", "--db", jpn_db, "--nation", "JPN"], env=shared)
    assert "(created)" in first.output, first.output
    second = runner.invoke(app, ["init", "--db", usa_db, "--nation", "USA"], env=shared)
    assert second.exit_code == 0, second.output
    assert "already there" in second.output
    assert "KIZUNA_KEY_FILE of its own" in second.output.replace("\n", " ")
    usa_file = tmp_path / "usa.peer"
    usa_file.write_text(runner.invoke(app, ["peer", "init", "--db", usa_db], env=shared).output)

    def add(nation: str, key_file: Path) -> tuple[int, str]:
        result = runner.invoke(
            app,
            [*("peer", "add", nation, "--url", "http://127.0.0.1:8602"),
             *("--public-key", str(key_file), "--max-level", "SECRET", "--db", jpn_db)],
            env=shared,
        )  # fmt: skip
        return result.exit_code, result.stderr

    code, said = add("USA", usa_file)
    assert code == 2
    assert "public_key: this is this node's own key" in said
    # With a key of its own, USA is added; its file as AUS's is refused, and its key
    # under another nation's name too.
    own = tmp_path / "usa.pem"
    usa_key = {"KIZUNA_KEY_FILE": str(own)}
    runner.invoke(app, ["init", "--db", f"sqlite:///{tmp_path / 'usa2.db'}", "--nation", "USA"],
                  env=usa_key)  # fmt: skip
    printed = runner.invoke(app, ["peer", "init", "--db", f"sqlite:///{tmp_path / 'usa2.db'}"],
                            env=usa_key).output  # fmt: skip
    usa_file.write_text(printed)
    assert add("USA", usa_file)[0] == 0
    code, said = add("AUS", usa_file)
    assert code == 2
    assert "nation: the key file is that of the node of USA, not AUS" in said
    bare = tmp_path / "bare.pem"
    bare.write_text(printed[printed.index("-----BEGIN") :])
    code, said = add("AUS", bare)
    assert code == 2
    assert "public_key: USA already signs with this key" in said


def test_only_the_peer_account_sees_its_collection_and_admins_see_the_page(node: Node) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from fastapi.testclient import TestClient

    from kizuna.taxii.collections import COLLECTIONS, peer_collection
    from kizuna.web.app import create_app
    from tests.factories import PASSWORD, add_user, bearer

    with node.db.write() as conn:
        token = peer_service.add_peer(
            conn,
            policy=node.policy,
            own_nation="JPN",
            actor="test",
            nation="USA",
            url="http://127.0.0.1:9",
            public_key_pem=public_key_pem(Ed25519PrivateKey.generate()),
            max_level="SECRET",
            compartments=[],
        )
    _user, other = add_user(node, "smith", nation="USA", clearance="TOP SECRET")
    add_user(node, "suzuki", clearance="TOP SECRET", roles=["admin"], password=PASSWORD)
    accept = {"Accept": "application/taxii+json;version=2.1"}
    url = f"/taxii2/kizuna/collections/{peer_collection('USA').id}/objects/"
    with TestClient(create_app(node)) as client:
        assert client.get(url, headers={**bearer(token), **accept}).status_code == 200
        assert client.get(url, headers={**bearer(other), **accept}).status_code == 404
        listed = client.get("/taxii2/kizuna/collections/", headers={**bearer(other), **accept})
        assert peer_collection("USA").id not in listed.text
        # Walk 37: the peer's token read the REST API and the general collections, which
        # hold what other nations' nodes sent this one (theirs to share). It reads its own
        # collection only.
        own = client.get("/taxii2/kizuna/collections/", headers={**bearer(token), **accept})
        assert [c["id"] for c in own.json()["collections"]] == [peer_collection("USA").id]
        for general in COLLECTIONS:
            path = f"/taxii2/kizuna/collections/{general.id}/objects/"
            assert client.get(path, headers={**bearer(token), **accept}).status_code == 404
            assert client.get(path, headers={**bearer(other), **accept}).status_code == 200
        for path in ("/api/v1/objects", "/api/v1/me", "/api/v1/coordination/items"):
            refused = client.get(path, headers=bearer(token))
            assert refused.status_code == 403, (path, refused.text)
            assert "partner node" in refused.json()["detail"]
            assert client.get(path, headers=bearer(other)).status_code == 200
        # The hint and checkpoint endpoints answer peers only.
        assert client.post("/federation/hint", headers=bearer(other)).status_code == 403
        assert client.post("/federation/hint", headers=bearer(token)).status_code == 202
        assert client.get("/federation/checkpoints", headers=bearer(token)).status_code == 200
        # A sequence number past the databases' integers is refused, not a server error.
        huge = client.get("/federation/checkpoints", params={"after": 2**63}, headers=bearer(token))
        assert huge.status_code == 422, huge.text
        # The page is for this node's admins.
        client.get("/login")
        csrf = client.cookies.get(cookies(client).csrf, "")
        client.post("/login", data={"username": "suzuki", "password": PASSWORD, "csrf_token": csrf})
        page = client.get("/federation")
        assert page.status_code == 200
        assert "米国" in page.text  # the peer, named in the reader's language


def test_the_federation_page_counts_only_what_its_reader_may_read(node: Node) -> None:
    """Objects in and out are counted of what the administrator reading the page may
    read, and the banner rises to every label counted: an administrator cleared for
    CONFIDENTIAL learns nothing of the SECRET objects the peers exchange."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kizuna.labels import parse
    from kizuna.web.app import create_app
    from tests.factories import PASSWORD, add_user

    with node.db.write() as conn:
        peer_service.add_peer(
            conn, policy=node.policy, own_nation="JPN", actor="test", nation="USA",
            url="http://127.0.0.1:9", public_key_pem=public_key_pem(Ed25519PrivateKey.generate()),
            max_level="SECRET", compartments=[],
        )  # fmt: skip
    out = ["SECRET//REL TO JPN, USA"] * 2
    out += ["CONFIDENTIAL//REL TO JPN, USA", "CONFIDENTIAL//REL TO JPN"]
    for i, text in enumerate(out):
        node.store.create(node.system, report(f"out {i}"), parse(node.policy, text))
    for i, text in enumerate(["SECRET//REL TO JPN, USA", "UNCLASSIFIED//REL TO JPN, USA"]):
        with node.store.transaction(node.system) as conn:
            node.store.accept_in(
                conn, body=report(f"in {i}", id=f"report--{uuid.uuid4()}", spec_version="2.1",
                                  created="2026-12-01T00:00:00.000Z",
                                  modified="2026-12-01T00:00:00.000Z"),
                label=parse(node.policy, text), origin="USA",
                author="node:USA", version=1,
            )  # fmt: skip
    add_user(node, "low", clearance="CONFIDENTIAL", roles=["admin"], password=PASSWORD)
    add_user(node, "high", clearance="TOP SECRET", roles=["admin"], password=PASSWORD)
    seen = {}
    for who in ("low", "high"):
        with TestClient(create_app(node)) as client:
            client.get("/login")
            csrf = client.cookies.get(cookies(client).csrf, "")
            client.post("/login", data={"username": who, "password": PASSWORD, "csrf_token": csrf})
            client.cookies.set(cookies(client).lang, "en")
            answer = client.get("/federation")
        assert answer.status_code == 200
        row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", answer.text, re.S)
        assert row is not None
        cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
        banner = re.search(r'id="banner-top"[^>]*>([^<]*)<', answer.text)
        assert banner is not None
        seen[who] = (cells[5], cells[6], banner.group(1))
    # (in, out, banner): the CONFIDENTIAL JPN-only object is not for USA at all.
    assert seen["low"] == ("1", "1", "CONFIDENTIAL//REL TO JPN")
    assert seen["high"] == ("2", "3", "SECRET//REL TO JPN")


def test_a_concurrence_written_on_the_usa_node_moves_the_jpn_item(node: Node, usa: Node) -> None:
    """JPN opens an item for USFJ; it replicates to USA; a US officer concurs on the
    USA node; the answer replicates back; JPN moves the item to concurred, and that
    version replicates to USA in turn."""
    from kizuna.domains.coordination.inputs import ItemCreate, ResponseCreate
    from kizuna.domains.coordination.model import ResponseKind
    from kizuna.domains.coordination.service import coordination
    from kizuna.identity import service as identity
    from kizuna.web.app import create_app

    with node.db.write() as conn:
        sato = identity.add_user(
            conn,
            policy=node.policy,
            actor="test",
            username="sato",
            nation="JPN",
            clearance="SECRET",
            roles=["author", "releasing_officer"],
            bodies=["jjoc"],
        )
    with usa.db.write() as conn:
        davis = identity.add_user(
            conn,
            policy=usa.policy,
            actor="test",
            username="davis",
            nation="USA",
            clearance="SECRET",
            roles=["coordinator"],
            bodies=["usfj"],
        )
    item = coordination(node).open_item(
        sato.principal,
        ItemCreate(
            title_en="Port access",
            title_ja="入港調整",
            requesting_body="jjoc",
            counterpart_body="usfj",
            region="kanto",
            label="SECRET//REL TO JPN, USA",
        ),
    )
    assert item.object["state"] == "proposed"

    with _linked(node, usa):
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        # The answering side sees the deadline: the USA copy's page shows the due time
        # the item carries (in UTC for a US reader, the exact instant on hover).
        due = str(item.object["due"])
        with TestClient(create_app(usa)) as web:
            with usa.db.write() as conn:
                web.cookies.set(cookies(web).session, identity.start_session(conn, davis))
            web.cookies.set(cookies(web).lang, "ja")
            shown = web.get(f"/coordination/items/{item.id}").text
            web.cookies.set(cookies(web).lang, "en")
            history = web.get(f"/objects/{item.id}").text
        assert f'<time datetime="{due[:19]}Z" title="{due[:19]}Z">' in shown
        # A version that came from JPN was written here by the JPN node: named in the
        # reader's words (Japanese or English, as chosen), its handle on hover.
        assert '<span class="actor" title="node:JPN">日本のノード</span>' in shown
        assert '<span class="actor" title="node:JPN">the Japan node</span>' in history
        assert ">node:JPN<" not in shown + history
        answer = coordination(usa).respond(
            davis.principal, item.id, ResponseCreate(kind=ResponseKind.CONCUR)
        )
        assert answer.origin == "USA"
        # Not moved on the USA node: only JPN versions its item.
        assert usa.store.get(usa.system, item.id).object["state"] == "proposed"

        # The answer, and the USA node's receipt of the item for USFJ.
        assert pull_once(node, _peer_of(node, "USA")).stored == 2
        moved = node.store.get(node.system, item.id)
        assert moved.object["state"] == "concurred"
        assert moved.version > item.version

        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        there = usa.store.get(davis.principal, item.id)
        assert there.object["state"] == "concurred"
        assert there.body == moved.body


def test_each_nations_determination_reaches_the_other_and_moves_its_items(
    node: Node, usa: Node
) -> None:
    """JPN determines a gray-zone situation in the Southwest Islands; the USA node keeps
    it as it came, with no concurrence asked, and the item the USA node escalates in
    that region takes the shorter deadline. A US determination travels back alike, and
    neither node can end the other's."""
    from kizuna.domains.coordination.inputs import DeterminationCreate, DeterminationEnd, ItemCreate
    from kizuna.domains.coordination.service import coordination, epoch
    from kizuna.errors import Refused

    def officer(here: Node, name: str, nation: str, body: str):  # type: ignore[no-untyped-def]
        with here.db.write() as conn:
            return identity.add_user(
                conn,
                policy=here.policy,
                actor="test",
                username=name,
                nation=nation,
                clearance="SECRET",
                roles=["author", "releasing_officer"],
                bodies=[body],
            ).principal

    sato = officer(node, "sato", "JPN", "jjoc")
    miller = officer(usa, "miller", "USA", "usfj")
    us_item = coordination(usa).open_item(
        miller,
        ItemCreate(
            title_en="Ammunition resupply",
            title_ja="弾薬補給",
            requesting_body="usfj",
            counterpart_body="jjoc",
            region="southwest-islands",
            label="SECRET//REL TO JPN, USA",
        ),
    )
    routine_due = str(us_item.object["due"])
    gray = coordination(node).determine(
        sato,
        DeterminationCreate(
            kind="jpn-gray-zone",
            regions=["southwest-islands", "east-china-sea"],
            determining_body="jjoc",
            label="SECRET//REL TO JPN, USA",
        ),
    )

    with _linked(node, usa):
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        there = usa.store.get(miller, gray.id)
        assert there.origin == "JPN"
        assert there.body == node.store.get(sato, gray.id).body
        moved = usa.store.get(miller, us_item.id).object
        assert moved["due"] != routine_due
        assert epoch(clock.parse_ts(moved["due"])) <= epoch() + 12 * 3600
        with pytest.raises(Refused):
            coordination(usa).end_determination(miller, gray.id, DeterminationEnd())
        posture = coordination(usa).determine(
            miller,
            DeterminationCreate(
                kind="usa-heightened-posture",
                regions=["okinawa"],
                determining_body="usfj",
                label="SECRET//REL TO JPN, USA",
            ),
        )
        assert pull_once(node, _peer_of(node, "USA")).stored >= 1
        from kizuna.domains.coordination import queries

        seen = {d.item.id: d.nation for d in queries.determinations(coordination(node), sato)}
        assert seen == {gray.id: "JPN", posture.id: "USA"}


def test_a_us_rfi_stops_the_jpn_items_clock_across_nodes(node: Node, usa: Node) -> None:
    """USFJ asks JJOC, on its own node, about a JPN item: the RFI reaches the JPN node,
    which keeps the item's deadlines, and its clock stops there; JJOC answers on the
    JPN node, the clock restarts there, and the US node marks its RFI answered when the
    answer arrives; both nodes then show the same RFI and item."""
    from kizuna.domains.coordination import staff_queries
    from kizuna.domains.coordination.inputs import ItemCreate, ReplyCreate, RfiCreate
    from kizuna.domains.coordination.schema import coord_steps
    from kizuna.domains.coordination.service import coordination

    with node.db.write() as conn:
        sato = identity.add_user(
            conn, policy=node.policy, actor="test", username="sato", nation="JPN",
            clearance="SECRET", roles=["author", "releasing_officer"], bodies=["jjoc"],
        ).principal  # fmt: skip
    with usa.db.write() as conn:
        miller = identity.add_user(
            conn, policy=usa.policy, actor="test", username="miller", nation="USA",
            clearance="SECRET", roles=["author", "releasing_officer"], bodies=["usfj"],
        ).principal  # fmt: skip
    item = coordination(node).open_item(
        sato,
        ItemCreate(
            title_en="Tanker refuelling",
            title_ja="空中給油",
            requesting_body="jjoc",
            counterpart_body="usfj",
            region="southwest-islands",
            precedence="IMMEDIATE",
            label="SECRET//REL TO JPN, USA",
        ),
    )

    def status(here: Node) -> str:
        with here.db.read() as conn:
            return str(
                conn.execute(
                    select(coord_steps.c.status).where(
                        coord_steps.c.status.in_(("pending", "paused"))
                    )
                ).scalar_one()
            )

    with _linked(node, usa):
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        rfi = coordination(usa).ask(
            miller,
            RfiCreate(
                title_en="Which tanker track?",
                title_ja="給油経路は",
                asking_body="usfj",
                addressed_body="jjoc",
                precedence="IMMEDIATE",
                coordination_item=item.id,
            ),
        )
        assert rfi.origin == "USA"
        assert rfi.label == item.label
        assert pull_once(node, _peer_of(node, "USA")).stored >= 1
        assert status(node) == "paused"
        assert node.store.get(sato, item.id).object["clock_stopped_by"] == [rfi.id]
        answer = coordination(node).reply(
            sato, rfi.id, ReplyCreate(body="jjoc", text_ja="経路Bを使用。", answers=True)
        )
        assert status(node) == "pending"
        assert "clock_stopped_by" not in node.store.get(sato, item.id).object
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        answered = usa.store.get(miller, rfi.id).object
        assert answered["state"] == "answered"
        assert answered["answered_by"] == answer.id
        assert pull_once(node, _peer_of(node, "USA")).stored >= 1
        assert node.store.get(sato, rfi.id).object["state"] == "answered"
        # Both nodes show the same thread and the same item.
        for here, who in ((node, sato), (usa, miller)):
            _rfi, replies = staff_queries.rfi_thread(coordination(here), who, rfi.id)
            assert [r.id for r in replies] == [answer.id]
        assert usa.store.get(miller, item.id).body == node.store.get(sato, item.id).body


def test_a_narrowed_item_takes_this_nodes_replies_about_it_along(node: Node, usa: Node) -> None:
    """Walk 42: JJOC narrowed its item to Japan after answering a US RFI about it; on
    the US node the item was gone but JJOC's reply, at the item's old label, still read.
    What this node wrote about the item (its replies, answers, receipts) goes where
    the narrowing takes the item, and the partner hides it, and its own, when the
    narrowing arrives."""
    from kizuna.domains.coordination.inputs import ItemCreate, ReplyCreate, RfiCreate
    from kizuna.domains.coordination.service import coordination
    from kizuna.errors import NotFound

    with node.db.write() as conn:
        sato = identity.add_user(
            conn, policy=node.policy, actor="test", username="sato", nation="JPN",
            clearance="SECRET", roles=["author", "releasing_officer"], bodies=["jjoc"],
        ).principal  # fmt: skip
    with usa.db.write() as conn:
        miller = identity.add_user(
            conn, policy=usa.policy, actor="test", username="miller", nation="USA",
            clearance="SECRET", roles=["author", "releasing_officer"], bodies=["usfj"],
        ).principal  # fmt: skip
    item = coordination(node).open_item(
        sato,
        ItemCreate(title_en="Fuel storage at Sasebo", title_ja="佐世保の燃料貯蔵",
                   requesting_body="jjoc", counterpart_body="usfj", region="kyushu",
                   label="SECRET//REL TO JPN, USA"),
    )  # fmt: skip
    with _linked(node, usa):
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        rfi = coordination(usa).ask(
            miller,
            RfiCreate(title_en="Which tanks?", title_ja="どのタンクか", asking_body="usfj",
                      addressed_body="jjoc", coordination_item=item.id),
        )  # fmt: skip
        assert pull_once(node, _peer_of(node, "USA")).stored >= 1
        reply = coordination(node).reply(
            sato, rfi.id, ReplyCreate(body="jjoc", text_en="Tanks 3 and 4.", answers=True)
        )
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        assert usa.store.get(miller, reply.id).object["text"] == "Tanks 3 and 4."
        node.store.release(sato, item.id, parse(node.policy, "SECRET//REL TO JPN"))
        # Here, the reply went with the item, released by the node itself.
        assert node.store.get(sato, reply.id).label.rel_to == {"JPN"}
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 0
        for gone in (item.id, reply.id):
            with pytest.raises(NotFound):
                usa.store.get(miller, gone)
        # The US node's own question about the item says something of it too: the
        # recall hides it with the item (its versions stay, for the audit).
        with pytest.raises(NotFound):
            usa.store.get(miller, rfi.id)


def test_receipts_show_on_both_nodes(node: Node, usa: Node) -> None:
    """An item of JJOC to USFJ reaches the US node, which writes USFJ's receipt; a USFJ
    officer acknowledges it there; back on the JPN node, the sender sees when USFJ
    received it and who acknowledged it when."""
    from kizuna.domains.coordination.inputs import ItemCreate
    from kizuna.domains.coordination.receipts import receipts_of
    from kizuna.domains.coordination.service import coordination
    from kizuna.errors import Refused

    with node.db.write() as conn:
        sato = identity.add_user(
            conn, policy=node.policy, actor="test", username="sato", nation="JPN",
            clearance="SECRET", roles=["author", "releasing_officer"], bodies=["jjoc"],
        ).principal  # fmt: skip
    with usa.db.write() as conn:
        baker = identity.add_user(
            conn, policy=usa.policy, actor="test", username="baker", nation="USA",
            clearance="SECRET", roles=["coordinator"], bodies=["usfj"],
        ).principal  # fmt: skip
        lowe = identity.add_user(
            conn, policy=usa.policy, actor="test", username="lowe", nation="USA",
            clearance="SECRET", roles=["reader"], bodies=["usfj"],
        ).principal  # fmt: skip
    item = coordination(node).open_item(
        sato,
        ItemCreate(
            title_en="Port access",
            title_ja="入港調整",
            requesting_body="jjoc",
            counterpart_body="usfj",
            region="kanto",
            label="SECRET//REL TO JPN, USA",
        ),
    )
    assert receipts_of(coordination(node), sato, item.id) == []

    with _linked(node, usa):
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 1
        (there,) = receipts_of(coordination(usa), baker, item.id)
        assert (there.origin, there.object["body"]) == ("USA", "usfj")
        # Walk 42: a reader of USFJ signed for it, and its coordinator could not.
        with pytest.raises(Refused, match="may not acknowledge for usfj"):
            coordination(usa).acknowledge_receipt(lowe, item.id, "usfj")
        coordination(usa).acknowledge_receipt(baker, item.id, "usfj")
        assert pull_once(node, _peer_of(node, "USA")).stored >= 1
        (here,) = receipts_of(coordination(node), sato, item.id)
        assert here.object["acknowledged_by"] == "baker"
        assert here.body == usa.store.get(baker, there.id).body


def test_a_jjoc_watch_entry_and_handover_released_to_the_us_reach_the_usfj_watch(
    node: Node, usa: Node
) -> None:
    """The JJOC logs two entries, one released to the US, and hands over its shift at
    the US-releasable label; on the US node the USFJ's log shows the released entry
    beside its own (the log of a body shows its counterparts' entries), never the
    Japan-only one, and the handover is listed there but signed only on its own node."""
    from kizuna.domains.coordination.handover import generate, handovers, sign
    from kizuna.domains.coordination.service import coordination
    from kizuna.domains.coordination.watch import log_entry, watch_log
    from kizuna.domains.coordination.watch_model import EntryCreate, HandoverCreate
    from kizuna.errors import Conflict

    def officer(here: Node, name: str, nation: str, body: str):  # type: ignore[no-untyped-def]
        with here.db.write() as conn:
            return identity.add_user(
                conn,
                policy=here.policy,
                actor="test",
                username=name,
                nation=nation,
                clearance="SECRET",
                roles=["author", "releasing_officer"],
                bodies=[body],
            ).principal

    from datetime import timedelta

    sato = officer(node, "sato", "JPN", "jjoc")
    miller = officer(usa, "miller", "USA", "usfj")
    released = log_entry(
        coordination(node),
        sato,
        EntryCreate(body="jjoc", kind="event", text_ja="不明機を探知", text_en="Unknown aircraft",
                    label="SECRET//REL TO JPN, USA"),
    )  # fmt: skip
    log_entry(
        coordination(node),
        sato,
        # Before the shift the handover covers (twelve hours): it lists only the first.
        EntryCreate(body="jjoc", kind="note", text_ja="国内限り", label="SECRET",
                    at=clock.now() - timedelta(hours=13)),
    )  # fmt: skip
    own = log_entry(
        coordination(usa),
        miller,
        EntryCreate(body="usfj", kind="call", text_en="Called JJOC", label="SECRET"),
    )
    shift = generate(
        coordination(node),
        sato,
        HandoverCreate(body="jjoc", label="SECRET//REL TO JPN, USA"),
    )
    assert [r["id"] for r in shift.object["sections"]["entries"]] == [released.id]

    with live_server(node) as jpn_url, live_server(usa) as usa_url:
        token_for_usa = _peer(node, usa, usa_url)
        _peer(usa, node, jpn_url, token_for_usa)
        assert pull_once(usa, _peer_of(usa, "JPN")).stored >= 2
    log = watch_log(coordination(usa), miller, "usfj", newest_first=False)
    assert {e.entry.id: e.body for e in log} == {released.id: "jjoc", own.id: "usfj"}
    arrived = next(e.entry for e in log if e.entry.id == released.id)
    assert arrived.origin == "JPN"
    assert arrived.body == node.store.get(sato, released.id).body
    listed = handovers(coordination(usa), miller, body="jjoc")
    assert [h.handover.id for h in listed] == [shift.id]
    with pytest.raises(Conflict, match="signed on its own node"):
        sign(coordination(usa), miller, shift.id)


def test_the_quarantine_withholds_from_an_admin_what_is_above_them(node: Node) -> None:
    """Walk 41 #6, and what it led to: every admin read the id, label and reason of
    every quarantined object, a TOP SECRET one included, in English only. An entry
    above the reader keeps its time and peer and shows nothing else (as the audit page
    withholds); the others' labels and reasons are in the reader's words, their labels
    raise the banner."""
    from kizuna.federation.schema import quarantine
    from kizuna.web.app import create_app
    from tests.factories import PASSWORD, add_user

    hidden, shown = f"report--{uuid.uuid4()}", f"report--{uuid.uuid4()}"
    with node.db.write() as conn:
        for stix_id, label in ((hidden, "TOP SECRET//REL TO JPN, USA"),
                               (shown, "CONFIDENTIAL//REL TO JPN, USA")):  # fmt: skip
            conn.execute(
                quarantine.insert().values(
                    peer="USA", object_id=stix_id, payload="{}", label=label,
                    reason=f"{stix_id} belongs to the node of JPN; only it makes new versions",
                    received_at="2026-12-01T00:00:00.000Z",
                )
            )  # fmt: skip
    add_user(node, "low", clearance="CONFIDENTIAL", roles=["admin"], password=PASSWORD)
    add_user(node, "high", clearance="TOP SECRET", roles=["admin"], password=PASSWORD)
    pages = {}
    for who, lang in (("low", "ja"), ("high", "en")):
        with TestClient(create_app(node)) as client:
            client.get("/login")
            csrf = client.cookies.get(cookies(client).csrf, "")
            client.post("/login", data={"username": who, "password": PASSWORD, "csrf_token": csrf})
            client.cookies.set(cookies(client).lang, lang)
            answer = client.get("/federation")
        assert answer.status_code == 200
        pages[who] = answer.text
    assert shown in pages["low"]
    assert hidden not in pages["low"]
    assert "TOP SECRET" not in pages["low"]
    assert "機密" not in pages["low"]
    assert "秘//提供可" in pages["low"]  # the label shown, in Japanese
    table = pages["low"].split('id="quarantine"', 1)[1].split("</table>", 1)[0]
    assert "作成国のノードに属します" in table  # the reason in the reader's words
    assert 'title="report--' in table  # the stored English on hover
    assert hidden in pages["high"]
    assert shown in pages["high"]
    banner = re.search(r'id="banner-top"[^>]*>([^<]*)<', pages["high"])
    assert banner is not None
    assert banner.group(1).startswith("TOP SECRET")
