"""Two nodes on loopback: the initial sync against plain TAXII paging, and the lag of a
steady trickle from commit on the sender to visible on the receiver.

Two real `kizuna serve` processes, JPN the sender and USA the receiver, each with its
own database (SQLite files, or PostgreSQL databases with `--db postgresql`), peered
the way operators do it: `kizuna peer add ... --pull-token` and `kizuna peer token`.
The agreement is SECRET with BIAC and CYBER. What is measured, per database kind:

1. Load: `--objects` STIX indicators (default 100,000) with the random labels of
   bench/store.py (seed fixed: about 30 % releasable to USA within the agreement)
   into JPN through `Store.create_in` as the system principal, `--batch` per commit.
   JPN then serves for the rest of the run.
2. Initial sync, `--runs` times, each on a fresh USA database (same key, peered
   again through the CLI): time from spawning USA's `kizuna serve` until USA's
   database holds every releasable object (polled every 50 ms; the count to reach is
   known from the labels with `labels.can_read` against the agreement); then the set
   of ids is checked to be exactly the releasable ones, once each, none quarantined.
   objects/s = releasable objects / seconds.
3. The reference, interleaved with the syncs on the same data (reference, sync,
   reference, sync, ..., reference): plain TAXII paging of USA's peer collection on
   JPN as the USA peer account (its bearer token), `limit=1000`, `match[version]=all`
   as the pull asks, following `next`, nothing stored. Two clients: raw HTTP (bytes
   read, `next` taken from the envelope head: the server's cost and the transfer,
   the headline's reference) and `taxii2-client`, the library the pull uses (JSON
   decoded, every id checked against the releasable set).
   Headline `ratio` = median sync objects/s / median raw paging objects/s; target
   >= 0.5; the worst over the databases run.
4. Where the sync's time goes: one more sync on a fresh USA database, run in this
   process (`pull_once`, the function USA's loop calls) with timers around its
   phases: fetching pages (`taxii2-client`), the guard (and its signature check),
   `Store.accept_many_in` (its STIX validation, its rows, the objects it stores one at
   a time), and the rest of each page's
   transaction. `--profile` adds the top of a cProfile of that sync.
5. Lag, on the last USA of step 2 with both nodes serving: `--trickle-rate` objects
   a second for `--trickle-seconds`, each releasable to USA, written one per commit
   on JPN (from this process, through `Store.create_in`), commit time recorded;
   USA's database polled every 10 ms for new objects. p50, p99, max in ms. With push
   hints (the default: JPN's loop notices its new version within 0.2 s and tells USA),
   then without: JPN's pull token for USA emptied, so JPN sends no hints and USA
   pulls on its timer (`--pull-seconds`, the shipped default 5). Target p50 < 1 s
   with hints.

    .venv/bin/python bench/federation.py --quick     # 10,000 objects, SQLite, ~3 min
    .venv/bin/python bench/federation.py             # 100,000 objects, SQLite, ~10 min
    .venv/bin/python bench/federation.py --quick --db postgresql
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rich.console import Console
from sqlalchemy import Engine, create_engine, text
from taxii2client.v21 import Collection as TaxiiCollection
from taxii2client.v21 import as_pages

import kizuna.federation.guard as guard_module
import kizuna.federation.pull as pull_module
import kizuna.federation.receive as receive_module
import kizuna.store.batch as batch_module
from _common import DbKind, console, percentile, temp_database, write_result
from federation_report import print_database
from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.federation.peers import find_peer
from kizuna.federation.pull import BearerAuth, pull_once
from kizuna.labels import Clearance, Label, can_read
from kizuna.node import create_key, load_key, public_key_pem
from kizuna.runtime import Node
from kizuna.taxii.collections import peer_collection
from store import indicator, random_labels
from taxii import TAXII_MEDIA, free_port

NAME = "federation"
TARGET = 0.5
LAG_TARGET_MS = 1000.0
PAGE = 1000
AGREED_LEVEL = "SECRET"
AGREED_COMPARTMENTS = ("BIAC", "CYBER")
SYNC_POLL = 0.05
LAG_POLL = 0.01
SYNC_TIMEOUT = 1800.0


# -- the two nodes ----------------------------------------------------------------------


@dataclass
class Side:
    """One node: its database, its key, its port, its `kizuna serve` process."""

    nation: str
    db_url: str
    key_file: Path
    port: int
    env: dict[str, str]
    logdir: Path
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> Settings:
        return Settings(database_url=self.db_url, key_file=self.key_file, policy_file=None)

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "kizuna.cli.main", *args, "--db", self.db_url],
            env=self.env,
            capture_output=True,
            check=False,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"kizuna {' '.join(args[:2])}: {done.stderr.decode()[-2000:]}")
        return done.stdout.decode()

    def start(self) -> float:
        """Spawn `kizuna serve`; returns the perf_counter() of the spawn."""
        self.starts += 1
        log = self.logdir / f"{self.nation.lower()}-serve-{self.starts}.log"
        command = [
            sys.executable,
            "-m",
            "kizuna.cli.main",
            "serve",
            "--db",
            self.db_url,
            "--port",
            str(self.port),
        ]
        spawned = time.perf_counter()
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.logdir
            )
        self.log = log
        return spawned

    def wait_listening(self, timeout: float = 60.0) -> float:
        """Block until the port accepts a connection; returns the perf_counter() then."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/login")
                conn.getresponse().read()
                conn.close()
                return time.perf_counter()
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{self.nation} did not serve on port {self.port} in {timeout:.0f} s")

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log else ""
            raise RuntimeError(f"{self.nation} exited ({self.process.returncode}):\n{tail}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _env(key_file: Path, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIZUNA_")}
    env.update(
        KIZUNA_KEY_FILE=str(key_file),
        KIZUNA_ENV="local",
        KIZUNA_PULL_SECONDS=str(args.pull_seconds),
        KIZUNA_PULL_PAGE=str(PAGE),
    )
    return env


