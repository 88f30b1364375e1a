"""Listing the newest objects a principal may see, at a million labelled objects.

What is measured, on SQLite and on PostgreSQL, in one run:

1. Insert rate through the real path: `Store.create_in` inside `node.db.write()`
   transactions of `--batch` objects, for the first `--sample` objects. Each one is
   a STIX 2.1 indicator validated by the stix2 library, with its audit entry.
2. Bulk-load rate of the remaining objects: SQLAlchemy Core executemany inserts of
   exactly the rows `Store._insert_version` writes (one `objects` row, one `versions`
   row, one `access` row per nation released to), reusing one serialized indicator
   with a fresh id per object. No audit entries are written for this part.
3. Latency (p50, p99 over `--runs` calls after `--warmup` calls) of "newest 100":
   `node.store.list(principal, limit=100)`, for
     (a) an admin who sees everything: JPN, TOP SECRET, every compartment;
     (b) a JPN CONFIDENTIAL reader with no compartment;
     (c) a partner reader, AUS SECRET with no compartment, who sees under 1 %;
   and for a deeper page (`--depth`, reached by following `next`). The nine listings
   of a page (three readers, three ways below) are timed round-robin, one call each
   per round, so that other work on the machine weighs on all of them alike; a
   listing slower than `--budget` seconds in total stops after at least 5 runs.
4. The first `--fresh-calls` listings of each reader on a new pooled connection: on
   PostgreSQL psycopg prepares a statement at its fifth execution and the server
   then plans it with the values for five more before it may settle on a generic
   plan, so the first calls on a connection can differ from the steady state. The
   statements prepared during the timings, with their generic and custom plan
   counts, are reported from `pg_prepared_statements`.

Labels are random with a fixed seed: the rank uniform over the four levels, each
compartment with probability 0.2, released to JPN (the node's nation) always, to USA
with probability 0.5 and to AUS with probability 0.005.

The reference, measured in the same run on the same rows: the same listing query,
the same visibility condition (`kizuna.store.access.visible`) and the same joins to
`versions` and `objects`, over `bench_ref_access`, a copy of `access` whose only index
is on `object_pk`, the creation order (no nation-led label index). It is the design
in which a reader who sees little makes the database walk the whole index. Both
designs are also timed as bare SQL (the query `Store.list` builds, rows fetched, no
`StoredObject`s made) so that the two columns compare like with like, and the
first rows of every listing are checked to be the same objects in all three.

Headline: `ratio`, the worse of (b)/(a) and (c)/(a) p50 of `Store.list`, the worst
over the databases run; target <= 3. Also (b)/(a) alone, target <= 1.5.

On PostgreSQL the tables are ANALYZEd after the load, as autovacuum would; on
SQLite nothing is ANALYZEd, since Kizuna does not do it. `--explain` prints the query
plans (kept in the JSON in any case): EXPLAIN QUERY PLAN on SQLite; on PostgreSQL
EXPLAIN (ANALYZE, BUFFERS) of the custom plan and of the generic plan.

    .venv/bin/python bench/store.py --objects 20000
    .venv/bin/python bench/store.py                  # 1,000,000 objects, both databases
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from _common import (
    DbKind,
    Timing,
    console,
    rich_table,
    temp_database,
    time_interleaved,
    write_result,
)
from kizuna import clock
from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.db.schema import access, objects, versions
from kizuna.identity.principal import Principal, Role
from kizuna.labels import Clearance, Label, can_read
from kizuna.runtime import Node
from kizuna.stix.validate import canonical_json, prepare
from kizuna.store.access import current, visible
from kizuna.store.objects import COLUMNS

NAME = "store"
NATION = "JPN"
RANKS = (0, 10, 20, 30)
COMPARTMENTS = ("BIAC", "CYBER", "INDUSTRY")
COMPARTMENT_P = 0.2
USA_P = 0.5
AUS_P = 0.005
LIMIT = 100
TARGET = 3.0
TARGET_B_OVER_A = 1.5
VALID_FROM = "2024-07-28T06:15:00.000Z"

# -- the reference: the same rows, only an index on creation order ------------------------

_ref_metadata = MetaData()
ref_access = Table(
    "bench_ref_access",
    _ref_metadata,
    Column("version_pk", Integer, nullable=False),
    Column("nation", String(3), nullable=False),
    Column("object_pk", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("comp_mask", BigInteger, nullable=False),
    Column("current", Integer, nullable=False),
)
_ref_index = Index("ix_bench_ref_access_created", ref_access.c.object_pk)

# The columns `Store.list` selects.
LISTING_COLUMNS = COLUMNS


def listing_query(
    table: Table, principal: Principal, node: Node, *, after: int | None = None
) -> Select[Any]:
    """The query `Store.list` builds (no type filter), over `table`."""
    query = (
        select(table.c.object_pk, *LISTING_COLUMNS)
        .select_from(
            table.join(versions, versions.c.pk == table.c.version_pk).join(
                objects, objects.c.pk == table.c.object_pk
            )
        )
        .where(current(table), visible(principal, node.store.bits, table))
        .order_by(table.c.object_pk.desc())
        .limit(LIMIT + 1)
    )
    if after is not None:
        query = query.where(table.c.object_pk < after)
    return query


# -- readers and labels -----------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    key: str
    title: str
    principal: Principal


def readers() -> list[Reader]:
    def reader(name: str, nation: str, rank: int, comps: Sequence[str], role: Role) -> Principal:
        return Principal(name, Clearance(nation, rank, frozenset(comps)), frozenset({role}))

    return [
        Reader(
            "a",
            "(a) admin JPN TS BIAC/CYBER/INDUSTRY",
            reader("bench-admin", "JPN", 30, COMPARTMENTS, Role.ADMIN),
        ),
        Reader("b", "(b) JPN C, no compartment", reader("bench-c", "JPN", 10, (), Role.READER)),
        Reader("c", "(c) AUS S, no compartment", reader("bench-aus", "AUS", 20, (), Role.READER)),
    ]


def random_labels(count: int, seed: int) -> list[Label]:
    """`count` labels drawn with `seed`; equal labels are one shared object."""
    rng = random.Random(seed)
    interned: dict[tuple[int, frozenset[str], frozenset[str]], Label] = {}
    labels: list[Label] = []
    for _ in range(count):
        rank = rng.choice(RANKS)
        comps = frozenset(c for c in COMPARTMENTS if rng.random() < COMPARTMENT_P)
        rel_to = {NATION}
        if rng.random() < USA_P:
            rel_to.add("USA")
        if rng.random() < AUS_P:
            rel_to.add("AUS")
        key = (rank, frozenset(rel_to), comps)
        label = interned.get(key)
        if label is None:
            label = interned[key] = Label(rank, key[1], comps)
        labels.append(label)
    return labels


def indicator(i: int) -> dict[str, Any]:
    """A STIX 2.1 indicator without id: `prepare` gives it one, as for a client's post."""
    return {
        "type": "indicator",
        "name": f"bench indicator {i}",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[ipv4-addr:value = '10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}']",
        "pattern_type": "stix",
        "valid_from": VALID_FROM,
    }


