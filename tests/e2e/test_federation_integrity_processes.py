"""Issue 10 between two `kizuna serve` processes: a poisoned page delays only its
poison, and observables reach the partner at every version, or are recalled there,
across SIGKILLs of the receiver.

USA reaches JPN through a splicing relay in this process (tests/factories/splice.py):
the hostile network, or a JPN node with a bug, puts the poison into a real page.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text

from kizuna.bootstrap import open_node
from kizuna.federation.signing import SIGNATURE, sign
from kizuna.labels import Clearance, Label, can_read, parse
from kizuna.runtime import Node
from kizuna.stix.markings import marking_id
from kizuna.stix.validate import prepare
from tests.conftest import node_settings
from tests.e2e.test_federation_processes import Proc, _peered, _wait_for
from tests.factories import report
from tests.factories.splice import Splice, splice
from tests.integration.test_federation_integrity import bogus_answer, usa_item

AGREED = Clearance("USA", 20, frozenset({"BIAC", "CYBER"}))
AGREEMENT = ("--max-level", "SECRET", "--compartment", "BIAC", "--compartment", "CYBER")
FAR = "9999-12-31T23:59:59.999999Z"


def _with(proc: Proc) -> Node:
    return open_node(node_settings(proc.db_url, proc.root))


def _rows(proc: Proc, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(proc.db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


@pytest.fixture
def relayed(tmp_path: Path) -> Iterator[tuple[Proc, Proc, Splice]]:
    with splice("http://127.0.0.1:9") as (url, relay):

        def via(jpn: Proc) -> str:
            relay.target = jpn.url
            return url

        jpn, usa = _peered(tmp_path, *AGREEMENT, via=via)
        try:
            yield jpn, usa, relay
        finally:
            usa.stop()
            jpn.stop()


# -- Poison pages ----------------------------------------------------------------------


def _releasable(rng: random.Random, node: Node) -> Label:
    comps = frozenset(c for c in ("BIAC", "CYBER") if rng.random() < 0.3)
    rel = {"JPN", "USA"} | {n for n in ("AUS", "KOR") if rng.random() < 0.3}
    return Label(rng.choice([0, 10, 20]), frozenset(rel), comps)


def _load(jpn: Proc, count: int, seed: int) -> set[str]:
    node = _with(jpn)
    rng = random.Random(seed)
    items = [(report(f"p{seed}-{i}"), _releasable(rng, node)) for i in range(count)]
    try:
        with node.db.write() as conn:
            batch = node.store.create_many_in(conn, node.system, items)
    finally:
        node.db.dispose()
    assert not batch.refused
    return {made.id for made in batch.made}


def _poison(jpn: Node, item_id: str) -> dict[str, tuple[dict[str, Any], str]]:
    """Ten poisoned objects: id -> (object, what its quarantine reason names)."""
    shared = parse(jpn.policy, "SECRET//REL TO JPN, USA")
    mark = [marking_id(jpn.policy, shared)]

    def signed(body: dict[str, Any], key: Ed25519PrivateKey, added: str) -> dict[str, Any]:
        return sign(key, {**body, "object_marking_refs": mark}, origin="JPN", label=shared,
                    added=added, version=1)  # fmt: skip

    def fresh(name: str, **extra: Any) -> dict[str, Any]:
        return prepare(report(name, **extra), now="2026-12-01T00:00:00.000Z")

    now = "2026-12-01T00:00:00.000000Z"
    unknown = {
        "type": "x-not-a-kizuna-type",
        "spec_version": "2.1",
        "id": f"x-not-a-kizuna-type--{uuid.uuid4()}",
        "created": "2026-12-01T00:00:00.000Z",
        "modified": "2026-12-01T00:00:00.000Z",
        "name": "unknown",
    }
    unsigned = signed(fresh("unsigned"), jpn.key, FAR)
    del unsigned["extensions"][SIGNATURE]["signature"]
    bare = {**fresh("no claims"), "extensions": {SIGNATURE: {"added": FAR, "origin": "JPN"}}}
    made = [
        (bogus_answer(jpn, item_id, "SECRET//REL TO JPN, USA"), "bogus"),
        (bogus_answer(jpn, item_id, "SECRET//REL TO JPN, USA"), "bogus"),
        (signed(unknown, jpn.key, now), "x-not-a-kizuna-type"),
        (
            signed({**unknown, "id": f"x-not-a-kizuna-type--{uuid.uuid4()}"}, jpn.key, now),
            "x-not-a-kizuna-type",
        ),
        (signed(fresh("forged"), Ed25519PrivateKey.generate(), FAR), "signature"),
        (signed(fresh("forged"), Ed25519PrivateKey.generate(), now), "signature"),
        (unsigned, "signature"),
        (bare, "signature"),
        (signed(fresh("huge", description="x" * 1_200_000), jpn.key, FAR), "bytes"),
        (signed(fresh("huge", description="y" * 1_200_000), jpn.key, now), "bytes"),
    ]
    return {obj["id"]: (obj, why) for obj, why in made}


def test_a_poisoned_page_stores_the_rest_and_later_objects_still_arrive(
    relayed: tuple[Proc, Proc, Splice],
) -> None:
    jpn, usa, relay = relayed
    usa.env["KIZUNA_PULL_PAGE"] = "1000"
    good = _load(jpn, 990, 1)
    there = _with(usa)
    try:
        item = usa_item(there, "SECRET//REL TO JPN, USA")
    finally:
        there.db.dispose()
    signer = _with(jpn)
    try:
        poison = _poison(signer, item.id)
    finally:
        signer.db.dispose()
    assert len(poison) == 10
    relay.inject([obj for obj, _ in poison.values()])

    jpn.start()
    usa.start()
    got = _wait_for(usa, good, 120)
    assert relay.spliced_pages == 1
    deadline = time.monotonic() + 30
    while len(held := _rows(usa, "SELECT object_id, reason FROM quarantine")) < 10:
        assert time.monotonic() < deadline, held
        time.sleep(0.2)
    # The 990, and nothing of the poison; besides them at most JPN's receipt of the USA
    # item for JJOC, which JPN writes once it has pulled the item.
    extra = set(got) - good
    assert all(e.startswith("x-kizuna-receipt--") for e in extra), extra
    assert len(extra) <= 1
    assert len(held) == 10
    reasons = dict(held)
    assert set(reasons) == set(poison)
    for stix_id, (_, why) in poison.items():
        assert why in reasons[stix_id], (why, reasons[stix_id])
    # The item the bogus answers named did not move.
    [(state,)] = _rows(usa, "SELECT state FROM coord_items")
    assert state == "proposed"
    [(cursor,)] = _rows(usa, "SELECT added_after FROM peers WHERE nation = 'JPN'")
    assert cursor < "3000"

    # Objects written afterwards still arrive.
    jpn.stop()
    later = _load(jpn, 50, 2)
    jpn.start()
    got = _wait_for(usa, good | later, 60)
    assert {g for g in got if not g.startswith("x-kizuna-receipt--")} == good | later
    assert len(_rows(usa, "SELECT pk FROM quarantine")) == 10


# -- Observables -----------------------------------------------------------------------

OBSERVABLES = 120
STEPS = (
    # (label of the release, or None to leave the object) per step, by object index
    lambda i: "SECRET//BIAC//REL TO JPN, USA" if i % 4 else None,
    lambda i: "CONFIDENTIAL//REL TO JPN, AUS, USA" if i % 3 else "SECRET//REL TO JPN",
    lambda i: "UNCLASSIFIED//REL TO JPN, USA" if i % 5 == 0 else None,
)


def _observables(jpn: Proc) -> list[str]:
    node = _with(jpn)
    try:
        with node.db.write() as conn:
            made = []
            for i in range(OBSERVABLES):
                obj = (
                    {"type": "ipv4-addr", "value": f"198.51.100.{i}"}
                    if i % 2
                    else {"type": "domain-name", "value": f"host{i}.example.org"}
                )
                label = parse(node.policy, "UNCLASSIFIED", originator="JPN")
                made.append(node.store.create_in(conn, node.system, obj, label).id)
            return made
    finally:
        node.db.dispose()


def _release(jpn: Proc, ids: list[str], step: Any) -> None:
    node = _with(jpn)
    try:
        for i, stix_id in enumerate(ids):
            text_label = step(i)
            if text_label is None:
                continue
            label = parse(node.policy, text_label)
            if node.store.get(node.system, stix_id).label != label:
                node.store.release(node.system, stix_id, label)
    finally:
        node.db.dispose()


def _expected(jpn: Proc) -> dict[str, tuple[list[int], int | None]]:
    """Per observable: the version numbers USA may receive, and the one its readers
    should see now (None: the latest is not for USA, so USA's copies are recalled)."""
    rows = _rows(
        jpn,
        "SELECT o.stix_id, v.number, v.rank, v.rel_to, v.compartments FROM objects o "
        "JOIN versions v ON v.object_pk = o.pk "
        "WHERE o.type IN ('ipv4-addr', 'domain-name') ORDER BY v.number",
    )
    wanted: dict[str, tuple[list[int], int | None]] = {}
    for stix_id, number, rank, rel_to, comps in rows:
        compartments = frozenset(c for c in comps.split("/") if c)
        label = Label(rank, frozenset(rel_to.split(",")), compartments)
        numbers, _ = wanted.get(stix_id, ([], None))
        readable = can_read(AGREED, label)
        if readable:
            numbers = [*numbers, number]
        wanted[stix_id] = (numbers, number if readable else None)
    return wanted


def _held_by_usa(usa: Proc) -> dict[str, tuple[list[int], int | None]]:
    rows = _rows(
        usa,
        "SELECT o.stix_id, v.number, "
        "(SELECT COUNT(*) FROM access a WHERE a.version_pk = v.pk AND a.nation = 'USA' "
        "AND a.current = 1) FROM objects o JOIN versions v ON v.object_pk = o.pk "
        "WHERE o.type IN ('ipv4-addr', 'domain-name') ORDER BY v.number",
    )
    held: dict[str, tuple[list[int], int | None]] = {}
    for stix_id, number, visible in rows:
        numbers, seen = held.get(stix_id, ([], None))
        held[stix_id] = ([*numbers, number], number if visible else seen)
    return held


def _converge(usa: Proc, jpn: Proc, seconds: float) -> None:
    wanted = {k: v for k, v in _expected(jpn).items() if v[0]}
    deadline = time.monotonic() + seconds
    held: dict[str, tuple[list[int], int | None]] = {}
    while time.monotonic() < deadline:
        held = _held_by_usa(usa)
        if held == wanted:
            return
        time.sleep(0.5)
    wrong = {k: (held.get(k), v) for k, v in wanted.items() if held.get(k) != v}
    pytest.fail(f"{len(wrong)} observables differ (USA, wanted): {list(wrong.items())[:5]}")


def test_observables_reach_every_version_or_are_recalled_across_sigkills(
    relayed: tuple[Proc, Proc, Splice],
) -> None:
    jpn, usa, _relay = relayed
    usa.env["KIZUNA_PULL_PAGE"] = "5"
    ids = _observables(jpn)
    rng = random.Random(7)
    kills = 0
    for step in STEPS:
        jpn.stop()
        _release(jpn, ids, step)
        jpn.start()
        for _ in range(3):
            usa.start()
            time.sleep(rng.uniform(0.3, 1.5))
            usa.kill()
            kills += 1
        usa.start()
        _converge(usa, jpn, 120)
        usa.stop()
    assert kills == 9
    wanted = _expected(jpn)
    recalled = [k for k, (numbers, now) in wanted.items() if numbers and now is None]
    current = [k for k, (_, now) in wanted.items() if now is not None]
    assert recalled
    assert current
    audit = _rows(usa, "SELECT COUNT(*) FROM audit_log WHERE action = 'federation.recall'")
    assert audit[0][0] >= len(recalled)
    # What USA shows is byte for byte what JPN stored, signed.
    for stix_id in current[:20]:
        [(body,)] = _rows(
            usa,
            "SELECT v.body FROM versions v JOIN objects o ON o.pk = v.object_pk "
            "JOIN access a ON a.version_pk = v.pk AND a.current = 1 AND a.nation = 'USA' "
            "WHERE o.stix_id = :i",
            i=stix_id,
        )
        [(mine,)] = _rows(
            jpn,
            "SELECT v.body FROM versions v JOIN objects o ON o.pk = v.object_pk "
            "WHERE o.stix_id = :i AND v.number = :n",
            i=stix_id,
            n=wanted[stix_id][1],
        )
        assert json.loads(body) == json.loads(mine)