def peer_add(side: Side, other: Side, *, pull_token: str = "") -> str:
    """`kizuna peer add` on `side` for `other`; the token `other` pulls from `side` with."""
    pem = side.logdir / f"{other.nation.lower()}-public.pem"
    pem.write_text(public_key_pem(load_key(other.key_file)))
    args = [
        "peer",
        "add",
        other.nation,
        "--url",
        other.url,
        "--public-key",
        str(pem),
        "--max-level",
        AGREED_LEVEL,
    ]
    for comp in AGREED_COMPARTMENTS:
        args += ["--compartment", comp]
    if pull_token:
        args += ["--pull-token", pull_token]
    return side.cli(*args).strip()


# -- what JPN holds ---------------------------------------------------------------------


@dataclass
class Corpus:
    ids: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def releasable(self, agreed: Clearance) -> set[str]:
        pairs = zip(self.ids, self.labels, strict=True)
        return {i for i, label in pairs if can_read(agreed, label)}


def load(node: Node, labels: Sequence[Label], batch: int) -> tuple[Corpus, float]:
    corpus = Corpus()
    started = time.perf_counter()
    for start in range(0, len(labels), batch):
        with node.db.write() as conn:
            for i in range(start, min(start + batch, len(labels))):
                made = node.store.create_in(conn, node.system, indicator(i), labels[i])
                corpus.ids.append(made.id)
                corpus.labels.append(labels[i])
    seconds = time.perf_counter() - started
    if not node.db.is_sqlite:
        with node.db.write() as conn:  # as autovacuum would after a bulk of inserts
            conn.exec_driver_sql("ANALYZE")
    return corpus, seconds


def received_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.stix_id FROM objects o JOIN versions v ON v.object_pk = o.pk "
                "WHERE o.origin = 'JPN'"
            )
        ).all()
    return [r[0] for r in rows]


def count_received(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT count(*) FROM objects WHERE origin = 'JPN'")).scalar_one()
        )