# -- loading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    path: str
    objects: int
    rows: int
    seconds: float
    audited: bool

    @property
    def rate(self) -> float:
        return self.objects / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "objects_per_s": round(self.rate, 1),
            "audit_entries_written": self.audited,
        }


def insert_real_path(node: Node, labels: Sequence[Label], batch: int) -> Load:
    """`Store.create_in` as the system principal, `batch` objects per transaction."""
    started = time.perf_counter()
    for start in range(0, len(labels), batch):
        with node.db.write() as conn:
            for i in range(start, min(start + batch, len(labels))):
                node.store.create_in(conn, node.system, indicator(i), labels[i])
    seconds = time.perf_counter() - started
    rows = sum(2 + len(label.rel_to) for label in labels)  # objects, versions, access
    return Load("Store.create_in (STIX validation, audit)", len(labels), rows, seconds, True)


def _next_pk(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.pk), 0))).scalar_one()) + 1


def bulk_load(node: Node, labels: Sequence[Label], first: int, batch: int, seed: int) -> Load:
    """Objects `first`.. of `labels`, as the rows `_insert_version` writes, no audit."""
    store = node.store
    placeholder = "indicator--00000000-0000-4000-8000-000000000000"
    template = prepare({**indicator(0), "id": placeholder}, now=VALID_FROM)
    body_template = canonical_json(template)
    modified = str(template["modified"])
    author = node.system.name
    columns: dict[Label, tuple[str, str, str, int]] = {}
    rng = random.Random(seed + 1)

    with node.db.read() as conn:
        object_pk, version_pk = _next_pk(conn, objects), _next_pk(conn, versions)
    started = time.perf_counter()
    rows = 0
    for start in range(first, len(labels), batch):
        now = clock.now_ts()
        object_rows: list[dict[str, Any]] = []
        version_rows: list[dict[str, Any]] = []
        access_rows: list[dict[str, Any]] = []
        for i in range(start, min(start + batch, len(labels))):
            label = labels[i]
            if label not in columns:
                columns[label] = (
                    store.render(label),
                    ",".join(sorted(label.rel_to)),
                    "/".join(sorted(label.compartments)),
                    store.bits.mask(label.compartments),
                )
            label_text, rel_to, comps, mask = columns[label]
            stix_id = f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            object_rows.append(
                {
                    "pk": object_pk,
                    "stix_id": stix_id,
                    "type": "indicator",
                    "origin": NATION,
                    "created_at": now,
                }
            )
            version_rows.append(
                {
                    "pk": version_pk,
                    "object_pk": object_pk,
                    "number": 1,
                    "modified": modified,
                    "label": label_text,
                    "rank": label.rank,
                    "rel_to": rel_to,
                    "compartments": comps,
                    "body": body_template.replace(placeholder, stix_id),
                    "author": author,
                    "recorded_at": now,
                }
            )
            access_rows.extend(
                {
                    "version_pk": version_pk,
                    "nation": nation,
                    "object_pk": object_pk,
                    "type": "indicator",
                    "rank": label.rank,
                    "comp_mask": mask,
                    "current": 1,
                }
                for nation in sorted(label.rel_to)
            )
            object_pk += 1
            version_pk += 1
        with node.db.write() as conn:
            conn.execute(insert(objects), object_rows)
            conn.execute(insert(versions), version_rows)
            conn.execute(insert(access), access_rows)
        rows += len(object_rows) + len(version_rows) + len(access_rows)
    seconds = time.perf_counter() - started
    if not node.db.is_sqlite:
        # The pks were given explicitly: move the sequences past them.
        with node.db.write() as conn:
            for table in (objects, versions):
                sequence = func.pg_get_serial_sequence(table.name, "pk")
                conn.execute(
                    select(func.setval(sequence, select(func.max(table.c.pk)).scalar_subquery()))
                )
    count = len(labels) - first
    return Load("Core executemany (same rows, no audit)", count, rows, seconds, False)


