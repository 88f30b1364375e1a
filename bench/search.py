"""Full-text search for a reader who sees little, against one who sees everything.

What is measured, on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm), in one run:
`kizuna.store.search.search(store, principal, word, limit=20)` — the first page of
results, best first, and the count of them all — p50 and p99 over `--runs` calls
after `--warmup`, timed round-robin (one call of each reader per round), for

  (a) an admin of the node who reads everything (JPN, TOP SECRET, every compartment);
  (b) a partner reader (USA, SECRET, no compartment) who reads 10 % of the objects.

The objects are reports named "Report <n> <word> <word>" with words drawn from a
vocabulary of English and Japanese words, so that one word is in about 1 % of the
objects; 10 % are released UNCLASSIFIED to USA, the rest are JPN-only at random
levels. They are bulk-loaded as the rows the store writes (objects, versions, access;
no audit), and the index is filled by the migration's trigger on `versions`, as on
every write path. The results of (b) are checked to be exactly the visible subset of
(a)'s for one query, so the benchmark cannot pass by finding nothing.

Headline: `ratio`, p50 (b) / p50 (a), the worse over the databases run; target <= 3.

    .venv/bin/python bench/search.py                    # 20,000 objects, both databases
    .venv/bin/python bench/search.py --objects 1000000  # the issue's size
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from typing import Any

from sqlalchemy import func, insert, select

from _common import (
    DbKind,
    console,
    environment,
    rich_table,
    temp_database,
    time_interleaved,
    write_result,
)
from kizuna import clock
from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.db.schema import access, objects, versions
from kizuna.identity.principal import Principal
from kizuna.labels import Clearance, Label
from kizuna.runtime import Node
from kizuna.store.search import search

WORDS = [
    *("maritime", "logistics", "airspace", "exercise", "liaison", "typhoon", "harbour"),
    *("防空", "輸送", "演習", "連絡", "海洋", "共同", "警戒", "補給", "訓練", "調整"),
]
VOCABULARY = [f"{w}{n}" for w in WORDS for n in range(6)]  # ~100 words, ~1 % each
QUERIES = ["maritime3", "演習2", "harbour5"]
TARGET = 3.0


def _label(rng: random.Random, node: Node) -> Label:
    if rng.random() < 0.10:
        return Label(node.policy.lowest.rank, frozenset({"JPN", "USA"}), frozenset())
    ranks = [level.rank for level in node.policy.levels]
    comps = frozenset(c for c in sorted(node.policy.compartments) if rng.random() < 0.2)
    return Label(rng.choice(ranks), frozenset({"JPN"}), comps)


def load(node: Node, count: int, batch: int, seed: int) -> float:
    """`count` reports as the rows the store writes; the trigger indexes each version."""
    rng = random.Random(seed)
    store = node.store
    started = time.perf_counter()
    for start in range(0, count, batch):
        now = clock.now_ts()
        rows: dict[str, list[dict[str, Any]]] = {"o": [], "v": [], "a": []}
        for i in range(start, min(start + batch, count)):
            pk = i + 1
            label = _label(rng, node)
            stix_id = f"report--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            name = f"Report {i} {rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}"
            body = (
                f'{{"id":"{stix_id}","name":"{name}","type":"report",'
                '"spec_version":"2.1","created":"2026-01-01T00:00:00.000Z",'
                '"modified":"2026-01-01T00:00:00.000Z"}'
            )
            rows["o"].append(
                {"pk": pk, "stix_id": stix_id, "type": "report", "origin": "JPN",
                 "created_at": now}
            )  # fmt: skip
            rows["v"].append(
                {"pk": pk, "object_pk": pk, "number": 1, "modified": "2026-01-01T00:00:00.000Z",
                 "label": store.render(label), "rank": label.rank,
                 "rel_to": ",".join(sorted(label.rel_to)),
                 "compartments": "/".join(sorted(label.compartments)), "body": body,
                 "author": "bench", "recorded_at": now}
            )  # fmt: skip
            rows["a"] += [
                {"version_pk": pk, "nation": nation, "object_pk": pk, "type": "report",
                 "rank": label.rank, "comp_mask": store.bits.mask(label.compartments),
                 "current": 1}
                for nation in sorted(label.rel_to)
            ]  # fmt: skip
        with node.db.write() as conn:
            conn.execute(insert(objects), rows["o"])
            conn.execute(insert(versions), rows["v"])
            conn.execute(insert(access), rows["a"])
    if not node.db.is_sqlite:
        with node.db.write() as conn:
            for table in (objects, versions):
                sequence = func.pg_get_serial_sequence(table.name, "pk")
                top = select(func.max(table.c.pk)).scalar_subquery()
                conn.execute(select(func.setval(sequence, top)))
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def readers(node: Node) -> dict[str, Principal]:
    policy = node.policy
    top = max(level.rank for level in policy.levels)
    secret = policy.level_named("SECRET").rank
    everything = Clearance("JPN", top, frozenset(policy.compartments))
    partner = Clearance("USA", secret, frozenset())
    return {
        "admin (reads all)": Principal("bench-admin", everything),
        "partner (reads 10 %)": Principal("bench-partner", partner),
    }


def run(kind: DbKind, args: argparse.Namespace) -> dict[str, Any]:
    with temp_database(kind, prefix="kizuna_bench_search") as (url, workdir):
        settings = Settings(database_url=url, key_file=workdir / "node.pem")  # type: ignore[arg-type]
        initialize(settings, nation="JPN")
        node = open_node(settings)
        try:
            seconds = load(node, args.objects, args.batch, args.seed)
            who = readers(node)
            admin, partner = who.values()
            # The benchmark is only meaningful if the partner finds its share, exactly.
            everything = search(node.store, admin, QUERIES[0], limit=100)
            some = search(node.store, partner, QUERIES[0], limit=100)
            assert everything.total > 0, "the query finds nothing"
            assert 0 < some.total < everything.total, (some.total, everything.total)
            calls = {
                name: (lambda p=p: [search(node.store, p, q, limit=20) for q in QUERIES])
                for name, p in who.items()
            }
            timings = time_interleaved(calls, runs=args.runs, warmup=args.warmup)
        finally:
            node.db.dispose()
    p50 = {name: t.p50 / len(QUERIES) for name, t in timings.items()}
    names = list(who)
    return {
        "database": kind,
        "objects": args.objects,
        "load_seconds": round(seconds, 2),
        "matches_admin": everything.total,
        "matches_partner": some.total,
        "p50_ms_per_query": {k: round(v, 3) for k, v in p50.items()},
        "timings": {k: t.as_json() for k, t in timings.items()},
        "ratio": round(p50[names[1]] / p50[names[0]], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20241203)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    kinds: list[DbKind] = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = [run(kind, args) for kind in kinds]
    rows = [
        [r["database"], f"{r['objects']:,}", f"{r['matches_admin']:,}",
         f"{r['matches_partner']:,}", *(f"{v:.2f}" for v in r["p50_ms_per_query"].values()),
         f"{r['ratio']:.2f}"]
        for r in results
    ]  # fmt: skip
    columns = ["db", "objects", "found (admin)", "found (partner)", "p50 ms admin",
               "p50 ms partner", "ratio"]  # fmt: skip
    console().print(rich_table("search: partner (10 %) ÷ admin (all)", columns, rows))
    ratio = max(r["ratio"] for r in results)
    path = write_result(
        "search",
        {"summary": {"ratio": ratio, "target": TARGET}, "runs": results, **environment()},
    )
    console().print(f"ratio {ratio:.2f} (target <= {TARGET}); written to {path}")


if __name__ == "__main__":
    main()