def quarantined(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM quarantine")).scalar_one())


# -- the reference: paging the peer collection --------------------------------------------


def _next_token(body: bytes) -> str | None:
    """`next` from the head of a Kizuna envelope (`more`, `next`, then `objects`)."""
    head = body[:4096].decode("utf-8", errors="replace")
    if not head.startswith('{"more":true'):
        return None
    decoded, _ = json.JSONDecoder().raw_decode(head[len('{"more":true,"next":') :])
    return str(decoded)


class PeerPaging:
    """The USA peer account reading its collection on JPN, page by page, storing nothing."""

    def __init__(self, jpn: Side, token: str) -> None:
        self.port = jpn.port
        self.token = token
        self.collection_url = f"{jpn.url}/taxii2/kizuna/collections/{peer_collection('USA').id}/"
        self.path = f"/taxii2/kizuna/collections/{peer_collection('USA').id}/objects/"

    def raw_pass(self) -> tuple[int, int, float]:
        """(objects, bytes, seconds) over one keep-alive connection, bytes only."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Accept": TAXII_MEDIA, "Authorization": f"Bearer {self.token}"}
        token: str | None = None
        objects = received = 0
        started = time.perf_counter()
        try:
            while True:
                query = f"?limit={PAGE}&match%5Bversion%5D=all"
                query += f"&next={quote(token)}" if token else ""
                conn.request("GET", self.path + query, headers=headers)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"GET {query}: {response.status} {body[:300]!r}")
                received += len(body)
                # One object per '"spec_version":' in a page of signed indicators.
                objects += body.count(b'"spec_version":')
                token = _next_token(body)
                if token is None:
                    break
        finally:
            conn.close()
        return objects, received, time.perf_counter() - started

    def client_pass(self) -> tuple[list[str], float]:
        """(ids, seconds) through taxii2-client with the pull's own parameters."""
        collection = TaxiiCollection(self.collection_url, auth=BearerAuth(self.token))
        ids: list[str] = []
        started = time.perf_counter()
        for envelope in as_pages(collection.get_objects, per_request=PAGE, version="all"):
            ids.extend(obj["id"] for obj in envelope.get("objects", []))
        return ids, time.perf_counter() - started


# -- one initial sync -----------------------------------------------------------------------


@dataclass
class UsaNode:
    side: Side
    engine: Engine
    token_for_jpn: str


@contextmanager
def fresh_usa(
    kind: DbKind,
    tag: str,
    jpn: Side,
    usa_port: int,
    usa_key: Path,
    token_for_usa: str,
    args: argparse.Namespace,
) -> Iterator[UsaNode]:
    """A new, empty USA database peered with JPN through the CLI (not yet serving)."""
    with temp_database(kind, prefix=f"kizuna_bench_fed_usa_{tag}") as (url, workdir):
        side = Side("USA", url, usa_key, usa_port, _env(usa_key, args), workdir)
        initialize(side.settings, nation="USA")
        token_for_jpn = peer_add(side, jpn, pull_token=token_for_usa)
        jpn.cli("peer", "token", "USA", token_for_jpn)
        engine = create_engine(url)
        try:
            yield UsaNode(side, engine, token_for_jpn)
        finally:
            side.stop()
            engine.dispose()


def sync(usa: UsaNode, wanted: set[str]) -> dict[str, float]:
    """Start USA's serve and time it until it holds `wanted`; check it holds exactly that."""
    spawned = usa.side.start()
    listening = usa.side.wait_listening() - spawned
    first: float | None = None
    while True:
        count = count_received(usa.engine)
        now = time.perf_counter() - spawned
        if count and first is None:
            first = now
        if count >= len(wanted):
            break
        if now > SYNC_TIMEOUT:
            raise RuntimeError(f"USA holds {count} of {len(wanted)} after {now:.0f} s")
        usa.side.check_alive()
        time.sleep(SYNC_POLL)
    got = received_ids(usa.engine)
    if len(got) != len(set(got)) or set(got) != wanted:
        raise RuntimeError(f"USA holds {len(got)} versions, {len(set(got) ^ wanted)} wrong")
    if quarantined(usa.engine):
        raise RuntimeError("USA quarantined objects from JPN")
    return {
        "seconds": now,
        "listening_s": listening,
        "first_object_s": first or now,
        "objects_per_s": len(wanted) / now,
        "objects_per_s_after_listening": len(wanted) / (now - listening),
    }


# -- where the time goes --------------------------------------------------------------------


class Phases:
    """Wall time spent inside wrapped functions, by name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed


@contextmanager
def _patched(target: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, old)


def breakdown(usa: UsaNode, wanted: set[str], profile: bool) -> dict[str, Any]:
    """One sync in this process, `pull_once` as USA's loop calls it, phases timed."""
    node = open_node(usa.side.settings)
    phases = Phases()
    profiler = cProfile.Profile() if profile else None
    try:
        with node.db.read() as conn:
            peer = find_peer(conn, "JPN")
        assert peer is not None
        with ExitStack() as stack:
            for target, name, label in (
                (TaxiiCollection, "get_objects", "fetch"),
                (pull_module, "apply_page", "apply_page"),
                (receive_module, "judge", "guard"),
                (guard_module, "verify", "guard: signature"),
                (node.store, "accept_many_in", "accept"),
                (node.store, "accept_in", "accept: one at a time"),
                (batch_module, "prepare", "accept: STIX validation"),
                (node.store, "_insert_first_versions", "accept: insert rows"),
            ):
                stack.enter_context(
                    _patched(target, name, phases.wrap(label, getattr(target, name)))
                )
            started = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            applied = pull_once(node, peer, timeout=600)
            if profiler is not None:
                profiler.disable()
            total = time.perf_counter() - started
    finally:
        node.db.dispose()
    if applied.stored != len(wanted) or set(received_ids(usa.engine)) != wanted:
        raise RuntimeError(f"the in-process sync stored {applied.stored} of {len(wanted)}")
    s = phases.seconds
    rows = {
        # The pull fetches and judges the next page in a thread while it applies one:
        # these times overlap the phases below.
        "fetch pages, in a thread (taxii2-client: HTTP, JPN signs, JSON)": s["fetch"],
        "guard (judge), in the same thread": s["guard"],
        "  of which signature check (RFC 8785 + Ed25519)": s["guard: signature"],
        "Store.accept_many_in (a page's objects together)": s.get("accept", 0.0),
        "  of which STIX validation": s.get("accept: STIX validation", 0.0),
        "  of which rows (objects, versions, access)": s.get("accept: insert rows", 0.0),
        "  of which objects one at a time (Store.accept_in)": s.get("accept: one at a time", 0.0),
        "rest of apply_page (hooks, signature rows, audit, commit)": (
            s["apply_page"] - s.get("accept", 0.0)
        ),
        "rest of pull_once (waiting for a page not yet fetched, spillage)": (
            total - s["apply_page"]
        ),
    }
    result: dict[str, Any] = {
        "objects": len(wanted),
        "seconds": total,
        "objects_per_s": len(wanted) / total,
        "pages": phases.calls["fetch"],
        "phases_s": {k: round(v, 3) for k, v in rows.items()},
    }
    if profiler is not None:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
        result["profile_top_tottime"] = buffer.getvalue()
    return result


# -- lag --------------------------------------------------------------------------------------


def trickle(
    node: Node,
    usa: Engine,
    labels: Sequence[Label],
    rate: float,
    seconds: float,
    offset: int,
    written: set[str],
) -> dict[str, Any]:
    """Write `rate` objects/s for `seconds` on JPN, one per commit (their ids added to
    `written`); time each until USA holds it (its database polled every LAG_POLL s)."""
    with usa.connect() as conn:
        last = int(conn.execute(text("SELECT coalesce(max(pk), 0) FROM objects")).scalar_one())
    seen: dict[str, float] = {}
    stop = threading.Event()

    def poll() -> None:
        nonlocal last
        while not stop.is_set():
            with usa.connect() as conn:
                rows = conn.execute(
                    text("SELECT pk, stix_id FROM objects WHERE pk > :last AND origin = 'JPN'"),
                    {"last": last},
                ).all()
            now = time.perf_counter()
            for pk, stix_id in rows:
                seen.setdefault(stix_id, now)
                last = max(last, pk)
            time.sleep(LAG_POLL)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    committed: dict[str, float] = {}
    count = max(1, round(rate * seconds))
    started = time.perf_counter()
    try:
        for i in range(count):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            with node.db.write() as conn:
                made = node.store.create_in(
                    conn, node.system, indicator(offset + i), labels[i % len(labels)]
                )
            committed[made.id] = time.perf_counter()
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline and not set(committed) <= set(seen):
            time.sleep(0.05)
    finally:
        stop.set()
        poller.join()
    written.update(committed)
    lags = [(seen[i] - t) * 1000 for i, t in committed.items() if i in seen]
    missing = len(committed) - len(lags)
    if not lags:
        raise RuntimeError("USA received none of the trickle")
    return {
        "objects": count,
        "rate_per_s": rate,
        "seconds": seconds,
        "missing_after_60s": missing,
        "p50_ms": round(percentile(lags, 50), 1),
        "p99_ms": round(percentile(lags, 99), 1),
        "max_ms": round(max(lags), 1),
        "min_ms": round(min(lags), 1),
        "mean_ms": round(statistics.fmean(lags), 1),
    }


# -- one database kind ------------------------------------------------------------------------


def run_database(kind: DbKind, args: argparse.Namespace, out: Console) -> dict[str, Any]:
    labels = random_labels(args.objects, args.seed)
    with ExitStack() as stack:
        keys = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kizuna_fed_keys_")))
        jpn_url, jpn_dir = stack.enter_context(temp_database(kind, prefix="kizuna_bench_fed_jpn"))
        usa_key, usa_port = keys / "usa.pem", free_port()
        jpn = Side("JPN", jpn_url, jpn_dir / "jpn.pem", free_port(), {}, jpn_dir)
        jpn.env = _env(jpn.key_file, args)
        initialize(jpn.settings, nation="JPN")
        create_key(usa_key)  # kept across USA's fresh databases: JPN knows it
        usa_stub = Side("USA", "", usa_key, usa_port, {}, keys)
        token_for_usa = peer_add(jpn, usa_stub)

        node = open_node(jpn.settings)
        stack.callback(node.db.dispose)
        out.log(f"{kind}: loading {args.objects:,} objects into JPN through Store.create_in")
        corpus, load_s = load(node, labels, args.batch)
        agreed = Clearance(
            "USA", node.policy.level_named(AGREED_LEVEL).rank, frozenset(AGREED_COMPARTMENTS)
        )
        wanted = corpus.releasable(agreed)
        out.log(f"{kind}: {args.objects / load_s:,.0f} objects/s; {len(wanted):,} releasable")

        jpn.start()
        stack.callback(jpn.stop)
        jpn.wait_listening()
        paging = PeerPaging(jpn, token_for_usa)
        paging.raw_pass()  # untimed: JPN's first requests warm its process up

        references: list[dict[str, Any]] = []
        syncs: list[dict[str, Any]] = []
        lag: dict[str, Any] = {}
        analysis: dict[str, Any] | None = None
        written: set[str] = set()  # by the trickle: replicated too, from then on

        def reference() -> None:
            objects, received, raw_s = paging.raw_pass()
            ids, client_s = paging.client_pass()
            if objects != len(wanted) or len(ids) != len(wanted) or set(ids) != wanted:
                raise RuntimeError(f"paging delivered {objects} / {len(ids)}, not {len(wanted)}")
            references.append(
                {
                    "raw_seconds": raw_s,
                    "raw_objects_per_s": objects / raw_s,
                    "bytes": received,
                    "client_seconds": client_s,
                    "client_objects_per_s": objects / client_s,
                }
            )
            out.log(
                f"{kind}: paging {objects / raw_s:,.0f} obj/s raw, "
                f"{objects / client_s:,.0f} through taxii2-client"
            )

        for run in range(args.runs):
            reference()
            last = run == args.runs - 1
            with fresh_usa(kind, str(run), jpn, usa_port, usa_key, token_for_usa, args) as usa:
                result = sync(usa, wanted)
                syncs.append(result)
                out.log(
                    f"{kind}: sync {run + 1}: {result['seconds']:.1f} s, "
                    f"{result['objects_per_s']:,.0f} obj/s"
                )
                if last:
                    reference()  # the closing reference, while USA idles
                    lag = measure_lag(node, jpn, usa, labels, agreed, written, args, out, kind)
        if args.breakdown:
            with fresh_usa(kind, "bd", jpn, usa_port, usa_key, token_for_usa, args) as usa:
                out.log(f"{kind}: one more sync in this process, phases timed")
                analysis = breakdown(usa, wanted | written, args.profile)
    raw = statistics.median(r["raw_objects_per_s"] for r in references)
    client = statistics.median(r["client_objects_per_s"] for r in references)
    synced = statistics.median(s["objects_per_s"] for s in syncs)
    return {
        "objects_on_jpn": args.objects,
        "releasable": len(wanted),
        "load": {"seconds": round(load_s, 2), "objects_per_s": round(args.objects / load_s, 1)},
        "references": _rounded(references),
        "syncs": _rounded(syncs),
        "paging_objects_per_s": round(raw, 1),
        "paging_client_objects_per_s": round(client, 1),
        "sync_objects_per_s": round(synced, 1),
        "ratio": round(synced / raw, 4),
        "ratio_vs_client": round(synced / client, 4),
        "lag": lag,
        "breakdown": _rounded([analysis])[0] if analysis else None,
    }


def measure_lag(
    node: Node,
    jpn: Side,
    usa: UsaNode,
    labels: Sequence[Label],
    agreed: Clearance,
    written: set[str],
    args: argparse.Namespace,
    out: Console,
    kind: str,
) -> dict[str, Any]:
    releasable = [label for label in labels if can_read(agreed, label)]
    lag: dict[str, Any] = {}
    out.log(f"{kind}: trickle with push hints, {args.trickle_rate}/s for {args.trickle_seconds} s")
    lag["hints"] = trickle(
        node, usa.engine, releasable, args.trickle_rate, args.trickle_seconds, args.objects, written
    )
    if args.no_hints_phase:
        # No hint without a token to send it with: USA only pulls on its timer.
        jpn.cli("peer", "token", "USA", "")
        time.sleep(1)  # JPN's loop rereads its peers every 0.2 s
        out.log(f"{kind}: trickle without hints (USA pulls every {args.pull_seconds} s)")
        lag["timer_only"] = trickle(
            node,
            usa.engine,
            releasable,
            args.trickle_rate,
            args.trickle_seconds,
            args.objects + 10**6,
            written,
        )
        jpn.cli("peer", "token", "USA", usa.token_for_jpn)
    return lag


def _rounded(rows: list[Any]) -> list[Any]:
    def r(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 3)
        if isinstance(value, dict):
            return {k: r(v) for k, v in value.items()}
        return value

    return [r(row) for row in rows]


# -- main -------------------------------------------------------------------------------------


def _kinds(value: str) -> list[DbKind]:
    kinds: list[DbKind] = []
    for part in value.split(","):
        if part not in ("sqlite", "postgresql"):
            raise argparse.ArgumentTypeError(f"unknown database {part!r}")
        kinds.append("sqlite" if part == "sqlite" else "postgresql")
    return kinds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=_kinds, default=["sqlite"], help="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="10,000 objects, shorter trickle")
    parser.add_argument("--objects", type=int, default=None, help="default 100000")
    parser.add_argument("--runs", type=int, default=None, help="syncs (default 3, quick 2)")
    parser.add_argument("--batch", type=int, default=1_000, help="objects per load commit")
    parser.add_argument("--trickle-rate", type=float, default=5.0, help="objects a second")
    parser.add_argument("--trickle-seconds", type=float, default=None, help="30, quick 10")
    parser.add_argument("--pull-seconds", type=float, default=5.0, help="KIZUNA_PULL_SECONDS")
    parser.add_argument(
        "--no-timer-phase",
        dest="no_hints_phase",
        action="store_false",
        help="skip the trickle without push hints",
    )
    parser.add_argument("--no-breakdown", dest="breakdown", action="store_false")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process sync")
    parser.add_argument("--seed", type=int, default=20240728)
    args = parser.parse_args(argv)
    args.objects = args.objects or (10_000 if args.quick else 100_000)
    args.runs = args.runs or (2 if args.quick else 3)
    args.trickle_seconds = args.trickle_seconds or (10.0 if args.quick else 30.0)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = console()
    results: dict[str, Any] = {}
    for kind in args.db:
        results[kind] = run_database(kind, args, out)
        print_database(
            out, kind, results[kind], args, page=PAGE, target=TARGET, lag_target_ms=LAG_TARGET_MS
        )
    worst_kind = min(results, key=lambda k: results[k]["ratio"])
    ratio = results[worst_kind]["ratio"]
    lag_p50 = max(r["lag"]["hints"]["p50_ms"] for r in results.values())
    summary = {
        "ratio": ratio,
        "target": TARGET,
        "met": ratio >= TARGET,
        "measured": "initial sync objects/s (USA serve spawned until its database holds "
        "every releasable object) ÷ plain paging objects/s (USA's peer account reading its "
        "collection on JPN over HTTP, limit 1000, nothing stored); medians of interleaved "
        "runs; worst database",
        "worst_db": worst_kind,
        "lag_p50_ms": lag_p50,
        "lag_target_p50_ms": LAG_TARGET_MS,
        "lag_met": lag_p50 < LAG_TARGET_MS,
        "per_db": {
            kind: {
                "ratio": r["ratio"],
                "ratio_vs_taxii2_client": r["ratio_vs_client"],
                "sync_objects_per_s": r["sync_objects_per_s"],
                "paging_objects_per_s": r["paging_objects_per_s"],
                "load_objects_per_s": r["load"]["objects_per_s"],
                "lag_hints_p50_ms": r["lag"]["hints"]["p50_ms"],
                "lag_hints_p99_ms": r["lag"]["hints"]["p99_ms"],
                "lag_timer_only_p50_ms": r["lag"].get("timer_only", {}).get("p50_ms"),
            }
            for kind, r in results.items()
        },
    }
    path = write_result(
        NAME,
        {
            "summary": summary,
            "config": {
                "objects": args.objects,
                "databases": args.db,
                "quick": args.quick,
                "runs": args.runs,
                "batch": args.batch,
                "page": PAGE,
                "seed": args.seed,
                "agreement": f"{AGREED_LEVEL}//{'/'.join(AGREED_COMPARTMENTS)}",
                "pull_seconds": args.pull_seconds,
                "trickle_rate": args.trickle_rate,
                "trickle_seconds": args.trickle_seconds,
                "sync_poll_s": SYNC_POLL,
                "lag_poll_s": LAG_POLL,
            },
            "notes": [
                "Two `kizuna serve` subprocesses on 127.0.0.1, peered through `kizuna peer "
                "add/token`; each sync on a fresh USA database with the same key.",
                "Reference and sync interleaved: reference, sync, ..., reference (the "
                "last while the last USA idles). Raw paging reads bytes only; the "
                "taxii2-client pass decodes JSON and checks every id.",
                "Sync time includes USA's process start (its listening time is reported).",
                "Lag: commit time in this process after the JPN transaction; visible time "
                f"when a poll of USA's database every {LAG_POLL * 1000:.0f} ms first saw it.",
            ],
            "databases": results,
        },
    )
    verdict = "met" if summary["met"] else "MISSED"
    lag_verdict = "met" if summary["lag_met"] else "MISSED"
    out.print(
        f"ratio {ratio:.2f} (target >= {TARGET}: {verdict}; worst: {worst_kind}); lag p50 "
        f"{lag_p50:,.0f} ms with hints (target < {LAG_TARGET_MS:,.0f}: {lag_verdict}); "
        f"written to {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