def build_reference(node: Node) -> float:
    """Copy `access` into `bench_ref_access`, then index it on creation order only."""
    started = time.perf_counter()
    with node.db.write() as conn:
        conn.execute(CreateTable(ref_access))  # without its index, made after the copy
        names = [c.name for c in access.columns]
        conn.execute(insert(ref_access).from_select(names, select(*[access.c[n] for n in names])))
        _ref_index.create(conn)
    return time.perf_counter() - started


def analyze(node: Node) -> None:
    with node.db.write() as conn:
        conn.exec_driver_sql("ANALYZE")


# -- measuring --------------------------------------------------------------------------


@dataclass
class PageSetup:
    page: int
    calls: dict[str, Callable[[], object]]
    same_rows: bool


@dataclass
class PageTimings:
    page: int
    kizuna_list: Timing
    kizuna_sql: Timing
    reference_sql: Timing
    same_rows: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "kizuna_list": self.kizuna_list.as_json(),
            "kizuna_sql": self.kizuna_sql.as_json(),
            "reference_sql": self.reference_sql.as_json(),
            "same_rows": self.same_rows,
        }


def fetch(node: Node, query: Select[Any]) -> list[Any]:
    with node.db.read() as conn:
        return list(conn.execute(query).all())


def _sqlite_plan(conn: Connection, query: Select[Any]) -> list[str]:
    compiled = query.compile(dialect=conn.dialect)
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    depth: dict[int, int] = {0: -1}
    lines = []
    for node_id, parent, _, detail in conn.exec_driver_sql(
        "EXPLAIN QUERY PLAN " + str(compiled), params
    ):
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + detail)
    return lines


