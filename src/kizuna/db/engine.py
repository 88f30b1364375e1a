"""Engine, transactions and migrations, the same on SQLite and PostgreSQL.

SQLite runs in WAL mode with write transactions started as BEGIN IMMEDIATE, so
that two writers queue on the lock instead of failing halfway; PostgreSQL
serializes the few places that need it with row locks (see audit).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

__all__ = ["Database", "alembic_config"]

_WRITE = "kizuna_write"


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN below, not the driver, open transactions.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# A pooled connection idle longer than this is pinged before it is used again.
IDLE_BEFORE_PING = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled PostgreSQL connection before use only when it has sat idle: one
    used a moment ago is alive, and pinging every checkout (`pool_pre_ping`) was one
    round trip in four of a read. One idle longer (the server restarted, a firewall
    dropped it) is pinged and, when dead, replaced before anyone uses it, as
    `pool_pre_ping` does."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # The pool discards this connection and checks out another.
            raise DisconnectionError(f"a pooled connection idle since then is gone: {exc}") from exc


# Every so many rows written, the statistics of the tables every read plans over are looked
# at (`keep_statistics`). Without them PostgreSQL plans a table grown since its last
# ANALYZE as the few rows it then held: TAXII's `match[version]=first` walked every
# readable row once for each row of its page (1.6 s for a page of 1,000 of 1,500
# objects, where a few milliseconds do) until autovacuum came round, and never on a
# server that runs without it.
_LOOK_EVERY = 500
_log = logging.getLogger("kizuna.db")
_PLANNED = ("objects", "versions", "access")


class Database:
    """One engine and the two kinds of transaction Kizuna uses."""

    def __init__(self, url: str, **engine_args: Any) -> None:
        self.url = make_url(url)
        self._changed = 0  # rows written since the statistics were last looked at
        if self.url.get_backend_name() == "sqlite":
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(self.url, **engine_args)
            _sqlite_events(self.engine)
        else:
            if self.url.drivername == "postgresql":
                self.url = self.url.set(drivername="postgresql+psycopg")
            self.engine = create_engine(self.url, **engine_args)
            _ping_when_idle(self.engine)
            event.listen(self.engine, "after_cursor_execute", self._count_changes)

    def _count_changes(self, _conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if cursor.rowcount > 0 and statement.lstrip()[:6].upper() != "SELECT":
            self._changed += cursor.rowcount

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on error."""
        with self.engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
            yield conn
        if self._changed >= _LOOK_EVERY:
            # The server publishes a backend's counts up to a second after its commit:
            # where they showed nothing to analyse, they are looked at again sooner.
            self._changed = _LOOK_EVERY - 50
            try:
                if self.keep_statistics(_PLANNED):
                    self._changed = 0
            except DBAPIError:
                # The write is committed: a look that failed (a lock, a restart) is the
                # planner's loss, tried again later, never the writer's error.
                _log.warning("could not look at the tables' statistics", exc_info=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def keep_statistics(self, tables: Sequence[str]) -> list[str]:
        """On PostgreSQL, ANALYZE those of `tables` that changed by more than a fifth
        since they were last analysed, as autovacuum would. A node importing a large
        batch must not plan the rest of it on the statistics of the empty tables it
        started from: with autovacuum off, or before its next round, a restatement
        lookup planned for one row took 2.3 s where 1 ms would do. On SQLite, nothing.
        """
        if self.is_sqlite:
            return []
        with self.write() as conn:
            rows = conn.execute(
                text(
                    "SELECT relname, n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables"
                    " WHERE schemaname = current_schema() AND relname = ANY(:names)"
                ),
                {"names": list(tables)},
            ).all()
            stale = [r.relname for r in rows if r.n_mod_since_analyze > 50 + r.n_live_tup / 5]
            if stale:
                quote = conn.dialect.identifier_preparer.quote
                conn.exec_driver_sql("ANALYZE " + ", ".join(quote(t) for t in sorted(stale)))
        return stale

    def migrate(self, folders: Sequence[Path] = ()) -> None:
        """Bring the schema to the newest revision: the floor's chain and the revisions of
        the domains' own tables (`folders`), which branch from it."""
        with self.write() as conn:
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
            if current == _newest(tuple(folders)):
                # Every start of a node (and every test's) would otherwise load each
                # revision's script again only to find nothing to do.
                return
            config = alembic_config(folders)
            config.attributes["connection"] = conn
            command.upgrade(config, "heads")

    def dispose(self) -> None:
        self.engine.dispose()


@cache
def _newest(folders: tuple[Path, ...]) -> frozenset[str]:
    """The head revisions of the floor's chain and the domains' branches."""
    return frozenset(ScriptDirectory.from_config(alembic_config(folders)).get_heads())


def alembic_config(folders: Sequence[Path] = ()) -> Config:
    config = Config()
    location = resources.files("kizuna.db").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    if folders:
        # Split on the OS's path separator, not on spaces (a folder's path may hold one).
        config.set_main_option("path_separator", "os")
        config.set_main_option(
            "version_locations",
            os.pathsep.join([str(location.joinpath("versions")), *(str(f) for f in folders)]),
        )
    return config
