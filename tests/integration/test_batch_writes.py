"""Batched writes (issue 12): `Store.create_many_in` judges every object by every rule of
a single creation, refuses only the objects that break one (each security refusal
audited), writes the
others together, and stores exactly what the single path would have stored."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from kizuna import audit, clock
from kizuna.db.schema import access, audit_log, objects, versions
from kizuna.errors import Conflict, Disallowed, Invalid, Refused, StoreError
from kizuna.identity.principal import Principal, Role
from kizuna.labels import Clearance, Label, parse
from kizuna.runtime import Node
from tests.factories import indicator, random_label, report


def author(node: Node, *, releasing: bool = False, rank: str = "SECRET") -> Principal:
    roles = {Role.READER, Role.AUTHOR} | ({Role.RELEASING_OFFICER} if releasing else set())
    level = next(lv for lv in node.policy.levels if lv.name == rank)
    return Principal(
        name="sato",
        clearance=Clearance("JPN", level.rank, frozenset(node.policy.compartments)),
        roles=frozenset(roles),
    )


def label(node: Node, text: str) -> Label:
    return parse(node.policy, text)


def audit_since(node: Node, seq: int) -> list[Any]:
    with node.db.read() as conn:
        return list(
            conn.execute(select(audit_log).where(audit_log.c.seq > seq).order_by(audit_log.c.seq))
        )


def last_seq(node: Node) -> int:
    with node.db.read() as conn:
        return conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq.desc())).scalar() or 0


def stored_ids(node: Node) -> set[str]:
    with node.db.read() as conn:
        return set(
            conn.execute(
                select(objects.c.stix_id).where(objects.c.type != "marking-definition")
            ).scalars()
        )


def test_a_batch_stores_the_good_objects_and_refuses_each_bad_one_alone(node: Node) -> None:
    sato = author(node)
    fixed = f"report--{uuid.uuid4()}"
    items: list[tuple[Any, Label]] = [
        (indicator("192.0.2.1"), label(node, "UNCLASSIFIED//REL TO JPN")),
        (report("Kept"), label(node, "SECRET//REL TO JPN")),
        (indicator("192.0.2.2"), label(node, "TOP SECRET//REL TO JPN")),  # above clearance
        (indicator("192.0.2.3"), label(node, "UNCLASSIFIED//REL TO JPN, USA")),  # a release
        (
            {"type": "indicator", "pattern": "not a pattern"},
            label(node, "UNCLASSIFIED//REL TO JPN"),
        ),
        (report("Fixed id", id=fixed), label(node, "CONFIDENTIAL//REL TO JPN")),
        (report("Same id again", id=fixed), label(node, "CONFIDENTIAL//REL TO JPN")),
        (
            {"type": "x-kizuna-meeting", "name": "forged"},  # owned by the meetings domain
            label(node, "UNCLASSIFIED//REL TO JPN"),
        ),
        ({"type": "ipv4-addr", "value": "192.0.2.9"}, label(node, "UNCLASSIFIED//REL TO JPN")),
        (indicator("192.0.2.4"), label(node, "CONFIDENTIAL//REL TO JPN")),
    ]
    before = last_seq(node)
    held_before = stored_ids(node)
    with node.store.transaction(sato) as conn:
        batch = node.store.create_many_in(conn, sato, items)

    assert [i for i, _ in batch.refused] == [2, 3, 4, 6, 7]
    assert [type(e) for _, e in batch.refused] == [Refused, Refused, Invalid, Conflict, Disallowed]
    assert "TOP SECRET" in str(batch.refused[0][1])
    made = batch.made
    assert [m.type for m in made] == ["indicator", "report", "report", "ipv4-addr", "indicator"]
    assert (made[2].id, made[2].object["name"]) == (fixed, "Fixed id")
    # Each stored object reads back as stored, at its label, as version 1.
    for m in made:
        got = node.store.get(sato, m.id)
        assert (got.body, got.label_text, got.version) == (m.body, m.label_text, 1)
    # Nothing of the refused ones is stored: the only new objects are the five.
    assert stored_ids(node) - held_before == {m.id for m in made}
    # One audit entry per stored object and per refusal, in the chain.
    entries = audit_since(node, before)
    creates = [e.target for e in entries if e.action == "object.create"]
    refusals = [e for e in entries if e.action == "refused"]
    assert sorted(creates) == sorted(m.id for m in made)
    # The security refusals are audited, as a single write's are; bad data is not.
    assert [json.loads(e.detail)["batch_index"] for e in refusals] == [2, 3, 7]
    assert "TOP SECRET" in json.loads(refusals[0].detail)["reason"]
    with node.db.read() as conn:
        verified = audit.verify(conn, node.key.public_key())
    assert not verified.findings
    assert verified.entries == last_seq(node)


def _outcome(made: Any) -> Any:
    if isinstance(made, StoreError):
        return type(made).__name__
    body = {k: v for k, v in made.object.items() if k not in ("id", "created", "modified")}
    return (made.type, made.label_text, made.version, body)


def _access(node: Node, stix_id: str) -> list[tuple[str, int, int, int]]:
    with node.db.read() as conn:
        rows = conn.execute(
            select(access.c.nation, access.c.rank, access.c.comp_mask, access.c.current)
            .join(objects, objects.c.pk == access.c.object_pk)
            .join(versions, versions.c.pk == access.c.version_pk)
            .where(objects.c.stix_id == stix_id)
        ).all()
    return sorted(tuple(r) for r in rows)


def test_a_batch_stores_exactly_what_single_writes_store(node: Node) -> None:
    """The same objects (other ids) through `create_in` one at a time and through one
    batch: the same outcome for each, the same labels, bodies and access rows."""
    rng = random.Random(12)
    officer = author(node, releasing=True, rank="CONFIDENTIAL")
    plain: list[tuple[dict[str, Any], Label]] = []
    for n in range(60):
        obj = report(f"r{n}") if n % 2 else indicator(f"203.0.113.{n}")
        plain.append((obj, random_label(rng, node)))

    def fresh_ids() -> list[tuple[dict[str, Any], Label]]:
        return [({**o, "id": f"{o['type']}--{uuid.uuid4()}"}, lb) for o, lb in plain]

    singles: list[Any] = []
    for obj, lb in fresh_ids():
        try:
            with node.store.transaction(officer) as conn:
                singles.append(node.store.create_in(conn, officer, obj, lb))
        except StoreError as exc:
            singles.append(exc)
    with node.store.transaction(officer) as conn:
        batch = node.store.create_many_in(conn, officer, fresh_ids())
    batched: list[Any] = list(batch.made)
    for index, error in batch.refused:
        batched.insert(index, error)

    assert [_outcome(m) for m in batched] == [_outcome(m) for m in singles]
    assert any(isinstance(m, StoreError) for m in singles)  # some labels are above CONFIDENTIAL
    assert sum(not isinstance(m, StoreError) for m in singles) >= 20
    for one, many in zip(singles, batched, strict=True):
        if not isinstance(one, StoreError):
            assert _access(node, one.id) == _access(node, many.id)


def test_an_import_of_new_and_known_objects_creates_revises_and_refuses_each_alone(
    node: Node,
) -> None:
    """The STIX import writes its new objects as one batch: each still gets its own
    outcome, an id already held becomes a new version, the same observable twice is
    stored once, and a refused object costs only itself."""
    from kizuna.interchange.imports import import_objects

    sato = author(node)
    held = node.store.create(sato, report("first"), label(node, "UNCLASSIFIED//REL TO JPN"))
    # A second later: a stamp hours ahead of the clock is refused (five minutes are taken).
    soon = clock.format_ts(clock.now() + timedelta(seconds=1))[:23] + "Z"
    revised = {**held.object, "name": "second", "modified": soon}
    revised.pop("object_marking_refs")
    objs = [
        indicator("192.0.2.50"),
        revised,
        {"type": "ipv4-addr", "value": "192.0.2.51"},
        {"type": "ipv4-addr", "value": "192.0.2.51"},
        {"type": "indicator", "pattern": "nonsense"},
        report("after"),
    ]
    outcomes = import_objects(node.store, sato, objs, source="test")
    assert [(o.ok, o.message) for o in outcomes] == [
        (True, "created"),
        (True, "version 2"),
        (True, "created"),
        (True, "already stored"),
        (False, outcomes[4].message),
        (True, "created"),
    ]
    assert "pattern" in outcomes[4].message
    assert outcomes[2].id == outcomes[3].id
    assert node.store.get(sato, held.id).object["name"] == "second"


def test_a_batch_writes_its_rows_in_a_few_statements_not_one_a_row(node: Node) -> None:
    """The point of a batch: 300 new objects cost a handful of INSERTs into each table,
    on either database (SQLAlchemy sends one INSERT a row on SQLite when RETURNING must
    follow the parameters' order)."""
    sato = author(node)
    items: list[tuple[Any, Label]] = [
        (indicator(f"198.51.{n // 250}.{n % 250}"), label(node, "SECRET//REL TO JPN"))
        for n in range(300)
    ]
    inserts: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        for table in ("objects", "versions", "access"):
            if statement.startswith(f"INSERT INTO {table} "):
                inserts[table] += 1

    event.listen(node.db.engine, "before_cursor_execute", count)
    try:
        with node.store.transaction(sato) as conn:
            batch = node.store.create_many_in(conn, sato, items)
    finally:
        event.remove(node.db.engine, "before_cursor_execute", count)

    assert len(batch.made) == 300
    assert not batch.refused
    assert set(inserts) == {"objects", "versions", "access"}
    assert max(inserts.values()) <= 5, inserts
    with node.db.read() as conn:
        stored = dict(
            conn.execute(
                select(objects.c.stix_id, versions.c.body).join(
                    versions, versions.c.object_pk == objects.c.pk
                )
            ).all()
        )
    assert all(json.loads(stored[m.id])["pattern"] == json.loads(m.body)["pattern"]
               for m in batch.made)  # fmt: skip