def _sql_literal(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"no literal for {value!r}")
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def _pg_plans(conn: Connection, query: Select[Any]) -> dict[str, list[str]]:
    """The custom plan (the query's values known to the planner, as for the first
    executions on a connection) and the generic plan (what a statement psycopg has
    prepared may settle on), both run with EXPLAIN ANALYZE."""
    compiled = query.compile(dialect=conn.dialect)
    custom = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params)
    numbered = query.compile(dialect=postgresql.psycopg.dialect(paramstyle="numeric_dollar"))
    values = ", ".join(_sql_literal(numbered.params[n]) for n in numbered.positiontup or ())
    conn.exec_driver_sql("PREPARE bench_listing AS " + str(numbered))
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    generic = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_listing({values})")
    result = {"custom": [row[0] for row in custom], "generic": [row[0] for row in generic]}
    conn.exec_driver_sql("DEALLOCATE bench_listing")
    return result


def plans(node: Node, query: Select[Any]) -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN (SQLite); EXPLAIN (ANALYZE, BUFFERS), custom and generic
    (PostgreSQL)."""
    with node.db.read() as conn:
        if node.db.is_sqlite:
            return {"query": _sqlite_plan(conn, query)}
        return _pg_plans(conn, query)


def prepared_statements(node: Node) -> list[dict[str, Any]]:
    """PostgreSQL: how often each listing statement psycopg prepared on the pooled
    connection was run with a generic and with a custom plan."""
    if node.db.is_sqlite:
        return []
    with node.db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
        ).all()
    found = []
    for statement, generic, custom in rows:
        for table in (ref_access.name, access.name):
            if f"FROM {table} JOIN versions" in statement:
                found.append(
                    {
                        "design": "reference" if table == ref_access.name else "kizuna",
                        "cursor": f"{table}.object_pk < $" in statement,
                        "generic_plans": generic,
                        "custom_plans": custom,
                    }
                )
                break
    return found


class Measure:
    """Times one reader's listings, Kizuna's and the reference's, on one node."""

    def __init__(self, node: Node, args: argparse.Namespace) -> None:
        self.node = node
        self.args = args

    def page(self, principal: Principal, page: int) -> PageSetup | None:
        """The three listings of page `page` (1 = newest) ready to time, after checking
        that they return the same objects; None when there is no such page."""
        store, node = self.node.store, self.node
        token: str | None = None
        kizuna_after: int | None = None
        ref_after: int | None = None
        for _ in range(page - 1):
            listed = store.list(principal, limit=LIMIT, cursor_token=token)
            if listed.next is None:
                return None
            token = listed.next
            kizuna_after = fetch(node, listing_query(access, principal, node, after=kizuna_after))[
                LIMIT - 1
            ].object_pk
            ref_after = fetch(node, listing_query(ref_access, principal, node, after=ref_after))[
                LIMIT - 1
            ].object_pk

        listed = store.list(principal, limit=LIMIT, cursor_token=token)
        kizuna_rows = fetch(node, listing_query(access, principal, node, after=kizuna_after))
        ref_rows = fetch(node, listing_query(ref_access, principal, node, after=ref_after))
        ids = [item.id for item in listed.items]
        same = (
            ids == [r.stix_id for r in kizuna_rows[:LIMIT]] == [r.stix_id for r in ref_rows[:LIMIT]]
        )
        return PageSetup(
            page=page,
            calls={
                "kizuna_list": lambda: store.list(principal, limit=LIMIT, cursor_token=token),
                "kizuna_sql": lambda: fetch(
                    node, listing_query(access, principal, node, after=kizuna_after)
                ),
                "reference_sql": lambda: fetch(
                    node, listing_query(ref_access, principal, node, after=ref_after)
                ),
            },
            same_rows=same,
        )

    def pages(self, page: int) -> dict[str, PageTimings]:
        """Page `page` for every reader who has one, all nine listings timed round-robin."""
        setups = {r.key: s for r in readers() if (s := self.page(r.principal, page)) is not None}
        a = self.args
        timings = time_interleaved(
            {(key, design): fn for key, s in setups.items() for design, fn in s.calls.items()},
            runs=a.runs,
            warmup=a.warmup,
            budget_s=a.budget,
        )
        return {
            key: PageTimings(
                page=page,
                kizuna_list=timings[key, "kizuna_list"],
                kizuna_sql=timings[key, "kizuna_sql"],
                reference_sql=timings[key, "reference_sql"],
                same_rows=s.same_rows,
            )
            for key, s in setups.items()
        }

    def fresh_connection(self, principal: Principal, calls: int) -> list[float]:
        """Milliseconds of the first `calls` listings on a new pooled connection."""
        self.node.db.engine.dispose()
        samples = []
        for _ in range(calls):
            t0 = time.perf_counter_ns()
            self.node.store.list(principal, limit=LIMIT)
            samples.append(round((time.perf_counter_ns() - t0) / 1e6, 3))
        return samples

    def visible_count(self, principal: Principal) -> int:
        with self.node.db.read() as conn:
            query = (
                select(func.count())
                .select_from(access)
                .where(current(), visible(principal, self.node.store.bits))
            )
            return int(conn.execute(query).scalar_one())


