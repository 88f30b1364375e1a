"""Reading a TAXII collection over HTTP, against the database's own speed and medallion.

What is measured, on SQLite and on PostgreSQL, in one run, over STIX indicators
with random labels (the distribution of bench/store.py, seed fixed):

1. Load rate: every object goes in through the real path, `Store.create_in` as the
   system principal inside `node.db.write()` transactions of `--batch` objects (stix2
   pattern validation, label marking, audit entry). One database per kind grows
   stage by stage: 1,000 objects, then each of `--sizes`; each stage is measured
   before the next is loaded.
2. At every stage, with `kizuna serve` running as a subprocess on a loopback port:
   - Kizuna: one full pass over the "all" collection, `limit=1000`, following `next`,
     as a reader who sees about half (JPN TOP SECRET, no compartment), HTTP Basic;
   - the ceiling: the same rows read straight from the database in pages of 1,000
     (keyset on the version key, body column only) and joined into envelope bytes in
     this process: no HTTP, no authentication, no label condition;
   - the two passes timed round-robin (`--runs`); objects/s = objects delivered per
     pass / p50 pass time. Headline `ratio` = Kizuna ÷ ceiling, the worst over the
     databases and `--sizes`; target >= 0.5.
   - GET latency at `limit=100`: 1 client, then 8 concurrent clients (threads, one
     keep-alive connection each) paging through the collection, `--requests` each;
   - the server's resident memory (VmRSS after start and after the stage, VmHWM).
3. At the 1,000-object stage, the reference server medallion (OASIS, memory backend)
   serving the same 1,000 indicator bodies, byte for byte as Kizuna stores them,
   timed round-robin with Kizuna (the same reader, and an admin who sees everything).
   Second figure: Kizuna ÷ medallion objects/s; expected >= 100. medallion lives in
   its own virtual environment, bench/.venv-medallion, created here when missing; it
   is never a dependency of Kizuna. It cannot run at 10,000: its first request over
   a collection grows with the square of the collection (DESIGN §8: 242 s).

The first pass of every stage goes through `taxii2-client` and checks that the reader
received exactly the indicators `labels.can_read` allows, each once; the timed passes
then read raw bytes and take `next` from the head of the envelope, so that parsing
on the client side (which the ceiling does not do) is not charged to the server.

    .venv/bin/python bench/taxii.py --quick        # 10,000 objects, a couple of minutes
    .venv/bin/python bench/taxii.py                # 10,000 and 100,000, both databases
"""

from __future__ import annotations

import argparse
import base64
import gc
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rich.console import Console
from sqlalchemy import select
from taxii2client.v21 import Collection as TaxiiCollection
from taxii2client.v21 import as_pages

from _common import (
    DbKind,
    Timing,
    console,
    temp_database,
    time_interleaved,
    write_result,
)
from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.db.schema import objects, versions
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal, Role
from kizuna.labels import Clearance, Label, can_read
from kizuna.runtime import Node
from kizuna.store.feed import FeedQuery, entries
from kizuna.taxii.collections import COLLECTIONS, STIX_MEDIA
from kizuna.taxii.server import API_ROOT
from store import NATION, indicator, random_labels
from taxii_report import Shape, print_database

NAME = "taxii"
TAXII_MEDIA = "application/taxii+json;version=2.1"
PAGE = 1000
SMALL_PAGE = 100
CLIENTS = 8
TARGET = 0.5
MEDALLION_TARGET = 100.0
MEDALLION_SIZE = 1000
MEDALLION_VERSION = "3.0.0"
MEDALLION_VENV = Path(__file__).resolve().parent / ".venv-medallion"
COLLECTION = COLLECTIONS[0]  # "all": no type condition beside the label's
ADMIN_COMPARTMENTS = ("BIAC", "CYBER", "INDUSTRY")
SHAPE = Shape(PAGE, SMALL_PAGE, TARGET, MEDALLION_SIZE, MEDALLION_TARGET)


# -- the objects ------------------------------------------------------------------------


