"""Shared fixtures: a node on SQLite or PostgreSQL, API clients, and the rule that a
test needing a missing service skips, unless KIZUNA_REQUIRE_ALL=1 makes it fail."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy.engine import make_url

from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.domains import migration_folders
from kizuna.identity import accounts as identity_accounts
from kizuna.identity import service as identity_service
from kizuna.runtime import Node
from kizuna.store import Database
from kizuna.web.app import create_app

PG_ADMIN_URL = os.environ.get("KIZUNA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_ALL = os.environ.get("KIZUNA_REQUIRE_ALL") == "1"


# Password hashing in this process uses argon2's cheapest parameters (the profile
# argon2-cffi ships for tests): the suite makes about two thousand hashes, at a tenth
# of a second each with the node's own. Still argon2, hashed and verified for real;
# a hash made here carries its parameters, so a `kizuna serve` process verifies it
# and rehashes it with its own. Tests marked `real_password_hash` run with the node's
# own hasher, and one of them holds its parameters.
REAL_HASHER = identity_service._hasher
CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
identity_service._hasher = identity_accounts._hasher = CHEAP_HASHER


@pytest.fixture(autouse=True)
def _real_password_hash(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("real_password_hash") is None:
        yield
        return
    identity_service._dummy_hash.cache_clear()
    identity_service._hasher = identity_accounts._hasher = REAL_HASHER
    try:
        yield
    finally:
        identity_service._hasher = identity_accounts._hasher = CHEAP_HASHER
        identity_service._dummy_hash.cache_clear()


def unavailable(reason: str) -> None:
    """Skip with a visible reason, or fail when every test must run."""
    if REQUIRE_ALL:
        pytest.fail(f"KIZUNA_REQUIRE_ALL=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _admin_connect(admin_url: str) -> psycopg.Connection:
    conninfo = make_url(admin_url).set(drivername="postgresql").render_as_string(False)
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=3)


def _pg_reachable() -> str | None:
    try:
        with _admin_connect(PG_ADMIN_URL) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def pg_server() -> str:
    reason = _pg_reachable()
    if reason:
        unavailable(reason)
    return PG_ADMIN_URL


def make_pg_database(admin_url: str, *, template: str | None = None) -> tuple[str, str]:
    """A fresh database of our own, so runs never see each other's rows; a copy of
    `template` when given."""
    name = f"kizuna_t_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with _admin_connect(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
        # Test data need not survive a power cut; commits stop waiting for the disk.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def drop_pg_database(admin_url: str, name: str) -> None:
    with _admin_connect(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _database_connect(admin_url: str, name: str) -> psycopg.Connection:
    return _admin_connect(make_url(admin_url).set(database=name).render_as_string(False))


class PgDatabases:
    """Copies of the migrated template, each given to one test at a time and emptied
    back to the template's state when the test gives it back.

    Creating a database writes some six hundred files, and on this machine's ext4 the
    suite's thousand creations and drops made each creation slower than the last (new
    inodes are searched for past the recently deleted ones: 0.03 s a creation on a
    quiet machine, 0.3-0.5 s during the suite). Emptying one takes a few statements and
    no file. A copy is dropped after `USES` tests, so that the dead rows of its deletes
    (this server runs without autovacuum) never pile up. The server's counters of
    its tables (pg_stat_user_tables) are not emptied: a test of them takes a database
    of its own (`test_statistics.py`). `fingerprint` is what
    `tests/integration/test_test_databases.py` compares with the template's."""

    USES = 12

    def __init__(self, admin_url: str, template: str) -> None:
        self.admin_url = admin_url
        self.template = template
        self.free: list[tuple[str, int]] = []
        self.uses: dict[str, int] = {}
        with _database_connect(admin_url, template) as conn:
            self.tables = _tables(conn)
            self.rows = {t: conn.execute(_select_all(t)).fetchall() for t in self.tables}

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def take(self) -> tuple[str, str]:
        if self.free:
            name, uses = self.free.pop()
        else:
            _, name = make_pg_database(self.admin_url, template=self.template)
            uses = 0
        self.uses[name] = uses + 1
        return self.url(name), name

    def give_back(self, name: str) -> None:
        uses = self.uses.pop(name)
        if uses < self.USES:
            try:
                self.empty(name)
            except (psycopg.Error, _Changed):
                pass  # a test that changed the schema: its copy is dropped, not reused
            else:
                self.free.append((name, uses))
                return
        drop_pg_database(self.admin_url, name)

    def empty(self, name: str) -> None:
        """Back to the template's rows and sequences, after ending every connection
        the test left open (as DROP DATABASE ... WITH (FORCE) would)."""
        with _database_connect(self.admin_url, name) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            for _ in range(100):
                left = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                if left.fetchone() == (0,):
                    break
                time.sleep(0.05)
            if _tables(conn) != self.tables:
                raise _Changed(name)
            with conn.transaction():
                # Replica mode: no foreign key or trigger runs for rows about to go.
                conn.execute("SET LOCAL session_replication_role = replica")
                for table in self.tables:
                    conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                for table, rows in self.rows.items():
                    for values in rows:
                        insert = sql.SQL("INSERT INTO {} VALUES ({})").format(
                            sql.Identifier(table), sql.SQL(", ".join(["%s"] * len(values)))
                        )
                        conn.execute(insert, values)
                conn.execute("SELECT setval(seqrelid, seqstart, false) FROM pg_sequence")

    def close(self) -> None:
        # Those still taken too: a test that failed between take and give back.
        for name in [name for name, _ in self.free] + list(self.uses):
            drop_pg_database(self.admin_url, name)
        self.free.clear()
        self.uses.clear()