def server_version(node: Node) -> str:
    if node.db.is_sqlite:
        return f"SQLite {sqlite3.sqlite_version}"
    with node.db.read() as conn:
        return f"PostgreSQL {conn.exec_driver_sql('SHOW server_version').scalar_one()}"


def run_database(
    kind: DbKind, args: argparse.Namespace, labels: Sequence[Label], out: Console
) -> dict[str, Any]:
    with temp_database(kind, prefix="kizuna_bench") as (url, workdir):
        settings = Settings(
            database_url=url, key_file=workdir / "node_ed25519.pem", policy_file=None
        )
        initialize(settings, nation=NATION)
        node = open_node(settings)
        load_before = os.getloadavg()
        try:
            result = measure_node(node, kind, args, labels, out)
        finally:
            node.db.dispose()
        result["load_average"] = {"start": load_before, "end": os.getloadavg()}
        return result


def measure_node(
    node: Node, kind: DbKind, args: argparse.Namespace, labels: Sequence[Label], out: Console
) -> dict[str, Any]:
    sample = min(args.sample, len(labels))
    out.log(f"[{kind}] {server_version(node)}: {sample:,} objects through Store.create_in")
    real = insert_real_path(node, labels[:sample], args.batch)
    out.log(f"[{kind}] {real.rate:,.0f} objects/s; bulk-loading {len(labels) - sample:,} more")
    bulk = bulk_load(node, labels, sample, args.bulk_batch, args.seed)
    out.log(f"[{kind}] {bulk.rate:,.0f} objects/s; building the reference table")
    if kind == "postgresql":
        analyze(node)
    ref_seconds = build_reference(node)
    if kind == "postgresql":
        analyze(node)

    label_counts = Counter(labels)
    measure = Measure(node, args)
    per_reader: dict[str, Any] = {}
    out.log(f"[{kind}] timing the first page, the nine listings round-robin")
    first = measure.pages(1)
    deep: dict[str, PageTimings] = {}
    if args.depth > 1:
        out.log(f"[{kind}] timing page {args.depth}")
        deep = measure.pages(args.depth)
    for reader in readers():
        p = reader.principal
        count = measure.visible_count(p)
        per_reader[reader.key] = {
            "title": reader.title,
            "clearance": {
                "nation": p.clearance.nation,
                "rank": p.clearance.rank,
                "compartments": sorted(p.clearance.compartments),
            },
            "visible": count,
            "visible_by_can_read": sum(
                n for label, n in label_counts.items() if can_read(p.clearance, label)
            ),
            "visible_fraction": count / len(labels),
            "first_page": first[reader.key].as_json(),
            "deep_page": deep[reader.key].as_json() if reader.key in deep else None,
        }
    prepared = prepared_statements(node)

    out.log(f"[{kind}] query plans, then first listings on fresh connections")
    query_plans = {
        reader.key: {
            "kizuna": plans(node, listing_query(access, reader.principal, node)),
            "reference": plans(node, listing_query(ref_access, reader.principal, node)),
        }
        for reader in readers()
    }
    for reader in readers():
        per_reader[reader.key]["fresh_connection_ms"] = measure.fresh_connection(
            reader.principal, args.fresh_calls
        )

    def ratios(design: str) -> dict[str, float]:
        p50 = {k: r["first_page"][design]["p50_ms"] for k, r in per_reader.items()}
        b, c = p50["b"] / p50["a"], p50["c"] / p50["a"]
        return {"ratio": max(b, c), "ratio_b_over_a": b, "ratio_c_over_a": c}

    return {
        "server": server_version(node),
        "insert": {"real_path": real.as_json(), "bulk": bulk.as_json()},
        "reference_build_seconds": round(ref_seconds, 3),
        "analyzed": kind == "postgresql",
        "readers": per_reader,
        "ratios": {
            "kizuna_list": ratios("kizuna_list"),
            "kizuna_sql": ratios("kizuna_sql"),
            "reference_sql": ratios("reference_sql"),
        },
        "prepared_statements": prepared,
        "plans": query_plans,
    }