@dataclass
class Corpus:
    """What one database holds, in load order, so that a reader's share can be checked."""

    ids: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def visible(self, clearance: Clearance) -> set[str]:
        return {i for i, lab in zip(self.ids, self.labels, strict=True) if can_read(clearance, lab)}


@dataclass(frozen=True)
class Load:
    objects: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.objects / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "seconds": round(self.seconds, 3),
            "objects_per_s": round(self.rate, 1),
        }


def load(node: Node, corpus: Corpus, labels: Sequence[Label], upto: int, batch: int) -> Load:
    """Objects `len(corpus.ids)`..`upto` through `Store.create_in`, `batch` per commit."""
    first = len(corpus.ids)
    started = time.perf_counter()
    for start in range(first, upto, batch):
        with node.db.write() as conn:
            for i in range(start, min(start + batch, upto)):
                made = node.store.create_in(conn, node.system, indicator(i), labels[i])
                corpus.ids.append(made.id)
                corpus.labels.append(labels[i])
    seconds = time.perf_counter() - started
    if not node.db.is_sqlite:
        # As autovacuum would after a bulk of inserts; the plans depend on it.
        with node.db.write() as conn:
            conn.exec_driver_sql("ANALYZE")
    return Load(upto - first, seconds)


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    clearance: Clearance

    @property
    def authorization(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode()


def add_account(node: Node, username: str, rank: int, compartments: Sequence[str]) -> Account:
    password = secrets.token_urlsafe(24)
    with node.db.write() as conn:
        user = identity.add_user(
            conn,
            policy=node.policy,
            actor="bench",
            username=username,
            nation=NATION,
            clearance=node.policy.level(rank).name,
            compartments=list(compartments),
            roles=["reader"],
            password=password,
        )
    return Account(username, password, user.principal.clearance)


# -- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def memory_kib(self) -> dict[str, int]:
        """VmRSS (now) and VmHWM (peak) of the server process, KiB."""
        found = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
        return found


@contextmanager
def serving(
    name: str, command: Sequence[str], env: dict[str, str], workdir: Path
) -> Iterator[Server]:
    """Start a server on a free loopback port (`{port}` in `command`); stop it after."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            cwd=workdir,
        )
    server = Server(name, process, port, log)
    try:
        _wait_until_listening(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{server.name} exited ({server.process.returncode}):\n{tail}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not listen on port {server.port} in {timeout:.0f} s")


def kizuna_command(url: str) -> list[str]:
    return [sys.executable, "-m", "kizuna.cli.main", "serve", "--db", url, "--port", "{port}"]


def ensure_medallion(out: Console) -> Path:
    """bench/.venv-medallion/bin/medallion, installing it on first use."""
    script = MEDALLION_VENV / "bin" / "medallion"
    if script.exists():
        return script
    out.log(f"installing medallion {MEDALLION_VERSION} into {MEDALLION_VENV}")
    subprocess.run([sys.executable, "-m", "venv", str(MEDALLION_VENV)], check=True)
    subprocess.run(
        [str(MEDALLION_VENV / "bin" / "pip"), "install", "--quiet",
         f"medallion=={MEDALLION_VERSION}"],
        check=True,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return script


def medallion_config(workdir: Path, bodies: Sequence[tuple[str, str]], account: Account) -> Path:
    """A memory-backend data file with one collection holding `bodies` ((body,
    date_added) in Kizuna's order), and the server configuration that points to it."""
    stored = [json.loads(body) for body, _ in bodies]
    manifest = [
        {
            "id": obj["id"],
            "date_added": added,
            "version": obj.get("modified", obj.get("created")),
            "media_type": STIX_MEDIA,
        }
        for obj, (_, added) in zip(stored, bodies, strict=True)
    ]
    data = {
        "/discovery": {
            "title": "medallion (bench reference)",
            "default": "/bench/",
            "api_roots": ["/bench/"],
        },
        "bench": {
            "information": {
                "title": "bench",
                "versions": [TAXII_MEDIA],
                "max_content_length": 104_857_600,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION.id,
                    "title": "the same objects as Kizuna's",
                    "can_read": True,
                    "can_write": False,
                    "media_types": [STIX_MEDIA],
                    "objects": stored,
                    "manifest": manifest,
                }
            ],
        },
    }
    data_file = workdir / "medallion-data.json"
    data_file.write_text(json.dumps(data), encoding="utf-8")
    config = {
        "users": {account.username: account.password},
        "taxii": {"max_page_size": PAGE},
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_file),
        },
    }
    config_file = workdir / "medallion.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    return config_file


