"""Coordination at scale: 100,000 open items.

- the time of a determination (Japan determines a gray-zone situation in a region:
  every open item there takes the shorter deadline, each in a new version that states
  it, so that the partner's node shows the same), and of ending it;
- the escalation scan's query (100 due among 100,000) against a plain indexed SELECT
  of the same due rows by primary key, the headline ratio (target <= 2); and the time
  the scanner then takes to act on them (100 escalations, each a new item version);
- the board query's p50 for a Japanese author who sees every item, a US reader who
  sees a third of them, and an Australian reader who sees none (the longest walk).

Items: a sample through `Coordination.open_item` (the real path), the rest written in
bulk as the same rows (objects, versions, access, coord_items, coord_steps) without
audit entries. Prints its tables and writes bench/results/coordination.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, text

from _common import (
    DbKind,
    console,
    environment,
    rich_table,
    temp_database,
    time_calls,
    write_result,
)
from kizuna import clock
from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination import queries
from kizuna.domains.coordination.model import (
    ITEM_TYPE,
    DeterminationCreate,
    DeterminationEnd,
    ItemCreate,
)
from kizuna.domains.coordination.schema import coord_items, coord_steps
from kizuna.domains.coordination.service import coordination, epoch
from kizuna.identity.principal import Principal, Role
from kizuna.labels import Clearance, parse
from kizuna.runtime import Node
from kizuna.stix.markings import marking_id
from kizuna.stix.validate import canonical_json

NAME = "coordination"
TARGET = 2.0
REGIONS = ("hokkaido", "kanto", "kyushu", "southwest-islands")
_RESEQUENCE = {
    table: text(
        "SELECT setval(pg_get_serial_sequence(:t, 'pk'), (SELECT max(pk) FROM " + table + "))"  # noqa: S608 (constant names)
    ).bindparams(t=table)
    for table in ("objects", "versions", "coord_steps")
}
LABELS = (("SECRET//REL TO JPN, USA", 0.7), ("CONFIDENTIAL//REL TO JPN, USA", 0.3))


def people(node: Node) -> dict[str, Principal]:
    policy = node.policy
    secret = policy.level_named("SECRET").rank
    confidential = policy.level_named("CONFIDENTIAL").rank
    return {
        "author": Principal(
            "author",
            Clearance("JPN", secret),
            frozenset({Role.AUTHOR, Role.RELEASING_OFFICER}),
            frozenset({"jjoc", "mod-policy"}),
        ),
        "officer": Principal(
            "officer",
            Clearance("USA", secret),
            frozenset({Role.COORDINATOR}),
            frozenset({"usfj", "osd-policy"}),
        ),
        "us_reader": Principal("us-reader", Clearance("USA", confidential)),
        # Sees none of the items: the board's walk of the steps finds nothing to stop at.
        "aus_reader": Principal("aus-reader", Clearance("AUS", secret)),
    }


def request(n: int, region: str, label: str, **extra: Any) -> ItemCreate:
    return ItemCreate(
        title_en=f"Item {n}",
        title_ja=f"案件{n}",
        requesting_body="jjoc",
        counterpart_body="usfj",
        region=region,
        label=label,
        domains=["air"],
        **extra,
    )


def load(node: Node, total: int, sample: int, due_now: int, seed: int) -> dict[str, float]:
    """`sample` items through the service, the rest in bulk; `due_now` of them due."""
    c = coordination(node)
    rng = random.Random(seed)
    who = people(node)["author"]
    t0 = time.perf_counter()
    for n in range(sample):
        label = rng.choices([lab for lab, _ in LABELS], [p for _, p in LABELS])[0]
        c.open_item(who, request(n, REGIONS[n % len(REGIONS)], label))
    real = time.perf_counter() - t0
    template = json.loads(node.store.list(who, type=ITEM_TYPE, limit=1).items[0].body)
    policy = node.policy
    parsed = {lab: parse(policy, lab) for lab, _ in LABELS}
    bits = node.store.bits
    now_ts = clock.now_ts()
    base = epoch()
    t0 = time.perf_counter()
    with node.db.write() as conn:
        next_obj = int(conn.execute(select(func.coalesce(func.max(objects.c.pk), 0))).scalar_one())
        next_ver = int(conn.execute(select(func.coalesce(func.max(versions.c.pk), 0))).scalar_one())
        batch: dict[str, list[dict[str, Any]]] = {k: [] for k in ("o", "v", "a", "i", "s")}

        def flush() -> None:
            for key, table in (
                ("o", objects),
                ("v", versions),
                ("a", access),
                ("i", coord_items),
                ("s", coord_steps),
            ):
                if batch[key]:
                    conn.execute(insert(table), batch[key])
                    batch[key].clear()

        for n in range(sample, total):
            next_obj += 1
            next_ver += 1
            text_label = rng.choices([lab for lab, _ in LABELS], [p for _, p in LABELS])[0]
            label = parsed[text_label]
            region = REGIONS[n % len(REGIONS)]
            stix_id = f"{ITEM_TYPE}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            body = {**template, "id": stix_id, "name": f"Item {n}", "region": region}
            # Each version carries the marking of its own label (the store checks it).
            body["object_marking_refs"] = [marking_id(node.policy, label)]
            batch["o"].append(
                {
                    "pk": next_obj,
                    "stix_id": stix_id,
                    "type": ITEM_TYPE,
                    "origin": "JPN",
                    "created_at": now_ts,
                }
            )
            batch["v"].append(
                {
                    "pk": next_ver,
                    "object_pk": next_obj,
                    "number": 2,
                    "modified": body["modified"],
                    "label": text_label,
                    "rank": label.rank,
                    "rel_to": ",".join(sorted(label.rel_to)),
                    "compartments": "",
                    "body": canonical_json(body),
                    "author": who.name,
                    "recorded_at": now_ts,
                }
            )
            for nation in sorted(label.rel_to):
                batch["a"].append(
                    {
                        "version_pk": next_ver,
                        "nation": nation,
                        "object_pk": next_obj,
                        "type": ITEM_TYPE,
                        "rank": label.rank,
                        "comp_mask": bits.mask(()),
                        "current": 1,
                    }
                )
            batch["i"].append(
                {
                    "object_pk": next_obj,
                    "state": "proposed",
                    "tier": "operational",
                    "region": region,
                    "requesting_body": "jjoc",
                    "counterpart_body": "usfj",
                    "escalated_to": None,
                    "needs": "USA",
                    "precedence": "ROUTINE",
                    "updated_at": now_ts,
                }
            )
            # Deadlines spread over the next 72 hours: none due yet.
            offset = rng.randint(3600, 72 * 3600)
            batch["s"].append(
                {
                    "item_pk": next_obj,
                    "number": 1,
                    "reason": "deadline",
                    "base_at": base,
                    "due_at": base + offset,
                    "status": "pending",
                    "from_tier": "operational",
                    "to_body": None,
                    "fired_at": None,
                }
            )
            if len(batch["o"]) >= 5000:
                flush()
        flush()
        # Exactly `due_now` items are overdue: their deadline moves into the past.
        due = rng.sample(range(1, next_obj + 1), due_now)
        conn.execute(
            coord_steps.update()
            .where(coord_steps.c.item_pk.in_(due), coord_steps.c.status == "pending")
            .values(due_at=base - 60)
        )
        if not node.db.is_sqlite:
            # Rows were written with their keys: move the sequences past them.
            for table in ("objects", "versions", "coord_steps"):
                conn.execute(_RESEQUENCE[table])
    bulk = time.perf_counter() - t0
    if not node.db.is_sqlite:
        with node.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return {
        "real_path_items_per_s": sample / real if real else 0.0,
        "bulk_items_per_s": (total - sample) / bulk if bulk else 0.0,
    }


def measure(node: Node, args: argparse.Namespace) -> dict[str, Any]:
    c = coordination(node)
    who = people(node)
    out: dict[str, Any] = {}

    # The scan's query against a plain indexed SELECT of the same rows by key.
    with node.db.read() as conn:
        due = c.due_steps(conn, epoch(), 1000)
    assert len(due) == args.due, f"expected {args.due} due steps, found {len(due)}"
    due_pks = [row.pk for row in due]

    def scan_query() -> None:
        with node.db.read() as conn:
            c.due_steps(conn, epoch(), 1000)

    def reference() -> None:
        with node.db.read() as conn:
            conn.execute(
                select(coord_steps.c.pk, coord_steps.c.item_pk, coord_steps.c.due_at).where(
                    coord_steps.c.pk.in_(due_pks)
                )
            ).all()

    scan_t = time_calls(scan_query, runs=args.runs, warmup=args.warmup)
    ref_t = time_calls(reference, runs=args.runs, warmup=args.warmup)
    out["scan_query_ms"] = scan_t.as_json()
    out["reference_ms"] = ref_t.as_json()
    out["ratio"] = scan_t.p50 / ref_t.p50

    # The board, for a reader who sees all and one who sees a third.
    for key in ("author", "us_reader", "aus_reader"):
        principal = who[key]
        shown = len(queries.board(c, principal, limit=200))
        timing = time_calls(
            lambda p=principal: queries.board(c, p, limit=200),
            runs=max(5, args.runs // 10),
            warmup=2,
            budget_s=30,
        )
        out[f"board_{key}_ms"] = {**timing.as_json(), "rows": shown}

    # Acting on the 100 due steps: 100 escalations, each a new version and audit entry.
    t0 = time.perf_counter()
    fired = c.scan(limit=1000)
    out["scan_fire_s"] = time.perf_counter() - t0
    out["fired"] = len(fired)

    # A determination over Kyushu, then its end: each moves the deadline of every open
    # item of the region (and writes the version that states it).
    with node.db.read() as conn:
        in_region = conn.execute(
            select(func.count())
            .select_from(coord_items)
            .where(coord_items.c.region == "kyushu", coord_items.c.state == "proposed")
        ).scalar_one()
    t0 = time.perf_counter()
    made = c.determine(
        who["author"],
        DeterminationCreate(
            kind="jpn-gray-zone",
            regions=["kyushu"],
            determining_body="jjoc",
            label="SECRET//REL TO JPN, USA",
        ),
    )
    out["determination_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    c.end_determination(who["author"], made.id, DeterminationEnd())
    out["determination_end_s"] = time.perf_counter() - t0
    out["open_items_in_region"] = in_region
    return out


def run(kind: DbKind, args: argparse.Namespace) -> dict[str, Any]:
    out = console()
    with temp_database(kind, prefix="kizuna_bench_coord") as (url, workdir):
        settings = Settings(database_url=url, key_file=workdir / "node.pem")
        initialize(settings, nation="JPN")
        node = open_node(settings)
        try:
            out.log(f"[{kind}] loading {args.items:,} open items ({args.sample:,} real path)")
            loaded = load(node, args.items, args.sample, args.due, args.seed)
            out.log(f"[{kind}] measuring")
            return {**loaded, **measure(node, args), "load_average": os.getloadavg()}
        finally:
            node.db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=500, help="items through open_item")
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20240728)
    args = parser.parse_args(argv)
    kinds: list[DbKind] = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    out = console()
    results = {kind: run(kind, args) for kind in kinds}
    rows = []
    for kind, r in results.items():
        rows.append(
            [
                kind,
                f"{r['scan_query_ms']['p50_ms']:.3f}",
                f"{r['reference_ms']['p50_ms']:.3f}",
                f"{r['ratio']:.2f}",
                f"{r['scan_fire_s']:.2f} ({r['fired']})",
                f"{r['determination_s']:.1f} / {r['determination_end_s']:.1f} "
                f"({r['open_items_in_region']:,})",
                f"{r['board_author_ms']['p50_ms']:.1f}",
                f"{r['board_us_reader_ms']['p50_ms']:.1f}",
                f"{r['board_aus_reader_ms']['p50_ms']:.1f}",
            ]
        )
    out.print(
        rich_table(
            f"Coordination, {args.items:,} open items, {args.due} due",
            [
                "database",
                "scan query p50 ms",
                "reference p50 ms",
                "ratio",
                "acting on due steps s (n)",
                "determination / its end s (items in region)",
                "board p50 ms (JPN author)",
                "board p50 ms (US reader)",
                "board p50 ms (AUS, sees none)",
            ],
            rows,
        )
    )
    ratio = max(r["ratio"] for r in results.values())
    summary = {
        "ratio": round(ratio, 3),
        "target": TARGET,
        "met": ratio <= TARGET,
        "measured": "p50 of the scanner's due-step query over p50 of a SELECT of the same "
        "rows by primary key; worst database",
    }
    path = write_result(
        NAME,
        {
            "summary": summary,
            "config": vars(args),
            "environment": environment(),
            "databases": results,
        },
    )
    verdict = "met" if summary["met"] else "MISSED"
    out.print(f"ratio {ratio:.2f} (target <= {TARGET}: {verdict}); written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