# -- printing ---------------------------------------------------------------------------


def _ms(t: dict[str, Any]) -> tuple[str, str]:
    runs = f" ({t['runs']})" if t["runs"] < 20 else ""
    return f"{t['p50_ms']:.2f}", f"{t['p99_ms']:.2f}{runs}"


def print_database(out: Console, kind: str, result: dict[str, Any], show_plans: bool) -> None:
    loads = [result["insert"]["real_path"], result["insert"]["bulk"]]
    names = [
        "real path: Store.create_in, STIX validation + audit entry",
        "bulk: Core executemany, same objects/versions/access rows, NO audit",
    ]
    out.print(
        rich_table(
            f"{kind} ({result['server']}): inserts",
            ["path", "objects", "rows", "seconds", "objects/s"],
            [
                [
                    name,
                    f"{ld['objects']:,}",
                    f"{ld['rows']:,}",
                    f"{ld['seconds']:.1f}",
                    f"{ld['objects_per_s']:,.0f}",
                ]
                for name, ld in zip(names, loads, strict=True)
            ],
        )
    )
    rows = []
    for r in result["readers"].values():
        pages = [("1", r["first_page"])]
        if r["deep_page"]:
            pages.append((str(r["deep_page"]["page"]), r["deep_page"]))
        for number, page in pages:
            kl, ks, rs = page["kizuna_list"], page["kizuna_sql"], page["reference_sql"]
            rows.append(
                [
                    r["title"] if number == "1" else "",
                    f"{r['visible']:,} ({100 * r['visible_fraction']:.2f} %)"
                    + ("" if r["visible"] == r["visible_by_can_read"] else " ≠ can_read!")
                    if number == "1"
                    else "",
                    number,
                    *_ms(kl),
                    *_ms(ks),
                    *_ms(rs),
                    f"{rs['p50_ms'] / ks['p50_ms']:.1f}×",
                    "yes" if page["same_rows"] else "NO",
                ]
            )
    out.print(
        rich_table(
            f"{kind}: newest {LIMIT}, ms (p99 shows the run count when under 20)",
            [
                "reader",
                "visible",
                "page",
                "Kizuna list() p50",
                "p99",
                "Kizuna SQL p50",
                "p99",
                "reference SQL p50",
                "p99",
                "ref ÷ Kizuna SQL",
                "same rows",
            ],
            rows,
        )
    )
    load = result["load_average"]
    out.print(
        f"{kind}: load average (1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load['start'])} "
        f"at the start, {', '.join(f'{x:.1f}' for x in load['end'])} at the end "
        f"({os.cpu_count()} CPUs)"
    )
    rt = result["ratios"]
    out.print(
        rich_table(
            f"{kind}: p50 ratios, first page",
            ["ratio", "Kizuna list()", "Kizuna SQL", "reference SQL", "target"],
            [
                [
                    label,
                    *(f"{rt[d][key]:.2f}" for d in ("kizuna_list", "kizuna_sql", "reference_sql")),
                    target,
                ]
                for label, key, target in (
                    ("(b)/(a)", "ratio_b_over_a", f"<= {TARGET_B_OVER_A}"),
                    ("(c)/(a)", "ratio_c_over_a", ""),
                    ("ratio: worse of the two", "ratio", f"<= {TARGET}"),
                )
            ],
        )
    )
    fresh = [
        [r["title"], " ".join(f"{ms:.1f}" for ms in r["fresh_connection_ms"])]
        for r in result["readers"].values()
    ]
    out.print(
        rich_table(
            f"{kind}: Kizuna list() on a fresh connection, ms per call in call order",
            ["reader", "calls"],
            fresh,
        )
    )
    if result["prepared_statements"]:
        out.print(
            rich_table(
                f"{kind}: listing statements psycopg prepared during the timings",
                ["design", "with cursor", "generic plans", "custom plans"],
                [
                    [
                        ps["design"],
                        "yes" if ps["cursor"] else "no",
                        str(ps["generic_plans"]),
                        str(ps["custom_plans"]),
                    ]
                    for ps in result["prepared_statements"]
                ],
            )
        )
    if show_plans:
        for key, by_design in result["plans"].items():
            for design, variants in by_design.items():
                for variant, lines in variants.items():
                    out.print(f"[bold]{kind} {variant} plan, reader ({key}), {design}[/bold]")
                    out.print("\n".join(lines), markup=False, highlight=False)


