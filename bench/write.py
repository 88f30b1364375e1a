"""Writing objects through the real path against inserting the same rows bare.

What is measured, per database kind, in one run:

1. The reference: `--objects` indicators (default 100,000) with the labels of
   bench/store.py (seed fixed) inserted as exactly the rows the store writes (one
   `objects` row, one `versions` row, one `access` row per nation released to) with
   SQLAlchemy Core executemany, `--batch` objects per transaction, on a fresh node.
   No validation, no label rules, no audit: the database's own speed.
2. The real path: the same objects, labels and batches through
   `Store.create_many_in` as the node's system principal, on another fresh node:
   STIX validation, the owner registry, the label and release rules, the label
   markings, and an audit entry per object, chained, all in the batch's transaction.
3. For comparison, the single path: `Store.create_in` one object at a time in the same
   batches, for the first `--single` objects (default 5,000) on a third fresh node.

Then the stored rows of the real path are checked: as many objects as written, one
version each, an access row per nation of each label, one `object.create` audit entry
per object, and the audit chain verified end to end.

Headline `ratio` = real-path objects/s ÷ bare executemany objects/s; target >= 0.25 on
SQLite; the worst over the databases run.

    .venv/bin/python bench/write.py                       # 100,000 objects, SQLite
    .venv/bin/python bench/write.py --objects 20000 --db postgresql
    .venv/bin/python bench/write.py --db both
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from sqlalchemy import func, select

from _common import DbKind, rich_table, temp_database, write_result
from _common import console as make_console
from kizuna import audit
from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.db.schema import access, audit_log, objects, versions
from kizuna.labels import Label
from kizuna.runtime import Node
from store import Load, bulk_load, indicator, random_labels

NAME = "write"
console = make_console()
TARGET = 0.25
SEED = 7


@contextmanager
def fresh_node(kind: DbKind, prefix: str) -> Iterator[Node]:
    with temp_database(kind, prefix=prefix) as (url, workdir):
        settings = Settings(database_url=url, key_file=workdir / "node_ed25519.pem")
        initialize(settings, nation="JPN")
        node = open_node(settings)
        try:
            yield node
        finally:
            node.db.dispose()


def write_batches(node: Node, labels: Sequence[Label], batch: int) -> Load:
    """`Store.create_many_in` as the system principal, `batch` objects per transaction."""
    system = node.system
    started = time.perf_counter()
    for start in range(0, len(labels), batch):
        items = [(indicator(i), labels[i]) for i in range(start, min(start + batch, len(labels)))]
        with node.store.transaction(system) as conn:
            made = node.store.create_many_in(conn, system, items)
        if made.refused:
            raise SystemExit(f"the batch at {start} refused {made.refused[0]}")
    seconds = time.perf_counter() - started
    rows = sum(2 + len(label.rel_to) for label in labels)
    return Load("Store.create_many_in (validation, rules, audit)", len(labels), rows, seconds, True)


def write_singles(node: Node, labels: Sequence[Label], batch: int) -> Load:
    """`Store.create_in`, one call per object, `batch` per transaction."""
    started = time.perf_counter()
    for start in range(0, len(labels), batch):
        with node.store.transaction(node.system) as conn:
            for i in range(start, min(start + batch, len(labels))):
                node.store.create_in(conn, node.system, indicator(i), labels[i])
    seconds = time.perf_counter() - started
    rows = sum(2 + len(label.rel_to) for label in labels)
    return Load("Store.create_in (one at a time)", len(labels), rows, seconds, True)


def check_stored(node: Node, labels: Sequence[Label]) -> dict[str, Any]:
    """What the real path stored, counted in SQL, and the audit chain verified."""
    with node.db.read() as conn:

        def count(query: Any) -> int:
            return int(conn.execute(query).scalar_one())

        stored = count(
            select(func.count()).select_from(objects).where(objects.c.type == "indicator")
        )
        version_rows = count(
            select(func.count())
            .select_from(versions.join(objects, objects.c.pk == versions.c.object_pk))
            .where(objects.c.type == "indicator")
        )
        access_rows = count(
            select(func.count()).select_from(access).where(access.c.type == "indicator")
        )
        creates = count(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "object.create")
        )
        report = audit.verify(conn, node.key.public_key())
    expected_access = sum(len(label.rel_to) for label in labels)
    checks = {
        "objects": stored == len(labels),
        "one_version_each": version_rows == len(labels),
        "access_rows": access_rows == expected_access,
        "audit_entries": creates == len(labels),
        "audit_chain": not report.findings,
    }
    if not all(checks.values()):
        raise SystemExit(f"the real path stored something else: {checks}")
    return {"checks": checks, "audit_entries": report.entries}


def run(kind: DbKind, args: argparse.Namespace) -> dict[str, Any]:
    labels = random_labels(args.objects, SEED)
    console.print(f"[bold]{kind}[/]: {args.objects:,} objects, {args.batch} per transaction")
    with fresh_node(kind, "kizuna_bench_write_ref") as node:
        bare = bulk_load(node, labels, 0, args.batch, SEED)
    console.print(f"  bare executemany: {bare.rate:,.0f} objects/s")
    with fresh_node(kind, "kizuna_bench_write_real") as node:
        real = write_batches(node, labels, args.batch)
        console.print(f"  real path:        {real.rate:,.0f} objects/s")
        stored = check_stored(node, labels)
    single: Load | None = None
    if args.single:
        with fresh_node(kind, "kizuna_bench_write_single") as node:
            single = write_singles(node, labels[: args.single], args.batch)
        console.print(f"  single path:      {single.rate:,.0f} objects/s")
    ratio = real.rate / bare.rate
    return {
        "database": kind,
        "objects": args.objects,
        "batch": args.batch,
        "bare": bare.as_json(),
        "real": real.as_json(),
        "single": single.as_json() if single else None,
        "stored": stored,
        "ratio": round(ratio, 3),
        "single_ratio": round(single.rate / bare.rate, 3) if single else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--single", type=int, default=5000, help="objects for the single path")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    kinds: list[DbKind] = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = [run(kind, args) for kind in kinds]

    table = rich_table(
        "Writing objects: real path ÷ bare executemany",
        ["database", "bare obj/s", "create_many obj/s", "create_in obj/s", "ratio", "target"],
        [
            [
                r["database"],
                f"{r['bare']['objects_per_s']:,.0f}",
                f"{r['real']['objects_per_s']:,.0f}",
                f"{r['single']['objects_per_s']:,.0f}" if r["single"] else "—",
                f"{r['ratio']:.3f}",
                f">= {TARGET}",
            ]
            for r in results
        ],
    )
    console.print(table)
    worst = min(r["ratio"] for r in results)
    verdict = "met" if worst >= TARGET else "missed"
    console.print(f"headline ratio {worst:.3f} (target >= {TARGET}): {verdict}")
    path = write_result(
        NAME,
        {
            "summary": {
                "ratio": worst,
                "target": TARGET,
                "direction": ">=",
                "met": worst >= TARGET,
            },
            "runs": results,
        },
    )
    console.print(f"written to {path}")


if __name__ == "__main__":
    main()
