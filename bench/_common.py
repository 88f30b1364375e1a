"""Helpers shared by the benchmarks in bench/.

- `temp_database`: a throw-away SQLite file or PostgreSQL database, removed on exit
  even when the benchmark fails;
- `time_calls`, `time_interleaved`, `percentile`, `Timing`: wall-clock latencies in
  milliseconds, one call at a time or several round-robin;
- `console`, `rich_table`: printing;
- `write_result`: `bench/results/<name>.json`, whose top-level `summary` holds the
  headline `ratio` and its `target`.

PostgreSQL is reached through `KIZUNA_BENCH_PG`, an URL of a database the benchmark
may connect to with AUTOCOMMIT to create and drop its own (default: the local
server's `test` database).
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import sqlalchemy
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

__all__ = [
    "PG_ADMIN_URL",
    "RESULTS_DIR",
    "DbKind",
    "Timing",
    "console",
    "environment",
    "percentile",
    "rich_table",
    "temp_database",
    "time_calls",
    "time_interleaved",
    "write_result",
]

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PG_ADMIN_URL = os.environ.get(
    "KIZUNA_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

DbKind = Literal["sqlite", "postgresql"]

K = TypeVar("K")

_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


# -- databases --------------------------------------------------------------------------


@contextmanager
def temp_database(kind: DbKind, *, prefix: str) -> Iterator[tuple[str, Path]]:
    """Yield (database URL, scratch directory) for a fresh, empty database.

    SQLite: a file in the scratch directory. PostgreSQL: a database named
    `<prefix>_<pid>`, created and finally dropped (WITH FORCE) through an AUTOCOMMIT
    connection to `PG_ADMIN_URL`. The caller must dispose of its own engines first.
    """
    with tempfile.TemporaryDirectory(prefix=f"{prefix}_") as tmp:
        workdir = Path(tmp)
        if kind == "sqlite":
            yield f"sqlite:///{workdir / 'bench.db'}", workdir
            return
        name = f"{prefix}_{os.getpid()}"
        if not _DB_NAME.match(name):
            raise ValueError(f"unsuitable database name {name!r}")
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(PG_ADMIN_URL).set(database=name)
                yield url.render_as_string(hide_password=False), workdir
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


# -- timing -----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True)
class Timing:
    """Latencies of repeated calls, in milliseconds."""

    samples_ms: tuple[float, ...]

    @property
    def runs(self) -> int:
        return len(self.samples_ms)

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 99)

    def as_json(self) -> dict[str, float | int]:
        return {
            "p50_ms": round(self.p50, 4),
            "p99_ms": round(self.p99, 4),
            "min_ms": round(min(self.samples_ms), 4),
            "max_ms": round(max(self.samples_ms), 4),
            "runs": self.runs,
        }


def time_calls(
    fn: Callable[[], object],
    *,
    runs: int,
    warmup: int,
    budget_s: float | None = None,
    min_runs: int = 5,
) -> Timing:
    """Call `fn` `warmup` times, then time `runs` calls one by one.

    With `budget_s`, a slow call stops the timing once the budget is spent, after at
    least `min_runs` timed calls (and the warm-up after a quarter of the budget, after
    at least one call): the number of runs is part of the result.
    """
    started = time.perf_counter()
    for _ in range(warmup):
        fn()
        if budget_s is not None and time.perf_counter() - started > budget_s / 4:
            break
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1e6)
        over = budget_s is not None and time.perf_counter() - started > budget_s
        if over and len(samples) >= min_runs:
            break
    return Timing(tuple(samples))


def time_interleaved(
    fns: Mapping[K, Callable[[], object]],
    *,
    runs: int,
    warmup: int,
    budget_s: float | None = None,
    min_runs: int = 5,
) -> dict[K, Timing]:
    """Time several calls round-robin, each once per round, so that a change in the
    machine's load weighs on all of them alike and their ratios stay meaningful.

    `warmup` rounds first, then up to `runs` timed rounds. With `budget_s`, a call
    drops out once its own time spent exceeds the budget and it has `min_runs`
    samples (during the warm-up, once it has spent a quarter of the budget).
    """
    spent = dict.fromkeys(fns, 0.0)
    for _ in range(warmup):
        for key, fn in fns.items():
            if budget_s is None or spent[key] <= budget_s / 4:
                t0 = time.perf_counter()
                fn()
                spent[key] += time.perf_counter() - t0
    samples: dict[K, list[float]] = {key: [] for key in fns}
    spent = dict.fromkeys(fns, 0.0)
    for _ in range(runs):
        active = [
            key
            for key in fns
            if budget_s is None or spent[key] <= budget_s or len(samples[key]) < min_runs
        ]
        if not active:
            break
        for key in active:
            t0 = time.perf_counter_ns()
            fns[key]()
            elapsed = time.perf_counter_ns() - t0
            samples[key].append(elapsed / 1e6)
            spent[key] += elapsed / 1e9
    return {key: Timing(tuple(values)) for key, values in samples.items()}


# -- output -----------------------------------------------------------------------------


def console() -> Console:
    """A console wide enough for benchmark tables even when the output is a file."""
    if sys.stdout.isatty():
        return Console()
    return Console(width=160)


def rich_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A table whose first column is left-aligned and the others right-aligned."""
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write `bench/results/<name>.json`; `payload["summary"]` needs `ratio` and `target`."""
    summary = payload.get("summary")
    if not isinstance(summary, dict) or "ratio" not in summary or "target" not in summary:
        raise ValueError("a benchmark result needs summary.ratio and summary.target")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {
        "name": name,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **payload,
        "environment": environment(),
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
