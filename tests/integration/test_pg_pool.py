"""A pooled PostgreSQL connection is pinged before use only when it has sat idle
(`kizuna.db.engine.IDLE_BEFORE_PING`): one used a moment ago goes straight to work, and
one that died while idle (the server restarted, a firewall dropped it) is replaced
before anyone uses it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kizuna.db import engine as engine_module
from kizuna.db.engine import Database
from tests.conftest import _admin_connect, drop_pg_database, make_pg_database


@pytest.fixture
def db(pg_server: str, pg_template: str) -> Iterator[Database]:
    url, name = make_pg_database(pg_server, template=pg_template)
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
        drop_pg_database(pg_server, name)


def _backend(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    pinged: list[Any] = []
    ping = db.engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        pinged.append(dbapi_conn)
        return ping(dbapi_conn)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return pinged


def test_a_connection_used_a_moment_ago_is_not_pinged(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinged = _pings(db, monkeypatch)
    first = _backend(db)
    assert [_backend(db) for _ in range(20)] == [first] * 20
    assert pinged == []
    # Idle long enough: pinged, and still the same connection.
    monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING", 0.0)
    assert _backend(db) == first
    assert len(pinged) == 1


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    db: Database, pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING", 0.0)
    first = _backend(db)
    with _admin_connect(pg_server) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    assert _backend(db) != first


def test_without_the_ping_the_dead_connection_would_have_failed_the_read(
    db: Database, pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above is not vacuous: the same death, not pinged, fails the read."""
    monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING", float("inf"))
    first = _backend(db)
    with _admin_connect(pg_server) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    with pytest.raises(DBAPIError):
        _backend(db)
    # SQLAlchemy saw the disconnect and dropped the pool: the next read reconnects.
    assert _backend(db) != first