# -- clients ----------------------------------------------------------------------------


def _next_token(body: bytes) -> str | None:
    """`next` of an envelope without parsing its objects: both servers write `more`
    and `next` before `objects` (Kizuna in that order, medallion's keys sorted)."""
    head = body[:4096].decode("utf-8", errors="replace")
    more_at, next_at = head.find('"more":'), head.find('"next":')
    objects_at = head.find('"objects":')
    if more_at < 0 or (0 <= objects_at < more_at):
        envelope = json.loads(body)  # not at the head: the slow, always-right way
        return envelope.get("next") if envelope.get("more") else None
    if not head[more_at + 7 :].lstrip().startswith("true"):
        return None
    decoded, _ = json.JSONDecoder().raw_decode(head[next_at + 7 :].lstrip())
    return str(decoded)


class Reader:
    """One keep-alive HTTP connection reading one collection as one account."""

    def __init__(self, port: int, path: str, account: Account) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.path = path
        self.headers = {"Accept": TAXII_MEDIA, "Authorization": account.authorization}

    def get(self, limit: int, token: str | None) -> tuple[bytes, str | None]:
        query = f"?limit={limit}" + (f"&next={quote(token)}" if token else "")
        self.conn.request("GET", self.path + query, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {self.path}{query}: {response.status} {body[:300]!r}")
        return body, _next_token(body)

    def full_pass(self, limit: int = PAGE) -> tuple[int, int]:
        """Every page of the collection; returns (requests, body bytes)."""
        # A new connection per pass: an idle one may have been closed by the server
        # (uvicorn keeps one alive for 5 s), and http.client does not retry.
        self.conn.close()
        token: str | None = None
        requests = received = 0
        while True:
            body, token = self.get(limit, token)
            requests += 1
            received += len(body)
            if token is None:
                return requests, received

    def close(self) -> None:
        self.conn.close()


def objects_path(api_root: str, collection_id: str) -> str:
    return f"/{api_root}/collections/{collection_id}/objects/"


def kizuna_path() -> str:
    return "/taxii2" + objects_path(API_ROOT, COLLECTION.id)


@dataclass(frozen=True)
class Checked:
    objects: int
    indicators: int
    requests: int
    seconds: float
    exact: bool


def check_with_taxii2_client(port: int, account: Account, corpus: Corpus) -> Checked:
    """One pass through taxii2-client; the indicators must be exactly what `can_read`
    allows, each once (the rest are the label markings they reference)."""
    collection = TaxiiCollection(
        f"http://127.0.0.1:{port}/taxii2/{API_ROOT}/collections/{COLLECTION.id}/",
        user=account.username,
        password=account.password,
    )
    seen: list[str] = []
    requests = 0
    started = time.perf_counter()
    for envelope in as_pages(collection.get_objects, per_request=PAGE):
        requests += 1
        seen.extend(obj["id"] for obj in envelope.get("objects", []))
    seconds = time.perf_counter() - started
    indicators = [i for i in seen if i.startswith("indicator--")]
    exact = len(seen) == len(set(seen)) and set(indicators) == corpus.visible(account.clearance)
    return Checked(len(seen), len(indicators), requests, seconds, exact)


def ceiling_pass(node: Node) -> Callable[[], tuple[int, int]]:
    """The same rows, all of them, straight from the database into envelope bytes;
    a pass returns (objects, bytes)."""

    def run() -> tuple[int, int]:
        after = 0
        delivered = encoded = 0
        while True:
            with node.db.read() as conn:
                rows = conn.execute(
                    select(versions.c.pk, versions.c.body)
                    .where(versions.c.pk > after)
                    .order_by(versions.c.pk)
                    .limit(PAGE + 1)
                ).all()
            more = len(rows) > PAGE
            rows = rows[:PAGE]
            head = b'{"more":true,"next":"' + str(rows[-1].pk).encode() + b'",' if more else b"{"
            envelope = head + b'"objects":[' + b",".join(r.body.encode() for r in rows) + b"]}"
            delivered += len(rows)
            encoded += len(envelope)
            if not more:
                return delivered, encoded
            after = rows[-1].pk

    return run


def store_feed_pass(node: Node, account: Account) -> Callable[[], tuple[int, int]]:
    """What the server does for a page minus HTTP and authentication: `entries` as the
    reader, the bodies joined into an envelope. Tells the two costs apart."""
    principal = Principal(account.username, account.clearance, frozenset({Role.READER}))
    query = FeedQuery(scope=COLLECTION.scope)

    def run() -> tuple[int, int]:
        token: str | None = None
        delivered = encoded = 0
        while True:
            page = entries(node.store, principal, query, limit=PAGE, cursor_token=token)
            envelope = b'{"objects":[' + b",".join(o.body.encode() for o in page.items) + b"]}"
            delivered += len(page.items)
            encoded += len(envelope)
            token = page.next
            if token is None:
                return delivered, encoded

    return run


def concurrent_gets(port: int, account: Account, clients: int, requests: int) -> dict[str, Any]:
    """`clients` threads, each paging through the collection at `limit=100` (starting
    over at the end) for `requests` GETs; per-request latencies in ms."""
    samples: list[list[float]] = [[] for _ in range(clients)]
    failures: list[BaseException] = []
    start = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        reader = Reader(port, kizuna_path(), account)
        try:
            reader.get(SMALL_PAGE, None)  # authenticate (argon2 once) outside the timing
            start.wait()
            token: str | None = None
            for _ in range(requests):
                t0 = time.perf_counter_ns()
                _, token = reader.get(SMALL_PAGE, token)
                samples[index].append((time.perf_counter_ns() - t0) / 1e6)
        except BaseException as exc:  # reported by the caller, not lost in the thread
            failures.append(exc)
            start.abort()
        finally:
            reader.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise failures[0]
    timing = Timing(tuple(ms for per_client in samples for ms in per_client))
    return {
        "clients": clients,
        "limit": SMALL_PAGE,
        **timing.as_json(),
        "seconds": round(seconds, 3),
        "requests_per_s": round(timing.runs / seconds, 1),
    }


# -- one database -----------------------------------------------------------------------


def stored_bodies(node: Node, ids: Sequence[str]) -> list[tuple[str, str]]:
    """(body, recorded_at) of these objects' current versions, in load order."""
    with node.db.read() as conn:
        rows = conn.execute(
            select(objects.c.stix_id, versions.c.body, versions.c.recorded_at)
            .join(versions, versions.c.object_pk == objects.c.pk)
            .where(objects.c.type == "indicator")
            .order_by(versions.c.pk)
        ).all()
    by_id = {r.stix_id: (r.body, r.recorded_at) for r in rows}
    return [by_id[i] for i in ids]


def measure_stage(
    node: Node,
    kind: DbKind,
    url: str,
    workdir: Path,
    corpus: Corpus,
    accounts: dict[str, Account],
    args: argparse.Namespace,
    out: Console,
) -> dict[str, Any]:
    size = len(corpus.ids)
    reader = accounts["reader"]
    env = {"KIZUNA_KEY_FILE": str(workdir / "node_ed25519.pem")}
    with serving("kizuna", kizuna_command(url), env, workdir) as server:
        memory_start = server.memory_kib()
        checked = check_with_taxii2_client(server.port, reader, corpus)
        if not checked.exact:
            raise RuntimeError(f"{kind}: {size:,}: the reader did not get exactly its share")
        out.log(
            f"{kind}: {size:,}: taxii2-client read {checked.objects:,} objects "
            f"({checked.indicators:,} indicators, exactly the reader's share); timing"
        )
        # The corpus and the loading left a large heap in this process: without this,
        # the collector's full passes over it would be charged to the in-process passes.
        gc.collect()
        gc.freeze()
        http_reader = Reader(server.port, kizuna_path(), reader)
        ceiling = ceiling_pass(node)
        all_rows, ceiling_bytes = ceiling()
        kizuna_bytes = http_reader.full_pass()[1]
        calls: dict[str, Callable[[], object]] = {
            "kizuna": http_reader.full_pass,
            "ceiling": ceiling,
            "store_feed": store_feed_pass(node, reader),
        }
        medallion: dict[str, Any] | None = None
        if size == MEDALLION_SIZE and args.medallion:
            medallion = measure_medallion(node, server, corpus, accounts, args, workdir, out)
        timings = time_interleaved(calls, runs=args.runs, warmup=1, budget_s=args.budget)
        http_reader.close()
        out.log(f"{kind}: {size:,}: GETs at limit={SMALL_PAGE}, 1 then {CLIENTS} clients")
        latency = [
            concurrent_gets(server.port, reader, 1, args.requests),
            concurrent_gets(server.port, reader, CLIENTS, args.requests),
        ]
        memory_end = server.memory_kib()

    kizuna_rate = checked.objects / (timings["kizuna"].p50 / 1000)
    ceiling_rate = all_rows / (timings["ceiling"].p50 / 1000)
    return {
        "objects": size,
        "rows_read_by_ceiling": all_rows,
        "bytes_per_pass": {"kizuna": kizuna_bytes, "ceiling": ceiling_bytes},
        "reader": {
            "clearance": f"{reader.clearance.nation} rank {reader.clearance.rank}, no compartment",
            "objects_delivered": checked.objects,
            "indicators_delivered": checked.indicators,
            "share": round(checked.indicators / size, 4),
            "requests_per_pass": checked.requests,
        },
        "taxii2_client_pass": {
            "seconds": round(checked.seconds, 3),
            "objects_per_s": round(checked.objects / checked.seconds, 1),
        },
        "kizuna_pass": timings["kizuna"].as_json(),
        "ceiling_pass": timings["ceiling"].as_json(),
        "kizuna_objects_per_s": round(kizuna_rate, 1),
        "ceiling_objects_per_s": round(ceiling_rate, 1),
        "ratio": round(kizuna_rate / ceiling_rate, 4),
        "store_feed_pass": timings["store_feed"].as_json(),
        "store_feed_objects_per_s": round(checked.objects / (timings["store_feed"].p50 / 1000), 1),
        "latency": latency,
        "server_memory_kib": {
            "rss_after_start": memory_start["VmRSS"],
            "rss_after_stage": memory_end["VmRSS"],
            "peak": memory_end["VmHWM"],
        },
        "medallion": medallion,
    }


def measure_medallion(
    node: Node,
    kizuna: Server,
    corpus: Corpus,
    accounts: dict[str, Account],
    args: argparse.Namespace,
    workdir: Path,
    out: Console,
) -> dict[str, Any]:
    """medallion over the same 1,000 indicators, timed round-robin with Kizuna."""
    script = ensure_medallion(out)
    account = accounts["reader"]
    config = medallion_config(workdir, stored_bodies(node, corpus.ids), account)
    command = [str(script), "--host", "127.0.0.1", "--port", "{port}", str(config)]
    with serving("medallion", command, {}, workdir) as server:
        memory_start = server.memory_kib()
        path = objects_path("bench", COLLECTION.id)
        med_reader = Reader(server.port, path, account)
        body, token = med_reader.get(PAGE, None)
        served = len(json.loads(body)["objects"])
        if token is not None or served != len(corpus.ids):
            raise RuntimeError(f"medallion served {served} objects, more={token is not None}")
        readers = {
            "kizuna_reader": Reader(kizuna.port, kizuna_path(), accounts["reader"]),
            "kizuna_admin": Reader(kizuna.port, kizuna_path(), accounts["admin"]),
            "medallion": med_reader,
        }
        delivered = {
            "kizuna_reader": check_with_taxii2_client(kizuna.port, accounts["reader"], corpus),
            "kizuna_admin": check_with_taxii2_client(kizuna.port, accounts["admin"], corpus),
        }
        counts = {key: c.objects for key, c in delivered.items()} | {"medallion": served}
        out.log(f"medallion: serving {served:,} objects; timing it round-robin with Kizuna")
        timings = time_interleaved(
            {key: r.full_pass for key, r in readers.items()},
            runs=args.medallion_runs,
            warmup=1,
            budget_s=args.budget,
        )
        memory_end = server.memory_kib()
        for r in readers.values():
            r.close()
    rates = {key: counts[key] / (timings[key].p50 / 1000) for key in readers}
    return {
        "version": MEDALLION_VERSION,
        "backend": "memory",
        "objects_delivered": counts,
        "passes": {key: t.as_json() for key, t in timings.items()},
        "objects_per_s": {key: round(v, 1) for key, v in rates.items()},
        "ratio": round(rates["kizuna_reader"] / rates["medallion"], 1),
        "ratio_admin": round(rates["kizuna_admin"] / rates["medallion"], 1),
        "medallion_memory_kib": {
            "rss_after_start": memory_start["VmRSS"],
            "peak": memory_end["VmHWM"],
        },
    }


def run_database(
    kind: DbKind, args: argparse.Namespace, labels: Sequence[Label], out: Console
) -> dict[str, Any]:
    stages = sorted({MEDALLION_SIZE, *args.sizes})
    with temp_database(kind, prefix="kizuna_bench_taxii") as (url, workdir):
        settings = Settings(
            database_url=url, key_file=workdir / "node_ed25519.pem", policy_file=None
        )
        initialize(settings, nation=NATION)
        node = open_node(settings)
        try:
            accounts = {
                "reader": add_account(node, "bench-reader", 30, ()),
                "admin": add_account(node, "bench-admin", 30, ADMIN_COMPARTMENTS),
            }
            corpus = Corpus()
            loads: list[dict[str, Any]] = []
            results: list[dict[str, Any]] = []
            for size in stages:
                out.log(f"{kind}: loading objects {len(corpus.ids):,}..{size:,}")
                loaded = load(node, corpus, labels, size, args.batch)
                loads.append({"upto": size, **loaded.as_json()})
                out.log(f"{kind}: {loaded.rate:,.0f} objects/s through Store.create_in")
                results.append(measure_stage(node, kind, url, workdir, corpus, accounts, args, out))
        finally:
            node.db.dispose()
    return {"loads": loads, "stages": results}


# -- main -------------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, comma-separated")
    return sizes


def _kinds(text: str) -> list[DbKind]:
    kinds: list[DbKind] = []
    for part in text.split(","):
        if part not in ("sqlite", "postgresql"):
            raise argparse.ArgumentTypeError(f"unknown database {part!r}")
        kinds.append("sqlite" if part == "sqlite" else "postgresql")
    return kinds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=_sizes, default=None, help="default 10000,100000")
    parser.add_argument("--db", type=_kinds, default=["sqlite", "postgresql"])
    parser.add_argument("--quick", action="store_true", help="10,000 objects, fewer runs")
    parser.add_argument("--runs", type=int, default=None, help="timed passes (default 7)")
    parser.add_argument("--medallion-runs", type=int, default=None, help="default 5")
    parser.add_argument("--requests", type=int, default=None, help="GETs per client (400)")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per timed pass kind")
    parser.add_argument("--batch", type=int, default=1_000, help="objects per load commit")
    parser.add_argument("--seed", type=int, default=20240728)
    parser.add_argument("--no-medallion", dest="medallion", action="store_false")
    args = parser.parse_args(argv)
    quick = args.quick
    args.sizes = args.sizes or ([10_000] if quick else [10_000, 100_000])
    args.runs = args.runs or (3 if quick else 7)
    args.medallion_runs = args.medallion_runs or (3 if quick else 5)
    args.requests = args.requests or (100 if quick else 400)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = console()
    total = max(MEDALLION_SIZE, *args.sizes)
    labels = random_labels(total, args.seed)
    results: dict[str, Any] = {}
    for kind in args.db:
        results[kind] = run_database(kind, args, labels, out)
        print_database(out, kind, results[kind], args.sizes, SHAPE)

    headline = [
        (kind, s) for kind, r in results.items() for s in r["stages"] if s["objects"] in args.sizes
    ]
    worst_kind, worst = min(headline, key=lambda pair: pair[1]["ratio"])
    ratio = worst["ratio"]
    medallion = [s["medallion"] for r in results.values() for s in r["stages"] if s["medallion"]]
    medallion_ratio = min((m["ratio"] for m in medallion), default=None)
    summary = {
        "ratio": ratio,
        "target": TARGET,
        "met": ratio >= TARGET,
        "measured": "Kizuna TAXII objects/s (HTTP, limit 1000, labels, reader seeing ~half) "
        "÷ ceiling objects/s (same rows from the database, in-process); worst stage",
        "worst": {"db": worst_kind, "objects": worst["objects"]},
        "medallion_ratio": medallion_ratio,
        "medallion_target": MEDALLION_TARGET,
        "medallion_met": None if medallion_ratio is None else medallion_ratio >= MEDALLION_TARGET,
        "per_stage": {
            f"{kind}/{s['objects']}": {
                "ratio": s["ratio"],
                "kizuna_objects_per_s": s["kizuna_objects_per_s"],
                "ceiling_objects_per_s": s["ceiling_objects_per_s"],
                "get_limit100_8_clients_p50_ms": s["latency"][1]["p50_ms"],
                "get_limit100_8_clients_p99_ms": s["latency"][1]["p99_ms"],
                "server_peak_rss_kib": s["server_memory_kib"]["peak"],
            }
            for kind, r in results.items()
            for s in r["stages"]
        },
    }
    path = write_result(
        NAME,
        {
            "summary": summary,
            "config": {
                "sizes": args.sizes,
                "databases": args.db,
                "quick": args.quick,
                "runs": args.runs,
                "medallion_runs": args.medallion_runs,
                "requests_per_client": args.requests,
                "clients": CLIENTS,
                "page": PAGE,
                "small_page": SMALL_PAGE,
                "batch": args.batch,
                "seed": args.seed,
                "collection": COLLECTION.key,
            },
            "notes": [
                "Every object was loaded through Store.create_in (STIX validation, label "
                "marking, audit entry); one database per kind grows stage by stage.",
                "The ceiling reads versions.body in pages of 1,000 by primary key and joins "
                "the stored JSON into envelope bytes: no HTTP, authentication or labels.",
                "Timed passes read raw bytes; next is taken from the envelope head. The "
                "first pass of each stage (taxii2-client) checks the reader's exact share.",
                "Kizuna is served by `kizuna serve` (one uvicorn process) in a subprocess; "
                "medallion by its own script (Flask's server) from bench/.venv-medallion.",
                "PostgreSQL is ANALYZEd after each load, as autovacuum would.",
            ],
            "databases": results,
        },
    )
    verdict = "met" if summary["met"] else "MISSED"
    line = f"ratio {ratio:.2f} (target >= {TARGET}: {verdict}; worst: {worst_kind}, "
    line += f"{worst['objects']:,} objects)"
    if medallion_ratio is not None:
        med_verdict = "met" if summary["medallion_met"] else "MISSED"
        line += f"; Kizuna ÷ medallion {medallion_ratio:,.0f} "
        line += f"(expected >= {MEDALLION_TARGET:.0f}: {med_verdict})"
    out.print(f"{line}; written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