class _Changed(Exception):
    pass


def _select_all(table: str) -> sql.Composed:
    return sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))


def _tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return [r[0] for r in rows]


def fingerprint(conn: psycopg.Connection) -> dict[str, object]:
    """Every table's rows and every sequence's state: equal for two databases that a
    test cannot tell apart."""
    found: dict[str, object] = {}
    for table in _tables(conn):
        rows = conn.execute(_select_all(table)).fetchall()
        found[table] = sorted(map(repr, rows))
    for seq in conn.execute("SELECT sequencename FROM pg_sequences ORDER BY 1").fetchall():
        state = sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(seq[0]))
        found[f"sequence {seq[0]}"] = conn.execute(state).fetchone()
    return found


def _migrate(url: str) -> None:
    db = Database(url)
    try:
        db.migrate(migration_folders())
    finally:
        db.dispose()


# Migrating a new database takes 0.2-0.5 s, and the suite makes about a thousand;
# each worker migrates one database per backend and copies it for every test. Tests
# of the migrations themselves take `empty_db_url`.
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    url, name = make_pg_database(pg_server)
    try:
        _migrate(url)
        yield name
    finally:
        drop_pg_database(pg_server, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kizuna.db'}"
        return
    admin = request.getfixturevalue("pg_server")
    url, name = make_pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, name)


@pytest.fixture(scope="session")
def pg_databases(pg_server: str, pg_template: str) -> Iterator[PgDatabases]:
    databases = PgDatabases(pg_server, pg_template)
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database on each backend, migrated to the head and holding no node: on
    PostgreSQL one of the worker's copies of the template, emptied back to it."""
    if request.param == "sqlite":
        path = tmp_path / "kizuna.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    databases: PgDatabases = request.getfixturevalue("pg_databases")
    url, name = databases.take()
    try:
        yield url
    finally:
        databases.give_back(name)


def node_settings(db_url: str, tmp_path: Path, **extra: object) -> Settings:
    return Settings(database_url=db_url, key_file=tmp_path / "node.pem", **extra)  # type: ignore[arg-type]


@pytest.fixture
def node(db_url: str, tmp_path: Path) -> Iterator[Node]:
    """An initialized JPN node with no users and no objects."""
    settings = node_settings(db_url, tmp_path)
    initialize(settings, nation="JPN")
    opened = open_node(settings)
    try:
        yield opened
    finally:
        opened.db.dispose()


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node)) as test_client:
        yield test_client


# First: pytest-xdist reads the groups in a hook of its own, after this one.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test`), tests that start `kizuna serve` processes or a
    browser run one after another on one worker, so that two of them never share the
    machine's cores and wait past their start-up timeouts; the rest spread over the
    other workers.

    A test marked `sqlite_only` is about what a page or a form says, not about the
    database: its PostgreSQL run is deselected (the oracles, the store's, TAXII's and
    the federation's tests run on both; `tests/unit/test_suite_groups.py` keeps them
    unmarked)."""
    dropped = [item for item in items if _postgresql_run_of_sqlite_only(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(dropped)
        items[:] = [item for item in items if item not in gone]
    for item in items:
        path = item.path.as_posix()
        if "/tests/e2e/" in path or "processes" in path or "browser" in path:
            item.add_marker(pytest.mark.xdist_group("processes"))
        elif _builds_a_module_world(item):
            # A module that builds its world once (the leak oracles: seconds of writes
            # on each database) runs on one worker: split over two, each built it again,
            # and again whenever other modules' tests came between its own.
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _postgresql_run_of_sqlite_only(item: pytest.Item) -> bool:
    if item.get_closest_marker("sqlite_only") is None:
        return False
    params = getattr(item, "callspec", None)
    chosen = params.params if params is not None else {}
    return "postgresql" in (chosen.get("db_url"), chosen.get("empty_db_url"))


def _builds_a_module_world(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None or item.module is None:
        return False
    return any(
        d.scope == "module" and d.func.__module__ == item.module.__name__
        for defs in info.name2fixturedefs.values()
        for d in defs
    )