# -- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--sample", type=int, default=5_000, help="objects inserted through Store.create_in"
    )
    parser.add_argument("--batch", type=int, default=1_000, help="objects per real-path commit")
    parser.add_argument("--bulk-batch", type=int, default=10_000, help="objects per bulk commit")
    parser.add_argument("--runs", type=int, default=200, help="timed listings per measurement")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--budget", type=float, default=20.0, help="seconds per measurement (min 5 runs)"
    )
    parser.add_argument("--depth", type=int, default=10, help="deeper page timed (1: none)")
    parser.add_argument(
        "--fresh-calls", type=int, default=12, help="listings timed on a fresh connection"
    )
    parser.add_argument("--seed", type=int, default=20240728)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args(argv)
    if args.objects < 1 or args.sample < 0 or args.runs < 1 or args.depth < 1:
        parser.error("--objects, --runs and --depth must be positive, --sample not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = console()
    kinds: list[DbKind] = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    out.log(f"drawing {args.objects:,} labels (seed {args.seed})")
    labels = random_labels(args.objects, args.seed)

    results: dict[str, Any] = {}
    for kind in kinds:
        results[kind] = run_database(kind, args, labels, out)
        print_database(out, kind, results[kind], args.explain)

    per_db = {kind: r["ratios"]["kizuna_list"] for kind, r in results.items()}
    ratio = max(r["ratio"] for r in per_db.values())
    b_over_a = max(r["ratio_b_over_a"] for r in per_db.values())
    summary = {
        "ratio": round(ratio, 3),
        "target": TARGET,
        "met": ratio <= TARGET,
        "ratio_b_over_a": round(b_over_a, 3),
        "target_b_over_a": TARGET_B_OVER_A,
        "met_b_over_a": b_over_a <= TARGET_B_OVER_A,
        "measured": "p50 of Store.list(principal, limit=100), first page; worst database",
        "per_db": {
            kind: {
                **{k: round(v, 3) for k, v in r.items()},
                "reference_ratio": round(results[kind]["ratios"]["reference_sql"]["ratio"], 3),
            }
            for kind, r in per_db.items()
        },
    }
    path = write_result(
        NAME,
        {
            "summary": summary,
            "config": {
                "objects": args.objects,
                "sample_real_path": min(args.sample, args.objects),
                "batch": args.batch,
                "bulk_batch": args.bulk_batch,
                "runs": args.runs,
                "warmup": args.warmup,
                "budget_s": args.budget,
                "depth": args.depth,
                "fresh_calls": args.fresh_calls,
                "seed": args.seed,
                "labels": {
                    "ranks": list(RANKS),
                    "compartment_p": COMPARTMENT_P,
                    "rel_to": {NATION: 1.0, "USA": USA_P, "AUS": AUS_P},
                },
            },
            "notes": [
                "Insert rate 'real_path' is Store.create_in in node.db.write() transactions, "
                "with STIX validation and one audit entry per object.",
                "Insert rate 'bulk' writes the objects/versions/access rows of "
                "_insert_version with Core executemany and writes NO audit entries.",
                "Reference: the same query and visibility condition over bench_ref_access, "
                "a copy of access indexed only on object_pk (creation order).",
                "PostgreSQL tables are ANALYZEd after loading; SQLite's are not.",
            ],
            "databases": results,
        },
    )
    verdict = "met" if summary["met"] else "MISSED"
    verdict_b = "met" if summary["met_b_over_a"] else "MISSED"
    out.print(
        f"ratio {ratio:.2f} (target <= {TARGET}: {verdict}); (b)/(a) {b_over_a:.2f} "
        f"(target <= {TARGET_B_OVER_A}: {verdict_b}); written to {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
